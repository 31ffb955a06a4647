"""The README's ingest-format table and list-source text (and docs/lists.md's update table)
are generated from the registries; this test fails when they disagree. It compares and
never rewrites: paste the rendered text from the failure message into the file."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cftwatch.ingest import FORMATS
from cftwatch.ingest.formats import formats_markdown
from cftwatch.lists.sources import LIST_SOURCES, sources_markdown, update_urls_markdown

ROOT = Path(__file__).resolve().parents[1]


def generated_block(path: Path, marker: str) -> str:
    """The text between `<!-- marker: ... -->` and `<!-- /marker -->` in a file."""
    text = path.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}:[^>]*-->\n(.*?)\n<!-- /{marker} -->", text, re.DOTALL)
    assert found, f"{path.name} has no generated block {marker!r}"
    return found.group(1)


@pytest.mark.parametrize(
    ("doc", "marker", "render"),
    [
        ("README.md", "ingest-formats", formats_markdown),
        ("README.md", "list-sources", sources_markdown),
        ("docs/lists.md", "list-updates", update_urls_markdown),
    ],
)
def test_docs_match_registries(doc: str, marker: str, render: Callable[[], str]) -> None:
    expected = render()
    assert generated_block(ROOT / doc, marker) == expected, (
        f"{doc} [{marker}] is out of date; replace the block with:\n{expected}"
    )


def test_every_registered_name_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in FORMATS:
        assert f"`{name}`" in readme, name
    for source in LIST_SOURCES:
        for name in source.names:
            assert f"`{name}`" in readme, name
