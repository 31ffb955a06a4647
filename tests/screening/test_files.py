from __future__ import annotations

from pathlib import Path

import pytest

from cftwatch.errors import ConfigError, InputError
from cftwatch.screening import (
    NameQuery,
    Screener,
    read_name_mapping,
    read_name_queries,
    screen_file,
)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding)
    return path


def test_mapping_defaults_to_a_name_column() -> None:
    assert read_name_mapping(None) == {"name": "name"}


def test_mapping_refuses_unknown_keys_and_a_missing_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown mapping keys"):
        read_name_mapping(_write(tmp_path / "m.yaml", "name: n\nnom: x\n"))
    with pytest.raises(ConfigError, match="needs a `name:` column"):
        read_name_mapping(_write(tmp_path / "m.yaml", "kind: k\n"))
    with pytest.raises(ConfigError):
        read_name_mapping(_write(tmp_path / "m.yaml", "name: [unclosed\n"))


def test_rows_become_queries_through_the_mapping(tmp_path: Path) -> None:
    csv_file = _write(
        tmp_path / "c.csv",
        "full_name,dob,cnic,passport\nMasood Azhar,1968,,AA 0001234\nAyesha Bibi,,,\n",
        "utf-8-sig",
    )
    mapping = read_name_mapping(
        _write(
            tmp_path / "m.yaml", "name: full_name\nbirth_date: dob\nidentifiers: [cnic, passport]\n"
        )
    )
    queries = read_name_queries(csv_file, mapping)
    assert queries == [
        NameQuery("Masood Azhar", birth_date="1968", identifiers=("AA 0001234",)),
        NameQuery("Ayesha Bibi"),
    ]


def test_a_file_without_the_name_column_is_refused(tmp_path: Path) -> None:
    csv_file = _write(tmp_path / "c.csv", "who\nMasood Azhar\n")
    with pytest.raises(InputError, match="name column not in the file"):
        read_name_queries(csv_file, {"name": "name"})
    with pytest.raises(InputError, match="cannot read CSV"):
        read_name_queries(tmp_path / "missing.csv", {"name": "name"})


def test_screen_file_gives_each_row_its_matches(screener: Screener, tmp_path: Path) -> None:
    csv_file = _write(tmp_path / "c.csv", "name\nJaish e Mohammad\nAyesha Bibi\n")
    results = screen_file(screener, csv_file)
    assert [q.name for q, _ in results] == ["Jaish e Mohammad", "Ayesha Bibi"]
    assert [[m.entity_id for m in ms] for _, ms in results] == [["un:QDe.019"], []]
