"""The payment-graph fixture the network tests share."""

from __future__ import annotations

import pytest

from tests.network.test_motifs import edges_table


@pytest.fixture
def graph(workspace, engine_name):
    """Register an edges table on the engine under test; returns a loader."""
    eng = workspace.engine(engine_name)

    def load(*payments: tuple[str, str, float, float]):
        return eng.register("motif_edges", edges_table(*payments))

    return eng, load
