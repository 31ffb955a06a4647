"""Injected typologies: each instance is a handful of transactions with a guaranteed shape.

Instances are few, so each is built by a small Python function; accounts are drawn from
the population (they keep their ordinary background activity) and never shared between
instances. `docs/synth.md` states the guarantees the tests check and the rules can rely on.
All money parameters are PKR-equivalent; `Ctx.pkr` converts them to cents of the
configured currency's PKR basis (conversion to the currency happens once, at the end).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cftwatch.errors import ConfigError
from cftwatch.synth.background import CH, PU, US_PER_DAY, US_PER_HOUR, Rows, daytime
from cftwatch.synth.config import PKR_PER_UNIT, TYPOLOGIES
from cftwatch.synth.names import listed_names, name_data, name_variant
from cftwatch.synth.population import AGT, BUS, FOR, IND, NPO, Population, start_us


@dataclass
class Pattern:
    pattern_id: str
    typology: str
    accounts: list[int]
    roles: list[str]
    params: dict[str, Any]
    window_start: int
    window_end: int


@dataclass
class Ctx:
    pop: Population
    rng: np.random.Generator
    rows: Rows
    patterns: list[Pattern] = field(default_factory=list)
    excluded: set[int] = field(default_factory=set)  # accounts kept out of the background
    _pools: dict[str, np.ndarray] = field(default_factory=dict)
    _next: dict[str, int] = field(default_factory=dict)

    @property
    def t0(self) -> int:
        return start_us(self.pop.cfg.start)

    @property
    def span(self) -> int:
        return self.pop.cfg.days * US_PER_DAY

    @property
    def threshold_pkr(self) -> float:
        cfg = self.pop.cfg
        return cfg.threshold * PKR_PER_UNIT[cfg.currency]

    def start_for(self, needed_us: int) -> int:
        """A start time so that `needed_us` of activity fits inside the period."""
        room = max(1, self.span - needed_us - US_PER_HOUR)
        return int(self.when(self.t0, 0, room))

    def fit(self, window_us: float) -> int:
        """A window no longer than half the period (short runs get shorter windows, so
        every instance still lies inside the period and inside its stated window)."""
        return int(min(window_us, self.span // 2))

    def when(self, base: Any, low: int, high: int, n: int | None = None) -> Any:
        """`base` + offsets in [low, high), with the background's hour-of-day profile.

        Rejection sampling on the hour keeps instances from standing out by time of day
        (a burst of donations at 03:00 would be a giveaway) while every offset stays
        inside its range, so the typology's windows hold.
        """
        out = daytime(self.rng, base, low, high, 1 if n is None else n)
        return int(out[0]) if n is None else out

    def take(self, pool: str, k: int) -> list[int]:
        """`k` distinct accounts of a pool, never used by another instance."""
        if pool not in self._pools:
            pop = self.pop
            masks = {
                "wallet": (pop.kind == IND) & pop.wallet,
                "bank": (pop.kind == IND) & ~pop.wallet,
                "business": pop.kind == BUS,
                "npo": pop.kind == NPO,
                "agent": pop.kind == AGT,
                "foreign": pop.kind == FOR,
            }
            self._pools[pool] = self.rng.permutation(np.flatnonzero(masks[pool]))
            self._next[pool] = 0
        avail = self._pools[pool]
        if pool == "agent":  # agents are shared infrastructure, reused freely
            return avail[self.rng.integers(0, avail.size, k)].tolist()
        start = self._next[pool]
        if avail.size - start < k:
            raise ConfigError.at(
                f"too few {pool} accounts for the requested typology rates "
                "(raise --accounts or lower the rates)",
                field="accounts",
                value=self.pop.cfg.accounts,
            )
        self._next[pool] = start + k
        return avail[start : start + k].tolist()

    def individuals(self, k: int, wallet_share: float = 0.5) -> list[int]:
        w = int(self.rng.binomial(k, wallet_share))
        return self.take("wallet", w) + self.take("bank", k - w)

    def between(self, low: float, high: float, n: int | None = None) -> Any:
        """Log-uniform PKR cents in [low, high)."""
        size = 1 if n is None else n
        x = np.exp(self.rng.uniform(np.log(low), np.log(high), size))
        cents = np.floor(x * 100).astype(np.int64)
        return int(cents[0]) if n is None else cents


def _ints(x: list[int] | np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def _add(
    ctx: Ctx,
    pat: int,
    debtor: list[int],
    creditor: list[int],
    ts: list[int],
    cents: list[int],
    channel: list[int] | int,
    purpose: str,
    narrative: list[str] | str = "",
) -> None:
    narr: np.ndarray | int
    if isinstance(narrative, list):
        narr = np.array([ctx.rows.code(t) for t in narrative], np.int32)
    else:
        narr = ctx.rows.code(narrative)
    ch = np.asarray(channel, np.int8) if isinstance(channel, list) else channel
    ctx.rows.add(
        _ints(debtor), _ints(creditor), _ints(ts), _ints(cents), ch, PU[purpose], narr, pat
    )


def _new(
    ctx: Ctx, typology: str, k: int, params: dict[str, Any], accounts: list[int], roles: list[str]
) -> int:
    ctx.patterns.append(
        Pattern(
            f"SYN{ctx.pop.cfg.seed}-{typology}-{k:04d}", typology, accounts, roles, params, 0, 0
        )
    )
    return len(ctx.patterns) - 1


def _window(ctx: Ctx, pat: int, start: int, end: int) -> None:
    ctx.patterns[pat].window_start = start
    ctx.patterns[pat].window_end = end


# -- typologies -----------------------------------------------------------------------


def crowdfunding_fan_in(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    n = int(rng.integers(p["min_senders"], p["max_senders"] + 1))
    collector = ctx.take("wallet", 1)[0]
    donors = ctx.take("wallet", n)
    agents = ctx.take("agent", 3)
    window = int(p["window_hours"] * US_PER_HOUR)
    cash = int(p["cashout_hours"] * US_PER_HOUR)
    t = ctx.start_for(window + cash)
    ts = np.sort(ctx.when(t, 0, window, n))
    x = np.exp(rng.normal(np.log(p["donation_median"]), 0.7, n))
    x = np.clip(x, p["donation_min"], p["donation_max"])
    x = np.where(rng.random(n) < 0.6, np.round(x / 100) * 100, np.round(x))
    donations = np.clip(x, p["donation_min"], p["donation_max"]) * 100
    pat = _new(
        ctx,
        "crowdfunding_fan_in",
        k,
        p | {"senders": n},
        [collector, *donors],
        ["collector", *["donor"] * n],
    )
    illicit = list(name_data()["narratives"]["donation_illicit"])
    narr = [illicit[int(i)] for i in rng.integers(0, len(illicit), n)]
    _add(
        ctx,
        pat,
        donors,
        [collector] * n,
        ts.tolist(),
        donations.tolist(),
        CH["wallet"],
        "p2p",
        narr,
    )
    total = int(donations.sum())
    share = rng.uniform(p["cashout_share_min"], p["cashout_share_max"])
    m = int(rng.integers(1, 4))
    parts = rng.dirichlet(np.ones(m)) * total * share
    cents = np.floor(parts / 50_000) * 50_000  # cash in 500-rupee notes
    floor_cents = total * p["cashout_share_min"]
    if cents.sum() < floor_cents:
        cents[0] += np.ceil((floor_cents - cents.sum()) / 50_000) * 50_000
    cents = np.maximum(cents, 0)
    if cents.sum() > total:
        cents[0] -= cents.sum() - total
    last = int(ts[-1])
    out_ts = np.sort(ctx.when(last, US_PER_HOUR // 4, cash, m))
    channels = [CH["cash_out"]] * m
    _add(
        ctx,
        pat,
        [collector] * m,
        agents[:m],
        out_ts.tolist(),
        cents.astype(np.int64).tolist(),
        channels,
        "cash_out",
    )
    ctx.patterns[pat].params |= {"collected_cents": total, "cashed_out_cents": int(cents.sum())}
    _window(ctx, pat, int(ts[0]), int(out_ts[-1]))


def structuring(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    n = int(rng.integers(p["min_deposits"], p["max_deposits"] + 1))
    actor = ctx.individuals(1, 0.3)[0]
    agents = ctx.take("agent", n)
    window = ctx.fit(p["window_days"] * US_PER_DAY)
    t = ctx.start_for(window)
    ts = np.sort(ctx.when(t, 0, window, n))
    thr = ctx.threshold_pkr
    frac = rng.uniform(p["lower_fraction"], 0.995, n)
    cents = np.floor(frac * thr * 100 / 1000) * 1000  # round to 10 rupees, stays below
    pat = _new(ctx, "structuring", k, dict(p), [actor], ["structurer"])
    _add(ctx, pat, agents, [actor] * n, ts.tolist(), cents.tolist(), CH["cash_in"], "cash_in")
    _window(ctx, pat, int(ts[0]), int(ts[-1]))


def rapid_pass_through(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    m = int(rng.integers(p["min_accounts"], p["max_accounts"] + 1))
    chain = ctx.individuals(m, 0.5)
    hop = int(p["max_hop_hours"] * US_PER_HOUR)
    t = ctx.start_for(hop * m)
    amount = ctx.between(p["amount_min"], p["amount_max"])
    roles = ["source", *["intermediary"] * (m - 2), "sink"]
    pat = _new(ctx, "rapid_pass_through", k, p | {"accounts": m}, chain, roles)
    ts = [t]
    cents = [amount]
    for _ in range(m - 2):
        ts.append(ctx.when(ts[-1], US_PER_HOUR // 2, hop))
        cents.append(math.ceil(cents[-1] * rng.uniform(p["pass_fraction_min"], 0.995)))
    channels = [CH["ibft"] if rng.random() < 0.6 else CH["wallet"] for _ in range(m - 1)]
    _add(ctx, pat, chain[:-1], chain[1:], ts, cents, channels, "ibft")
    _window(ctx, pat, ts[0], ts[-1])


def fan_out_mules(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    n = int(rng.integers(p["min_mules"], p["max_mules"] + 1))
    source = ctx.individuals(1, 0.2)[0]
    funder = ctx.take("foreign", 1)[0]
    mules = ctx.take("wallet", n)
    agents = ctx.take("agent", n)
    window = int(p["window_hours"] * US_PER_HOUR)
    cashh = int(p["mule_cashout_hours"] * US_PER_HOUR)
    t = ctx.start_for(window + cashh)
    total = ctx.between(p["amount_min"], p["amount_max"])
    pat = _new(
        ctx,
        "fan_out_mules",
        k,
        p | {"mules": n},
        [source, funder, *mules],
        ["source", "funder", *["mule"] * n],
    )
    _add(ctx, pat, [funder], [source], [t], [total], CH["wire"], "remittance_in")
    shares = rng.dirichlet(np.ones(n) * 5) * total * rng.uniform(0.9, 0.99)
    pay = np.floor(shares / 100_000) * 100_000 + 100_000  # round thousands
    ts = np.sort(ctx.when(t, US_PER_HOUR // 2, window, n))
    _add(ctx, pat, [source] * n, mules, ts.tolist(), pay.tolist(), CH["wallet"], "p2p")
    frac = rng.uniform(p["mule_cashout_fraction"], 1.0, n)
    out = np.floor(pay * frac / 50_000) * 50_000
    out = np.maximum(out, np.ceil(pay * p["mule_cashout_fraction"] / 50_000) * 50_000)
    out = np.minimum(out, pay)
    out_ts = ctx.when(ts, US_PER_HOUR // 4, cashh, n)
    _add(ctx, pat, mules, agents, out_ts.tolist(), out.tolist(), CH["cash_out"], "cash_out")
    _window(ctx, pat, t, int(out_ts.max()))


def cycle(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    m = int(rng.integers(p["min_length"], p["max_length"] + 1))
    ring = ctx.individuals(m, 0.4)
    window = ctx.fit(p["window_days"] * US_PER_DAY)
    hop_max = min(int(p["max_hop_hours"] * US_PER_HOUR), window // m)
    t = ctx.start_for(window)
    amount = ctx.between(p["amount_min"], p["amount_max"])
    ts = [t]
    cents = [amount]
    for _ in range(m - 1):
        ts.append(ctx.when(ts[-1], US_PER_HOUR, max(US_PER_HOUR + 1, hop_max)))
        cents.append(math.ceil(cents[-1] * (1 - rng.uniform(0, p["fee_fraction_max"]))))
    pat = _new(ctx, "cycle", k, p | {"length": m}, ring, ["member"] * m)
    creditors = ring[1:] + ring[:1]
    channels = [CH["ibft"] if rng.random() < 0.5 else CH["wallet"] for _ in range(m)]
    _add(ctx, pat, ring, creditors, ts, cents, channels, "ibft")
    _window(ctx, pat, ts[0], ts[-1])


def scatter_gather(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    n = int(rng.integers(p["min_intermediaries"], p["max_intermediaries"] + 1))
    source, sink = ctx.individuals(2, 0.3)
    mids = ctx.individuals(n, 0.6)
    window = ctx.fit(p["window_days"] * US_PER_DAY)
    t = ctx.start_for(window)
    total = ctx.between(p["amount_min"], p["amount_max"])
    parts = np.floor(rng.dirichlet(np.ones(n) * 4) * total)
    t_out = np.sort(ctx.when(t, 0, window // 2, n))
    fwd = np.ceil(parts * rng.uniform(p["forward_fraction_min"], 0.99, n))
    t_in = ctx.when(t_out, US_PER_HOUR, window // 2, n)
    pat = _new(
        ctx,
        "scatter_gather",
        k,
        p | {"intermediaries": n},
        [source, sink, *mids],
        ["source", "sink", *["intermediary"] * n],
    )
    _add(ctx, pat, [source] * n, mids, t_out.tolist(), parts.tolist(), CH["ibft"], "ibft")
    _add(ctx, pat, mids, [sink] * n, t_in.tolist(), fwd.tolist(), CH["ibft"], "ibft")
    _window(ctx, pat, int(t_out[0]), int(t_in.max()))


def gather_scatter(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    n_in = int(rng.integers(p["min_senders"], p["max_senders"] + 1))
    n_out = int(rng.integers(p["min_receivers"], p["max_receivers"] + 1))
    hub = ctx.individuals(1, 0.5)[0]
    senders = ctx.individuals(n_in, 0.5)
    receivers = ctx.individuals(n_out, 0.5)
    window = ctx.fit(p["window_days"] * US_PER_DAY)
    t = ctx.start_for(window)
    cents_in = ctx.between(p["amount_min"], p["amount_max"], n_in)
    t_in = np.sort(ctx.when(t, 0, window // 2, n_in))
    total_out = float(cents_in.sum()) * rng.uniform(p["forward_share_min"] + 0.005, 0.98)
    cents_out = np.floor(rng.dirichlet(np.ones(n_out) * 4) * total_out)
    t_out = np.sort(ctx.when(int(t_in[-1]), US_PER_HOUR, window // 2, n_out))
    pat = _new(
        ctx,
        "gather_scatter",
        k,
        p | {"senders": n_in, "receivers": n_out},
        [hub, *senders, *receivers],
        ["hub", *["sender"] * n_in, *["receiver"] * n_out],
    )
    _add(ctx, pat, senders, [hub] * n_in, t_in.tolist(), cents_in.tolist(), CH["wallet"], "p2p")
    _add(ctx, pat, [hub] * n_out, receivers, t_out.tolist(), cents_out.tolist(), CH["ibft"], "ibft")
    _window(ctx, pat, int(t_in[0]), int(t_out[-1]))


def charity_diversion(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    cfg = ctx.pop.cfg
    n_d = int(rng.integers(p["min_donors"], p["max_donors"] + 1))
    n_b = int(rng.integers(p["min_beneficiaries"], p["max_beneficiaries"] + 1))
    npo = ctx.take("npo", 1)[0]
    donors = ctx.take("wallet", n_d)
    beneficiaries = ctx.individuals(n_b, 0.7)
    for b in beneficiaries:
        region = cfg.high_risk_regions[int(rng.integers(0, len(cfg.high_risk_regions)))]
        ctx.pop.rehome(b, region, "PK")
    window = ctx.fit(p["window_days"] * US_PER_DAY)
    t = ctx.start_for(window)
    legit = list(name_data()["narratives"]["donation_legit"])
    relief = list(name_data()["narratives"]["relief"])
    t_d = np.sort(ctx.when(t, 0, window // 2, n_d))
    don = np.round(np.exp(rng.normal(np.log(3_000), 0.8, n_d)) / 100) * 100 * 100
    don = np.maximum(don, 10_000)
    payments = np.round(ctx.between(p["payment_min"], p["payment_max"], n_b) / 100_000) * 100_000
    payments = np.clip(payments, p["payment_min"] * 100, p["payment_max"] * 100)
    t_b = np.sort(ctx.when(t, window // 4, window, n_b))
    pat = _new(
        ctx,
        "charity_diversion",
        k,
        p | {"donors": n_d, "beneficiaries": n_b},
        [npo, *beneficiaries, *donors],
        ["npo", *["beneficiary"] * n_b, *["donor"] * n_d],
    )
    narr_d = [legit[int(i)] for i in rng.integers(0, len(legit), n_d)]
    _add(
        ctx, pat, donors, [npo] * n_d, t_d.tolist(), don.tolist(), CH["wallet"], "donation", narr_d
    )
    narr_b = [relief[int(i)] for i in rng.integers(0, len(relief), n_b)]
    chans = [CH["wallet"] if ctx.pop.wallet[b] else CH["ibft"] for b in beneficiaries]
    _add(
        ctx, pat, [npo] * n_b, beneficiaries, t_b.tolist(), payments.tolist(), chans, "p2p", narr_b
    )
    _window(ctx, pat, int(min(t_d[0], t_b[0])), int(max(t_d[-1], t_b[-1])))


def listed_party_payment(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    entries = listed_names()
    entry = entries[int(rng.integers(0, len(entries)))]
    charity = re.search(r"TRUST|FOUNDATION|ORGANI[SZ]ATION|COMMITTEE|SOCIETY", entry.name)
    # Persons hold bank accounts; front charities NPO accounts; other entities business ones.
    pool = {"Person": "bank"}.get(entry.schema, "npo" if charity else "business")
    holders = np.bincount(ctx.pop.party, minlength=ctx.pop.n_parties)
    listed = ctx.take(pool, 1)[0]
    while holders[ctx.pop.party[listed]] != 1:  # the listed party holds only this account
        listed = ctx.take(pool, 1)[0]
    ctx.excluded.add(listed)
    variant = rng.random() < p["variant_probability"]
    name = name_variant(entry.name, rng) if variant else entry.name
    ctx.pop.name_overrides[int(ctx.pop.party[listed])] = name
    if entry.schema == "Person":
        ctx.pop.listed_parties[int(ctx.pop.party[listed])] = entry.birth_date
    n_h = int(rng.integers(p["min_one_hop"], p["max_one_hop"] + 1))
    hops = ctx.individuals(n_h, 0.5)
    per = int(p["one_hop_payments"])
    third = ctx.individuals(n_h * per, 0.5)
    n_pay = max(int(rng.integers(p["min_payments"], p["max_payments"] + 1)), n_h)
    window = ctx.fit(p["window_days"] * US_PER_DAY)
    t = ctx.start_for(window)
    pat = _new(
        ctx,
        "listed_party_payment",
        k,
        p
        | {
            "list_ref": entry.list_ref,
            "list_name": entry.name,
            "name_used": name,
            "one_hop": n_h,
            "payments": n_pay,
        },
        [listed, *hops, *third],
        ["listed", *["one_hop"] * n_h, *["third_party"] * len(third)],
    )
    cp = [hops[i % n_h] for i in range(n_pay)]
    inbound = rng.random(n_pay) < 0.5
    debtor = [c if inb else listed for c, inb in zip(cp, inbound.tolist(), strict=True)]
    creditor = [listed if inb else c for c, inb in zip(cp, inbound.tolist(), strict=True)]
    ts = np.sort(ctx.when(t, 0, window, n_pay))
    cents = ctx.between(p["amount_min"], p["amount_max"], n_pay)
    _add(ctx, pat, debtor, creditor, ts.tolist(), cents.tolist(), CH["ibft"], "ibft")
    t3 = np.sort(ctx.when(t, 0, window, len(third)))
    c3 = ctx.between(p["amount_min"], p["amount_max"], len(third))
    to_hop = [hops[i // per] for i in range(len(third))]
    _add(ctx, pat, third, to_hop, t3.tolist(), c3.tolist(), CH["wallet"], "p2p")
    _window(ctx, pat, int(min(ts[0], t3[0])), int(max(ts[-1], t3[-1])))


def dormant_reactivation(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    acct = ctx.take("bank", 1)[0]
    ctx.excluded.add(acct)
    ctx.pop.opened_days_ago[acct] = max(int(ctx.pop.opened_days_ago[acct]), 3 * 365)
    n = int(rng.integers(p["min_inflows"], p["max_inflows"] + 1))
    senders = ctx.take("foreign", n)
    agent = ctx.take("agent", 2)
    window = int(p["window_hours"] * US_PER_HOUR)
    t = ctx.start_for(window + 2 * US_PER_DAY)
    dormancy = int(rng.integers(p["dormancy_days_min"], p["dormancy_days_max"] + 1))
    t_old = ctx.when(t - dormancy * US_PER_DAY, -US_PER_DAY, 0)
    pat = _new(
        ctx,
        "dormant_reactivation",
        k,
        p | {"dormancy_days": dormancy, "inflows": n},
        [acct, *senders],
        ["dormant", *["sender"] * n],
    )
    _add(
        ctx,
        pat,
        [agent[0]],
        [acct],
        [t_old],
        [ctx.between(2_000, 20_000)],
        CH["cash_in"],
        "cash_in",
    )
    ts = np.sort(ctx.when(t, 0, window, n))
    ts[0] = t
    cents = ctx.between(p["amount_min"], p["amount_max"], n)
    _add(
        ctx,
        pat,
        senders,
        [acct] * n,
        ts.tolist(),
        cents.tolist(),
        CH["remittance"],
        "remittance_in",
    )
    out = int(np.ceil(cents.sum() * rng.uniform(p["cashout_fraction"], 0.99) / 100) * 100)
    out_t = ctx.when(int(ts[-1]), US_PER_HOUR, 48 * US_PER_HOUR)
    _add(ctx, pat, [acct], [agent[1]], [out_t], [out], CH["cash_out"], "cash_out")
    _window(ctx, pat, t_old, out_t)


def high_risk_remittance(ctx: Ctx, k: int, p: dict[str, Any]) -> None:
    rng = ctx.rng
    cfg = ctx.pop.cfg
    n = int(rng.integers(p["min_senders"], p["max_senders"] + 1))
    recipient = ctx.take("foreign", 1)[0]
    country = cfg.high_risk_countries[int(rng.integers(0, len(cfg.high_risk_countries)))]
    from cftwatch.synth.population import FOREIGN, OTHER_FOREIGN_REGIONS

    regions = FOREIGN[country][1] if country in FOREIGN else OTHER_FOREIGN_REGIONS.get(country)
    region = regions[int(rng.integers(0, len(regions)))] if regions else country
    ctx.pop.rehome(recipient, region, country)
    senders = ctx.individuals(n, 0.5)
    window = ctx.fit(p["window_days"] * US_PER_DAY)
    t = ctx.start_for(window)
    ts = np.sort(ctx.when(t, 0, window, n))
    cents = np.round(ctx.between(p["amount_min"], p["amount_max"], n) / 100_000) * 100_000
    pat = _new(
        ctx,
        "high_risk_remittance",
        k,
        p | {"senders": n, "country": country},
        [recipient, *senders],
        ["recipient", *["sender"] * n],
    )
    chans = [CH["remittance"] if rng.random() < 0.7 else CH["wire"] for _ in range(n)]
    _add(
        ctx,
        pat,
        senders,
        [recipient] * n,
        ts.tolist(),
        cents.tolist(),
        chans,
        "remittance_out",
        "family support",
    )
    _window(ctx, pat, int(ts[0]), int(ts[-1]))


BUILDERS: dict[str, Callable[[Ctx, int, dict[str, Any]], None]] = {
    "crowdfunding_fan_in": crowdfunding_fan_in,
    "structuring": structuring,
    "rapid_pass_through": rapid_pass_through,
    "fan_out_mules": fan_out_mules,
    "cycle": cycle,
    "scatter_gather": scatter_gather,
    "gather_scatter": gather_scatter,
    "charity_diversion": charity_diversion,
    "listed_party_payment": listed_party_payment,
    "dormant_reactivation": dormant_reactivation,
    "high_risk_remittance": high_risk_remittance,
}
assert tuple(BUILDERS) == TYPOLOGIES


def inject_typologies(ctx: Ctx) -> None:
    cfg = ctx.pop.cfg
    for typology in TYPOLOGIES:
        params = cfg.params(typology)
        for k in range(1, cfg.instances(typology) + 1):
            BUILDERS[typology](ctx, k, params)
