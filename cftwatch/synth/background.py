"""Legitimate background activity, generated in vectorised segments (no loop per row).

Segments: P2P wallet transfers, merchant and card payments, bills, cash-in/cash-out at
agents, interbank transfers, round-amount payroll, inbound and outbound remittances,
small donations to mosques and schools (the legitimate look-alike of crowdfunding),
NPO vendor payments, business-to-business payments and agent/merchant settlements.
Amounts are lognormal (heavy right tail); days follow a weekly cycle with a month-start
lift; hours follow a daily curve; counterparties are drawn in proportion to Pareto
activity weights (hubs and leaves).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from cftwatch.schema import CHANNELS
from cftwatch.synth.config import PKR_PER_UNIT
from cftwatch.synth.population import AGT, BUS, FOR, IND, MER, NPO, Population, start_us

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR

CH = {c: i for i, c in enumerate(CHANNELS)}

HOUR_WEIGHTS = np.array(
    [
        0.2,
        0.1,
        0.08,
        0.08,
        0.1,
        0.2,
        0.4,
        0.8,
        1.2,
        1.5,
        1.7,
        1.8,
        1.6,
        1.5,
        1.6,
        1.7,
        1.8,
        1.9,
        2.0,
        2.1,
        2.0,
        1.7,
        1.2,
        0.6,
    ]
)
WEEKDAY_WEIGHTS = np.array([1.05, 1.0, 1.0, 1.0, 0.9, 1.1, 0.85])  # Mon..Sun


@dataclass
class Rows:
    """Transactions under construction, as parallel column chunks."""

    debtor: list[np.ndarray] = field(default_factory=list)
    creditor: list[np.ndarray] = field(default_factory=list)
    ts: list[np.ndarray] = field(default_factory=list)
    cents: list[np.ndarray] = field(default_factory=list)
    channel: list[np.ndarray] = field(default_factory=list)
    purpose: list[np.ndarray] = field(default_factory=list)
    narrative: list[np.ndarray] = field(default_factory=list)
    pattern: list[np.ndarray] = field(default_factory=list)
    vocab: list[str] = field(default_factory=list)  # narratives; rows hold an index (-1 = none)

    def code(self, text: str) -> int:
        if not text:
            return -1
        if text not in self.vocab:
            self.vocab.append(text)
        return self.vocab.index(text)

    def add(
        self,
        debtor: np.ndarray,
        creditor: np.ndarray,
        ts: np.ndarray,
        cents: np.ndarray,
        channel: np.ndarray | int,
        purpose: np.ndarray | int,
        narrative: np.ndarray | int = -1,
        pattern: int = -1,
    ) -> None:
        n = debtor.size
        self.debtor.append(debtor.astype(np.int64))
        self.creditor.append(creditor.astype(np.int64))
        self.ts.append(ts.astype(np.int64))
        self.cents.append(cents.astype(np.int64))
        self.channel.append(np.broadcast_to(np.asarray(channel, np.int8), n).copy())
        self.purpose.append(np.broadcast_to(np.asarray(purpose, np.int16), n).copy())
        self.narrative.append(np.broadcast_to(np.asarray(narrative, np.int32), n).copy())
        self.pattern.append(np.full(n, pattern, dtype=np.int32))

    def concat(self) -> dict[str, np.ndarray]:
        return {
            "debtor": np.concatenate(self.debtor),
            "creditor": np.concatenate(self.creditor),
            "ts": np.concatenate(self.ts),
            "cents": np.concatenate(self.cents),
            "channel": np.concatenate(self.channel),
            "purpose": np.concatenate(self.purpose),
            "narrative": np.concatenate(self.narrative),
            "pattern": np.concatenate(self.pattern),
        }


PURPOSES: list[str] = [
    "p2p",
    "merchant",
    "bill",
    "cash_in",
    "cash_out",
    "ibft",
    "salary",
    "remittance_in",
    "remittance_out",
    "donation",
    "vendor",
    "b2b",
    "settlement",
]
PU = {p: i for i, p in enumerate(PURPOSES)}


class Sampler:
    """Weighted choice of accounts within a pool (cumulative weights + binary search)."""

    def __init__(self, pool: np.ndarray, weights: np.ndarray) -> None:
        self.pool = pool
        cum = np.cumsum(weights)
        if pool.size == 0 or cum[-1] <= 0:
            raise ValueError("empty account pool")
        self.cum = cum

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        u = rng.random(n) * self.cum[-1]
        idx = np.searchsorted(self.cum, u, side="right")
        return self.pool[np.minimum(idx, self.pool.size - 1)]


def amounts(
    rng: np.random.Generator,
    n: int,
    median: float,
    sigma: float,
    round_to: float = 0.0,
    round_share: float = 0.0,
    low: float = 10.0,
    high: float = 50_000_000.0,
) -> np.ndarray:
    """Lognormal PKR amounts in cents; a share rounded to `round_to` (as people do)."""
    x = np.exp(rng.normal(np.log(median), sigma, n))
    x = np.clip(x, low, high)
    if round_to > 0 and round_share > 0:
        r = rng.random(n) < round_share
        x[r] = np.maximum(np.round(x[r] / round_to) * round_to, round_to)
    return np.round(x * 100).astype(np.int64)


def daytime(rng: np.random.Generator, base: object, low: int, high: int, n: int) -> np.ndarray:
    """`base` + offsets in [low, high) whose hour of day follows `HOUR_WEIGHTS`.

    Rejection sampling: every offset stays inside its range, so windows built on it hold.
    """
    base_arr = np.broadcast_to(np.asarray(base, dtype=np.int64), n)
    hi = max(low + 1, high)
    out = base_arr + rng.integers(low, hi, n)
    accept = HOUR_WEIGHTS / HOUR_WEIGHTS.max()
    for _ in range(30):
        redo = rng.random(n) >= accept[(out // US_PER_HOUR) % 24]
        if not redo.any():
            break
        out[redo] = base_arr[redo] + rng.integers(low, hi, int(redo.sum()))
    return out


class Clock:
    """Draws timestamps with daily and weekly seasonality inside the period."""

    def __init__(self, start: dt.date, days: int) -> None:
        self.t0 = start_us(start)
        self.days = days
        dates = [start + dt.timedelta(days=i) for i in range(days)]
        w = np.array([WEEKDAY_WEIGHTS[d.weekday()] * (1.25 if d.day <= 5 else 1.0) for d in dates])
        self.day_cum = np.cumsum(w / w.sum())
        fridays = np.array([2.5 if d.weekday() == 4 else 1.0 for d in dates]) * w
        self.friday_cum = np.cumsum(fridays / fridays.sum())
        self.hour_cum = np.cumsum(HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        self.dates = dates

    def draw(self, rng: np.random.Generator, n: int, friday: bool = False) -> np.ndarray:
        cum = self.friday_cum if friday else self.day_cum
        day = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), self.days - 1)
        hour = np.minimum(np.searchsorted(self.hour_cum, rng.random(n), side="right"), 23)
        within = rng.integers(0, US_PER_HOUR, n)
        return self.t0 + day * US_PER_DAY + hour * US_PER_HOUR + within


def _no_self(debtor: np.ndarray, creditor: np.ndarray, pool: np.ndarray) -> np.ndarray:
    same = debtor == creditor
    if same.any():
        creditor = creditor.copy()
        pos = np.searchsorted(np.sort(pool), creditor[same])
        creditor[same] = np.sort(pool)[(pos + 1) % pool.size]
    return creditor


SHARES = {
    "p2p": 0.235,
    "merchant": 0.18,
    "bill": 0.08,
    "cash_in": 0.10,
    "cash_out": 0.09,
    "ibft": 0.10,
    "salary": 0.04,
    "remittance_in": 0.05,
    "remittance_out": 0.015,
    "donation": 0.03,
    "vendor": 0.01,
    "b2b": 0.045,
    "settlement": 0.03,
    "cash_deposit": 0.005,
}


@dataclass
class _Pools:
    """The account pools background segments draw from (weighted by activity)."""

    ind_wallet: Sampler
    ind_any: Sampler
    merchants: Sampler
    agents: Sampler
    businesses: Sampler
    npos: Sampler
    foreign: Sampler
    billers: Sampler
    banked: Sampler
    shops: Sampler


def _pools(pop: Population, act: np.ndarray) -> _Pools:
    """Samplers per account kind; an all-idle pool falls back to uniform weights."""
    kind = pop.kind

    def pool(mask: np.ndarray) -> Sampler:
        idx = np.flatnonzero(mask & (act > 0))
        if idx.size == 0:
            idx = np.flatnonzero(mask)
            return Sampler(idx, np.ones(idx.size))
        return Sampler(idx, act[idx])

    ind = kind == IND
    ind_wallet = pool(ind & pop.wallet)
    pool(ind & ~pop.wallet)  # raises if the population has no banked individuals
    ind_any = pool(ind)
    merchants = pool(kind == MER)
    agents = pool(kind == AGT)
    businesses = pool(kind == BUS)
    npos = pool(kind == NPO)
    foreign = pool(kind == FOR)
    # Billers: the 1% busiest businesses (utilities, telecoms, schools' fee accounts).
    bus_idx = np.flatnonzero(kind == BUS)
    bus_idx = bus_idx[act[bus_idx] > 0]
    top = bus_idx[np.argsort(-act[bus_idx], kind="stable")][: max(3, bus_idx.size // 100)]
    billers = Sampler(top, np.ones(top.size))
    banked = pool((ind & ~pop.wallet) | (kind == BUS))
    # Shops and firms banking their takings in cash: the structuring look-alike.
    shops = pool(((kind == BUS) | (kind == MER)) & ~pop.wallet)
    return _Pools(
        ind_wallet, ind_any, merchants, agents, businesses, npos, foreign, billers, banked, shops
    )


@dataclass
class _Segments:
    """Draws one segment of background rows: `n[name]` payments from `debt` to `cred`."""

    rng: np.random.Generator
    rows: Rows
    clock: Clock
    n: dict[str, int]
    progress: object | None

    def seg(
        self,
        name: str,
        debt: Sampler,
        cred: Sampler,
        median: float,
        sigma: float,
        channel: np.ndarray | int,
        round_to: float = 0,
        round_share: float = 0.0,
        narrative: np.ndarray | int = -1,
        friday: bool = False,
        purpose: str | None = None,
    ) -> None:
        k = self.n[name]
        if k <= 0:
            return
        rng = self.rng
        d = debt.draw(rng, k)
        c = _no_self(d, cred.draw(rng, k), cred.pool)
        self.rows.add(
            d,
            c,
            self.clock.draw(rng, k, friday),
            amounts(rng, k, median, sigma, round_to, round_share),
            channel,
            PU[purpose or name],
            narrative,
        )
        if self.progress is not None:
            self.progress(k)  # type: ignore[operator]

    def narratives(self, key: str, count: int) -> np.ndarray:
        """`count` narrative codes drawn uniformly from the `key` family."""
        codes = np.array([self.rows.code(t) for t in _narr(key)], np.int32)
        return codes[self.rng.integers(0, codes.size, count)]

    def either(self, count: int, share: float, first: str, second: str) -> np.ndarray:
        """Channel codes: `first` with probability `share`, else `second`."""
        return np.where(self.rng.random(count) < share, CH[first], CH[second]).astype(np.int8)


def generate_background(
    pop: Population,
    rng: np.random.Generator,
    rows: Rows,
    total: int,
    excluded: np.ndarray,
    progress: object | None = None,
) -> None:
    """Append `total` background transactions (approximately, payroll is whole months)."""
    cfg = pop.cfg
    clock = Clock(cfg.start, cfg.days)
    act = pop.activity.copy()
    act[excluded] = 0.0
    p = _pools(pop, act)
    n = {k: round(total * s) for k, s in SHARES.items()}
    s = _Segments(rng, rows, clock, n, progress)
    _retail_segments(s, p)
    _business_segments(s, p, cfg.threshold * PKR_PER_UNIT[cfg.currency])
    _payroll(pop, act, rng, rows, clock, p.businesses, n["salary"])
    _appeals(pop, rng, rows, clock, p.ind_wallet, p.merchants)
    if progress is not None:
        progress(n["salary"])  # type: ignore[operator]


def _retail_segments(s: _Segments, p: _Pools) -> None:
    """People: P2P, shops and cards, bills, agents, interbank, remittances, donations."""
    n = s.n
    s.seg(
        "p2p",
        p.ind_wallet,
        p.ind_wallet,
        2_500,
        1.1,
        CH["wallet"],
        100,
        0.6,
        s.narratives("p2p", n["p2p"]),
    )
    card = s.either(n["merchant"], 0.35, "card", "merchant")
    s.seg("merchant", p.ind_any, p.merchants, 1_400, 1.0, card, 10, 0.3)
    s.seg("bill", p.ind_any, p.billers, 4_500, 0.8, CH["bill"])
    s.seg("cash_in", p.agents, p.ind_wallet, 4_000, 0.9, CH["cash_in"], 500, 0.85)
    s.seg("cash_out", p.ind_wallet, p.agents, 5_000, 0.9, CH["cash_out"], 500, 0.85)
    s.seg("ibft", p.banked, p.banked, 20_000, 1.3, CH["ibft"], 1_000, 0.4)
    s.seg(
        "remittance_in",
        p.foreign,
        p.ind_any,
        40_000,
        0.8,
        CH["remittance"],
        1_000,
        0.3,
        s.rows.code("home remittance"),
    )
    s.seg(
        "remittance_out",
        p.ind_any,
        p.foreign,
        60_000,
        0.9,
        s.either(n["remittance_out"], 0.5, "remittance", "wire"),
        1_000,
        0.5,
        s.rows.code("family support"),
    )
    s.seg(
        "donation",
        p.ind_wallet,
        p.npos,
        500,
        0.9,
        CH["wallet"],
        100,
        0.8,
        s.narratives("donation_legit", n["donation"]),
        friday=True,
    )


def _business_segments(s: _Segments, p: _Pools, threshold_pkr: float) -> None:
    """Firms and NPOs: vendors, B2B, settlements, and cash deposits of takings."""
    n = s.n
    s.seg("vendor", p.npos, p.businesses, 60_000, 1.0, CH["ibft"], 1_000, 0.3)
    s.seg("b2b", p.businesses, p.businesses, 150_000, 1.4, CH["ibft"], 1_000, 0.3)
    settle_ch = s.either(n["settlement"], 0.7, "ibft", "wire")
    half = n["settlement"] // 2
    n["settlement"] = half
    s.seg("settlement", p.merchants, p.businesses, 250_000, 1.0, settle_ch[:half], 1_000, 0.5)
    s.seg("settlement", p.agents, p.businesses, 300_000, 0.9, settle_ch[:half], 10_000, 0.7)
    # Some deposits land just under the reporting threshold, as honest deposits do.
    s.seg(
        "cash_deposit",
        p.agents,
        p.shops,
        0.35 * threshold_pkr,
        0.9,
        CH["cash_in"],
        1_000,
        0.5,
        purpose="cash_in",
    )


def _narr(key: str) -> list[str]:
    from cftwatch.synth.names import name_data

    return list(name_data()["narratives"][key])


def _payroll(
    pop: Population,
    act: np.ndarray,
    rng: np.random.Generator,
    rows: Rows,
    clock: Clock,
    employers: Sampler,
    target: int,
) -> None:
    """Round monthly salaries from the same employer to the same employees (a legitimate
    fan-out look-alike)."""
    paydays = [i for i, d in enumerate(clock.dates) if d.day == 1 or i == 0]
    if target <= 0 or not paydays:
        return
    employees_n = max(1, target // len(paydays))
    ind_idx = np.flatnonzero((pop.kind == IND) & (act > 0))
    if ind_idx.size == 0:
        return
    employees = rng.choice(ind_idx, size=min(employees_n, ind_idx.size), replace=False)
    employer = employers.draw(rng, employees.size)
    salary = np.round(np.exp(rng.normal(np.log(55_000), 0.5, employees.size)) / 1_000) * 1_000
    cents = (np.maximum(salary, 20_000) * 100).astype(np.int64)
    ts_parts = []
    for day in paydays:
        hour = rng.integers(9, 13, employees.size)
        ts_parts.append(
            clock.t0
            + day * US_PER_DAY
            + hour * US_PER_HOUR
            + rng.integers(0, US_PER_HOUR, employees.size)
        )
    k = len(paydays)
    ch = np.where(pop.wallet[employees], CH["wallet"], CH["ibft"]).astype(np.int8)
    rows.add(
        np.tile(employer, k),
        np.tile(employees, k),
        np.concatenate(ts_parts),
        np.tile(cents, k),
        np.tile(ch, k),
        PU["salary"],
        rows.code("salary"),
    )


APPEALS_PER_10K = 2.0
"""Legitimate personal appeals per 10,000 accounts (medical, funeral, flood relief)."""


def _appeals(
    pop: Population,
    rng: np.random.Generator,
    rows: Rows,
    clock: Clock,
    wallets: Sampler,
    merchants: Sampler,
) -> None:
    """Personal appeals: 15-40 people send small amounts to one wallet within three days,
    which is then spent slowly at merchants over the following week (no rapid cash-out).
    The honest twin of `crowdfunding_fan_in`."""
    k = max(1, round(APPEALS_PER_10K * pop.n_accounts / 10_000))
    span = clock.days * US_PER_DAY
    window = min(3 * US_PER_DAY, span // 3)
    narr = np.array(
        [rows.code(t) for t in ("medical help", "funeral", "for treatment", "flood relief", "")],
        np.int32,
    )
    for _ in range(k):
        recipient = wallets.draw(rng, 1)[0]
        m = int(rng.integers(15, 41))
        donors = _no_self(wallets.draw(rng, m), np.full(m, recipient), wallets.pool)
        donors = np.where(donors == recipient, wallets.pool[0], donors)
        t0 = clock.t0 + int(rng.integers(0, max(1, span - window - 7 * US_PER_DAY)))
        ts = np.sort(daytime(rng, t0, 0, window, m))
        cents = amounts(rng, m, 1_500, 0.8, 100, 0.7, low=100, high=20_000)
        rows.add(
            donors,
            np.full(m, recipient),
            ts,
            cents,
            CH["wallet"],
            PU["p2p"],
            narr[rng.integers(0, narr.size, m)],
        )
        spend_n = int(rng.integers(2, 6))
        total = int(cents.sum())
        spend = np.floor(rng.dirichlet(np.ones(spend_n)) * total * rng.uniform(0.3, 0.7))
        spend_ts = daytime(rng, int(ts[-1]), 2 * US_PER_DAY, 7 * US_PER_DAY, spend_n)
        spend_ts = np.minimum(spend_ts, clock.t0 + span - 1)
        rows.add(
            np.full(spend_n, recipient),
            merchants.draw(rng, spend_n),
            spend_ts,
            np.maximum(spend.astype(np.int64), 100),
            CH["merchant"],
            PU["merchant"],
        )
