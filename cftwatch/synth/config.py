"""What a synthetic run is made of: seed, size, currency, threshold and typology mix.

Every number has a name, a default, bounds and a sentence here; `docs/synth.md` prints them.
Money parameters of the typologies are in PKR-equivalent and converted to `currency` at
`PKR_PER_UNIT`, so the same structure appears whatever currency is chosen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cftwatch.errors import ConfigError, Problem

TYPOLOGIES = (
    "crowdfunding_fan_in",
    "structuring",
    "rapid_pass_through",
    "fan_out_mules",
    "cycle",
    "scatter_gather",
    "gather_scatter",
    "charity_diversion",
    "listed_party_payment",
    "dormant_reactivation",
    "high_risk_remittance",
)
"""Typology ids, as written to `labels.label` and `patterns.typology`."""

PKR_PER_UNIT: dict[str, float] = {
    "PKR": 1.0,
    "USD": 280.0,
    "EUR": 300.0,
    "GBP": 355.0,
    "AED": 76.0,
    "SAR": 75.0,
    "INR": 3.3,
}
"""Rough exchange rates used only to scale generated amounts into the chosen currency."""

DEFAULT_THRESHOLDS: dict[str, float] = {
    "PKR": 2_000_000,  # FMU cash transaction report threshold (AML Act 2010)
    "USD": 10_000,
    "EUR": 10_000,
    "GBP": 10_000,
    "AED": 55_000,
    "SAR": 60_000,
    "INR": 1_000_000,
}
"""Realistic cash reporting thresholds per currency (structuring stays just below them)."""

DEFAULT_RATES: dict[str, float] = {t: 1.0 for t in TYPOLOGIES} | {
    "crowdfunding_fan_in": 2.0,
    "listed_party_payment": 0.5,
}
"""Injected instances per 10,000 accounts over the whole period (at least one if > 0)."""

DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "crowdfunding_fan_in": {
        "min_senders": 15,  # distinct donor accounts into the collector wallet
        "max_senders": 40,
        "window_hours": 72,  # all donations fall inside this window
        "donation_min": 100,  # PKR-equivalent
        "donation_median": 1_000,
        "donation_max": 5_000,
        "cashout_hours": 24,  # cash-out completes within this after the last donation
        "cashout_share_min": 0.8,  # share of the collected amount taken out
        "cashout_share_max": 0.98,
    },
    "structuring": {
        "min_deposits": 3,
        "max_deposits": 6,
        "window_days": 7,
        "lower_fraction": 0.9,  # each amount in [lower_fraction, 1) x reporting_threshold
    },
    "rapid_pass_through": {
        "min_accounts": 3,  # chain length in accounts (source ... sink): hops = accounts - 1
        "max_accounts": 6,
        "max_hop_hours": 24,  # each hop forwards within this after it was paid
        "pass_fraction_min": 0.9,  # each hop forwards at least this share of what it received
        "amount_min": 200_000,
        "amount_max": 3_000_000,
    },
    "fan_out_mules": {
        "min_mules": 8,
        "max_mules": 20,
        "window_hours": 48,  # funding and every payment to a mule inside this window
        "mule_cashout_hours": 24,
        "mule_cashout_fraction": 0.9,  # each mule cashes out at least this share
        "amount_min": 500_000,
        "amount_max": 5_000_000,
    },
    "cycle": {
        "min_length": 2,  # accounts on the cycle (= hops)
        "max_length": 5,
        "max_hop_hours": 48,
        "window_days": 7,  # first to last hop
        "fee_fraction_max": 0.05,  # each hop keeps at most this share
        "amount_min": 100_000,
        "amount_max": 2_000_000,
    },
    "scatter_gather": {
        "min_intermediaries": 5,
        "max_intermediaries": 12,
        "window_days": 5,
        "forward_fraction_min": 0.9,
        "amount_min": 500_000,
        "amount_max": 5_000_000,
    },
    "gather_scatter": {
        "min_senders": 8,
        "max_senders": 15,
        "min_receivers": 8,
        "max_receivers": 15,
        "window_days": 5,
        "forward_share_min": 0.85,  # hub pays out at least this share of what it gathered
        "amount_min": 20_000,  # per incoming payment
        "amount_max": 200_000,
    },
    "charity_diversion": {
        "min_donors": 10,
        "max_donors": 30,
        "min_beneficiaries": 5,  # distinct individuals in high-risk regions/countries
        "max_beneficiaries": 15,
        "window_days": 10,
        "payment_min": 20_000,
        "payment_max": 200_000,
    },
    "listed_party_payment": {
        "min_payments": 3,  # direct payments to/from the listed party
        "max_payments": 8,
        "min_one_hop": 2,  # counterparties of the listed party that are paid by others too
        "max_one_hop": 4,
        "one_hop_payments": 2,  # payments into each one-hop account from third parties
        "window_days": 14,
        "variant_probability": 0.8,  # use a spelling variant rather than the list spelling
        "amount_min": 10_000,
        "amount_max": 500_000,
    },
    "dormant_reactivation": {
        "dormancy_days_min": 180,  # silence between the last old activity and reactivation
        "dormancy_days_max": 720,
        "min_inflows": 3,
        "max_inflows": 8,
        "window_hours": 72,  # inflows inside this window after reactivation
        "cashout_fraction": 0.8,  # at least this share leaves within 48 h of the last inflow
        "amount_min": 50_000,
        "amount_max": 500_000,
    },
    "high_risk_remittance": {
        "min_senders": 10,  # distinct domestic senders to one foreign recipient
        "max_senders": 25,
        "window_days": 7,
        "amount_min": 10_000,
        "amount_max": 100_000,
    },
}
"""Typology parameters; override any of them with `SynthConfig(typology_params=...)`."""

DEFAULT_HIGH_RISK_REGIONS = [
    "North Waziristan",
    "South Waziristan",
    "Khyber",
    "Bajaur",
    "Kurram",
    "Mohmand",
    "Orakzai",
    "Killa Abdullah",
    "Zhob",
]
DEFAULT_HIGH_RISK_COUNTRIES = ["AF", "SY", "IQ", "YE", "SO", "IR"]


class SynthConfig(BaseModel):
    """Controls for `generate_synth`. Same config (and seed) gives the same bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(7, ge=0, le=2**32 - 1, description="Random seed.")
    accounts: int = Field(10_000, ge=200, le=50_000_000, description="Accounts to create.")
    days: int = Field(30, ge=7, le=3_660, description="Length of the period in days.")
    start: dt.date = Field(dt.date(2026, 1, 1), description="First day of the period (UTC).")
    transactions: int | None = Field(
        None,
        ge=0,
        description="Background transactions; default accounts x days x txn_rate.",
    )
    txn_rate: float = Field(
        0.17, gt=0, le=100, description="Background transactions per account per day."
    )
    currency: str = Field("PKR", description="ISO 4217 currency of every amount.")
    reporting_threshold: float | None = Field(
        None, gt=0, description="Reporting threshold in `currency`; default per currency."
    )
    high_risk_regions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_HIGH_RISK_REGIONS),
        min_length=1,
        description="Domestic regions (border districts) treated as high risk.",
    )
    high_risk_countries: list[str] = Field(
        default_factory=lambda: list(DEFAULT_HIGH_RISK_COUNTRIES),
        min_length=1,
        description="ISO alpha-2 countries treated as high risk.",
    )
    rates: dict[str, float] = Field(
        default_factory=dict,
        description="Instances per 10,000 accounts, by typology (missing ones use defaults).",
    )
    typology_params: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Parameter overrides, by typology."
    )

    @model_validator(mode="after")
    def _check(self) -> SynthConfig:
        if self.currency not in PKR_PER_UNIT:
            raise ValueError(f"currency must be one of {sorted(PKR_PER_UNIT)}")
        for name, rate in self.rates.items():
            if name not in TYPOLOGIES:
                raise ValueError(f"unknown typology {name!r} in rates")
            if rate < 0:
                raise ValueError(f"rate of {name} must be >= 0")
        for name, params in self.typology_params.items():
            if name not in TYPOLOGIES:
                raise ValueError(f"unknown typology {name!r} in typology_params")
            unknown = sorted(set(params) - set(DEFAULT_PARAMS[name]))
            if unknown:
                raise ValueError(f"unknown parameter(s) {unknown} for {name}")
        for c in self.high_risk_countries:
            if len(c) != 2 or not c.isalpha() or not c.isupper():
                raise ValueError(f"high_risk_countries: {c!r} is not an ISO alpha-2 code")
        return self

    @property
    def threshold(self) -> float:
        """The reporting threshold in `currency`."""
        return self.reporting_threshold or DEFAULT_THRESHOLDS[self.currency]

    def rate(self, typology: str) -> float:
        return self.rates.get(typology, DEFAULT_RATES[typology])

    def params(self, typology: str) -> dict[str, Any]:
        return DEFAULT_PARAMS[typology] | self.typology_params.get(typology, {})

    def instances(self, typology: str) -> int:
        rate = self.rate(typology)
        if rate <= 0:
            return 0
        return max(1, round(rate * self.accounts / 10_000))

    def background_transactions(self) -> int:
        if self.transactions is not None:
            return self.transactions
        return round(self.accounts * self.days * self.txn_rate)

    @classmethod
    def build(cls, **values: Any) -> SynthConfig:
        """Validate, turning pydantic errors into a `ConfigError` naming the field."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ConfigError(
                [
                    Problem(
                        err["msg"],
                        field=".".join(str(p) for p in err["loc"]) or "synth",
                        value=err.get("input") if err["loc"] else None,
                    )
                    for err in exc.errors()
                ]
            ) from exc
