"""`cftwatch screen` and `cftwatch screen-judge`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cftwatch.app.screening import judge, screen_workspace
from cftwatch.cli._app import (
    DEFAULT_DIR,
    JsonOpt,
    WorkspaceOpt,
    acting_user,
    app,
    console,
    open_workspace,
    print_json,
    print_table,
    progress,
    safe_text,
)
from cftwatch.errors import InputError
from cftwatch.screening import (
    Match,
    NameQuery,
    find_listed_names,
    load_screener,
    read_name_mapping,
    read_name_queries,
    screen_queries,
)


@app.command("screen")
def screen_command(
    name: Annotated[str | None, typer.Argument(help="A name to screen.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="CSV of names to screen.")] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML: name/kind/birth_date/... -> column.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="person or organization.")] = None,
    birth_date: Annotated[str | None, typer.Option("--dob", help="YYYY[-MM-DD].")] = None,
    country: Annotated[str | None, typer.Option(help="ISO alpha-2 country.")] = None,
    identifier: Annotated[
        list[str] | None, typer.Option("--id", help="Passport, CNIC or wallet address.")
    ] = None,
    father: Annotated[
        str | None,
        typer.Option("--father", help="Father's name (also read from 'NAME S/O FATHER')."),
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Alert threshold (default 0.85).")
    ] = None,
    transactions: Annotated[
        bool, typer.Option("--transactions", help="Screen counterparties; write alerts.")
    ] = False,
    parties: Annotated[
        bool, typer.Option("--parties", help="Screen the workspace parties; write alerts.")
    ] = False,
    rescreen: Annotated[
        bool, typer.Option("--rescreen", help="Screen only changed list entries.")
    ] = False,
    narrative: Annotated[
        str | None, typer.Option("--narrative", help="Find listed names in free text.")
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Screen names against the loaded sanctions and proscription lists, with reasons."""
    ws = open_workspace(workspace, read_only=not (transactions or parties or rescreen))
    if transactions or parties or rescreen:
        summary = screen_workspace(
            ws, parties=parties, transactions=transactions, rescreen=rescreen, threshold=threshold
        )
        if json_:
            print_json(summary)
        else:
            for part, counts in summary.items():
                console.print(f"{part}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return
    screener = load_screener(ws)
    queries: list[NameQuery]
    if file is not None:
        queries = read_name_queries(file, read_name_mapping(mapping))
    elif narrative is not None:
        _emit(narrative, find_listed_names(narrative, screener, threshold), json_)
        return
    elif name is not None:
        queries = [NameQuery(name, kind, birth_date, country, tuple(identifier or ()), father)]
    else:
        raise InputError.at("give a NAME, --file, --narrative, --parties or --transactions")
    with progress() as bar:
        task = bar.add_task("screening", total=len(queries))
        for query, matches in screen_queries(screener, queries, threshold):
            bar.advance(task)
            _emit(query.name or "", matches, json_)


def _emit(query: str, matches: list[Match], json_: bool) -> None:
    if json_:
        print_json({"query": query, "results": [m.to_dict() for m in matches]})
        return
    rows = [
        [f"{m.score:.2f}", m.list_id, m.list_ref, m.matched_name, "\n".join(m.explanation)]
        for m in matches
    ]
    print_table(query, ["score", "list", "reference", "matched name", "why"], rows)


@app.command("screen-judge")
def judge_command(
    party: Annotated[str, typer.Argument(help="Party key (party_id) as screened.")],
    entity: Annotated[str, typer.Argument(help="List entity id, e.g. un:QDi.422.")],
    verdict: Annotated[str, typer.Option(help="true_match or false_match.")],
    user: Annotated[
        str | None,
        typer.Option(help="Act as this user (admins only; default: your OS user)."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Remember an analyst's verdict; a false match stays suppressed until the entry changes."""
    who = acting_user(user, workspace)
    ws = open_workspace(workspace)
    j = judge(ws, party, entity, verdict, who, note)
    out = {"party_key": j.party_key, "entity_id": j.entity_id, "verdict": j.verdict}
    if json_:
        print_json(out)
    else:
        console.print(safe_text(f"recorded {j.verdict} for {j.party_key} / {j.entity_id}"))
