from __future__ import annotations

import pytest

from cftwatch.reporting import FiuProfile, load_profile, project_xsd_path
from tests.reporting import helpers

SUBMITTED = helpers.SUBMITTED


@pytest.fixture(params=["generic", "fmu-pk"])
def profile(request) -> FiuProfile:
    """Both shipped profiles; fmu-pk validates against the project XSD given as --xsd."""
    return load_profile(request.param)


@pytest.fixture
def xsd():
    return project_xsd_path()


@pytest.fixture
def tables():
    return helpers.transactions_table(), helpers.parties_table(), helpers.accounts_table()
