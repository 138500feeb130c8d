"""Joint-fit evaluations per minute: one evaluation of the joint calibration (every case at its
calibration scale, the same parameter values, every calibration figure) one by one and in
batches.

An evaluation is what the fit asks of the model for one parameter set
(:meth:`povsim.calibration.joint.JointProblem.simulate`): a run of each of the five cases at
its calibration scale and the figures read from its tables. This measures ``--evaluations``
of them on one thread, with parameter sets drawn from the priors, one by one and as one call
of :meth:`~povsim.calibration.joint.JointProblem.simulate_many` (each case's runs in batches,
keeping only the tables the figures read), after a warm-up, the best of ``--repeats`` passes,
and checks that both give the same figures. With ``--workers N`` (N > 1) it also measures the
batches on N worker processes (forked, one thread each, the evaluations split into N equal
parts, as a wave of history matching would share them out; the pool started and warmed up
before the clock starts) and checks their figures too. Results go to
``benchmarks/results/evaluation_throughput.csv``.

The issue's goal (50,000 evaluations within 60 minutes on 2 cores) is 833 evaluations a minute
on 2 workers: 417 on each core if they share the cores perfectly.

With ``--phases`` it also prints where an evaluation in batches spends its time, in
milliseconds per evaluation: building the runs, each submodel (all runs of a batch together),
the months' ends, the tables, and the rest (the parameter sets' scenarios, the figures read
from the tables), from :func:`povsim.engine.batch.timed`; rows go to
``benchmarks/results/evaluation_phases.csv``.

Example (about two minutes; three with ``--workers 2``)::

    .venv/bin/python -m benchmarks.evaluation_throughput --evaluations 32 --workers 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks import write_rows

OUT = Path(__file__).with_name("results") / "evaluation_throughput.csv"
PHASES = Path(__file__).with_name("results") / "evaluation_phases.csv"

_PROBLEM = []  # the joint problem, for the forked workers (set before the pool starts)


def _evaluate(values: list[dict[str, float]], seeds: list[int]) -> list[dict[str, float]]:
    """A worker's share: :meth:`JointProblem.simulate_many` of the forked problem."""
    return _PROBLEM[0].simulate_many(values, seeds)


def on_workers(jp, values: list, seeds: list, workers: int) -> tuple[float, list]:
    """Seconds and figures of the evaluations split into ``workers`` equal parts, each on a
    forked worker process (one thread), after the pool has started and evaluated two each."""
    _PROBLEM[:] = [jp]
    parts = [slice(i * len(values) // workers, (i + 1) * len(values) // workers)
             for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_evaluate, [values[:2]] * workers, [seeds[:2]] * workers))  # warm-up
        t = time.perf_counter()
        out = list(pool.map(_evaluate, [values[p] for p in parts], [seeds[p] for p in parts]))
        took = time.perf_counter() - t
    return took, [x for part in out for x in part]


def phases(jp, values: list, seeds: list) -> None:
    """Print and write where the evaluations in batches spend their time (ms per
    evaluation)."""
    from povsim.engine.batch import timed

    with timed() as spent:
        t = time.perf_counter()
        jp.simulate_many(values, seeds)
        total = time.perf_counter() - t
    spent["rest (scenarios, figures)"] = total - sum(spent.values())
    n = len(values)
    rows = [{"part": part, "ms_per_evaluation": round(1e3 * s / n, 2),
             "share": round(s / total, 3)} for part, s in spent.most_common()]
    write_rows(PHASES, rows)
    print(f"where an evaluation in batches spends its {1e3 * total / n:.1f} ms:")
    for r in rows:
        print(f"  {r['part']:<28} {r['ms_per_evaluation']:7.2f} ms  {r['share']:6.1%}")
    print(f"wrote {PHASES}")


def same_figures(a: list[dict], b: list[dict]) -> bool:
    """Whether two lists of evaluations give the same figures (NaN equal to NaN)."""
    return all(x.keys() == y.keys() and all(x[f] == y[f] or (np.isnan(x[f]) and np.isnan(y[f]))
                                            for f in x)
               for x, y in zip(a, b, strict=True))


def main(argv: list[str] | None = None) -> int:
    """Measure the joint evaluations one by one and in batches; write the CSV."""
    from povsim.base import threads
    from povsim.calibration.joint import JointProblem
    from povsim.calibration.posterior import prior_sample
    from povsim.scenarios import CALIBRATION_SCALE, CASES
    from povsim.schema.config import load_scenario

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--evaluations", type=int, default=32)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--phases", action="store_true", help="where an evaluation's time goes")
    a = p.parse_args(argv)
    threads.set_threads(1)
    jp = JointProblem.of([load_scenario(c) for c in CASES],
                         scales={c: CALIBRATION_SCALE.get(c, 1.0) for c in CASES})
    values = prior_sample(jp, a.evaluations).draws(a.evaluations)
    seeds = [1000 + i for i in range(len(values))]
    jp.simulate_many(values[:2], seeds[:2])  # warm-up: imports, kernels, the batch kernels
    one, many, same = float("inf"), float("inf"), True
    for _ in range(a.repeats):
        t = time.perf_counter()
        alone = [jp.simulate(v, seed=s) for v, s in zip(values, seeds, strict=True)]
        one = min(one, time.perf_counter() - t)
        t = time.perf_counter()
        together = jp.simulate_many(values, seeds)
        many = min(many, time.perf_counter() - t)
        same = same and same_figures(alone, together)
    ways = [("one by one", 1, one), ("in batches", 1, many)]
    if a.workers > 1:
        best = float("inf")
        for _ in range(a.repeats):
            t, figures = on_workers(jp, values, seeds, a.workers)
            best = min(best, t)
            same = same and same_figures(alone, figures)
        ways.append((f"in batches on {a.workers} workers", a.workers, best))
    rows = [{"evaluations": a.evaluations, "workers": w, "threads_each": 1, "way": way,
             "evaluations_per_minute": round(60 * a.evaluations / t, 1),
             "seconds_per_evaluation": round(t / a.evaluations, 4), "same_figures": same}
            for way, w, t in ways]
    write_rows(OUT, rows)
    for r in rows:
        print(f"{r['way']:<24} {r['evaluations_per_minute']:7.1f} joint evaluations a minute "
              f"({r['seconds_per_evaluation']:.3f} s each)")
    print(f"the same figures both ways: {same}; wrote {OUT}")
    if a.phases:
        phases(jp, values, seeds)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
