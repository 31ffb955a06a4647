"""The stage's front door: pick the parser for a source, parse, store a snapshot."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from cftwatch.errors import ListFormatError
from cftwatch.lists.model import ParsedList
from cftwatch.lists.sources import ParseRequest, file_in_folder, get_source
from cftwatch.lists.store import ListVersion, store_parsed
from cftwatch.workspace import Workspace


def parse_list(
    path: str | Path,
    source: str,
    *,
    name: str | None = None,
    alt: str | Path | None = None,
    add: str | Path | None = None,
) -> ParsedList:
    """Parse one official list file (or the OFAC CSV set) into `LIST_ENTITIES` rows.

    `source` is a `ListSource` id or alias (`cftwatch.lists.sources`). Raises
    ListFormatError (naming file, record and field) for a truncated, wrong-format or empty
    file; nothing is stored.
    """
    file = Path(path)
    src = source.strip().lower()
    if file.is_dir():
        file = file_in_folder(file, src)
    if not file.is_file():
        raise ListFormatError.at("no such file", file=str(file))
    request = ParseRequest(src, name, Path(alt) if alt else None, Path(add) if add else None)
    return get_source(src).parse(file, request)


def load_list(
    ws: Workspace,
    path: str | Path,
    source: str,
    *,
    name: str | None = None,
    alt: str | Path | None = None,
    add: str | Path | None = None,
    source_url: str | None = None,
    force: bool = False,
    allow_older: bool = False,
) -> ListVersion:
    """Parse a list file completely, then store it as a new snapshot and activate it in one
    transaction. A file already active (same hash) is not stored twice (`unchanged`); one
    published before the active version is refused unless `allow_older`."""
    parsed = parse_list(path, source, name=name, alt=alt, add=add)
    return store_parsed(ws, parsed, source_url=source_url, force=force, allow_older=allow_older)


SAMPLES = resources.files("cftwatch.lists") / "samples"
"""Small real extracts of the UN, OFAC SDN and UK lists, shipped for `cftwatch demo`."""


def load_list_samples(ws: Workspace) -> list[ListVersion]:
    """Load the bundled list extracts (UN, OFAC SDN CSV set, UK OFSI); idempotent."""
    with resources.as_file(SAMPLES) as folder:
        return [
            load_list(ws, folder / "un_demo.xml", "un"),
            load_list(
                ws,
                folder / "ofac_sdn.csv",
                "ofac",
                alt=folder / "ofac_alt.csv",
                add=folder / "ofac_add.csv",
            ),
            load_list(ws, folder / "uk_conlist.xlsx", "uk"),
        ]
