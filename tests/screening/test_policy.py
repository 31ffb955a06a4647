"""Per-list policy (issue 17, 2): identity-based lists alert on identity, not name alone."""

from __future__ import annotations

from cftwatch.screening import DEFAULT_THRESHOLD, Screener
from cftwatch.screening.policy import POSSIBLE_SCORE, list_policy
from tests.screening.conftest import entities_table, entity


def _screener() -> Screener:
    return Screener(
        entities_table(
            [
                entity(
                    "pk-nacta",
                    "3810481580749",
                    ["Zain Haider"],
                    father_names=["Ahmad Nawaz"],
                    identifiers=[
                        {"type": "CNIC", "value": "38104-8158074-9", "normalized": "3810481580749"}
                    ],
                ),
                entity("un", "QDi.900", ["Zain Haider"]),
            ]
        )
    )


def _match(s: Screener, list_id: str, **kw: object):  # type: ignore[no-untyped-def]
    matches = s.screen_name("Zain Haider", threshold=0.0, **kw)  # type: ignore[arg-type]
    return next(m for m in matches if m.list_id == list_id)


def test_policies_come_from_the_data_file() -> None:
    assert list_policy("pk-nacta").by_identity
    for list_id in ("un", "ofac-sdn", "uk", "eu", "custom:mine", None):
        assert not list_policy(list_id).by_identity


def test_name_only_on_identity_list_is_a_possible_with_what_confirms_it() -> None:
    m = _match(_screener(), "pk-nacta")
    assert m.status == "possible" and m.score == POSSIBLE_SCORE < DEFAULT_THRESHOLD
    assert any("confirm with CNIC" in line for line in m.explanation)
    un = _match(_screener(), "un")  # name-based list: the same name alerts
    assert un.status == "alert" and un.score >= DEFAULT_THRESHOLD


def test_father_name_birth_date_or_cnic_confirm_it() -> None:
    s = _screener()
    assert _match(s, "pk-nacta", father_name="Ahmad Nawaz").status == "alert"
    assert _match(s, "pk-nacta", father_name="Ahmad Nawaz").score >= DEFAULT_THRESHOLD
    assert _match(s, "pk-nacta", identifiers=["38104-8158074-9"]).score >= DEFAULT_THRESHOLD
    # another father: the father's name disagrees, no more than a possible
    other = _match(s, "pk-nacta", father_name="Gul Zaman")
    assert other.score <= POSSIBLE_SCORE
    assert any(f.name == "father_name" and f.contribution < 0 for f in other.features)


def test_cnic_alone_alerts_under_any_name() -> None:
    matches = _screener().screen_name("Someone Else", identifiers=["3810481580749"])
    assert [m.list_id for m in matches] == ["pk-nacta"] and matches[0].status == "alert"
