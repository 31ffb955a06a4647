from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cftwatch.errors import ListFormatError
from cftwatch.lists import parse_list
from tests.lists.conftest import FIX, by_ref, names


@pytest.fixture(scope="module")
def uk():
    return parse_list(FIX / "uk_conlist.xlsx", "uk")


def test_uk_groups_rows_by_group_id(uk):
    assert uk.list_id == "uk"
    assert uk.count == 4  # 4 Group IDs cut from the real file
    assert uk.published == datetime(2025, 4, 14, tzinfo=UTC)
    assert sorted(by_ref(uk.entities)) == ["13787", "15672", "7092", "7296"]


def test_uk_masood_azhar(uk):
    row = by_ref(uk.entities)["13787"]
    assert row["entity_id"] == "uk:13787"
    assert row["primary_name"] == "MOHAMMED MASOOD AZHAR ALVI"
    assert names(row) == {
        "MOHAMMED MASOOD AZHAR ALVI": ("strong", "primary"),
        "محمد مسعود اظہر علوی": ("strong", "original_script"),
        "Masud AZHAR": ("weak", "alias"),
        "Wali Adam ESAH": ("weak", "alias"),
        "Wali Adam ISAH": ("weak", "alias"),
    }
    # one row per name per date of birth: both dates kept once
    assert [b["value"] for b in row["birth_dates"]] == ["1968-07-10", "1968-06-10"]
    assert row["linked_refs"] == ["un:QDi.422"]
    assert row["programs"] == ["ISIL (Da'esh) and Al-Qaida"]
    assert row["listed_on"] == date(2019, 5, 2)
    assert row["nationalities"] == ["PK"]


def test_uk_year_only_dob_and_documents(uk):
    row = by_ref(uk.entities)["7296"]
    assert row["birth_dates"] == [
        {
            "value": "1970",
            "date_from": date(1970, 1, 1),
            "date_to": date(1970, 12, 31),
            "circa": False,
        }
    ]
    assert [(i["type"], i["normalized"]) for i in row["identifiers"]] == [("passport", "SE012820")]
    assert row["linked_refs"] == ["un:TAi.135"]
    tunisian = by_ref(uk.entities)["7092"]
    assert sorted(i["value"] for i in tunisian["identifiers"] if i["type"] == "national_id") == [
        "BNSDLA70L14Z352B",
        "W334061",
    ]
    assert by_ref(uk.entities)["15672"]["linked_refs"] == []


def test_uk_truncated_workbook_is_rejected(tmp_path):
    data = (FIX / "uk_conlist.xlsx").read_bytes()
    cut = tmp_path / "ConList.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ListFormatError, match=r"ConList\.xlsx"):
        parse_list(cut, "uk")


def test_uk_wrong_workbook_is_rejected(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["name", "cnic"])
    wb.active.append(["someone", "1"])
    path = tmp_path / "other.xlsx"
    wb.save(path)
    with pytest.raises(ListFormatError, match="not an OFSI ConList"):
        parse_list(path, "uk")


def test_eu_fixture_written_from_the_published_structure():
    eu = parse_list(FIX / "eu_fsf.xml", "eu")
    assert eu.list_id == "eu"
    assert eu.count == 3
    assert eu.published == datetime(2026, 3, 1, 9, 15, tzinfo=UTC)
    rows = {r["entity_id"]: r for r in eu.entities.to_pylist()}
    azhar = rows["eu:125011"]
    assert azhar["list_ref"] == "EU.6011.4"
    assert azhar["linked_refs"] == ["un:QDi.422"]
    assert names(azhar) == {
        "Mohammed Masood Azhar Alvi": ("strong", "primary"),
        "Masud Azhar": ("weak", "alias"),
        "محمد مسعود اظہر علوی": ("strong", "original_script"),
    }
    assert [b["value"] for b in azhar["birth_dates"]] == ["1968-07-10", "1968-06-10"]
    assert azhar["programs"] == ["TAQA"]
    assert azhar["listed_on"] == date(2019, 5, 3)
    jem = rows["eu:125012"]
    assert jem["schema"] == "Organization" and jem["linked_refs"] == ["un:QDe.019"]
    petrov = rows["eu:125013"]
    assert petrov["nationalities"] == ["RU", "CY"]
    assert petrov["birth_dates"][0] == {
        "value": "1975",
        "date_from": date(1975, 1, 1),
        "date_to": date(1975, 12, 31),
        "circa": True,
    }
    assert [(i["type"], i["normalized"], i["country"]) for i in petrov["identifiers"]] == [
        ("passport", "751234567", "RU")
    ]
    assert petrov["linked_refs"] == []
