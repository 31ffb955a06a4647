from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cftwatch.screening import Screener


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_a_defined_result(screener: Screener, text: str) -> None:  # type: ignore[misc]
    matches = screener.screen_name(text, threshold=0.0)
    assert all(0.0 <= m.score <= 1.0 for m in matches)


def test_extreme_inputs(screener: Screener) -> None:
    for name in ["", "   ", "x" * 10_000, "Masood 😀 Azhar", "مسعود Azhar", "\x00\xff"]:
        matches = screener.screen_name(name)
        assert isinstance(matches, list)
    assert screener.screen_name("Masood 😀 Azhar")[0].entity_id == "un:QDi.422"
