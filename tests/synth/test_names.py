from __future__ import annotations

import numpy as np

from cftwatch.synth.names import listed_names, name_data, name_variant


def test_listed_extract_has_un_references():
    entries = listed_names()
    assert len(entries) >= 25
    assert all(e.list_ref[:3] in ("QDi", "QDe", "TAi") for e in entries)
    assert {"Person", "Organization"} == {e.schema for e in entries}


def test_variants_change_spelling_not_identity():
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(200):
        v = name_variant("MOHAMMED MASOOD AZHAR ALVI", rng)
        assert "MASOOD" in v.upper() or "AZHAR" in v.upper()
        seen.add(v)
    assert len(seen) >= 8
    assert any(s.startswith(("Muhammad", "Mohd", "Mohammad")) for s in seen)
    joined = {name_variant("ZAKI-UR-REHMAN LAKHVI", rng) for _ in range(100)}
    assert any("ur Rehman" in v or "ur Rahman" in v or "ur Rehmaan" in v for v in joined)
    org = {name_variant("JAISH-I-MOHAMMED", rng) for _ in range(100)}
    assert any("-e-" in v for v in org)


def test_pools_are_data():
    pools = name_data()["pools"]
    assert {"pakistani", "afghan", "arab", "other"} == set(pools)
    assert abs(sum(p["weight"] for p in pools.values()) - 1) < 1e-9
    for p in pools.values():
        assert len(p["male"]) >= 10 and len(p["female"]) >= 10 and len(p["family"]) >= 10
