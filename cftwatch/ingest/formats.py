"""The ingest-format registry: one `IngestFormat` record per format, registered by the
format's own module and read by `ingest_files`, `ingest_samples`, the CLI's help and the
README's format table. A new format = one module that calls `register` once (and is
imported in `cftwatch/ingest/__init__.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cftwatch.errors import ConfigError
from cftwatch.ingest._core import Progress, Source
from cftwatch.ingest.mapping import Mapping
from cftwatch.workspace import Workspace

SAMPLES_DIR = Path(__file__).with_name("samples")
"""Where the demo files of every format live (package data)."""


@dataclass(frozen=True)
class Context:
    """What a reader gets for one file."""

    path: Path
    sha: str
    fmt: str
    """The format name as the caller gave it (an alias such as `pacs008` narrows a reader)."""
    ws: Workspace
    mapping: Mapping | None
    start: datetime | None
    currency: str
    progress: Progress | None


Reader = Callable[[Context], Source]
Prepare = Callable[[Workspace, list[Path]], object]


@dataclass(frozen=True)
class DocRow:
    """The format's row in the README table (`| FORMAT | reads | maps | txn_id | labels |`)."""

    reads: str
    maps: str
    txn_id: str
    labels: str = "—"


@dataclass(frozen=True, eq=False)
class IngestFormat:
    """One input format: its name, what it reads, its reader and its demo files."""

    name: str
    summary: str
    """One line: what it reads (CLI help, `FORMATS`)."""
    reader: Reader
    doc: DocRow
    aliases: dict[str, str] = field(default_factory=dict)
    """Other names the same reader answers to, each with its own summary."""
    samples: tuple[Path, ...] = ()
    needs_mapping: bool = False
    """`--mapping FILE` is required (the csv format)."""
    needs_start: bool = False
    """`--start` is required (PaySim: the time of step 0)."""
    prepare: Prepare | None = None
    """Run once over all files of a call before any is loaded (Mojaloop keeps quotes)."""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


_REGISTRY: dict[str, IngestFormat] = {}


def register(fmt: IngestFormat) -> IngestFormat:
    """Add a format (a format module calls this once, at import)."""
    for name in fmt.names:
        if name in _REGISTRY and _REGISTRY[name] is not fmt:
            raise ValueError(f"ingest format {name!r} is registered twice")
        _REGISTRY[name] = fmt
    return fmt


def ingest_formats() -> list[IngestFormat]:
    """Every registered format, once each, in registration order."""
    return list(dict.fromkeys(_REGISTRY.values()))


def get_format(name: str) -> IngestFormat:
    """The format a name (or alias) selects; ConfigError naming the choices otherwise."""
    found = _REGISTRY.get(name)
    if found is None:
        raise ConfigError.at(
            f"unknown format (choose one of {', '.join(format_summaries())})",
            field="format",
            value=name,
        )
    return found


def format_summaries() -> dict[str, str]:
    """Format name (aliases included) → what it reads."""
    out: dict[str, str] = {}
    for fmt in ingest_formats():
        out[fmt.name] = fmt.summary
        out.update(fmt.aliases)
    return out


def sample_files() -> dict[str, list[Path]]:
    """Format name → its demo files, for every format that ships some."""
    return {f.name: list(f.samples) for f in ingest_formats() if f.samples}


# -- generated text: CLI help, README ---------------------------------------------------


def formats_help() -> str:
    """`cftwatch ingest FORMAT` help: the names, aliases in brackets."""
    parts = []
    for fmt in ingest_formats():
        aliases = f" (or {', '.join(fmt.aliases)})" if fmt.aliases else ""
        parts.append(fmt.name + aliases)
    return ", ".join(parts) + "."


def formats_markdown() -> str:
    """The README's ingest format table (tests/test_readme.py checks README holds it)."""
    rows = ["| FORMAT | reads | maps | txn_id | labels |", "|---|---|---|---|---|"]
    for fmt in ingest_formats():
        name = f"`{fmt.name}`"
        if fmt.aliases:
            name += " (" + ", ".join(f"`{a}`" for a in fmt.aliases) + ")"
        d = fmt.doc
        rows.append(f"| {name} | {d.reads} | {d.maps} | {d.txn_id} | {d.labels} |")
    return "\n".join(rows)
