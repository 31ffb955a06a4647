"""`cftwatch rules calibrate` and `cftwatch rules backtest`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cftwatch.cli._app import (
    DEFAULT_DIR,
    EngineOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    err_console,
    open_workspace,
    print_json,
    print_table,
)
from cftwatch.cli.monitoring import RulesOpt, _load_rules, rules_app
from cftwatch.errors import ConfigError, Problem


def _rate(text: str, field: str = "target-alert-rate", upto_all: bool = False) -> float:
    """`0.5%` or `0.005` -> 0.005 (above 0 and below 100%, or up to 100% with `upto_all`)."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ConfigError(
            Problem("expected a rate such as 0.5% or 0.005", field=field, value=text)
        ) from None
    if not (0 < value < 1 or (upto_all and value == 1)):
        raise ConfigError(Problem("must be between 0 and 100%", field=field, value=text))
    return value


@rules_app.command("calibrate")
def rules_calibrate(
    output: Annotated[Path, typer.Option("--output", "-o", help="rules.yaml to write.")],
    target_alert_rate: Annotated[
        str,
        typer.Option("--target-alert-rate", help="Most accounts each rule may alert (0.5%)."),
    ] = "0.5%",
    hub_alert_rate: Annotated[
        str,
        typer.Option(
            "--hub-alert-rate",
            help="Most hub-like accounts (20+ counterparties) each rule may alert "
            "(2%; 100% leaves hubs out of it).",
        ),
    ] = "2%",
    rules: RulesOpt = None,
    engine: EngineOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Propose thresholds from this institution's own (unlabelled) transactions."""
    from cftwatch.monitoring import default_rules_config
    from cftwatch.monitoring.calibrate import calibrate

    rate = _rate(target_alert_rate)
    hub_rate = _rate(hub_alert_rate, "hub-alert-rate", upto_all=True)
    cfg = _load_rules(rules, json_) if rules else default_rules_config()
    with open_workspace(workspace, engine) as ws:
        result = calibrate(ws, cfg, rate, engine=ws.engine_name, hub_alert_rate=hub_rate)
    output.write_text(result.to_yaml(), encoding="utf-8")
    if json_:
        print_json({"output": str(output), "decisions": [d.__dict__ for d in result.decisions]})
        return
    for d in result.decisions:
        console.print(f"- {d.why}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"wrote {output}", highlight=False, markup=False)


def _report_rows(report: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for name, s in [("(pack)", report["pack"]), *report["rules"].items()]:
        recall = ", ".join(f"{t} {v:.0%}" for t, v in s["recall"].items() if v)
        rows.append(
            [name, f"{s['alerts']:,}", f"{s['alert_rate']:.2%}", f"{s['precision']:.2f}",
             f"{s['lift']:g}", f"{s['hubs_alerted_share']:.1%}", recall or "-"]
        )  # fmt: skip
    return rows


@rules_app.command("backtest")
def rules_backtest(
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="CSV of labelled instances: instance_id, typology, member_accounts, txn_ids "
            "(;-separated), optional is_sar.",
        ),
    ] = None,
    cases: Annotated[
        bool,
        typer.Option(
            "--cases",
            help="Use the decided cases as labels: reported = positive, closed_no_action = "
            "negative.",
        ),
    ] = False,
    sweep: Annotated[
        str | None,
        typer.Option("--sweep", help="RULE.PARAM=V1,V2,...: that rule alone at each value."),
    ] = None,
    hub_degree: Annotated[
        int, typer.Option("--hub-degree", help="Distinct counterparties that make a hub.")
    ] = 20,
    rules: RulesOpt = None,
    engine: EngineOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_DIR),
    json_: JsonOpt = False,
) -> None:
    """Recall, precision and alert volume per rule and typology against labels or cases."""
    from cftwatch.monitoring import default_rules_config
    from cftwatch.monitoring.backtest import backtest, read_instances
    from cftwatch.monitoring.backtest import sweep as run_sweep

    if (labels is None) == (not cases):
        raise ConfigError(Problem("give either --labels FILE or --cases", field="labels"))
    if cases:
        if sweep:
            raise ConfigError(Problem("--sweep needs --labels", field="sweep"))
        _backtest_cases(_load_rules(rules, json_) if rules else default_rules_config(),
                        engine, workspace, hub_degree, json_)  # fmt: skip
        return
    assert labels is not None
    instances = read_instances(labels)
    cfg = _load_rules(rules, json_) if rules else default_rules_config()
    with open_workspace(workspace, engine) as ws:
        if sweep:
            rows = run_sweep(ws, cfg, instances, sweep, engine=ws.engine_name,
                             hub_degree=hub_degree)  # fmt: skip
            report = None
        else:
            report = backtest(ws, cfg, instances, engine=ws.engine_name, hub_degree=hub_degree)
    if report is None:
        if json_:
            print_json(rows)
            return
        print_table(
            f"Sweep {sweep}",
            ["value", "alerts", "alert rate", "precision", "lift", "hubs", "recall"],
            [[f"{r['value']:g}", *_report_rows({"pack": r, "rules": {}})[0][1:]] for r in rows],
        )
        return
    out = report.to_dict()
    if json_:
        print_json(out)
        return
    print_table(
        f"Backtest: {out['accounts']:,} accounts, base rate {out['base_rate']:.2%}, "
        f"{out['benign_hubs']:,} benign hubs",
        ["rule", "alerts", "alert rate", "precision", "lift", "hubs alerted", "recall"],
        _report_rows(out),
    )
    if not instances:
        err_console.print("warning: the labels file holds no instance", highlight=False)


def _backtest_cases(
    cfg: Any, engine: str | None, workspace: Path, hub_degree: int, json_: bool
) -> None:
    from cftwatch.app.backtest import backtest_cases

    with open_workspace(workspace, engine) as ws:
        result = backtest_cases(ws, cfg, engine=ws.engine_name, hub_degree=hub_degree)
    out = result.to_dict()
    if json_:
        print_json(out)
        return
    lab = out["labels"]
    rows = _report_rows(out)
    for row in rows:
        d = result.decided_precision.get(row[0])
        row.insert(4, "-" if d is None else f"{d:.2f}")
    print_table(
        f"Backtest on decided cases: {lab['positives']:,} reported, {lab['negatives']:,} closed "
        f"without action ({lab['open_cases']:,} open, {lab['without_transactions']:,} without "
        f"transactions left out); {out['accounts']:,} accounts",
        ["rule", "alerts", "alert rate", "precision", "decided precision", "lift",
         "hubs alerted", "recall"],
        rows,
    )  # fmt: skip
    if not result.labels.instances:
        err_console.print("warning: no decided case to backtest against", highlight=False)
