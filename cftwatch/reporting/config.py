"""The workspace's `reporting:` section, owned and validated by reporting.

The workspace keeps `reporting` as a plain mapping; `reporting_settings` validates it
against what the goAML 5.0.x schema makes mandatory for every report (rentity_branch,
location, reporting_person or reporting_user_code, the institution's code on its own
accounts) and `institution.reporting_entity_id` as the FIU-issued positive integer. Every
problem names the config key (`reporting.branch`), and all of them come before any XML
is built.
"""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cftwatch.errors import ConfigError, Problem
from cftwatch.reporting.model import Address, Phone, ReportingPerson
from cftwatch.yamlconfig import problems_from_validation

MAX_RENTITY_ID = 2_147_483_647
"""goAML's rentity_id is an xs:int with minInclusive 1."""

_BIC = r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationSettings(_Strict):
    """`reporting.location`: where the report is made (goAML `location`, a t_address)."""

    address_type: str = Field(min_length=1, max_length=50, description="FIU address type code.")
    address: str = Field(min_length=1, max_length=100)
    town: str | None = Field(None, min_length=1, max_length=255)
    city: str = Field(min_length=1, max_length=255)
    zip: str | None = Field(None, min_length=1, max_length=10)
    country_code: str = Field(pattern=r"^[A-Z]{2}$")
    state: str | None = Field(None, min_length=1, max_length=255)
    comments: str | None = None


class ReportingPersonSettings(_Strict):
    """`reporting.reporting_person`: the compliance officer who files (goAML
    t_person_registration_in_report; first and last name are mandatory)."""

    gender: str | None = None
    title: str | None = None
    first_name: str = Field(min_length=1, max_length=100)
    middle_name: str | None = Field(None, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    ssn: str | None = Field(None, min_length=1, max_length=25)
    id_number: str | None = Field(None, min_length=1, max_length=255)
    nationality1: str | None = None
    phones: list[Phone] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    email: str | None = None
    occupation: str | None = Field(None, min_length=1, max_length=255)


class ReportingSettings(_Strict):
    """The `reporting:` section of `cftwatch.yaml`. See docs/reporting.md."""

    branch: str = Field(
        min_length=1, max_length=255, description="rentity_branch and own accounts' branch."
    )
    location: LocationSettings
    reporting_user_code: str | None = Field(
        None, min_length=4, max_length=50, description="The filer's goAML user name."
    )
    reporting_person: ReportingPersonSettings | None = None
    institution_code: str | None = Field(
        None, min_length=1, max_length=50, description="Bank code of own accounts."
    )
    swift: str | None = Field(None, pattern=_BIC, description="BIC of own accounts.")
    exchange_rates: dict[str, Decimal] = Field(
        default_factory=dict, description="Units of local currency per unit of a foreign one."
    )
    default_profile: str | None = Field(None, description="Profile `cftwatch report` uses.")


class _EntityId(_Strict):
    reporting_entity_id: int = Field(ge=1, le=MAX_RENTITY_ID, strict=False)


def reporting_settings(
    section: dict[str, Any] | None,
    institution: dict[str, Any],
    source: str | None,
    *,
    profile_entity_id: str | None = None,
    profile_has_filer: bool = False,
) -> ReportingSettings:
    """The validated `reporting` section, or `ConfigError` listing every missing or
    invalid key (`reporting.branch`, `institution.reporting_entity_id`, ...).
    `profile_entity_id` / `profile_has_filer`: what the FIU profile already supplies."""
    problems: list[Problem] = []
    settings: ReportingSettings | None = None
    try:
        settings = ReportingSettings.model_validate(dict(section or {}))
    except ValidationError as exc:
        problems += problems_from_validation(exc, source, None, ("reporting",))
    entity_id = profile_entity_id or institution.get("reporting_entity_id")
    try:
        _EntityId.model_validate({"reporting_entity_id": _as_int_text(entity_id)})
    except ValidationError:
        where = " (the profile's reporting_entity_id)" if profile_entity_id else ""
        problems.append(
            Problem(
                "must be the FIU-issued reporting entity id, an integer from 1 to "
                f"{MAX_RENTITY_ID}{where}",
                file=source,
                field="institution.reporting_entity_id",
                value=entity_id,
            )
        )
    if settings is not None:
        problems += _one_of_problems(settings, source, profile_has_filer)
    if problems:
        raise ConfigError(problems)
    assert settings is not None
    return settings


def _as_int_text(value: Any) -> Any:
    """'4711' → 4711; anything that is not plain decimal digits stays as it is (and fails)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _one_of_problems(
    settings: ReportingSettings, source: str | None, profile_has_filer: bool
) -> list[Problem]:
    problems = []
    if not (settings.reporting_user_code or settings.reporting_person or profile_has_filer):
        problems.append(
            Problem(
                "missing: set reporting.reporting_user_code (your goAML user, 4-50 characters) "
                "or reporting.reporting_person (first_name, last_name)",
                file=source,
                field="reporting.reporting_user_code",
            )
        )
    if not (settings.institution_code or settings.swift):
        problems.append(
            Problem(
                "missing: set reporting.institution_code or reporting.swift "
                "(the institution's code on its own accounts)",
                file=source,
                field="reporting.institution_code",
            )
        )
    return problems


def reporting_person_model(person: ReportingPersonSettings | None) -> ReportingPerson | None:
    """The settings' reporting person as the report model's."""
    return None if person is None else ReportingPerson(**person.model_dump())


def location_model(location: LocationSettings) -> Address:
    return Address(**location.model_dump())


def save_reporting_config(
    config_path: Path,
    *,
    institution: dict[str, Any] | None = None,
    reporting: dict[str, Any] | None = None,
) -> ReportingSettings:
    """Merge `institution` keys and the `reporting` section into `cftwatch.yaml`, after
    validating the result (ConfigError names each key; the file is left as it was), and
    replace the file atomically. Returns the validated section."""
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    merged_institution = {**(raw.get("institution") or {}), **(institution or {})}
    merged_reporting = {**(raw.get("reporting") or {}), **(reporting or {})}
    settings = reporting_settings(merged_reporting, merged_institution, str(config_path))
    raw["institution"] = merged_institution
    raw["reporting"] = settings.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    text = "# cftwatch workspace configuration (see README: Workspace)\n" + yaml.safe_dump(
        raw, sort_keys=False, allow_unicode=True
    )
    fd, tmp = tempfile.mkstemp(prefix=f".{config_path.name}.", dir=config_path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, config_path)
    return settings
