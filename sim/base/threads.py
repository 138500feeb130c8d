"""How many threads the compiled household kernels use (numba's thread pool).

A run's results are the same bits for any number of threads (the kernels work in fixed chunks of
households and add the chunks up in order, :mod:`povsim.engine.kernels`), so the number is a matter
of speed only. One run in one process (``povsim run``, ``targets``, ``compare``, ``attribute``) uses
every core by default; a sweep's or a calibration's workers use one thread each by default, as the
runs themselves are then spread over the cores. ``--threads N`` sets it. A forked process (pyabc's
local workers, ``mesa.batch_run``'s) always runs on one thread.

Example:
    >>> n = set_threads(1)
    >>> n, current()
    (1, 1)
    >>> _ = set_threads(None)  # back to every thread numba has
"""

from __future__ import annotations

import os

import numba

from povsim.base.inputs import ScenarioError

#: threads of each worker process of a sweep or a calibration (``--threads``; default 1),
#: passed to the workers as they start (:func:`povsim.experiments.sweeps.warm_worker`)
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
_forked: list[bool] = []  # one entry in a process made by fork()


def _after_fork_in_child() -> None:
    """A forked process runs the kernels on one thread: the parent's thread pool (GNU
    OpenMP's, numba's layer where it is installed) cannot be used after a fork, and a child that
    tries is stopped ("fork() called from a process already using GNU OpenMP"). pyabc's local
    workers and ``mesa.batch_run``'s processes are forked."""
    _current[:] = [1]
    _forked[:] = [True]


os.register_at_fork(after_in_child=_after_fork_in_child)


def current() -> int:
    """The threads the kernels use now: the number :func:`set_threads` set in this process,
    1 in a forked process, else :func:`available`. Kept here rather than asked of numba, whose
    ``get_num_threads`` starts its thread pool, which a forked process must not do."""
    return _current[-1] if _current else available()


def set_threads(n: int | None) -> int:
    """Use ``n`` threads in the kernels (``None``: :func:`available`); returns the number set.
    More than :func:`available` is a one-line :class:`ScenarioError`.

    Example:
        >>> set_threads(available()) == available()
        True
    """
    n = (1 if _forked else available()) if n is None else int(n)
    if not 1 <= n <= available():
        raise ScenarioError(f"--threads {n}: must be between 1 and {available()} (the threads "
                            "numba has here; NUMBA_NUM_THREADS sets that number)")
    if n > 1:  # one thread never calls the pool (the kernels' serial twins)
        if _forked:
            raise ScenarioError(f"--threads {n}: a forked process runs on one thread")
        numba.set_num_threads(n)
    _current[:] = [n]
    return n
