"""Payment decisions in flight: ACCEPT | REVIEW | BLOCK, with the reasons.

One payment (canonical JSON, or a pacs.008 message read by the ingest stage's parser) is
decided on:
* screening of both parties' names (and ultimate parties'), their ids and account numbers
  (exact identifier matches), and the narrative (listed names in free text);
* the rules that can be decided on the payment alone (high-risk geography);
* the streaming forms of fan-in, structuring, pass-through and velocity on each account's
  recent payments (`cftwatch.streaming`), with the thresholds of the workspace's rules.

BLOCK: an identifier of a listed entity, or a name match at or above `block_score`.
REVIEW: a weaker name match, a listed name in the narrative, or any rule. Else ACCEPT.
The payment, decision and reasons are stored in the operational store's journal (with an
audit row) before the answer; the same payment again gets the stored answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.app.prescreen import SharedPrescreen
from cftwatch.app.screening import KnownParties, LiveScreener, known_party_queries
from cftwatch.errors import InputError
from cftwatch.ingest.iso20022 import read_message
from cftwatch.jsontext import to_jsonable
from cftwatch.monitoring.config import RuleConfig
from cftwatch.monitoring.money import to_currency
from cftwatch.monitoring.runner import workspace_rules_config
from cftwatch.screening import (
    DEFAULT_THRESHOLD,
    Match,
    Screener,
    find_listed_names,
)
from cftwatch.store import (
    NewDecision,
    OperationalStore,
    PaymentDecision,
    decisions_since,
    newest_payment_time,
    payment_fields_since,
    store_decisions,
)
from cftwatch.streaming import (
    FanIn,
    Leg,
    PassThrough,
    StateStore,
    StreamingRules,
    Structuring,
    Velocity,
    legs_of,
    open_state_store,
    signals,
)
from cftwatch.vocab import expand_channels
from cftwatch.workspace import Workspace

__all__ = [
    "BLOCK_SCORE",
    "DECISIONS",
    "Decision",
    "DecisionEngine",
    "NewDecision",
    "answer",
    "parse_payment",
    "payments_from_xml",
    "streaming_rules",
    "sync_decided_payments",
]

DECISIONS = ("ACCEPT", "REVIEW", "BLOCK")
BLOCK_SCORE = 0.95
"""A name match at or above this score blocks the payment; from the screening threshold
(0.85) up to it, the payment is held for review."""
RECENT_ANSWERS = 20_000
"""Stored decisions this process remembers by payment key (a few MB), so a replay is answered
without a store round trip (other replays are answered by the store's unique key)."""
PRESCREEN_S = 300.0
"""Longest a start-up (or list update) prescreen of known parties runs; the names left are
screened when a payment names them."""
REBUILD_WAIT_S = 120.0
"""How long a worker waits for another worker's rebuild of the shared state."""
PARTIES = ("debtor", "creditor")
_TEXT_FIELDS = tuple(
    c for c in cs.TRANSACTIONS.names if c not in ("ts", "amount", "source_format", "source_ref")
)
_TEXT_KEYS = frozenset(_TEXT_FIELDS)
_FIELDS = frozenset(cs.TRANSACTIONS.names) | {"_rec", "_where"}


@dataclass(frozen=True)
class Decision:
    """The answer for one payment: its key, decision, reasons, and whether it was the
    stored answer to an earlier request."""

    payment_key: str
    decision: str
    reasons: list[dict[str, Any]]
    decided_at: dt.datetime
    replayed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "txn_id": self.payment_key,
            "decision": self.decision,
            "reasons": self.reasons,
            "decided_at": self.decided_at,
            "replayed": self.replayed,
        }


# -- payments in ------------------------------------------------------------------


