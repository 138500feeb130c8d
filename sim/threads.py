"""How many threads the compiled household kernels use (numba's thread pool).

A run's results are the same bits for any number of threads (the kernels work in fixed chunks
of households and add the chunks up in order, :mod:`povsim.kernels`), so the number is a matter
of speed only. One run in one process (``povsim run``, ``targets``, ``compare``, ``attribute``)
uses every core by default; a sweep's or a calibration's workers use one thread each by default,
as the runs themselves are then spread over the cores. ``--threads N`` sets it.

Example:
    >>> n = set_threads(1)
    >>> n, current()
    (1, 1)
    >>> _ = set_threads(None)  # back to every thread numba has
"""

from __future__ import annotations

import numba

from povsim.inputs import ScenarioError

#: threads of each worker process of a sweep or a calibration (``--threads``; default 1),
#: passed to the workers as they start (:func:`povsim.sweeps.warm_worker`)
worker_threads = 1


def set_worker_threads(n: int | None) -> int:
    """Give each worker process of a sweep or a calibration ``n`` threads (``None``: 1);
    returns the number.

    Example:
        >>> set_worker_threads(None)
        1
    """
    global worker_threads
    worker_threads = 1 if n is None else int(n)
    if worker_threads < 1:
        raise ScenarioError(f"--threads {worker_threads}: must be at least 1")
    return worker_threads


def available() -> int:
    """The most threads the kernels can use in this process: numba's pool size (the CPU count,
    or ``NUMBA_NUM_THREADS`` where that is set before numba is imported).

    Example:
        >>> available() >= 1
        True
    """
    return int(numba.config.NUMBA_NUM_THREADS)


_current: list[int] = []  # the number set by set_threads in this process, if any


def current() -> int:
    """The threads the kernels use now: the number :func:`set_threads` set in this process
    (a forked child inherits it), else :func:`available`. Kept here rather than asked of numba,
    whose ``get_num_threads`` starts its thread pool, which a forked child must not do."""
    return _current[-1] if _current else available()


def set_threads(n: int | None) -> int:
    """Use ``n`` threads in the kernels (``None``: :func:`available`); returns the number set.
    More than :func:`available` is a one-line :class:`ScenarioError`.

    Example:
        >>> set_threads(available()) == available()
        True
    """
    n = available() if n is None else int(n)
    if not 1 <= n <= available():
        raise ScenarioError(f"--threads {n}: must be between 1 and {available()} (the threads "
                            "numba has here; NUMBA_NUM_THREADS sets that number)")
    numba.set_num_threads(n)
    _current[:] = [n]
    return n
