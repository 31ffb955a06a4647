"""What a report is built from, as typed plain data: the case (`ReportCase`, filled by the
orchestration layer from the cases stage) and the reporting institution. Reporting never
reads the operational store; it receives these and the canonical tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from cftwatch.reporting.config import location_model, reporting_person_model, reporting_settings
from cftwatch.reporting.fiu_profile import FiuProfile
from cftwatch.reporting.model import Address, ReportingPerson
from cftwatch.workspace import Workspace


class ReportAlert(BaseModel):
    """What the report needs of one alert."""

    model_config = ConfigDict(extra="ignore")

    alert_id: str
    typology: str | None = None
    rule_id: str | None = None
    severity: str | None = None
    explanation: str | None = None
    txn_ids: list[str] = Field(default_factory=list)


class ReportDecision(BaseModel):
    """A decision on the case; the last escalation's reason becomes the report's action."""

    model_config = ConfigDict(extra="ignore")

    kind: str
    to_status: str | None = None
    reason: str | None = None


class ReportCase(BaseModel):
    """The case a report is about: its fields, alerts, transaction ids, current notes and
    decisions (`cftwatch.app.reporting.report_case_from_bundle` fills it from the cases
    stage)."""

    model_config = ConfigDict(extra="ignore")

    case_id: str
    title: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    subject_name: str | None = None
    alerts: list[ReportAlert] = Field(default_factory=list)
    txn_ids: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    decisions: list[ReportDecision] = Field(default_factory=list)

    def all_txn_ids(self) -> list[str]:
        """The case's transactions: its own list, then its alerts' (first-seen order)."""
        seen: dict[str, None] = dict.fromkeys(self.txn_ids)
        for alert in self.alerts:
            seen.update(dict.fromkeys(alert.txn_ids))
        return list(seen)

    def subject_of_type(self, subject_type: str) -> str | None:
        """The subject's id when the subject is a `party` or an `account`, else None."""
        return self.subject_id if self.subject_id and self.subject_type == subject_type else None


class InstitutionInfo(BaseModel):
    """The reporting institution: the workspace's `institution` section merged with its
    `reporting` section (FIU-facing details)."""

    model_config = ConfigDict(extra="forbid")

    name: str = "Demo Wallet Ltd"
    country: str = "PK"
    currency: str = "PKR"
    reporting_entity_id: str = "0000"
    branch: str | None = Field(None, description="rentity_branch and own accounts' branch.")
    institution_code: str | None = Field(None, description="Bank code of own accounts.")
    swift: str | None = Field(None, description="BIC of own accounts (if no institution_code).")
    reporting_person: ReportingPerson | None = None
    reporting_user_code: str | None = None
    location: Address | None = None
    exchange_rates: dict[str, Decimal] = Field(
        default_factory=dict, description="Units of local currency per unit of a foreign one."
    )
    default_profile: str | None = Field(None, description="Profile `cftwatch report` uses.")

    @classmethod
    def from_workspace(cls, ws: Workspace, profile: FiuProfile | None = None) -> InstitutionInfo:
        """From a `Workspace`: `institution` plus the `reporting` section, validated for
        everything goAML makes mandatory (ConfigError names each key) before any XML."""
        base = ws.config.institution.model_dump()
        source = str(Path(ws.path) / "cftwatch.yaml")
        settings = reporting_settings(
            ws.config.reporting,
            base,
            source,
            profile_entity_id=profile.reporting_entity_id if profile else None,
            profile_has_filer=bool(
                profile and (profile.reporting_user_code or profile.reporting_person)
            ),
        )
        section = settings.model_dump(exclude={"reporting_person", "location"})
        return cls(
            **{**base, **section},
            reporting_person=reporting_person_model(settings.reporting_person),
            location=location_model(settings.location),
        )
