"""Per-payment conversion to the institution's currency, relative money parameters, and
the customer context (KYC level, NPO flag) the rules read from parties/accounts."""

from __future__ import annotations

import pytest

from cftwatch.errors import RuleConfigError
from cftwatch.monitoring import resolve_rules_config, run_rules
from cftwatch.monitoring.money import RelativeAmount, parse_relative
from cftwatch.workspace import Workspace
from tests.monitoring.factory import Book, alerts_of

USD_PKR = 280.0


def _deposits(book: Book, amounts: list[tuple[float, str]]) -> None:
    """Cash deposits by distinct agents into account S, a day apart, each in its currency."""
    for i, (amount, currency) in enumerate(amounts):
        book.currency = currency
        book.pay(f"AG{i}", "S", amount, 24 * i, "cash_in")


def _structuring(ws: Workspace, engine: str = "duckdb") -> list[dict]:
    return alerts_of(ws, "structuring", engine=engine)


@pytest.mark.parametrize(
    ("amounts", "fires"),
    [
        ([(1_900_000, "PKR"), (1_900_000, "PKR"), (6_900, "USD")], True),  # 1,932,000 PKR
        ([(1_900_000, "PKR"), (1_900_000, "PKR"), (6_400, "USD")], False),  # 1,792,000 < 90 %
    ],
)
def test_pkr_institution_converts_usd_deposits(workspace, engine, amounts, fires):
    workspace.config.institution.exchange_rates["USD"] = USD_PKR
    book = Book()
    _deposits(book, amounts)
    book.load(workspace)
    found = _structuring(workspace, engine)
    assert bool(found) is fires
    if fires:
        (alert,) = found
        assert alert["currency"] == "PKR"
        assert float(alert["amount"]) == pytest.approx(1_900_000 * 2 + 6_900 * USD_PKR)
        assert len(alert["txn_ids"]) == 3


@pytest.mark.parametrize(
    ("pkr_deposit", "fires"),
    [(1_900_000, True), (1_790_000, False)],  # 6,785.71 USD vs 6,392.86 USD; floor 6,428.57
)
def test_usd_institution_converts_pkr_deposits(tmp_path, pkr_deposit, fires):
    ws = Workspace.init(tmp_path / "ws", currency="USD")
    ws.config.institution.exchange_rates["PKR"] = 1 / USD_PKR
    book = Book()
    _deposits(book, [(6_900, "USD"), (6_900, "USD"), (pkr_deposit, "PKR")])
    book.load(ws)
    found = _structuring(ws)
    assert bool(found) is fires
    if fires:
        assert found[0]["currency"] == "USD"
        assert float(found[0]["amount"]) == pytest.approx(13_800 + pkr_deposit / USD_PKR, abs=0.01)
    ws.close()


def test_a_currency_without_a_rate_is_warned_about(workspace):
    book = Book(currency="XQZ")
    book.pay("A", "B", 100, 0)
    book.load(workspace)
    cfg = resolve_rules_config({})
    run = run_rules(workspace, cfg, rule_ids=["structuring"], record=False)
    kinds = {(w.kind, w.rule_id) for w in run.warnings}
    assert ("currency", "all rules") in kinds
    assert "XQZ" in next(w.message for w in run.warnings if w.kind == "currency")


def test_relative_amounts_parse_and_validate():
    assert parse_relative("q99.5") == RelativeAmount("quantile", 99.5)
    assert parse_relative("3x_peer_median") == RelativeAmount("peer_median", 3.0)
    assert parse_relative("2.5x_own_median").text() == "2.5x_own_median"
    assert parse_relative("250 USD") is None and parse_relative(3) is None
    ok = resolve_rules_config({"rules": {"round_amounts": {"params": {"min_amount": "q95"}}}})
    assert ok.rules["round_amounts"].params["min_amount"] == "q95"
    for bad in (
        {"structuring": {"params": {"threshold": "3x_own_median"}}},  # not a min_* floor
        {"round_amounts": {"params": {"min_amount": "q100"}}},
        {"round_amounts": {"params": {"min_amount": "0x_peer_median"}}},
    ):
        with pytest.raises(RuleConfigError):
            resolve_rules_config({"rules": bad})


def _round_payer(book: Book, amount: float, usual: float, payer: str = "A") -> None:
    """`payer` pays `amount` (round) to five recipients; before that, its usual payments
    of `usual` (not round) to one shop, and background payments of 1,003..100,003."""
    book.account(payer)
    for i in range(20):
        book.pay(payer, "SHOP", usual, i)
    for i in range(100):
        book.pay(f"X{i}", f"Y{i}", 1_000 * (i + 1) + 3, 30 + i * 0.1)
    for r in range(5):
        book.pay(payer, f"R{r}", amount, 48 + r)


@pytest.mark.parametrize(("amount", "fires"), [(95_000, True), (60_000, False)])
def test_quantile_floor_fires_above_and_not_below(workspace, amount, fires):
    book = Book()
    _round_payer(book, amount, 1_003)
    book.load(workspace)
    found = alerts_of(workspace, "round_amounts", {"min_amount": "q80"})
    assert bool(found) is fires


@pytest.mark.parametrize(("usual", "fires"), [(1_003, True), (20_003, False)])
def test_own_median_multiple_fires_only_when_unusual_for_the_account(workspace, usual, fires):
    book = Book()
    _round_payer(book, 50_000, usual)
    book.load(workspace)
    found = alerts_of(workspace, "round_amounts", {"min_amount": "3x_own_median"})
    assert bool(found) is fires
    if fires:
        assert '"relative": {"min_amount": "3x_own_median"}' in found[0]["params"]


@pytest.mark.parametrize(("peer_usual", "fires"), [(1_003, True), (20_003, False)])
def test_peer_median_multiple_uses_the_kyc_peer_group(workspace, engine, peer_usual, fires):
    book = Book()
    _round_payer(book, 50_000, 1_003)
    for i in range(6):  # peers: same party type, account type and KYC level as A
        book.account(f"P{i}")
        for j in range(5):
            book.pay(f"P{i}", f"Q{i}", peer_usual, 10 + j)
    for acc in ["A", *(f"P{i}" for i in range(6))]:
        book.accounts[acc]["kyc_level"] = "L1"
    book.load(workspace)
    found = alerts_of(workspace, "round_amounts", {"min_amount": "3x_peer_median"}, engine=engine)
    assert bool(found) is fires


def test_npo_flag_and_kyc_level_reach_the_rules(workspace):
    book = Book()
    book.account("N", party_type="individual")
    book.parties["N"]["party_type"] = None
    book.parties["N"]["is_npo"] = True
    book.accounts["N"]["kyc_level"] = "L2"
    for r in range(5):
        book.pay("N", f"R{r}", 50_000, r)
    book.load(workspace)
    # `exclude_party_types` of round_amounts reads the holder's type: NPO from the flag
    found = alerts_of(workspace, "round_amounts", {"exclude_party_types": ["npo"]})
    assert found == []
    assert alerts_of(workspace, "round_amounts", {"exclude_party_types": ["merchant"]})


def test_monitoring_runs_on_a_workspace_without_the_kyc_columns(workspace):
    book = Book()
    book.account("N")
    for r in range(5):
        book.pay("N", f"R{r}", 50_000, r)
    book.load(workspace)
    workspace.execute("ALTER TABLE parties DROP COLUMN is_npo")
    workspace.execute("ALTER TABLE parties DROP COLUMN kyc_level")
    workspace.execute("ALTER TABLE accounts DROP COLUMN kyc_level")
    assert alerts_of(workspace, "round_amounts", {"min_amount": "0.5x_peer_median"})
