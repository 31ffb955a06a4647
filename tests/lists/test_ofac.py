from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cftwatch.errors import ListFormatError
from cftwatch.lists import parse_list
from tests.lists.conftest import FIX, by_ref, names


@pytest.fixture(scope="module")
def sdn():
    return parse_list(FIX / "ofac_sdn.csv", "ofac")


def test_csv_set_is_joined(sdn):
    assert sdn.list_id == "ofac-sdn"
    assert sdn.count == 15
    assert [p.rsplit("/", 1)[-1] for p in sdn.files] == [
        "ofac_sdn.csv",
        "ofac_alt.csv",
        "ofac_add.csv",
    ]
    assert sdn.published is None  # the CSV carries no date


def test_aliases_without_primary_row_are_reported(sdn):
    alt_warning = [w for w in sdn.warnings if w.startswith("alt.csv")]
    assert alt_warning == [
        "alt.csv: 2 ent_num(s) have no primary row in ofac_sdn.csv "
        "(entries newer than the sdn.csv?): 17016, 17022"
    ]


def test_alvi_field_by_field(sdn):
    row = by_ref(sdn.entities)["11459"]
    assert row["entity_id"] == "ofac:11459"
    assert row["schema"] == "Person"
    assert row["primary_name"] == "ALVI, Mohammad Masood Azhar"
    assert names(row) == {
        "ALVI, Mohammad Masood Azhar": ("strong", "primary"),
        "ESAH, Wali Adam": ("strong", "alias"),
        "AZHAR, Masud": ("strong", "alias"),
        "ISAH, Wali Adam": ("strong", "alias"),
    }
    assert [b["value"] for b in row["birth_dates"]] == ["1968-07-10", "1968-06-10"]
    assert row["birth_places"] == ["Bahawalpur, Punjab Province, Pakistan"]
    assert row["nationalities"] == ["PK"]
    assert row["programs"] == ["SDGT"]
    assert row["remarks"].startswith("Title: Maulana; DOB 10 Jul 1968")
    assert row["countries"] == ["PK"]
    assert len(row["addresses"]) == 2


def test_lashkar_e_tayyiba_strong_and_weak_aliases(sdn):
    row = by_ref(sdn.entities)["7140"]
    assert row["schema"] == "Organization"
    assert row["programs"] == ["FTO", "SDGT"]
    n = names(row)
    assert n["JUD"] == ("weak", "alias")  # from remarks: OFAC's weak a.k.a.
    assert n["MML"] == ("weak", "alias")
    assert n["JAMAAT-UD-DAWA"] == ("strong", "alias")  # from alt.csv
    assert by_ref(sdn.entities)["6935"]["primary_name"] == "JAISH-I-MOHAMMED"


def test_wallet_addresses(sdn):
    row = by_ref(sdn.entities)["25308"]
    wallets = [i for i in row["identifiers"] if i["type"] == "crypto_wallet"]
    assert len(wallets) == 6
    assert wallets[0] == {
        "type": "crypto_wallet",
        "value": "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h",
        "normalized": "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h",
        "country": None,
        "note": "XBT",
        "usable": True,
    }
    citizen = [i for i in row["identifiers"] if i["type"] == "national_id"]
    assert citizen[0]["value"] == "421002197703250019" and citizen[0]["country"] == "CN"
    assert names(row)["ZHOU, William"] == ("weak", "alias")
    assert row["nationalities"] == ["CN"]


def test_remarks_ids_nationalities_and_links(sdn):
    row = by_ref(sdn.entities)["19680"]
    assert row["nationalities"] == ["GB", "PK"]
    assert [b["value"] for b in row["birth_dates"]] == ["1964-03-23", "1964-03-22"]
    passports = [(i["value"], i["country"]) for i in row["identifiers"] if i["type"] == "passport"]
    assert ("40526584", "GB") in passports and ("AA1721191", "PK") in passports
    cnics = [i for i in row["identifiers"] if i["type"] == "cnic"]
    assert [(c["normalized"], c["usable"]) for c in cnics] == [
        ("6110159731197", True),
        ("8265866120651", True),
    ]
    # Linked To: resolves to the associate's entity id, marked as an association
    assert "linked_to:ofac:7140" in row["linked_refs"]
    dashed = by_ref(sdn.entities)["17270"]
    assert [i["normalized"] for i in dashed["identifiers"] if i["type"] == "cnic"] == [
        "3520219631739"
    ]


def test_range_and_circa_dates(sdn):
    refs = by_ref(sdn.entities)
    assert refs["21392"]["birth_dates"][0]["value"] == "1957/1959"
    assert refs["19671"]["birth_dates"][0] == {
        "value": "1943-01-01/1943-12-31",
        "date_from": date(1943, 1, 1),
        "date_to": date(1943, 12, 31),
        "circa": False,
    }
    assert [b["value"] for b in refs["24244"]["birth_dates"]] == ["1969", "1970", "1971"]


