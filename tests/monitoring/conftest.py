from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ENGINES
from tests.monitoring.factory import Book


@pytest.fixture
def book() -> Book:
    return Book()


@pytest.fixture(scope="session")
def spark_session() -> Any:
    """One local Spark session for the whole test run (a JVM start is seconds)."""
    from cftwatch.engine.spark import local_session

    return local_session()


SPARK_PENDING: set[str] = set()
"""Rules whose Ibis plans are not tractable on Spark yet: DuckDB-only until then. Empty: the
order-free rules store each hop (`cftwatch.engine.materialising`) and run on both engines."""


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each test that takes `engine` runs once per engine from one definition (Splink
    style): DuckDB always; Spark marked `spark`, skipped where pyspark is missing unless
    CFTWATCH_REQUIRE_SPARK=1 (CI), and sharing one session."""
    if request.param == "spark":
        callspec = getattr(request.node, "callspec", None)
        if callspec is not None and callspec.params.get("rule_id") in SPARK_PENDING:
            pytest.skip("order-free rule not yet tractable on Spark (see SPARK_PENDING)")
        request.getfixturevalue("spark_session")
    return str(request.param)
