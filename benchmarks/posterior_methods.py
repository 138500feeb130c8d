"""Which posterior method for the staged calibration: pyabc's ABC-SMC or sbi's neural posterior?

Both fit the same four Zhenbao parameters (the others drawn from their priors in every run, as
in a real fit) to synthetic figures: for each of ``--truths`` truths drawn from the prior
(scrambled Sobol' points of the central 80% of each prior), one run of the model at the truth,
each figure then observed with error (a normal of sd 5% of the figure's reported value, the
tolerance both methods are told). Reported per method: the recovery error (mean |posterior median
- truth| in the prior's quantile space), the coverage of the 90% interval over (truth, parameter)
pairs, the model runs and the wall time. ABC-SMC runs once per truth (``--population`` particles,
``--generations`` generations); the neural posterior is trained once on ``--training`` runs from
the prior and serves every truth (amortised). Written to
``calibration/posteriors/posterior_methods.csv``, which ``docs/calibration.md`` quotes.

Example:
    .venv/bin/python -m benchmarks.posterior_methods --workers 2
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

PARAMS = ["income.crops.0.yield_value_per_mu", "income.farm_mu_per_labourer",
          "behaviour.transfer_claim_prob_month", "population.away_household_share"]
FIGURES = ["zhenbao.resident_population", "zhenbao.melon_income_per_mu",
           "zhenbao.per_capita_income"]
# shipped beside the bundled posteriors: docs/calibration.md quotes it
OUT = Path(__file__).resolve().parents[1] / "calibration" / "posteriors" / "posterior_methods.csv"
REL_ERROR = 0.05


def problem(scale: float):
    from povsim.calibration.fit import Problem
    from povsim.schema.config import load_scenario

    pb = Problem.of(load_scenario("zhenbao"), scale=scale, seed=5)
    pb.fit = list(PARAMS)
    figs = [f for f in pb.figures if f.id in FIGURES]
    return replace(pb, figures=figs)


def values_of(pb, u: np.ndarray) -> list[dict]:
    return [{p: float(pb.priors[p].ppf(q)) for p, q in zip(PARAMS, row, strict=True)}
            for row in u]


def truths(pb, n: int, workers: int):
    """Truths (prior quantiles), their observed figures, the figures' observation sds."""
    from scipy.stats import qmc

    from povsim.calibration.evaluate import evaluate

    u = 0.1 + 0.8 * qmc.Sobol(len(PARAMS), scramble=True, seed=7).random(n)
    made = evaluate(pb, values_of(pb, u), [900 + i for i in range(n)], workers=workers)
    sd = np.array([REL_ERROR * abs(f.value) for f in pb.figures])
    x = np.array([[m[f.id] for f in pb.figures] for m in made])
    x = x + np.random.default_rng(8).standard_normal(x.shape) * sd
    return u, x, sd


def score(pb, u_true: np.ndarray, draws: list[np.ndarray]) -> tuple[float, float]:
    """Recovery error and 90% coverage, in quantile space (``draws``: per truth, n x params,
    already quantiles)."""
    err, cover = [], []
    for t, d in zip(u_true, draws, strict=True):
        med = np.median(d, axis=0)
        lo, hi = np.quantile(d, [0.05, 0.95], axis=0)
        err += list(np.abs(med - t))
        cover += list((lo <= t) & (t <= hi))
    return float(np.mean(err)), float(np.mean(cover))


def with_observed(pb, x_row: np.ndarray, sd: np.ndarray):
    figs = [f.model_copy(update={"value": float(v), "target": f.target.model_copy(
        update={"comparison": "equal", "tolerance": float(s)})})
        for f, v, s in zip(pb.figures, x_row, sd, strict=True)]
    return replace(pb, figures=figs)


def abc(pb, u_true, x, sd, population: int, generations: int, workers: int) -> dict:
    from povsim.calibration.fit import run_abc
    from povsim.calibration.posterior import load_posterior, weighted_draws

    t0, runs, draws = time.perf_counter(), 0, []
    for row in x:
        with tempfile.TemporaryDirectory() as d:
            pt = with_observed(pb, row, sd)
            h = run_abc(pt, d, population=population, generations=generations,
                        workers=workers, progress=False)
            runs += int(h.get_all_populations()["samples"].sum())
            post = load_posterior(pt, h)
        vals = weighted_draws(post.samples, 1000, seed=1)
        draws.append(np.array([[pb.priors[p].rv.cdf(v[p]) for p in PARAMS] for v in vals]))
    err, cov = score(pb, u_true, draws)
    return {"method": f"pyabc ABC-SMC ({population} particles, {generations} generations, "
                      "per truth)", "recovery_error": err, "coverage_90": cov,
            "model_runs": runs, "wall_seconds": time.perf_counter() - t0}


def npe(pb, u_true, x, sd, training: int, workers: int) -> dict:
    from scipy.special import ndtr
    from scipy.stats import qmc

    from povsim.calibration.evaluate import evaluate
    from povsim.calibration.neural import latent, log_floors, train

    t0 = time.perf_counter()
    u = qmc.Sobol(len(PARAMS), scramble=True, seed=9).random(training)
    made = evaluate(pb, values_of(pb, u), [5000 + i for i in range(training)], workers=workers)
    y = np.array([[m[f.id] for f in pb.figures] for m in made])
    # each figure read as its log, as the staged fit reads an equality figure
    floors = log_floors([SimpleNamespace(observed=f.value, comparison="equal")
                         for f in pb.figures])
    net = train(latent(u), y, seed=3, noise_sd=sd, floors=floors)
    draws = [ndtr(net.sample(row, 1000, seed=10 + i)) for i, row in enumerate(x)]
    err, cov = score(pb, u_true, draws)
    return {"method": f"sbi NPE ({training} runs from the prior, trained once, figures as "
                      "logs)",
            "recovery_error": err, "coverage_90": cov, "model_runs": training,
            "wall_seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.posterior_methods")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--scale", type=float, default=4.0)
    p.add_argument("--truths", type=int, default=8)
    p.add_argument("--population", type=int, default=100)
    p.add_argument("--generations", type=int, default=4)
    p.add_argument("--training", type=int, default=1024)
    args = p.parse_args(argv)
    pb = problem(args.scale)
    u_true, x, sd = truths(pb, args.truths, args.workers)
    rows = [npe(pb, u_true, x, sd, args.training, args.workers)]
    print(rows[-1], flush=True)
    rows.append(abc(pb, u_true, x, sd, args.population, args.generations, args.workers))
    print(rows[-1], flush=True)
    df = pd.DataFrame(rows).assign(truths=args.truths, parameters=len(PARAMS),
                                   scale=args.scale, workers=args.workers)
    df["recovery_error"] = df["recovery_error"].round(3)
    df["coverage_90"] = df["coverage_90"].round(3)
    df["wall_seconds"] = df["wall_seconds"].round(1)
    OUT.parent.mkdir(exist_ok=True)
    df.to_csv(OUT, index=False)
    print(df.to_string(index=False))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
