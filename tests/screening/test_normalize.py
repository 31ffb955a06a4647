from __future__ import annotations

import pytest

from cftwatch.screening import normalize_name
from cftwatch.screening.normalize import fold_text, skeleton


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mohammed Masood Azhar", "Muhammad Masud Azhar"),
        ("Mohd Yousaf", "Muhammad Yusuf"),
        ("Jaish-i-Mohammed", "Jaish e Mohammad"),
        ("Abd al Rehman", "Abdul Rahman"),
        ("Abdulrahman", "Abdel Rahman"),
        ("Mas'ud", "Masood"),
        ("Lashkar-e-Toiba", "Lashkar e Tayyiba"),
        ("Hussein", "Husain"),
    ],
)
def test_spelling_families_and_connectors_collapse(a: str, b: str) -> None:
    assert normalize_name(a).key == normalize_name(b).key


def test_arabic_script_is_transliterated_with_word_table() -> None:
    assert normalize_name("محمد مسعود اظہر").tokens == ("muhammad", "masood", "azhar")


def test_honorifics_and_generic_words_are_marked() -> None:
    name = normalize_name("Hafiz Muhammad Saeed")
    assert dict(zip(name.tokens, name.kinds, strict=True))["hafiz"] == "honorific"
    org = normalize_name("Al Rashid Trust")
    assert "trust" in org.tokens and org.core_tokens == ("rashid",)


def test_acronym_expands() -> None:
    jem = normalize_name("JeM")
    assert [e.key for e in jem.expansions] == [normalize_name("Jaish-e-Mohammed").key]
    assert normalize_name("Lashkar e Tayyiba").acronym == "lt"


def test_initials_are_kept_as_initials() -> None:
    name = normalize_name("M. Iqbal")
    assert name.kinds[0] == "initial"


def test_fold_and_skeleton() -> None:
    assert fold_text("Müller") == "muller"
    assert skeleton("qasim") == skeleton("kasim")


@pytest.mark.parametrize("bad", ["", "   ", "😀😀", "\x00\x01", None, b"\xff\xfe", 12])
def test_bad_input_gives_empty_name(bad: object) -> None:
    assert normalize_name(bad).core_tokens == ()


def test_bracketed_forms() -> None:
    from cftwatch.screening.normalize import name_forms

    assert name_forms("Plain Name") == []
    assert name_forms("Abu Ali (original script: Абу Али)") == ["Abu Ali", "Абу Али"]
    assert name_forms("MUHAMMAD JAMAL NETWORK (MJN)") == ["MUHAMMAD JAMAL NETWORK", "MJN"]
    assert name_forms("x ()") == ["x"]
    assert normalize_name("Abu Ali (Абу Али)").expansions


def test_branch_and_office_are_generic_words() -> None:
    name = normalize_name("Al-Haramain: Bangladesh Branch")
    assert dict(zip(name.tokens, name.kinds, strict=True))["branch"] == "generic"
