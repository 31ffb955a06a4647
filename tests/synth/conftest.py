from __future__ import annotations

import pytest

from cftwatch.synth import TYPOLOGIES, SynthConfig, generate_synth

SMALL = dict(accounts=4_000, days=30, seed=11, rates={t: 6.0 for t in TYPOLOGIES})
"""Small but with several instances of every typology (6 per 10k accounts -> 2-3 each)."""


@pytest.fixture(scope="session")
def small_config() -> SynthConfig:
    return SynthConfig(**SMALL)


@pytest.fixture(scope="session")
def small(small_config):
    return generate_synth(small_config)
