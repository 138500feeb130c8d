"""How far a reduced-scale run's outcomes are from full scale's: Xixiu at 1:1, 1:10 (its
calibration scale), 1:20 and 1:50.

The measurement behind ``tests/test_scale_consistency.py`` and ``docs/calibration.md`` ("One
answer at every scale"): ``--replicates`` replicates of the bundled Xixiu scenario at each scale
(seed ``--seed``), and for each end-year output the mean at each scale and ``z``, the difference
from full scale over its standard error (two-sample, the replicates independent). Written to
``benchmarks/results/scale_agreement.csv`` (one row per output) and printed as a markdown table.

With ``--error-households SCALE=SEEDS,...`` it instead follows the households registered while
not income-poor (the registration error's) to the end: how many there are, the year each left
the register and how many are still on it, in real households, mean and standard error over
seeds 1..SEEDS at each scale (:func:`error_households`); the register exits of those households
are a rare count at a reduced scale (about one simulated household a year at 1:50), which 8
replicates measure poorly.

Example:
    .venv/bin/python -m benchmarks.scale_agreement --replicates 8
    .venv/bin/python -m benchmarks.scale_agreement --error-households 1=4,10=8,50=16
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

FULL, REDUCED = 1.0, (10.0, 20.0, 50.0)
#: annual columns that are not outcomes
NOT_OUTCOMES = {"year", "replicate", "stage", "poverty_line"}
OUT = Path(__file__).resolve().parent / "results" / "scale_agreement.csv"


def outcomes() -> list[str]:
    """The annual outputs compared (every one but the year, replicate, stage and line).

    Example:
        >>> "migrants" in outcomes() and "year" not in outcomes()
        True
    """
    from povsim.engine.recording import ANNUAL_OUTPUTS
    return [c for c in ANNUAL_OUTPUTS if c not in NOT_OUTCOMES]


def annual_by_scale(replicates: int, seed: int = 1, scenario: str = "xixiu"
                    ) -> dict[float, pd.DataFrame]:
    """The annual table of ``replicates`` replicates of ``scenario`` at each scale."""
    from povsim.experiments.runner import run_scenario
    from povsim.schema.config import load_scenario

    sc = load_scenario(scenario)
    return {k: run_scenario(sc, seed=seed, replicates=replicates, scale=k, progress=False).annual
            for k in (FULL, *REDUCED)}


def means_z(annual: dict[float, pd.DataFrame], k: float, column: str, year: int
            ) -> tuple[float, float, float]:
    """``column``'s mean in ``year`` at full scale and at scale ``k``, and ``z``, their
    difference over its standard error (0 when both are constant and equal, or undefined at
    both scales; inf when constant and unequal).

    Example:
        >>> a = {1.0: pd.DataFrame({"year": [1, 1], "x": [1.0, 3.0]}),
        ...      2.0: pd.DataFrame({"year": [1, 1], "x": [3.0, 5.0]})}
        >>> full, scaled, z = means_z(a, 2.0, "x", 1)
        >>> full, scaled, round(z, 4)  # 2 / sqrt(2 / 2 + 2 / 2)
        (2.0, 4.0, 1.4142)
    """
    a, b = (annual[s].loc[annual[s]["year"] == year, column].astype(float) for s in (FULL, k))
    if a.isna().all() and b.isna().all():  # undefined at both scales (e.g. a cost per person
        return float("nan"), float("nan"), 0.0  # lifted out when none is): they agree
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    if se == 0:
        z = 0.0 if a.mean() == b.mean() else np.inf
    else:
        z = float((b.mean() - a.mean()) / se)
    return float(a.mean()), float(b.mean()), z


def table(annual: dict[float, pd.DataFrame]) -> pd.DataFrame:
    """One row per end-year output: the mean at each scale and each reduced scale's ``z``."""
    year = int(annual[FULL]["year"].max())
    rows = []
    for c in outcomes():
        row = {"output": c, "year": year}
        for k in REDUCED:
            full, scaled, z = means_z(annual, k, c, year)
            row["1:1"], row[f"1:{k:g}"], row[f"z 1:{k:g}"] = full, scaled, z
        rows.append(row)
    return pd.DataFrame(rows)[["output", "year", "1:1", *(f"{p}1:{k:g}" for k in REDUCED
                                                        for p in ("", "z "))]]


def error_households(scale: float, seeds: int, scenario: str = "xixiu") -> pd.DataFrame:
    """One row per seed (1..``seeds``) of one model run at ``scale``: the households registered
    while not income-poor (``error``) and those registered while income-poor (``poor``), in real
    households: how many, how many left the register in each programme year, how many are on
    it (poor) at the end.

    Example:
        >>> t = error_households(400.0, 1)
        >>> bool(t.loc[0, "error"] >= t.filter(like="error_exit_").sum(axis=1)[0])
        True
    """
    from povsim.engine.model import PovertyModel

    rows = []
    for seed in range(1, seeds + 1):
        m = PovertyModel(scenario, seed=seed, scale=scale)
        while m.running:
            m.step()
        w, hh = m.world, m.households
        years = range(m.sc.start_year, m.sc.end_year + 1)
        row = {"scale": scale, "seed": seed}
        for name, mask in (("error", hh.registered & ~w.poor_at_registration),
                           ("poor", hh.registered & w.poor_at_registration)):
            row[name] = mask.sum() * w.k
            for y in years:
                row[f"{name}_exit_{y}"] = (mask & (hh.exit_year == y)).sum() * w.k
            row[f"{name}_on_register_at_end"] = (mask & hh.poor).sum() * w.k
        rows.append(row)
    return pd.DataFrame(rows)


def error_table(seeds: dict[float, int]) -> pd.DataFrame:
    """:func:`error_households` at each scale, as ``mean +- se`` over its seeds."""
    cols = {}
    for k, n in seeds.items():
        t = error_households(k, n).drop(columns=["scale", "seed"])
        se = t.std(ddof=1) / np.sqrt(len(t)) if len(t) > 1 else t.iloc[0] * np.nan
        cols[f"1:{k:g} ({n} seed{'s' if n > 1 else ''})"] = [f"{m:,.1f} +- {e:,.1f}" for m, e in
                                         zip(t.mean(), se, strict=True)]
        index = t.columns
    return pd.DataFrame(cols, index=index)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--error-households", default=None, metavar="SCALE=SEEDS,...",
                    help="follow the households registered while not income-poor instead, e.g. "
                         "1=4,10=8,50=16")
    args = ap.parse_args(argv)
    if args.error_households:
        try:
            seeds = {float(k): int(n) for k, n in
                     (part.split("=") for part in args.error_households.split(","))}
        except ValueError:
            ap.error(f"--error-households {args.error_households!r}: give SCALE=SEEDS pairs, "
                     "e.g. 1=4,10=8,50=16")
        t = error_table(seeds)
        print(t.to_markdown())
        return t
    t = table(annual_by_scale(args.replicates, args.seed))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    t.to_csv(OUT, index=False)
    print(t.to_markdown(index=False, floatfmt=".4g"))
    return t


if __name__ == "__main__":
    main()
