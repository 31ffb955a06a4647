"""`cftwatch demo`: the whole pipeline on built-in demo data."""

from __future__ import annotations
