"""`cftwatch report`: a case as a validated goAML XML report."""

from __future__ import annotations
