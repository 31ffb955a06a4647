"""The built-in rule pack: one module per rule, each defining one `RuleSpec` named `RULE`.

Add a rule by adding a module here; `cftwatch.monitoring.registry` finds it (no list to
edit). Money parameters are `Money` in the institution's currency (defaults written in
PKR and converted through `institution.exchange_rates`; each payment is converted too) or
relative amounts (`q99.5`, `3x_peer_median`). Defaults were tuned on `cftwatch.synth` and
checked on AMLSim (see `benchmarks/monitoring_quality.py` and docs/benchmarks.md).
"""
