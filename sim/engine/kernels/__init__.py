"""Compiled household kernels: the month's income, shocks and decisions, the labour market, the
cadre visits.

One module per part (:mod:`~povsim.engine.kernels.household`, :mod:`~povsim.engine.kernels.labour`,
:mod:`~povsim.engine.kernels.visits`, :mod:`~povsim.engine.kernels.sorting`, over the records of
:mod:`~povsim.engine.kernels.common`); this package names them all and compiles them ahead
(:func:`warm_up`).

The engine's household rules touch every household every month; written as separate numpy
expressions they make dozens of passes over the household arrays and allocate a temporary for
each. :func:`household_month` applies the same rules
(:mod:`povsim.engine.submodels.households_month` documents them) household by household in one
compiled loop over the arrays. The random numbers are drawn inside the kernels, counter-based
(:mod:`povsim.base.philox`): each a pure function of the run's key, a stream of
:data:`STREAMS`, the household's id and the month, so a household's draws do not depend on the
order of the arrays, on a policy or on the threads. The loops over households
run in parallel (numba ``prange``) over chunks of :data:`CHUNK` households; sums and lists over
households (wages by employer, transfers, applicants, visits) are kept per chunk and put
together in chunk order, so a run's results are the same bits for any number of threads. Each
arithmetic step keeps the precision numpy's promotion rules give the vectorised rules (a
``float32`` array times a Python float stays ``float32``): ``tests/test_kernels.py`` checks the
kernels against numpy statements of the same rules, bit for bit.

Kernel arguments are typed records (named tuples: :class:`HouseholdArrays`,
:class:`MonthParams`, :class:`PairedVacancies`, :class:`MonthOutputs`, :class:`Applicants`), and a
scenario parameter keeps its schema name down to the kernel (``visit_prob_month``,
``other_village_visit_factor``, ``job_separation_prob_month`` ...).

Example:
    >>> import numpy as np
    >>> from povsim.agents.households import Households
    >>> hh = Households.empty(2); hh.labourers[:] = 1; hh.land[:] = 10.0
    >>> from povsim.base.streams import Streams
    >>> out = household_month_arrays(hh, wages=np.array([1000.0]), tech=np.ones(1),
    ...     p_join=np.full(1, -1.0), draws=Draws.of(Streams(seed=1), month=0), p=MonthParams(
    ...     farm_yield_per_mu=500.0, growth=1.0, season_share=0.1, migrant_remittance_month=0.0,
    ...     land_rent_per_mu=0.0, transfer_per_person_month=0.0,
    ...     other_income_per_person_month=0.0, illness_prob_month=0.01,
    ...     illness_recovery_prob_month=0.2, illness_cost_month=0.0, migrate_prob_month=0.01,
    ...     return_prob_month=0.0, transfer_claim_prob_month=0.0, farm_mu_per_labourer=10.0))
    >>> hh.income[0].tolist()  # 10 mu x 500 yuan x 0.1 (this month's share)
    [500.0, 500.0]
"""

from __future__ import annotations

import os
import sys

import numpy as np

from povsim.agents.households import SRC, Households
from povsim.base import threads
from povsim.engine import village_kernels
from povsim.engine.kernels.common import (
    CHUNK,
    S_LABOUR,
    S_MONTH,
    S_VISITS,
    STREAMS,
    Applicants,
    Draws,
    HouseholdArrays,
    MonthCounts,
    MonthOutputs,
    MonthParams,
    PairedVacancies,
    n_chunks,
    run_arrays,
)
from povsim.engine.kernels.household import (
    SRC_FARM,
    SRC_OTHER,
    SRC_REMIT,
    SRC_RENT,
    SRC_SHOCKS,
    SRC_TRANSFERS,
    SRC_WAGES,
    _household_month_chunks,
    _household_month_in,
    _month_counts_chunks,
    disaster_losses,
    disaster_losses_batch,
    household_month,
    household_month_arrays,
    household_month_batch,
    masked_row_sums,
    month_counts,
    month_counts_batch,
    sum_by_group,
)
from povsim.engine.kernels.labour import (
    LabourParams,
    _seek_jobs_chunks,
    _separate_and_count_chunks,
    hire,
    labour_month,
    labour_month_batch,
    paired_vacancies,
    seek_jobs,
    separate_and_count,
)
from povsim.engine.kernels.sorting import (
    _merge_round_chunks,
    _merge_round_serial,
    _sort_runs_chunks,
    _sort_runs_serial,
    order_ties,
    stable_argsort_runs,
)
from povsim.engine.kernels.visits import (
    VisitEffects,
    _lecture_chunks,
    _visits_due_chunks,
    lecture,
    visit_outcomes,
    visit_outcomes_batch,
    visits_due,
    visits_due_batch,
)

