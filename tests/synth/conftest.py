from __future__ import annotations

import pytest

from cftwatch.synth import TYPOLOGIES, SynthConfig, generate_synth

SMALL = dict(accounts=4_000, days=30, rates={t: 6.0 for t in TYPOLOGIES})
"""Small but with several instances of every typology (6 per 10k accounts -> 2-3 each)."""


@pytest.fixture(scope="session", params=[11, 12, 2026])
def small_config(request) -> SynthConfig:
    """Structure checks run on three seeds (and one non-default currency threshold)."""
    if request.param == 2026:
        return SynthConfig(**SMALL, seed=request.param, reporting_threshold=500_000)
    return SynthConfig(**SMALL, seed=request.param)


@pytest.fixture(scope="session")
def small(small_config):
    return generate_synth(small_config)
