"""`cftwatch cases ...` and `cftwatch report`."""

from __future__ import annotations
