"""Counter-based random numbers: Philox-4x64-10 inside the compiled kernels.

Every draw of the household kernels is a pure function of the run's key (from the seed and the
replicate), a stream, a household's id, the month and a draw index::

    u(key, stream, id, month, j) = lane j % 4 of philox(key, (id, month, stream, j // 4))

as a double in [0, 1): the top 53 bits of the 64-bit word times 2^-53. There is no generator
state to advance, so a household's draws do not depend on the order of the arrays, on which
other households drew this month, on a policy lever or on how many threads run the kernel:
common random numbers across policies hold by construction. The block function is numpy's
``Philox`` bit generator's (Random123's Philox-4x64 with 10 rounds): numpy is the oracle, and
``tests/test_philox.py`` checks the kernels' words and doubles against it bit for bit
(numpy's generator increments its counter before each block, so counter ``c`` is numpy's
``counter=c - 1``).

The 64x64 -> 128-bit products use LLVM's 128-bit integers (one ``mul`` instruction on x86-64
and arm64) through a numba intrinsic.

Example:
    >>> import numpy as np
    >>> from povsim.base.streams import Streams, stream_key
    >>> key = Streams(seed=1, replicate=0).key
    >>> u = uniforms(key, stream_key("illness"), np.arange(3), 7)
    >>> u.shape, bool(((0.0 <= u) & (u < 1.0)).all())
    ((3, 4), True)
    >>> bool((uniforms(key, stream_key("illness"), np.array([2]), 7) == u[2]).all())
    True
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

#: Philox-4x64 multipliers and Weyl key increments (Random123, numpy's ``philox.h``)
M0 = np.uint64(0xD2E7470EE14C6C93)
M1 = np.uint64(0xCA5A826395121157)
W0 = np.uint64(0x9E3779B97F4A7C15)
W1 = np.uint64(0xBB67AE8584CAA73B)
ROUNDS = 10
TO_DOUBLE = 1.0 / 9007199254740992.0  # 2^-53, numpy's next_double


@intrinsic
def _mulhilo(typingctx, a, b):
    """(high, low) 64-bit halves of the 128-bit product of two uint64."""
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        i128 = ir.IntType(128)
        p = builder.mul(builder.zext(args[0], i128), builder.zext(args[1], i128))
        lo = builder.trunc(p, ir.IntType(64))
        hi = builder.trunc(builder.lshr(p, ir.Constant(i128, 64)), ir.IntType(64))
        return context.make_tuple(builder, signature.return_type, (hi, lo))

    return sig, codegen


@njit(cache=True, nogil=True, inline="always")
def block(k0, k1, c0, c1, c2, c3):  # pragma: no cover - compiled
    """The four 64-bit words of Philox-4x64-10 of counter (c0, c1, c2, c3) under key (k0, k1).

    Example:
        >>> w = block(np.uint64(1), np.uint64(2), np.uint64(6), np.uint64(0), np.uint64(0),
        ...           np.uint64(0))
        >>> int(w[0])
        16672510893712702518
    """
    for r in range(ROUNDS):
        if r > 0:
            k0 += W0
            k1 += W1
        hi0, lo0 = _mulhilo(M0, c0)
        hi1, lo1 = _mulhilo(M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


@njit(cache=True, nogil=True, inline="always")
def to_double(word):  # pragma: no cover - compiled
    """A 64-bit word as a double in [0, 1): its top 53 bits x 2^-53 (numpy's ``random()``)."""
    # below 2^53, so exact through the (faster) signed conversion
    return np.float64(np.int64(word >> np.uint64(11))) * TO_DOUBLE


@njit(cache=True, nogil=True, inline="always")
def uniform4(key, stream, hid, month):  # pragma: no cover - compiled
    """The four uniforms of household (or entity) ``hid`` in ``month`` from ``stream``: lanes
    0..3 of block 0 (``key`` a uint64[2] run key, ``stream`` a
    :func:`povsim.base.streams.stream_key`)."""
    w0, w1, w2, w3 = block(key[0], key[1], np.uint64(hid), np.uint64(month), np.uint64(stream),
                           np.uint64(0))
    return to_double(w0), to_double(w1), to_double(w2), to_double(w3)


@njit(cache=True, nogil=True)
def _fill(key, stream, ids, month, out):  # pragma: no cover - compiled
    for i in range(ids.shape[0]):
        a, b, c, d = uniform4(key, stream, ids[i], month)
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = a, b, c, d


def uniforms(key: np.ndarray, stream: int, ids: np.ndarray, month: int,
             out: np.ndarray | None = None) -> np.ndarray:
    """The four uniforms of each entity of ``ids`` in ``month`` from ``stream``: an array
    (len(ids), 4), row i the draws of ``ids[i]`` (the same whatever else ``ids`` holds); into
    ``out`` (float64, C-contiguous) where given.

    Example:
        >>> from povsim.base.streams import Streams
        >>> uniforms(Streams(1).key, 7, np.array([5]), 0).shape
        (1, 4)
    """
    ids = np.ascontiguousarray(ids, np.int64)
    if out is None:
        out = np.empty((ids.shape[0], 4))
    _fill(np.asarray(key, np.uint64), np.int64(stream), ids, np.int64(month), out)
    return out
