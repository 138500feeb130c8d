"""The staged calibration (``calibration/staged.py``, ``calibration/neural.py``; issue 27):
screening picks what moves the figures, the neural posterior covers the truth as often as it
says, a rerun reuses every run, and ``povsim calibrate`` runs it by default.

Example:
    pytest tests/test_staged.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from povsim.base.inputs import ScenarioError
from povsim.calibration import staged
from povsim.calibration.fit import Problem
from povsim.calibration.neural import coverage, rank_uniformity, train
from povsim.cli import main
from povsim.schema.config import load_scenario

SMALL = staged.Stages(screening_runs=32, waves=2, wave_runs=32, training_runs=96, draws=60,
                      holdout=16, max_epochs=30)
PARAMS = ["income.crops.0.yield_value_per_mu", "behaviour.join_prob_month",
          "population.away_household_share"]


def small_problem() -> Problem:
    return Problem.of(load_scenario("zhenbao"), scale=20, only=PARAMS)


def test_simulation_based_calibration_of_the_neural_posterior_on_a_toy():
    """For 100 truths drawn from the prior, the 90% interval holds the truth for 80-98% of
    (truth, parameter) pairs and the ranks are flat (a toy whose posterior is known: two
    parameters, one observed through their sum, one alone, with noise)."""
    rng = np.random.default_rng(11)
    z = rng.standard_normal((1600, 2))
    x = np.column_stack([z[:, 0] + z[:, 1], z[:, 0]]) + 0.3 * rng.standard_normal((1600, 2))
    post = train(z[100:], x[100:], seed=3, max_epochs=80)
    sbc = coverage(post, z[:100], x[:100], ["a", "b"], seed=4, draws=100)
    assert len(sbc) == 200
    assert 0.80 <= sbc["covered"].mean() <= 0.98
    assert rank_uniformity(sbc) > 0.01


def test_observation_error_widens_the_posterior():
    """Direction: the same runs, with the figure observed with more error, give a wider
    posterior (the training adds that error to every run)."""
    rng = np.random.default_rng(12)
    z = rng.standard_normal((800, 1))
    x = z + 0.05 * rng.standard_normal((800, 1))
    sharp = train(z, x, seed=1, max_epochs=60, noise_sd=np.array([0.05]))
    blurred = train(z, x, seed=1, max_epochs=60, noise_sd=np.array([1.0]))
    xo = np.array([0.5])
    assert blurred.sample(xo, 400, seed=2).std() > 2 * sharp.sample(xo, 400, seed=2).std()


def test_a_figure_with_a_floor_is_conditioned_on_as_its_log_in_training_and_in_drawing():
    """A skewed figure (x = exp(2z), observed with 5% relative error) read as its log: the
    flow learns log x, and drawing given a reported x reads its log too, so the posterior sits
    at log(x) / 2 (drawing given the raw value instead would put it near 0.07)."""
    rng = np.random.default_rng(13)
    z = rng.standard_normal((800, 1))
    x = np.exp(2 * z) * (1 + 0.05 * rng.standard_normal((800, 1)))
    post = train(z, x, seed=1, max_epochs=60, floors=np.array([1e-3]))
    assert post.floors.tolist() == [1e-3]
    draws = post.sample(np.array([np.exp(-2.0)]), 400, seed=2)
    assert abs(np.median(draws) + 1.0) < 0.2
    assert post.features(np.array([[0.0]])).tolist() == [[np.log(1e-3)]]


def test_a_later_round_draws_its_runs_from_the_posterior_s_highest_density_region():
    """Truncated sequential NPE's proposal: the candidates kept for a second round all lie in
    the first posterior's highest-density region given the observation (log density at least
    the threshold), which is near the observation, and only a share of the prior is kept."""
    from scipy.special import ndtri

    rng = np.random.default_rng(5)
    z = rng.standard_normal((800, 1))
    net = train(z, z + 0.1 * rng.standard_normal((800, 1)), seed=1, max_epochs=60)
    xo = np.array([1.5])
    tau = net.threshold(xo, seed=2)
    blocks = staged.Blocks(1, np.array([], int), {}, {})
    u, tried = staged._highest_density(blocks, None, net, xo, tau, 200,
                                       np.random.default_rng(3), batch=256)
    assert len(u) == 200 and tried >= 1000  # the region holds well under 20% of the prior
    zu = ndtri(u)
    assert (net.log_prob(zu, xo) >= tau).all()
    assert np.abs(zu - 1.5).max() < 0.7


def test_the_staged_fit_screens_matches_and_fits(tmp_path):
    pb = small_problem()
    fit = staged.fit_staged(pb, tmp_path, SMALL)
    # every parameter fitted moves some figure by at least 5% of its variance
    best = fit.shares.groupby("parameter")["share"].max()
    assert set(pb.fitted) == set(best[best >= staged.SHARE].index)
    assert [w.number for w in fit.waves] == [1, 2]
    assert fit.waves[1].plausible_share <= fit.waves[0].plausible_share + 1e-12
    s = fit.posterior.samples
    assert len(s) == SMALL.draws and np.isclose(s["weight"].sum(), 1.0)
    for p in pb.fitted:  # inside the prior's support
        pr = pb.priors[p]
        assert s[p].between(pr.low, pr.high).all()
    # the region left keeps every posterior draw
    u = np.column_stack([pb.priors[p].rv.cdf(s[p]) for p in pb.fitted])
    assert fit.waves[-1].keeps(u).all()
    # a second round of runs from the first posterior's highest-density region, kept
    assert [r["round"] for r in fit.info["rounds"]] == [1, 2]
    assert fit.info["rounds"][1]["runs"] > 0 and (tmp_path / "stages" / "round-2.npz").exists()
    written = {p.name for p in fit.write(tmp_path, draws=3, plots=True)}
    for name in ("screening.csv", "waves.csv", "reach.csv", "sbc.csv", "staged.json",
                 "waves.png", "posterior.parquet", "fit_report.csv",
                 "zhenbao_calibrated.yaml"):
        assert name in written, name


#: a small joint problem: two shared mechanisms, Zhenbao's two circumstances and Sanba's one
JOINT_KEEP = ["behaviour.join_prob_month", "behaviour.migrate_prob_month",
              "zhenbao:income.crops.0.yield_value_per_mu",
              "zhenbao:population.away_household_share", "sanba:population.labourers_share"]


def small_joint_problem():
    """Zhenbao and Sanba at 1:20, only :data:`JOINT_KEEP` uncertain (the rest as bundled)."""
    from povsim.calibration.joint import JointProblem

    jp = JointProblem.of([load_scenario("zhenbao"), load_scenario("sanba")],
                         scales={"zhenbao": 20, "sanba": 20})
    jp.priors = {n: p for n, p in jp.priors.items() if n in JOINT_KEEP}
    jp.members = {c: {n: p for n, p in m.items() if n in JOINT_KEEP}
                  for c, m in jp.members.items()}
    for c, pb in jp.problems.items():
        pb.priors = {p: v for p, v in pb.priors.items() if p in jp.members[c].values()}
    return jp


def test_a_joint_fit_finds_the_region_of_both_cases_and_plots_each(tmp_path):
    """Two cases with shared mechanisms: the waves leave part of the cube plausible, every
    posterior draw lies in it, the public statistic (Sanba's prefecture income) is a figure,
    and each case gets its own plots."""
    jp = small_joint_problem()
    assert "sanba.income_level_2016" in [f.id for f in jp.figures]
    fit = staged.fit_staged(jp, tmp_path, SMALL, workers=2)
    assert 0.0 < fit.waves[-1].plausible_share <= fit.waves[0].plausible_share + 1e-12
    s = fit.posterior.samples
    u = np.column_stack([jp.priors[p].rv.cdf(s[p]) for p in jp.fitted])
    assert fit.waves[-1].keeps(u).all()
    written = {p.name for p in fit.write(tmp_path, draws=3, plots=True)}
    for case in ("zhenbao", "sanba"):
        for plot in ("marginals", "predicted_vs_reported", "waves"):
            assert f"{plot}-{case}.png" in written, (plot, case)


def test_a_rerun_reuses_every_run_and_gives_the_same_posterior(tmp_path, monkeypatch):
    first = staged.fit_staged(small_problem(), tmp_path, SMALL).posterior.samples
    calls = []
    real = staged.evaluate
    monkeypatch.setattr(staged, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = staged.fit_staged(small_problem(), tmp_path, SMALL).posterior.samples
    assert calls == []
    pd.testing.assert_frame_equal(first, again)


def test_other_settings_in_a_used_folder_are_refused(tmp_path):
    staged.fit_staged(small_problem(), tmp_path, SMALL)
    other = staged.Stages(**{**SMALL.__dict__, "wave_runs": 64})
    with pytest.raises(ScenarioError, match="other settings"):
        staged.fit_staged(small_problem(), tmp_path, other)


def test_the_command_runs_the_staged_method_by_default(tmp_path, capsys):
    out = tmp_path / "cal"
    assert main(["calibrate", "zhenbao", "--scale", "20", "--screening-runs", "32",
                 "--waves", "2", "--wave-runs", "32", "--training-runs", "64", "--draws", "3",
                 "--no-plots", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "wave 2:" in text and "neural posterior" in text and "coverage" in text
    assert (out / "zhenbao_calibrated.yaml").exists() and (out / "waves.csv").exists()
    # ABC's options belong to ABC
    assert main(["calibrate", "zhenbao", "--population", "8", "--out", str(tmp_path / "x")]) == 2
    assert "only with --method abc" in capsys.readouterr().err


@pytest.mark.slow
def test_runs_on_a_dask_scheduler_give_what_they_give_here():
    """``--scheduler``: the same evaluations on a Dask cluster's workers give the same figures
    as in this process (each run's seed travels with it)."""
    from distributed import LocalCluster

    from povsim.calibration.evaluate import evaluate

    pb = Problem.of(load_scenario("zhenbao"), scale=20, only=PARAMS[:2])
    values = [{PARAMS[0]: 3000.0 + 500 * i, PARAMS[1]: 0.01} for i in range(4)]
    seeds = [11, 12, 13, 14]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        remote = evaluate(pb, values, seeds, scheduler=cluster.scheduler_address)
    here = pb.simulate_many(values, seeds)
    # the same figures, NaN where the run gives none (a year without poor never reached)
    assert [list(r) for r in remote] == [list(h) for h in here]
    for r, h in zip(remote, here, strict=True):
        np.testing.assert_array_equal(list(r.values()), list(h.values()))
