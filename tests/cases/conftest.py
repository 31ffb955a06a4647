from __future__ import annotations

import pytest

from cftwatch.cases import CaseService
from tests.store.conftest import store, store_url  # noqa: F401 - shared fixtures


@pytest.fixture
def service(store) -> CaseService:  # noqa: F811 - the imported fixture
    return CaseService(store)
