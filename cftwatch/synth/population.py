"""The synthetic population: parties and their accounts, as NumPy arrays until the end.

Kinds: individuals (bank accounts and mobile wallets), businesses, merchants, cash-in/
cash-out agents, non-profits (mosques, schools, welfare trusts) and foreign counterparties
(remittance corridors). Each account has an activity weight drawn from a heavy-tailed
(Pareto) law, so a few hubs carry much of the traffic and most accounts are leaves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cftwatch import schema as cs
from cftwatch.synth.config import SynthConfig
from cftwatch.synth.names import organisation_names, person_names, pool_order, pool_weights

KINDS = ("individual", "business", "merchant", "agent", "npo", "foreign")
IND, BUS, MER, AGT, NPO, FOR = range(6)
KIND_SHARE = {BUS: 0.03, MER: 0.04, AGT: 0.015, NPO: 0.004, FOR: 0.04}
KIND_MIN = {BUS: 8, MER: 8, AGT: 6, NPO: 6, FOR: 24}
PARETO_ALPHA = {IND: 1.8, BUS: 1.0, MER: 0.9, AGT: 0.9, NPO: 1.1, FOR: 1.5}

# Domestic districts: (name, CNIC province digit, population weight).
PK_REGIONS: list[tuple[str, int, float]] = [
    ("Karachi", 4, 0.16),
    ("Lahore", 3, 0.12),
    ("Faisalabad", 3, 0.06),
    ("Rawalpindi", 3, 0.05),
    ("Islamabad", 6, 0.04),
    ("Peshawar", 1, 0.05),
    ("Quetta", 5, 0.03),
    ("Multan", 3, 0.04),
    ("Hyderabad", 4, 0.03),
    ("Gujranwala", 3, 0.04),
    ("Sialkot", 3, 0.03),
    ("Bahawalpur", 3, 0.03),
    ("Sukkur", 4, 0.02),
    ("Mardan", 1, 0.025),
    ("Abbottabad", 1, 0.015),
    ("Swat", 1, 0.02),
    ("Dera Ismail Khan", 1, 0.015),
    ("Larkana", 4, 0.015),
    ("Sargodha", 3, 0.03),
    ("Sheikhupura", 3, 0.03),
    ("Gilgit", 7, 0.01),
    ("Chitral", 1, 0.006),
    ("North Waziristan", 2, 0.008),
    ("South Waziristan", 2, 0.008),
    ("Khyber", 2, 0.01),
    ("Bajaur", 2, 0.008),
    ("Kurram", 2, 0.006),
    ("Mohmand", 2, 0.005),
    ("Orakzai", 2, 0.004),
    ("Killa Abdullah", 5, 0.008),
    ("Zhob", 5, 0.005),
    ("Pishin", 5, 0.006),
]

# Foreign corridors: country -> (share of foreign accounts, regions, BIC of a bank there).
FOREIGN: dict[str, tuple[float, list[str], str]] = {
    "SA": (0.30, ["Riyadh", "Jeddah", "Dammam"], "NCBKSAJE"),
    "AE": (0.28, ["Dubai", "Sharjah", "Abu Dhabi"], "EBILAEAD"),
    "GB": (0.12, ["Birmingham", "London", "Bradford"], "BARCGB22"),
    "US": (0.07, ["New York", "Houston", "Chicago"], "CHASUS33"),
    "QA": (0.05, ["Doha"], "QNBAQAQA"),
    "OM": (0.04, ["Muscat"], "BMUSOMRX"),
    "KW": (0.04, ["Kuwait City"], "NBOKKWKW"),
    "AF": (0.04, ["Kabul", "Kandahar", "Jalalabad", "Khost"], "AFIBAFKA"),
    "DE": (0.02, ["Frankfurt", "Berlin"], "DEUTDEFF"),
    "CA": (0.02, ["Toronto"], "ROYCCAT2"),
    "TR": (0.02, ["Istanbul"], "TGBATRIS"),
}
OTHER_FOREIGN_REGIONS = {
    "SY": ["Idlib", "Damascus"],
    "IQ": ["Baghdad", "Mosul"],
    "YE": ["Sanaa", "Aden"],
    "SO": ["Mogadishu"],
    "IR": ["Zahedan", "Mashhad"],
}
FOREIGN_POOL = {"SA": "arab", "AE": "arab", "QA": "arab", "OM": "arab", "KW": "arab"}
FOREIGN_POOL |= {"AF": "afghan", "GB": "other", "US": "other", "DE": "other", "CA": "other"}
FOREIGN_POOL |= {"TR": "other"}

PK_BANKS = ["HABBPKKA", "UNILPKKA", "MUCBPKKA", "ABPAPKKA", "NBPAPKKA", "MEZNPKKA", "ALFHPKKA"]
PK_BANK_SHARE = [0.24, 0.17, 0.15, 0.12, 0.12, 0.12, 0.08]
PK_WALLETS = ["TMFBPKKA", "MMFBPKKA", "SADAPKKA", "NAYAPKKA"]
PK_WALLET_SHARE = [0.45, 0.42, 0.08, 0.05]


@dataclass
class Population:
    """Accounts (index `a`) and parties (index `p`) as parallel arrays."""

    cfg: SynthConfig
    kind: np.ndarray  # per account, int8 KINDS code
    wallet: np.ndarray  # per account: mobile wallet (MSISDN id) rather than bank account
    party: np.ndarray  # per account: holder party index
    region: np.ndarray  # per account: index into `regions`
    country: np.ndarray  # per account: index into `countries`
    agent: np.ndarray  # per account: index into `agents`
    opened_days_ago: np.ndarray
    activity: np.ndarray  # heavy-tailed activity weight
    p_kind: np.ndarray  # per party: KINDS code of its first account
    p_pool: np.ndarray  # per party: name pool (persons)
    p_female: np.ndarray
    p_birth_year: np.ndarray
    regions: list[str]
    region_province: list[int]
    countries: list[str]
    agents: list[str]
    person: np.ndarray  # per party: True for natural persons
    p_region: np.ndarray  # per party: index into `regions`
    p_country: np.ndarray  # per party: index into `countries`
    name_overrides: dict[int, str] = field(default_factory=dict)
    listed_parties: dict[int, str | None] = field(default_factory=dict)
    """Parties that stand for a listed person, with the listed date of birth their KYC holds
    (a wallet opened against a verified CNIC carries the true one; 1 January when the list
    gives only the year). No father's name: the list extract has none to agree with."""
    party_region_override: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def n_accounts(self) -> int:
        return int(self.kind.size)

    @property
    def n_parties(self) -> int:
        return int(self.p_kind.size)

    def region_index(self, name: str, country: str = "PK") -> int:
        if name not in self.regions:
            self.regions.append(name)
            self.region_province.append(2 if country == "PK" else 0)
        return self.regions.index(name)

    def country_index(self, code: str) -> int:
        if code not in self.countries:
            self.countries.append(code)
        return self.countries.index(code)

    def rehome(self, account: int, region: str, country: str) -> None:
        """Move an account (and its holder) to another region/country."""
        self.region[account] = self.region_index(region, country)
        self.country[account] = self.country_index(country)
        self.party_region_override[int(self.party[account])] = (region, country)


