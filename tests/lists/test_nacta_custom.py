"""NACTA Fourth Schedule layout and the custom list format, on synthetic rows only."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from cftwatch.errors import InputError, ListFormatError
from cftwatch.lists import parse_list
from cftwatch.lists.model import normalize_cnic
from tests.lists.conftest import names

NACTA_CSV = """name,fatherName,cnic,province,district
Zafar Iqbal Test,Ghulam Rasool Test,35202-1234567-1,Punjab,LAHORE
Bilal Ahmed Sample alias Bilu Sample ,Muhammad Sample,4210112345671,Sindh,KARACHI
Imran Khan Synthetic,Sher Khan Synthetic,0000123456789,KP,PESHAWAR
Noor Fake,Gul Fake,,Balochistan,QUETTA
Kamran Dummy,Akram Dummy,NIL,AJ&K,MUZAFFARABAD
"""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("35202-1234567-1", ("3520212345671", True)),
        ("3520212345671", ("3520212345671", True)),
        ("0000123456789", ("0000123456789", False)),
        ("1111111111111", ("1111111111111", False)),
        ("352021234567", ("352021234567", False)),
        ("Gx 11038176371", ("11038176371", False)),
        ("NIL", (None, False)),
        ("", (None, False)),
    ],
)
def test_cnic_normalisation(raw, expected):
    assert normalize_cnic(raw) == expected


def test_nacta_fourth_schedule_layout(tmp_path):
    path = tmp_path / "fourth_schedule.csv"
    path.write_text(NACTA_CSV, encoding="utf-8")
    parsed = parse_list(path, "pk-nacta")
    assert parsed.list_id == "pk-nacta"
    assert parsed.count == 5
    rows = parsed.entities.to_pylist()
    first = rows[0]
    assert first["entity_id"] == "pk-nacta:3520212345671"
    assert first["schema"] == "Person"
    assert first["father_names"] == ["Ghulam Rasool Test"]
    assert first["identifiers"][0] == {
        "type": "cnic",
        "value": "35202-1234567-1",
        "normalized": "3520212345671",
        "country": "PK",
        "note": None,
        "usable": True,
    }
    assert first["addresses"] == ["LAHORE, Punjab, Pakistan"]
    assert names(rows[1]) == {
        "Bilal Ahmed Sample": ("strong", "primary"),
        "Bilu Sample": ("strong", "alias"),
    }
    placeholder = rows[2]
    assert placeholder["identifiers"][0]["usable"] is False
    assert placeholder["entity_id"].startswith("pk-nacta:h")  # no usable CNIC: hashed id
    assert rows[3]["identifiers"] == []
    assert rows[4]["identifiers"][0]["usable"] is False
    assert sum("not usable" in w for w in parsed.warnings) == 2
    # ids are stable: parsing again gives the same ids
    again = parse_list(path, "pk-nacta").entities.column("entity_id").to_pylist()
    assert again == [r["entity_id"] for r in rows]


def test_nacta_wrong_header(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ListFormatError, match="fatherName"):
        parse_list(path, "pk-nacta")


CUSTOM_CSV = """ref,name,type,aliases,weak_aliases,original_script,birth_date,nationality,father_name,cnic,wallet,program,listed_on,un_ref
ORG-1,Sipah-e-Sahaba Pakistan,organization,Millat-e-Islamia Pakistan;SSP,,سپاہ صحابہ,,,,,,ATA 1997 First Schedule,2002-01-12,
ORG-2,Test Welfare Trust,organization,,TWT,,,,,,USDT:TXyzSyntheticWallet0001,ATA 1997 First Schedule,2019-03-01,QDe.019
P-1,Synthetic Person,person,,,,~1975;1980/1982,Pakistan,Synthetic Father,35202-1234567-1,,Internal watch list,,
"""


def test_custom_csv(tmp_path):
    path = tmp_path / "proscribed.csv"
    path.write_text(CUSTOM_CSV, encoding="utf-8")
    parsed = parse_list(path, "custom", name="pk-proscribed")
    assert parsed.list_id == "custom:pk-proscribed"
    rows = {r["list_ref"]: r for r in parsed.entities.to_pylist()}
    ssp = rows["ORG-1"]
    assert ssp["entity_id"] == "custom:pk-proscribed:ORG-1"
    assert names(ssp) == {
        "Sipah-e-Sahaba Pakistan": ("strong", "primary"),
        "Millat-e-Islamia Pakistan": ("strong", "alias"),
        "SSP": ("strong", "alias"),
        "سپاہ صحابہ": ("strong", "original_script"),
    }
    assert ssp["listed_on"] == date(2002, 1, 12)
    trust = rows["ORG-2"]
    assert trust["linked_refs"] == ["un:QDe.019"]
    assert trust["identifiers"][0]["type"] == "crypto_wallet"
    assert trust["identifiers"][0]["note"] == "USDT"
    person = rows["P-1"]
    assert [(b["value"], b["circa"]) for b in person["birth_dates"]] == [
        ("1975", True),
        ("1980/1982", False),
    ]
    assert person["nationalities"] == ["PK"]
    assert person["identifiers"][0]["normalized"] == "3520212345671"


def test_custom_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Type", "Aliases"])
    wb.active.append(["Lashkar-e-Jhangvi", "organization", "LeJ"])
    path = tmp_path / "own.xlsx"
    wb.save(path)
    parsed = parse_list(path, "custom", name="own")
    row = parsed.entities.to_pylist()[0]
    assert row["primary_name"] == "Lashkar-e-Jhangvi"
    assert row["entity_id"].startswith("custom:own:")
    assert names(row)["LeJ"] == ("strong", "alias")


def test_custom_errors(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,type\nX,spaceship\n")
    with pytest.raises(ListFormatError, match="unknown type"):
        parse_list(path, "custom", name="bad")
    path.write_text("name,colour\nX,red\n")
    with pytest.raises(ListFormatError, match="unknown column"):
        parse_list(path, "custom", name="bad")
    with pytest.raises(InputError, match="needs a name"):
        parse_list(path, "custom")
