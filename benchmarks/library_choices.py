"""Hand-written statistics against the library functions that could replace them: speed and
whether the results are identical, measured in one run (``python -m benchmarks.library_choices``).

- stable argsort: :func:`povsim.engine.stats.stable_argsort` against ``np.argsort(kind="stable")``;
- weighted quantiles: :func:`povsim.engine.stats.weighted_quantiles` (and the model's pre-sorted
  :func:`povsim.engine.stats.sorted_weighted_quantiles`) against numpy's
  ``np.quantile(..., weights=..., method="inverted_cdf")`` (numpy >= 2);
- the paired t interval: the formula by hand (mean +- t quantile x sd / sqrt(n), what
  :func:`povsim.engine.stats.paired_interval` computed before) against
  ``scipy.stats.ttest_1samp(d).confidence_interval(level)``, which it now calls.

The data are what the model sorts each December: Xixiu's per-capita incomes and household
sizes at full scale (about 170,000 households), and paired differences of 40 replicates.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

QS = np.linspace(0.1, 0.9, 9)


def _best(fn, number: int, repeat: int = 5) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def incomes() -> tuple[np.ndarray, np.ndarray]:
    """Per-capita incomes (year to date, November of the first programme year) and sizes of
    a full-scale Xixiu model: the incomes are reset after each December's records."""
    from povsim.engine.model import PovertyModel
    from povsim.schema.config import load_scenario

    m = PovertyModel(load_scenario("xixiu"), seed=1)
    for _ in range(23):
        m.step()
    hh = m.world.households
    size = hh.size.astype(float)
    pc = hh.income.sum(axis=0) / size
    assert np.unique(pc).size > pc.size // 2, "incomes mostly tied: not the December data"
    return pc, size


def t_interval_by_hand(d: np.ndarray, level: float) -> tuple[float, float]:
    """The paired t interval by hand, as povsim computed it before using scipy's."""
    from scipy import stats

    m, sd = float(d.mean()), float(d.std(ddof=1))
    half = float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, d.size - 1)) * sd / float(np.sqrt(d.size))
    return m - half, m + half


def measure() -> list[dict]:
    """One row per choice: the two timings, their ratio and whether results are identical."""
    from scipy import stats

    from povsim.engine.stats import sorted_weighted_quantiles, stable_argsort, weighted_quantiles

    pc, size = incomes()
    rows = []
    a, b = stable_argsort(pc), np.argsort(pc, kind="stable")
    rows.append({"choice": "stable argsort (170k incomes)",
                 "ours_s": _best(lambda: stable_argsort(pc), 20),
                 "library_s": _best(lambda: np.argsort(pc, kind="stable"), 20),
                 "identical": bool(np.array_equal(a, b))})
    ours = weighted_quantiles(pc, size, QS)
    lib = np.quantile(pc, QS, weights=size, method="inverted_cdf")
    rows.append({"choice": "weighted quantiles, unsorted (170k)",
                 "ours_s": _best(lambda: weighted_quantiles(pc, size, QS), 20),
                 "library_s": _best(lambda: np.quantile(pc, QS, weights=size,
                                                        method="inverted_cdf"), 20),
                 "identical": bool(np.array_equal(ours, lib))})
    o = np.argsort(pc, kind="stable")
    spc, ssize = pc[o], size[o]
    rows.append({"choice": "weighted quantiles, pre-sorted (the model's)",
                 "ours_s": _best(lambda: sorted_weighted_quantiles(spc, ssize, QS), 200),
                 "library_s": _best(lambda: np.quantile(spc, QS, weights=ssize,
                                                        method="inverted_cdf"), 20),
                 "identical": bool(np.array_equal(sorted_weighted_quantiles(spc, ssize, QS),
                                                  np.quantile(spc, QS, weights=ssize,
                                                              method="inverted_cdf")))})
    rng = np.random.default_rng(7)
    diffs = []
    for _ in range(1000):  # random paired differences: the largest gap relative to the width
        x = rng.normal(rng.normal(0, 1e4), rng.uniform(0.1, 1e4), rng.integers(2, 60))
        a = t_interval_by_hand(x, 0.9)
        b = stats.ttest_1samp(x, 0.0).confidence_interval(0.9)
        diffs.append(max(abs(a[0] - b.low), abs(a[1] - b.high)) / (a[1] - a[0]))
    d = rng.normal(100.0, 40.0, 40)
    rows.append({"choice": "paired t interval (40 pairs)",
                 "ours_s": _best(lambda: t_interval_by_hand(d, 0.9), 2000),
                 "library_s": _best(lambda: stats.ttest_1samp(d, 0.0).confidence_interval(0.9),
                                    500),
                 "identical": bool(max(diffs) == 0.0),
                 "max_rel_diff": float(max(diffs))})
    for r in rows:
        r["library_over_ours"] = r["library_s"] / r["ours_s"]
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    from povsim.base import allocator

    allocator.keep_freed_arrays()
    print(f"{'choice':46s} {'ours':>10s} {'library':>10s} {'lib/ours':>9s}  identical")
    for r in measure():
        extra = (f" (1,000 samples: largest gap {r['max_rel_diff']:.1e} of the width)"
                 if "max_rel_diff" in r else "")
        print(f"{r['choice']:46s} {r['ours_s'] * 1e6:8.1f}us {r['library_s'] * 1e6:8.1f}us "
              f"{r['library_over_ours']:9.2f}  {r['identical']}{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
