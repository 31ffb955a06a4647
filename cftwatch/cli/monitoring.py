"""`cftwatch monitor` and `cftwatch rules ...`."""

from __future__ import annotations
