"""Orchestration: what combines stages (case → report, screening a file, the demo,
re-screening after a list update). The CLI and the server call these; stages never do."""

from __future__ import annotations
