"""`cftwatch screen`."""

from __future__ import annotations
