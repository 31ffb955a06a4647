"""A saved screening index is reused: the second `load_screener` of the same lists reads the
file instead of building the index again (it did not, once the file name carried the
screening data digest as well as the list version)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ENTITIES, store_entities

from cftwatch.screening import tables
from cftwatch.screening.index import NameIndex
from cftwatch.workspace import Workspace


def test_the_saved_index_is_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace.init(tmp_path / "ws")
    store_entities(ws, ENTITIES)
    first = tables.load_screener(ws)
    saved = list((Path(ws.path) / "screening").glob("index-*.npz"))
    assert len(saved) == 1 and saved[0].stem.count("-") == 2

    def no_build(*args: object, **kwargs: object) -> NameIndex:
        raise AssertionError("the saved index was rebuilt")

    monkeypatch.setattr(tables, "build_index", no_build)
    again = tables.load_screener(ws)
    assert again.version == first.version
    assert [n.name for n in again.index.names] == [n.name for n in first.index.names]
    name = first.index.names[0].name.original
    assert [m.to_dict() for m in again.screen_name(name)] == [
        m.to_dict() for m in first.screen_name(name)
    ]


def test_an_index_of_another_list_version_is_still_rebuilt(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    store_entities(ws, ENTITIES)
    screener = tables.load_screener(ws)
    saved = next((Path(ws.path) / "screening").glob("index-*.npz"))
    other = saved.with_name(f"index-{'0' * 16}-{saved.stem.split('-')[2]}.npz")
    screener.index.save(other)
    assert NameIndex.load(other) is None
    assert NameIndex.load(saved) is not None
