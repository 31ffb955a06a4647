"""cftwatch: counter-terrorist-financing screening, monitoring and goAML reporting.

The public API is re-exported here; stages live in their own packages and are imported
only when one of their names is first used, so `import cftwatch` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # foundation
    "Workspace": "cftwatch.workspace",
    "Engine": "cftwatch.engine",
    "CftwatchError": "cftwatch.errors",
    "InputError": "cftwatch.errors",
    "Problem": "cftwatch.errors",
    # ingest
    "ingest_files": "cftwatch.ingest",
    "IngestResult": "cftwatch.ingest",
    "load_mapping": "cftwatch.ingest",
    "ingest_samples": "cftwatch.ingest",
    # synth
    "SynthConfig": "cftwatch.synth",
    "generate_synth": "cftwatch.synth",
    "SynthData": "cftwatch.synth",
    "write_synth": "cftwatch.synth",
    "load_synth_into": "cftwatch.synth",
    # lists
    "parse_list": "cftwatch.lists",
    "load_list": "cftwatch.lists",
    "active_entities": "cftwatch.lists",
    "list_versions": "cftwatch.lists",
    "diff_versions": "cftwatch.lists",
    "entity_fingerprint": "cftwatch.lists",
    "update_lists": "cftwatch.lists",
    "export_ftm": "cftwatch.lists",
    "import_ftm": "cftwatch.lists",
    "find_entity": "cftwatch.lists",
    "list_clusters": "cftwatch.lists",
    # screening
    "Screener": "cftwatch.screening",
    "screen_name": "cftwatch.screening",
    "normalize_name": "cftwatch.screening",
    # monitoring
    "RuleSpec": "cftwatch.monitoring",
    "run_rules": "cftwatch.monitoring",
    "builtin_rules": "cftwatch.monitoring",
    "load_rules_config": "cftwatch.monitoring",
    "MonitoringRun": "cftwatch.monitoring",
    # operational store, cases and reporting
    "OperationalStore": "cftwatch.store",
    "Judgement": "cftwatch.store",
    "CaseService": "cftwatch.cases",
    "CaseBundle": "cftwatch.cases",
    "build_goaml_report": "cftwatch.reporting",
    "load_profile": "cftwatch.reporting",
    "write_goaml_report": "cftwatch.reporting",
    "validate_report": "cftwatch.reporting",
    "write_case_report": "cftwatch.app.reporting",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cftwatch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
