"""Numbers as an analyst reads them, for the one-sentence explanation of every alert."""

from __future__ import annotations

import datetime as dt
from typing import Any


def money(value: Any, currency: str | None) -> str:
    """`9,850 PKR`; two decimals only below 100 or where there are cents that matter."""
    if value is None:
        return f"0 {currency or ''}".strip()
    x = float(value)
    text = f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.2f}"
    return f"{text} {currency}" if currency else text


def count(n: Any, noun: str, plural: str | None = None) -> str:
    k = int(n)
    return f"{k:,} {noun if k == 1 else (plural or noun + 's')}"


def duration(seconds: float) -> str:
    """`36 h`, `2.5 h`, `40 min`, `5.2 days`."""
    s = max(float(seconds), 0.0)
    if s < 3600:
        return f"{max(round(s / 60), 1)} min"
    h = s / 3600
    if h < 10:
        return f"{h:.1f} h".replace(".0 h", " h")
    if h <= 72:
        return f"{round(h)} h"
    return f"{h / 24:.1f} days".replace(".0 days", " days")


def share(part: Any, whole: Any) -> float:
    """`part / whole` as a float, 0 when the whole is 0 (the "x % of it was paid on" of a sentence)."""
    w = float(whole or 0)
    return float(part or 0) / w if w else 0.0


def pct(x: float) -> str:
    return f"{round(float(x) * 100):d}%"


def day(value: dt.datetime | dt.date) -> str:
    return value.strftime("%Y-%m-%d")


def times(x: float) -> str:
    return f"{float(x):.1f}x"


def capital(text: str) -> str:
    """The sentence-initial form: `wallet W1` -> `Wallet W1` (the rest untouched)."""
    return text[:1].upper() + text[1:]
