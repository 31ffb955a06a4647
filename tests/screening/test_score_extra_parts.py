"""A nisba is a name of its own in the population, and a query naming a further part the
listed person's name lacks does not alert (issue 17, item 1; task 17N)."""

from __future__ import annotations

from cftwatch.screening import DEFAULT_THRESHOLD, Screener
from cftwatch.screening.normalize import normalize_name
from cftwatch.screening.rarity import part_share
from cftwatch.screening.score import WEIGHTS, name_score
from tests.screening.conftest import entities_table, entity


def _score(s: Screener, name: str, ref: str) -> tuple[float, list[str]]:
    for m in s.screen_name(name, threshold=0.0, limit=50):
        if m.list_ref == ref:
            return m.score, [f.name for f in m.features]
    return 0.0, []


def test_a_nisba_does_not_take_the_count_of_the_name_it_is_made_of() -> None:
    # Ahmadi (UN TAi.031 "MOHAMMAD AHMADI") is not a spelling of Ahmad, Latin or Urdu
    assert part_share("ahmad") > 0.05
    assert part_share("ahmadi") < part_share("ahmad") / 100
    assert part_share("ahmdy") < part_share("ahmad") / 100
    # a name ending in a vowel makes no nisba: an Urdu "bqy" still reads as its spelling
    assert part_share("bqy") > 0
    assert part_share("aly") == part_share("ali")  # Urdu ye for a final i is Ali itself


def test_an_exact_listed_name_with_a_nisba_alerts() -> None:
    s = Screener(entities_table([entity("un", "TAi.031", ["MOHAMMAD AHMADI"])]))
    for query in ("Mohammad AHMADI", "محمد احمدی"):
        assert _score(s, query, "TAi.031")[0] >= DEFAULT_THRESHOLD, query
    # while a plain Muhammad Ahmad, two very common parts, stays capped
    assert _score(s, "Muhammad Ahmad", "TAi.031")[0] < DEFAULT_THRESHOLD


def test_a_query_part_the_listed_name_lacks_holds_the_match_below_the_threshold() -> None:
    # UN TAi.008 "Shams-u-Rahman" against a customer "Muhammad Shams Ur Rehman": with the
    # full lists' rarity the listed name explains 79 % of the query (decoy of the tune split)
    listed = normalize_name("Shams-u-Rahman")
    weights = {"muhammad": 1.5, "shams": 3.0, "rahman": 2.5}
    value, features = name_score(
        normalize_name("Muhammad Shams Ur Rehman"), listed, lambda t: weights.get(t, 3.0)
    )
    assert value == WEIGHTS["query_floor_cap"] < DEFAULT_THRESHOLD
    extra = [f for f in features if f.name == "unexplained_parts"]
    assert extra and "query's muhammad is not in the other" in extra[0].why
    # near misses: a rarer-weighted listed name explaining more of the query still alerts,
    # and a title before the listed name is no name part the list lacks
    weights["muhammad"] = 0.5
    value, features = name_score(
        normalize_name("Muhammad Shams Ur Rehman"), listed, lambda t: weights.get(t, 3.0)
    )
    assert value >= DEFAULT_THRESHOLD and "unexplained_parts" not in [f.name for f in features]
    value, _ = name_score(
        normalize_name("Maulana Shams ur Rehman"), listed, lambda t: weights.get(t, 3.0)
    )
    assert value >= DEFAULT_THRESHOLD
    # an organisation's name is left to the place and organisation-word rules
    value, features = name_score(
        normalize_name("Muhammad Shams Ur Rehman"),
        listed,
        lambda t: {"muhammad": 1.5}.get(t, 3.0),
        listed_is_org=True,
    )
    assert "unexplained_parts" not in [f.name for f in features]


def test_a_listed_part_the_query_lacks_holds_the_match_below_the_threshold() -> None:
    # OFAC / UK "GUPTA, Rajesh Kumar" against a customer "Rajesh Kumar" (tune decoy): the
    # query explains 68 % of the listed name with the lists' rarity
    listed = normalize_name("GUPTA, Rajesh Kumar")
    weights = {"rajesh": 2.0, "kumar": 2.0, "gupta": 1.9}
    value, features = name_score(
        normalize_name("Rajesh Kumar"), listed, lambda t: weights.get(t, 3.0)
    )
    assert value == WEIGHTS["query_floor_cap"] < DEFAULT_THRESHOLD
    assert "listed name's gupta is not in the other" in features[-1].why
    # near miss: a listed part that weighs less (a common surname) leaves the match alone
    weights["gupta"] = 1.2
    value, features = name_score(
        normalize_name("Rajesh Kumar"), listed, lambda t: weights.get(t, 3.0)
    )
    assert value >= DEFAULT_THRESHOLD
    assert "unexplained_parts" not in [f.name for f in features]
