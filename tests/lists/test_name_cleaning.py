"""Issue 17: list name text cleaned at parse time; the original text is kept."""

from __future__ import annotations

import pytest

from cftwatch.lists.model import Entity
from cftwatch.lists.names import clean_listed_name


@pytest.mark.parametrize(
    ("text", "names", "countries", "fathers", "years"),
    [
        # real name fields of the UN consolidated list (2026-02-27)
        ("AL-HARAMAIN FOUNDATION (PAKISTAN)", ["AL-HARAMAIN FOUNDATION"], ["PAKISTAN"], [], []),
        ("Mohammad Ishaq Akhund born in 1963", ["Mohammad Ishaq Akhund"], [], [], ["1963"]),
        (
            "Khirullah Said Wali Khairkhwa, born in Kandahar on 01 Jan.1967",
            ["Khirullah Said Wali Khairkhwa"],
            [],
            [],
            ["1967"],
        ),
        (
            "Akhter Mohmad son of Noor Mohmad (اختر محمد ولد نور محمد )",
            ["Akhter Mohmad", "اختر محمد"],
            [],
            ["Noor Mohmad", "نور محمد"],
            [],
        ),
        ("Azim Adhajani; Azim Agha-Jani", ["Azim Adhajani", "Azim Agha-Jani"], [], [], []),
        (
            "Mohammed Sabet; Mohammad Sabet b) M. Javad Kareemi Sabet",
            ["Mohammed Sabet", "Mohammad Sabet", "M. Javad Kareemi Sabet"],
            [],
            [],
            [],
        ),
        (
            "جبهة النصرة (the Victory Front; Jabhat al-Nusrah; Al-Nusra Front)",
            ["جبهة النصرة", "the Victory Front", "Jabhat al-Nusrah", "Al-Nusra Front"],
            [],
            [],
            [],
        ),
        (
            "Al-Nusra Front, also known as Jabhat al-Nusra",
            ["Al-Nusra Front", "Jabhat al-Nusra"],
            [],
            [],
            [],
        ),
        ("Col. Ahmad Khan", ["Ahmad Khan"], [], [], []),
        ("Encep Nurjaman (birth name)", ["Encep Nurjaman"], [], [], []),
        (
            "Amir Khazmat (original script: Амир Хазмат)",
            ["Amir Khazmat", "Амир Хазмат"],
            [],
            [],
            [],
        ),
        ("BUTEMBO AIRLINES (BAL)", ["BUTEMBO AIRLINES", "BAL"], [], [], []),
        (
            "AL-ITIHAAD AL-ISLAMIYA / AIAI",
            ["AL-ITIHAAD AL-ISLAMIYA", "AIAI"],
            [],
            [],
            [],
        ),
        # near miss: a father's-name marker written with a slash is no separator
        ("Abdul Haq S/O Anwar Khan", ["Abdul Haq"], [], ["Anwar Khan"], []),
    ],
)
def test_list_text_is_split_into_names_and_facts(
    text: str, names: list[str], countries: list[str], fathers: list[str], years: list[str]
) -> None:
    cleaned = clean_listed_name(text)
    assert cleaned.names == names
    assert cleaned.countries == countries
    assert cleaned.father_names == fathers
    assert cleaned.birth_years == years
    assert cleaned.changed and cleaned.original == text


@pytest.mark.parametrize(
    "text", ["Masood Azhar", "Usama bin Laden", "General Trading Company", "Hilarion Santos, III"]
)
def test_plain_names_are_left_alone(text: str) -> None:
    cleaned = clean_listed_name(text)
    assert cleaned.names == [text] and not cleaned.changed


def test_entity_keeps_the_cleaned_names_and_the_original_text() -> None:
    entity = Entity("un", "QDe.999", "Organization")
    entity.add_name("AL-HARAMAIN FOUNDATION (PAKISTAN)", "strong", "primary")
    entity.add_name("Mohammad Ishaq Akhund born in 1963", "weak", "alias")
    entity.add_name("Abdul Haq son of M. Anwar Khan", "strong", "alias")
    entity.add_name("Falah-i-Insaniat Foundation (FIF)", "strong", "alias")
    row = entity.to_row()
    assert row["primary_name"] == "AL-HARAMAIN FOUNDATION"
    names = {n["name"]: (n["quality"], n["name_type"]) for n in row["names"]}
    assert names == {
        "AL-HARAMAIN FOUNDATION": ("strong", "primary"),
        "Mohammad Ishaq Akhund": ("weak", "alias"),
        "Abdul Haq": ("strong", "alias"),
        "Falah-i-Insaniat Foundation": ("strong", "alias"),
        "FIF": ("strong", "alias"),
    }
    assert row["countries"] == ["PK"]
    assert row["father_names"] == ["M. Anwar Khan"]
    assert [d["value"] for d in row["birth_dates"]] == ["1963"]
    for original in (
        "AL-HARAMAIN FOUNDATION (PAKISTAN)",
        "Mohammad Ishaq Akhund born in 1963",
        "Falah-i-Insaniat Foundation (FIF)",
    ):
        assert f"Name as listed: {original}" in row["remarks"]


def test_screening_no_longer_indexes_the_qualifier() -> None:
    from cftwatch.screening import Screener
    from tests.screening.conftest import entities_table

    entity = Entity("un", "QDe.109", "Organization")
    entity.add_name("AL-HARAMAIN FOUNDATION (PAKISTAN)", "strong", "primary")
    entity.add_name("HUM Network", "strong", "alias")
    row = {**entity.to_row("v1"), "source_version": "v1"}
    screener = Screener(entities_table([row]))
    assert screener.screen_name("Pakistan Traders") == []
    assert screener.screen_name("Pakistan Welfare Society") == []


@pytest.mark.parametrize(
    ("text", "names", "remarks"),
    [
        ("ABC (Pvt) Ltd", ["ABC Pvt Ltd"], []),
        ("Hilal Foods (Private) Limited", ["Hilal Foods Private Limited"], []),
        ("Pakistan Muslim League (N)", ["Pakistan Muslim League N"], []),
        ("Muhammad Ali (Late)", ["Muhammad Ali"], ["Late"]),
    ],
)
def test_legal_forms_and_letters_in_brackets_stay_in_the_name(
    text: str, names: list[str], remarks: list[str]
) -> None:
    cleaned = clean_listed_name(text)
    assert cleaned.names == names and cleaned.remarks == remarks
