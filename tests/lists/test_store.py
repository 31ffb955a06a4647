from __future__ import annotations

import hashlib
import json

import pytest

from cftwatch import schema as cs
from cftwatch.errors import ListFormatError, NotFoundError
from cftwatch.lists import (
    active_entities,
    diff_versions,
    entity_fingerprint,
    find_entity,
    list_clusters,
    list_versions,
    load_list,
    parse_list,
)
from cftwatch.lists.store import DIFF_FIELDS, _row_hash
from tests.lists.conftest import FIX


def test_load_creates_active_version(workspace):
    version = load_list(workspace, FIX / "un_v1.xml", "un")
    assert version.version_id == "un-v1"
    assert version.entities == 11
    assert version.active and not version.unchanged
    assert len(version.sha256) == 64
    assert version.published is not None and version.published.year == 2026
    table = active_entities(workspace)
    assert table.schema.equals(cs.LIST_ENTITIES, check_metadata=False)
    assert table.num_rows == 11
    assert set(table.column("source_version").to_pylist()) == {"un-v1"}
    # the canonical view is queryable in SQL
    row = workspace.con.execute(
        "SELECT primary_name, source_version FROM list_entities WHERE entity_id = 'un:QDi.422'"
    ).fetchone()
    assert row == ("MOHAMMED MASOOD AZHAR ALVI", "un-v1")


def test_same_file_is_not_stored_twice(workspace):
    load_list(workspace, FIX / "un_v1.xml", "un")
    again = load_list(workspace, FIX / "un_v1.xml", "un")
    assert again.unchanged and again.version_id == "un-v1"
    assert len(list_versions(workspace, "un")) == 1


def test_truncated_file_leaves_previous_version_active(workspace):
    load_list(workspace, FIX / "un_v1.xml", "un")
    with pytest.raises(ListFormatError, match="truncated"):
        load_list(workspace, FIX / "un_truncated.xml", "un")
    versions = list_versions(workspace, "un")
    assert [(v.version_id, v.active) for v in versions] == [("un-v1", True)]
    assert active_entities(workspace, ["un"]).num_rows == 11
    rows = workspace.con.execute("SELECT count(*) FROM list_entity_versions").fetchone()
    assert rows == (11,)
    with pytest.raises(ListFormatError):
        load_list(workspace, FIX / "ofac_sdn_truncated.csv", "ofac")
    assert [v.list_id for v in list_versions(workspace)] == ["un"]


def test_new_version_supersedes_and_history_is_kept(workspace):
    load_list(workspace, FIX / "un_v1.xml", "un")
    v2 = load_list(workspace, FIX / "un_v2.xml", "un")
    assert v2.version_id == "un-v2"
    versions = {v.version_id: v for v in list_versions(workspace, "un")}
    assert versions["un-v2"].active and not versions["un-v1"].active
    assert versions["un-v1"].superseded_by == "un-v2"
    ids = set(active_entities(workspace, ["un"]).column("entity_id").to_pylist())
    assert "un:CDi.001" not in ids and "un:QDe.130" in ids
    total = workspace.con.execute("SELECT count(*) FROM list_entity_versions").fetchone()
    assert total == (22,)  # nothing deleted


def test_diff_between_fixture_versions(workspace):
    load_list(workspace, FIX / "un_v1.xml", "un")
    load_list(workspace, FIX / "un_v2.xml", "un")
    diff = diff_versions(workspace, "un")
    assert (diff.from_version, diff.to_version) == ("un-v1", "un-v2")
    assert diff.added == ["un:QDe.130"]
    assert diff.removed == ["un:CDi.001"]
    assert sorted(diff.changed) == ["un:QDe.019", "un:QDi.422", "un:QDi.423"]
    azhar = diff.changed["un:QDi.422"]
    assert sorted(azhar) == ["birth_dates", "names"]
    assert [n["name"] for n in azhar["names"].added] == ["Maulana Masood Azhar"]
    assert azhar["names"].removed == []
    assert [b["value"] for b in azhar["birth_dates"].added] == ["1967"]
    maychou = diff.changed["un:QDi.423"]["names"]
    assert [n["name"] for n in maychou.removed] == ["Abderrahmane le Marocain"]
    assert list(diff.changed["un:QDe.019"]) == ["remarks"]
    # only matching-relevant changes ask for re-screening
    assert diff.fingerprint_changed == ["un:QDi.422", "un:QDi.423"]
    assert diff.rescreen_ids == ["un:QDe.130", "un:QDi.422", "un:QDi.423"]
    # explicit versions by number, and the reverse direction
    back = diff_versions(workspace, "un", from_version="2", to_version="un-v1")
    assert back.added == ["un:CDi.001"] and back.removed == ["un:QDe.130"]
    first = diff_versions(workspace, "un", to_version="1")
    assert first.from_version is None and len(first.added) == 11
    with pytest.raises(NotFoundError):
        diff_versions(workspace, "un", from_version="9")


