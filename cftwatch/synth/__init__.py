"""Synthetic payment networks with labelled terrorist-financing typologies.

`generate_synth(SynthConfig(...))` returns `SynthData` (canonical `transactions`, `parties`,
`accounts`, `labels`, and `patterns`); `write_synth` writes Parquet, AMLworld CSV or
ISO 20022 pacs.008 XML; `load_synth_into` appends a run to a workspace in one transaction.
"""

from __future__ import annotations

from cftwatch.synth.config import (
    DEFAULT_PARAMS,
    DEFAULT_RATES,
    DEFAULT_THRESHOLDS,
    TYPOLOGIES,
    SynthConfig,
)
from cftwatch.synth.generate import PATTERNS, SynthData, generate_synth
from cftwatch.synth.load import load_synth_into
from cftwatch.synth.writers import FORMATS, write_synth

__all__ = [
    "DEFAULT_PARAMS",
    "DEFAULT_RATES",
    "DEFAULT_THRESHOLDS",
    "FORMATS",
    "PATTERNS",
    "TYPOLOGIES",
    "SynthConfig",
    "SynthData",
    "generate_synth",
    "load_synth_into",
    "write_synth",
]
