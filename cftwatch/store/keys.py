"""API keys of the decision service: `cftw_<key id>_<secret>`, shown once when made.

The store keeps only the key id and the SHA-256 of the 32-byte random secret (a secret of
that entropy needs no slow hash); a presented key is checked with a constant-time compare.
A key belongs to a user of the `users` table and acts with that user's current role;
revoking a key keeps its row (the audit log names it) and refuses it from then on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from sqlalchemy import select

from cftwatch.errors import InputError, NotFoundError
from cftwatch.store import users
from cftwatch.store.models import ApiKeyRow, UserRow
from cftwatch.store.records import Record
from cftwatch.store.store import OperationalStore, utcnow

KEY_PREFIX = "cftw"
KEY_SHAPE = re.compile(r"cftw_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")


class ApiKeyRecord(Record):
    key_id: str
    user: str
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = None


class KeyOwner(Record):
    """Who a valid key acts for: the user, their role now, and the key's id."""

    user: str
    role: str
    key_id: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_key(store: OperationalStore, user: str, by: str) -> tuple[str, ApiKeyRecord]:
    """A new key for `user` (an admin's act; `user` must exist): (the key, shown only
    now; its record)."""
    user = users.valid_user_name(user, "name")
    by = users.valid_user_name(by, "os user")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with store.session() as s:
        users.check_role(s, by, "admin", "creating API keys")
        if users.role_of(s, user) is None:
            raise NotFoundError(
                f"{user} is not a user of this store (add them first: cftwatch users add {user})"
            )
        now = utcnow()
        row = ApiKeyRow(
            key_id=key_id,
            user=user,
            secret_sha256=_digest(secret),
            created_at=now,
            created_by=by,
        )
        s.add(row)
        s.flush()
        store.write_audit(
            s,
            [{"entity_type": "api_key", "entity_id": key_id, "action": "create", "after": user}],
            user=by,
            at=now,
        )
        return f"{KEY_PREFIX}_{key_id}_{secret}", ApiKeyRecord.model_validate(row)


def revoke_key(store: OperationalStore, key_id: str, by: str) -> ApiKeyRecord:
    """Refuse `key_id` from now on (an admin's act); revoking twice changes nothing."""
    by = users.valid_user_name(by, "os user")
    with store.session() as s:
        users.check_role(s, by, "admin", "revoking API keys")
        row = s.scalars(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id)).first()
        if row is None:
            raise NotFoundError(f"no API key {key_id!r}")
        if row.revoked_at is None:
            row.revoked_at, row.revoked_by = utcnow(), by
            s.flush()
            store.write_audit(
                s,
                [
                    {
                        "entity_type": "api_key",
                        "entity_id": key_id,
                        "action": "revoke",
                        "field": "revoked_at",
                        "after": row.revoked_at.isoformat(),
                    }
                ],
                user=by,
                at=row.revoked_at,
            )
        return ApiKeyRecord.model_validate(row)


def list_keys(store: OperationalStore) -> list[ApiKeyRecord]:
    """Every key (never a secret), oldest first."""
    with store.session(readonly=True) as s:
        rows = s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))
        return [ApiKeyRecord.model_validate(r) for r in rows]


def key_owner(store: OperationalStore, presented: str) -> KeyOwner | None:
    """Who `presented` acts for, or None when it is malformed, unknown, revoked, or its
    user is gone. The secret's digest is compared in constant time."""
    match = KEY_SHAPE.fullmatch(presented.strip())
    if match is None:
        return None
    key_id, secret = match.groups()
    with store.session(readonly=True) as s:
        row = s.execute(
            select(ApiKeyRow.secret_sha256, ApiKeyRow.user, ApiKeyRow.revoked_at, UserRow.role)
            .join(UserRow, UserRow.name == ApiKeyRow.user)
            .where(ApiKeyRow.key_id == key_id)
        ).first()
    if row is None:
        _digest(secret)  # same work for an unknown id as for a known one
        return None
    if not hmac.compare_digest(row.secret_sha256, _digest(secret)) or row.revoked_at is not None:
        return None
    return KeyOwner(user=row.user, role=row.role, key_id=key_id)


def valid_key_id(value: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{16}", value):
        raise InputError.at("not an API key id (16 hex digits)", field="key_id", value=value)
    return value
