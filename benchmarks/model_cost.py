"""Measure the engine's cost: build time, run time per household-month and peak memory.

Runs one replicate of a scenario at several scales, each in a fresh subprocess so that its peak
resident memory is its own, and writes one row per measurement (metric, value, unit) to
``benchmarks/results/model_cost.csv``. Usage::

    .venv/bin/python -m benchmarks.model_cost [scenarios/xixiu.yaml] [--scales 100 10 1]

Example (not run in the tests; takes seconds to a minute):
    python -m benchmarks.model_cost --scales 100
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import write_rows

OUT = Path(__file__).with_name("results") / "model_cost.csv"


def measure_once(scenario: str, scale: float) -> dict:
    """Build and run one replicate in this process; return timings and peak memory."""
    from povsim.engine.model import PovertyModel
    from povsim.schema.config import load_scenario

    sc = load_scenario(scenario)
    t0 = time.perf_counter()
    m = PovertyModel(sc, seed=1, scale=scale)
    t1 = time.perf_counter()
    m.run()
    t2 = time.perf_counter()
    months = len(m.monthly)
    return {"households": m.households.n, "months": months, "build_s": t1 - t0,
            "run_s": t2 - t1, "household_state_bytes": m.households.nbytes(),
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def main(argv: list[str] | None = None) -> int:
    """Measure each scale in a subprocess and write the CSV."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", nargs="?", default="scenarios/xixiu.yaml")
    p.add_argument("--scales", nargs="+", type=float, default=[100.0, 10.0, 1.0])
    p.add_argument("--child", type=float, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    from povsim.base import allocator

    allocator.keep_freed_arrays()  # as the povsim command line does, once per process
    if a.child is not None:
        print(json.dumps(measure_once(a.scenario, a.child)))
        return 0
    rows = []
    for scale in a.scales:
        out = subprocess.run([sys.executable, "-m", "benchmarks.model_cost", a.scenario,
                              "--child", str(scale)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        steps = r["households"] * r["months"]
        for metric, value, unit in (
            ("households", r["households"], "households"),
            ("build_time", r["build_s"], "s"),
            ("run_time", r["run_s"], "s"),
            ("time_per_household_month", r["run_s"] / steps * 1e6, "us"),
            ("household_months_per_second", steps / r["run_s"], "1/s"),
            ("household_state_per_household", r["household_state_bytes"] / r["households"], "B"),
            ("peak_rss", r["peak_rss_bytes"] / 2**20, "MiB"),
        ):
            rows.append({"scenario": a.scenario, "scale": scale, "metric": metric,
                         "value": round(float(value), 4), "unit": unit})
    write_rows(OUT, rows)
    for r in rows:
        print(f"scale {r['scale']:>6g}  {r['metric']:<32} {r['value']:>14,.3f} {r['unit']}")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
