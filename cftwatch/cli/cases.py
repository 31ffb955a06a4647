"""`cftwatch cases ...`: triage alerts into cases, work them, and read their audit log.

You act as your OS user; `--user` (or `$CFTWATCH_USER`) may name another user only when
your OS user is an admin of the store, and the audit log then records both. Roles come
from `cftwatch users`. Commands that change a case's own fields take `--version` (the
version you saw; by default the current one). Every value printed is escaped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from cftwatch.cases import (
    Case,
    CaseBundle,
    CaseService,
    alerts_to_triage,
    case_service,
    workflow_table,
)
from cftwatch.cli._app import (
    DEFAULT_DIR,
    USER_ENV,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    open_workspace,
    os_user,
    print_json,
    print_table,
    progress,
    requested_user,
    safe_text,
)
from cftwatch.errors import InputError
from cftwatch.store import VERDICTS, Verdict

cases_app = typer.Typer(
    help="Cases: triage alerts, review, decide, and read the audit log.",
    no_args_is_help=True,
)
app.add_typer(cases_app, name="cases")

UserOpt = Annotated[
    str | None,
    typer.Option(
        "--user",
        "-u",
        help=f"Act as this user (default ${USER_ENV}, else your OS user); admins only.",
    ),
]
VersionOpt = Annotated[
    int | None,
    typer.Option(
        "--version",
        help="The case version you saw; a newer one means someone else changed it (exit 4). "
        "Default: the current version.",
    ),
]
CaseArg = Annotated[str, typer.Argument(help="Case id, e.g. CASE-000042 (or 42).")]


def _who(service: CaseService, user: str | None) -> str:
    """The acting user: the OS user, or --user/$CFTWATCH_USER for an admin."""
    return service.act_as(os_user(), requested_user(user))


def _version(service: CaseService, case_id: str, version: int | None) -> int:
    return version if version is not None else service.get(case_id).version


def _case_rows(cases: list[Case]) -> list[list[Any]]:
    return [
        [
            c.case_id,
            c.status,
            c.priority,
            c.assignee or "",
            c.due_date,
            f"{c.subject_type}:{c.subject_id}",
            c.subject_name or "",
            c.alert_count,
            c.version,
        ]
        for c in cases
    ]


CASE_COLUMNS = [
    "case",
    "status",
    "priority",
    "assignee",
    "due",
    "subject",
    "name",
    "alerts",
    "version",
]


def _print_case(case: Case, json_: bool, message: str) -> None:
    if json_:
        print_json(case.to_json())
    else:
        console.print(safe_text(message), highlight=False)


@cases_app.command("triage")
def triage_cmd(
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    min_severity: Annotated[
        str, typer.Option(help="Leave out alerts below this severity: low, medium, high, critical.")
    ] = "low",
    source: Annotated[
        str | None, typer.Option(help="Only alerts from this stage (monitoring, screening, ...).")
    ] = None,
    user: UserOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Open cases from the workspace's alerts, one per subject (idempotent)."""
    with open_workspace(workspace) as ws:
        alerts = alerts_to_triage(ws, min_severity, source)
    with case_service(workspace) as service, progress() as bar:
        who = _who(service, user)
        task = bar.add_task("Triaging alerts", total=alerts.num_rows)
        cases = service.triage(alerts, who)
        bar.update(task, completed=alerts.num_rows)
    if json_:
        print_json([c.to_json() for c in cases])
        return
    if not cases:
        console.print(f"No new alerts to triage ({alerts.num_rows} considered).")
        return
    print_table(
        f"Cases opened or updated ({alerts.num_rows} alerts considered)",
        CASE_COLUMNS,
        _case_rows(cases),
    )


@cases_app.command("list")
def list_cmd(
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    status: Annotated[str | None, typer.Option(help="Only cases with this status.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Only cases assigned to this user.")] = None,
    json_: JsonOpt = False,
) -> None:
    """List cases, newest first."""
    with case_service(workspace) as service:
        cases = service.list(status=status, assignee=assignee)
    if json_:
        print_json([c.to_json() for c in cases])
    else:
        print_table(f"{len(cases)} case(s)", CASE_COLUMNS, _case_rows(cases))


@cases_app.command("show")
def show_cmd(
    case_id: CaseArg, workspace: WorkspaceOpt = Path(DEFAULT_DIR), json_: JsonOpt = False
) -> None:
    """Show a case: fields, alerts, evidence, notes, decisions and reports."""
    with case_service(workspace) as service:
        bundle = service.case_bundle(case_id)
    if json_:
        print_json(bundle.to_json())
        return
    c = bundle.case
    console.print(f"[bold]{safe_text(c.case_id)}[/] {safe_text(c.title)}", highlight=False)
    print_table(
        None,
        ["field", "value"],
        [
            ["status", c.status],
            ["priority", c.priority],
            ["assignee", c.assignee or ""],
            ["due", c.due_date or ""],
            ["subject", f"{c.subject_type}:{c.subject_id} {c.subject_name or ''}"],
            ["created", f"{c.created_at:%Y-%m-%d %H:%M} by {c.created_by}"],
            ["updated", f"{c.updated_at:%Y-%m-%d %H:%M} by {c.updated_by}"],
            ["version", c.version],
            ["transactions", len(bundle.txn_ids)],
        ],
    )
    _print_alerts_and_matches(bundle)
    _print_notes_decisions_reports(bundle)


