"""FIU profiles: one FIU's goAML codes and rules, as data (YAML shipped in the package).

Every goAML FIU uses the same element tree but its own lookup codes (report, transmode,
funds, indicator, account and identification types), its own mandatory fields and its own
XSD. A profile holds all of that; `load_profile("fmu-pk")` reads a shipped one and
`load_profile("path/to/mine.yaml")` a user's. Errors name the file, the key path and the value.
"""

from __future__ import annotations

import re
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cftwatch.errors import Problem, ProfileError
from cftwatch.reporting.model import REPORT_TYPES, Report, ReportingPerson
from cftwatch.vocab import CHANNELS
from cftwatch.yamlconfig import parse_yaml, read_text, validate

PROFILE_PACKAGE = "cftwatch.reporting.profiles"
XSD_PACKAGE = "cftwatch.reporting.xsd"
_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,20}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class XsdReference(_Strict):
    """Which XSD a report must validate against."""

    bundled: str | None = Field(
        None, description="File name of an XSD shipped in cftwatch/reporting/xsd/."
    )
    required_file: str | None = Field(
        None, description="Name of the FIU's XSD the user must obtain and pass with --xsd."
    )
    note: str | None = None


class ChannelCodes(_Strict):
    """The FIU's codes for one canonical channel."""

    transmode: str
    from_funds: str
    to_funds: str


class CtrRule(_Strict):
    """Which transactions a currency transaction report (CTR) carries."""

    threshold: Decimal = Field(Decimal(0), ge=0, description="In the local currency.")
    channels: list[str] = Field(default_factory=lambda: ["cash_in", "cash_out"])


class MissingKyc(_Strict):
    """What to write, per the FIU's guidance, where goAML makes a my-client KYC field
    mandatory (occupation, a phone) and the canonical data has none. Unset: the report
    fails validation naming the field. Every use is listed in the report's placeholders."""

    text: str = Field(min_length=1, max_length=100, description="E.g. the FIU's 'UNKNOWN'.")
    tph_contact_type: str = Field(min_length=1, max_length=20)
    tph_communication_type: str = Field(min_length=1, max_length=20)
    tph_country_prefix: str = Field(pattern=r"^[0-9]{1,4}$")
    tph_number: str = Field(min_length=1, max_length=50)


class FiuProfile(_Strict):
    """An FIU's goAML profile. See docs/reporting.md for every key."""

    name: str
    description: str | None = None
    fiu: str | None = None
    schema_version: str = "5.0"
    xsd: XsdReference = Field(default_factory=XsdReference)
    local_currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    reporting_entity_id: str | None = None
    reporting_user_code: str | None = None
    reporting_person: ReportingPerson | None = None
    submission_code: str = Field("E", pattern=r"^[EM]$")
    report_codes: dict[str, str]
    transmode_codes: dict[str, str]
    funds_codes: dict[str, str]
    indicator_codes: dict[str, str]
    account_types: dict[str, str] = Field(default_factory=dict)
    identification_types: dict[str, str] = Field(default_factory=dict)
    channels: dict[str, ChannelCodes]
    identifier_types: dict[str, str] = Field(default_factory=dict)
    account_type_codes: dict[str, str] = Field(default_factory=dict)
    typology_indicators: dict[str, list[str]] = Field(default_factory=dict)
    default_indicators: dict[str, list[str]] = Field(default_factory=dict)
    ctr: CtrRule = Field(default_factory=CtrRule)
    account_status_code: str | None = Field(
        None, description="account_status_type code of an own account (accounts has none)."
    )
    signatory_role: str | None = Field(
        None, description="account_person_role_type code of an account holder."
    )
    ssn_identifier_types: list[str] = Field(
        default_factory=list, description="parties.identifiers types written as a client's ssn."
    )
    missing_kyc: MissingKyc | None = None
    mandatory: list[str] = Field(default_factory=list)
    default_action: str | None = None
    source: str | None = Field(None, description="Where the profile was read from.")

    @field_validator(
        "transmode_codes",
        "funds_codes",
        "indicator_codes",
        "account_types",
        "identification_types",
    )
    @classmethod
    def _codes_look_like_codes(cls, value: dict[str, str]) -> dict[str, str]:
        for code in value:
            if not _CODE.match(str(code)):
                raise ValueError(f"code {code!r} must be 1-20 letters, digits, '_', '-' or '.'")
        return value

    def report_code(self, report_type: str) -> str | None:
        return self.report_codes.get(report_type)

    def xsd_path(self, given: str | Path | None = None) -> Path:
        """The XSD to validate against: `given` (--xsd) if any, else the bundled one.
        A profile whose FIU does not publish its XSD (FMU) needs `given`."""
        if given is not None:
            path = Path(given)
            if not path.is_file():
                raise ProfileError.at("XSD file not found", file=str(path), field="--xsd")
            return path
        if self.xsd.bundled:
            return bundled_xsd(self.xsd.bundled)
        raise ProfileError.at(
            f"profile {self.name!r} needs the FIU's XSD "
            f"({self.xsd.required_file or 'the FIU schema file'}): pass its path with --xsd"
            + (f". {self.xsd.note}" if self.xsd.note else ""),
            file=self.source,
            field="xsd.required_file",
            value=self.xsd.required_file,
        )


def bundled_xsd(name: str = "goaml-structure.xsd") -> Path:
    """Path of an XSD shipped in the package (the goAML 5.0.1 structure XSD, lookup codes removed)."""
    path = Path(str(resources.files(XSD_PACKAGE).joinpath(name)))
    if not path.is_file():
        raise ProfileError.at("no such bundled XSD", field="xsd.bundled", value=name)
    return path


