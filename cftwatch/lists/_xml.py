"""Safe, streaming XML reading shared by the UN, OFAC and EU parsers.

Entity expansion, DTD loading and network access are off, `huge_tree` stays off, and the
file is read element by element (`iterparse`), each finished record cleared, so a list of
any size is parsed in constant memory. Syntax errors (a truncated download) become a
`ListFormatError` naming the file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from cftwatch.errors import ListFormatError


def local(tag: object) -> str:
    """Tag name without its namespace."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def iter_records(
    path: Path, record_tags: set[str], root_tags: set[str]
) -> Iterator[tuple[etree._Element, dict[str, str]]]:
    """Yield each finished record element (by local name) with the root's attributes.

    Raises ListFormatError when the root element is not one of `root_tags` (wrong file),
    or when the XML is malformed or cut off.
    """
    root_attrs: dict[str, str] = {}
    seen_root = False
    try:
        context = etree.iterparse(
            str(path),
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            remove_comments=True,
        )
        for event, elem in context:
            name = local(elem.tag)
            if event == "start":
                if not seen_root:
                    seen_root = True
                    if name not in root_tags:
                        raise ListFormatError.at(
                            f"root element <{name}> is not {' or '.join(sorted(root_tags))}: "
                            "wrong file for this list",
                            file=str(path),
                            record=line_of(elem),
                        )
                    root_attrs = {local(k): v for k, v in elem.attrib.items()}
                continue
            if name in record_tags:
                yield elem, root_attrs
                elem.clear(keep_tail=False)
                parent = elem.getparent()
                if parent is not None:
                    while elem.getprevious() is not None:
                        del parent[0]
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise ListFormatError.at(
            f"not well-formed XML (truncated or corrupt file): {exc.msg}",
            file=str(path),
            record=line,
        ) from exc
    except OSError as exc:
        raise ListFormatError.at(f"cannot read file: {exc}", file=str(path)) from exc
    if not seen_root:
        raise ListFormatError.at("empty file", file=str(path))


def text_of(elem: etree._Element | None) -> str | None:
    if elem is None or elem.text is None:
        return None
    value = " ".join(elem.text.split())
    return value or None


def child_text(elem: etree._Element, name: str) -> str | None:
    for child in elem:
        if local(child.tag) == name:
            return text_of(child)
    return None


def children(elem: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in elem if local(c.tag) == name]


def line_of(elem: etree._Element) -> int | None:
    """Source line of an element, for error messages."""
    value = getattr(elem, "sourceline", None)
    return value if isinstance(value, int) else None
