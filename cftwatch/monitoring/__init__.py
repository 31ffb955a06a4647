"""Transaction monitoring: a terrorist-financing rule pack written once in Ibis and run on
DuckDB or Spark.

```python
from cftwatch.monitoring import builtin_rules, load_rules_config, run_rules

run = run_rules(ws, load_rules_config("rules.yaml"), engine="duckdb", since="2026-01-15")
run.to_dict()  # alerts per rule, seconds; the alerts are in the workspace's `alerts` table
```
"""

from __future__ import annotations

from cftwatch.monitoring.config import (
    RuleConfig,
    RuleSetting,
    builtin_rules,
    default_rules_config,
    load_rules_config,
    resolve_rules_config,
)
from cftwatch.monitoring.runner import (
    RUNS_TABLE,
    MonitoringRun,
    RuleResult,
    read_runs,
    rules_version,
    run_rules,
    top_alerts,
    workspace_rules_config,
)
from cftwatch.monitoring.spec import ParamSpec, RuleInput, RuleSpec, params_hash

__all__ = [
    "RUNS_TABLE",
    "MonitoringRun",
    "ParamSpec",
    "RuleConfig",
    "RuleInput",
    "RuleResult",
    "RuleSetting",
    "RuleSpec",
    "builtin_rules",
    "default_rules_config",
    "load_rules_config",
    "params_hash",
    "read_runs",
    "resolve_rules_config",
    "rules_version",
    "run_rules",
    "top_alerts",
    "workspace_rules_config",
]
