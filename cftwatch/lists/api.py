"""The stage's front door: pick the parser for a source, parse, store a snapshot."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from cftwatch.errors import InputError, ListFormatError
from cftwatch.lists.model import ParsedList
from cftwatch.lists.store import ListVersion, store_parsed
from cftwatch.workspace import Workspace

SOURCES = ("un", "ofac", "ofac-sdn", "ofac-nonsdn", "uk", "eu", "pk-nacta", "custom")
"""Values `--source` accepts. `ofac` reads the SDN CSV set or an XML file (a file named
like `*cons*`/`*nonsdn*` is the consolidated non-SDN list); `custom` needs a list name."""


def parse_list(
    path: str | Path,
    source: str,
    *,
    name: str | None = None,
    alt: str | Path | None = None,
    add: str | Path | None = None,
) -> ParsedList:
    """Parse one official list file (or the OFAC CSV set) into `LIST_ENTITIES` rows.

    Raises ListFormatError (naming file, record and field) for a truncated, wrong-format
    or empty file; nothing is stored.
    """
    file = Path(path)
    src = source.strip().lower()
    if file.is_dir():
        file = _file_in_dir(file, src)
    if not file.is_file():
        raise ListFormatError.at("no such file", file=str(file))
    if src == "un":
        from cftwatch.lists.un import parse_un

        return parse_un(file)
    if src in ("ofac", "ofac-sdn", "ofac-nonsdn", "ofac-cons"):
        if file.suffix.lower() == ".xml":
            from cftwatch.lists.ofac_xml import NONSDN_LIST_ID, SDN_LIST_ID, parse_ofac_xml

            lowered = file.name.lower()
            nonsdn = src in ("ofac-nonsdn", "ofac-cons") or (
                src == "ofac" and ("cons" in lowered or "nonsdn" in lowered)
            )
            return parse_ofac_xml(file, NONSDN_LIST_ID if nonsdn else SDN_LIST_ID)
        if src in ("ofac-nonsdn", "ofac-cons"):
            raise ListFormatError.at(
                "the consolidated non-SDN list is read from its XML file", file=str(file)
            )
        from cftwatch.lists.ofac_csv import parse_ofac_csv

        return parse_ofac_csv(file, alt, add)
    if src == "uk":
        from cftwatch.lists.uk import parse_uk

        return parse_uk(file)
    if src == "eu":
        from cftwatch.lists.eu import parse_eu

        return parse_eu(file)
    if src in ("pk-nacta", "nacta"):
        from cftwatch.lists.nacta import parse_nacta

        return parse_nacta(file)
    if src == "custom" or src.startswith("custom:"):
        from cftwatch.lists.custom import parse_custom

        list_name = name or (src.split(":", 1)[1] if ":" in src else None)
        if not list_name:
            raise InputError.at("a custom list needs a name (--name)", field="name", value=None)
        return parse_custom(file, list_name)
    raise InputError.at(
        f"unknown list source (choose one of {', '.join(SOURCES)})", field="source", value=source
    )


def _file_in_dir(folder: Path, source: str) -> Path:
    """`load DIR --source ofac` finds sdn.csv (or SDN.XML) in DIR."""
    wanted = {
        "ofac": ("sdn.csv", "sdn.xml"),
        "ofac-sdn": ("sdn.csv", "sdn.xml"),
        "ofac-nonsdn": ("consolidated.xml", "cons.xml"),
        "un": ("consolidated.xml",),
        "uk": ("conlist.xlsx",),
    }.get(source, ())
    files = sorted(p for p in folder.iterdir() if p.is_file())
    for p in files:
        if p.name.lower() in wanted:
            return p
    if source in ("ofac", "ofac-sdn"):
        # dated copies such as ofac_sdn_2024-05-03.csv
        candidates = [p for p in files if "sdn" in p.name.lower() and p.suffix.lower() == ".csv"]
        if len(candidates) == 1:
            return candidates[0]
    raise ListFormatError.at(f"no {' or '.join(wanted) or 'list'} file in folder", file=str(folder))


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
) -> ListVersion:
    """Parse a list file completely, then store it as a new snapshot and activate it in one
    transaction. A file already active (same hash) is not stored twice (`unchanged`)."""
    parsed = parse_list(path, source, name=name, alt=alt, add=add)
    return store_parsed(ws, parsed, source_url=source_url, force=force)


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