def parse_payment(raw: dict[str, Any], record: int | str | None = None) -> dict[str, Any]:
    """A canonical payment from JSON-like values: txn_id (or uetr), ts (ISO 8601; UTC
    when it has no offset), amount (> 0, exact), currency; the rest optional text.
    Raises `InputError` naming the record and field."""

    def bad(reason: str, name: str, value: Any = None) -> InputError:
        return InputError.at(reason, record=record, field=name, value=value)

    if not _FIELDS.issuperset(raw):
        raise bad("unknown field", sorted(set(raw) - _FIELDS)[0])
    out: dict[str, Any] = dict.fromkeys(_TEXT_FIELDS)
    for name, value in raw.items():
        if name in _TEXT_KEYS and value is not None:
            if not isinstance(value, str):  # the first such field in the schema's order
                first = next(n for n in _TEXT_FIELDS if not isinstance(raw.get(n), str | None))
                raise bad("must be text", first, raw[first])
            out[name] = value.strip() or None
    if not out["txn_id"]:
        if not out["uetr"]:
            raise bad("a payment needs a txn_id or a uetr", "txn_id")
        out["txn_id"] = f"uetr:{out['uetr'].lower()}"
    out["ts"] = _timestamp(raw.get("ts"), bad)
    out["amount"] = _amount(raw.get("amount"), bad)
    if not out["currency"] or not 3 <= len(out["currency"]) <= 5:
        raise bad("needs an ISO 4217 currency code", "currency", out["currency"])
    out["channel"] = (out["channel"] or "other").lower()
    out["source_format"] = str(raw.get("source_format") or "service")
    return out


