"""Many runs in one pass (:mod:`povsim.engine.batch`): each run of a batch gives exactly the tables
it
gives alone, whatever its neighbours' parameters and seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from povsim.calibration.priors import scenario_priors
from povsim.engine.batch import Batch, NotStackable, run_batch, run_many, stack, stackable
from povsim.engine.model import PovertyModel
from povsim.engine.replicate import run_replicate
from povsim.schema.config import load_scenario

CASES = {"zhenbao": 2, "sanba": 20, "jiangkou": 100, "yushu": 100, "xixiu": 200}


def prior_draws(sc, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets drawn from the scenario's priors (counts rounded)."""
    priors = scenario_priors(sc)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        d = {p: float(pr.ppf(rng.random())) for p, pr in priors.items()}
        out.append({p: (round(v) if priors[p].integer else v) for p, v in d.items()})
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_run_of_a_batch_gives_what_it_gives_alone(case):
    sc, scale = load_scenario(case), CASES[case]
    params = [{}, *prior_draws(sc, 2, seed=len(case))]
    seeds, reps = [1, 2, 1], [0, 0, 3]
    got = run_batch(sc, params, seeds, reps, scale)
    for p, s, r, tables in zip(params, seeds, reps, got, strict=True):
        alone = run_replicate(sc.with_params(p) if p else sc, s, r, scale)
        assert sorted(tables) == sorted(alone)
        for name, df in alone.items():
            pd.testing.assert_frame_equal(tables[name], df, check_exact=True, obj=name)


def test_stacked_state_is_shared_with_the_runs():
    ms = [PovertyModel("sanba", seed=1, replicate=r, scale=50) for r in range(3)]
    before = [m.households.income.copy() for m in ms]
    st = stack(ms)
    for r, m in enumerate(ms):
        assert np.array_equal(m.households.income, before[r])
        assert m.households.income.flags.c_contiguous
        st["households"].income[r, 0, 0] = 123.0
        assert m.households.income[0, 0] == 123.0


def test_a_batch_refuses_runs_that_cannot_be_stacked():
    with pytest.raises(NotStackable, match="differ in households"):
        stack([PovertyModel("sanba", scale=50), PovertyModel("sanba", scale=40)])
    with pytest.raises(ValueError, match="one scenario, seed"):
        Batch([load_scenario("sanba")], [1, 2], [0], 50)
    sanba, xixiu = load_scenario("sanba"), load_scenario("xixiu")
    with pytest.raises(NotStackable, match="calendars"):
        Batch([sanba, xixiu], [1, 1], [0, 0], 500)
    assert not stackable([sanba, xixiu], 500)
    # run_many runs what cannot be stacked one by one, with the same tables
    got = run_many([sanba, sanba.with_params({"villages.count": 8})], [1, 1], [0, 0], 50)
    want = run_replicate(sanba.with_params({"villages.count": 8}), 1, 0, 50)
    pd.testing.assert_frame_equal(got[1]["annual"], want["annual"], check_exact=True)


def test_run_scenario_gives_the_same_tables_in_batches_or_one_run_at_a_time(monkeypatch):
    """Replicates and posterior draws run in batches (small runs) or one by one: the same."""
    import povsim.engine.batch as batch
    from povsim.experiments.runner import run_scenario

    sc = load_scenario("sanba")
    draws = prior_draws(sc, 2, seed=9)
    monkeypatch.setattr(batch, "BATCH_HOUSEHOLDS", 10**9)
    assert batch.batch_size(sc, 20, 6) == 6
    together = run_scenario(sc, seed=3, replicates=3, scale=20, progress=False, draws=draws)
    monkeypatch.setattr(batch, "BATCH_HOUSEHOLDS", 0)
    assert batch.batch_size(sc, 20, 6) == 1
    alone = run_scenario(sc, seed=3, replicates=3, scale=20, progress=False, draws=draws)
    for name, df in alone.tables.items():
        pd.testing.assert_frame_equal(together.tables[name], df, check_exact=True, obj=name)
    assert sorted(together.annual["draw"].unique().tolist()) == [0, 1]


@pytest.mark.parametrize("case", ["sanba", "xixiu"])
def test_policy_variants_in_batches_give_what_they_give_alone(case):
    """Policy levers (the strategies, cadre tenure, the programme switched off) with their
    baseline: run_many batches those with the same calendar, runs the others alone."""
    sc = load_scenario(case)
    levers = [{}, {"cadre_pairing": "random"}, {"cadre_tenure": "rotating"},
              {"village_pairing": "nearest"}, {"programme": False}]
    scenarios = [sc.with_params(v) if v else sc for v in levers]
    got = run_many(scenarios, [4] * len(levers), [1] * len(levers), CASES[case] * 2,
                   households=True)
    for sv, tables in zip(scenarios, got, strict=True):
        alone = run_replicate(sv, 4, 1, CASES[case] * 2, households=True)
        for name, df in alone.items():
            pd.testing.assert_frame_equal(tables[name], df, check_exact=True, obj=name)


