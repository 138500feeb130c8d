"""Shared fixtures and helpers of the test suite (small-scale models, scenario variants)."""

from __future__ import annotations

import copy
import os
from pathlib import Path

# at least two numba threads, so that the thread-count identity test runs everywhere (set before
# numba is imported; more threads than cores only share them)
os.environ.setdefault("NUMBA_NUM_THREADS", str(max(2, os.cpu_count() or 1)))

import pytest
import yaml

from povsim.schema.config import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
XIXIU = ROOT / "scenarios" / "xixiu.yaml"


@pytest.fixture(scope="session")
def xixiu() -> Scenario:
    """The Xixiu scenario as loaded from its file."""
    return load_scenario(XIXIU)


@pytest.fixture(scope="session")
def xixiu_data() -> dict:
    """The Xixiu scenario file as a plain dict (``yaml.safe_load``); copy before mutating."""
    return yaml.safe_load(XIXIU.read_text(encoding="utf-8"))


@pytest.fixture
def scenario_dict(xixiu_data) -> dict:
    """A fresh deep copy of the Xixiu scenario dict, free to mutate."""
    return copy.deepcopy(xixiu_data)


def make_variant(sc: Scenario, **changes) -> Scenario:
    """A copy of ``sc`` with dotted fields replaced, validated like a file.

    ``make_variant(sc, **{"household_exit_margin.value": 0.1})``
    """
    data = sc.model_dump()
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split(".")
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        node[last] = value
    return Scenario.model_validate(data)


@pytest.fixture(scope="session")
def variant():
    """``variant(sc, **{"dotted.field": value})``: a validated copy with fields replaced."""
    return make_variant
