from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from cftwatch.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

HAS_SPARK = importlib.util.find_spec("pyspark") is not None
ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


def pytest_collection_modifyitems(config, items):
    """Spark tests run where pyspark is installed (CI installs it); else they are skipped
    with the reason. CFTWATCH_REQUIRE_SPARK=1 (set by .ci/run) turns that skip into a failure."""
    if HAS_SPARK:
        return
    if os.environ.get("CFTWATCH_REQUIRE_SPARK") == "1":
        raise pytest.UsageError("CFTWATCH_REQUIRE_SPARK=1 but pyspark is not installed")
    skip = pytest.mark.skip(reason="pyspark not installed: pip install 'cftwatch[spark]'")
    for item in items:
        if "spark" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def workspace(tmp_path: Path):
    ws = Workspace.init(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture(params=ENGINES)
def engine_name(request) -> str:
    """Parametrises a test over every engine (Splink-style)."""
    return request.param
