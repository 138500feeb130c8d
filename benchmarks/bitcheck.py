"""Bit-identity check of the engine: every table of 5 scenarios x 3 policy settings x 2 replicates.

A refactoring or a speed-up must not change a single bit of any output. This runs each bundled
scenario under three policy settings (the file's own, and two that exercise every other pairing
strategy, tenure and capacity) for two replicates at a small scale, and writes every table of
every run (``run_replicate(..., households=True)``) to Parquet under ``--save DIR``; with
``--against DIR`` it compares the new tables with those saved, exactly (values, dtypes, column
order), and prints one line per run and a verdict.

Example (from the checkout, before and after a change)::

    python -m benchmarks.bitcheck --save /tmp/bits-before
    python -m benchmarks.bitcheck --save /tmp/bits-after --against /tmp/bits-before
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from povsim.engine.replicate import run_replicate
from povsim.scenarios import scenario_path
from povsim.schema.config import load_scenario

#: scenario -> scale of the check (small, so the 30 runs take about a minute)
SCALES = {"xixiu": 5.0, "yushu": 2.0, "jiangkou": 4.0, "sanba": 1.0, "zhenbao": 1.0}
#: the policy settings: the file's own, and two that use every other strategy
POLICIES = {
    "file": {},
    "optimal-rotating": {"cadre_pairing": "optimal", "cadre_tenure": "rotating",
                         "village_pairing": "by_capacity",
                         "first_secretary_assignment": "weakest_branch_first"},
    "matched-one-to-one": {"cadre_pairing": "need_matched", "cadre_capacity": "one_to_one",
                           "village_pairing": "nearest", "first_secretary_assignment": "none"},
}
REPLICATES = (0, 1)
SEED = 3


def runs():
    """Every (case, policy name, policy levers, replicate) of the check."""
    for case in SCALES:
        for pname, levers in POLICIES.items():
            for r in REPLICATES:
                yield case, pname, levers, r


def main(argv: list[str] | None = None) -> int:
    """Run the check; return 1 if any table differs from ``--against``."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--save", required=True, help="folder to write this run's tables to")
    p.add_argument("--against", default=None, help="folder of a saved run to compare with")
    args = p.parse_args(argv)
    save, ref = Path(args.save), Path(args.against) if args.against else None
    bad = 0
    t0 = time.perf_counter()
    for case, pname, levers, r in runs():
        sc = load_scenario(scenario_path(case))
        if levers:
            sc = sc.with_overrides(**levers)
        tables = run_replicate(sc, SEED, r, scale=SCALES[case], households=True)
        folder = save / f"{case}-{pname}-r{r}"
        folder.mkdir(parents=True, exist_ok=True)
        diffs = []
        for name, df in tables.items():
            df.to_parquet(folder / f"{name}.parquet", index=False)
            if ref is None:
                continue
            old_file = ref / folder.name / f"{name}.parquet"
            if not old_file.exists():
                diffs.append(f"{name} (not in reference)")
                continue
            old = pd.read_parquet(old_file)
            new = pd.read_parquet(folder / f"{name}.parquet")
            if not (list(old.columns) == list(new.columns) and old.dtypes.equals(new.dtypes)
                    and old.equals(new)):
                diffs.append(name)
        if ref is not None:
            missing = sorted({f.stem for f in (ref / folder.name).glob("*.parquet")}
                             - set(tables))
            diffs += [f"{m} (missing)" for m in missing]
            bad += bool(diffs)
            print(f"{folder.name:32s} {len(tables)} tables: "
                  + ("identical" if not diffs else "DIFFER: " + ", ".join(diffs)))
        else:
            print(f"{folder.name:32s} {len(tables)} tables saved")
    n = sum(1 for _ in runs())
    print(f"{n} runs in {time.perf_counter() - t0:.1f} s"
          + ("" if ref is None else f"; {n - bad} identical, {bad} differ"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
