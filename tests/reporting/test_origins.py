"""The field-origin map is generated from the builders' declarations, and each
declaration names real fields of the element it builds."""

from __future__ import annotations

import pytest

from cftwatch.reporting import Report, TransactionParty, source_of_field
from cftwatch.reporting.builders import ALL_ORIGINS
from cftwatch.reporting.origins import PARTY_ORIGINS, _merged


@pytest.mark.parametrize("declared", ALL_ORIGINS, ids=lambda d: d.element)
def test_every_declared_field_is_a_field_of_the_element(declared):
    assert set(declared.fields) <= set(declared.model.model_fields), declared.element


@pytest.mark.parametrize("declared", [d for d in ALL_ORIGINS if d.field], ids=lambda d: d.element)
def test_every_element_sits_in_a_field_of_its_parent(declared):
    parents = set(Report.model_fields) | set(TransactionParty.model_fields)
    assert declared.field in parents and declared.source


def test_a_signatory_s_birthdate_comes_from_the_party_row():
    field = "transactions[3].from_party.account.signatories[0].person.birthdate"
    assert source_of_field(field) == "parties.birth_date (a full YYYY-MM-DD date)"
    assert PARTY_ORIGINS["birthdate"] == source_of_field(field)


def test_two_builders_explaining_one_field_differently_is_refused():
    with pytest.raises(AssertionError, match="two origins"):
        _merged([("country", "a"), ("country", "b")])
