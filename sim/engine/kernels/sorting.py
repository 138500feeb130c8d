"""A stable sort of household values by runs sorted in parallel and merged: numpy's stable
order, found faster (:func:`povsim.engine.stats.stable_argsort`).

Example:
    >>> import numpy as np
    >>> stable_argsort_runs(np.array([2.0, 1.0, 2.0]), width=2).tolist()
    [1, 0, 2]
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from povsim.engine.kernels.common import CHUNK, _serial


@njit(cache=True, nogil=True)
def order_ties(s, order):  # pragma: no cover - compiled
    """Put each run of equal values of the sorted ``s`` (= values[order]) in index order, in
    place, so that any sort's ``order`` becomes the stable sort's (NaNs, sorted last, count as
    equal to each other, and -0.0 as equal to 0.0, as in numpy's stable sort)."""
    n = s.shape[0]
    i = 0
    while i < n - 1:
        a = s[i]
        if s[i + 1] == a or (a != a and s[i + 1] != s[i + 1]):
            j = i + 2
            while j < n and (s[j] == a or (a != a and s[j] != s[j])):
                j += 1
            order[i:j] = np.sort(order[i:j])
            i = j
        else:
            i += 1


def stable_argsort_runs(values: np.ndarray, width: int = CHUNK) -> np.ndarray:
    """The permutation of a stable sort of the float64 ``values`` (int32; numpy's order: NaNs
    last, -0.0 equal to 0.0), by runs of ``width`` values sorted in parallel, then merged in
    pairs, rounds of merges in parallel. The runs and merges are the same for any number of
    threads, and a stable sort's permutation is unique, so the result is too.

    Example:
        >>> stable_argsort_runs(np.array([2.0, 1.0, np.nan, 1.0, 2.0]), width=2).tolist()
        [1, 3, 0, 4, 2]
    """
    values = np.ascontiguousarray(values, np.float64)  # one compiled signature
    n = values.shape[0]
    order = np.empty(n, np.int32)
    runs = max(-(-n // width), 1)
    serial = _serial(runs)
    (_sort_runs_serial if serial else _sort_runs_chunks)(values, order, width)
    other = np.empty(n, np.int32)
    w = width
    while w < n:
        (_merge_round_serial if serial else _merge_round_chunks)(values, order, other, w)
        order, other = other, order
        w *= 2
    return order


@njit(cache=True, nogil=True)
def _lt(a, b):  # pragma: no cover - compiled
    """numpy's sort order of floats: ``a`` before ``b`` (NaNs last, all equal to each other)."""
    return a < b or (b != b and a == a)


@njit(cache=True, nogil=True)
def _sort_run(values, order, lo, hi):  # pragma: no cover - compiled
    """``order[lo:hi]`` = the stable sort permutation of ``values[lo:hi]`` (offset by lo)."""
    o = np.argsort(values[lo:hi])
    order_ties(values[lo:hi][o], o)
    for j in range(hi - lo):
        order[lo + j] = lo + o[j]


@njit(cache=True, nogil=True)
def _sort_runs_serial(values, order, width):  # pragma: no cover - compiled
    n = values.shape[0]
    for r in range(max((n + width - 1) // width, 1)):
        _sort_run(values, order, r * width, min((r + 1) * width, n))


@njit(cache=True, nogil=True, parallel=True)
def _sort_runs_chunks(values, order, width):  # pragma: no cover - compiled
    n = values.shape[0]
    for r in prange(max((n + width - 1) // width, 1)):
        _sort_run(values, order, r * width, min((r + 1) * width, n))


@njit(cache=True, nogil=True)
def _merge(values, src, dst, lo, mid, hi):  # pragma: no cover - compiled
    """Merge the sorted runs ``src[lo:mid]`` and ``src[mid:hi]`` into ``dst[lo:hi]``, the left
    run's first on ties (stable)."""
    i, j, k = lo, mid, lo
    while i < mid and j < hi:
        if _lt(values[src[j]], values[src[i]]):
            dst[k] = src[j]
            j += 1
        else:
            dst[k] = src[i]
            i += 1
        k += 1
    while i < mid:
        dst[k] = src[i]
        i += 1
        k += 1
    while j < hi:
        dst[k] = src[j]
        j += 1
        k += 1


@njit(cache=True, nogil=True)
def _merge_round_serial(values, src, dst, w):  # pragma: no cover - compiled
    n = values.shape[0]
    for p in range((n + 2 * w - 1) // (2 * w)):
        lo = p * 2 * w
        _merge(values, src, dst, lo, min(lo + w, n), min(lo + 2 * w, n))


@njit(cache=True, nogil=True, parallel=True)
def _merge_round_chunks(values, src, dst, w):  # pragma: no cover - compiled
    n = values.shape[0]
    for p in prange((n + 2 * w - 1) // (2 * w)):
        lo = p * 2 * w
        _merge(values, src, dst, lo, min(lo + w, n), min(lo + 2 * w, n))
