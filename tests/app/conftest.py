from __future__ import annotations

from tests.reporting.conftest import tables, xsd

__all__ = ["tables", "xsd"]
