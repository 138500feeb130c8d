"""Compiled sums with numpy's bits: :func:`numpy_sum` adds a contiguous float array up in the
order numpy's ``np.add.reduce`` does (pairwise: blocks of up to 128 values summed in eight
interleaved accumulators, halves of longer runs summed apart and added), so that a compiled
loop can sum a group of values and get the number ``group.sum()`` would give, bit for bit
(``tests/test_kernels.py`` checks it against numpy over lengths and magnitudes).

Example:
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal(1000) * 1e6
    >>> bool(numpy_sum(x) == x.sum()), float(numpy_sum(np.zeros(0)))
    (True, 0.0)
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: numpy's block of a pairwise sum (PW_BLOCKSIZE in numpy's loops_utils)
BLOCK = 128


@njit(cache=True, nogil=True)
def _block(a, lo, n, zero):  # pragma: no cover - compiled
    """numpy's sum of a run of at most :data:`BLOCK` values ``a[lo:lo + n]``: one by one under
    8, else in eight interleaved accumulators (of ``a``'s type; ``zero`` is a negative zero of
    that type)."""
    if n < 8:
        res = zero
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i, m = 8, n - n % 8
    while i < m:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, nogil=True)
def numpy_sum(a):  # pragma: no cover - compiled
    """``a.sum()`` of a contiguous 1-D float array, the same bits as numpy's: a run longer than
    :data:`BLOCK` is split in two (the first part a multiple of 8 long), each summed so and the
    two added. The halving runs on an explicit stack (numba's cache does not keep recursive
    functions safely)."""
    zero = a.dtype.type(-0.0)
    n = a.shape[0]
    if n <= BLOCK:
        return a.dtype.type(0.0) + _block(a, 0, n, zero)
    lo_ = np.zeros(64, np.int64)
    n_ = np.zeros(64, np.int64)
    stage = np.zeros(64, np.int8)
    vals = np.zeros(64, a.dtype)
    top, held = 0, 0
    n_[0] = n
    while top >= 0:
        lo, m = lo_[top], n_[top]
        if m <= BLOCK:
            vals[held] = _block(a, lo, m, zero)
            held += 1
            top -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top] == 0:  # the first part
            stage[top] = 1
            lo_[top + 1], n_[top + 1], stage[top + 1] = lo, half, 0
            top += 1
        elif stage[top] == 1:  # the second part
            stage[top] = 2
            lo_[top + 1], n_[top + 1], stage[top + 1] = lo + half, m - half, 0
            top += 1
        else:  # both done: first + second
            vals[held - 2] = vals[held - 2] + vals[held - 1]
            held -= 1
            top -= 1
    return a.dtype.type(0.0) + vals[0]


@njit(cache=True, nogil=True)
def _sparse_block(pos, val, lo, n, t):  # pragma: no cover - compiled
    """:func:`_block` of ``a[lo:lo + n]`` for an ``a`` that is zero but at positions ``pos``
    (ascending) with values ``val``, the entries of the run from ``t`` on; returns (the sum,
    the first entry after the run). A zero adds nothing to a sum that is not -0.0, so each
    accumulator holds the entries of its lane in order; the values are finite and
    non-negative."""
    end = lo + n
    if n < 8:
        res = -0.0 if n == 0 else 0.0  # numpy's -0.0 plus a first element, zero or not
        while t < pos.shape[0] and pos[t] < end:
            res += val[t]
            t += 1
        return res, t
    m = lo + n - n % 8
    r0 = r1 = r2 = r3 = r4 = r5 = r6 = r7 = 0.0  # the eight lanes (no allocation)
    while t < pos.shape[0] and pos[t] < m:
        lane, x = (pos[t] - lo) % 8, val[t]
        if lane < 4:
            if lane == 0:
                r0 += x
            elif lane == 1:
                r1 += x
            elif lane == 2:
                r2 += x
            else:
                r3 += x
        elif lane == 4:
            r4 += x
        elif lane == 5:
            r5 += x
        elif lane == 6:
            r6 += x
        else:
            r7 += x
        t += 1
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while t < pos.shape[0] and pos[t] < end:
        res += val[t]
        t += 1
    return res, t


@njit(cache=True, nogil=True)
def sparse_numpy_sum(pos, val, n):  # pragma: no cover - compiled
    """:func:`numpy_sum` of a float array of length ``n`` that is zero but at positions
    ``pos`` (ascending, unique) where it holds ``val`` (finite, non-negative): the same bits,
    in time of the entries, not of ``n`` (a village's demand over hundreds of partners, most
    not paired with it).

    Example:
        >>> a = np.zeros(300); a[[3, 150, 299]] = [0.1, 0.2, 0.3]
        >>> p = np.flatnonzero(a)
        >>> bool(sparse_numpy_sum(p, a[p], 300) == a.sum())
        True
    """
    if n <= BLOCK:
        s, _ = _sparse_block(pos, val, 0, n, 0)
        return 0.0 + s
    half = n // 2
    half -= half % 8
    if n - half <= BLOCK:  # two blocks (the halving once), without the stack's arrays
        first, t = _sparse_block(pos, val, 0, half, 0)
        second, _ = _sparse_block(pos, val, half, n - half, t)
        return 0.0 + (first + second)
    lo_ = np.zeros(64, np.int64)
    n_ = np.zeros(64, np.int64)
    stage = np.zeros(64, np.int8)
    vals = np.zeros(64)
    top, held, t = 0, 0, 0
    n_[0] = n
    while top >= 0:
        lo, m = lo_[top], n_[top]
        if m <= BLOCK:
            vals[held], t = _sparse_block(pos, val, lo, m, t)
            held += 1
            top -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top] == 0:
            stage[top] = 1
            lo_[top + 1], n_[top + 1], stage[top + 1] = lo, half, 0
            top += 1
        elif stage[top] == 1:
            stage[top] = 2
            lo_[top + 1], n_[top + 1], stage[top + 1] = lo + half, m - half, 0
            top += 1
        else:
            vals[held - 2] = vals[held - 2] + vals[held - 1]
            held -= 1
            top -= 1
    return 0.0 + vals[0]
