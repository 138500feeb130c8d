"""The scale rules (povsim.base.scaling, ODD §2): unit and property tests; the end-to-end check that
they give one answer at every scale is tests/test_scale_consistency.py."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from povsim.base.scaling import (
    exit_probability,
    full_village_share,
    posts,
    systematic_choice,
    village_share_prior,
)
from povsim.engine.model import PovertyModel


@given(st.lists(st.floats(0.01, 10.0), min_size=1, max_size=30), st.integers(0, 500),
       st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_systematic_choice_gives_each_category_its_share_up_to_rounding(w, n, seed):
    p = np.array(w) / np.sum(w)
    counts = np.bincount(systematic_choice(p, n, np.random.default_rng(seed)), minlength=p.size)
    assert counts.sum() == n
    assert np.all(counts >= np.floor(n * p - 1e-9)) and np.all(counts <= np.ceil(n * p + 1e-9))


@given(st.lists(st.floats(0.0, 50.0), min_size=1, max_size=20))
def test_posts_keep_the_jobs_exactly(jobs):
    n, fill = posts(np.array(jobs))
    assert np.allclose(n * fill, jobs) and np.all((fill > 0) & (fill <= 1))
    assert np.all(n - np.array(jobs) <= 1)


def test_exit_probability_is_the_rule_itself_at_full_scale():
    s = np.array([0.0, 0.029, 0.03, 0.2])
    assert exit_probability(s, np.full(4, 800), 1.0, 0.03).tolist() == [1.0, 1.0, 0.0, 0.0]


def test_exit_probability_falls_with_incidence_and_sharpens_with_households():
    rng = np.random.default_rng(5)
    grid = np.linspace(0.0, 0.1, 11)

    def at_grid(n: int, k: float) -> np.ndarray:
        # the grid villages among 300 villages whose true incidences spread around 3%
        s = np.concatenate([rng.binomial(n, rng.beta(2.0, 60.0, 300)) / n, grid])
        return exit_probability(s, np.full(s.size, n), k, 0.03)[-grid.size:]

    few = at_grid(40, 20.0)
    assert np.all(np.diff(few) <= 1e-12) and few[0] > 0.5 > few[-1]
    # more simulated households (a smaller k for the same village): closer to the rule itself
    many = at_grid(400, 2.0)
    rule = (grid < 0.03).astype(float)
    assert np.abs(many - rule).sum() < np.abs(few - rule).sum()


def test_full_village_share_is_unbiased_over_villages():
    """Drawn many times, a village's full-scale share averages its posterior mean, and across
    villages the draws keep the observed mean share."""
    rng = np.random.default_rng(3)
    true = rng.beta(2.0, 30.0, 200)
    n = np.full(200, 40.0)
    s = rng.binomial(40, true) / 40
    draws = np.array([full_village_share(s, n, 20.0, rng) for _ in range(200)])
    assert abs(draws.mean() - s.mean()) < 0.004
    a, b = village_share_prior(s, n)
    assert abs(a / (a + b) - true.mean()) < 0.01
    # the draws spread less than the few households' shares (shrinkage) but keep their order
    assert draws.mean(axis=0).std() < s.std()
    assert np.corrcoef(draws.mean(axis=0), s)[0, 1] > 0.9


def test_pairs_are_near_exactly_when_the_cadre_lives_in_the_village_at_full_scale():
    m = PovertyModel("xixiu", seed=2, scale=1)
    while not m.clock.identified:
        m.step()
    hh, cadres = m.world.households, m.world.cadres
    paired = hh.cadre >= 0
    assert m.world.slot_homes is None
    assert np.array_equal(hh.near[paired], cadres.village[hh.cadre[paired]] == hh.village[paired])
    assert not hh.near[~paired].any()


def test_at_a_reduced_scale_pairs_are_near_as_often_as_at_full_scale():
    share = {}
    for k in (1.0, 20.0):
        m = PovertyModel("xixiu", seed=1, scale=k)
        while not m.clock.identified:
            m.step()
        hh = m.world.households
        share[k] = hh.near[hh.cadre >= 0].mean()
    assert abs(share[20.0] - share[1.0]) < 0.05, share
