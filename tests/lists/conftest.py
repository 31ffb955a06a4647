from __future__ import annotations

from pathlib import Path

import pytest

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "lists"


@pytest.fixture
def fix() -> Path:
    return FIX


def by_ref(table) -> dict[str, dict]:
    return {r["list_ref"]: r for r in table.to_pylist()}


def names(row: dict) -> dict[str, tuple[str, str]]:
    return {n["name"]: (n["quality"], n["name_type"]) for n in row["names"]}
