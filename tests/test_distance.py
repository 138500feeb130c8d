"""The calibration distance and the targets' standardised error (issue 15): each kind of figure
(a value, a bound, a condition over all villages) in its own unit over its tolerance plus noise."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from povsim.calibration.distance import Distance, scaled_gap
from povsim.calibration.registry import load_registry
from povsim.calibration.targets import inside_band

finite = st.floats(-1e7, 1e7, allow_nan=False)
scale = st.floats(1e-3, 1e6)


@given(sim=finite, rep=finite, s=scale)
def test_a_value_is_scored_by_its_absolute_gap_in_scales(sim, rep, s):
    assert scaled_gap(sim, rep, "equal", s) == pytest.approx(abs(sim - rep) / s)


@given(sim=finite, rep=finite, s=scale)
def test_a_bound_scores_only_the_wrong_side(sim, rep, s):
    lo = scaled_gap(sim, rep, "at_least", s)
    hi = scaled_gap(sim, rep, "at_most", s)
    assert lo >= 0 and hi >= 0
    assert (lo == 0) == (sim >= rep)
    assert (hi == 0) == (sim <= rep)
    assert lo + hi == pytest.approx(abs(sim - rep) / s)


def test_a_condition_over_all_villages_is_a_bound_on_the_worst_village():
    """'Every one of 105 villages reached 80,000 yuan' is compared through the minimum over
    villages: one village short of it is a gap, however rich the others."""
    f = load_registry()["jiangkou.all_villages_collective_income_over_80k"]
    assert f.target.metric.endswith("_min_village") and f.target.comparison == "at_least"
    d = Distance({f.id: f.value}, {f.id: "at_least"}, {f.id: f.target.tolerance})
    assert d({f.id: 90_000.0}) == 0.0
    assert d({f.id: 72_000.0}) == pytest.approx(1.0)


def test_a_missing_simulation_is_far_and_the_distance_is_a_root_mean_square():
    d = Distance({"a": 1.0, "b": 1.0}, {"a": "equal", "b": "equal"}, {"a": 1.0, "b": 1.0})
    assert d({"a": math.nan, "b": 1.0}) == pytest.approx(math.sqrt(100 / 2))
    assert d({"a": 4.0, "b": 1.0}) == pytest.approx(math.sqrt(9 / 2))


def test_every_calibration_and_validation_figure_has_a_positive_tolerance():
    for f in load_registry():
        if f.role in ("calibration", "validation"):
            assert f.target.tolerance > 0, f.id


@pytest.mark.parametrize("rep, lo, hi, comparison, want", [
    (5, 4, 6, "equal", True), (7, 4, 6, "equal", False),
    (80_000, 60_000, 85_000, "at_least", True), (80_000, 60_000, 70_000, "at_least", False),
    (2019, 2018, 2020, "at_most", True), (2019, 2020, 2021, "at_most", False)])
def test_inside_band(rep, lo, hi, comparison, want):
    assert inside_band(rep, lo, hi, comparison) is want
