"""`cftwatch screen` and `cftwatch screen-judge`."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from cftwatch.cli._app import (
    DEFAULT_DIR,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    open_workspace,
    print_json,
    print_table,
    progress,
)
from cftwatch.errors import ConfigError, InputError

QUERY_FIELDS = ("name", "kind", "birth_date", "country", "identifiers", "father_name", "id")


def _read_mapping(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {"name": "name"}
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError.at(f"cannot read mapping: {exc}", file=str(path)) from None
    if not isinstance(data, dict) or "name" not in data:
        raise ConfigError.at("mapping needs a `name:` column", file=str(path), field="name")
    unknown = set(data) - set(QUERY_FIELDS)
    if unknown:
        raise ConfigError.at(
            f"unknown mapping keys; allowed: {', '.join(QUERY_FIELDS)}",
            file=str(path),
            field=",".join(sorted(unknown)),
        )
    return data


def _read_queries(path: Path, mapping: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError.at(f"cannot read CSV: {exc}", file=str(path)) from None
    if rows and mapping["name"] not in rows[0]:
        raise InputError.at(
            "name column not in the file", file=str(path), field="name", value=mapping["name"]
        )
    out = []
    for row in rows:
        query: dict[str, Any] = {}
        for key, column in mapping.items():
            if key == "identifiers":
                cols = column if isinstance(column, list) else [column]
                query[key] = [row[c] for c in cols if row.get(c)]
            else:
                query[key] = row.get(str(column)) or None
        out.append(query)
    return out


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
    from cftwatch.screening import Screener, rescreen_on_list_change
    from cftwatch.screening import screen_parties as run_parties
    from cftwatch.screening import screen_transactions as run_transactions

    ws = open_workspace(workspace)
    screener = Screener.from_workspace(ws)
    if transactions or parties or rescreen:
        summary: dict[str, Any] = {}
        if parties:
            summary["parties"] = run_parties(ws, screener=screener, threshold=threshold)
        if transactions:
            summary["transactions"] = run_transactions(ws, screener=screener, threshold=threshold)
        if rescreen:
            summary["rescreen"] = rescreen_on_list_change(ws, threshold=threshold)
        if json_:
            print_json(summary)
        else:
            for part, counts in summary.items():
                console.print(f"{part}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return
    queries: list[dict[str, Any]]
    if file is not None:
        queries = _read_queries(file, _read_mapping(mapping))
    elif narrative is not None:
        results = screener.screen_narrative(narrative, threshold)
        _emit(narrative, results, json_)
        return
    elif name is not None:
        queries = [
            {
                "name": name,
                "kind": kind,
                "birth_date": birth_date,
                "country": country,
                "identifiers": identifier or [],
            }
        ]
    else:
        raise InputError.at("give a NAME, --file, --narrative, --parties or --transactions")
    with progress() as bar:
        task = bar.add_task("screening", total=len(queries))
        for q in queries:
            matches = screener.screen_name(
                q.get("name") or "",
                q.get("kind"),
                q.get("birth_date"),
                q.get("country"),
                q.get("identifiers") or (),
                q.get("father_name"),
                threshold,
            )
            bar.advance(task)
            _emit(q.get("name") or "", matches, json_)


def _emit(query: str, matches: list[Any], json_: bool) -> None:
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
    user: Annotated[str, typer.Option(help="Analyst recording the verdict.")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Remember an analyst's verdict; a false match stays suppressed until the entry changes."""
    from cftwatch.screening import judge

    ws = open_workspace(workspace)
    j = judge(ws, party, entity, verdict, user, note)
    out = {"party_key": j.party_key, "entity_id": j.entity_id, "verdict": j.verdict}
    if json_:
        print_json(out)
    else:
        console.print(f"recorded {j.verdict} for {j.party_key} / {j.entity_id}")
