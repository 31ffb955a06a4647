"""The `cftwatch` command. One module per stage registers its commands on the shared app.

Exit codes: 0 success; 2 bad input, configuration or a refused action; 3 not found;
4 conflict; 5 the audit log's hash chain is broken (`cftwatch audit verify`);
1 an unexpected failure (a bug: please report it).
"""

from __future__ import annotations

from cftwatch.cli import (  # noqa: F401 - importing registers the commands
    alerts,
    audit,
    cases,
    demo,
    ingest,
    keys,
    lists,
    monitoring,
    network,
    reporting,
    rules_tuning,
    screening,
    serve,
    synth,
    users,
    webhooks,
    workspace,
)
from cftwatch.cli._app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
