"""The numbers of an alert's sentence read as an analyst expects."""

from __future__ import annotations

import pytest

from cftwatch.monitoring import text as tx


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(50, 200, 0.25), (200, 200, 1.0), (0, 200, 0.0), (5, 0, 0.0), (None, 10, 0.0), (3, None, 0.0)],
)
def test_share_is_part_of_whole_and_zero_without_a_whole(part, whole, expected) -> None:
    assert tx.share(part, whole) == pytest.approx(expected)


def test_share_and_pct_make_the_paid_on_phrase() -> None:
    assert tx.pct(tx.share(9_850, 10_000)) == "98%"


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (9850, "PKR", "9,850 PKR"),
        (12.5, "USD", "12.50 USD"),
        (None, "USD", "0 USD"),
        (7, None, "7"),
    ],
)
def test_money(value, currency, expected) -> None:
    assert tx.money(value, currency) == expected
