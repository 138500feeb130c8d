"""History matching (``calibration/history_matching.py``, issue 27): on toy simulators whose
answer is known, the waves keep the truth, rule out the rest, and name a figure no run reaches.

Example:
    pytest tests/test_history_matching.py
"""

from __future__ import annotations

import itertools

import numpy as np

from povsim.calibration.history_matching import (
    CUTOFF,
    Emulator,
    Target,
    history_match,
    implausibility,
)

TRUTH = np.array([0.3, 0.7])


def toy(u: np.ndarray) -> np.ndarray:
    """Two figures of two parameters: their sum and the first."""
    return np.column_stack([u[:, 0] + u[:, 1], u[:, 0]])


FIGURES = [Target("sum", 1.0, 0.03), Target("first", 0.3, 0.03)]


def test_the_waves_keep_the_truth_and_rule_out_the_rest():
    waves = history_match(toy, FIGURES, dims=2, waves=3, runs=40, seed=2)
    shares = [w.plausible_share for w in waves]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(shares))
    assert shares[-1] < 0.05  # a thin strip around the truth is left
    assert waves[-1].keeps(TRUTH[None, :])[0]
    far = np.array([[0.9, 0.9], [0.0, 0.0], [0.8, 0.1]])
    assert not waves[-1].keeps(far).any()
    assert all(r["reached"] for r in waves[-1].reached())


def test_a_figure_no_run_reaches_is_named_with_the_closest_run_and_left_out():
    figures = [*FIGURES, Target("out of reach", 5.0, 0.05)]

    def with_third(u):
        return np.column_stack([toy(u), u[:, 0] ** 2])

    waves = history_match(with_third, figures, dims=2, waves=1, runs=30, seed=3)
    report = {r["figure"]: r for r in waves[0].reached()}
    assert not report["out of reach"]["reached"]
    assert report["out of reach"]["closest"] <= 1.0  # u0^2 <= 1: the model cannot give 5
    # it leaves the cut, named out of reach, and the others still rule out what they can
    assert waves[0].out_of_reach == ["out of reach"]
    assert 0.0 < waves[0].plausible_share < 0.5
    assert waves[0].keeps(TRUTH[None, :])[0]


def test_more_discrepancy_rules_out_less():
    """Direction: a larger stated model discrepancy (or observation error) makes every point
    less implausible, so the region kept can only grow."""
    mean, var = np.array([0.2, 0.5, 0.9]), np.zeros(3)
    tight, loose = Target("x", 0.5, 0.05), Target("x", 0.5, 0.05, discrepancy_sd=0.2)
    assert (implausibility(mean, var, loose) <= implausibility(mean, var, tight)).all()
    def total(u):
        return toy(u)[:, :1]

    w_tight = history_match(total, [Target("sum", 1.0, 0.02)], dims=2, waves=1, runs=30, seed=4)
    w_loose = history_match(total, [Target("sum", 1.0, 0.02, discrepancy_sd=0.2)], dims=2,
                            waves=1, runs=30, seed=4)
    assert w_loose[0].plausible_share > w_tight[0].plausible_share


def test_the_emulator_interpolates_and_knows_where_it_is_unsure():
    rng = np.random.default_rng(5)
    u = rng.random((40, 2))
    em = Emulator().fit(u, np.sin(3 * u[:, 0]) + u[:, 1])
    probe = rng.random((200, 2))
    mean, _ = em.predict(probe)
    assert np.abs(mean - (np.sin(3 * probe[:, 0]) + probe[:, 1])).max() < 0.05
    _, var_at_runs = em.predict(u)
    _, var_far = em.predict(np.array([[3.0, 3.0]]))  # far outside the runs
    assert var_far[0] > 10 * var_at_runs.max()
    assert CUTOFF == 3.0


def test_variance_shares_find_the_parameters_the_figures_depend_on():
    """The emulators' total-order shares: a figure of two parameters shares its variance
    between them, a figure of one gives it all to that one, and a parameter no figure reads
    gets none (under 5%, so it need not be fitted)."""
    def toy3(u):
        return np.column_stack([u[:, 0] + u[:, 1], u[:, 0]])

    waves = history_match(toy3, [Target("sum", 1.0, 0.3), Target("first", 0.5, 0.3)], dims=3,
                          waves=1, runs=60, seed=6)
    shares = waves[0].variance_shares()
    assert shares.shape == (2, 3)
    assert 0.3 < shares[0, 0] < 0.7 and 0.3 < shares[0, 1] < 0.7
    assert shares[1, 0] > 0.9 and shares[1, 1] < 0.05
    assert (shares[:, 2] < 0.05).all()


def test_emulators_read_their_own_columns_and_start_from_runs_already_made():
    """A figure's emulator reads only its columns, and a first wave can be runs made before
    (the screening's): the waves then run only the later waves' points."""
    calls = []

    def sim(u):
        calls.append(len(u))
        return toy(u)

    rng = np.random.default_rng(6)
    u0 = rng.random((32, 2))
    cols = [np.array([0, 1]), np.array([0])]  # "first" reads u0 only
    waves = history_match(sim, FIGURES, dims=2, waves=2, runs=24, seed=6, columns=cols,
                          start=(u0, toy(u0)))
    assert calls == [24]  # the first wave made no run
    assert waves[0].emulators[1].gp_.n_features_in_ == 1
    assert waves[-1].keeps(TRUTH[None, :])[0]
