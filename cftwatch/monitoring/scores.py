"""How strong an alert is, in 0..1: the shared shapes of the rules' score functions."""

from __future__ import annotations


def clip(x: float) -> float:
    """`x` held to 0..1, rounded to four places (scores compare equal across engines)."""
    return round(max(0.0, min(1.0, x)), 4)


def ratio_score(value: float, threshold: float) -> float:
    """0.5 at the threshold, rising towards 1 at twice it."""
    if threshold <= 0:
        return 1.0
    return clip(0.5 + 0.5 * (value - threshold) / threshold)
