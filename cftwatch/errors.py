"""Domain exceptions. Each carries where the problem is (file, record, field, value),
so the CLI can print one clear line and an API can return it as data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class CftwatchError(Exception):
    """Base of every error cftwatch raises on purpose. `exit_code` is what the CLI returns."""

    exit_code = 2

    def to_dict(self) -> dict[str, Any]:
        return {"error": type(self).__name__, "message": str(self)}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and why it is wrong."""

    reason: str
    file: str | None = None
    record: int | str | None = None
    field: str | None = None
    value: Any = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.field:
            where.append(f"field {self.field!r}")
        text = ", ".join(where)
        if self.value is not None:
            shown = str(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (value {shown!r})" if text else f"value {shown!r}"
        return f"{text}: {self.reason}" if text else self.reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "file": self.file,
            "record": self.record,
            "field": self.field,
            "value": None if self.value is None else str(self.value),
        }


class InputError(CftwatchError):
    """Bad input data: one or more problems, each located precisely."""

    def __init__(self, problems: Problem | list[Problem]) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        first = str(self.problems[0]) if self.problems else "invalid input"
        more = len(self.problems) - 1
        super().__init__(
            first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else "")
        )

    @classmethod
    def at(
        cls,
        reason: str,
        *,
        file: str | None = None,
        record: int | str | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> InputError:
        return cls(Problem(reason, file=file, record=record, field=field, value=value))

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["problems"] = [p.to_dict() for p in self.problems]
        return d


class MappingError(InputError):
    """A CSV column-mapping file is invalid."""


class ListFormatError(InputError):
    """A sanctions/proscription list file cannot be parsed (truncated, wrong format, empty)."""


class ConfigError(InputError):
    """A configuration file (workspace config, rules.yaml, FIU profile) is invalid."""


class RuleConfigError(ConfigError):
    """A rules.yaml names an unknown rule, a wrong type, an out-of-bounds value or unknown column."""


class ProfileError(ConfigError):
    """An FIU reporting profile is invalid."""


class ReportInvalid(InputError):
    """A goAML report failed validation; nothing was written."""


class WorkspaceError(CftwatchError):
    """The workspace is missing, not initialised, or in an unexpected state."""


class NotFoundError(CftwatchError):
    """A named object (case, list entry, rule, table) does not exist."""

    exit_code = 3


class WorkflowError(CftwatchError):
    """A case status transition or action that the workflow does not allow."""


class ConflictError(CftwatchError):
    """Another writer changed the record first (optimistic versioning)."""

    exit_code = 4


class DependencyMissing(CftwatchError):
    """An optional extra is needed, e.g. `pip install 'cftwatch[spark]'`."""
