"""Users, roles and who is acting: the `users` table that replaces `CFTWATCH_SUPERVISORS`.

Roles nest: an `admin` may do what a `supervisor` may, a `supervisor` what an `analyst`
may. A store with no users yet is in setup mode (every role allowed, as a single-user
workspace was before); the first `add_user` makes the identity running it an admin, and
from then on every change is checked against the table.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cftwatch.errors import InputError, WorkflowError
from cftwatch.store.models import ROLES, UserRow
from cftwatch.store.records import Record

USER_NAME = re.compile(r"\w[\w.@+-]{0,99}")
"""A user name: letters, digits, `_ . @ + -`, at most 100 characters; no spaces, markup
or control characters, so a name can be printed and logged as it is."""


class AccessDenied(WorkflowError):
    """The acting user's role does not allow the action (or they may not act as another)."""


class UserRecord(Record):
    name: str
    role: str
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str


def valid_user_name(name: object, field: str = "user") -> str:
    """`name` if it is a valid user name, else an `InputError` naming the field."""
    if not isinstance(name, str) or not USER_NAME.fullmatch(name):
        raise InputError.at(
            "not a valid user name (letters, digits and _ . @ + -, at most 100 characters)",
            field=field,
            value=ascii(name) if isinstance(name, str) else name,
        )
    return name


def role_rank(role: str) -> int:
    return ROLES.index(role)


def has_users(s: Session) -> bool:
    return bool(s.scalar(select(func.count()).select_from(UserRow)))


def role_of(s: Session, name: str) -> str | None:
    return s.scalar(select(UserRow.role).where(UserRow.name == name))


def check_role(s: Session, user: str, needed: str, what: str) -> None:
    """Refuse `what` unless `user` holds `needed` (or a higher role); setup mode allows all."""
    if not has_users(s):
        return
    role = role_of(s, user)
    if role is None:
        raise AccessDenied(
            f"{user} is not a user of this store: {what} needs the {needed} role "
            f"(an admin adds users: cftwatch users add {user} --role {needed})"
        )
    if role_rank(role) < role_rank(needed):
        raise AccessDenied(f"{user} is {role}: {what} needs the {needed} role")


def admin_count(s: Session) -> int:
    return int(s.scalar(select(func.count()).where(UserRow.role == "admin")) or 0)
