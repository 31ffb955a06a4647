"""Issue 17: KYC name fields with a father's name written in (S/O, D/O, W/O, son of, bin)."""

from __future__ import annotations

import pytest

from cftwatch.screening.kyc import kyc_name_and_father, split_kyc_name


@pytest.mark.parametrize(
    ("text", "name", "relative", "relation"),
    [
        ("HAFIZ MUHAMMAD SAEED S/O KAMAL DIN", "HAFIZ MUHAMMAD SAEED", "KAMAL DIN", "son"),
        ("Hafiz Muhammad Saeed son of Kamal-ud-Din", "Hafiz Muhammad Saeed", "Kamal-ud-Din", "son"),
        ("Fatima D/O Ali Khan", "Fatima", "Ali Khan", "daughter"),
        ("Ayesha Bibi W/O Muhammad Akram", "Ayesha Bibi", "Muhammad Akram", "wife"),
        ("Ahmad s.o. Karim, Lahore", "Ahmad", "Karim", "son"),
        ("Ali Raza s / o Ghulam Abbas", "Ali Raza", "Ghulam Abbas", "son"),
        ("Muhammad Ali bin Hamid", "Muhammad Ali", "Hamid", "child"),
        ("Zainab Bibi daughter of Noor Ahmed", "Zainab Bibi", "Noor Ahmed", "daughter"),
        (
            "SIRAJUDDIN HAQQANI S/O JALALUDDIN HAQQANI",
            "SIRAJUDDIN HAQQANI",
            "JALALUDDIN HAQQANI",
            "son",
        ),
        ("Talha S/O Muhammad Saeed S/O Kamal Din", "Talha", "Muhammad Saeed", "son"),
    ],
)
def test_markers_are_parsed_out(text: str, name: str, relative: str, relation: str) -> None:
    parsed = split_kyc_name(text)
    assert (parsed.name, parsed.relative, parsed.relation) == (name, relative, relation)
    assert parsed.original == text


@pytest.mark.parametrize(
    "text",
    ["Osama bin Laden", "Sonia Khan", "Hassan So Ali", "Ali s/o", "S/O Kamal", "", "  "],
)
def test_names_without_a_usable_marker_stay_whole(text: str) -> None:
    parsed = split_kyc_name(text)
    assert not parsed.was_split and parsed.father_name is None
    assert parsed.name == " ".join(text.split())


def test_a_husband_is_not_a_father() -> None:
    assert split_kyc_name("Ayesha Bibi W/O Muhammad Akram").father_name is None
    assert kyc_name_and_father("Ayesha Bibi W/O Muhammad Akram") == ("Ayesha Bibi", None)


def test_a_father_given_on_its_own_wins_and_organisations_are_not_parsed() -> None:
    assert kyc_name_and_father("Ali S/O Abbas", "Ghulam Abbas") == ("Ali", "Ghulam Abbas")
    assert kyc_name_and_father("Ali S/O Abbas") == ("Ali", "Abbas")
    assert kyc_name_and_father("Sons of Ali Traders", None, "organization") == (
        "Sons of Ali Traders",
        None,
    )