def project_xsd_path() -> Path:
    """The structure XSD derived from the published goAML 5.0.1 schema (docs/reporting.md)."""
    return bundled_xsd("goaml-structure.xsd")


def shipped_profiles() -> list[str]:
    """Names of the profiles shipped with cftwatch (`generic`, `fmu-pk`)."""
    return sorted(
        p.name.removesuffix(".yaml")
        for p in resources.files(PROFILE_PACKAGE).iterdir()
        if p.name.endswith(".yaml")
    )


def load_profile(name_or_path: str | Path) -> FiuProfile:
    """A shipped profile by name (`generic`, `fmu-pk`) or a profile YAML by path."""
    text, source = _profile_text(name_or_path)
    doc = parse_yaml(text, source, ProfileError)
    if not isinstance(doc.data, dict):
        raise ProfileError.at("expected a mapping at the top level", file=source)
    raw = {**doc.data}
    raw.setdefault("source", source)
    profile = validate(FiuProfile, raw, source, ProfileError, doc=doc)
    problems = _consistency_problems(profile, source)
    if problems:
        raise ProfileError(problems)
    return profile


def _profile_text(name_or_path: str | Path) -> tuple[str, str]:
    text_name = str(name_or_path)
    path = Path(text_name)
    looks_like_path = path.suffix in (".yaml", ".yml") or "/" in text_name or "\\" in text_name
    if looks_like_path:
        return read_text(path, ProfileError, what="profile file"), text_name
    shipped = shipped_profiles()
    if text_name not in shipped:
        raise ProfileError.at(
            f"unknown profile (shipped: {', '.join(shipped)}; or give a .yaml path)",
            field="profile",
            value=text_name,
        )
    resource = resources.files(PROFILE_PACKAGE).joinpath(f"{text_name}.yaml")
    return resource.read_text(encoding="utf-8"), f"{text_name} ({resource})"


def _consistency_problems(profile: FiuProfile, source: str) -> list[Problem]:
    """Codes the profile uses must be codes the profile defines; paths must exist."""
    problems: list[Problem] = []

    def bad(field: str, value: Any, reason: str) -> None:
        problems.append(Problem(reason, file=source, field=field, value=value))

    for report_type, code in profile.report_codes.items():
        if report_type not in REPORT_TYPES:
            bad(f"report_codes.{report_type}", report_type, f"not one of {list(REPORT_TYPES)}")
        if not _CODE.match(code):
            bad(f"report_codes.{report_type}", code, "not a valid code")
    for channel, codes in profile.channels.items():
        if channel not in CHANNELS:
            bad(f"channels.{channel}", channel, f"not a canonical channel {list(CHANNELS)}")
        if codes.transmode not in profile.transmode_codes:
            bad(f"channels.{channel}.transmode", codes.transmode, "not in transmode_codes")
        for side in ("from_funds", "to_funds"):
            code = getattr(codes, side)
            if code not in profile.funds_codes:
                bad(f"channels.{channel}.{side}", code, "not in funds_codes")
    for key, codes_list in (
        *((f"typology_indicators.{k}", v) for k, v in profile.typology_indicators.items()),
        *((f"default_indicators.{k}", v) for k, v in profile.default_indicators.items()),
    ):
        for i, code in enumerate(codes_list):
            if code not in profile.indicator_codes:
                bad(f"{key}[{i}]", code, "not in indicator_codes")
    for report_type in profile.default_indicators:
        if report_type not in REPORT_TYPES:
            bad(f"default_indicators.{report_type}", report_type, "not a report type")
    for kind, code in profile.identifier_types.items():
        if profile.identification_types and code not in profile.identification_types:
            bad(f"identifier_types.{kind}", code, "not in identification_types")
    for kind, code in profile.account_type_codes.items():
        if profile.account_types and code not in profile.account_types:
            bad(f"account_type_codes.{kind}", code, "not in account_types")
    for i, channel in enumerate(profile.ctr.channels):
        if channel not in CHANNELS:
            bad(f"ctr.channels[{i}]", channel, "not a canonical channel")
    for i, path in enumerate(profile.mandatory):
        reason = model_path_error(path)
        if reason:
            bad(f"mandatory[{i}]", path, reason)
    if not profile.xsd.bundled and not profile.xsd.required_file:
        bad(
            "xsd",
            None,
            "name either a bundled XSD (xsd.bundled) or the FIU's file (xsd.required_file)",
        )
    if profile.xsd.bundled:
        resource = resources.files(XSD_PACKAGE).joinpath(profile.xsd.bundled)
        if not resource.is_file():
            bad("xsd.bundled", profile.xsd.bundled, "no such XSD shipped with cftwatch")
    return problems


def model_path_error(path: str) -> str | None:
    """Why `path` (e.g. `transactions[].from_party.country`) names no report field, or None."""
    model: Any = Report
    parts = path.split(".")
    for i, part in enumerate(parts):
        name = part.removesuffix("[]")
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return f"{'.'.join(parts[:i])} has no sub-fields"
        if name not in fields:
            return f"no report field {name!r} (in {model.__name__})"
        model = _inner_type(fields[name].annotation)
    return None


def _inner_type(annotation: Any) -> Any:
    """`list[Person] | None` → Person; a leaf type stays as it is."""
    args = getattr(annotation, "__args__", None)
    if not args:
        return annotation
    for arg in args:
        if arg is type(None):
            continue
        inner = _inner_type(arg)
        if hasattr(inner, "model_fields"):
            return inner
    return annotation
