"""The list-source registry: one `ListSource` record per official list, read by everything
that names a source (`parse_list`, folder look-up, `lists update`, `--source` filters, the
CLI help, the README and `docs/lists.md`). A new list = one parser module + one record here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cftwatch.errors import InputError, ListFormatError
from cftwatch.lists.custom import parse_custom
from cftwatch.lists.eu import parse_eu
from cftwatch.lists.model import ParsedList
from cftwatch.lists.nacta import parse_nacta
from cftwatch.lists.ofac_csv import parse_ofac_csv
from cftwatch.lists.ofac_xml import NONSDN_LIST_ID, SDN_LIST_ID, parse_ofac_xml
from cftwatch.lists.uk import parse_uk
from cftwatch.lists.un import parse_un

CUSTOM_PREFIX = "custom:"
"""`custom:NAME` as a `--source` value names a custom list (like `--source custom --name`)."""


@dataclass(frozen=True)
class ParseRequest:
    """What `parse_list` was asked for, beyond the file: the source as typed (lower case),
    a custom list's name and the OFAC CSV set's companion files."""

    source: str
    name: str | None = None
    alt: Path | None = None
    add: Path | None = None


Parser = Callable[[Path, ParseRequest], ParsedList]


@dataclass(frozen=True)
class ListSource:
    """One official list: how `--source ID` parses it, where `lists update` fetches it."""

    id: str
    """The `--source` value (and, but for `ofac`/`custom`, the stored `list_id`)."""
    title: str
    """The list, for people (docs, README)."""
    reads: str
    """What file the parser reads (docs, README, CLI help)."""
    parse: Parser
    aliases: tuple[str, ...] = ()
    list_ids: tuple[str, ...] | None = None
    """Stored list ids a `--source ID` filter selects (default: the id itself)."""
    url: str | None = None
    """The official download URL (`lists update`; `lists.urls` overrides it)."""
    updated_by_default: bool = False
    """`lists update` without `--source` fetches it."""
    update_as: str | None = None
    """The source id a download is parsed as (default: this one)."""
    folder_files: tuple[str, ...] = ()
    """File names (lower case) `lists load FOLDER --source ID` looks for."""
    dated_pattern: tuple[str, str] | None = None
    """(name part, suffix) of dated copies found in a folder (`ofac_sdn_2024-05-03.csv`)."""
    companions: tuple[str, ...] = ()
    """Files downloaded beside a CSV main file (`sdn.csv` → `alt.csv`, `add.csv`)."""
    download_suffix: str = ".dat"
    """Suffix of a downloaded file whose URL has none."""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)

    def selected_list_ids(self) -> list[str]:
        return list(self.list_ids if self.list_ids is not None else (self.id,))


def _un(file: Path, req: ParseRequest) -> ParsedList:
    return parse_un(file)


def _ofac(file: Path, req: ParseRequest) -> ParsedList:
    """SDN CSV set or XML; an XML named like `*cons*`/`*nonsdn*` is the non-SDN list."""
    if file.suffix.lower() == ".xml":
        lowered = file.name.lower()
        nonsdn = req.source == "ofac" and ("cons" in lowered or "nonsdn" in lowered)
        return parse_ofac_xml(file, NONSDN_LIST_ID if nonsdn else SDN_LIST_ID)
    return parse_ofac_csv(file, req.alt, req.add)


def _ofac_nonsdn(file: Path, req: ParseRequest) -> ParsedList:
    if file.suffix.lower() != ".xml":
        raise ListFormatError.at(
            "the consolidated non-SDN list is read from its XML file", file=str(file)
        )
    return parse_ofac_xml(file, NONSDN_LIST_ID)


def _uk(file: Path, req: ParseRequest) -> ParsedList:
    return parse_uk(file)


def _eu(file: Path, req: ParseRequest) -> ParsedList:
    return parse_eu(file)


def _nacta(file: Path, req: ParseRequest) -> ParsedList:
    return parse_nacta(file)


def _custom(file: Path, req: ParseRequest) -> ParsedList:
    from_source = req.source.split(":", 1)[1] if ":" in req.source else None
    list_name = req.name or from_source
    if not list_name:
        raise InputError.at("a custom list needs a name (--name)", field="name", value=None)
    return parse_custom(file, list_name)


_OFAC_EXPORTS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"

LIST_SOURCES: tuple[ListSource, ...] = (
    ListSource(
        id="un",
        title="UN Security Council Consolidated List",
        reads="UN consolidated XML",
        parse=_un,
        url="https://scsanctions.un.org/resources/xml/en/consolidated.xml",
        updated_by_default=True,
        folder_files=("consolidated.xml",),
        download_suffix=".xml",
    ),
    ListSource(
        id="ofac",
        title="US OFAC SDN list",
        reads="SDN CSV set or `sdnList` XML",
        parse=_ofac,
        list_ids=(SDN_LIST_ID, NONSDN_LIST_ID),
        url=_OFAC_EXPORTS + "SDN.XML",
        updated_by_default=True,
        update_as="ofac-sdn",
        folder_files=("sdn.csv", "sdn.xml"),
        dated_pattern=("sdn", ".csv"),
        companions=("alt", "add"),
        download_suffix=".xml",
    ),
    ListSource(
        id="ofac-sdn",
        title="US OFAC SDN list only",
        reads="SDN CSV set or XML",
        parse=_ofac,
        folder_files=("sdn.csv", "sdn.xml"),
        dated_pattern=("sdn", ".csv"),
        companions=("alt", "add"),
        download_suffix=".xml",
    ),
    ListSource(
        id="ofac-nonsdn",
        title="OFAC consolidated non-SDN list",
        reads="`CONSOLIDATED.XML`",
        parse=_ofac_nonsdn,
        aliases=("ofac-cons",),
        url=_OFAC_EXPORTS + "CONSOLIDATED.XML",
        folder_files=("consolidated.xml", "cons.xml"),
        companions=("alt", "add"),
        download_suffix=".xml",
    ),
    ListSource(
        id="eu",
        title="EU consolidated financial sanctions list",
        reads="FSF XML; untested against a live file",
        parse=_eu,
        url=(
            "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content"
            "?token=dG9rZW4tMjAxNw"
        ),
        updated_by_default=True,
        download_suffix=".xml",
    ),
    ListSource(
        id="uk",
        title="UK OFSI Consolidated List",
        reads="OFSI ConList xlsx",
        parse=_uk,
        url="https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.xlsx",
        updated_by_default=True,
        folder_files=("conlist.xlsx",),
        download_suffix=".xlsx",
    ),
    ListSource(
        id="pk-nacta",
        title="Pakistan NACTA Fourth Schedule persons (no machine-readable URL)",
        reads="Fourth Schedule CSV",
        parse=_nacta,
        aliases=("nacta",),
    ),
    ListSource(
        id="custom",
        title="your own list (`--name N`, or `--source custom:N`)",
        reads="documented CSV/Excel",
        parse=_custom,
    ),
)
"""Every list source, in the order the docs, the CLI help and `lists update` use."""


def source_ids() -> list[str]:
    return [s.id for s in LIST_SOURCES]


def find_source(value: str) -> ListSource | None:
    """The source a `--source` value names (id, alias or `custom:NAME`), or None."""
    key = value.strip().lower()
    if key.startswith(CUSTOM_PREFIX):
        key = "custom"
    return next((s for s in LIST_SOURCES if key in s.names), None)


def get_source(value: str) -> ListSource:
    """Like `find_source`, but an unknown value is an InputError naming the choices."""
    found = find_source(value)
    if found is None:
        raise InputError.at(
            f"unknown list source (choose one of {', '.join(source_ids())})",
            field="source",
            value=value,
        )
    return found


def official_urls() -> dict[str, str]:
    """Source id → official URL, for every source that has one."""
    return {s.id: s.url for s in LIST_SOURCES if s.url}


def default_update_sources() -> list[str]:
    return [s.id for s in LIST_SOURCES if s.updated_by_default]


def list_ids_for(source: str) -> list[str] | None:
    """List ids a `--source` value selects: `ofac` → both OFAC lists, an alias → its
    source's list; anything else is itself. None means all."""
    if source in ("", "all"):
        return None
    found = find_source(source)
    if found is None or found.id == "custom":
        return [source]
    return found.selected_list_ids()


