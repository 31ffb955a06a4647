"""Shortlist groups: listed names that carry the same identifying words count once.

Many entries can list one name word for word: the branches of one charity ("Al-Haramain
Foundation" in a dozen countries, each on the UN, OFAC and UK lists), the copies of one
entry. They score alike, so ranked one by one they fill every place of the shortlist and push
out the entry that differs only where the ranking cannot see (the Pakistan branch, or another
spelling). `Screener._shortlist` ranks these groups instead: one place serves the group, and
when the group is kept every row of it is scored (up to `MAX_GROUP_ROWS`, a bound on the
work a name carried by hundreds of entries can cost).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

__all__ = ["MAX_GROUP_ROWS", "NameGroups"]

#: Most rows of one group scored when the group is kept.
MAX_GROUP_ROWS = 60


class NameGroups:
    """Candidate rows grouped by their identifying-words key, groups in the order their
    first row comes (the blocking order), rows within a group in that order too."""

    def __init__(self, rows: list[int], keys: list[str]) -> None:
        by_key: defaultdict[str, list[int]] = defaultdict(list)
        for row, key in zip(rows, keys, strict=True):
            by_key[key].append(row)  # a dict keeps the order its keys first come in
        self.keys: list[str] = list(by_key)
        self._rows: list[list[int]] = list(by_key.values())
        self.first: list[int] = [group[0] for group in self._rows]

    def rows_of(self, groups: Iterable[int]) -> list[int]:
        """Every row (up to `MAX_GROUP_ROWS` each) of the given groups, in that order."""
        return [r for g in groups for r in self._rows[g][:MAX_GROUP_ROWS]]