def test_truncated_csv_is_rejected():
    with pytest.raises(ListFormatError) as err:
        parse_list(FIX / "ofac_sdn_truncated.csv", "ofac")
    assert "ofac_sdn_truncated.csv" in str(err.value)


def test_wrong_csv_layout_is_rejected(tmp_path):
    bad = tmp_path / "sdn.csv"
    bad.write_text("name,cnic\nsomeone,123\n")
    with pytest.raises(ListFormatError, match="expected 12 fields"):
        parse_list(bad, "ofac")


def test_nonsdn_xml():
    parsed = parse_list(FIX / "ofac_nonsdn.xml", "ofac")
    assert parsed.list_id == "ofac-nonsdn"
    assert parsed.published == datetime(2026, 1, 8, tzinfo=UTC)
    assert parsed.count == 7
    row = by_ref(parsed.entities)["9639"]
    assert row["entity_id"] == "ofac:9639"
    assert row["primary_name"] == "HANIYA, Ismail Abdul Salah"
    assert names(row)["HANIYYA, Ismaeel"] == ("strong", "alias")
    assert row["birth_dates"][0]["value"] == "1962"
    assert row["birth_places"] == ["Shati"]
    assert row["programs"] == ["NS-PLC"]


SDN_XML = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation><Publish_Date>05/03/2024</Publish_Date><Record_Count>{count}</Record_Count></publshInformation>
  <sdnEntry>
    <uid>25308</uid><firstName>Xiaobing</firstName><lastName>YAN</lastName><sdnType>Individual</sdnType>
    <programList><program>SDNTK</program></programList>
    <idList>
      <id><uid>1</uid><idType>Digital Currency Address - XBT</idType><idNumber>12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h</idNumber></id>
      <id><uid>2</uid><idType>Digital Currency Address - ETH</idType><idNumber>0xA7E5D5A720f06526557c513402f2e6B5fA20b008</idNumber></id>
      <id><uid>3</uid><idType>Passport</idType><idNumber>BW1332961</idNumber><idCountry>Pakistan</idCountry><expirationDate>23 Jul 2011</expirationDate></id>
    </idList>
    <akaList><aka><uid>4</uid><type>a.k.a.</type><category>weak</category><lastName>ZHOU</lastName><firstName>William</firstName></aka></akaList>
    <dateOfBirthList><dateOfBirthItem><uid>5</uid><dateOfBirth>circa 1977</dateOfBirth><mainEntry>true</mainEntry></dateOfBirthItem></dateOfBirthList>
    <nationalityList><nationality><uid>6</uid><country>China</country><mainEntry>true</mainEntry></nationality></nationalityList>
  </sdnEntry>
</sdnList>
"""


def test_sdn_xml_wallets_and_weak_aka(tmp_path):
    path = tmp_path / "sdn.xml"
    path.write_text(SDN_XML.format(count=1))
    parsed = parse_list(path, "ofac")
    assert parsed.list_id == "ofac-sdn"
    row = parsed.entities.to_pylist()[0]
    assert row["entity_id"] == "ofac:25308"
    assert names(row)["ZHOU, William"] == ("weak", "alias")
    wallets = [
        (i["normalized"], i["note"]) for i in row["identifiers"] if i["type"] == "crypto_wallet"
    ]
    assert wallets == [
        ("12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", "XBT"),
        ("0xa7e5d5a720f06526557c513402f2e6b5fa20b008", "ETH"),
    ]
    passport = next(i for i in row["identifiers"] if i["type"] == "passport")
    assert (passport["value"], passport["country"], passport["note"]) == (
        "BW1332961",
        "PK",
        "expires 23 Jul 2011",
    )
    assert row["birth_dates"][0]["circa"] is True
    assert row["nationalities"] == ["CN"]


def test_sdn_xml_record_count_mismatch_is_rejected(tmp_path):
    path = tmp_path / "sdn.xml"
    path.write_text(SDN_XML.format(count=2))
    with pytest.raises(ListFormatError, match="Record_Count"):
        parse_list(path, "ofac")


def test_un_reference_in_remarks_links_the_un_entry(tmp_path):
    sdn = tmp_path / "sdn.csv"
    sdn.write_bytes(
        b'90001,"TEST, Person","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        b'"DOB 1970; UN Ref QDi.422; Linked To: SOMEONE NOT IN FILE."\r\n\x1a'
    )
    row = parse_list(sdn, "ofac").entities.to_pylist()[0]
    assert row["linked_refs"] == ["un:QDi.422", "linked_to:SOMEONE NOT IN FILE"]
