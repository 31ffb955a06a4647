"""Issue 17: KYC name fields with a father's name written in (S/O, D/O, W/O, son of, bin)."""

from __future__ import annotations

import pytest

from cftwatch.screening.kyc import kyc_name_and_father, split_kyc_name


@pytest.mark.parametrize(
    ("text", "name", "relative", "relation"),
    [
        ("HAFIZ MUHAMMAD SAEED S/O KAMAL DIN", "HAFIZ MUHAMMAD SAEED", "KAMAL DIN", "son"),
        ("Hafiz Muhammad Saeed son of Kamal-ud-Din", "Hafiz Muhammad Saeed", "Kamal-ud-Din", "son"),
        ("Fatima D/O Ali Khan", "Fatima", "Ali Khan", "daughter"),
        ("Ayesha Bibi W/O Muhammad Akram", "Ayesha Bibi", "Muhammad Akram", "wife"),
        ("Ahmad s.o. Karim, Lahore", "Ahmad", "Karim", "son"),
        ("Ali Raza s / o Ghulam Abbas", "Ali Raza", "Ghulam Abbas", "son"),
        ("Muhammad Ali bin Hamid", "Muhammad Ali", "Hamid", "child"),
        ("Zainab Bibi daughter of Noor Ahmed", "Zainab Bibi", "Noor Ahmed", "daughter"),
        (
            "SIRAJUDDIN HAQQANI S/O JALALUDDIN HAQQANI",
            "SIRAJUDDIN HAQQANI",
            "JALALUDDIN HAQQANI",
            "son",
        ),
        ("Talha S/O Muhammad Saeed S/O Kamal Din", "Talha", "Muhammad Saeed", "son"),
    ],
)
def test_markers_are_parsed_out(text: str, name: str, relative: str, relation: str) -> None:
    parsed = split_kyc_name(text)
    assert (parsed.name, parsed.relative, parsed.relation) == (name, relative, relation)
    assert parsed.original == text


@pytest.mark.parametrize(
    "text",
    ["Osama bin Laden", "Sonia Khan", "Hassan So Ali", "Ali s/o", "S/O Kamal", "", "  "],
)
def test_names_without_a_usable_marker_stay_whole(text: str) -> None:
    parsed = split_kyc_name(text)
    assert not parsed.was_split and parsed.father_name is None
    assert parsed.name == " ".join(text.split())


def test_a_husband_is_not_a_father() -> None:
    assert split_kyc_name("Ayesha Bibi W/O Muhammad Akram").father_name is None
    assert kyc_name_and_father("Ayesha Bibi W/O Muhammad Akram") == ("Ayesha Bibi", None)


def test_a_father_given_on_its_own_wins_and_organisations_are_not_parsed() -> None:
    assert kyc_name_and_father("Ali S/O Abbas", "Ghulam Abbas") == ("Ali", "Ghulam Abbas")
    assert kyc_name_and_father("Ali S/O Abbas") == ("Ali", "Abbas")
    assert kyc_name_and_father("Sons of Ali Traders", None, "organization") == (
        "Sons of Ali Traders",
        None,
    )


def _cli_ws(tmp_path):  # type: ignore[no-untyped-def]
    from cftwatch.workspace import Workspace
    from tests.screening.conftest import ENTITIES, store_entities

    ws = Workspace.init(tmp_path / "ws")
    store_entities(ws, ENTITIES)
    return ws


def test_cli_father_dob_and_id_options(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from cftwatch.cli import app

    ws = _cli_ws(tmp_path)
    runner = CliRunner()

    def top(*args: str) -> dict:
        res = runner.invoke(app, ["screen", *args, "-w", str(ws.path), "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout.strip().splitlines()[0])

    # the NACTA entry lists father Gul Zaman Afridi: agreeing raises, differing lowers
    base = top("Muhammad Iqbal Khan Afridi", "--threshold", "0")["results"][0]
    agree = top("Muhammad Iqbal Khan Afridi", "--father", "Gul Zaman Afridi", "--threshold", "0")[
        "results"
    ][0]
    differ = top("Muhammad Iqbal Khan Afridi", "--father", "Sher Ali", "--threshold", "0")[
        "results"
    ][0]
    assert base["entity_id"] == agree["entity_id"] == differ["entity_id"] == "pk-nacta:4S-1"
    assert differ["score"] < agree["score"]
    assert any("father's name agrees" in line for line in agree["explanation"])
    assert any("father's name differs" in line for line in differ["explanation"])
    # without --father no father's-name feature (the Fourth Schedule policy may still say
    # that a father's name would confirm the match)
    assert not any("father's name agrees" in line for line in base["explanation"])
    assert not any("father's name differs" in line for line in base["explanation"])
    # S/O in the name field is read as the father's name, and the explanation says so
    kyc = top("MUHAMMAD IQBAL KHAN AFRIDI S/O GUL ZAMAN AFRIDI", "--threshold", "0")
    assert kyc["results"][0]["score"] == agree["score"]
    assert any("read from the name field" in line for line in kyc["results"][0]["explanation"])
    # --dob and --id reach the scorer
    dob = top("Masood Azhar", "--dob", "1968-07-10")["results"][0]
    assert any("born 1968-07-10" in line for line in dob["explanation"])
    ident = top("Someone Else", "--id", "17301-1234567-1")["results"][0]
    assert ident["entity_id"] == "pk-nacta:4S-1"


def test_cli_zero_width_name_is_found_and_explained(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from cftwatch.cli import app

    ws = _cli_ws(tmp_path)
    res = CliRunner().invoke(app, ["screen", "Mas\u200bood Azhar", "-w", str(ws.path), "--json"])
    assert res.exit_code == 0, res.output
    first = json.loads(res.stdout.strip().splitlines()[0])["results"][0]
    assert first["entity_id"] == "un:QDi.422"
    assert any("zero-width space removed" in line for line in first["explanation"])
