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


def test_typos_in_short_parts_and_family_spellings() -> None:
    from cftwatch.screening.score import token_similarity

    assert token_similarity("mjaeed", "majeed") >= 0.8  # transposition is one edit
    assert token_similarity("rehan", "rahman") >= 0.8  # a typo of the family spelling Rehman
    assert token_similarity("abu", "abd") == 0.0  # short family spellings take no typo
    assert token_similarity("hassan", "hussain") == 0.0


def test_typo_variants_reach_threshold(screener: Screener) -> None:
    for q in ["Masood Azahr", "Abdul Rehamn Makki", "Jaish-e-Mohammad"]:
        _, value = best(screener, q)
        assert value >= DEFAULT_THRESHOLD, q


def _small(rows: list[dict]) -> Screener:
    from tests.screening.conftest import entities_table

    return Screener(entities_table(rows))


def test_bracketed_forms_are_names_of_their_own() -> None:
    from tests.screening.conftest import entity

    s = _small(
        [
            entity("uk", "1", ["Qasim Zarnoosh (قاسم زرنوش)"]),
            entity("un", "QDe.900", ["ZARNOOSH RELIEF NETWORK"], schema="Organization"),
        ]
    )
    assert best(s, "قاسم زرنوش") == ("uk:1", 1.0)  # the original script alone
    entity_id, value = best(s, "Zarnoosh Relief Network (ZRN)")
    assert entity_id == "un:QDe.900" and value >= DEFAULT_THRESHOLD


def test_one_word_listed_names_need_the_whole_query() -> None:
    from tests.screening.conftest import entity

    s = _small(
        [
            entity("ofac-sdn", "1", ["ZARNOOSH"]),
            entity("ofac-sdn", "2", ["NOOR"], schema="Vessel"),
            entity("ofac-sdn", "3", ["HAMZA BRIGADE"], schema="Organization"),
            entity("uk", "4", ["Bilal Ahmed Qureshi"]),
            entity("uk", "5", ["Bilal Hussain Shah"]),
        ]
    )
    assert best(s, "Zarnoosh")[1] >= DEFAULT_THRESHOLD
    match = s.screen_name("Bilal Zarnoosh", threshold=0.0)[0]
    assert match.score < DEFAULT_THRESHOLD
    assert any(f.name == "single_word" for f in match.features)
    # a common word listed alone (a vessel, a group) does not alert on a longer customer name
    for q in ["Noor Traders", "Noor Begum", "Hamza Begum"]:
        match = s.screen_name(q, threshold=0.0)[0]
        assert match.score < DEFAULT_THRESHOLD, q
        assert any(f.name == "common_name" for f in match.features), q
    assert best(s, "Hamza Brigade")[1] >= DEFAULT_THRESHOLD
    assert best(s, "Noor")[1] >= DEFAULT_THRESHOLD


def test_exact_listed_name_of_common_parts_alerts() -> None:
    """Issue 17 (1): a listed name whose every part is common alerts when matched whole, as
    the list writes it (titles included); a query sharing only some of its parts does not.
    (Before issue 17 a two-part common name such as "Tariq Aziz" never alerted.)"""
    from tests.screening.conftest import entities_table, entity

    s = Screener(
        entities_table(
            [
                entity("un", "TAi.900", ["Mohammad Akhtar Khan"]),
                entity("un", "TAi.901", ["Tariq Aziz"]),
                entity("un", "QDi.263", ["Hafiz Muhammad Saeed"]),
            ]
        )
    )
    entity_id, value = best(s, "Muhammad Akhtar Khan")
    assert entity_id == "un:TAi.900" and value >= DEFAULT_THRESHOLD
    assert best(s, "Akhtar Khan")[1] < DEFAULT_THRESHOLD  # only part of it: still capped
    assert best(s, "Tariq Aziz")[1] >= DEFAULT_THRESHOLD
    assert best(s, "Tariq Aziz Butt")[1] < DEFAULT_THRESHOLD  # an extra part is another name
    assert best(s, "Hafiz Muhammad Saeed") == ("un:QDi.263", 1.0)
    # without the title the list writes, "Muhammad Saeed" is one Pakistani name in 500
    assert best(s, "Muhammad Saeed")[1] < DEFAULT_THRESHOLD