def test_compare_gives_the_same_runs_in_batches_or_one_run_at_a_time(monkeypatch):
    import povsim.engine.batch as batch
    from povsim.experiments.comparison import compare
    from povsim.schema.variants import variants_from_levers

    sc = load_scenario("sanba")
    variants = variants_from_levers(sc, {"cadre_pairing": ["random"], "programme": [False]})
    monkeypatch.setattr(batch, "BATCH_HOUSEHOLDS", 10**9)
    together = compare(sc, variants, replicates=2, scale=40, progress=False)
    monkeypatch.setattr(batch, "BATCH_HOUSEHOLDS", 0)
    alone = compare(sc, variants, replicates=2, scale=40, progress=False)
    pd.testing.assert_frame_equal(together.runs, alone.runs, check_exact=True)
    pd.testing.assert_frame_equal(together.decile_runs, alone.decile_runs, check_exact=True)


def test_runs_of_more_than_one_chunk_in_a_batch_give_what_they_give_alone():
    """Runs of more households than a kernel chunk (their sums kept per chunk) in a batch."""
    from povsim.engine.kernels import CHUNK
    from povsim.engine.world import simulated_households

    sc = load_scenario("xixiu")
    scale = 8
    assert simulated_households(sc, scale) > CHUNK
    got = run_batch(sc, [{}, {}], [1, 1], [0, 1], scale)
    for r, tables in enumerate(got):
        alone = run_replicate(sc, 1, r, scale)
        for name, df in alone.items():
            pd.testing.assert_frame_equal(tables[name], df, check_exact=True, obj=name)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_calibration_in_batches_gives_the_figures_one_by_one_gives(case):
    """Problem.simulate_many (batches, only the tables metrics read) against simulate."""
    from povsim.calibration.fit import Problem

    pb = Problem.of(load_scenario(case), scale=CASES[case], seed=2)
    figs = [*pb.figures, *pb.validation]
    values = [pb.prior_medians(), {}]
    got = pb.simulate_many(values, [5, 6], figures=figs)
    want = [pb.simulate(v, seed=s, figures=figs) for v, s in zip(values, [5, 6], strict=True)]
    for g, w in zip(got, want, strict=True):
        assert g.keys() == w.keys()
        assert all(g[f] == w[f] or (np.isnan(g[f]) and np.isnan(w[f])) for f in w), (g, w)


def test_the_warm_up_compiles_every_batch_kernel_with_the_types_of_a_batch():
    """After :func:`povsim.engine.batch.warm_up`, a batch compiles nothing more (a progress bar's
    months then hold no compile)."""
    import numba

    from povsim.engine import batch, kernels, village_kernels

    batch.warm_up()
    names = ["household_month_batch", "labour_month_batch", "visits_due_batch",
             "visit_outcomes_batch", "month_counts_batch", "disaster_losses_batch"]
    fns = [getattr(kernels, n) for n in names] + [village_kernels.collectives_month_batch,
                                                  village_kernels.join_cooperatives_batch]
    assert all(isinstance(f, numba.core.dispatcher.Dispatcher) for f in fns)
    before = [len(f.signatures) for f in fns]
    assert min(before) >= 1
    run_batch(load_scenario("xixiu"), [{}, {}], [1, 1], [0, 1], 200)
    run_batch(load_scenario("jiangkou"), [{}, {}], [1, 1], [0, 1], 50)  # disasters, joining
    assert [len(f.signatures) for f in fns] == before


def test_a_run_recording_some_tables_gives_them_as_a_full_run_does():
    """``records``: the tables asked for (and the annual and monthly ones) are the full run's,
    the others are not there, and asking for one of them, or for a table that does not exist,
    says so."""
    full = PovertyModel("jiangkou", seed=4, scale=50)
    full.run()
    some = PovertyModel("jiangkou", seed=4, scale=50, records=("crops", "collectives"))
    some.run()
    assert some.records == ("annual", "monthly", "collectives", "crops")
    got = some.tables()
    assert list(got) == list(some.records)
    for name, df in got.items():
        pd.testing.assert_frame_equal(df, full.table(name), check_exact=True)
    with pytest.raises(ValueError, match="'deciles' table was not recorded"):
        some.table("deciles")
    with pytest.raises(ValueError, match="unknown table"):
        PovertyModel("jiangkou", scale=50, records=("decile",))
