"""Calibration throughput: model runs per second of each case at its calibration scale.

A calibration is thousands of runs of one replicate at the case's calibration scale
(:data:`povsim.scenarios.CALIBRATION_SCALE`), each on one thread (the workers share the cores),
so that is what this measures: ``--runs`` runs of each case, one thread, after a warm-up run
(imports, compiled kernels), the best of ``--repeats`` passes, in a fresh process. Results go to
``benchmarks/results/calibration_throughput.csv``.

With ``--against REV`` it measures a git revision of povsim side by side with the checkout, on
the same machine in the same minutes (issue 26's goals are ratios to the code before): the
revision is built into a wheel and installed, without dependencies, into a scratch virtual
environment that borrows this one's packages; the two are measured in turns, ``--rounds``
times, and each case's best is kept. The CSV then has both and their ratio.

With ``--batch N`` (default 32) each case is also measured in one batch of N runs
(:mod:`povsim.engine.batch`: the runs stacked and stepped together, as calibrations, sweeps and the
many-run commands now run them), where the measured code has batches.

Example (about a minute)::

    .venv/bin/python -m benchmarks.calibration_throughput --runs 10
    .venv/bin/python -m benchmarks.calibration_throughput --runs 10 --against d5791c6
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from benchmarks import write_rows

OUT = Path(__file__).with_name("results") / "calibration_throughput.csv"
ROOT = Path(__file__).resolve().parent.parent

#: the measurement, run in a fresh interpreter of either environment; it uses only names every
#: revision of povsim has (load_scenario, run_replicate, CALIBRATION_SCALE, set_threads)
MEASURE = r"""
import json, sys, time
from povsim.base import threads
from povsim.schema.config import load_scenario
from povsim import run_replicate
from povsim.scenarios import CALIBRATION_SCALE
cases, runs, repeats = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3])
batch = int(sys.argv[4])
try:
    from povsim.engine.batch import run_batch
except ImportError:  # a revision before batches
    run_batch = None
threads.set_threads(1)
out = {}
for case in cases:
    sc, scale = load_scenario(case), CALIBRATION_SCALE.get(case, 1.0)
    run_replicate(sc, seed=0, replicate=0, scale=scale)  # warm-up: imports, kernels
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for r in range(runs):
            run_replicate(sc, seed=1, replicate=r, scale=scale)
        best = min(best, (time.perf_counter() - t) / runs)
    best_batch = None
    if run_batch is not None and batch > 1:
        run_batch(sc, [{}] * 2, [0, 0], [0, 1], scale)  # warm-up: the batch kernels
        best_batch = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            run_batch(sc, [{}] * batch, [1] * batch, list(range(batch)), scale)
            best_batch = min(best_batch, (time.perf_counter() - t) / batch)
    out[case] = [scale, best, best_batch]
print(json.dumps(out))
"""


def measure(python: str, cases: list[str], runs: int, repeats: int,
            env: dict[str, str] | None = None, batch: int = 0
            ) -> dict[str, tuple[float, float, float | None]]:
    """Seconds per run (best of ``repeats`` passes of ``runs``) of each case, in a fresh
    ``python`` process, one by one and (``batch`` > 1, where the revision has
    :mod:`povsim.engine.batch`) in one batch of ``batch`` runs: case -> (scale, seconds, seconds in
    a
    batch or None)."""
    r = subprocess.run([python, "-c", MEASURE, ",".join(cases), str(runs), str(repeats),
                        str(batch)], capture_output=True, text=True, check=True, env=env,
                       cwd=tempfile.gettempdir())
    return {c: tuple(v) for c, v in json.loads(r.stdout.strip().splitlines()[-1]).items()}


def install_revision(rev: str, into: Path) -> tuple[str, dict[str, str]]:
    """Build povsim at git revision ``rev`` and install it in a scratch environment under
    ``into``; return its interpreter and the environment to run it with (this environment's
    packages on its path, its own numba cache)."""
    src, wheels, venv = into / "src", into / "wheels", into / "venv"
    src.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(src), "-w",
                    str(wheels)], check=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps",
                    str(next(wheels.glob("povsim-*.whl")))], check=True)
    env = dict(os.environ, PYTHONPATH=sysconfig.get_paths()["purelib"],
               NUMBA_CACHE_DIR=str(into / "numba-cache"))
    return python, env


def main(argv: list[str] | None = None) -> int:
    """Measure every case (and a revision beside it with ``--against``) and write the CSV."""
    from povsim.scenarios import CASES

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--rounds", type=int, default=2, help="turns of each side with --against")
    p.add_argument("--against", default=None, metavar="REV", help="a git revision to measure "
                   "beside the checkout (e.g. the commit before a change)")
    p.add_argument("--batch", type=int, default=32, help="runs in one batch (povsim.engine.batch) "
                   "measured beside the runs one by one; 0: none")
    a = p.parse_args(argv)
    cases = list(CASES)
    if a.against is None:
        new = measure(sys.executable, cases, a.runs, a.repeats, batch=a.batch)
        rows = [{"case": c, "scale": s, "runs": a.runs, "threads": 1, "seconds_per_run":
                 round(t, 5), "runs_per_second": round(1 / t, 2), "batch": a.batch,
                 "runs_per_second_batch": round(1 / tb, 2) if tb else None}
                for c, (s, t, tb) in new.items()]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            python, env = install_revision(a.against, Path(tmp))
            best_old: dict[str, float] = {}
            best_new: dict[str, float] = {}
            best_batch: dict[str, float] = {}
            for _ in range(a.rounds):
                for c, (_, t, _) in measure(python, cases, a.runs, a.repeats, env).items():
                    best_old[c] = min(best_old.get(c, t), t)
                for c, (_, t, tb) in measure(sys.executable, cases, a.runs, a.repeats,
                                             batch=a.batch).items():
                    best_new[c] = min(best_new.get(c, t), t)
                    if tb:
                        best_batch[c] = min(best_batch.get(c, tb), tb)
        from povsim.scenarios import CALIBRATION_SCALE

        rows = [{"case": c, "scale": CALIBRATION_SCALE.get(c, 1.0), "runs": a.runs,
                 "threads": 1, "revision": a.against,
                 "runs_per_second_revision": round(1 / best_old[c], 2),
                 "runs_per_second": round(1 / best_new[c], 2),
                 "ratio": round(best_old[c] / best_new[c], 2), "batch": a.batch,
                 "runs_per_second_batch": (round(1 / best_batch[c], 2) if c in best_batch
                                           else None),
                 "ratio_batch": (round(best_old[c] / best_batch[c], 2) if c in best_batch
                                 else None)} for c in cases]
    write_rows(OUT, rows)
    for r in rows:
        before = (f" ({r['revision']}: {r['runs_per_second_revision']:.2f}, x{r['ratio']:.2f})"
                  if "ratio" in r else "")
        batch = (f"; in batches of {r['batch']}: {r['runs_per_second_batch']:.2f}"
                 + (f" (x{r['ratio_batch']:.2f})" if r.get("ratio_batch") else "")
                 if r.get("runs_per_second_batch") else "")
        print(f"{r['case']:<10} 1:{r['scale']:<5g} {r['runs_per_second']:.2f} runs/s on 1 "
              f"thread{before}{batch}")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
