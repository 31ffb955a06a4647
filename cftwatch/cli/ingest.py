"""`cftwatch ingest` (owned by the ingest stage)."""

from __future__ import annotations
