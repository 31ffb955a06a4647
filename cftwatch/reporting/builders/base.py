"""What every element builder shares: the build context (profile, institution, the case's
party and account rows, the notes on what stayed empty) and the declaration of where an
element's fields come from, from which `cftwatch.reporting.origins` assembles the
field-origin map that validation messages quote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from cftwatch.reporting.fiu_profile import FiuProfile
from cftwatch.reporting.inputs import InstitutionInfo
from cftwatch.reporting.model import ReportType

MAX_TEXT = 4000
"""goAML's limit on free-text fields (reason, action, descriptions)."""

Row = dict[str, Any]
"""One row of a canonical Arrow table, as `Table.to_pylist()` gives it."""


@dataclass(frozen=True)
class Origins:
    """Where one builder's element comes from: the goAML `element` it writes, the report
    `model` class, the model `field` that holds it in its parent (and where the element as
    a whole comes from, `source`), and where each of its own fields comes from. `{role}`
    (debtor, creditor) and `{side}` (from, to) are filled in for transaction parties."""

    element: str
    model: type[BaseModel]
    fields: Mapping[str, str]
    field: str | None = None
    source: str | None = None


@dataclass
class BuildContext:
    """The inputs every builder reads, and the notes they leave on empty fields."""

    profile: FiuProfile
    institution: InstitutionInfo
    parties: dict[str, Row]
    accounts: dict[str, Row]
    report_type: ReportType
    notes: dict[str, str] = field(default_factory=dict)
    placeholders: dict[str, str] = field(default_factory=dict)
    """Field path → what stands in for data the canonical tables do not hold."""

    @property
    def local(self) -> str:
        """The report's local currency: the profile's, else the institution's."""
        return self.profile.local_currency or self.institution.currency

    def party(self, party_id: str | None) -> Row | None:
        return self.parties.get(party_id or "")

    def account(self, account_id: str | None) -> Row | None:
        return self.accounts.get(account_id or "")


def is_organization(party: Row | None) -> bool:
    return party is not None and party.get("kind") == "organization"


def client_flag(ctx: BuildContext, path: str, party: Row | None, my_client: bool) -> bool:
    """Whether to write `path` as `*_my_client`. goAML 5.0.1's my-client entity needs a
    director, legal form and incorporation date (and its account a signatory) that the
    canonical data never holds, so an own-customer organisation is written as a
    non-client entity, and the report's placeholders say so."""
    if my_client and is_organization(party):
        ctx.placeholders[path] = (
            "own-customer organisation written as a non-client: the data has no director, "
            "legal form or incorporation date for goAML's my-client entity"
        )
        return False
    return my_client


def naive(ts: Any) -> dt.datetime | None:
    """A timestamp as goAML writes it: UTC, no zone, whole seconds (a date at midnight)."""
    if ts is None:
        return None
    if isinstance(ts, dt.datetime):
        if ts.tzinfo is not None:
            ts = ts.astimezone(dt.UTC).replace(tzinfo=None)
        return ts.replace(microsecond=0)
    if isinstance(ts, dt.date):
        return dt.datetime(ts.year, ts.month, ts.day)
    return None
