"""`cftwatch monitor` and `cftwatch rules ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cftwatch.app.decide import sync_decided_payments
from cftwatch.cli._app import (
    DEFAULT_DIR,
    EngineOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    console,
    err_console,
    open_workspace,
    print_json,
    print_table,
    progress,
    safe_text,
)
from cftwatch.errors import NotFoundError, RuleConfigError


def _load_rules(path: Path, json_: bool) -> Any:
    """Validate a rules file; on failure list every problem (file:line, key path, value)."""
    from cftwatch.monitoring import load_rules_config

    try:
        return load_rules_config(path)
    except RuleConfigError as exc:
        if json_:
            print_json(exc.to_dict())
        for p in exc.problems:
            where = f"{p.file}:{p.record}" if p.record is not None else str(p.file or "")
            value = "" if p.value is None else f" (value {p.value!r})"
            err_console.print(
                "[bold red]error:[/] " + safe_text(f"{where}: {p.field or ''}{value}: {p.reason}"),
                highlight=False,
                soft_wrap=True,
            )
        raise typer.Exit(exc.exit_code) from None


rules_app = typer.Typer(help="The monitoring rule pack: list, show, check a rules.yaml, docs.")
app.add_typer(rules_app, name="rules")

RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", help="rules.yaml with thresholds and enabled rules (validated first)."),
]


@app.command()
def monitor(
    rules: RulesOpt = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only windows ending on or after this date (YYYY-MM-DD); each rule still "
            "reads its lookback before it.",
        ),
    ] = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="Run only this rule (repeatable).")
    ] = None,
    engine: EngineOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Run the monitoring rules over the workspace's transactions and store new alerts."""
    from cftwatch.monitoring import run_rules

    cfg = _load_rules(rules, json_) if rules else None  # validated before anything runs
    with open_workspace(workspace, engine) as ws, progress() as bar:
        sync_decided_payments(ws)  # payments the decision service let through
        task = bar.add_task("monitoring", total=None)

        def step(rule_id: str, done: int, total: int) -> None:
            bar.update(task, description=rule_id, completed=done, total=total)

        run = run_rules(ws, cfg, engine=ws.engine_name, since=since, progress=step, rule_ids=rule)
    if json_:
        print_json(run.to_dict())
        return
    rows: list[list[Any]] = [
        [
            r.rule_id,
            r.typology,
            f"{r.alerts:,}",
            f"{r.new:,}",
            r.skipped or f"{r.seconds:.2f}",
        ]
        for r in run.rules
    ]
    print_table(
        f"Monitoring run {run.run_id} ({run.engine})",
        ["rule", "typology", "alerts", "new", "seconds"],
        rows,
    )
    span = (
        f"{run.data_start:%Y-%m-%d} to {run.data_end:%Y-%m-%d}"
        if run.data_start and run.data_end
        else "no transactions"
    )
    console.print(
        f"{run.transactions:,} transactions ({span}); {run.alerts.num_rows:,} alerts found, "
        f"{run.new_alerts:,} new; {run.seconds:.1f} s.",
        highlight=False,
    )
    if run.date_only:
        console.print(
            "Date-only data (every timestamp at midnight): payments of the same day may be "
            "consecutive legs (setting same_day_legs).",
            highlight=False,
        )
    for w in run.warnings:
        err_console.print(
            f"[bold yellow]warning:[/] {escape(w.rule_id)}: {escape(w.message)}.",
            highlight=False,
            soft_wrap=True,
        )


@rules_app.command("list")
def rules_list(json_: JsonOpt = False) -> None:
    """The built-in rules with their typology and default severity."""
    from cftwatch.monitoring import builtin_rules

    specs = builtin_rules()
    if json_:
        print_json(
            [
                {"id": s.id, "typology": s.typology, "severity": s.severity, "title": s.title}
                for s in specs
            ]
        )
        return
    print_table(
        "Built-in rules",
        ["rule", "typology", "severity", "title"],
        [[s.id, s.typology, s.severity, s.title] for s in specs],
    )


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="Rule id (see `cftwatch rules list`).")],
    json_: JsonOpt = False,
) -> None:
    """A rule's documentation: what it detects, why, its parameters and look-alikes."""
    from cftwatch.monitoring import builtin_rules
    from cftwatch.monitoring.docs import rule_markdown

    specs = {s.id: s for s in builtin_rules()}
    spec = specs.get(rule_id)
    if spec is None:
        raise NotFoundError(f"no rule {rule_id!r}; known rules: {', '.join(specs)}")
    if json_:
        data = spec.model_dump(mode="json")
        data["lookback"] = spec.lookback_text()
        print_json(data)
        return
    print(rule_markdown(spec), end="")


@rules_app.command("check")
def rules_check(
    path: Annotated[Path, typer.Argument(help="rules.yaml to validate.")],
    json_: JsonOpt = False,
) -> None:
    """Validate a rules file and print the effective settings of each rule."""
    cfg = _load_rules(path, json_)
    if json_:
        print_json(cfg.to_dict())
        return
    print_table(
        f"{path}: valid",
        ["rule", "enabled", "severity", "changed parameters"],
        [
            [
                rid,
                "yes" if r.enabled else "no",
                r.severity,
                ", ".join(
                    f"{k}={v}" for k, v in r.params.items() if r.spec.defaults().get(k, v) != v
                ),
            ]
            for rid, r in cfg.rules.items()
        ],
    )


@rules_app.command("docs")
def rules_docs(
    out: Annotated[Path, typer.Option("--out", help="Folder for the pages.")] = Path("docs/rules"),
    check: Annotated[bool, typer.Option("--check", help="Fail if a page is out of date.")] = False,
) -> None:
    """Write (or check) one Markdown page per rule, generated from the rule specs."""
    from cftwatch.monitoring.docs import stale_rule_docs, write_rule_docs

    if check:
        stale = stale_rule_docs(out)
        if stale:
            console.print(f"out of date in {out}: {', '.join(stale)}")
            raise typer.Exit(1)
        console.print(f"{out}: up to date.")
        return
    written = write_rule_docs(out)
    console.print(f"wrote {len(written)} pages to {out}")
