"""`cftwatch report`: a case as a validated goAML XML report.

Reads the case from the operational store, its transactions and parties from the
workspace's canonical tables, builds the report for an FIU profile, validates it against
the XSD (the FIU's via `--xsd`, else the profile's bundled one) and writes it only if it
validates; the report's hash and profile are recorded on the case. Exit 2 with every
violation listed when it does not validate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer
from rich.table import Table

from cftwatch.app.reporting import CaseReport, write_case_report
from cftwatch.cli._app import (
    DEFAULT_DIR,
    USER_ENV,
    JsonOpt,
    WorkspaceOpt,
    acting_user,
    app,
    console,
    err_console,
    open_workspace,
    os_user,
    print_json,
    print_table,
    progress,
    safe_text,
)
from cftwatch.errors import InputError
from cftwatch.reporting import REPORT_TYPES, ReportType, ReportValidationError


def _print_violations(exc: ReportValidationError) -> None:
    rows = [
        [i + 1, v.field or v.element or "report", v.message, v.record or "", v.source or ""]
        for i, v in enumerate(exc.violations)
    ]
    err_console.print(
        f"[bold red]The report does not validate: {len(rows)} violation(s); nothing was written.[/]"
    )
    table = Table(show_lines=False)
    for name in ("#", "field", "problem", "record", "comes from"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(safe_text(c) for c in row))
    err_console.print(table)


@app.command("report")
def report_command(
    case_id: Annotated[str, typer.Argument(help="Case id, e.g. CASE-000042 (or 42).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the report XML.")
    ] = Path("report.xml"),
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            help="FIU profile: generic, fmu-pk, or a profile YAML path "
            "(default: the workspace's reporting.default_profile, else generic).",
        ),
    ] = None,
    xsd: Annotated[
        Path | None,
        typer.Option(
            "--xsd",
            help="The FIU's XSD (fmu-pk needs FMU's goAML_Schema.xsd); "
            "default: the profile's bundled XSD.",
        ),
    ] = None,
    report_type: Annotated[
        str | None,
        typer.Option(
            "--type",
            "-t",
            help="STR (with transactions), SAR (activity, no transactions) or CTR "
            "(cash at or over the threshold); default STR when the case has transactions.",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            "-u",
            help=f"File it as this user (default ${USER_ENV}); only an admin may name another "
            "user than the OS user. Filing needs the supervisor role; a --draft, analyst.",
        ),
    ] = None,
    draft: Annotated[
        bool,
        typer.Option(
            "--draft",
            help="Build a draft for a case in any status: marked DRAFT (file name and an XML "
            "comment) and never recorded as filed.",
        ),
    ] = False,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Write a case as a goAML report, only if it validates and the case is escalated;
    record it on the case (a --draft is never recorded)."""
    kind = _report_type(report_type)
    who = acting_user(user, workspace)
    actor = os_user()
    ws = open_workspace(workspace)
    try:
        with progress() as bar:
            bar.add_task("Building, validating and writing the report", total=None)
            try:
                done = write_case_report(
                    ws,
                    case_id,
                    output,
                    user=who,
                    actor=actor,
                    profile=profile,
                    xsd=xsd,
                    report_type=kind,
                    draft=draft,
                )
            except ReportValidationError as exc:
                if not json_:
                    _print_violations(exc)
                raise
    finally:
        ws.close()
    _print_written(done, json_)


def _report_type(value: str | None) -> ReportType | None:
    """`--type` as a report type (case-insensitive), or None for the default."""
    if value is None:
        return None
    upper = value.strip().upper()
    if upper not in REPORT_TYPES:
        raise InputError.at(f"not one of {', '.join(REPORT_TYPES)}", field="--type", value=value)
    return cast(ReportType, upper)


def _print_written(done: CaseReport, json_: bool) -> None:
    result = done.to_dict()
    written = done.written
    if json_:
        print_json(result)
        return
    what = "DRAFT, not filed" if done.draft else "valid"
    print_table(
        f"goAML {written.report_type} for {done.report.case_id} ({what})",
        ["field", "value"],
        [[k, ", ".join(v) if isinstance(v, list) else v] for k, v in result.items()],
    )
    console.print(f"Wrote {written.path} ({written.bytes:,} bytes, sha256 {written.sha256[:16]}…).")
