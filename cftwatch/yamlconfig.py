"""One way to read a configuration file (workspace config, mapping, rules.yaml, FIU
profile): YAML with the line of every key, validated by a pydantic model, every problem
turned into a `Problem` that names the file, the line and the key path."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from cftwatch.errors import ConfigError, InputError, Problem

M = TypeVar("M", bound=BaseModel)

KeyPath = tuple[str, ...]


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its data and the 1-based line of each key path."""

    data: Any
    source: str
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath | list[Any] | tuple[Any, ...]) -> int | None:
        """The line of the deepest known key on `path` (None when unknown)."""
        keys = tuple(str(p) for p in path)
        while keys:
            if keys in self.lines:
                return self.lines[keys]
            keys = keys[:-1]
        return self.lines.get(())


def read_text(path: str | Path, error: type[InputError] = ConfigError, what: str = "file") -> str:
    """A config file's text, or `error` naming the file (missing, a folder, not UTF-8, a FIFO)."""
    p = Path(path)
    where = str(p)
    try:
        if not p.exists():
            raise error.at(f"{what} not found", file=where)
        if not p.is_file():
            raise error.at(f"{what} is not a regular file", file=where)
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error.at(f"{what} is not UTF-8 text", file=where) from exc
    except OSError as exc:
        raise error.at(f"cannot read the {what}: {exc.strerror or exc}", file=where) from exc


def parse_yaml(text: str, source: str, error: type[InputError] = ConfigError) -> YamlDocument:
    """Parse YAML safely (no tags that build objects), keeping each key's line."""
    try:
        data = yaml.safe_load(text)
        lines = line_index(yaml.compose(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(
            Problem(
                f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                file=source,
                record=mark.line + 1 if mark is not None else None,
            )
        ) from exc
    except RecursionError as exc:
        raise error(Problem("YAML nested too deeply", file=source)) from exc
    return YamlDocument(data=data, source=source, lines=lines)


def load_yaml(
    path: str | Path, error: type[InputError] = ConfigError, what: str = "file"
) -> YamlDocument:
    return parse_yaml(read_text(path, error, what), str(path), error)


def line_index(node: yaml.Node | None, path: KeyPath = ()) -> dict[KeyPath, int]:
    """Key path -> 1-based line of the key, for error messages."""
    out: dict[KeyPath, int] = {}
    if node is None:
        return out
    if not path:
        out[()] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, str(key.value))
            out[sub] = key.start_mark.line + 1
            out.update(line_index(value, sub))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = (*path, str(i))
            out[sub] = item.start_mark.line + 1
            out.update(line_index(item, sub))
    return out


def shown(value: Any) -> Any:
    """A value as an error message shows it (a mapping by its first keys)."""
    if isinstance(value, dict):
        return "{" + ", ".join(str(k) for k in list(value)[:6]) + "}"
    return value


def problems_from_validation(
    exc: ValidationError,
    source: str | None,
    doc: YamlDocument | None = None,
    prefix: KeyPath = (),
) -> list[Problem]:
    """Pydantic's errors as `Problem`s: key path as the field, the key's line as the record."""
    out = []
    for err in exc.errors():
        path = (*prefix, *(str(p) for p in err["loc"]))
        out.append(
            Problem(
                err["msg"],
                file=source,
                record=doc.line(path) if doc is not None else None,
                field=".".join(path),
                value=shown(err.get("input")),
            )
        )
    return out


def validate(
    model: type[M],
    data: Any,
    source: str | None,
    error: type[InputError] = ConfigError,
    doc: YamlDocument | None = None,
    prefix: KeyPath = (),
) -> M:
    """`model.model_validate(data)`, or `error` listing every problem by key path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(problems_from_validation(exc, source, doc, prefix)) from exc
