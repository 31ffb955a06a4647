"""The saved screening index is data, not code: a planted pickle is never unpickled, and a
tampered or foreign index file is rebuilt instead of used."""

from __future__ import annotations

import os
import pickle
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa

from cftwatch.screening.index import NameIndex, build_index, rules_digest


def _entities() -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "entity_id": "un:QDi.422",
                "source_version": "v1",
                "primary_name": "Hafiz Muhammad Saeed",
                "names": [{"name": "Hafez Mohammad Sayed", "quality": "strong"}],
            },
            {
                "entity_id": "un:QDe.118",
                "source_version": "v1",
                "primary_name": "Lashkar-e-Tayyiba",
                "names": [],
            },
        ]
    )


class _Payload:
    """Unpickling this runs code: it creates the file named in its argument."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.makedirs, (str(self.marker),))


def test_index_round_trips_as_data(tmp_path: Path):
    index = build_index(_entities())
    path = tmp_path / f"index-{index.version}.pkl"
    index.save(path)
    loaded = NameIndex.load(path)
    assert loaded is not None
    assert loaded.version == index.version
    assert loaded.entities == index.entities
    assert [n.name for n in loaded.names] == [n.name for n in index.names]
    assert loaded.postings.keys() == index.postings.keys()
    assert all(np.array_equal(loaded.postings[k], index.postings[k]) for k in index.postings)
    assert loaded.token_df == index.token_df
    query = index.names[0].name
    assert loaded.candidates(query, 5) == index.candidates(query, 5)


def test_a_planted_pickle_is_never_loaded(tmp_path: Path):
    index = build_index(_entities())
    marker = tmp_path / "code-ran"
    for name in (f"index-{index.version}.pkl", f"index-{index.version}.npz"):
        with (tmp_path / name).open("wb") as fh:
            pickle.dump((3, _Payload(marker)), fh)
    assert NameIndex.load(tmp_path / f"index-{index.version}.pkl") is None
    assert not marker.exists()


def test_a_tampered_index_is_not_trusted(tmp_path: Path):
    index = build_index(_entities())
    path = tmp_path / f"index-{index.version}.npz"
    index.save(path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    rows = arrays["posting_rows"].copy()
    rows[0] = 10_000  # points outside the names
    arrays["posting_rows"] = rows
    np.savez(path, **arrays)
    assert NameIndex.load(path) is None
    path.write_bytes(b"not a zip file")
    assert NameIndex.load(path) is None


def test_an_index_of_another_list_version_is_not_used(tmp_path: Path):
    index = build_index(_entities())
    index.save(tmp_path / "index-0000000000000000.npz")
    assert NameIndex.load(tmp_path / "index-0000000000000000.npz") is None
    assert NameIndex.load(tmp_path / "missing.npz") is None


def test_the_index_file_name_follows_the_screening_data(tmp_path: Path):
    """An index built under other titles/places/frequencies must not be reused."""
    data = tmp_path / "data"
    shutil.copytree(str(resources.files("cftwatch.screening").joinpath("data")), data)
    assert rules_digest(data) == rules_digest()
    titles = data / "titles.tsv"
    titles.write_text(titles.read_text("utf-8") + "zzcheckedtitle\ttitle\n", "utf-8")
    assert rules_digest(data) != rules_digest()
