"""The compiled helpers of the pairing strategies (numba), imported when a strategy first
needs one, so that naming the strategies (the schema checks a scenario's levers against them)
loads no compiler.

Example:
    >>> import numpy as np
    >>> least_loaded_best(np.array([[0.9, 0.8]]), np.array([0]), np.array([0, 1]),
    ...                   np.zeros(2)).tolist()
    [0]
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def least_loaded_best(s, rows, cols, load):  # pragma: no cover - compiled
    """Partners (or villages) left over in village pairing
    (:func:`povsim.strategies.villages._pair`): each of ``rows`` in turn to the column of
    ``cols`` with the best score per load, ``s[row, col] / (1 + load[col])`` (the first of
    ties, or the first NaN, as ``np.argmax``), whose load then grows by one; the columns
    chosen.

    Example:
        >>> s = np.array([[0.9, 0.8], [0.9, 0.8]])
        >>> least_loaded_best(s, np.array([0, 1]), np.array([0, 1]), np.zeros(2)).tolist()
        [0, 1]
    """
    out = np.empty(rows.size, np.int64)
    for k in range(rows.size):
        r = rows[k]
        best, arg = s[r, cols[0]] / (1.0 + load[cols[0]]), cols[0]
        for jj in range(1, cols.size):
            if best != best:  # a NaN is np.argmax's maximum
                break
            j = cols[jj]
            x = s[r, j] / (1.0 + load[j])
            if x > best or x != x:
                best, arg = x, j
        out[k] = arg
        load[arg] += 1
    return out
