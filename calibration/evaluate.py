"""Many evaluations of a calibration problem, on this process, forked workers or a Dask cluster.

:func:`evaluate` runs ``pb.simulate_many`` (:class:`povsim.calibration.fit.Problem` or
:class:`~povsim.calibration.joint.JointProblem`) over parameter sets, each with its own seed, split
into parts: one process (``workers=1``), forked processes on this machine (one thread each, as
pyabc's local workers), or the workers of a Dask scheduler (each warmed once,
:func:`povsim.experiments.sweeps.warm_worker`). A run's figures depend only on its values and seed,
so the answer is the same whichever way it is made.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> from povsim.calibration.fit import Problem
    >>> pb = Problem.of(load_scenario("zhenbao"), scale=20, only=["behaviour.join_prob_month"])
    >>> v = [{"behaviour.join_prob_month": 0.01}, {"behaviour.join_prob_month": 0.02}]
    >>> evaluate(pb, v, [3, 4], workers=2) == pb.simulate_many(v, [3, 4])
    True
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from povsim.base import interrupts

_PROBLEM: list = []  # the problem a forked worker inherits


def _part(values: list, seeds: list, figures=None) -> list[dict]:
    return _PROBLEM[0].simulate_many(values, seeds, figures=figures)


def _remote(pb, values: list, seeds: list, figures=None) -> list[dict]:
    return pb.simulate_many(values, seeds, figures=figures)


def evaluate(pb, values: list[dict], seeds: list[int], *, workers: int = 1,
             scheduler: str | None = None, figures=None, parts_per_worker: int = 2) -> list[dict]:
    """The figures of every parameter set (``pb.simulate_many``), in order."""
    if not values:
        return []
    n = 1 if scheduler is None and workers <= 1 else max(workers, 1) * parts_per_worker
    if scheduler is None and workers <= 1:
        return pb.simulate_many(values, seeds, figures=figures)
    n = min(n, len(values))
    cuts = [slice(i * len(values) // n, (i + 1) * len(values) // n) for i in range(n)]
    vparts, sparts = [values[c] for c in cuts], [seeds[c] for c in cuts]
    if scheduler is not None:
        from povsim.base.threads import worker_threads
        from povsim.experiments.sweeps import connect, warm_worker

        client = connect(scheduler)
        try:
            client.run(warm_worker, worker_threads)
            remote = client.scatter(pb, broadcast=True)
            futures = client.map(_remote, [remote] * n, vparts, sparts, [figures] * n,
                                 pure=False)
            out = client.gather(futures)
        finally:
            client.close()
    else:
        _PROBLEM[:] = [pb]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            out = list(pool.map(_part, vparts, sparts, [figures] * n))
    interrupts.check()  # an interrupt the pool's workers or shutdown swallowed stops here
    return [x for part in out for x in part]
