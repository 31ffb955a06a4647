"""`cftwatch report`: a case as a validated goAML XML report.

Reads the case from the operational store, its transactions and parties from the
workspace's canonical tables, builds the report for an FIU profile, validates it against
the XSD (the FIU's via `--xsd`, else the profile's bundled one) and writes it only if it
validates; the report's hash and profile are recorded on the case. Exit 2 with every
violation listed when it does not validate.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated, Any, cast

import duckdb
import pyarrow as pa
import typer

from cftwatch.cli._app import (
    DEFAULT_DIR,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    err_console,
    open_workspace,
    print_json,
    print_table,
    progress,
)
from cftwatch.errors import InputError
from cftwatch.reporting import (
    REPORT_TYPES,
    InstitutionInfo,
    ReportCase,
    ReportType,
    ReportValidationError,
    build_goaml_report,
    load_profile,
    write_goaml_report,
)
from cftwatch.workspace import Workspace

USER_ENV = "CFTWATCH_USER"
DEFAULT_PROFILE = "generic"


def _acting_user(user: str | None) -> str:
    if user and user.strip():
        return user.strip()
    env = os.environ.get(USER_ENV, "").strip()
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:
        raise InputError.at(
            f"cannot tell who you are: pass --user or set ${USER_ENV}", field="user"
        ) from exc


def case_tables(ws: Workspace, rcase: ReportCase) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The case's transactions, and the parties and accounts they (and the subject) name,
    read from the workspace's canonical tables."""
    con = ws.con.cursor()  # its own cursor: DuckDB 2 refuses work beside an unfinished result
    try:
        return _case_tables(con, rcase)
    finally:
        con.close()


def _case_tables(
    con: duckdb.DuckDBPyConnection, rcase: ReportCase
) -> tuple[pa.Table, pa.Table, pa.Table]:
    ids = pa.table({"txn_id": pa.array(rcase.all_txn_ids(), pa.string())})
    con.register("_report_txn_ids", ids)
    try:
        txns = con.sql(
            'SELECT t.* FROM "transactions" t JOIN _report_txn_ids i ON t.txn_id = i.txn_id'
        ).to_arrow_table()
    finally:
        con.unregister("_report_txn_ids")
    party_ids = {
        v
        for col in ("debtor_id", "creditor_id")
        for v in txns.column(col).to_pylist()
        if v is not None
    }
    account_ids = {
        v
        for col in ("debtor_account", "creditor_account")
        for v in txns.column(col).to_pylist()
        if v is not None
    }
    if rcase.subject_id and rcase.subject_type == "party":
        party_ids.add(rcase.subject_id)
    if rcase.subject_id and rcase.subject_type == "account":
        account_ids.add(rcase.subject_id)
    accounts = _rows_in(con, "accounts", "account_id", account_ids)
    party_ids |= {p for p in accounts.column("party_id").to_pylist() if p}
    parties = _rows_in(con, "parties", "party_id", party_ids)
    return txns, parties, accounts


def _rows_in(con: duckdb.DuckDBPyConnection, table: str, key: str, values: set[str]) -> pa.Table:
    con.register("_report_keys", pa.table({"k": pa.array(sorted(values), pa.string())}))
    try:
        return con.sql(
            f'SELECT t.* FROM "{table}" t JOIN _report_keys k ON t."{key}" = k.k'
        ).to_arrow_table()
    finally:
        con.unregister("_report_keys")


def _print_violations(exc: ReportValidationError) -> None:
    rows = [
        [i + 1, v.field or v.element or "report", v.message, v.record or "", v.source or ""]
        for i, v in enumerate(exc.violations)
    ]
    err_console.print(
        f"[bold red]The report does not validate: {len(rows)} violation(s); nothing was written.[/]"
    )
    from rich.table import Table

    table = Table(show_lines=False)
    for name in ("#", "field", "problem", "record", "comes from"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(str(c) for c in row))
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
        typer.Option("--user", "-u", help=f"Who files it (default ${USER_ENV}, else the OS user)."),
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Write a case as a goAML report, only if it validates; record it on the case."""
    from cftwatch.cases import CaseService
    from cftwatch.store import OperationalStore

    kind: ReportType | None = None
    if report_type is not None:
        upper = report_type.strip().upper()
        if upper not in REPORT_TYPES:
            raise InputError.at(
                f"not one of {', '.join(REPORT_TYPES)}", field="--type", value=report_type
            )
        kind = cast(ReportType, upper)
    who = _acting_user(user)
    ws = open_workspace(workspace)
    try:
        institution = InstitutionInfo.from_workspace(ws)
        fiu = load_profile(profile or institution.default_profile or DEFAULT_PROFILE)
        xsd_path = fiu.xsd_path(xsd)  # fail early when the FIU's XSD is needed
        store = OperationalStore.for_workspace(ws)
        try:
            service = CaseService(store)
            with progress() as bar:
                task = bar.add_task("Building the report", total=3)
                rcase = ReportCase.from_bundle(service.case_bundle(case_id))
                txns, parties, accounts = case_tables(ws, rcase)
                bar.advance(task)
                report = build_goaml_report(
                    rcase,
                    txns,
                    parties,
                    accounts=accounts,
                    institution=institution,
                    profile=fiu,
                    report_type=kind,
                )
                bar.advance(task)
                bar.update(task, description="Validating and writing")
                try:
                    written = write_goaml_report(report, output, profile=fiu, xsd=xsd_path)
                except ReportValidationError as exc:
                    if not json_:
                        _print_violations(exc)
                    raise
                bar.advance(task)
            record = store.record_report(
                rcase.case_id,
                who,
                written.sha256,
                fiu.name,
                report_code=written.report_code,
                path=str(written.path.resolve()),
            )
        finally:
            store.close()
    finally:
        ws.close()
    result: dict[str, Any] = {
        "case_id": rcase.case_id,
        "profile": fiu.name,
        **written.to_dict(),
        "report_id": record.id,
        "indicators": report.indicators,
    }
    if json_:
        print_json(result)
        return
    print_table(
        f"goAML {written.report_type} for {rcase.case_id} (valid)",
        ["field", "value"],
        [[k, ", ".join(v) if isinstance(v, list) else v] for k, v in result.items()],
    )
    console.print(f"Wrote {written.path} ({written.bytes:,} bytes, sha256 {written.sha256[:16]}…).")
