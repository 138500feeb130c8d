"""Weighted summary statistics used in the outcome tables (quantiles, Gini, poverty gap).

Example:
    >>> import numpy as np
    >>> float(weighted_quantiles(np.array([1.0, 2.0, 3.0]), np.array([1, 1, 1]), [0.5])[0])
    2.0
    >>> round(gini(np.array([1.0, 1.0]), np.array([1, 1])), 6)
    0.0
"""

from __future__ import annotations

import numpy as np

from povsim.base import threads
from povsim.engine.kernels import CHUNK, order_ties, stable_argsort_runs


def stable_argsort(values: np.ndarray) -> np.ndarray:
    """The permutation ``np.argsort(values, kind="stable")`` gives, found faster.

    numpy's quicksort (introsort, SIMD where the CPU has it) orders the values, then the runs of
    equal values, which a quicksort leaves in any order, are put back in index order. The result
    is the stable sort's permutation exactly, so every statistic built on it keeps its bits.
    On several threads (:mod:`povsim.base.threads`) and beyond one chunk of households
    (:data:`povsim.engine.kernels.CHUNK`), the chunks are sorted so in parallel and merged
    (:func:`povsim.engine.kernels.stable_argsort_runs`, int32): the same permutation. Measured on
    Xixiu's incomes at 1M households (2 cores): 114 ms for the quicksort, 141 ms by runs on one
    thread, 76 ms by runs on two; at 170,000: 15, 19 and 12 ms.

    Example:
        >>> stable_argsort(np.array([2.0, 1.0, 2.0, 1.0])).tolist()
        [1, 3, 0, 2]
    """
    values = np.asarray(values)
    if values.dtype != np.float64 or values.ndim != 1:
        return np.argsort(values, kind="stable")  # other types: numpy's own stable sort
    if values.shape[0] > CHUNK and threads.current() > 1:
        return stable_argsort_runs(values)
    order = np.argsort(values)
    order_ties(values[order], order)
    return order


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    """Quantiles of ``values`` where each value counts ``weights`` times (inverted CDF): numpy's
    weighted ``np.quantile`` (benchmarks/library_choices.py: identical to the model's own
    :func:`sorted_weighted_quantiles` after a stable sort, and as fast).

    Example:
        >>> weighted_quantiles(np.array([10.0, 20.0]), np.array([3, 1]), [0.5, 0.9]).tolist()
        [10.0, 20.0]
    """
    values = np.asarray(values, float)
    if values.size == 0:
        return np.full(len(qs), np.nan)
    return np.quantile(values, np.asarray(qs, float), weights=np.asarray(weights, float),
                       method="inverted_cdf")


def sorted_weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    """:func:`weighted_quantiles` of values already in ascending order (no sort).

    The model sorts each December's incomes once for the deciles, the medians and the Gini;
    numpy's weighted quantile would sort them again (2.9x slower here, the same values:
    benchmarks/library_choices.py).

    Example:
        >>> sorted_weighted_quantiles(np.array([10.0, 20.0]), np.array([3, 1]), [0.5]).tolist()
        [10.0]
    """
    values = np.asarray(values, float)
    if values.size == 0:
        return np.full(len(qs), np.nan)
    cw = np.cumsum(np.asarray(weights, float))
    pos = np.searchsorted(cw, np.asarray(qs, float) * cw[-1], side="left")
    return values[np.minimum(pos, values.size - 1)]


def gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of ``values`` over a population where value i has weight i.

    Computed from the Lorenz curve (trapezoids); 0 is perfect equality.

    Example:
        >>> round(gini(np.array([0.0, 0.0, 0.0, 1.0]), np.ones(4)), 3)
        0.75
    """
    values = np.asarray(values, float)
    order = stable_argsort(values)
    return sorted_gini(values[order], np.asarray(weights, float)[order])


def sorted_gini(x: np.ndarray, w: np.ndarray) -> float:
    """:func:`gini` of values already in ascending order (no sort).

    Convention: an income below zero (a year whose shocks cost more than it earned) counts as
    zero, so the Gini lies in [0, 1] (with the raw values it reached 2.33 in an extreme
    scenario); for incomes that are all non-negative nothing changes.

    Example:
        >>> round(sorted_gini(np.array([0.0, 1.0]), np.ones(2)), 3)
        0.5
        >>> sorted_gini(np.array([-5.0, 1.0]), np.ones(2)) == sorted_gini(np.array([0.0, 1.0]),
        ...                                                               np.ones(2))
        True
    """
    x, w = np.maximum(np.asarray(x, float), 0.0), np.asarray(w, float)
    if x.size == 0 or w.sum() <= 0:
        return float("nan")
    total = (x * w).sum()
    if total == 0:
        return 0.0
    pop = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    lor = np.concatenate([[0.0], np.cumsum(x * w) / total])
    return float(1.0 - np.sum(np.diff(pop) * (lor[1:] + lor[:-1])))


def poverty_gap_index(pc: np.ndarray, size: np.ndarray, line: float) -> float:
    """The person-weighted mean of each person's shortfall below the line as a share of it,
    ``max(line - max(pc, 0), 0) / line``.

    Convention: an income below zero counts as zero, so a person's gap is at most the whole
    line and the index lies in [0, 1] (raw negative incomes gave 2.24 in an extreme scenario).

    Example:
        >>> poverty_gap_index(np.array([-500.0, 500.0, 2000.0]), np.ones(3), 1000.0)
        0.5
    """
    pc, size = np.asarray(pc, float), np.asarray(size, float)
    people = size.sum()
    if people <= 0:
        return float("nan")
    gap = np.maximum(line - np.maximum(pc, 0.0), 0.0) / line
    return float((gap * size).sum() / people)


def paired_interval(diffs: np.ndarray, level: float = 0.9) -> tuple[float, float, float]:
    """Mean of paired differences and its t interval at ``level`` (NaN bounds with one pair).

    Example:
        >>> m, lo, hi = paired_interval(np.array([1.0, 2.0, 3.0]))
        >>> m, round(float(lo), 4), round(float(hi), 4)
        (2.0, 0.3141, 3.6859)
    """
    d = np.asarray(diffs, float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(d.mean())
    if d.size < 2:
        return m, float("nan"), float("nan")
    if float(d.std(ddof=1)) == 0.0:
        return m, m, m
    # scipy's one-sample t interval: the formula by hand to 1e-14 of the width, 0.3 ms a call
    # (benchmarks/library_choices.py)
    import warnings

    from scipy import stats

    with warnings.catch_warnings():  # nearly equal pairs: scipy warns of the precision that
        warnings.simplefilter("ignore", RuntimeWarning)  # any sd of them loses; the bits match
        ci = stats.ttest_1samp(d, 0.0).confidence_interval(level)
    return m, float(ci.low), float(ci.high)
