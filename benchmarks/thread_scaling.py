"""Thread scaling of one run: the same run on 1, 2, 4 ... threads, and the same bits on all.

Runs Xixiu with ``--households`` households for ``--months`` months on each thread count up to
every thread numba has (powers of two, and the most), each in a fresh process (as
``python -m benchmarks`` does), and reports the time per household-step, the speed-up over one
thread and the efficiency (speed-up / threads). Then it runs Xixiu at full scale (170,000
households, 11 chunks of the parallel loops) to its end on one thread and on the most, and
checks that every table is the same. Rows go to ``benchmarks/results/thread_scaling.csv`` (or
``--out``).

Example (about a minute on 2 cores):
    .venv/bin/python -m benchmarks.thread_scaling --households 200000 --months 24
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from benchmarks import write_rows
from benchmarks.__main__ import _child

OUT = Path(__file__).with_name("results") / "thread_scaling.csv"


def thread_counts(most: int) -> list[int]:
    """1, 2, 4 ... up to ``most``, and ``most``.

    Example:
        >>> thread_counts(12)
        [1, 2, 4, 8, 12]
    """
    out, t = [], 1
    while t < most:
        out.append(t)
        t *= 2
    return [*out, most]


def same_tables(threads: int) -> bool:
    """Whether a full run of Xixiu (170,000 households) gives the same tables on one thread as
    on ``threads``."""
    import pandas as pd

    from povsim.base.threads import set_threads
    from povsim.engine.model import PovertyModel
    from povsim.schema.config import load_scenario

    tables = []
    for t in (1, threads):
        set_threads(t)
        m = PovertyModel(load_scenario("xixiu"), seed=3)
        m.run()
        tables.append(m.tables())
        m.release()
    for name, df in tables[0].items():
        try:
            pd.testing.assert_frame_equal(df, tables[1][name], check_exact=True)
        except AssertionError:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Measure every thread count, check the identity, write the CSV."""
    from povsim.base import allocator
    from povsim.base.threads import available

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--households", type=int, default=1_000_000)
    p.add_argument("--months", type=int, default=60)
    p.add_argument("--out", type=Path, default=OUT)
    a = p.parse_args(argv)
    allocator.keep_freed_arrays()
    rows, base = [], None
    for t in thread_counts(available()):
        r = _child("engine", a.households, a.months, t)
        ns = r["run_s"] / (r["households"] * r["months"]) * 1e9
        base = base or r["run_s"]
        rows.append({"threads": t, "households": r["households"], "months": r["months"],
                     "run_s": round(r["run_s"], 3), "ns_per_household_step": round(ns, 2),
                     "speedup": round(base / r["run_s"], 3),
                     "efficiency": round(base / r["run_s"] / t, 3),
                     "peak_rss_mib": round(r["peak_rss"] / 2**20, 1)})
        print(f"{t:>3} threads: {ns:7.1f} ns per household-step, speed-up "
              f"{rows[-1]['speedup']:.2f}, efficiency {rows[-1]['efficiency']:.2f}", flush=True)
    t0 = time.perf_counter()
    same = same_tables(available())
    print(f"Xixiu at 170,000 households on 1 and {available()} threads: tables "
          f"{'identical' if same else 'DIFFER'} ({time.perf_counter() - t0:.0f} s)")
    for r in rows:
        r["identical_tables_1_vs_most"] = same
    write_rows(a.out, rows)
    print(f"{platform.processor() or platform.machine()}, {available()} threads; wrote {a.out}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
