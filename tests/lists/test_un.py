from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cftwatch.errors import ListFormatError
from cftwatch.lists import parse_list
from tests.lists.conftest import FIX, by_ref, names


@pytest.fixture(scope="module")
def un():
    return parse_list(FIX / "un_v1.xml", "un")


def test_counts_and_publication(un):
    rows = un.entities.to_pylist()
    assert un.list_id == "un"
    assert un.count == 11
    assert sum(r["schema"] == "Person" for r in rows) == 8
    assert sum(r["schema"] == "Organization" for r in rows) == 3
    assert un.published == datetime(2026, 2, 27, 0, 0, 9, 554000, tzinfo=UTC)
    assert un.warnings == []


def test_masood_azhar_field_by_field(un):
    row = by_ref(un.entities)["QDi.422"]
    assert row["entity_id"] == "un:QDi.422"
    assert row["schema"] == "Person"
    assert row["primary_name"] == "MOHAMMED MASOOD AZHAR ALVI"
    assert names(row) == {
        "MOHAMMED MASOOD AZHAR ALVI": ("strong", "primary"),
        "Masud Azhar": ("weak", "alias"),
        "Wali Adam Isah": ("weak", "alias"),
        "Wali Adam Esah": ("weak", "alias"),
    }
    assert [b["value"] for b in row["birth_dates"]] == ["1968-07-10", "1968-06-10"]
    assert row["birth_dates"][0]["date_from"] == date(1968, 7, 10)
    assert row["birth_places"] == ["Bahawalpur, Punjab Province, Pakistan"]
    assert row["nationalities"] == ["PK"]
    assert row["listed_on"] == date(2019, 5, 1)
    assert row["programs"] == ["UN 1267 ISIL (Da'esh) and Al-Qaida"]
    assert row["remarks"].startswith("Founder of Jaish-i-Mohammed (QDe.019).")
    assert row["identifiers"] == []


def test_jaish_i_mohammed_and_lashkar_e_tayyiba(un):
    refs = by_ref(un.entities)
    jem = refs["QDe.019"]
    assert jem["schema"] == "Organization"
    assert jem["primary_name"] == "JAISH-I-MOHAMMED"
    assert names(jem) == {
        "JAISH-I-MOHAMMED": ("strong", "primary"),
        "Army of Mohammed": ("strong", "alias"),
    }
    assert jem["countries"] == ["PK"]
    assert jem["listed_on"] == date(2001, 10, 17)
    let = refs["QDe.118"]
    assert let["primary_name"] == "LASHKAR-E-TAYYIBA"
    let_names = names(let)
    # primary + every ENTITY_ALIAS in the file, one of which carries a bracketed acronym that
    # parse-time cleaning (issue 17) makes a name of its own
    assert len(let_names) == 1 + 27 + 1
    for alias in ("Lashkar-e-Toiba", "Jamaat-ud-Dawa", "Falah-i-Insaniat Foundation", "FIF", "LET"):
        assert let_names[alias] == ("strong", "alias")


def test_arabic_script_original_names(un):
    row = by_ref(un.entities)["QDi.423"]
    assert names(row)["علي ما يشو"] == ("strong", "original_script")
    original = next(n for n in row["names"] if n["name_type"] == "original_script")
    assert original["script"] == "Arab"
    assert names(row)["Abou Abderahmane Sanhaji"] == ("weak", "alias")
    assert [(i["type"], i["value"], i["country"]) for i in row["identifiers"]] == [
        ("passport", "V06359364", "MA"),
        ("national_id", "AB704306", "MA"),
    ]


def test_partial_approximate_and_range_dates(un):
    refs = by_ref(un.entities)
    year_only = refs["CDi.001"]["birth_dates"]
    assert year_only == [
        {
            "value": "1971",
            "date_from": date(1971, 1, 1),
            "date_to": date(1971, 12, 31),
            "circa": False,
        }
    ]
    between, approx = refs["TAi.025"]["birth_dates"]
    assert between["value"] == "1958/1963"
    assert (between["date_from"], between["date_to"]) == (date(1958, 1, 1), date(1963, 12, 31))
    assert approx == {
        "value": "1970",
        "date_from": date(1970, 1, 1),
        "date_to": date(1970, 12, 31),
        "circa": True,
    }
    assert [b["circa"] for b in refs["QDi.399"]["birth_dates"]] == [False, True]


def test_multiple_nationalities_and_alias_dates(un):
    refs = by_ref(un.entities)
    assert refs["QDi.399"]["nationalities"] == ["SY", "PS"]
    assert refs["QDi.080"]["nationalities"] == ["DE", "MA"]
    # a DOB given on an alias is kept as one of the person's dates
    assert [b["value"] for b in refs["KPi.016"]["birth_dates"]] == ["1958-02-22", "1957-04-15"]


def test_former_names_of_entity(un):
    row = by_ref(un.entities)["QDe.014"]
    assert names(row)["Salafist Group For Call and Combat"] == ("strong", "fka")
    assert row["countries"] == ["DZ", "ML", "MR", "MA", "NE", "TN"]


def test_truncated_file_is_rejected():
    with pytest.raises(ListFormatError) as err:
        parse_list(FIX / "un_truncated.xml", "un")
    assert "un_truncated.xml" in str(err.value)
    assert "truncated" in str(err.value)


def test_wrong_format_is_rejected():
    with pytest.raises(ListFormatError, match="root element <sdnList>"):
        parse_list(FIX / "ofac_nonsdn.xml", "un")


def test_empty_list_is_rejected(tmp_path):
    empty = tmp_path / "empty.xml"
    empty.write_text('<?xml version="1.0"?><CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>')
    with pytest.raises(ListFormatError, match="empty list"):
        parse_list(empty, "un")
    blank = tmp_path / "blank.xml"
    blank.write_text("")
    with pytest.raises(ListFormatError):
        parse_list(blank, "un")


def test_entity_expansion_is_not_performed(tmp_path):
    evil = tmp_path / "evil.xml"
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    evil.write_text(
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>&xxe;&b;</FIRST_NAME>"
        "<REFERENCE_NUMBER>QDi.999</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS>"
        "</CONSOLIDATED_LIST>"
    )
    try:
        parsed = parse_list(evil, "un")
    except ListFormatError:
        return  # refusing the document is also safe
    text = str(parsed.entities.to_pylist())
    assert "TOPSECRET" not in text
    assert "aaaaaaaaaa" not in text


def test_father_name_from_comments(tmp_path):
    path = tmp_path / "un.xml"
    path.write_text(
        '<?xml version="1.0"?><CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:00Z">'
        "<INDIVIDUALS><INDIVIDUAL><FIRST_NAME>HAJI</FIRST_NAME><SECOND_NAME>TEST</SECOND_NAME>"
        "<UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE><REFERENCE_NUMBER>QDi.998</REFERENCE_NUMBER>"
        "<COMMENTS1>Financier. Father’s name is Muhammad Yousaf. Mother's name is X.</COMMENTS1>"
        "</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
        encoding="utf-8",
    )
    row = parse_list(path, "un").entities.to_pylist()[0]
    assert row["father_names"] == ["Muhammad Yousaf"]
    assert row["primary_name"] == "HAJI TEST"
