"""Memory set up once per process: the C allocator for large monthly arrays, and the cyclic
garbage collector kept off the import-time objects.

A model's monthly step makes temporaries the size of a household array (1.4 MB at 170,000
households). glibc's ``malloc`` serves blocks above its mmap threshold (128 KiB at start) with
fresh ``mmap`` pages and returns them on ``free``, so each temporary costs a page fault per 4 KiB
page, every month. glibc raises that threshold by itself once such a block is freed (to at most
32 MiB, with the trim threshold at twice it), which is why a process's second model ran about
1.5x faster than its first (measured on Xixiu at 170,000 households: 180-210 ns per
household-step for the first model of a process, 121-127 for later ones).
:func:`keep_freed_arrays` sets both thresholds to those values at the start, so the first model
runs as fast as the later ones. Memory freed stays with the process for reuse, up to the trim
threshold (64 MiB) above the heap's in-use top. Nothing changes in the results.

It is set once per process where a process starts: ``povsim``'s command line
(:func:`povsim.cli.main`), each Dask worker of a sweep or calibration
(:func:`povsim.experiments.sweeps.warm_worker`); forked pyabc workers inherit it. A script or
notebook using the Python API may call it once at its start; without it only the first model of the
process runs slower, with the same results.

Linux with glibc only; elsewhere (macOS, musl, Windows) it does nothing and returns False.

:func:`freeze_imports` moves every object alive at the first model build (the modules of numba,
pandas, scipy, Mesa ...: about a million objects) to the collector's permanent generation
(``gc.freeze``), so a full collection no longer walks them. Without it a full collection cost
about 85 ms, landing at random in a model's build or run (measured: the build of a Xixiu model of
10,000 households took 0.095 s when one landed there and 0.018 s with the objects frozen).

Example:
    >>> keep_freed_arrays() in (True, False)
    True
"""

from __future__ import annotations

import ctypes
import gc
import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # bytes; glibc's own ceiling for its dynamic threshold (64-bit)
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # bytes; glibc's dynamic rule: twice the mmap threshold

_state: dict[str, bool] = {}


def freeze_imports() -> bool:
    """Once per process, move the objects alive now to the permanent generation (``gc.freeze``);
    True the first time.

    Example:
        >>> freeze_imports() in (True, False)
        True
    """
    if "frozen" in _state:
        return False
    gc.freeze()  # no collection first: it would cost the full walk this avoids
    _state["frozen"] = True
    return True


def keep_freed_arrays() -> bool:
    """Set glibc's mmap and trim thresholds once per process; True where they were set."""
    if "set" not in _state:
        _state["set"] = _mallopt()
    return _state["set"]


def _mallopt() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
