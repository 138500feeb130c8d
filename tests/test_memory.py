"""A finished run frees its model: repeated runs (replicates, comparisons, sweeps) do not grow."""

from __future__ import annotations

import gc

from povsim.engine.model import PovertyModel
from povsim.engine.replicate import run_replicate
from povsim.schema.config import load_scenario


def _live_models() -> int:
    gc.collect()
    # type(), not isinstance(): another library's dead weakref.proxy among the objects raises
    # on isinstance (it asks the proxy for its class)
    return sum(issubclass(type(o), PovertyModel) for o in gc.get_objects())


def test_run_replicate_leaves_no_model_behind():
    sc = load_scenario("scenarios/sanba.yaml")
    before = _live_models()
    for r in range(3):
        run_replicate(sc, 1, r, scale=500, households=True)
    assert _live_models() == before