def test_unvowelled_arabic_script_meets_the_vowelled_listed_name() -> None:
    """Arabic script leaves short vowels out ("jnd", "shryn"); consonants still agree."""
    from tests.screening.conftest import entities_table, entity

    s = Screener(
        entities_table(
            [
                entity("un", "QDe.900", ["JUND AL-KHILAFAH IN TUNISIA"], schema="Organization"),
                entity("un", "QDi.900", ["SA'D BIN SA'D MUHAMMAD SHARIYAN AL-KA'BI"]),
                entity("un", "QDi.901", ["Muhammad Ali Hamdan"]),
            ]
        )
    )
    for q, want in [
        ("جند الخلافة في تونس", "un:QDe.900"),
        ("سعد بن سعد محمد شریان الكعبي", "un:QDi.900"),
    ]:
        entity_id, value = best(s, q)
        assert entity_id == want and value >= DEFAULT_THRESHOLD, q
    # consonants are compared only for a part written without vowels: Latin spellings
    # that merely share consonants do not meet
    assert best(s, "Muhammad Ali Hamdun Traders")[1] < 1.0
    assert best(s, "Jandal Khalaf")[1] < DEFAULT_THRESHOLD


def test_misspelt_abdullah_is_not_split_into_abd() -> None:
    from tests.screening.conftest import entities_table, entity

    s = Screener(entities_table([entity("uk", "900", ["HASSAN ABDULLAH HERSI AL-TURKI"])]))
    entity_id, value = best(s, "Hassan Abdllah Hersi Al Turki")
    assert entity_id == "uk:900" and value >= DEFAULT_THRESHOLD


def test_father_name_with_a_typo_in_a_short_part_still_agrees() -> None:
    from tests.screening.conftest import entities_table, entity

    s = Screener(
        entities_table(
            [entity("pk-nacta", "4S-900", ["Muhammad Abdul Shakoor"], father_names=["Abdul Wahid"])]
        )
    )

    def father(name: str) -> float:
        match = s.screen_name("Muhammad Abdul Shakoor", father_name=name, threshold=0.0)[0]
        return sum(f.contribution for f in match.features if f.name == "father_name")

    assert father("Adul Wahid") > 0
    assert father("Abdul Wahid") > 0
    assert father("Abdul Majid") < 0
    assert father("Abdul Wahab") < 0


def test_exact_name_is_not_crowded_out_by_longer_names_containing_it() -> None:
    """Dozens of listed names contain "Muhammad Yusuf"; the one that is exactly that name
    must still reach the scored shortlist."""
    from tests.screening.conftest import entities_table, entity

    rows = [
        entity("ofac-sdn", f"{i}", [f"Muhammad Yusuf {surname}"])
        for i, surname in enumerate(
            f"{a}{b}" for a in ("Kar", "Bal", "Zan", "Mor", "Tel", "Pas") for b in "iouae"
        )
    ]
    rows.append(entity("pk-nacta", "4S-900", ["Muhammad Yousaf"], father_names=["Atta Muhammad"]))
    s = Screener(entities_table(rows))
    found = s.screen_name("Yousaf Muhammad", father_name="Ata Muhammad", threshold=0.0, limit=5)
    assert found[0].entity_id == "pk-nacta:4S-900"
    assert found[0].score >= DEFAULT_THRESHOLD


def test_kyc_name_field_with_father_is_parsed_in_queries() -> None:
    """Issue 17 (11): "S/O" in a name field, screened by name or from a parties row."""
    from cftwatch.screening.screener import make_query, party_query
    from tests.screening.conftest import entity

    s = _small([entity("un", "QDi.263", ["Hafiz Muhammad Saeed"], father_names=["Kamal Din"])])
    q = make_query("HAFIZ MUHAMMAD SAEED S/O KAMAL DIN")
    assert q.name.tokens == ("hafiz", "muhammad", "saeed")
    assert q.father_name is not None and q.father_name.tokens == ("kamal", "din")
    match = s.screen(q)[0]
    assert match.score >= DEFAULT_THRESHOLD
    assert any(f.name == "father_name" and f.contribution > 0 for f in match.features)
    row = {"name": "Hafiz Muhammad Saeed son of Kamal-ud-Din", "kind": "person"}
    assert party_query(row).father_name is not None
    # a father's name given on its own wins over one read from the name field
    given = party_query({"name": "Ali Raza S/O Kamal Din", "father_name": "Umar Din"})
    assert given.father_name is not None and given.father_name.tokens == ("umar", "din")
    assert party_query({"name": "Ali S/O Traders", "kind": "organization"}).father_name is None
