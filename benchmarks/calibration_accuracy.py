"""Calibration accuracy against budget: parameter recovery on synthetic targets.

Zhenbao's calibration figures are replaced by what the model makes with known values of four
parameters (the mean of 4 replicates at scale 1; each figure compared as a value within 5%, the
year bound kept), and ABC-SMC fits those four (the others drawn from their priors, as in a real
fit) under each budget: scale x particles x generations. For each budget it reports the wall
time, the model runs, the effective sample size, the recovery error (the mean over parameters of
|posterior median - truth| / prior width, in the prior's quantile space) and the coverage (how
many true values lie inside the 90% credible interval). Written to
``benchmarks/results/calibration_accuracy.csv``.

Example:
    .venv/bin/python -m benchmarks.calibration_accuracy --workers 2
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

TRUTH = {"income.crops.0.yield_value_per_mu": 5000.0,
         "income.farm_mu_per_labourer": 15.0,
         "behaviour.transfer_claim_prob_month": 0.1,
         "population.local_job_share": 0.4}
OUT = Path(__file__).with_name("results") / "calibration_accuracy.csv"


def synthetic_problem(scale: float, seed: int = 3):
    """Zhenbao fitting :data:`TRUTH`'s parameters to figures the model makes at the truth."""
    from povsim.calibration.fit import Problem
    from povsim.schema.config import load_scenario

    pb = Problem.of(load_scenario("zhenbao"), scale=scale, seed=seed)
    pb.fit = sorted(TRUTH)
    truth_pb = Problem.of(load_scenario("zhenbao"), scale=1.0, seed=seed)
    made = truth_pb.simulate({**truth_pb.prior_medians(), **TRUTH}, seed=11, replicates=4,
                             nuisance=False)
    return pb.with_synthetic_figures(made)


def measure(scale: float, population: int, generations: int, workers: int) -> dict:
    """One fit under a budget and its recovery."""
    from povsim.calibration.fit import run_abc
    from povsim.calibration.posterior import effective_sample_size, load_posterior

    pb = synthetic_problem(scale)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        history = run_abc(pb, d, population=population, generations=generations,
                          workers=workers, progress=False)
        wall = time.perf_counter() - t0
        runs = int(history.get_all_populations()["samples"].sum())
        post = load_posterior(pb, history)
    summ = post.summary().set_index("parameter")
    w = post.samples["weight"].to_numpy(float)
    err, inside = [], 0
    for p, v in TRUTH.items():
        pr = pb.priors[p]
        q = lambda x, pr=pr: float(pr.rv.cdf(x))  # noqa: E731 - quantile space of the prior
        err.append(abs(q(summ.loc[p, "median"]) - q(v)))
        inside += int(summ.loc[p, "p05"] <= v <= summ.loc[p, "p95"])
    return {"scale": scale, "population": population, "generations": generations,
            "workers": workers, "wall_seconds": round(wall, 1), "model_runs": runs,
            "ess": round(effective_sample_size(w), 1),
            "recovery_error": round(float(np.mean(err)), 3),
            "truth_inside_90": f"{inside}/{len(TRUTH)}"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.calibration_accuracy")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--scales", default="1,4")
    p.add_argument("--populations", default="50,100")
    p.add_argument("--generations", default="3,6")
    args = p.parse_args(argv)
    grid = itertools.product([float(x) for x in args.scales.split(",")],
                             [int(x) for x in args.populations.split(",")],
                             [int(x) for x in args.generations.split(",")])
    rows = []
    OUT.parent.mkdir(exist_ok=True)
    for scale, pop, gens in grid:
        rows.append(measure(scale, pop, gens, args.workers))
        print(rows[-1], flush=True)
        df = pd.DataFrame(rows)
        df.to_csv(OUT, index=False)  # after each budget: a stopped study keeps what it measured
    print(df.to_string(index=False))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
