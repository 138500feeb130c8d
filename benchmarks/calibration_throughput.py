"""Calibration throughput: model runs per second of each case at its calibration scale.

A calibration is thousands of runs of one replicate at the case's calibration scale
(:data:`povsim.scenarios.CALIBRATION_SCALE`), each on one thread (the workers share the cores),
so that is what this measures: ``--runs`` runs of each case in this process, one thread, after a
warm-up run, and the runs per second. Results go to
``benchmarks/results/calibration_throughput.csv``.

Example (about a minute):
    .venv/bin/python -m benchmarks.calibration_throughput --runs 20
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks import write_rows

OUT = Path(__file__).with_name("results") / "calibration_throughput.csv"


def throughput(case: str, runs: int, threads: int = 1) -> dict:
    """Runs per second of ``case`` at its calibration scale on ``threads`` threads."""
    from povsim import allocator
    from povsim import threads as th
    from povsim.config import load_scenario
    from povsim.runner import run_replicate
    from povsim.scenarios import CALIBRATION_SCALE

    allocator.keep_freed_arrays()
    th.set_threads(threads)
    sc, scale = load_scenario(case), CALIBRATION_SCALE.get(case, 1.0)
    run_replicate(sc, seed=0, replicate=0, scale=scale)  # warm-up: kernels, imports
    t = time.perf_counter()
    for r in range(runs):
        run_replicate(sc, seed=1, replicate=r, scale=scale)
    wall = time.perf_counter() - t
    return {"case": case, "scale": scale, "runs": runs, "threads": threads,
            "seconds": round(wall, 3), "runs_per_second": round(runs / wall, 2)}


def main(argv: list[str] | None = None) -> int:
    """Measure every case and write the CSV."""
    from povsim.scenarios import CASES

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    rows = [throughput(c, a.runs, a.threads) for c in CASES]
    write_rows(OUT, rows)
    for r in rows:
        print(f"{r['case']:<10} 1:{r['scale']:<5g} {r['runs']} runs in {r['seconds']:.2f} s: "
              f"{r['runs_per_second']:.2f} runs/s on {r['threads']} thread(s)")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
