"""Payment decisions in flight: ACCEPT | REVIEW | BLOCK with reasons (filled in below)."""

from __future__ import annotations

from pathlib import Path

from cftwatch.screening import Screener, load_screener
from cftwatch.store import OperationalStore
from cftwatch.workspace import Workspace


class DecisionEngine:
    """Screener, rule thresholds and per-account state of one running service."""

    def __init__(self, workspace_path: Path, store: OperationalStore, screener: Screener) -> None:
        self.workspace_path, self.store, self.screener = workspace_path, store, screener

    @classmethod
    def start(
        cls, workspace_path: Path, store: OperationalStore, *, state_url: str | None = None
    ) -> DecisionEngine:
        with Workspace.open(workspace_path, read_only=True) as ws:
            screener = load_screener(ws)
        return cls(workspace_path, store, screener)

    def close(self) -> None:
        pass
