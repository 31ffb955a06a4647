"""Per-list screening policy, as data (`data/list_policies.tsv`).

Lists applied by name (UN, OFAC, UK, EU) alert on a name match. Lists applied by identity
(Pakistan's NACTA Fourth Schedule, which banks match by CNIC or by name with father's name)
alert only when an identifier, the father's name or the birth date agrees; a name-only match
there is a *possible*: held at `POSSIBLE_SCORE`, below the default threshold, and explained
with what would confirm it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = [
    "CONFIRMING_FEATURES",
    "POSSIBLE_FEATURE",
    "POSSIBLE_SCORE",
    "ListPolicy",
    "list_policy",
    "possible_feature",
]

#: Score of a name-only match on an identity-based list: below the default threshold (0.85),
#: so it is shown when asked for (a lower threshold) but raises no alert.
POSSIBLE_SCORE = 0.80
#: The feature name that marks a match as possible rather than an alert.
POSSIBLE_FEATURE = "possible"
#: Features that, agreeing (positive), confirm an identity-based match.
CONFIRMING_FEATURES = ("identifier", "father_name", "birth_date")


@dataclass(frozen=True)
class ListPolicy:
    list_id: str
    basis: str  # name | identity
    confirm_with: str = ""

    @property
    def by_identity(self) -> bool:
        return self.basis == "identity"


@lru_cache(maxsize=1)
def _policies() -> dict[str, ListPolicy]:
    path = resources.files("cftwatch.screening").joinpath("data").joinpath("list_policies.tsv")
    out: dict[str, ListPolicy] = {}
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        list_id, basis, confirm = [*line.split("\t"), "", ""][:3]
        if basis not in ("name", "identity"):
            raise ValueError(f"list_policies.tsv: {list_id}: basis must be name or identity")
        out[list_id] = ListPolicy(list_id, basis, "" if confirm == "-" else confirm)
    return out


def list_policy(list_id: str | None) -> ListPolicy:
    """The policy of a list; lists not named in the data file are applied by name."""
    return _policies().get(list_id or "", ListPolicy(list_id or "", "name"))


def possible_feature(policy: ListPolicy, score: float) -> tuple[str, float, str] | None:
    """(name, contribution, why) holding a name-only match on an identity list at
    `POSSIBLE_SCORE`; None when the score is already at or below it."""
    if not policy.by_identity or score <= POSSIBLE_SCORE:
        return None
    return (
        POSSIBLE_FEATURE,
        POSSIBLE_SCORE - score,
        f"possible match only: {policy.list_id} is applied by identity; "
        f"confirm with {policy.confirm_with or 'an identifier'}",
    )
