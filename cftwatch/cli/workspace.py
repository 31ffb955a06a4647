"""`cftwatch init` and `cftwatch tables`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cftwatch.app.reporting import init_reporting
from cftwatch.cli._app import (
    DEFAULT_DIR,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    open_workspace,
    print_json,
    print_table,
)
from cftwatch.workspace import Workspace

# --- workspace-------------------------------------------------------------------


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Workspace folder to create.")] = Path(DEFAULT_DIR),
    engine: Annotated[str, typer.Option(help="Default engine: duckdb or spark.")] = "duckdb",
    currency: Annotated[
        str | None,
        typer.Option(
            help="The institution's currency (ISO 4217, default PKR): monitoring's money "
            "thresholds are in it (defaults converted; rates under institution.exchange_rates)."
        ),
    ] = None,
    reporting_entity_id: Annotated[
        str | None, typer.Option(help="goAML: the id the FIU gave you (a positive integer).")
    ] = None,
    branch: Annotated[str | None, typer.Option(help="goAML: your reporting branch.")] = None,
    reporting_user_code: Annotated[
        str | None, typer.Option(help="goAML: the filer's goAML user name (4-50 characters).")
    ] = None,
    institution_code: Annotated[
        str | None, typer.Option(help="goAML: your bank code on own accounts.")
    ] = None,
    swift: Annotated[str | None, typer.Option(help="goAML: your BIC (if no bank code).")] = None,
    location_type: Annotated[
        str | None, typer.Option(help="goAML location: the FIU's address type code.")
    ] = None,
    location_address: Annotated[str | None, typer.Option(help="goAML location: street.")] = None,
    location_city: Annotated[str | None, typer.Option(help="goAML location: city.")] = None,
    location_country: Annotated[
        str | None, typer.Option(help="goAML location: ISO alpha-2 country.")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Create a workspace: the analytical store, the operational store and a config file.
    The goAML options write the institution's reporting details (all validated together;
    docs/reporting.md lists what goAML makes mandatory)."""
    with Workspace.init(path, engine=engine, currency=currency) as ws:
        init_reporting(
            ws,
            reporting_entity_id=reporting_entity_id,
            branch=branch,
            reporting_user_code=reporting_user_code,
            institution_code=institution_code,
            swift=swift,
            location={
                "address_type": location_type,
                "address": location_address,
                "city": location_city,
                "country_code": location_country,
            },
        )
        counts = ws.table_counts()
    if json_:
        print_json({"workspace": str(path), "currency": currency, "tables": counts})
    else:
        console.print(f"Workspace ready in [bold]{path}[/] ({len(counts)} tables).")


@app.command()
def tables(workspace: WorkspaceOpt = Path(DEFAULT_DIR), json_: JsonOpt = False) -> None:
    """List the tables in the analytical store and their row counts."""
    with open_workspace(workspace, read_only=True) as ws:
        counts = ws.table_counts()
    if json_:
        print_json(counts)
    else:
        print_table("Tables", ["table", "rows"], [[k, f"{v:,}"] for k, v in counts.items()])
