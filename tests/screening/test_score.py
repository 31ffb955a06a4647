from __future__ import annotations

from cftwatch.screening import DEFAULT_THRESHOLD, Screener


def best(screener: Screener, name: str, **kw: object) -> tuple[str, float]:
    matches = screener.screen_name(name, threshold=0.0, **kw)  # type: ignore[arg-type]
    return (matches[0].entity_id, matches[0].score) if matches else ("", 0.0)


def test_spelling_variants_reach_threshold(screener: Screener) -> None:
    for q in ["Masood Azhar", "Muhammad Masud Azhar", "Mohd Masood Azher Alvi", "مسعود اظہر"]:
        entity_id, value = best(screener, q)
        assert entity_id == "un:QDi.422" and value >= DEFAULT_THRESHOLD, q


def test_organisation_spellings_and_acronyms(screener: Screener) -> None:
    for q in ["Jaish-e-Mohammad", "JeM", "Jaish i Muhammad"]:
        assert best(screener, q)[0] == "un:QDe.019"
    assert best(screener, "LeT")[0] == "un:QDe.118"


def test_common_only_name_stays_below_threshold(screener: Screener) -> None:
    for q in ["Muhammad Iqbal", "Abdul Rehman"]:
        _, value = best(screener, q)
        assert value < DEFAULT_THRESHOLD, q
    match = screener.screen_name("Muhammad Iqbal", threshold=0.0)[0]
    assert any(f.name == "common_name" for f in match.features)


def test_father_name_separates_namesakes(screener: Screener) -> None:
    _, same = best(screener, "Muhammad Iqbal Afridi", father_name="Gul Zaman")
    _, other = best(screener, "Muhammad Iqbal Afridi", father_name="Noor Rehman")
    assert same > other


def test_birth_date_and_country_qualifiers(screener: Screener) -> None:
    _, exact = best(screener, "Masood Azhar", birth_date="1968-07-10", country="PK")
    _, conflict = best(screener, "Masood Azhar", birth_date="1990-01-01", country="GB")
    assert exact == 1.0 and conflict < exact - 0.15


def test_identifier_equality_is_near_certain(screener: Screener) -> None:
    match = screener.screen_name("Unrelated Person", identifiers=["17301 1234567 1"])[0]
    assert match.entity_id == "pk-nacta:4S-1" and match.score >= 0.99
    assert screener.screen_identifier("1fFMBHfnpaZjKFvyi1okTjJJusN455paPH")[0].entity_id == (
        "ofac-sdn:9999"
    )


def test_person_vs_organisation_conflict_lowers_score(screener: Screener) -> None:
    _, as_org = best(screener, "Masood Azhar", kind="organization")
    _, as_person = best(screener, "Masood Azhar", kind="person")
    assert as_org < as_person


def test_every_match_explains_itself(screener: Screener) -> None:
    match = screener.screen_name("Hafiz Saeed", threshold=0.0)[0]
    assert match.explanation and all(isinstance(x, str) and x for x in match.explanation)
    assert abs(sum(f.contribution for f in match.features) - match.score) < 0.05


def test_narrative_screening_finds_names(screener: Screener) -> None:
    found = screener.screen_narrative("zakat for jaish e muhammad brothers, thanks")
    assert [m.entity_id for m in found][:1] == ["un:QDe.019"]
    assert screener.screen_narrative("school fees for Ahmed, March") == []