def file_in_folder(folder: Path, source: str) -> Path:
    """`load DIR --source ofac` finds sdn.csv (or SDN.XML, or one dated sdn CSV) in DIR."""
    found = find_source(source)
    wanted = found.folder_files if found else ()
    files = sorted(p for p in folder.iterdir() if p.is_file())
    for p in files:
        if p.name.lower() in wanted:
            return p
    if found is not None and found.dated_pattern is not None:
        part, suffix = found.dated_pattern
        candidates = [p for p in files if part in p.name.lower() and p.suffix.lower() == suffix]
        if len(candidates) == 1:
            return candidates[0]
    raise ListFormatError.at(f"no {' or '.join(wanted) or 'list'} file in folder", file=str(folder))


# -- generated text: CLI help, README, docs --------------------------------------------


def source_choices_help() -> str:
    """`--source` help: every id with what it reads."""
    return "; ".join(f"{s.id} ({s.reads})" for s in LIST_SOURCES) + "."


def sources_markdown(sources: Iterable[ListSource] = LIST_SOURCES) -> str:
    """The README's `Sources:` sentence (tests/test_readme.py checks README holds it)."""
    items = []
    for s in sources:
        aliases = "".join(f" / `{a}`" for a in s.aliases)
        items.append(f"`{s.id}`{aliases} ({s.reads})")
    return "Sources: " + ", ".join(items) + "."


def update_urls_markdown(sources: Iterable[ListSource] = LIST_SOURCES) -> str:
    """The table of what `lists update` fetches (docs/lists.md)."""
    rows = [
        "| `--source` | list | official URL | default | also fetched |",
        "|---|---|---|---|---|",
    ]
    for s in sources:
        if not s.url:
            continue
        also = ", ".join(f"`{c}.csv`" for c in s.companions)
        extra = f"{also} beside an `sdn.csv` URL" if also else ""
        default = "yes" if s.updated_by_default else ""
        rows.append(f"| `{s.id}` | {s.title} | <{s.url}> | {default} | {extra} |")
    return "\n".join(rows)
