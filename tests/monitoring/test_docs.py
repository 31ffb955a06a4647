"""docs/rules/*.md are generated from the specs; this fails when someone forgets to regenerate."""

from __future__ import annotations

from cftwatch.monitoring import builtin_rules
from cftwatch.monitoring.docs import DEFAULT_DIR, rendered_pages, stale_rule_docs, write_rule_docs


def test_rule_docs_are_in_sync_with_the_specs():
    stale = stale_rule_docs(DEFAULT_DIR)
    assert stale == [], f"run `python -m cftwatch.monitoring.docs` (stale: {stale})"


def test_every_parameter_and_setting_is_on_its_page():
    pages = rendered_pages()
    for spec in builtin_rules():
        page = pages[f"{spec.id}.md"]
        assert spec.title in page and spec.why in page
        for p in spec.params:
            assert f"`{p.name}`" in page
        for s in spec.settings:
            assert f"`{s}`" in page
        assert f"[`{spec.id}`]({spec.id}.md)" in pages["README.md"]


def test_write_then_check_round_trip(tmp_path):
    write_rule_docs(tmp_path)
    assert stale_rule_docs(tmp_path) == []
    (tmp_path / "fan_out.md").write_text("edited by hand\n")
    assert stale_rule_docs(tmp_path) == ["fan_out.md"]