def _timestamp(value: Any, bad: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        ts = value
    elif isinstance(value, str) and value.strip():
        try:
            ts = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise bad("not an ISO 8601 date/time", "ts", value) from None
    else:
        raise bad("a payment needs its time (ISO 8601)", "ts", value)
    return ts.replace(tzinfo=dt.UTC) if ts.tzinfo is None else ts.astimezone(dt.UTC)


def _amount(value: Any, bad: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise bad("a payment needs an amount (a decimal number)", "amount", value)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise bad("not a decimal amount", "amount", value) from None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e16"):
        raise bad("must be a positive amount below 1e16", "amount", value)
    return amount


def payments_from_xml(data: bytes) -> list[dict[str, Any]]:
    """The payments of a pacs.008 (or pain.001) message, each checked like JSON input."""
    rows = read_message(data, "message")
    return [parse_payment(row, row.get("_where") or i + 1) for i, row in enumerate(rows)]


# -- thresholds from the workspace's rules -----------------------------------------


def streaming_rules(
    config: RuleConfig, currency: str = "PKR", rates: dict[str, float] | None = None
) -> StreamingRules:
    """The streaming rules with the batch rules' parameters (a rule off there is off here);
    money parameters in the institution's `currency`."""

    def money(value: Any) -> Decimal:
        return Decimal(str(round(to_currency(value, currency, rates), 2)))

    def on(rule_id: str) -> dict[str, Any] | None:
        setting = config.rules.get(rule_id)
        return setting.params if setting is not None and setting.enabled else None

    def chans(values: Iterable[str]) -> frozenset[str]:
        return frozenset(expand_channels(list(values)))

    fan, struct, passing, vel = (
        on("crowdfunding_fan_in"),
        on("structuring"),
        on("rapid_pass_through"),
        on("velocity_spike"),
    )
    return StreamingRules(
        fan_in=None
        if fan is None
        else FanIn(
            fan["min_senders"],
            fan["window_hours"],
            money(fan["max_payment"]),
            chans(fan["channels"]),
        ),
        structuring=None
        if struct is None
        else Structuring(
            money(struct["threshold"]),
            struct["lower_fraction"],
            struct["min_deposits"],
            struct["window_days"],
            chans(struct["channels"]),
        ),
        pass_through=None
        if passing is None
        else PassThrough(
            money(passing["min_amount"]),
            passing["min_pass_share"],
            passing["max_pass_share"],
            passing["max_hours"],
            chans(passing["out_channels"]),
        ),
        velocity=None
        if vel is None
        else Velocity(
            vel["factor"],
            vel["baseline_days"],
            money(vel["min_amount"]),
            vel["min_payments"],
            chans(vel["exclude_channels"]),
        ),
    )


# -- the engine ---------------------------------------------------------------------


@dataclass
class DecisionEngine:
    """What one running service decides with: the screener over the active lists, the
    rule thresholds, the per-account state, and the operational store's journal."""

    workspace_path: Path
    store: OperationalStore
    lists: LiveScreener
    rules: StreamingRules
    state: StateStore
    high_risk_countries: frozenset[str] = frozenset()
    threshold: float = DEFAULT_THRESHOLD
    block_score: float = BLOCK_SCORE
    _answered: OrderedDict[str, PaymentDecision] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def screener(self) -> Screener:
        """The screener over the lists active now (reloaded after a list update)."""
        return self.lists.current()[1]

    @classmethod
    def start(
        cls,
        workspace_path: Path,
        store: OperationalStore,
        *,
        state_url: str | None = None,
        prescreen: bool = True,
        prescreen_workers: int = 1,
        prescreen_s: float = PRESCREEN_S,
    ) -> DecisionEngine:
        """Load the screener and thresholds, open the state store and rebuild it from the
        workspace's recent transactions and the journal (once per generation of data).
        `prescreen`: screen every known party (`known_party_queries`) now, on
        `prescreen_workers` processes for at most `prescreen_s`, and again after each list
        update (in the background), so their payments are answered from the cache; the
        workers of one workspace share one prescreen (`SharedPrescreen`: the first screens,
        the others read its results)."""
        with Workspace.open(workspace_path, read_only=True) as ws:
            lists = LiveScreener.load(workspace_path, ws)
            config = workspace_rules_config(ws)
            engine = cls(
                workspace_path,
                store,
                lists,
                streaming_rules(
                    config, ws.config.institution.currency, ws.config.institution.exchange_rates
                ),
                open_state_store(state_url, prefix=state_prefix(store)),
                frozenset(config.settings.get("high_risk_countries") or ()),
            )
            try:
                engine.rebuild(ws)
                engine.warm_up()
                if prescreen:
                    lists.shared = SharedPrescreen(workspace_path)
                    lists.known_parties = KnownParties(
                        workspace_path, engine.threshold, prescreen_s
                    )
                    lists.prescreen(
                        known_party_queries(ws), engine.threshold, prescreen_workers, prescreen_s
                    )
            except BaseException:
                engine.close()
                raise
        return engine

    def close(self) -> None:
        self.state.close()

    # -- rebuilding the state ------------------------------------------------------

    def rebuild(self, ws: Workspace) -> int:
        """Load every leg within the horizon before the newest payment (workspace
        transactions, then journal payments that were not blocked); returns how many."""
        newest = _newest(ws, self.store)
        if newest is None:
            return 0
        since = newest - dt.timedelta(seconds=self.rules.horizon_s)
        generation = f"{newest.isoformat()}|{self.rules.horizon_s}"
        if not self.state.claim_rebuild(generation):
            self.state.wait_rebuilt(generation, REBUILD_WAIT_S)
            return 0
        legs = [*_workspace_legs(ws, since), *_journal_legs(self.store, since)]
        count = self.state.load(legs, self.rules.horizon_s)
        self.state.mark_rebuilt(generation)
        return count

    # -- deciding ------------------------------------------------------------------

    def decide(self, payment: dict[str, Any], user: str) -> Decision | NewDecision:
        """Decide one parsed payment (`parse_payment`): the stored `Decision` when it was
        decided before, else a `NewDecision` that must be stored before it is answered
        (`evaluate` does both; the server commits concurrent requests' decisions together)."""
        key = payment["txn_id"]
        with self._lock:
            earlier = self._answered.get(key)
        if earlier is not None:
            return answer(earlier, created=False)
        reasons = self._screening_reasons(payment) + self._payment_reasons(payment)
        if not any(r["decision"] == "BLOCK" for r in reasons):
            reasons += self._streaming_reasons(payment)
        return NewDecision(
            key, payment["ts"], _overall(reasons), _jsonable(payment), to_jsonable(reasons), user
        )

    def evaluate(self, payment: dict[str, Any], user: str) -> Decision:
        """Decide one payment and store it before answering."""
        return self.evaluate_many([payment], user)[0]

    def evaluate_many(self, payments: list[dict[str, Any]], user: str) -> list[Decision]:
        """Decide payments in order and store the new decisions in one transaction."""
        decided = [self.decide(p, user) for p in payments]
        new = [d for d in decided if isinstance(d, NewDecision)]
        stored = iter(self.remember(store_decisions(self.store, new)))
        return [d if isinstance(d, Decision) else answer(*next(stored)) for d in decided]

    def remember(
        self, stored: list[tuple[PaymentDecision, bool]]
    ) -> list[tuple[PaymentDecision, bool]]:
        """Keep stored decisions by key (bounded) for replays; returns `stored`."""
        with self._lock:
            for row, _created in stored:
                self._answered[row.payment_key] = row
                self._answered.move_to_end(row.payment_key)
            while len(self._answered) > RECENT_ANSWERS:
                self._answered.popitem(last=False)
        return stored

    def warm_up(self) -> None:
        """Build what the screener builds lazily (the narrative automaton) before the
        first payment, so that payment is answered as fast as the next."""
        find_listed_names("warm up", self.screener, self.threshold)
        self.lists.screen_name("warm up", None, self.threshold)

    def _screening_reasons(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        reasons: list[dict[str, Any]] = []
        for role in PARTIES:
            names = [p.get(f"{role}_name"), p.get(f"ultimate_{role}_name")]
            for name in dict.fromkeys(n for n in names if n):
                country = p.get(f"{role}_country")
                for m in self.lists.screen_name(name, country, self.threshold)[:3]:
                    verdict = "BLOCK" if m.score >= self.block_score else "REVIEW"
                    reasons.append(_match_reason("screening.name", role, name, m, verdict))
            for ident in dict.fromkeys(
                v for v in (p.get(f"{role}_id"), p.get(f"{role}_account")) if v
            ):
                for m in self.lists.screen_identifier(ident):
                    reasons.append(_match_reason("screening.identifier", role, ident, m, "BLOCK"))
        if p.get("narrative"):
            for m in self.lists.listed_in_text(p["narrative"], self.threshold)[:3]:
                reasons.append(
                    _match_reason("screening.narrative", "narrative", p["narrative"], m, "REVIEW")
                )
        return reasons

    def _payment_reasons(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        reasons = []
        for role in PARTIES:
            country = p.get(f"{role}_country")
            if country and country.upper() in self.high_risk_countries:
                reasons.append(
                    {
                        "decision": "REVIEW",
                        "kind": "rule",
                        "rule_id": "high_risk_geography",
                        "party": role,
                        "message": f"the {role} is in {country.upper()}, a high-risk country",
                        "numbers": {"country": country.upper()},
                    }
                )
        return reasons

    def _streaming_reasons(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        reasons = []
        horizon = self.rules.horizon_s
        legs = _payment_legs(p)
        for (account, leg), buffer in zip(legs, self.state.add_many(legs, horizon), strict=True):
            for s in signals(self.rules, leg, buffer):
                reasons.append(
                    {
                        "decision": "REVIEW",
                        "kind": "streaming",
                        "rule_id": s.rule_id,
                        "party": "debtor" if leg.direction == "out" else "creditor",
                        "account": account,
                        "message": s.message,
                        "numbers": s.numbers,
                    }
                )
        return reasons


def state_prefix(store: OperationalStore) -> str:
    """The shared state's key prefix: one per operational store, so several workspaces
    can share one Redis and every worker of one workspace finds the same keys."""
    return "cftwatch:" + hashlib.sha256(store.url.encode("utf-8")).hexdigest()[:12]


def answer(stored: PaymentDecision, created: bool) -> Decision:
    """The answer for a stored decision (`replayed` when it was stored by an earlier request)."""
    return Decision(
        stored.payment_key, stored.decision, stored.reasons, stored.decided_at, not created
    )


def _match_reason(rule_id: str, party: str, text: str, m: Match, verdict: str) -> dict[str, Any]:
    return {
        "decision": verdict,
        "kind": "screening",
        "rule_id": rule_id,
        "party": party,
        "query": text,
        "entity_id": m.entity_id,
        "list": m.list_id,
        "list_ref": m.list_ref,
        "matched_name": m.matched_name,
        "score": round(m.score, 4),
        "message": "; ".join(m.explanation),
    }


def _jsonable(payment: dict[str, Any]) -> dict[str, Any]:
    """`to_jsonable` of a parsed payment (text or None, but for its time and amount)."""
    return {
        str(k): v if v is None or type(v) is str else to_jsonable(v) for k, v in payment.items()
    }


def _overall(reasons: list[dict[str, Any]]) -> str:
    rank = max((DECISIONS.index(r["decision"]) for r in reasons), default=0)
    return DECISIONS[rank]


def _payment_legs(p: dict[str, Any]) -> list[tuple[str, Leg]]:
    ts = p["ts"] if isinstance(p["ts"], dt.datetime) else dt.datetime.fromisoformat(p["ts"])
    return legs_of(
        p["txn_id"],
        ts.timestamp(),
        Decimal(str(p["amount"])),
        p.get("channel") or "other",
        p.get("debtor_account"),
        p.get("creditor_account"),
    )


def _newest(ws: Workspace, store: OperationalStore) -> dt.datetime | None:
    times = []
    if ws.has_table("transactions"):
        value = ws.scalar("SELECT max(ts) FROM transactions")
        if value is not None:
            times.append(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    journal = newest_payment_time(store)
    if journal is not None:
        times.append(journal)
    return max(times, default=None)


def _workspace_legs(ws: Workspace, since: dt.datetime) -> Iterator[tuple[str, Leg]]:
    if not ws.has_table("transactions"):
        return
    rows = ws.query(
        "SELECT txn_id, epoch(ts), amount, coalesce(channel, 'other'), debtor_account, "
        "creditor_account FROM transactions WHERE ts >= ? ORDER BY ts",
        [since],
    )
    for txn_id, epoch, amount, channel, debtor, creditor in rows:
        yield from legs_of(txn_id, float(epoch), Decimal(str(amount)), channel, debtor, creditor)


_LEG_FIELDS = ("txn_id", "ts", "amount", "channel", "debtor_account", "creditor_account")


def _journal_legs(store: OperationalStore, since: dt.datetime) -> Iterator[tuple[str, Leg]]:
    """The legs of the journal's payments that were not blocked (`_payment_legs` of each,
    read as the fields it needs)."""
    for txn_id, ts, amount, channel, debtor, creditor in payment_fields_since(
        store, since, _LEG_FIELDS, skip_decision="BLOCK"
    ):
        epoch = dt.datetime.fromisoformat(ts).timestamp()
        yield from legs_of(
            txn_id, epoch, Decimal(str(amount)), channel or "other", debtor, creditor
        )


# -- the journal into the workspace -------------------------------------------------


def sync_decided_payments(ws: Workspace, store: OperationalStore | None = None) -> int:
    """Append the journal's payments that were not blocked and are not yet in the
    workspace's transactions (so a batch `cftwatch monitor` sees every payment the
    service let through); returns how many. Idempotent: nothing is added twice. A
    workspace whose SQLite store was never made has no journal: nothing to do."""
    if store is None:
        url = ws.store_url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            return 0
        with OperationalStore.for_workspace(ws) as opened:
            return sync_decided_payments(ws, opened)
    load_id = "service-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    rows = [
        {**_canonical(d.payment), "source_ref": f"payment_decisions:{d.id}", "load_id": load_id}
        for d in decisions_since(store)
        if d.decision != "BLOCK"
    ]
    if not rows:
        return 0
    table = pa.Table.from_pylist(rows, schema=cs.TRANSACTIONS)
    with ws.atomic(), ws.registered("_decided", table) as rel:
        known = {
            r[0]
            for r in ws.query(
                f"SELECT d.txn_id FROM {rel} AS d JOIN transactions AS t USING (txn_id)"
            )
        }
        fresh = table.filter(pa.array([r["txn_id"] not in known for r in rows]))
        if fresh.num_rows:
            ws.append("transactions", fresh)
    return int(fresh.num_rows)


def _canonical(payment: dict[str, Any]) -> dict[str, Any]:
    out = {c: payment.get(c) for c in cs.TRANSACTIONS.names}
    ts = out["ts"]
    out["ts"] = dt.datetime.fromisoformat(ts) if isinstance(ts, str) else ts
    out["amount"] = Decimal(str(out["amount"]))
    out["source_format"] = out.get("source_format") or "service"
    return out
