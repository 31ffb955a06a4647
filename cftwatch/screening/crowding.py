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

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["MAX_GROUP_ROWS", "NameGroups"]

#: Most rows of one group scored when the group is kept.
MAX_GROUP_ROWS = 60


class NameGroups:
    """Candidate rows grouped by their identifying-words key, groups in the order their
    first row comes (the blocking order), rows within a group in that order too."""

    def __init__(self, rows: Sequence[int], keys: Sequence[str]) -> None:
        position: dict[str, int] = {}
        ids = [position.setdefault(key, len(position)) for key in keys]
        self._group(np.asarray(rows, dtype=np.int64), np.asarray(ids, dtype=np.int64))
        self.keys: list[str] = [keys[i] for i in self._first_at]

    @classmethod
    def by_ids(cls, rows: np.ndarray, ids: np.ndarray, key_of: Sequence[str]) -> NameGroups:
        """The same groups from each row's integer group id (`ids[i]` for `rows[i]`; equal
        ids for equal keys, `key_of[row]` the key), grouped with NumPy: no Python step per
        candidate row."""
        groups = cls.__new__(cls)
        groups._group(rows, ids)
        groups.keys = [key_of[r] for r in groups.first]
        return groups

    def _group(self, rows: np.ndarray, ids: np.ndarray) -> None:
        _, first, inverse, counts = np.unique(
            ids, return_index=True, return_inverse=True, return_counts=True
        )
        appear = np.argsort(first)  # the groups in the order their first row comes
        self._first_at: list[int] = first[appear].tolist()
        self.first: list[int] = rows[first[appear]].tolist()
        self._flat: list[int] = rows[np.argsort(inverse, kind="stable")].tolist()
        starts = np.cumsum(counts) - counts
        self._start: list[int] = starts[appear].tolist()
        self._stop: list[int] = (starts + np.minimum(counts, MAX_GROUP_ROWS))[appear].tolist()

    def rows_of(self, groups: Iterable[int]) -> list[int]:
        """Every row (up to `MAX_GROUP_ROWS` each) of the given groups, in that order."""
        flat, start, stop = self._flat, self._start, self._stop
        return [r for g in groups for r in flat[start[g] : stop[g]]]
