from __future__ import annotations

import io
import json

import pytest

from cftwatch.errors import ListFormatError
from cftwatch.lists import active_entities, export_ftm, find_entity, import_ftm, load_list
from cftwatch.workspace import Workspace
from tests.lists.conftest import FIX


@pytest.fixture
def loaded(workspace):
    load_list(workspace, FIX / "un_v1.xml", "un")
    load_list(workspace, FIX / "ofac_sdn.csv", "ofac")
    load_list(workspace, FIX / "uk_conlist.xlsx", "uk")
    return workspace


def test_export_uses_ftm_vocabulary(loaded):
    out = io.StringIO()
    count = export_ftm(loaded, out)
    items = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(items)
    by_id = {i["id"]: i for i in items}
    azhar = by_id["un:QDi.422"]
    assert azhar["schema"] == "Person"
    assert azhar["datasets"] == ["un"]
    props = azhar["properties"]
    assert props["name"] == ["MOHAMMED MASOOD AZHAR ALVI"]
    assert props["weakAlias"] == ["Masud Azhar", "Wali Adam Isah", "Wali Adam Esah"]
    assert props["birthDate"] == ["1968-07-10", "1968-06-10"]
    assert props["nationality"] == ["pk"]
    assert props["topics"] == ["sanction"]
    assert props["program"] == ["UN 1267 ISIL (Da'esh) and Al-Qaida"]
    sanction = by_id["un:QDi.422-sanction"]
    assert sanction["schema"] == "Sanction"
    assert sanction["properties"]["authorityId"] == ["QDi.422"]
    assert sanction["properties"]["unscId"] == ["QDi.422"]
    assert sanction["properties"]["listingDate"] == ["2019-05-01"]
    uk = by_id["uk:13787-sanction"]["properties"]
    assert uk["unscId"] == ["QDi.422"]
    wallets = [
        i
        for i in items
        if i["schema"] == "CryptoWallet" and i["properties"]["holder"] == ["ofac:25308"]
    ]
    assert len(wallets) == 6
    assert sum(i["schema"] == "CryptoWallet" for i in items) == 7  # 6 + one of ofac:26137
    assert wallets[0]["properties"]["holder"] == ["ofac:25308"]
    assert wallets[0]["properties"]["currency"] == ["XBT"]
    passports = by_id["ofac:19680"]["properties"]["passportNumber"]
    assert "AA1721192" in passports
    let = by_id["un:QDe.118"]
    assert let["schema"] == "Organization" and "Jamaat-ud-Dawa" in let["properties"]["alias"]
    # list text cleaned at parse time (issue 17): the bracketed acronym is a name of its own
    assert by_id["un:QDe.014"]["properties"]["previousName"] == [
        "Le Groupe Salafiste pour La Prédication et le Combat",
        "GSPC",
        "Salafist Group For Call and Combat",
    ]


def test_round_trip(loaded, tmp_path):
    path = tmp_path / "lists.ftm.json"
    export_ftm(loaded, path)
    fresh = Workspace.init(tmp_path / "other")
    try:
        versions = import_ftm(fresh, path)
        assert sorted(v.list_id for v in versions) == ["ofac-sdn", "uk", "un"]
        before = {r["entity_id"]: r for r in active_entities(loaded).to_pylist()}
        after = {r["entity_id"]: r for r in active_entities(fresh).to_pylist()}
        assert before.keys() == after.keys()
        for eid, old in before.items():
            new = after[eid]
            for key in ("schema", "primary_name", "list_id", "list_ref", "listed_on", "programs"):
                assert new[key] == old[key], (eid, key)
            assert {(n["name"], n["quality"]) for n in new["names"]} == {
                (n["name"], n["quality"]) for n in old["names"]
            }, eid
            assert sorted(new["nationalities"]) == sorted(
                c for c in old["nationalities"] if len(c) == 2
            )
            assert {
                i["normalized"] for i in new["identifiers"] if i["type"] == "crypto_wallet"
            } == {i["normalized"] for i in old["identifiers"] if i["type"] == "crypto_wallet"}
            assert sorted(new["linked_refs"]) == sorted(old["linked_refs"]), eid
        azhar = find_entity(fresh, "un:QDi.422")
        assert [b["value"] for b in azhar["birth_dates"]] == ["1968-07-10", "1968-06-10"]
        assert azhar["remarks"].startswith("Founder of Jaish-i-Mohammed")
        # a range comes back as its years
        rauf = find_entity(fresh, "ofac:21392")
        assert [b["value"] for b in rauf["birth_dates"]] == ["1957", "1958", "1959"]
        # re-importing the same file stores nothing new
        assert all(v.unchanged for v in import_ftm(fresh, path))
    finally:
        fresh.close()


def test_import_under_a_custom_name_and_bad_lines(workspace, tmp_path):
    line = {
        "id": "NK-abc",
        "schema": "Organization",
        "properties": {"name": ["Test Front Charity"], "alias": ["TFC"], "country": ["pk"]},
        "datasets": ["opensanctions_demo"],
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps(line) + "\n")
    (version,) = import_ftm(workspace, path)
    assert version.list_id == "custom:opensanctions_demo"
    (named,) = import_ftm(workspace, path, list_name="mine")
    assert named.list_id == "custom:mine"
    row = find_entity(workspace, "custom:mine:NK-abc")
    assert row["primary_name"] == "Test Front Charity" and row["countries"] == ["PK"]
    path.write_text(
        '{"id": "x", "schema": "Person", "properties": {"name": ["A"]}}\n{"id": "y", "sch'
    )
    with pytest.raises(ListFormatError, match="record 2"):
        import_ftm(workspace, path)