def _print_alerts_and_matches(bundle: CaseBundle) -> None:
    print_table(
        "Alerts",
        ["alert", "source", "rule", "typology", "severity", "score", "explanation"],
        [
            [
                a.alert_id,
                a.source,
                a.rule_id,
                a.typology,
                a.severity,
                "" if a.score is None else f"{a.score:.2f}",
                a.snapshot.get("explanation") or "",
            ]
            for a in bundle.alerts
        ],
    )
    if bundle.screening_matches:
        print_table(
            "Screening matches",
            ["entity", "alert", "explanation"],
            [[m.ref, m.alert_id or "", m.explanation or ""] for m in bundle.screening_matches],
        )


def _print_notes_decisions_reports(bundle: CaseBundle) -> None:
    if bundle.notes:
        print_table(
            "Notes",
            ["id", "when", "who", "text", "corrects", "corrected by"],
            [
                [
                    n.id,
                    f"{n.created_at:%Y-%m-%d %H:%M}",
                    n.created_by,
                    n.text,
                    n.supersedes_id or "",
                    n.superseded_by_id or "",
                ]
                for n in bundle.notes
            ],
        )
    if bundle.decisions:
        print_table(
            "Decisions",
            ["when", "who", "decision", "reason"],
            [
                [
                    f"{d.created_at:%Y-%m-%d %H:%M}",
                    d.created_by,
                    f"{d.from_status} → {d.to_status}"
                    if d.kind == "status"
                    else f"{d.party_key} vs {d.entity_id}: {d.verdict}",
                    d.reason or "",
                ]
                for d in bundle.decisions
            ],
        )
    if bundle.reports:
        print_table(
            "Reports",
            ["when", "who", "profile", "code", "sha256", "path"],
            [
                [
                    f"{r.created_at:%Y-%m-%d %H:%M}",
                    r.created_by,
                    r.profile,
                    r.report_code or "",
                    r.file_sha256[:16],
                    r.path or "",
                ]
                for r in bundle.reports
            ],
        )


