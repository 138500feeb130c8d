"""The conventions of the statistics over incomes that can be negative (issue 17): the Gini
and the poverty-gap index count an income below zero as zero, so both lie in [0, 1], and
nothing changes where no income is negative."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from povsim.engine.stats import poverty_gap_index, sorted_gini, stable_argsort

incomes = arrays(np.float64, st.integers(1, 200), elements=st.floats(-1e5, 1e6))
weights = st.integers(1, 9).map(float)


@settings(max_examples=300, deadline=None)
@given(incomes, st.data())
def test_gini_lies_in_0_1_for_any_incomes(x, data):
    w = data.draw(arrays(np.float64, x.size, elements=weights))
    o = stable_argsort(x)
    g = sorted_gini(x[o], w[o])
    assert -1e-12 <= g <= 1.0 + 1e-12  # in [0, 1] up to rounding (equal incomes: -2e-16)


@settings(max_examples=300, deadline=None)
@given(incomes, st.data())
def test_gini_of_non_negative_incomes_is_the_lorenz_formula(x, data):
    x = np.abs(x)
    w = data.draw(arrays(np.float64, x.size, elements=weights))
    o = stable_argsort(x)
    xs, ws = x[o], w[o]
    total = (xs * ws).sum()
    if total == 0:
        return
    pop = np.concatenate([[0.0], np.cumsum(ws) / ws.sum()])
    lor = np.concatenate([[0.0], np.cumsum(xs * ws) / total])
    assert sorted_gini(xs, ws) == 1.0 - np.sum(np.diff(pop) * (lor[1:] + lor[:-1]))


@settings(max_examples=300, deadline=None)
@given(incomes, st.data(), st.floats(100.0, 10_000.0))
def test_poverty_gap_lies_in_0_1_and_matches_the_raw_formula_without_negatives(x, data, line):
    w = data.draw(arrays(np.float64, x.size, elements=weights))
    p = poverty_gap_index(x, w, line)
    assert 0.0 <= p <= 1.0
    nonneg = np.abs(x)
    raw = float((np.maximum(line - nonneg, 0.0) / line * w).sum() / w.sum())
    assert np.isclose(poverty_gap_index(nonneg, w, line), raw, rtol=0, atol=1e-15)


def test_everyone_at_or_below_zero_is_the_whole_gap_and_no_inequality():
    x, w = np.array([-300.0, 0.0, -1.0]), np.ones(3)
    assert poverty_gap_index(x, w, 2300.0) == 1.0
    assert sorted_gini(np.sort(x), w) == 0.0
