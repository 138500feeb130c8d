"""Calibration (issue 15): parameter recovery on synthetic targets, kill-and-resume, a
posterior projection deterministic for a seed, the calibrated scenario and the command."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from povsim.base.inputs import ScenarioError
from povsim.calibration.fit import Problem, run_abc
from povsim.calibration.posterior import Posterior, calibrate, load_posterior
from povsim.cli import main
from povsim.schema.config import load_scenario

TRUTH = {"income.crops.0.yield_value_per_mu": 5000.0, "income.farm_mu_per_labourer": 15.0}


def synthetic_problem(scale: float = 4.0) -> Problem:
    """Zhenbao with two parameters to fit and its figures replaced by what the model makes at
    known values (the mean of 4 replicates), compared as values within 5%."""
    pb = Problem.of(load_scenario("zhenbao"), scale=scale, seed=3, only=list(TRUTH))
    return pb.with_synthetic_figures(pb.simulate(TRUTH, seed=11, replicates=4))


@pytest.mark.slow
def test_parameter_recovery_on_synthetic_targets(tmp_path):
    pb = synthetic_problem()
    history = run_abc(pb, tmp_path / "fit", population=40, generations=4, progress=False)
    post = load_posterior(pb, history)
    summ = post.summary().set_index("parameter")
    for p, v in TRUTH.items():
        assert summ.loc[p, "p05"] <= v <= summ.loc[p, "p95"], (p, summ.loc[p].to_dict())
    # the melon yield is what the melon income per mu identifies
    assert summ.loc["income.crops.0.yield_value_per_mu", "contraction"] > 0.5


def test_a_posterior_projection_is_deterministic_for_a_seed():
    pb = Problem.of(load_scenario("zhenbao"), scale=4, seed=2, only=list(TRUTH))
    rng = np.random.default_rng(0)
    import pandas as pd

    samples = pd.DataFrame({"draw": range(6), "weight": np.full(6, 1 / 6), "generation": 0,
                            **{p: rng.uniform(pb.priors[p].low, pb.priors[p].high, 6)
                               for p in TRUTH}})
    post = Posterior(pb, samples)
    a, b = post.predictive(draws=3, seed=5), post.predictive(draws=3, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert post.draws(4, seed=5) == post.draws(4, seed=5)
    sc = post.scenario()
    for p in TRUTH:
        param = sc.get_param(p)
        assert pb.priors[p].low <= param <= pb.priors[p].high
    assert sc.income.farm_mu_per_labourer.source == "calibrated"


def test_a_folder_with_other_settings_is_refused(tmp_path):
    pb = synthetic_problem(scale=8)
    run_abc(pb, tmp_path, population=4, generations=1, progress=False)
    pb.seed = 99
    with pytest.raises(ScenarioError, match="holds a calibration with other settings"):
        run_abc(pb, tmp_path, population=4, generations=1, progress=False)


@pytest.mark.slow
def test_kill_and_resume(tmp_path):
    """Killed after its first generation, the same command finishes the remaining ones from
    the database instead of starting again."""
    out = tmp_path / "cal"
    cmd = [sys.executable, "-m", "povsim", "calibrate", "zhenbao", "--method", "abc",
           "--population", "12",
           "--generations", "3", "--scale", "8", "--draws", "2", "--no-plots", "--quiet",
           "--out", str(out)]
    proc = subprocess.Popen(cmd)
    import pyabc

    deadline = time.time() + 240
    while time.time() < deadline:
        db = out / "history.db"
        if db.exists():
            try:
                if pyabc.History(f"sqlite:///{db}").max_t >= 0:
                    break
            except Exception:  # the database is being written
                pass
        time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = pyabc.History(f"sqlite:///{out / 'history.db'}")
    t_killed = first.max_t if first.max_t is not None else -1
    assert t_killed < 2  # killed before the end
    done = first.get_all_populations() if t_killed >= 0 else None
    assert subprocess.run(cmd).returncode == 0
    h = pyabc.History(f"sqlite:///{out / 'history.db'}")
    assert h.max_t == 2
    # the generations done before the kill were kept, not run again
    if done is not None:
        again = h.get_all_populations()
        assert (again.loc[again["t"] <= t_killed, "epsilon"].to_numpy()
                == done.loc[done["t"] <= t_killed, "epsilon"].to_numpy()).all()
    assert (out / "posterior.parquet").exists() and (out / "zhenbao_calibrated.yaml").exists()


def test_the_command_writes_the_posterior_and_a_calibrated_scenario_povsim_runs(tmp_path,
                                                                                  capsys):
    out = tmp_path / "cal"
    assert main(["calibrate", "zhenbao", "--method", "abc", "--population", "6",
                 "--generations", "1", "--scale", "8", "--draws", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "posterior predictive" in text and "contraction" in text
    for name in ("posterior.parquet", "summary.csv", "fit_report.csv", "marginals.png",
                 "pairs.png", "predicted_vs_reported.png", "zhenbao_calibrated.yaml"):
        assert (out / name).exists(), name
    sc = load_scenario(out / "zhenbao_calibrated.yaml")
    import pandas as pd

    from povsim.calibration.priors import calibrated_paths

    summ = pd.read_csv(out / "summary.csv")
    fitted = set(summ.loc[summ["fitted"], "parameter"])
    assert len(fitted) == 4  # the default for one case
    def node(s, p):
        n = s.model_dump()
        for part in p.split("."):
            n = n[int(part)] if part.isdigit() else n[part]
        return n

    bundled = load_scenario("zhenbao")
    for p in calibrated_paths(sc):
        # the fitted parameters are calibrated by this fit; the others keep their values and
        # sources (the bundled scenario's: some calibrated by the joint fit)
        if p in fitted:
            assert node(sc, p)["source"] == "calibrated"
            assert "povsim calibrate zhenbao" in node(sc, p)["note"]
        else:
            assert node(sc, p) == node(bundled, p), p
    assert main(["run", str(out / "zhenbao_calibrated.yaml"), "--replicates", "1", "--scale",
                 "8", "--quiet", "--out", str(tmp_path / "run")]) == 0
    assert Path(tmp_path / "run" / "annual.parquet").exists()


def test_calibrate_api_returns_a_posterior(tmp_path):
    post = calibrate(load_scenario("zhenbao"), out=tmp_path, population=5, generations=1,
                     scale=8, progress=False)
    assert len(post.samples) == 5 and {"draw", "weight", "generation"} <= set(post.samples)
    assert set(post.summary()["parameter"]) == set(post.problem.priors)


def test_nuisance_parameters_are_drawn_from_their_priors_per_run():
    """Parameters not fitted are drawn from their priors in every run, from the run's seed:
    the same seed draws the same values, another seed others, always inside the prior."""
    pb = Problem.of(load_scenario("zhenbao"), scale=8, seed=1)
    pb.fit = ["income.crops.0.yield_value_per_mu"]
    assert "behaviour.join_prob_month" in pb.nuisance
    a = pb.with_nuisance({"income.crops.0.yield_value_per_mu": 4000.0}, seed=7)
    b = pb.with_nuisance({"income.crops.0.yield_value_per_mu": 4000.0}, seed=7)
    c = pb.with_nuisance({"income.crops.0.yield_value_per_mu": 4000.0}, seed=8)
    assert a == b != c and a["income.crops.0.yield_value_per_mu"] == 4000.0
    for p in pb.nuisance:
        assert pb.priors[p].low <= a[p] <= pb.priors[p].high


def test_compare_under_posterior_draws_pairs_each_draw_and_is_deterministic(tmp_path):
    """--posterior DIR --draws N: every variant of a run shares its draw and its streams; the
    same seed gives the same comparison; a missing folder is one line."""
    import pandas as pd

    from povsim.calibration.posterior import posterior_draws
    from povsim.experiments.comparison import compare, variants_from_levers

    folder = tmp_path / "post"
    folder.mkdir()
    pd.DataFrame({"draw": [0, 1], "weight": [0.5, 0.5], "generation": 2,
                  "behaviour.job_separation_prob_month": [0.01, 0.1]}).to_parquet(
        folder / "posterior.parquet")
    draws = posterior_draws(folder, 3, seed=4)
    assert draws == posterior_draws(folder, 3, seed=4)
    sc = load_scenario("zhenbao")
    variants = variants_from_levers(sc, {"cadre_pairing": ["random"]})
    a = compare(sc, variants, replicates=2, scale=8, progress=False, draws=draws)
    b = compare(sc, variants, replicates=2, scale=8, progress=False, draws=draws)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    assert sorted(a.runs["replicate"].unique()) == list(range(6))
    assert a.runs.groupby("replicate")["draw"].nunique().max() == 1
    assert a.headline["replicates"].max() == 6 and a.run_info["posterior_draws"] == 3
    with pytest.raises(ScenarioError, match=r"no posterior\.parquet"):
        posterior_draws(tmp_path / "nowhere", 2)


def test_a_run_under_posterior_draws_is_deterministic_and_labels_its_draws(tmp_path):
    import pandas as pd

    from povsim.experiments.runner import run_scenario

    draws = [{"behaviour.job_separation_prob_month": q} for q in (0.01, 0.1)]
    sc = load_scenario("zhenbao")
    a = run_scenario(sc, replicates=2, scale=8, progress=False, draws=draws)
    b = run_scenario(sc, replicates=2, scale=8, progress=False, draws=draws)
    pd.testing.assert_frame_equal(a.annual, b.annual)
    assert sorted(a.annual["replicate"].unique()) == [0, 1, 2, 3]
    assert a.annual.groupby("replicate")["draw"].first().tolist() == [0, 0, 1, 1]
    assert a.run_info["posterior_draws"] == 2


@pytest.mark.slow
def test_calibration_on_forked_workers(tmp_path):
    """``--workers 2`` forks pyabc's workers after this process has used the kernels' thread
    pool: the workers run on one thread and never start it (GNU OpenMP, numba's layer where it
    is installed, stops a forked child that does), so every run comes back."""
    out = tmp_path / "cal"
    cmd = [sys.executable, "-m", "povsim", "calibrate", "zhenbao", "--workers", "2",
           "--method", "abc", "--population", "8", "--generations", "2", "--scale", "8",
           "--draws", "2", "--no-plots", "--quiet", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "fork() called" not in proc.stderr
    assert (out / "posterior.csv").exists()