def build_population(cfg: SynthConfig, rng: np.random.Generator) -> Population:
    """Accounts, their holders, places, providers and activity weights (draw order fixed)."""
    n = cfg.accounts
    kind, wallet = _account_kinds(n, rng)
    party, p_kind, person = _holders(kind, rng)
    places = _places(p_kind, rng)
    region = places.p_region[party]
    country = places.p_country[party]
    agents, agent = _providers(kind, wallet, country, rng)
    opened = rng.integers(30, 3650, n).astype(np.int32)
    activity = np.empty(n, dtype=np.float64)
    for k, alpha in PARETO_ALPHA.items():
        sel = np.flatnonzero(kind == k)
        activity[sel] = np.minimum(rng.pareto(alpha, sel.size) + 1.0, 5_000.0)
    p_pool, p_female, p_birth_year = _person_traits(p_kind, person, places, rng)
    return Population(
        cfg=cfg,
        kind=kind,
        wallet=wallet,
        party=party,
        region=region,
        country=country,
        agent=agent,
        opened_days_ago=opened,
        activity=activity,
        p_kind=p_kind,
        p_pool=p_pool,
        p_female=p_female,
        p_birth_year=p_birth_year,
        regions=places.regions,
        region_province=places.region_province,
        countries=places.countries,
        agents=agents,
        person=person,
        p_region=places.p_region,
        p_country=places.p_country,
    )


