"""Webhook targets of a workspace and how their deliveries are signed.

Targets live in `<workspace>/webhooks.yaml` (written by `cftwatch webhooks add URL
--secret-env VAR`, or by hand). A target names the environment variable that holds its
secret, never the secret itself, so the file can be read and versioned. Every delivery's
body is signed with HMAC-SHA256 over `TIMESTAMP.BODY`:

    X-Cftwatch-Timestamp: 1764590000
    X-Cftwatch-Signature: sha256=<hex digest>

A receiver recomputes the digest with the shared secret (`verify_signature`) and refuses
a timestamp older than a few minutes (replay). Attempts are appended to
`<workspace>/webhook_deliveries.jsonl` (`read_deliveries`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.parse
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cftwatch.cases import case_service
from cftwatch.errors import ConfigError, InputError, NotFoundError
from cftwatch.yamlconfig import load_yaml, validate

__all__ = [
    "DELIVERIES_NAME",
    "EVENTS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOKS_NAME",
    "WebhookSettings",
    "WebhookTarget",
    "add_webhook",
    "decision_event",
    "load_webhooks",
    "read_deliveries",
    "remove_webhook",
    "sign",
    "verify_signature",
]

WEBHOOKS_NAME = "webhooks.yaml"
DELIVERIES_NAME = "webhook_deliveries.jsonl"
SIGNATURE_HEADER = "X-Cftwatch-Signature"
TIMESTAMP_HEADER = "X-Cftwatch-Timestamp"
EVENT_HEADER = "X-Cftwatch-Event"
DELIVERY_HEADER = "X-Cftwatch-Delivery"
EVENTS: tuple[str, ...] = ("decision.review", "decision.block", "case.changed")
"""What fires a webhook: a REVIEW or BLOCK decision on a payment, a change to a case."""
ADMIN_ROLE = "admin"
REPLAY_TOLERANCE_S = 300
"""How old a signed timestamp `verify_signature` accepts by default (seconds)."""
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"


class WebhookTarget(BaseModel):
    """One receiver: where to POST, the env var holding its secret, which events."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="http(s) URL the events are POSTed to.")
    secret_env: str = Field(
        pattern=_ENV_NAME, description="Environment variable holding the shared HMAC secret."
    )
    events: list[str] = Field(
        default_factory=lambda: list(EVENTS), description="Events sent to this target."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL with a host")
        return value

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(EVENTS))
        if unknown or not value:
            raise ValueError(f"events must be some of {', '.join(EVENTS)} (got {unknown or value})")
        return value


class WebhookSettings(BaseModel):
    """`webhooks.yaml`: the targets and the retry policy (bounded exponential backoff)."""

    model_config = ConfigDict(extra="forbid")

    targets: list[WebhookTarget] = Field(default_factory=list)
    max_attempts: int = Field(
        5, ge=1, le=10, description="Attempts per delivery, the first one included."
    )
    backoff_s: float = Field(
        0.5, gt=0, le=60, description="Wait before the first retry; doubled after each."
    )
    max_backoff_s: float = Field(30.0, gt=0, le=600, description="The longest wait between tries.")
    timeout_s: float = Field(5.0, gt=0, le=60, description="Per-attempt HTTP timeout.")

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return float(min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)))


def load_webhooks(root: str | Path) -> WebhookSettings:
    """The workspace's webhook settings (none configured when the file is absent)."""
    path = Path(root) / WEBHOOKS_NAME
    if not path.exists():
        return WebhookSettings()
    doc = load_yaml(path, what="webhook configuration")
    raw = doc.data if doc.data is not None else {}
    if not isinstance(raw, dict):
        raise ConfigError.at("expected a mapping at the top level", file=str(path))
    return validate(WebhookSettings, raw, str(path), doc=doc)


def _save(root: Path, settings: WebhookSettings) -> None:
    path = root / WEBHOOKS_NAME
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(
        yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False), encoding="utf-8"
    )
    tmp.replace(path)


def _require_admin(root: Path, by: str | None) -> None:
    """Configuring webhooks is an admin's act (a store with no users yet allows it)."""
    if by is None:
        return
    with case_service(root) as service:
        service.store.require_role(by, ADMIN_ROLE, "configuring webhooks")


def add_webhook(
    root: str | Path,
    url: str,
    secret_env: str,
    events: list[str] | None = None,
    *,
    by: str | None = None,
) -> WebhookTarget:
    """Add a target (or replace the one with the same URL); the file is rewritten whole.
    `by`: the acting user, who must be an admin of the workspace's store."""
    folder = Path(root)
    _require_admin(folder, by)
    settings = load_webhooks(folder)
    raw: dict[str, Any] = {"url": url, "secret_env": secret_env}
    if events:
        raw["events"] = events
    target = validate(WebhookTarget, raw, "webhook target", error=InputError)
    settings.targets = [t for t in settings.targets if t.url != target.url] + [target]
    _save(folder, settings)
    return target


def remove_webhook(root: str | Path, url: str, *, by: str | None = None) -> None:
    folder = Path(root)
    _require_admin(folder, by)
    settings = load_webhooks(folder)
    kept = [t for t in settings.targets if t.url != url]
    if len(kept) == len(settings.targets):
        raise NotFoundError(f"no webhook target {url!r}")
    settings.targets = kept
    _save(folder, settings)


def decision_event(decision: str) -> str | None:
    """The event of a payment decision: REVIEW and BLOCK fire one, ACCEPT none."""
    return {"REVIEW": "decision.review", "BLOCK": "decision.block"}.get(decision.upper())


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and HMAC-SHA256(secret, TIMESTAMP.BODY)."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str | bytes,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance_s: float = REPLAY_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance_s and hmac.compare_digest(sign(secret, timestamp, body), signature)


def secret_of(target: WebhookTarget) -> str | None:
    """The target's secret from the environment (None when the variable is unset or empty)."""
    return os.environ.get(target.secret_env) or None


def read_deliveries(root: str | Path, limit: int = 50) -> list[dict[str, Any]]:
    """The latest `limit` delivery attempts, oldest first (a torn last line is skipped)."""
    if limit < 1:
        raise InputError.at("must be at least 1", field="limit", value=limit)
    path = Path(root) / DELIVERIES_NAME
    if not path.exists():
        return []
    rows: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines()[-limit:]:
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows
