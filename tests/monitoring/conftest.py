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


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each test that takes `engine` runs once per engine from one definition (Splink
    style): DuckDB always; Spark marked `spark`, skipped where pyspark is missing unless
    CFTWATCH_REQUIRE_SPARK=1 (CI), and sharing one session."""
    if request.param == "spark":
        request.getfixturevalue("spark_session")
    return str(request.param)
