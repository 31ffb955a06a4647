"""The built-in rule pack: one module per rule, each defining one `RuleSpec` named `RULE`.

Add a rule by adding a module here; `cftwatch.monitoring.registry` finds it (no list to
edit). Money parameters are in the transaction's own currency (defaults suit PKR; no FX
conversion is done). Defaults were tuned on `cftwatch.synth` data (see
`benchmarks/monitoring_quality.py` and docs/benchmarks.md).
"""
