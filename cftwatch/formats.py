"""Layouts of external file formats that more than one stage needs (base layer).

The AMLworld header is read by `ingest.amlworld` and written by `synth.writers`; keeping it
here lets both agree without one stage importing the other.
"""

from __future__ import annotations

AMLWORLD_HEADER: tuple[str, ...] = (
    "Timestamp",
    "From Bank",
    "Account",
    "To Bank",
    "Account",
    "Amount Received",
    "Receiving Currency",
    "Amount Paid",
    "Payment Currency",
    "Payment Format",
    "Is Laundering",
)
"""IBM AMLworld CSV header (Altman et al., 2023); `Account` appears twice."""