def test_ofac_csv_versions_diff(workspace):
    load_list(workspace, FIX / "ofac_sdn.csv", "ofac")
    load_list(workspace, FIX / "ofac_v2" / "sdn.csv", "ofac")
    diff = diff_versions(workspace, "ofac-sdn")
    assert diff.removed == ["ofac:26137"]
    assert diff.added == []
    assert sorted(diff.changed) == ["ofac:11459", "ofac:7140"]
    assert diff.changed["ofac:7140"]["programs"].added == ["IRGC"]
    assert [n["name"] for n in diff.changed["ofac:11459"]["names"].added] == ["MASOOD AZHAR"]
    assert diff.fingerprint_changed == ["ofac:11459"]


def test_fingerprint_is_stable_and_tracks_matching_fields(workspace):
    load_list(workspace, FIX / "un_v1.xml", "un")
    row = find_entity(workspace, "un:QDi.422")
    fp = entity_fingerprint(row)
    assert len(fp) == 64
    reordered = dict(row, names=list(reversed(row["names"])), remarks="other text")
    assert entity_fingerprint(reordered) == fp
    changed = dict(row, birth_dates=row["birth_dates"][:1])
    assert entity_fingerprint(changed) != fp


def test_find_entity_by_ref_or_id(workspace):
    load_list(workspace, FIX / "un_v1.xml", "un")
    load_list(workspace, FIX / "ofac_sdn.csv", "ofac")
    assert find_entity(workspace, "QDi.422")["entity_id"] == "un:QDi.422"
    assert find_entity(workspace, "qdi.422")["entity_id"] == "un:QDi.422"
    assert find_entity(workspace, "ofac:11459")["primary_name"] == "ALVI, Mohammad Masood Azhar"
    assert find_entity(workspace, "11459")["list_id"] == "ofac-sdn"
    assert find_entity(workspace, "nope") is None


def test_active_entities_by_source_family(workspace):
    load_list(workspace, FIX / "un_v1.xml", "un")
    load_list(workspace, FIX / "ofac_sdn.csv", "ofac")
    load_list(workspace, FIX / "ofac_nonsdn.xml", "ofac")
    assert active_entities(workspace, ["ofac"]).num_rows == 15 + 7
    assert active_entities(workspace, ["ofac-nonsdn"]).num_rows == 7
    assert active_entities(workspace, ["un"]).num_rows == 11
    assert active_entities(workspace).num_rows == 33
    assert active_entities(workspace, []).num_rows == 0


def test_shrunken_list_needs_force(workspace, tmp_path):
    load_list(workspace, FIX / "un_v1.xml", "un")
    text = (FIX / "un_v1.xml").read_text(encoding="utf-8")
    start = text.index("<INDIVIDUALS>") + len("<INDIVIDUALS>")
    end = text.index("</INDIVIDUALS>")
    small = tmp_path / "small.xml"
    small.write_text(text[:start] + text[end:], encoding="utf-8")  # entities only: 3 of 11
    with pytest.raises(ListFormatError, match="fewer"):
        load_list(workspace, small, "un")
    assert [v.version_id for v in list_versions(workspace, "un")] == ["un-v1"]
    forced = load_list(workspace, small, "un", force=True)
    assert forced.version_id == "un-v2" and forced.entities == 3


def test_clusters_join_un_uk_eu(workspace):
    load_list(workspace, FIX / "un_v1.xml", "un")
    load_list(workspace, FIX / "uk_conlist.xlsx", "uk")
    load_list(workspace, FIX / "eu_fsf.xml", "eu")
    load_list(workspace, FIX / "ofac_sdn.csv", "ofac")
    clusters = list_clusters(workspace).to_pylist()
    members = {}
    for c in clusters:
        members.setdefault(c["cluster_id"], set()).add(c["entity_id"])
    assert members["un:QDi.422"] == {"un:QDi.422", "uk:13787", "eu:125011"}
    assert members["un:QDe.019"] == {"un:QDe.019", "eu:125012"}
    # a UK entry whose UN entry is not loaded still clusters by its reference
    assert members["un:TAi.135"] == {"uk:7296"}
    # OFAC "Linked To" associates are not merged into one subject
    assert members["ofac:19680"] == {"ofac:19680"}
    sizes = {c["entity_id"]: c["cluster_size"] for c in clusters}
    assert sizes["uk:13787"] == 3


@pytest.mark.parametrize(
    ("file", "source"), [("un_v1.xml", "un"), ("uk_conlist.xlsx", "uk"), ("ofac_sdn.csv", "ofac")]
)
def test_row_hash_bytes_unchanged_by_the_shared_encoder(file, source):
    """Stored `row_hash` values were computed with json.dumps(default=str); the shared
    canonical encoder must give the same hash, or every diff would report changes."""
    for row in parse_list(FIX / file, source).entities.to_pylist():
        content = {k: row.get(k) for k in DIFF_FIELDS}
        old = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        assert _row_hash(row) == hashlib.sha256(old.encode("utf-8")).hexdigest()