def _account_kinds(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per account: its KINDS code and whether it is a mobile wallet."""
    counts = {k: max(KIND_MIN[k], round(n * s)) for k, s in KIND_SHARE.items()}
    counts[IND] = n - sum(counts.values())
    kind = np.concatenate([np.full(counts[k], k, dtype=np.int8) for k in range(6)])
    kind = kind[rng.permutation(n)]  # interleave kinds so ids and order reveal nothing
    wallet = np.zeros(n, dtype=bool)
    ind = kind == IND
    wallet[ind] = rng.random(int(ind.sum())) < 0.55
    wallet[kind == AGT] = True
    mer = kind == MER
    wallet[mer] = rng.random(int(mer.sum())) < 0.5
    return kind, wallet


def _holders(
    kind: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Holder party per account (~15% of individuals hold a second account, bank + wallet),
    each party's kind, and which parties are natural persons."""
    n = kind.size
    party = np.empty(n, dtype=np.int64)
    ind_idx = np.flatnonzero(kind == IND)
    n_ind_parties = max(1, int(ind_idx.size * 0.85))
    first = ind_idx[:n_ind_parties]
    second = ind_idx[n_ind_parties:]
    other_idx = np.flatnonzero(kind != IND)
    party[first] = np.arange(n_ind_parties)
    party[second] = rng.integers(0, n_ind_parties, second.size)
    party[other_idx] = n_ind_parties + np.arange(other_idx.size)
    n_parties = n_ind_parties + other_idx.size
    p_kind = np.empty(n_parties, dtype=np.int8)
    p_kind[party[first]] = IND
    p_kind[party[other_idx]] = kind[other_idx]
    person = (p_kind == IND) | ((p_kind == FOR) & (rng.random(n_parties) < 0.9))
    return party, p_kind, person


@dataclass
class _Places:
    """Regions and countries, and each party's index into them."""

    regions: list[str]
    region_province: list[int]
    countries: list[str]
    p_region: np.ndarray
    p_country: np.ndarray
    foreign_parties: np.ndarray


def _places(p_kind: np.ndarray, rng: np.random.Generator) -> _Places:
    """Domestic parties by region weight; foreign ones by country share, then region."""
    n_parties = p_kind.size
    regions = [r[0] for r in PK_REGIONS]
    region_province = [r[1] for r in PK_REGIONS]
    w = np.array([r[2] for r in PK_REGIONS])
    countries = ["PK"]
    p_region = rng.choice(len(PK_REGIONS), size=n_parties, p=w / w.sum()).astype(np.int32)
    p_country = np.zeros(n_parties, dtype=np.int32)
    foreign_parties = np.flatnonzero(p_kind == FOR)
    fc = list(FOREIGN)
    fshare = np.array([FOREIGN[c][0] for c in fc])
    f_pick = rng.choice(len(fc), size=foreign_parties.size, p=fshare / fshare.sum())
    for ci, code in enumerate(fc):
        countries.append(code)
        sel = foreign_parties[f_pick == ci]
        regs = FOREIGN[code][1]
        base = len(regions)
        regions.extend(regs)
        region_province.extend([0] * len(regs))
        p_country[sel] = len(countries) - 1
        p_region[sel] = base + rng.integers(0, len(regs), sel.size)
    return _Places(regions, region_province, countries, p_region, p_country, foreign_parties)


def _providers(
    kind: np.ndarray, wallet: np.ndarray, country: np.ndarray, rng: np.random.Generator
) -> tuple[list[str], np.ndarray]:
    """Provider names and, per account, its bank, wallet provider or foreign bank."""
    n = kind.size
    agents = PK_BANKS + PK_WALLETS + [FOREIGN[c][2] for c in FOREIGN]
    agent = np.empty(n, dtype=np.int16)
    agent[:] = rng.choice(len(PK_BANKS), size=n, p=PK_BANK_SHARE)
    wal = np.flatnonzero(wallet)
    agent[wal] = len(PK_BANKS) + rng.choice(len(PK_WALLETS), size=wal.size, p=PK_WALLET_SHARE)
    for_acc = np.flatnonzero(kind == FOR)
    agent[for_acc] = len(PK_BANKS) + len(PK_WALLETS) + (country[for_acc] - 1)
    return agents, agent


def _person_traits(
    p_kind: np.ndarray, person: np.ndarray, places: _Places, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per party: name pool, sex and birth year."""
    n_parties = p_kind.size
    foreign_parties = places.foreign_parties
    p_pool = rng.choice(len(pool_order()), size=n_parties, p=pool_weights()).astype(np.int8)
    # Foreign persons: mostly Pakistani diaspora, otherwise the local pool.
    order = pool_order()
    local = np.array(
        [
            order.index(FOREIGN_POOL.get(places.countries[c], "other"))
            for c in places.p_country[foreign_parties]
        ],
        dtype=np.int8,
    )
    diaspora = rng.random(foreign_parties.size) < 0.7
    p_pool[foreign_parties] = np.where(diaspora, order.index("pakistani"), local)
    p_pool[~person] = 0
    p_female = rng.random(n_parties) < 0.3
    p_birth_year = rng.integers(1950, 2006, n_parties).astype(np.int32)
    return p_pool, p_female, p_birth_year


# -- ids ------------------------------------------------------------------------------


def _pad(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values, pa.int64()), pa.string()), width, "0")


def _letters_value(code: str) -> int:
    return int("".join(str(ord(ch) - 55) if ch.isalpha() else ch for ch in code))


def iban_like(
    country_codes: list[str],
    country: np.ndarray,
    bank_codes: list[str],
    bank: np.ndarray,
    number: np.ndarray,
) -> pa.Array:
    """IBAN-shaped ids `CCkkBBBB` + 16 digits with valid ISO 13616 mod-97 check digits.

    `country` and `bank` index the code lists; the check digits are computed per row with
    integer arithmetic on the mod-97 remainders of each part (no Python per row).
    """
    bank_val = np.array([_letters_value(b[:4]) % 97 for b in bank_codes], dtype=np.int64)
    cc_val = np.array([_letters_value(c) for c in country_codes], dtype=np.int64)
    r = bank_val[bank]
    r = (r * (10**16 % 97) + number % 97) % 97
    r = (r * (10**6 % 97) + (cc_val[country] * 100) % 97) % 97
    check = 98 - r
    cc = pc.take(pa.array(country_codes), pa.array(country.astype(np.int64)))
    bb = pc.take(pa.array([b[:4] for b in bank_codes]), pa.array(bank.astype(np.int64)))
    out = cc
    for part in (_pad(check, 2), bb, _pad(number, 16)):
        out = pc.binary_join_element_wise(out, part, "")
    return out


def account_ids(pop: Population, rng: np.random.Generator) -> pa.Array:
    """Unique ids: MSISDN-style `923xxxxxxxxx` for wallets, IBAN-like for bank accounts."""
    n = pop.n_accounts
    idx = np.arange(n, dtype=np.int64)
    off = int(rng.integers(0, 10**9))
    msisdn = pc.cast(
        pa.array(923_000_000_000 + (idx * 7_919 + off) % 10**9, pa.int64()), pa.string()
    )
    off2 = int(rng.integers(0, 10**15))
    number = (idx * 104_729 + off2) % 10**16
    iban = iban_like(pop.countries, pop.country, pop.agents, pop.agent, number)
    return pc.if_else(pa.array(pop.wallet), msisdn, iban)


def party_ids(seed: int, n: int) -> pa.Array:
    return pc.binary_join_element_wise(
        pa.array(np.full(n, f"SYN{seed}-P", dtype=object), pa.string()),
        _pad(np.arange(1, n + 1), 8),
        "",
    )


def build_party_names(pop: Population, rng: np.random.Generator) -> tuple[pa.Array, pa.Array]:
    full, father = person_names(rng, pop.n_parties, pop.p_pool, pop.p_female)
    names = full
    org_idx: list[np.ndarray] = []
    org_names: list[str] = []
    for k, label in ((BUS, "business"), (MER, "merchant"), (AGT, "agent"), (NPO, "npo")):
        sel = np.flatnonzero((pop.p_kind == k) & ~pop.person)
        org_idx.append(sel)
        org_names.extend(organisation_names(rng, label, sel.size))
    fsel = np.flatnonzero((pop.p_kind == FOR) & ~pop.person)
    org_idx.append(fsel)
    org_names.extend(organisation_names(rng, "business", fsel.size))
    overrides = dict(zip(np.concatenate(org_idx).tolist(), org_names, strict=True))
    overrides |= pop.name_overrides
    names = _override(names, overrides)
    father = pc.if_else(_known_kyc(pop), father, pa.nulls(pop.n_parties, pa.string()))
    return names, father


def _known_kyc(pop: Population) -> pa.Array:
    """True for persons whose KYC holds a generated date of birth and father's name."""
    known = pop.person.copy()
    if pop.listed_parties:
        known[np.array(sorted(pop.listed_parties), dtype=np.int64)] = False
    return pa.array(known)


def _override(values: pa.Array, overrides: Mapping[int, str | None]) -> pa.Array:
    if not overrides:
        return values
    keys = sorted(overrides)
    index = np.arange(len(values), dtype=np.int64)
    index[np.array(keys, dtype=np.int64)] = len(values) + np.arange(len(keys))
    extra = pa.array([overrides[k] for k in keys], pa.string())
    return pc.take(pa.concat_arrays([values, extra]), pa.array(index))


def party_region_country(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    p_region = pop.p_region.copy()
    p_country = pop.p_country.copy()
    for p, (reg, ctry) in sorted(pop.party_region_override.items()):
        p_region[p] = pop.region_index(reg, ctry)
        p_country[p] = pop.country_index(ctry)
    return p_region, p_country


def build_tables(
    pop: Population, rng: np.random.Generator, account_id: pa.Array
) -> tuple[pa.Table, pa.Table, pa.Array]:
    """The `parties` and `accounts` tables, plus party names (for transactions)."""
    names, father = build_party_names(pop, rng)
    pid = party_ids(pop.cfg.seed, pop.n_parties)
    p_region, p_country = party_region_country(pop)
    regions = pa.array(pop.regions, pa.string())
    countries = pa.array(pop.countries, pa.string())
    p_country_s = pc.take(countries, pa.array(p_country))
    identifiers = _cnic_identifiers(pop, rng, p_region, p_country)
    p_type_names = pa.array(["individual", "business", "merchant", "agent", "npo", "individual"])
    p_type = pc.take(p_type_names, pa.array(pop.p_kind.astype(np.int64)))
    p_type = pc.if_else(
        pa.array((pop.p_kind == FOR) & ~pop.person), pa.array(["business"] * pop.n_parties), p_type
    )
    kind_s = pc.if_else(
        pa.array(pop.person),
        pa.array(["person"] * pop.n_parties),
        pa.array(["organization"] * pop.n_parties),
    )
    parties = pa.table(
        {
            "party_id": pid,
            "name": names,
            "kind": kind_s,
            "birth_date": _birth_dates(pop, rng),
            "father_name": father,
            "country": p_country_s,
            "nationality": p_country_s,
            "region": pc.take(regions, pa.array(p_region)),
            "identifiers": identifiers,
            "is_customer": pa.array(p_country == 0),
            "party_type": p_type,
            "source_ref": _const_strings(f"synth:seed={pop.cfg.seed}", pop.n_parties),
        }
    )
    parties = cs.conform(parties, cs.PARTIES)
    return parties, _accounts_table(pop, account_id, pid, regions, countries), names


def _const_strings(value: str, n: int) -> pa.Array:
    return pa.array(np.full(n, value, dtype=object), pa.string())


def _cnic_identifiers(
    pop: Population, rng: np.random.Generator, p_region: np.ndarray, p_country: np.ndarray
) -> pa.Array:
    """CNIC for domestic persons: province digit from the region, last digit odd for men."""
    province = np.array(pop.region_province, dtype=np.int64)[p_region]
    province = np.where(province == 0, 3, province)
    body = rng.integers(0, 10_000, pop.n_parties)
    serial = rng.integers(0, 10_000_000, pop.n_parties)
    last = rng.integers(0, 5, pop.n_parties) * 2 + np.where(pop.p_female, 0, 1)
    cnic = pc.binary_join_element_wise(
        pc.binary_join_element_wise(pc.cast(pa.array(province), pa.string()), _pad(body, 4), ""),
        _pad(serial, 7),
        pc.cast(pa.array(last), pa.string()),
        "-",
    )
    is_domestic_person = pop.person & (p_country == 0)
    offsets = np.concatenate([[0], np.cumsum(is_domestic_person.astype(np.int32))]).astype(np.int32)
    cnic_values = pc.filter(cnic, pa.array(is_domestic_person))
    ident = pa.StructArray.from_arrays(
        [_const_strings("cnic", len(cnic_values)), cnic_values],
        names=["type", "value"],
    )
    return pa.ListArray.from_arrays(pa.array(offsets), ident)


def _birth_dates(pop: Population, rng: np.random.Generator) -> pa.Array:
    """Generated dates of birth where KYC holds one; listed parties keep the listed date."""
    birth = pc.if_else(
        _known_kyc(pop),
        pc.binary_join_element_wise(
            pc.cast(pa.array(pop.p_birth_year), pa.string()),
            _pad(rng.integers(1, 13, pop.n_parties), 2),
            _pad(rng.integers(1, 29, pop.n_parties), 2),
            "-",
        ),
        pa.nulls(pop.n_parties, pa.string()),
    )
    return _override(birth, pop.listed_parties)


def _accounts_table(
    pop: Population, account_id: pa.Array, pid: pa.Array, regions: pa.Array, countries: pa.Array
) -> pa.Table:
    cfg = pop.cfg
    acc_type_names = pa.array(["bank", "bank", "merchant", "agent", "npo", "bank"])
    acc_type = pc.take(acc_type_names, pa.array(pop.kind.astype(np.int64)))
    acc_type = pc.if_else(
        pa.array(pop.wallet & (pop.kind == IND)), pa.array(["wallet"] * pop.n_accounts), acc_type
    )
    opened = pa.array(
        (np.datetime64(cfg.start.isoformat(), "D") - pop.opened_days_ago.astype("timedelta64[D]")),
        pa.date32(),
    )
    accounts = pa.table(
        {
            "account_id": account_id,
            "party_id": pc.take(pid, pa.array(pop.party)),
            "account_type": acc_type,
            "agent": pc.take(pa.array(pop.agents), pa.array(pop.agent.astype(np.int64))),
            "currency": _const_strings(cfg.currency, pop.n_accounts),
            "country": pc.take(countries, pa.array(pop.country)),
            "region": pc.take(regions, pa.array(pop.region)),
            "opened_on": opened,
            "is_own": pa.array(pop.kind != FOR),
            "source_ref": _const_strings(f"synth:seed={cfg.seed}", pop.n_accounts),
        }
    )
    return cs.conform(accounts, cs.ACCOUNTS)


def start_us(start: dt.date) -> int:
    epoch = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
    return int(epoch.timestamp()) * 1_000_000
