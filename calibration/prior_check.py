"""The prior predictive check of each case: is every reported figure within the model's reach?

For a case, ``draws`` parameter sets are drawn from the priors (every ``to calibrate`` and
``calibrated`` parameter of ``calibration/priors.yaml``), the case is run once under each at its
calibration scale (:data:`povsim.scenarios.CALIBRATION_SCALE`), and every calibration and
validation figure, and every anchor (a public statistic of the place's income level or
spread, ``calibration/anchors.yaml``), is compared with the 90% band of its predictions. A
calibration figure outside the prior's band is out of the model's reach as the priors stand: no
fit can meet it, and ``docs/calibration.md`` gives the structural reason.

Run it from the command line::

    python -m povsim.calibration.prior_check                  # all five cases, 40 draws each
    python -m povsim.calibration.prior_check zhenbao --draws 10 --format csv

Example:
    >>> t = prior_check("zhenbao", draws=3, scale=8)
    >>> list(t.columns[:3]), bool(t["role"].isin(["calibration", "validation"]).all())
    (['case', 'id', 'role'], True)
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from povsim.calibration.anchors import load_anchors
from povsim.scenarios import CALIBRATION_SCALE, CASES
from povsim.schema.config import load_scenario


def prior_check(case: str, draws: int = 40, scale: float | None = None,
                seed: int = 1) -> pd.DataFrame:
    """Every calibration and validation figure of ``case``: reported value, the prior
    predictive median and 90% band over ``draws`` runs, whether the value lies inside."""
    from povsim.calibration.fit import Problem, run_seed
    from povsim.calibration.posterior import prior_sample

    sc = load_scenario(case)
    pb = Problem.of(sc, scale=CALIBRATION_SCALE.get(case, 1.0) if scale is None else scale,
                    seed=seed)  # the anchors among its figures, each with its comparison
    prior = prior_sample(pb, 10 * draws)
    figs = [*pb.figures, *pb.validation]
    rows = []  # the prior's predictive, as Posterior.predictive draws it
    values = prior.draws(draws)
    seeds = [run_seed(pb.seed + i, v) for i, v in enumerate(values)]
    for i, x in enumerate(pb.simulate_many(values, seeds, figures=figs)):
        rows += [{"draw": i, "id": f, "value": v} for f, v in x.items()]
    report = prior.fit_report(pd.DataFrame(rows))
    anchors = {a.id for a in load_anchors(case)}
    report.loc[report["id"].isin(anchors), "role"] = "anchor"  # shown as anchors, apart
    report.insert(0, "case", case)
    return report


def _num(x: float) -> str:
    """A figure as the tables show it: thousands grouped, years and small numbers plain.

    Example:
        >>> _num(2019.0), _num(19357300.0), _num(1.4537)
        ('2019', '19,357,300', '1.454')
    """
    if x != x:  # NaN
        return "-"
    if 1900 <= x <= 2100:  # a year (or a number read as one)
        return f"{x:.0f}"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.4g}"


def format_check(table: pd.DataFrame) -> str:
    """The check as a Markdown table, one row per figure, and a line of how many are inside.

    Example:
        >>> t = pd.DataFrame({"case": ["c"], "id": ["c.x"], "role": ["calibration"],
        ...     "comparison": ["equal"], "reported": [1.0], "predicted_median": [2.0],
        ...     "predicted_p05": [0.5], "predicted_p95": [3.0], "inside_90": [True]})
        >>> print(format_check(t).splitlines()[-1][:80])
        1 of 1 calibration figures inside the prior's 90% band; 0 of 0 validation figure
    """
    sign = {"equal": "", "at_least": "≥ ", "at_most": "≤ "}
    lines = ["| figure | role | reported | prior predictive median [5%, 95%] | inside |",
             "|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| `{r.id}` | {r.role} | {sign.get(r.comparison, '')}{_num(r.reported)} | "
                     f"{_num(r.predicted_median)} [{_num(r.predicted_p05)}, "
                     f"{_num(r.predicted_p95)}] | {'yes' if r.inside_90 else '**no**'} |")
    cal, val, anc = (table[table["role"] == role]
                     for role in ("calibration", "validation", "anchor"))
    lines.append(f"\n{int(cal['inside_90'].sum())} of {len(cal)} calibration figures inside "
                 f"the prior's 90% band; {int(val['inside_90'].sum())} of {len(val)} "
                 f"validation figures; {int(anc['inside_90'].sum())} of {len(anc)} anchors "
                 "(public statistics, calibration/anchors.yaml)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m povsim.calibration.prior_check",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", default=list(CASES), help="cases (default: all five)")
    ap.add_argument("--draws", type=int, default=40)
    ap.add_argument("--scale", type=float, default=None,
                    help="run scale (default: each case's calibration scale)")
    ap.add_argument("--format", choices=("md", "csv"), default="md")
    args = ap.parse_args(argv)
    unknown = sorted(set(args.cases) - set(CASES))
    if unknown:
        print(f"prior_check: error: unknown case {', '.join(unknown)}; "
              f"known: {', '.join(CASES)}", file=sys.stderr)
        return 2
    table = pd.concat([prior_check(c, args.draws, args.scale) for c in args.cases],
                      ignore_index=True)
    print(table.to_csv(index=False) if args.format == "csv" else format_check(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
