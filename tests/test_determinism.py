"""Reproducibility and common random numbers: same seed, same tables; a policy lever changes
only what it governs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from povsim import strategies
from povsim.engine import kernels
from povsim.engine.model import PovertyModel
from povsim.experiments.runner import run_scenario

SCALE = 500
# sequential streams drawn every month (or every programme month) a fixed number of times
# whatever the state and the policy (docs/ODD.md 7.12); the household kernels' draws are
# counter-based (povsim.base.philox), the same by construction
MONTHLY_STREAMS = ("projects", "training", "coop", "disaster")


@pytest.fixture(scope="module")
def small(xixiu):
    return run_scenario(xixiu, seed=3, replicates=2, scale=SCALE, progress=False)


def test_same_seed_identical_tables(xixiu, small):
    again = run_scenario(xixiu, seed=3, replicates=2, scale=SCALE, progress=False)
    assert set(small.tables) == set(again.tables)
    assert len(small.annual) == 2 * (xixiu.end_year - xixiu.start_year + 2)
    for name, df in small.tables.items():
        pd.testing.assert_frame_equal(df, again.tables[name], check_exact=True, obj=name)


def test_different_seed_differs(xixiu, small):
    other = run_scenario(xixiu, seed=4, replicates=2, scale=SCALE, progress=False)
    for col in ("incidence", "income_mean", "collective_operating_revenue"):
        assert not np.array_equal(small.annual[col].to_numpy(), other.annual[col].to_numpy()), col


def test_replicates_differ_and_do_not_depend_on_their_number(xixiu, small):
    a = small.annual
    r0, r1 = a[a["replicate"] == 0], a[a["replicate"] == 1]
    assert not np.array_equal(r0["income_mean"].to_numpy(), r1["income_mean"].to_numpy())
    one = run_scenario(xixiu, seed=3, replicates=1, scale=SCALE, progress=False)
    for name, df in one.tables.items():
        part = small.tables[name]
        part = part[part["replicate"] == 0].reset_index(drop=True)
        pd.testing.assert_frame_equal(df.reset_index(drop=True), part, obj=name)


# ----------------------------------------------------------------------------- CRN across levers


def _household_state(m) -> dict:
    hh = m.households
    return {f.name: getattr(hh, f.name).copy() for f in dataclasses.fields(hh)}


def _assert_states_equal(a: dict, b: dict, skip=()):
    for name in a:
        if name not in skip:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def _pairs(m):
    return [sorted(e.villages) for e in m.enterprises]


def _cadre_places(m):
    return [c.village for c in m.cadres]


def _step_both(a, b, months):
    for _ in range(months):
        a.step()
        b.step()


def _twins(sc, lever, x, y, seed=7):
    return (PovertyModel(sc.with_overrides(**{lever: x}), seed=seed, scale=SCALE),
            PovertyModel(sc.with_overrides(**{lever: y}), seed=seed, scale=SCALE))


def test_cadre_pairing_crn_population_and_baseline(xixiu):
    a, b = _twins(xixiu, "cadre_pairing", "random", "poorest_first")
    _assert_states_equal(_household_state(a), _household_state(b))  # same population
    assert [c.capital for c in a.coops] == [c.capital for c in b.coops]
    assert [v.branch_strength for v in a.villages] == [v.branch_strength for v in b.villages]
    _step_both(a, b, 12)  # the baseline year, identification in its December
    pd.testing.assert_frame_equal(pd.DataFrame(a.annual), pd.DataFrame(b.annual))
    pd.testing.assert_frame_equal(pd.DataFrame(a.monthly), pd.DataFrame(b.monthly))
    _assert_states_equal(_household_state(a), _household_state(b),
                         skip=("cadre", "paired_since", "near"))
    # the lever did change the pairing, and only the pairing
    assert not np.array_equal(a.households.cadre, b.households.cadre)
    assert _pairs(a) == _pairs(b)
    assert _cadre_places(a) == _cadre_places(b)  # homes and village-role placements
    assert [v.poor for v in a.villages] == [v.poor for v in b.villages]


def test_cadre_pairing_crn_shocks_through_the_programme(xixiu):
    """Illness and disasters are the same for the same households whatever the pairing: the
    sick state depends on the illness draws only, and every monthly stream has drawn exactly
    as much in both runs."""
    a, b = _twins(xixiu, "cadre_pairing", "random", "poorest_first")
    months = 0
    diverged = False
    while a.running:
        _step_both(a, b, 1)
        months += 1
        np.testing.assert_array_equal(a.households.sick, b.households.sick,
                                      err_msg=f"month {months}")
        for name in MONTHLY_STREAMS:
            assert (a.streams[name].bit_generator.state
                    == b.streams[name].bit_generator.state), (name, months)
        diverged |= not np.array_equal(a.households.income, b.households.income)
    assert not b.running and months == 12 * (xixiu.end_year - xixiu.start_year + 2)
    assert a.households.sick.any() or bool(a.monthly["sick_households"].any())
    assert diverged  # the pairing did make a difference, so the equalities above are not moot
    # the next draws of the shock streams agree too, and the kernels' keys
    np.testing.assert_array_equal(a.streams["disaster"].random(5), b.streams["disaster"].random(5))
    np.testing.assert_array_equal(a.streams.key, b.streams.key)


def test_first_secretary_lever_leaves_other_pairings(xixiu):
    a, b = _twins(xixiu, "first_secretary_assignment", "all_poor_villages", "weakest_branch_first")
    c = PovertyModel(xixiu.with_overrides(first_secretary_assignment="none"), seed=7,
                     scale=SCALE)
    for _ in range(12):
        a.step()
        b.step()
        c.step()
    np.testing.assert_array_equal(a.households.cadre, b.households.cadre)
    np.testing.assert_array_equal(a.households.cadre, c.households.cadre)
    assert _pairs(a) == _pairs(b) == _pairs(c)
    fs = [i for i, x in enumerate(a.cadres) if x.kind == "first_secretary"]
    assert [a.cadres[i].village for i in fs] != [b.cadres[i].village for i in fs]
    # other village-role cadres (own streams) are placed the same way
    other = [i for i, x in enumerate(a.cadres) if x.role == "village" and i not in fs]
    assert [a.cadres[i].village for i in other] == [b.cadres[i].village for i in other]
    assert [c.cadres[i].village for i in other] == [a.cadres[i].village for i in other]


def test_village_pairing_lever_leaves_cadre_pairing(xixiu, monkeypatch):
    """Register a strategy for the test that draws a different number of values from its
    generator and pairs in reverse."""

    def reversed_pairs(n_enterprises, n_pairs, poor, rng, **context):
        rng.random(1000)
        pairs = strategies.VILLAGE_PAIRING["random"](n_enterprises, n_pairs, poor, rng,
                                                     **context)
        return [(n_enterprises - 1 - e, v) for e, v in pairs]

    monkeypatch.setitem(strategies.VILLAGE_PAIRING, "test_reversed", reversed_pairs)
    a, b = _twins(xixiu, "village_pairing", "random", "test_reversed")
    _step_both(a, b, 12)
    assert _pairs(a) != _pairs(b)
    np.testing.assert_array_equal(a.households.cadre, b.households.cadre)
    assert _cadre_places(a) == _cadre_places(b)
    _step_both(a, b, 12)
    np.testing.assert_array_equal(a.households.sick, b.households.sick)


# ----------------------------------------------------------------------------- threads


@pytest.fixture(scope="module")
def one_and_two_threads(xixiu):
    """A whole Xixiu run of 42,500 households (three chunks of the parallel kernels) on one
    thread, then on two: every table and the final household state."""
    from povsim.base.threads import available, current, set_threads

    before = current()
    out = []
    try:
        for n in (1, 2):
            set_threads(min(n, available()))
            m = PovertyModel(xixiu, seed=8, scale=4)
            m.run()
            out.append((current(), m.tables(), _household_state(m)))
            m.release()
    finally:
        set_threads(before)
    return out


def test_results_do_not_depend_on_the_number_of_threads(one_and_two_threads):
    (t1, tables1, state1), (t2, tables2, state2) = one_and_two_threads
    assert (t1, t2) == (1, 2), "needs two numba threads (NUMBA_NUM_THREADS >= 2)"
    assert state1["hid"].size > 2 * kernels.CHUNK
    for name, df in tables1.items():
        pd.testing.assert_frame_equal(df, tables2[name], check_exact=True, obj=name)
    _assert_states_equal(state1, state2)


def _forked_run(xixiu, queue) -> None:
    from povsim.base.threads import current

    m = PovertyModel(xixiu, seed=8, scale=4)
    for _ in range(14):
        m.step()
    queue.put((current(), m.monthly.to_dict("list")))


def test_a_forked_process_runs_on_one_thread_with_the_same_results(xixiu):
    """After this process has used the thread pool, a forked process (pyabc's local workers,
    ``mesa.batch_run``) runs the kernels on one thread, with the same results, instead of being
    stopped by the pool's runtime."""
    import multiprocessing as mp

    from povsim.base.threads import available, current, set_threads

    before = current()
    try:
        set_threads(min(2, available()))
        m = PovertyModel(xixiu, seed=8, scale=4)  # three chunks: the parallel loops run here
        for _ in range(14):
            m.step()
        ctx = mp.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(target=_forked_run, args=(xixiu, queue))
        child.start()
        threads_there, monthly = queue.get(timeout=300)
        child.join(60)
    finally:
        set_threads(before)
    assert child.exitcode == 0 and threads_there == 1
    pd.testing.assert_frame_equal(pd.DataFrame(monthly), m.monthly, check_exact=True)
