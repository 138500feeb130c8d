"""End-year outcomes of the five cases, and two versions of the engine compared within noise.

``--save FILE`` runs every bundled case at its calibration scale (seed 1, ``--replicates``
replicates) and writes each end-year outcome's mean and standard error over the replicates as
JSON; ``--compare BEFORE AFTER`` prints, for each case and outcome, both means and their
difference in standard errors of the difference (the two sets treated as independent, which is
conservative where they share their populations). Run ``--save`` at two commits to see whether
a change of the engine moved the outputs beyond seed noise (issue 18: the counter-based draws).

Example (about a minute per version on 2 cores):
    .venv/bin/python -m benchmarks.case_outcomes --save after.json
    .venv/bin/python -m benchmarks.case_outcomes --compare before.json after.json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

OUTCOMES = ("incidence", "income_mean", "income_mean_registered",
            "collective_operating_revenue", "gini")


def end_year(replicates: int) -> dict:
    """Each case's end-year outcomes: {case: {outcome: [mean, standard error]}}."""
    import numpy as np

    from povsim.base import allocator
    from povsim.experiments.runner import run_scenario
    from povsim.scenarios import CALIBRATION_SCALE, CASES
    from povsim.schema.config import load_scenario

    allocator.keep_freed_arrays()
    out = {}
    for case in CASES:
        res = run_scenario(load_scenario(case), seed=1, replicates=replicates,
                           scale=CALIBRATION_SCALE.get(case, 1.0), progress=False)
        a = res.tables["annual"]
        last = a[a["year"] == a["year"].max()]
        out[case] = {k: [float(last[k].mean()), float(last[k].std(ddof=1) / np.sqrt(len(last)))]
                     for k in OUTCOMES}
    return out


def compare(before: dict, after: dict) -> list[dict]:
    """One row per case and outcome: both means and the difference in standard errors.

    Example:
        >>> compare({"c": {"x": [1.0, 0.1]}}, {"c": {"x": [1.2, 0.1]}})[0]["z"]
        1.41
    """
    rows = []
    for case, outcomes in before.items():
        for k, (mb, sb) in outcomes.items():
            ma, sa = after[case][k]
            se = math.hypot(sb, sa)
            rows.append({"case": case, "outcome": k, "before": mb, "before_se": sb, "after": ma,
                         "after_se": sa, "z": round((ma - mb) / se, 2) if se > 0 else 0.0})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Save one version's outcomes, or compare two."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--save", type=Path, metavar="FILE")
    how.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    p.add_argument("--replicates", type=int, default=16)
    a = p.parse_args(argv)
    if a.save:
        a.save.write_text(json.dumps(end_year(a.replicates), indent=1), encoding="utf-8")
        print(f"wrote {a.save}")
        return 0
    rows = compare(*(json.loads(f.read_text(encoding="utf-8")) for f in a.compare))
    print(f"{'case':<9} {'outcome':<29} {'before':>22} {'after':>22} {'z':>6}")
    for r in rows:
        print(f"{r['case']:<9} {r['outcome']:<29} {r['before']:>12.5g} ± {r['before_se']:<7.2g} "
              f"{r['after']:>12.5g} ± {r['after_se']:<7.2g} {r['z']:>+6.2f}")
    worst = max(rows, key=lambda r: abs(r["z"]))
    print(f"{sum(abs(r['z']) > 2 for r in rows)} of {len(rows)} beyond 2 s.e.; largest: "
          f"{worst['case']} {worst['outcome']} {worst['z']:+.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
