"""The case status workflow as data: which transitions exist and who may make them.

    new ──▶ in_review ──▶ escalated ──▶ reported
     │          │             │  └────▶ closed_no_action
     │          │             └──▶ in_review          (sent back by a supervisor)
     │          └──▶ closed_no_action
     └──▶ closed_no_action                              (plain false positive)

`reported` and `closed_no_action` are terminal. Only `reopen` (a supervisor action with a
reason) takes a terminal case back to `in_review`; the earlier decision stays on record.
"""

from __future__ import annotations

from typing import Literal

Status = Literal["new", "in_review", "escalated", "reported", "closed_no_action"]
Role = Literal["analyst", "supervisor"]

STATUSES: tuple[Status, ...] = ("new", "in_review", "escalated", "reported", "closed_no_action")
OPEN_STATUSES: tuple[Status, ...] = ("new", "in_review", "escalated")
TERMINAL_STATUSES: tuple[Status, ...] = ("reported", "closed_no_action")

TRANSITIONS: dict[str, dict[str, Role]] = {
    "new": {"in_review": "analyst", "closed_no_action": "analyst"},
    "in_review": {"escalated": "analyst", "closed_no_action": "analyst"},
    "escalated": {
        "reported": "supervisor",
        "closed_no_action": "supervisor",
        "in_review": "supervisor",
    },
    "reported": {},
    "closed_no_action": {},
}
"""from status → {to status: the role needed}. Anything not listed is refused."""

REOPEN_TO: Status = "in_review"
REOPEN_ROLE: Role = "supervisor"


def allowed_targets(status: str) -> list[str]:
    return list(TRANSITIONS.get(status, {}))


def required_role(from_status: str, to_status: str) -> Role | None:
    """The role a transition needs, or None when the workflow does not allow it."""
    return TRANSITIONS.get(from_status, {}).get(to_status)


def workflow_table() -> list[tuple[str, str, str]]:
    """(from, to, role) rows, for docs and `cftwatch cases workflow`."""
    rows: list[tuple[str, str, str]] = [
        (a, b, role) for a, targets in TRANSITIONS.items() for b, role in targets.items()
    ]
    rows += [(t, f"{REOPEN_TO} (reopen)", REOPEN_ROLE) for t in TERMINAL_STATUSES]
    return rows