@cases_app.command("assign")
def assign_cmd(
    case_id: CaseArg,
    assignee: Annotated[str, typer.Argument(help="User to give the case to ('-' to unassign).")],
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    version: VersionOpt = None,
    user: UserOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Assign a case to an analyst."""
    with case_service(workspace) as service:
        who = _who(service, user)
        case = service.assign(
            case_id, who, None if assignee == "-" else assignee, _version(service, case_id, version)
        )
    _print_case(
        case,
        json_,
        f"{case.case_id} assigned to {case.assignee or 'nobody'} (version {case.version}).",
    )


@cases_app.command("priority")
def priority_cmd(
    case_id: CaseArg,
    level: Annotated[str, typer.Argument(help="low, medium, high or critical.")],
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    version: VersionOpt = None,
    user: UserOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Set a case's priority."""
    with case_service(workspace) as service:
        who = _who(service, user)
        case = service.set_priority(case_id, who, level, _version(service, case_id, version))
    _print_case(case, json_, f"{case.case_id} priority {case.priority} (version {case.version}).")


@cases_app.command("due")
def due_cmd(
    case_id: CaseArg,
    date: Annotated[str, typer.Argument(help="Due date YYYY-MM-DD ('-' to clear).")],
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    version: VersionOpt = None,
    user: UserOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Set a case's due date."""
    try:
        due = None if date == "-" else dt.date.fromisoformat(date)
    except ValueError as exc:
        raise InputError.at("not a date (YYYY-MM-DD)", field="date", value=date) from exc
    with case_service(workspace) as service:
        who = _who(service, user)
        case = service.set_due(case_id, who, due, _version(service, case_id, version))
    _print_case(
        case, json_, f"{case.case_id} due {case.due_date or 'never'} (version {case.version})."
    )


@cases_app.command("note")
def note_cmd(
    case_id: CaseArg,
    text: Annotated[str, typer.Argument(help="The note.")],
    corrects: Annotated[
        int | None,
        typer.Option(help="Id of an earlier note this one corrects (it stays, superseded)."),
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    version: VersionOpt = None,
    user: UserOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Add a note to a case (or a correction of an earlier note)."""
    with case_service(workspace) as service:
        who = _who(service, user)
        note = service.note(case_id, who, text, version, corrects=corrects)
    if json_:
        print_json(note.to_json())
    else:
        what = f"correction of note {corrects}" if corrects else "note"
        console.print(f"{note.case_id}: {what} {note.id} added.", highlight=False)


@cases_app.command("decide")
def decide_cmd(
    case_id: CaseArg,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="New status: in_review, escalated, reported, closed_no_action (see `cases workflow`).",
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why (required for a status decision).")
    ] = None,
    match: Annotated[
        str | None, typer.Option("--match", help="List entity id of a screening match to judge.")
    ] = None,
    verdict: Annotated[
        str | None, typer.Option(help="For --match: true_match or false_match.")
    ] = None,
    party: Annotated[
        str | None,
        typer.Option(
            help="For --match: the screened party's key (default: from the match evidence)."
        ),
    ] = None,
    fingerprint: Annotated[
        str | None,
        typer.Option(
            help="For --match: the list entry's fingerprint (default: from the match evidence)."
        ),
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    version: VersionOpt = None,
    user: UserOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Decide: move the case along the workflow (--to STATUS --reason ...) or judge a
    screening match (--match ENTITY_ID --verdict true_match|false_match)."""
    if (to is None) == (match is None):
        raise InputError.at("give either --to STATUS or --match ENTITY_ID", field="decide")
    with case_service(workspace) as service:
        who = _who(service, user)
        if to is not None:
            case = service.transition(
                case_id, who, to, reason or "", _version(service, case_id, version)
            )
            _print_case(
                case, json_, f"{case.case_id} is now {case.status} (version {case.version})."
            )
            return
        assert match is not None
        if verdict not in VERDICTS:
            raise InputError.at(
                "--verdict must be true_match or false_match", field="verdict", value=verdict
            )
        party_key, entity_fp = service.match_keys(case_id, match, party, fingerprint)
        judgement = service.decide_match(
            case_id, who, party_key, match, cast(Verdict, verdict), entity_fp, note=reason
        )
    if json_:
        print_json(judgement.to_json())
    else:
        console.print(
            safe_text(
                f"{judgement.case_id}: {party_key} vs {match} judged {judgement.verdict}; "
                "screening will reuse it."
            ),
            highlight=False,
        )


@cases_app.command("reopen")
def reopen_cmd(
    case_id: CaseArg,
    reason: Annotated[str, typer.Option(help="Why the case is reopened.")],
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    version: VersionOpt = None,
    user: UserOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Supervisor action: take a reported or closed case back to in_review."""
    with case_service(workspace) as service:
        who = _who(service, user)
        case = service.reopen(case_id, who, reason, _version(service, case_id, version))
    _print_case(
        case, json_, f"{case.case_id} reopened: now {case.status} (version {case.version})."
    )


@cases_app.command("evidence")
def evidence_cmd(
    case_id: CaseArg,
    kind: Annotated[str, typer.Argument(help="transaction, document, screening_match or other.")],
    ref: Annotated[str, typer.Argument(help="Transaction id, document path or reference.")],
    explanation: Annotated[str | None, typer.Option(help="What it shows.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    user: UserOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Attach evidence to a case (adding the same item twice keeps one)."""
    with case_service(workspace) as service:
        who = _who(service, user)
        ev = service.add_evidence(case_id, who, kind, ref, explanation=explanation)
    if json_:
        print_json(ev.to_json())
    else:
        console.print(
            safe_text(f"{ev.case_id}: evidence {ev.id} ({ev.kind} {ev.ref})."), highlight=False
        )


@cases_app.command("history")
def history_cmd(
    case_id: CaseArg, workspace: WorkspaceOpt = Path(DEFAULT_DIR), json_: JsonOpt = False
) -> None:
    """The case's audit log: every change, who made it, when, and the value before and after."""
    with case_service(workspace) as service:
        entries = service.history(case_id)
    if json_:
        print_json([e.to_json() for e in entries])
        return
    print_table(
        f"History of {entries[0].case_id if entries else case_id}",
        ["#", "when (UTC)", "who", "what", "id", "action", "field", "before", "after"],
        [
            [
                e.id,
                f"{e.at:%Y-%m-%d %H:%M:%S}",
                e.user,
                e.entity_type,
                e.entity_id,
                e.action,
                e.field or "",
                e.before or "",
                e.after or "",
            ]
            for e in entries
        ],
    )


@cases_app.command("workflow")
def workflow_cmd(json_: JsonOpt = False) -> None:
    """The status workflow: every allowed transition and who may make it."""
    rows = workflow_table()
    if json_:
        print_json([{"from": a, "to": b, "role": r} for a, b, r in rows])
    else:
        print_table("Case workflow", ["from", "to", "role"], [list(r) for r in rows])
