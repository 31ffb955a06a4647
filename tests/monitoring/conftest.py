from __future__ import annotations

import pytest

from tests.monitoring.factory import Book


@pytest.fixture
def book() -> Book:
    return Book()