__all__ = [
    "CHUNK", "SRC_FARM", "SRC_OTHER", "SRC_REMIT", "SRC_RENT", "SRC_SHOCKS",
    "SRC_TRANSFERS", "SRC_WAGES", "STREAMS", "S_LABOUR", "S_MONTH", "S_VISITS", "Applicants",
    "Draws", "HouseholdArrays", "LabourParams", "MonthCounts", "MonthOutputs", "MonthParams",
    "PairedVacancies", "VisitEffects", "cache_is_cold", "disaster_losses",
    "disaster_losses_batch", "hire", "household_month", "household_month_arrays",
    "household_month_batch", "labour_month", "labour_month_batch", "lecture",
    "masked_row_sums", "month_counts", "month_counts_batch", "n_chunks", "order_ties",
    "paired_vacancies", "run_arrays", "seek_jobs", "separate_and_count",
    "stable_argsort_runs", "sum_by_group", "visit_outcomes", "visit_outcomes_batch",
    "visits_due", "visits_due_batch", "warm_up",
]


def cache_is_cold() -> bool:
    """Whether numba's cache holds no compiled household kernel for this Python yet (its index
    file, found through numba's cache locator; ``False`` where numba's internals differ).

    Example:
        >>> isinstance(cache_is_cold(), bool)
        True
    """
    try:
        return not os.path.exists(_household_month_in._cache._cache_file._index_path)
    except AttributeError:
        return False


_LOADED: list[bool] = []  # one entry once this process has compiled or loaded the kernels


_WARM: set[int] = set()  # the thread counts this process has warmed the kernels up for


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernels now, on one dummy household, so that a
    model's first month does not pay for it; models call this when they are built. The first
    compile in a fresh environment says so on stderr before it starts (it takes a while, and a
    progress bar would otherwise show its time as the first month's). Once per process and
    thread count: a batch builds many models, and each calls it.

    Example:
        >>> warm_up()
    """
    if _LOADED and threads.current() in _WARM:
        return
    _warm_up()
    _WARM.add(threads.current())


def _warm_up() -> None:
    """:func:`warm_up`'s calls: every kernel on one household (the parallel variants too where
    there is more than one thread)."""
    if not _LOADED:
        if cache_is_cold():
            print("povsim: compiling the model's kernels (once per installation; later runs "
                  "load them from numba's cache)", file=sys.stderr, flush=True)
        _LOADED.append(True)
    village_kernels.warm_up()
    hh = Households.empty(1)
    h = HouseholdArrays.of(hh)
    draws = Draws(np.zeros(2, np.uint64), np.int64(0))
    params = MonthParams(*([0.0] * len(MonthParams._fields)))
    vac = PairedVacancies(np.zeros((1, 1), np.int32), np.zeros((1, 1)), np.zeros(1), np.zeros(1))
    one, count, two, pair = np.ones(1), np.zeros(1, np.int64), np.zeros(2), np.zeros(2, np.int32)
    # the public kernels, on one chunk: their serial twins
    household_month_arrays(hh, np.zeros(1), one, np.full(1, -1.0), draws, params)
    separate_and_count(h, draws, 0.0, np.zeros((1, 1), np.int64))
    seek_jobs(h, draws, vac, 0.0, 0.0, Applicants.empty(1), count)
    labour = LabourParams(0.0, 0.0, 0.0, 0.0)
    labour_month(h, draws, one, np.zeros((1, 1), np.int32), np.zeros((1, 1)), labour,
                 np.zeros((1, 1), np.int64), Applicants.empty(1), count, np.zeros(1, np.int64))
    hire(Applicants.empty(1), 0, np.zeros(1), hh.employer, hh.referral, np.zeros(1, np.int64))
    visits_due(h, draws, one, 0.0, np.zeros(1, np.int64), np.empty(1, np.int32), count)
    visit_outcomes(h, np.zeros(1, np.int32), 0, draws, one, np.zeros(1, np.int8), count,
                   np.zeros((1, 4)), count, np.zeros(1, bool), 0,
                   VisitEffects(*([0.0] * len(VisitEffects._fields))), count)
    lecture(h, np.zeros(1))
    month_counts(h, np.zeros((1, 6)))
    _sort_runs_serial(two, pair, 1)
    _merge_round_serial(two, pair, np.empty(2, np.int32), 1)
    order_ties(one, np.zeros(1, np.int64))
    masked_row_sums(hh.income, hh.poor, np.zeros(len(SRC)))
    disaster_losses(np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(2, np.int64), h, 0.0,
                    0.0, 0.0, one, 0.0, hh.income[0])
    sum_by_group(hh.leased, hh.village, np.ones(1, bool), np.zeros(1))
    if threads.current() == 1:  # the parallel variants are never called on one thread; a
        return  # forked worker must not start the thread pool (numba loads them on first use)
    _household_month_chunks(h, params, np.zeros(1), one, np.full(1, -1.0), draws,
                            MonthOutputs.empty(1, 1))
    _separate_and_count_chunks(h, draws, 0.0, np.zeros((1, 1), np.int64))
    _seek_jobs_chunks(h, draws, vac, 0.0, 0.0, Applicants.empty(1), count)
    _visits_due_chunks(h, draws, one, 0.0, np.empty(1, np.int32), count)
    _lecture_chunks(h, np.zeros(1))
    _month_counts_chunks(h, np.zeros((1, 6)))
    _sort_runs_chunks(two, pair, 1)
    _merge_round_chunks(two, pair, np.empty(2, np.int32), 1)
