"""Documentation pages generated from the rule specs, so the docs cannot drift from the code.

    python -m cftwatch.monitoring.docs [DIR]          # write docs/rules/<id>.md and index
    python -m cftwatch.monitoring.docs --check [DIR]  # exit 1 if any page is out of date

`cftwatch rules show RULE_ID` prints the same page; a test checks `docs/rules` is in sync.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cftwatch.monitoring.config import SETTINGS, builtin_rules
from cftwatch.monitoring.money import REFERENCE_CURRENCY, to_currency
from cftwatch.monitoring.params import MAX_DAYS, MAX_HOPS, MAX_HOURS
from cftwatch.monitoring.spec import ParamSpec, RuleSpec, _num
from cftwatch.vocab import channel_groups

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "docs" / "rules"
HEADER = "<!-- generated from cftwatch/monitoring/rules/ by `python -m cftwatch.monitoring.docs`; do not edit -->"


def _value(v: object) -> str:
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v) if v else "(none)"
    if isinstance(v, float | int) and not isinstance(v, bool):
        return _num(float(v))
    return str(v)


MONEY_NOTE = (
    f"Money parameters: the default is written in {REFERENCE_CURRENCY} and converted to the "
    "institution's currency (`institution.currency`, `cftwatch init --currency`) at run "
    "time, through `institution.exchange_rates` or the reference rates (the USD figure "
    "shown); a plain number in `rules.yaml` is in the institution's currency, "
    '`"250 USD"` in the one it names. Each payment in another currency is converted the '
    "same way before it is compared (a currency with no rate is warned about). A money "
    "parameter may also be relative: `q99.5` is the 99.5th percentile of the institution's "
    "own payment amounts in the run's data; on a per-payment floor named `min_*`, "
    "`3x_own_median` keeps the payments at least 3 times the usual (median) payment of the "
    "account that sends or receives them, and `3x_peer_median` 3 times that of its peer "
    "group (same party type, account type and KYC level, from `cftwatch ingest parties` / "
    "`accounts`)."
)


def _default(p: ParamSpec) -> str:
    if p.kind != "money":
        return _value(p.default)
    usd = to_currency(p.default, "USD")
    return f"{_value(to_currency(p.default, REFERENCE_CURRENCY))} {REFERENCE_CURRENCY} (≈ {usd:,.2f} USD)"


def rule_markdown(spec: RuleSpec) -> str:
    """The page for one rule: what it detects, why it matters, parameters, look-alikes."""
    lines = [
        HEADER,
        "",
        f"# `{spec.id}`: {spec.title}",
        "",
        f"Typology: `{spec.typology}` · default severity: **{spec.severity}** · "
        f"lookback before `--since`: {spec.lookback_text()}",
        "",
        "## What it detects",
        "",
        spec.description,
        "",
        "## Why it matters for terrorist financing",
        "",
        spec.why,
        "",
        "## Parameters",
        "",
        "| name | type | default | bounds | unit | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for p in spec.params:
        lines.append(
            f"| `{p.name}` | {p.kind} | {_default(p)} | {p.bounds_text()} | {p.unit} | "
            f"{p.description} |"
        )
    if any(p.kind == "money" for p in spec.params):
        lines += ["", MONEY_NOTE]
    if spec.settings:
        lines += ["", "Shared settings it uses (`settings:` in `rules.yaml`):", ""]
        for name in spec.settings:
            s = SETTINGS[name]
            lines.append(f"- `{name}` (default {_value(s.default)}): {s.description}")
    lines += [
        "",
        "## Override in `rules.yaml`",
        "",
        "```yaml",
        "rules:",
        f"  {spec.id}:",
        "    enabled: true",
        f"    severity: {spec.severity}",
        "    params:",
        *[f"      {p.name}: {_yaml(p.default)}" for p in spec.params[:2]],
        "```",
    ]
    if spec.false_positives:
        lines += ["", "## Legitimate look-alikes", "", spec.false_positives]
    if spec.sources:
        lines += ["", "## Sources", ""] + [f"- {s}" for s in spec.sources]
    return "\n".join(lines) + "\n"


def _yaml(v: object) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return _value(v).replace(",", "") if isinstance(v, int | float) else str(v)


def index_markdown(specs: list[RuleSpec]) -> str:
    lines = [
        HEADER,
        "",
        "# Built-in monitoring rules",
        "",
        "| rule | typology | severity | what it detects |",
        "|---|---|---|---|",
    ]
    for s in specs:
        lines.append(f"| [`{s.id}`]({s.id}.md) | `{s.typology}` | {s.severity} | {s.title} |")
    return "\n".join(lines + _conventions()) + "\n"


def _conventions() -> list[str]:
    """What holds for every rule: channels, time limits, date-only data, run warnings."""
    groups = [f"- `{g}`: {', '.join(m)}" for g, m in channel_groups().items()]
    same_day = SETTINGS["same_day_legs"]
    return [
        "",
        "## Channels",
        "",
        "A channel parameter takes channels or these groups (`cftwatch/vocab/channels.yaml`), "
        "which stand for their members:",
        "",
        *groups,
        "",
        "## Time",
        "",
        f"Windows and waits go up to {MAX_DAYS} days ({MAX_HOURS:,} hours); cycles up to "
        f"{MAX_HOPS} hops.",
        "",
        "Data whose timestamps are all at midnight is date-only; the run summary says so. "
        f"`settings: same_day_legs` (default `{same_day.default}`): {same_day.description}",
        "",
        "## Run warnings",
        "",
        "`cftwatch monitor` (table and `--json`, key `warnings`) warns for each rule whose "
        "channel filter matches no transaction of the data, or whose floor on a single "
        "payment (the parameters marked a floor: `min_amount`, `min_payment`, `threshold` where "
        "they bound one payment, not a total) is above the 99.9th percentile "
        "of the data's amounts: such a rule cannot fire, and its zero means nothing.",
    ]


def rendered_pages() -> dict[str, str]:
    """File name -> content for every page (one per rule, plus README.md as the index)."""
    specs = builtin_rules()
    pages = {f"{s.id}.md": rule_markdown(s) for s in specs}
    pages["README.md"] = index_markdown(specs)
    return pages


def write_rule_docs(out: Path = DEFAULT_DIR) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered_pages().items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_rule_docs(out: Path = DEFAULT_DIR) -> list[str]:
    """Pages that are missing or differ from what the specs generate."""
    stale = []
    for name, text in rendered_pages().items():
        path = out / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    out = Path(rest[0]) if rest else DEFAULT_DIR
    if check:
        stale = stale_rule_docs(out)
        for name in stale:
            print(f"out of date: {out / name}")
        return 1 if stale else 0
    for path in write_rule_docs(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
