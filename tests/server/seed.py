"""Seeding a served workspace for the API tests: alerts in the analytical store, cases
triaged from them in the operational store, a second supervisor for four-eyes walks."""

from __future__ import annotations

import getpass
from pathlib import Path

from cftwatch.cases import CaseService
from cftwatch.store import OperationalStore, create_key
from cftwatch.workspace import Workspace
from tests.cases.helpers import alert, alerts_table, screening_alert


def seed(root: Path, subjects: int = 3) -> dict[str, str]:
    """`subjects` monitoring alerts (one case each) and one screening alert, in the
    workspace's alerts table and triaged into cases; a second supervisor `sam` with a key.
    Returns {"supervisor2": key}."""
    rows = [alert(f"acct:{i}") for i in range(1, subjects + 1)] + [screening_alert("party:7")]
    table = alerts_table(*rows)
    ws = Workspace.open(root)
    try:
        ws.append("alerts", table)
        store = OperationalStore.for_workspace(ws)
    finally:
        ws.close()
    me = getpass.getuser()
    try:
        CaseService(store).triage(table, me)
        store.add_user("sam", "supervisor", me)
        return {"supervisor2": create_key(store, "sam", me)[0]}
    finally:
        store.close()
