"""Parallel efficiency of sweeps: runs per second serially and on a local Dask cluster.

For each case, the same sweep (a grid of two cadre-pairing strategies x replicates) runs once
serially in this process (:func:`povsim.experiments.sweeps.run_sweep` with ``serial=True``) and once
on a local Dask cluster of each worker count, into fresh stores. The cluster is started before
timing and its workers have imported the model before timing (start-up and imports are reported
apart, ``cluster_start_s``; the serial run's imports are done before timing too), so ``runs_per_s``
is the sweep's own throughput: pilot-free (fixed chunk size), including the client's writing of
every chunk. Parallel efficiency is ``rate(w workers) / (w x serial rate)`` (goal >= 0.85 at 2
workers).

Cases: ``xixiu`` runs Xixiu at full scale (170,000 households, about 2-3 s a run here); ``small``
runs Zhenbao at full scale (420 households, about 0.05 s a run), batched 20 runs per task.

Usage::

    python -m benchmarks.sweep_scaling                 # workers 1 and 2, both cases
    python -m benchmarks.sweep_scaling --workers 1,2,4,8,16 --cases small

Writes ``benchmarks/results/sweep_scaling.csv`` (one row per case and worker count).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).with_name("results")
ROOT = Path(__file__).resolve().parents[1]
#: case: (scenario, scale, replicates per point, runs per task)
CASES = {
    "xixiu": ("xixiu.yaml", 1.0, 6, 1),
    "small": ("zhenbao.yaml", 1.0, 150, 20),
}


def sweep_file(folder: Path, case: str) -> Path:
    """A two-point grid sweep file of a case, written into ``folder``."""
    scen, scale, reps, _ = CASES[case]
    path = folder / f"bench_{case}.yaml"
    path.write_text(
        f"name: bench_{case}\nscenario: {ROOT / 'scenarios' / scen}\nseed: 1\n"
        f"replicates: {reps}\nscale: {scale}\ndesign: {{method: grid}}\nparameters:\n"
        "  cadre_pairing: {values: [same_village, random]}\noutputs: [incidence, income_mean]\n")
    return path


def measure(case: str, workers: list[int]) -> list[dict]:
    """Serial and Dask throughput of one case; one row per worker count (0 = serial)."""
    from dask.distributed import Client

    from povsim.experiments.sweepfile import load_sweep
    from povsim.experiments.sweeps import local_cluster, run_sweep, warm_worker

    chunk = CASES[case][3]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sweep = load_sweep(sweep_file(Path(tmp), case))
        warm_worker()  # this process's kernels loaded before timing, as the workers' are
        res = run_sweep(sweep, Path(tmp) / "serial", serial=True, chunk_size=chunk,
                        progress=False)
        serial = res["runs_per_second"]
        rows.append({"case": case, "workers": 0, "runs": res["ran"], "cluster_start_s": 0.0,
                     "wall_s": res["wall_seconds"], "runs_per_s": serial, "efficiency": 1.0})
        for w in workers:
            t = time.perf_counter()
            cluster = local_cluster(w)  # the cluster run_sweep starts by default
            with Client(cluster) as client:  # workers import the model and load the kernels
                client.run(warm_worker)
            start = time.perf_counter() - t
            try:
                res = run_sweep(sweep, Path(tmp) / f"w{w}", scheduler=cluster.scheduler_address,
                                chunk_size=chunk, progress=False)
            finally:
                cluster.close()
            rate = res["runs_per_second"]
            rows.append({"case": case, "workers": w, "runs": res["ran"],
                         "cluster_start_s": start, "wall_s": res["wall_seconds"],
                         "runs_per_s": rate, "efficiency": rate / (w * serial)})
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", default="1,2", help="worker counts, comma-separated (default 1,2)")
    p.add_argument("--cases", default="xixiu,small", help="cases (default xixiu,small)")
    p.add_argument("--out", default=str(RESULTS / "sweep_scaling.csv"), help="CSV to write")
    a = p.parse_args(argv)
    workers = [int(w) for w in a.workers.split(",")]
    rows = []
    for case in a.cases.split(","):
        if case not in CASES:
            raise SystemExit(f"unknown case {case!r}; cases: {', '.join(CASES)}")
        print(f"{case}: serial, then {workers} Dask workers ...", flush=True)
        rows.extend(measure(case, workers))
    table = pd.DataFrame(rows)
    table["cpus"] = os.cpu_count()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(a.out, index=False)
    with pd.option_context("display.width", 120, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))
    print(f"{platform.machine()}, {os.cpu_count()} CPUs; workers 0 = serial, in this process; "
          f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
