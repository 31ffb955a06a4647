"""`CaseService`: the case domain's one object, a thin facade over its modules (triage,
fields, decisions, notes, evidence, matches, reading) bound to one operational store and
one team's settings.

Concurrency: every change to a case's own fields (status, assignee, priority, due date)
names the `expected_version` the writer saw. The row is locked (PostgreSQL
`SELECT ... FOR UPDATE`; SQLite `BEGIN IMMEDIATE`) and its version compared; a stale
version raises `ConflictError` and nothing is written. Notes, evidence and match
verdicts are appended, never overwritten, so they cannot be lost to a race.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
from sqlalchemy.orm import Session

from cftwatch.cases import fields, reading, triage, workflow
from cftwatch.cases.decisions import decision_records, move
from cftwatch.cases.evidence import add_evidence, add_transactions, evidence_records
from cftwatch.cases.matches import decide_match, match_keys
from cftwatch.cases.notes import add_note, note_records
from cftwatch.cases.records import Case, CaseAlert, CaseBundle, Decision, Evidence, Note
from cftwatch.cases.rows import case_row, require_user
from cftwatch.errors import WorkspaceError
from cftwatch.store import AuditEntry, Judgement, OperationalStore, Verdict
from cftwatch.workspace import CONFIG_NAME, Workspace, load_config

_T = TypeVar("_T")


class CaseService:
    """Case management on an `OperationalStore`.

    Roles come from the store's `users` table (`OperationalStore.add_user`): every change
    is checked against the role it needs (analyst; supervisor for escalated → reported,
    closed_no_action or in_review, and for reopen). A store with no users yet allows all
    (setup mode); four eyes always apply. `due_days`: days from triage to the due date per priority, over `triage.DEFAULT_DUE_DAYS`.
    """

    def __init__(
        self,
        store: OperationalStore,
        *,
        due_days: dict[str, int] | None = None,
    ) -> None:
        self.store = store
        self.due_days = {**triage.DEFAULT_DUE_DAYS, **(due_days or {})}

    # -- who is acting ---------------------------------------------------------------

    def act_as(self, actor: str, requested: str | None = None) -> str:
        """The user this session acts as (see `OperationalStore.act_as`): `actor`, the OS
        identity, or `requested` if `actor` is an admin; both go into the audit log."""
        return self.store.act_as(actor, requested)

    def _allow(self, user: str, what: str) -> None:
        require_user(user)
        self.store.require_role(user, "analyst", what)

    # -- triage ----------------------------------------------------------------------

    def triage(self, alerts: pa.Table, user: str) -> builtins.list[Case]:
        """Group alerts by subject into open cases (idempotent; see `cases.triage`)."""
        self._allow(user, "triage")
        return triage.triage(self.store, alerts, user, due_days=self.due_days)

    def triage_strongest(self, alerts: pa.Table, user: str) -> Case:
        """Open (or update) the case of the strongest alert's subject."""
        self._allow(user, "triage")
        return triage.triage_strongest(self.store, alerts, user, due_days=self.due_days)

    # -- reading ---------------------------------------------------------------------

    def get(self, case_id: str | int) -> Case:
        return reading.get_case(self.store, case_id)

    def list(self, status: str | None = None, assignee: str | None = None) -> builtins.list[Case]:
        """Cases, newest first, optionally with one status and/or one assignee."""
        return reading.list_cases(self.store, status, assignee)

    def alerts(self, case_id: str | int) -> builtins.list[CaseAlert]:
        return self._read(case_id, reading.alert_records)

    def evidence(self, case_id: str | int, kind: str | None = None) -> builtins.list[Evidence]:
        return self._read(case_id, lambda s, number: evidence_records(s, number, kind))

    def notes(self, case_id: str | int) -> builtins.list[Note]:
        return self._read(case_id, note_records)

    def decisions(self, case_id: str | int) -> builtins.list[Decision]:
        return self._read(case_id, decision_records)

    def history(self, case_id: str | int) -> builtins.list[AuditEntry]:
        """The case's audit log, oldest first: every change with who, when, before, after."""
        case = self.get(case_id)  # NotFoundError for an unknown case
        return self.store.audit_entries(case_id=case.case_id)

    def case_bundle(self, case_id: str | int) -> CaseBundle:
        """Everything about a case, read in one transaction (the reporting stage's input)."""
        return reading.case_bundle(self.store, case_id)

    def _read(self, case_id: str | int, read: Callable[[Session, int], _T]) -> _T:
        with self.store.session(readonly=True) as s:
            return read(s, case_row(s, case_id).id)

    # -- changing a case's fields (versioned) ----------------------------------------

    def assign(
        self, case_id: str | int, user: str, assignee: str | None, expected_version: int | None
    ) -> Case:
        """Give the case to `assignee` (None to unassign)."""
        self._allow(user, "assigning a case")
        return fields.assign(self.store, case_id, user, assignee, expected_version)

    def set_priority(
        self, case_id: str | int, user: str, priority: str, expected_version: int | None
    ) -> Case:
        self._allow(user, "setting a priority")
        return fields.set_priority(self.store, case_id, user, priority, expected_version)

    def set_due(
        self, case_id: str | int, user: str, due_date: dt.date | None, expected_version: int | None
    ) -> Case:
        self._allow(user, "setting a due date")
        return fields.set_due(self.store, case_id, user, due_date, expected_version)

    def transition(
        self,
        case_id: str | int,
        user: str,
        to_status: str,
        reason: str,
        expected_version: int | None,
    ) -> Case:
        """Move the case along the workflow (see `cftwatch.cases.workflow`), with a reason.
        A transition the workflow does not allow raises `WorkflowError`."""
        return move(
            self.store,
            case_id,
            user,
            to_status,
            reason,
            expected_version,
            reopen=False,
        )

    def reopen(
        self, case_id: str | int, user: str, reason: str, expected_version: int | None
    ) -> Case:
        """Supervisor action: take a reported or closed case back to in_review."""
        return move(
            self.store,
            case_id,
            user,
            workflow.REOPEN_TO,
            reason,
            expected_version,
            reopen=True,
        )

    # -- appended things: notes, evidence, match verdicts ----------------------------

    def note(
        self,
        case_id: str | int,
        user: str,
        text: str,
        expected_version: int | None = None,
        *,
        corrects: int | None = None,
    ) -> Note:
        """Add a note, or with `corrects=NOTE_ID` the correction of an earlier one."""
        self._allow(user, "adding a note")
        return add_note(self.store, case_id, user, text, expected_version, corrects=corrects)

    def add_evidence(
        self,
        case_id: str | int,
        user: str,
        kind: str,
        ref: str,
        *,
        explanation: str | None = None,
        detail: dict[str, Any] | None = None,
        alert_id: str | None = None,
    ) -> Evidence:
        """Attach evidence; adding the same (kind, ref) twice returns the existing row."""
        self._allow(user, "adding evidence")
        return add_evidence(
            self.store,
            case_id,
            user,
            kind,
            ref,
            explanation=explanation,
            detail=detail,
            alert_id=alert_id,
        )

    def add_transactions(self, case_id: str | int, user: str, txn_ids: Iterable[str]) -> int:
        """Attach many transactions at once; returns how many were new on the case."""
        self._allow(user, "adding evidence")
        return add_transactions(self.store, case_id, user, txn_ids)

    def match_keys(
        self,
        case_id: str | int,
        entity_id: str,
        party_key: str | None = None,
        entity_fingerprint: str | None = None,
    ) -> tuple[str, str]:
        """(party key, entity fingerprint) of the case's screening match on `entity_id`:
        what `decide_match` needs, taken from the match evidence unless given."""
        found = self.evidence(case_id, kind="screening_match")
        return match_keys(found, entity_id, party_key, entity_fingerprint)

    def decide_match(
        self,
        case_id: str | int,
        user: str,
        party_key: str,
        entity_id: str,
        verdict: Verdict,
        entity_fingerprint: str,
        note: str | None = None,
    ) -> Judgement:
        """Record an analyst's true/false-match verdict on a screening match; screening
        reuses it (`OperationalStore.latest_judgements`) while the list entry is unchanged."""
        self._allow(user, "judging a match")
        return decide_match(
            self.store, case_id, user, party_key, entity_id, verdict, entity_fingerprint, note
        )


@contextmanager
def case_service(workspace: str | Path) -> Iterator[CaseService]:
    """The case service of a workspace folder, closed after the block. It opens only the
    operational store, not the analytical one, so several analysts can work cases while
    DuckDB is busy (or locked by another process)."""
    root = Path(workspace)
    config_path = root / CONFIG_NAME
    if not config_path.is_file():
        raise WorkspaceError(
            f"{root} is not a cftwatch workspace (no {CONFIG_NAME}); run `cftwatch init {root}`"
        )
    store = OperationalStore.for_workspace(Workspace(root, load_config(config_path)))
    try:
        yield CaseService(store)
    finally:
        store.close()


def resolve_user(workspace: str | Path, actor: str, requested: str | None) -> str:
    """Who `actor` (the OS identity) acts as in this workspace: themselves, or `requested`
    if they are an admin of its store (`CaseService.act_as`)."""
    with case_service(workspace) as service:
        return service.act_as(actor, requested)
