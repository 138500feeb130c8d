"""Compiled household kernels: the month's income, shocks and decisions, and the labour market.

The engine's household rules touch every household every month; written as separate numpy
expressions they make dozens of passes over the household arrays and allocate a temporary for
each. :func:`household_month` applies the same rules
(:mod:`povsim.engine.submodels.households_month`
documents them) household by household in one compiled loop over the arrays. The random numbers are
drawn inside the kernels, counter-based (:mod:`povsim.base.philox`): each a pure function of the
run's
key, a stream of :data:`STREAMS`, the household's id and the month, so a household's draws do
not depend on the order of the arrays, on a policy or on the threads. The loops over households
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
from typing import NamedTuple

import numpy as np
from numba import literal_unroll, njit, prange

from povsim.agents.cadre import familiarity, visit_effect
from povsim.agents.households import (
    NEED,
    NO_JOB,
    OUTSIDE_MARKET,
    SRC,
    Households,
    farmed_land,
    idle_labourers,
)
from povsim.base import threads
from povsim.base.philox import uniform4
from povsim.base.streams import stream_key
from povsim.base.sums import numpy_sum
from povsim.engine import village_kernels
from povsim.schema.config import Scenario

# rows of ``Households.income`` (constants for the compiled kernel). numba freezes them into
# the cached machine code and keys its cache on this file only: a change of ``SOURCES`` must come
# with a change of this file (or ``make clean``), or a stale cache writes to the old rows.
SRC_FARM = SRC["farming"]
SRC_WAGES = SRC["local_wages"]
SRC_REMIT = SRC["migrant_remittances"]
SRC_RENT = SRC["land_rent"]
SRC_TRANSFERS = SRC["transfers"]
SRC_OTHER = SRC["other"]
SRC_SHOCKS = SRC["shocks"]

#: households per chunk of the parallel loops: fixed (not the number of threads), so that the
#: chunks' sums and lists, added up in chunk order, do not depend on how many threads ran them
CHUNK = 1 << 14

#: the kernels' counter-based streams (:mod:`povsim.base.philox`) and what each lane of a
# household's
#: block of a month draws
STREAMS = {"household_month": ("illness", "migrate", "join", "claims"),
           "labour_market": ("separation", "jobs", "jobs_choice", "unused"),
           "visits": ("visit", "visit_effect", "unused", "unused")}
S_MONTH = stream_key("household_month")
S_LABOUR = stream_key("labour_market")
S_VISITS = stream_key("visits")
# a household's binding needs (codes of NEEDS, constants for the compiled kernels)
NEED_FARMING, NEED_JOBS, NEED_HEALTH = NEED["farming"], NEED["jobs"], NEED["health"]
NEED_FINANCE = NEED["finance"]


@njit(cache=True, nogil=True)
def n_chunks(n: int) -> int:
    """Chunks of :data:`CHUNK` households in ``n`` (at least one).

    Example:
        >>> n_chunks(1), n_chunks(CHUNK), n_chunks(CHUNK + 1)
        (1, 1, 2)
    """
    return max(-(-n // CHUNK), 1)


class HouseholdArrays(NamedTuple):
    """The household arrays the kernels read and write: the arrays of a
    :class:`povsim.agents.households.Households` themselves (not copies), under their names."""

    hid: np.ndarray
    village: np.ndarray
    size: np.ndarray
    labourers: np.ndarray
    land: np.ndarray
    leased: np.ndarray
    farm_prod: np.ndarray
    earnings: np.ndarray
    skill: np.ndarray
    cover: np.ndarray
    member: np.ndarray
    poor: np.ndarray
    employer: np.ndarray
    migrants: np.ndarray
    away: np.ndarray
    sick: np.ndarray
    enrolled: np.ndarray
    referral: np.ndarray
    cadre: np.ndarray
    near: np.ndarray
    paired_since: np.ndarray
    income: np.ndarray

    @classmethod
    def of(cls, hh: Households) -> HouseholdArrays:
        """The arrays of ``hh``."""
        return cls(*(getattr(hh, name) for name in cls._fields))


class MonthParams(NamedTuple):
    """The month's scalar parameters of the households' rules (``HouseholdsMonth``), each a
    scenario parameter under its schema name, or a value of the month under its own."""

    farm_yield_per_mu: float  # net farm income per mu of own land this year, yuan (crop mix)
    growth: float  # background growth index of prices and wages
    season_share: float  # this month's share of the year's farm income
    migrant_remittance_month: float  # income.*: remittance per migrant, yuan (x growth)
    land_rent_per_mu: float  # income.*: land rent per leased mu per year, yuan
    transfer_per_person_month: float  # income.*: transfer per person, yuan (x transfer index)
    other_income_per_person_month: float  # income.*: other income per person, yuan (x growth)
    illness_prob_month: float  # shocks.*
    illness_recovery_prob_month: float  # shocks.*
    illness_cost_month: float  # shocks.*: yuan
    migrate_prob_month: float  # behaviour.*: x (0.5 + skill), an idle labourer
    return_prob_month: float  # behaviour.*
    transfer_claim_prob_month: float  # behaviour.*: an eligible poor household
    farm_mu_per_labourer: float  # income.*: land one labourer at home can farm, mu

    @classmethod
    def of(cls, sc: Scenario, farm_yield_per_mu: float, growth: float, season_share: float,
           transfer_index: float = 1.0) -> MonthParams:
        """The parameters of scenario ``sc`` with the month's yield, growth, season and
        transfer index (``Clock.transfer_index``)."""
        i, s, b = sc.income, sc.shocks, sc.behaviour
        return cls(farm_yield_per_mu, growth, season_share, i.migrant_remittance_month.value,
                   i.land_rent_per_mu.value, i.transfer_per_person_month.value * transfer_index,
                   i.other_income_per_person_month.value, s.illness_prob_month.value,
                   s.illness_recovery_prob_month.value, s.illness_cost_month.value,
                   b.migrate_prob_month.value, b.return_prob_month.value,
                   b.transfer_claim_prob_month.value, i.farm_mu_per_labourer.value)


class Draws(NamedTuple):
    """Where the kernels' draws of a month come from: the run's Philox key (uint64[2],
    :attr:`povsim.base.streams.Streams.key`) and the month's index (``Clock.month_index``). A
    household's draws are lanes of the blocks of its id in the streams :data:`STREAMS` name."""

    key: np.ndarray
    month: int

    @classmethod
    def of(cls, streams, month: int) -> Draws:
        """The draws of ``month`` of the run of ``streams`` (a :class:`Streams`)."""
        return cls(streams.key, np.int64(month))


class MonthOutputs(NamedTuple):
    """What :func:`household_month` writes for the model's money flows and decisions: the
    households that join their cooperative (``join``, per household) and, per chunk of
    :data:`CHUNK` households, the wages by employer code then the transfers then the
    insurance-covered illness costs (``partial``: chunks x (employers + 2)); :meth:`totals` adds
    the chunks up in chunk order, so the totals do not depend on the number of threads."""

    join: np.ndarray
    partial: np.ndarray

    @classmethod
    def empty(cls, n: int, employers: int) -> MonthOutputs:
        """Outputs for ``n`` households and ``employers`` employer codes."""
        return cls(np.zeros(n, np.bool_), np.zeros((n_chunks(n), employers + 2)))

    def totals(self) -> tuple[np.ndarray, float, float]:
        """Wages by employer code, transfers and covered illness costs of the month."""
        t = self.partial.sum(axis=0)
        return t[:-2], float(t[-2]), float(t[-1])


class MonthCounts(NamedTuple):
    """Households with a local job; migrants, sick households and cooperative members; the
    households' income so far this year (yuan, simulated units) and their members
    (:func:`month_counts`). Jobs by employer are the labour market's (``World.staff``)."""

    local: int
    migrants: int
    sick: int
    members: int
    income: float
    people: int

    @classmethod
    def of(cls, totals: np.ndarray) -> MonthCounts:
        """The counts from :func:`month_counts`' six totals (its chunks' rows added up)."""
        return cls(*(int(x) for x in totals[:4]), float(totals[4]), int(totals[5]))


class PairedVacancies(NamedTuple):
    """Per village: its paired employers' codes and reach-weighted vacancies (villages x
    slots), their sum, and the chance that a job seeker applies to a paired employer."""

    codes: np.ndarray
    weighted: np.ndarray
    total_weighted: np.ndarray
    p_apply: np.ndarray


class Applicants(NamedTuple):
    """Buffers :func:`seek_jobs` fills: applicants to paired employers (household index, the
    employer picked, the serving key)."""

    household: np.ndarray
    employer: np.ndarray
    key: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Applicants:
        """Room for ``n`` applicants."""
        return cls(np.empty(n, np.int32), np.empty(n, np.int32), np.empty(n))


def household_month_arrays(hh: Households, wages: np.ndarray, tech: np.ndarray,
                           p_join: np.ndarray, draws: Draws, p: MonthParams) -> MonthOutputs:
    """Run :func:`household_month` on a ``Households``; return its :class:`MonthOutputs`."""
    out = MonthOutputs.empty(hh.n, len(wages))
    household_month(HouseholdArrays.of(hh), p, wages, tech, p_join, draws, out)
    return out


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


# Each parallel loop over chunks (``_*_chunks``, ``prange``) has a serial twin (``_*_serial``,
# ``range``) with the same body: numba caches compiled code by function, so one function cannot
# be kept compiled both ways.


def _serial(chunks: int) -> bool:
    """Whether to run ``chunks`` chunks one after the other in this thread: one chunk, or one
    thread set (:mod:`povsim.base.threads`). Either way the chunks are the same, and so the results;
    the serial path never calls numba's thread pool (a worker process of one thread then never
    starts one, which matters after a fork and with several threads per Dask worker)."""
    return chunks == 1 or threads.current() == 1


def household_month(h, p, wages, tech, p_join, draws, out) -> None:
    """One month of every household: income, then shocks, then decisions (in place).

    ``h`` is a :class:`HouseholdArrays`, ``p`` a :class:`MonthParams`, ``draws`` the month's
    :class:`Draws` (stream ``household_month``: illness, migration, joining, claims) and ``out``
    a :class:`MonthOutputs`: each chunk's wages by employer code, transfers and
    insurance-covered illness costs for the model's money flows, and the households that join
    their cooperative (``join``: the model takes their shares and land). Chunks of
    :data:`CHUNK` households run in parallel. Each step keeps the precision numpy's promotion
    rules give the vectorised rules (a ``float32`` array times a Python float stays
    ``float32``).
    """
    if _serial(out.partial.shape[0]):
        _household_month_serial(h, p, wages, tech, p_join, draws, out)
    else:
        _household_month_chunks(h, p, wages, tech, p_join, draws, out)


@njit(cache=True, nogil=True)
def _household_month_serial(h, p, wages, tech, p_join, draws, out):  # pragma: no cover
    n = h.village.shape[0]
    for c in range(out.partial.shape[0]):
        _household_month_in(h, p, wages, tech, p_join, draws, out, c * CHUNK,
                            min((c + 1) * CHUNK, n), out.partial[c])


@njit(cache=True, nogil=True, parallel=True)
def _household_month_chunks(h, p, wages, tech, p_join, draws, out):  # pragma: no cover
    n = h.village.shape[0]
    for c in prange(out.partial.shape[0]):
        _household_month_in(h, p, wages, tech, p_join, draws, out, c * CHUNK,
                            min((c + 1) * CHUNK, n), out.partial[c])


@njit(cache=True, nogil=True)
def _household_month_in(h, p, wages, tech, p_join, draws, out, start, stop,
                        row):  # pragma: no cover - compiled
    """:func:`household_month` on households ``start..stop - 1``, their money flows into the
    chunk's ``row``."""
    i_farm, i_wage, i_remit = SRC_FARM, SRC_WAGES, SRC_REMIT
    i_rent, i_transfer, i_other, i_shock = SRC_RENT, SRC_TRANSFERS, SRC_OTHER, SRC_SHOCKS
    one32, half32 = np.float32(1.0), np.float32(0.5)
    farm_yield32, growth32 = np.float32(p.farm_yield_per_mu), np.float32(p.growth)
    migrate_prob32 = np.float32(p.migrate_prob_month)
    mu_per_labourer32 = np.float32(p.farm_mu_per_labourer)
    remittance = p.migrant_remittance_month * p.growth
    rent_per_mu = p.land_rent_per_mu / 12.0
    season, growth = p.season_share, p.growth
    recover_above = 1.0 - p.illness_recovery_prob_month
    return_above = 1.0 - p.return_prob_month
    income, employer, migrants, sick = h.income, h.employer, h.migrants, h.sick
    i_transfers = out.partial.shape[1] - 2
    row[:] = 0.0
    for i in range(start, stop):
        u, um, uj, uc = uniform4(draws.key, S_MONTH, h.hid[i], draws.month)
        v = h.village[i]
        # income: the month's farm income, wage, remittances, rent, transfers, other income
        own = farmed_land(h.land[i], h.leased[i], h.labourers[i], migrants[i],
                          mu_per_labourer32)
        farm32 = own * farm_yield32 * growth32 * h.farm_prod[i]
        income[i_farm, i] += np.float64(farm32) * tech[v] * season
        e = employer[i]
        w = wages[e] if e >= 0 else 0.0
        if e == OUTSIDE_MARKET:  # the outside market pays each household its own wage
            w *= np.float64(h.earnings[i])
        row[e if e >= 0 else 0] += w
        income[i_wage, i] += w
        income[i_remit, i] += np.float64(migrants[i]) * remittance * np.float64(h.earnings[i])
        income[i_rent, i] += np.float64(h.leased[i]) * rent_per_mu
        t = np.float64(h.size[i]) * p.transfer_per_person_month if h.enrolled[i] else 0.0
        row[i_transfers] += t
        income[i_transfer, i] += t
        income[i_other, i] += np.float64(h.size[i]) * p.other_income_per_person_month * growth
        # shocks: illness onset or recovery; a sole labourer at home falling ill loses the job
        was_sick = sick[i]
        if (not was_sick) and u < p.illness_prob_month:
            sick[i] = True
            if employer[i] != NO_JOB and h.labourers[i] - migrants[i] <= 1:
                employer[i] = NO_JOB
        elif was_sick and u > recover_above:
            sick[i] = False
        if sick[i]:
            cost = p.illness_cost_month
            income[i_shock, i] -= cost * np.float64(one32 - h.cover[i])
            row[i_transfers + 1] += cost * np.float64(h.cover[i])
        # decisions: migrate or return, join the cooperative, claim transfers
        idle = idle_labourers(h.labourers[i], migrants[i], employer[i] != NO_JOB, sick[i])
        go = idle > 0 and um < np.float64(migrate_prob32 * (half32 + h.skill[i]))
        back = migrants[i] > 0 and um > return_above and not h.away[i]
        migrants[i] = migrants[i] + np.int8(go) - np.int8(back)
        out.join[i] = (not h.member[i]) and uj < p_join[v]
        if (h.poor[i] and not h.enrolled[i] and (h.labourers[i] == 0 or sick[i])
                and uc < p.transfer_claim_prob_month):
            h.enrolled[i] = True


@njit(cache=True, nogil=True)
def run_arrays(H, r):  # pragma: no cover - compiled
    """Run ``r``'s :class:`HouseholdArrays` from a batch's stacked ones (each field ``(runs,
    ...)``, :mod:`povsim.engine.batch`): row ``r`` of each, the arrays of the run itself."""
    return HouseholdArrays(H.hid[r], H.village[r], H.size[r], H.labourers[r], H.land[r],
                           H.leased[r], H.farm_prod[r], H.earnings[r], H.skill[r], H.cover[r],
                           H.member[r], H.poor[r], H.employer[r], H.migrants[r], H.away[r],
                           H.sick[r], H.enrolled[r], H.referral[r], H.cadre[r], H.near[r],
                           H.paired_since[r], H.income[r])


@njit(cache=True, nogil=True)
def household_month_batch(H, P, wages, tech, p_join, keys, month, join,
                          partial):  # pragma: no cover - compiled
    """:func:`household_month` of every run of a batch, run after run (one thread): run ``r``
    with row ``r`` of the stacked household arrays ``H``, of the parameters ``P`` (runs x the
    fields of :class:`MonthParams`, in order), of ``wages``, ``tech``, ``p_join``, its key in
    ``keys`` and its outputs ``join`` and ``partial``: what the run computes alone."""
    for r in range(P.shape[0]):
        p = MonthParams(P[r, 0], P[r, 1], P[r, 2], P[r, 3], P[r, 4], P[r, 5], P[r, 6], P[r, 7],
                        P[r, 8], P[r, 9], P[r, 10], P[r, 11], P[r, 12], P[r, 13])
        _household_month_serial(run_arrays(H, r), p, wages[r], tech[r], p_join[r],
                                Draws(keys[r], month), MonthOutputs(join[r], partial[r]))


def separate_and_count(h, draws, job_separation_prob_month, filled) -> None:
    """Job separations (a job ends if its draw, lane 0 of stream ``labour_market``, is below
    ``job_separation_prob_month``), then the jobs each employer holds, counted by chunk into
    ``filled`` (chunks x employer codes; the caller adds the chunks up)."""
    if _serial(filled.shape[0]):
        _separate_and_count_serial(h, draws, job_separation_prob_month, filled)
    else:
        _separate_and_count_chunks(h, draws, job_separation_prob_month, filled)


@njit(cache=True, nogil=True)
def _separate_and_count_serial(h, draws, job_separation_prob_month, filled):  # pragma: no cover
    n = h.employer.shape[0]
    for c in range(filled.shape[0]):
        _separate_and_count_in(h, draws, job_separation_prob_month, filled[c], c * CHUNK,
                               min((c + 1) * CHUNK, n))


@njit(cache=True, nogil=True, parallel=True)
def _separate_and_count_chunks(h, draws, job_separation_prob_month, filled):  # pragma: no cover
    n = h.employer.shape[0]
    for c in prange(filled.shape[0]):
        _separate_and_count_in(h, draws, job_separation_prob_month, filled[c], c * CHUNK,
                               min((c + 1) * CHUNK, n))


@njit(cache=True, nogil=True)
def _separate_and_count_in(h, draws, job_separation_prob_month, row, start,
                           stop):  # pragma: no cover - compiled
    """:func:`separate_and_count` on households ``start..stop - 1``, the jobs into ``row``."""
    employer = h.employer
    row[:] = 0
    for i in range(start, stop):
        if employer[i] == NO_JOB:
            continue
        u_sep, _, _, _ = uniform4(draws.key, S_LABOUR, h.hid[i], draws.month)
        if u_sep < job_separation_prob_month:
            employer[i] = NO_JOB
        else:
            row[employer[i]] += 1


class LabourParams(NamedTuple):
    """The labour market's parameters: ``behaviour.*`` and ``cadre_effects.referral_boost`` under
    their schema names, and the outside market's ``search_rate``
    (:func:`povsim.engine.job_finding.search_rate`)."""

    job_separation_prob_month: float
    paired_hire_prob_month: float
    search_rate: float
    referral_boost: float


def labour_month(h, draws, cap, codes, reach, p, filled, app, counts, staff) -> int:
    """The labour market's month in one call (ODD §7.6): separations and the jobs each employer
    holds (:func:`separate_and_count`, by chunk into ``filled``), the vacancies (``cap``, jobs
    by employer code, less the jobs held; none in the outside market) and each village's paired
    vacancies (:func:`paired_vacancies`, from the employer table's ``codes`` and ``reach``),
    job search (:func:`seek_jobs`, applicants into ``app``) and the paired employers' hiring
    (:func:`hire`). ``p`` is a :class:`LabourParams`; ``staff`` receives each employer's
    workers. Returns the number of applicants."""
    if _serial(counts.shape[0]):  # the whole month in one compiled call
        return _labour_month_serial(h, draws, cap, codes, reach, p, filled, app, counts, staff)
    separate_and_count(h, draws, p.job_separation_prob_month, filled)
    vac = _vacancies(cap, filled, staff)
    paired = paired_vacancies(codes, reach, vac, p.paired_hire_prob_month)
    k = seek_jobs(h, draws, paired, p.search_rate, p.referral_boost, app, counts)
    if k:
        _hire(app.household, app.employer, app.key, k, vac, h.employer, h.referral, staff)
    return k


@njit(cache=True, nogil=True)
def _labour_month_serial(h, draws, cap, codes, reach, p, filled, app, counts,
                         staff):  # pragma: no cover - compiled
    _separate_and_count_serial(h, draws, p.job_separation_prob_month, filled)
    vac = _vacancies(cap, filled, staff)
    paired = paired_vacancies(codes, reach, vac, p.paired_hire_prob_month)
    k = _seek_jobs_serial(h, draws, paired, p.search_rate, p.referral_boost, app,
                          counts)
    if k:
        _hire(app.household, app.employer, app.key, k, vac, h.employer, h.referral, staff)
    return k


@njit(cache=True, nogil=True)
def labour_month_batch(H, keys, month, cap, codes, reach, offsets, widths, P, filled,
                       app_household, app_employer, app_key, counts,
                       staff):  # pragma: no cover - compiled
    """:func:`labour_month` of every run of a batch, run after run (one thread), each with row
    ``r`` of the stacked arrays and its own employer table (``codes`` and ``reach`` of all runs
    flattened one after another, run ``r``'s from ``offsets[r]``, ``widths[r]`` slots per
    village) and parameters (``P``: runs x :class:`LabourParams`' fields): what the run computes
    alone."""
    for r in range(P.shape[0]):
        n_v = (offsets[r + 1] - offsets[r]) // widths[r]
        c = codes[offsets[r]:offsets[r + 1]].reshape((n_v, widths[r]))
        w = reach[offsets[r]:offsets[r + 1]].reshape((n_v, widths[r]))
        p = LabourParams(P[r, 0], P[r, 1], P[r, 2], P[r, 3])
        _labour_month_serial(run_arrays(H, r), Draws(keys[r], month), cap[r], c, w, p,
                             filled[r], Applicants(app_household[r], app_employer[r],
                                                   app_key[r]), counts[r], staff[r])


@njit(cache=True, nogil=True)
def _vacancies(cap, filled, staff):  # pragma: no cover - compiled
    """The jobs each employer holds (``filled``'s chunks added, into ``staff``) and its
    vacancies: ``max(cap - held, 0)``, none in the outside market (it hires whoever seeks)."""
    staff[:] = 0
    for c in range(filled.shape[0]):
        staff += filled[c]
    vac = np.empty(cap.shape[0])
    for e in range(cap.shape[0]):
        x = cap[e] - staff[e]
        vac[e] = x if x > 0.0 else 0.0
    vac[OUTSIDE_MARKET] = 0.0
    return vac


@njit(cache=True, nogil=True)
def paired_vacancies(codes, reach, vac, paired_hire_prob_month):  # pragma: no cover
    """Per village, from the vacancies ``vac`` by employer code: its paired employers (the
    employer table's ``codes``, villages x slots, -1 for none), their vacancies weighted by
    ``reach`` (a distant partner's vacancies are less within reach, ``exp(-distance /
    reach_km)``), the weighted sum, and the chance that a job seeker applies to a paired
    employer: ``paired_hire_prob_month`` x the weighted share of the village's vacancies. They
    depend on the village only, so they are computed per village, not per seeker; each
    village's sums are numpy's (:func:`povsim.base.sums.numpy_sum`). Returns
    :class:`PairedVacancies`.

    Example:
        >>> pv = paired_vacancies(np.array([[1, -1]], np.int32), np.array([[0.5, 1.0]]),
        ...                       np.array([0.0, 4.0]), 0.8)
        >>> pv.weighted.tolist(), pv.total_weighted.tolist(), pv.p_apply.tolist()
        ([[2.0, 0.0]], [2.0], [0.4])
    """
    n_v, slots = codes.shape
    row_vac = np.zeros((n_v, slots))
    weighted = np.zeros((n_v, slots))
    total_weighted = np.zeros(n_v)
    p_apply = np.zeros(n_v)
    for v in range(n_v):
        for j in range(slots):
            e = codes[v, j]
            if e >= 0:
                row_vac[v, j] = vac[e]
            weighted[v, j] = row_vac[v, j] * reach[v, j]
        total = numpy_sum(row_vac[v])
        total_weighted[v] = numpy_sum(weighted[v])
        if total > 0:
            p_apply[v] = paired_hire_prob_month * (total_weighted[v] / total)
    return PairedVacancies(codes, weighted, total_weighted, p_apply)


def seek_jobs(h, draws, vac, search_rate, referral_boost, out, counts) -> int:
    """Job search of every household with idle labour and no local job (ODD §7.6, ``h`` a
    :class:`HouseholdArrays`, ``vac`` the :class:`PairedVacancies`; draws: lanes 1 and 2 of
    stream ``labour_market``). An applicant to a paired employer is written to ``out`` (an
    :class:`Applicants`) with the employer it picked and its serving key ``u_jobs / p_apply``;
    a household that finds an outside-market job takes it here. Chunks of :data:`CHUNK`
    households run in parallel, each writing its applicants from its own first row (their
    numbers into ``counts``), then the chunks' lists are moved together in chunk order: the
    applicants in household order, whatever the number of threads. Returns their number.
    """
    if _serial(counts.shape[0]):
        return _seek_jobs_serial(h, draws, vac, search_rate, referral_boost, out,
                                 counts)
    return _seek_jobs_chunks(h, draws, vac, search_rate, referral_boost, out, counts)


def hire(app: Applicants, k: int, vac: np.ndarray, employer: np.ndarray,
         referral: np.ndarray, staff: np.ndarray) -> None:
    """Paired employers hire from this month's ``k`` applicants (``app``, from
    :func:`seek_jobs`): each employer's applicants are served in order of their keys (ties by
    their order), the first ``vac[e]`` of them hired: their ``employer`` set, their referral
    used, ``staff`` counted (ODD §7.6). The order is ``np.lexsort((key, employer))``'s: a stable
    sort by key, then a stable sort by employer.

    Example:
        >>> app = Applicants(np.array([0, 1, 2], np.int32), np.array([1, 1, 1], np.int32),
        ...                  np.array([0.5, 0.1, 0.9]))
        >>> emp, ref, staff = np.full(3, -1, np.int32), np.ones(3, bool), np.zeros(2, np.int64)
        >>> hire(app, 3, np.array([0.0, 2.0]), emp, ref, staff)
        >>> emp.tolist(), staff.tolist()  # the two lowest keys: households 1 and 0
        ([1, 1, -1], [0, 2])
    """
    _hire(app.household, app.employer, app.key, k, vac, employer, referral, staff)


@njit(cache=True, nogil=True)
def _hire(household, emp, key, k, vac, employer, referral, staff):  # pragma: no cover
    by_key = np.argsort(key[:k], kind="mergesort")
    order = by_key[np.argsort(emp[:k][by_key], kind="mergesort")]
    last, rank = -1, 0
    for j in range(k):
        i = order[j]
        e = emp[i]
        rank = rank + 1 if e == last else 0
        last = e
        if rank < vac[e]:
            employer[household[i]] = e
            referral[household[i]] = False
            staff[e] += 1


@njit(cache=True, nogil=True)
def _seek_jobs_serial(h, draws, vac, search_rate, referral_boost, out,
                      counts):  # pragma: no cover - compiled
    n = h.employer.shape[0]
    for c in range(counts.shape[0]):
        counts[c] = _seek_jobs_in(h, draws, vac, search_rate, referral_boost, out,
                                  c * CHUNK, min((c + 1) * CHUNK, n))
    return _gather((out.household, out.employer, out.key), counts)


@njit(cache=True, nogil=True, parallel=True)
def _seek_jobs_chunks(h, draws, vac, search_rate, referral_boost, out,
                      counts):  # pragma: no cover - compiled
    n = h.employer.shape[0]
    for c in prange(counts.shape[0]):
        counts[c] = _seek_jobs_in(h, draws, vac, search_rate, referral_boost, out,
                                  c * CHUNK, min((c + 1) * CHUNK, n))
    return _gather((out.household, out.employer, out.key), counts)


@njit(cache=True, nogil=True)
def _seek_jobs_in(h, draws, vac, search_rate, referral_boost, out, start,
                  stop):  # pragma: no cover - compiled
    """:func:`seek_jobs` on households ``start..stop - 1``, applicants written from row
    ``start``; returns their number."""
    half32 = np.float32(0.5)
    search_prob32 = np.float32(search_rate)
    employer, referral = h.employer, h.referral
    k = start
    for i in range(start, stop):
        if employer[i] != NO_JOB:
            continue
        if idle_labourers(h.labourers[i], h.migrants[i], False, h.sick[i]) <= 0:
            continue
        _, us, u_choice, _ = uniform4(draws.key, S_LABOUR, h.hid[i], draws.month)
        v = h.village[i]
        p_in = vac.p_apply[v]
        if us < p_in:  # applies to a paired employer, picked by reach-weighted vacancies
            threshold = u_choice * vac.total_weighted[v]
            cum = 0.0
            pick = 0
            for j in range(vac.weighted.shape[1]):
                cum += vac.weighted[v, j]
                if cum > threshold:
                    pick = j
                    break
            out.household[k] = i
            out.employer[k] = vac.codes[v, pick]
            # applicants to an employer are served in order of this key: u / p_in is uniform
            # on (0, 1) whatever the village's chance of applying (ranking by u itself would
            # favour the villages least likely to apply, the most distant ones)
            out.key[k] = us / p_in
            k += 1
        else:
            boost = referral_boost if referral[i] else 0.0
            p_out = np.float64(search_prob32 * (half32 + h.skill[i])) * (1.0 + boost)
            if us < p_in + p_out:
                employer[i] = OUTSIDE_MARKET
                referral[i] = False
    return k - start


@njit(cache=True, nogil=True)
def _gather(buffers, counts):  # pragma: no cover - compiled
    """Move each chunk's rows (``counts[c]`` from row ``c x CHUNK``) of every buffer together,
    in chunk order; return the rows in all."""
    k = 0
    for c in range(counts.shape[0]):
        start = c * CHUNK
        if k != start:
            for b in literal_unroll(buffers):
                b[k:k + counts[c]] = b[start:start + counts[c]].copy()
        k += counts[c]
    return k


def visits_due(h, draws, visit_prob, other_village_visit_factor, load,
               visited, counts) -> int:
    """Cadre loads (paired households still poor, by cadre, into ``load``) and the households
    visited this month (into ``visited``, in household order): a paired poor household is
    visited if its draw (lane 0 of stream ``visits``) is below ``visit_prob[cadre]`` (x
    ``other_village_visit_factor`` when its cadre lives in another village, ``not h.near``).
    The loads are counted in one sequential pass, the visits in parallel chunks (as
    :func:`seek_jobs`).
    Returns the number visited."""
    _cadre_loads(h.cadre, h.poor, load)
    if _serial(counts.shape[0]):
        return _visits_due_serial(h, draws, visit_prob, other_village_visit_factor, visited,
                                  counts)
    return _visits_due_chunks(h, draws, visit_prob, other_village_visit_factor, visited, counts)


@njit(cache=True, nogil=True)
def _visits_due_serial(h, draws, visit_prob, other_village_visit_factor, visited,
                       counts):  # pragma: no cover - compiled
    n = h.cadre.shape[0]
    for c in range(counts.shape[0]):
        counts[c] = _visits_due_in(h, draws, visit_prob, other_village_visit_factor, visited,
                                   c * CHUNK, min((c + 1) * CHUNK, n))
    return _gather((visited,), counts)


@njit(cache=True, nogil=True)
def _cadre_loads(cadre, poor, load):  # pragma: no cover - compiled
    for i in range(cadre.shape[0]):
        if cadre[i] >= 0 and poor[i]:
            load[cadre[i]] += 1


@njit(cache=True, nogil=True, parallel=True)
def _visits_due_chunks(h, draws, visit_prob, other_village_visit_factor, visited,
                       counts):  # pragma: no cover - compiled
    n = h.cadre.shape[0]
    for c in prange(counts.shape[0]):
        counts[c] = _visits_due_in(h, draws, visit_prob, other_village_visit_factor, visited,
                                   c * CHUNK, min((c + 1) * CHUNK, n))
    return _gather((visited,), counts)


@njit(cache=True, nogil=True)
def _visits_due_in(h, draws, visit_prob, other_village_visit_factor, visited, start,
                   stop):  # pragma: no cover - compiled
    """The visits of :func:`visits_due` among households ``start..stop - 1``, written from row
    ``start``; returns their number."""
    cadre = h.cadre
    k = start
    for i in range(start, stop):
        cd = cadre[i]
        if cd < 0 or not h.poor[i]:
            continue
        p = visit_prob[cd] * (1.0 if h.near[i] else other_village_visit_factor)
        u, _, _, _ = uniform4(draws.key, S_VISITS, h.hid[i], draws.month)
        if u < p:
            visited[k] = i
            k += 1
    return k - start


class VisitEffects(NamedTuple):
    """What a visit changes, by need (:mod:`povsim.engine.submodels.cadre_visits`): the
    ``cadre_effects`` parameters under their schema names."""

    familiarity_months: float
    load_half: float
    skill_gain: float
    productivity_gain: float
    productivity_cap: float
    health_cover_gain: float
    loan_productivity_gain: float


@njit(cache=True, nogil=True)
def visit_outcomes(h, visited, k, draws, effectiveness, specialty, load, match, visits_year,
                   active, month_index, p, joining):  # pragma: no cover - compiled
    """The effects of the month's ``k`` visits (households ``visited[:k]``, in order), each on
    the household's binding need (:meth:`Households.binding_need`) with the effect
    :func:`povsim.agents.cadre.visit_effect`; ``p`` a :class:`VisitEffects`. Each
    visit counts in its cadre's ``visits_year``. The households of a farming need who join
    their cooperative (their second draw, lane 1 of stream ``visits``, below the effect) are
    written to ``joining``; returns their number. Each step keeps the precision of numpy's
    promotion rules (float32 state, float64 effects), as the vectorised statement of the
    rules did."""
    one32 = np.float32(1.0)
    half32 = np.float32(0.5)
    n_join = 0
    for j in range(k):
        i = visited[j]
        c = h.cadre[i]
        sick = h.sick[i]
        # the binding need: health, then jobs, then farming, else finance (NEEDS' codes)
        idle = idle_labourers(h.labourers[i], h.migrants[i], h.employer[i] != NO_JOB, sick)
        if sick:
            need = NEED_HEALTH
        elif idle > 0 and h.employer[i] == NO_JOB:
            need = NEED_JOBS
        elif (h.land[i] - h.leased[i]) > half32:
            need = NEED_FARMING
        else:
            need = NEED_FINANCE
        months = month_index - np.int64(h.paired_since[i]) + 1
        eff = visit_effect(effectiveness[c], match[specialty[c], need],
                           familiarity(months, p.familiarity_months), load[c], p.load_half)
        visits_year[c] += 1
        if need == NEED_JOBS:
            h.skill[i] += np.float32(p.skill_gain * eff * np.float64(one32 - h.skill[i]))
            h.referral[i] = True
        elif need == NEED_FARMING:
            h.farm_prod[i] = np.float32(min(np.float64(h.farm_prod[i])
                                            * (1.0 + p.productivity_gain * eff),
                                            p.productivity_cap))
            _, u2, _, _ = uniform4(draws.key, S_VISITS, h.hid[i], draws.month)
            if u2 < eff and active[h.village[i]] and not h.member[i]:
                joining[n_join] = i
                n_join += 1
        elif need == NEED_HEALTH:
            h.cover[i] += np.float32(p.health_cover_gain * eff * np.float64(one32 - h.cover[i]))
        else:
            h.farm_prod[i] = np.float32(min(np.float64(h.farm_prod[i])
                                            * (1.0 + p.loan_productivity_gain * eff),
                                            p.productivity_cap))
            _, u2, _, _ = uniform4(draws.key, S_VISITS, h.hid[i], draws.month)
            if u2 < eff and h.labourers[i] == 0:
                h.enrolled[i] = True
    return n_join


@njit(cache=True, nogil=True)
def visits_due_batch(H, keys, month, visit_prob, other_village_visit_factor, load, visited,
                     counts, k):  # pragma: no cover - compiled
    """:func:`visits_due` of every run of a batch, run after run (one thread), each with row
    ``r`` of the stacked arrays; run ``r``'s number of visits into ``k[r]``."""
    for r in range(keys.shape[0]):
        h = run_arrays(H, r)
        _cadre_loads(h.cadre, h.poor, load[r])
        k[r] = _visits_due_serial(h, Draws(keys[r], month), visit_prob[r],
                                  other_village_visit_factor[r], visited[r], counts[r])


@njit(cache=True, nogil=True)
def visit_outcomes_batch(H, visited, k, keys, month, effectiveness, specialty, load, match,
                         visits_year, active, month_index, E, joining,
                         n_join):  # pragma: no cover - compiled
    """:func:`visit_outcomes` of every run of a batch, run after run, each with row ``r`` of
    the stacked arrays and of ``E`` (runs x :class:`VisitEffects`' fields); run ``r``'s
    joining households' number into ``n_join[r]``."""
    for r in range(keys.shape[0]):
        if k[r] == 0:
            continue
        p = VisitEffects(E[r, 0], E[r, 1], E[r, 2], E[r, 3], E[r, 4], E[r, 5], E[r, 6])
        n_join[r] = visit_outcomes(run_arrays(H, r), visited[r], k[r], Draws(keys[r], month),
                                   effectiveness[r], specialty[r], load[r], match[r],
                                   visits_year[r], active[r], month_index, p, joining[r])


def lecture(h, gain) -> None:
    """The skill of every household with labour in a village with a lecture gain ``gain[v] >
    0`` moves that share of the way to 1 (float32, as ``skill += (g x (1 - skill))``)."""
    n = h.village.shape[0]
    if _serial(n_chunks(n)):
        _lecture_in(h, gain, 0, n)
    else:
        _lecture_chunks(h, gain)


@njit(cache=True, nogil=True, parallel=True)
def _lecture_chunks(h, gain):  # pragma: no cover - compiled
    n = h.village.shape[0]
    for c in prange(n_chunks(n)):
        _lecture_in(h, gain, c * CHUNK, min((c + 1) * CHUNK, n))


@njit(cache=True, nogil=True)
def _lecture_in(h, gain, start, stop):  # pragma: no cover - compiled
    one32 = np.float32(1.0)
    for i in range(start, stop):
        g = gain[h.village[i]]
        if g > 0 and h.labourers[i] > 0:
            h.skill[i] += np.float32(g * np.float64(one32 - h.skill[i]))


def month_counts(h, partial: np.ndarray) -> MonthCounts:
    """The month's :class:`MonthCounts` of the households ``h`` (a :class:`HouseholdArrays`), in
    one pass over chunks of :data:`CHUNK` households, in parallel; ``partial`` (chunks x 6) holds
    each chunk's counts and sums, added up in chunk order (exact integer counts; the income in
    that order whatever the threads).

    Example:
        >>> hh = Households.empty(3); hh.employer[:] = [-1, 0, 2]; hh.size[:] = 2
        >>> c = month_counts(HouseholdArrays.of(hh), np.zeros((1, 6)))
        >>> c.local, c.people
        (2, 6)
    """
    if _serial(partial.shape[0]):
        _month_counts_serial(h, partial)
    else:
        _month_counts_chunks(h, partial)
    return MonthCounts.of(partial.sum(axis=0))


@njit(cache=True, nogil=True)
def month_counts_batch(H, partial):  # pragma: no cover - compiled
    """:func:`month_counts`' pass of every run of a batch, run after run (one thread): run
    ``r``'s chunks' counts into ``partial[r]``."""
    for r in range(partial.shape[0]):
        _month_counts_serial(run_arrays(H, r), partial[r])


@njit(cache=True, nogil=True)
def _month_counts_serial(h, partial):  # pragma: no cover - compiled
    n = h.employer.shape[0]
    for c in range(partial.shape[0]):
        _month_counts_in(h, partial[c], c * CHUNK, min((c + 1) * CHUNK, n))


@njit(cache=True, nogil=True, parallel=True)
def _month_counts_chunks(h, partial):  # pragma: no cover - compiled
    n = h.employer.shape[0]
    for c in prange(partial.shape[0]):
        _month_counts_in(h, partial[c], c * CHUNK, min((c + 1) * CHUNK, n))


@njit(cache=True, nogil=True)
def _month_counts_in(h, row, start, stop):  # pragma: no cover - compiled
    """:func:`month_counts` of households ``start..stop - 1`` into ``row``."""
    local = n_migrants = n_sick = n_member = people = 0
    income = 0.0
    employer, inc = h.employer, h.income
    for i in range(start, stop):
        if employer[i] != NO_JOB:
            local += 1
        n_migrants += h.migrants[i]
        n_sick += h.sick[i]
        n_member += h.member[i]
        people += h.size[i]
        for s in range(inc.shape[0]):
            income += inc[s, i]
    row[0], row[1], row[2] = local, n_migrants, n_sick
    row[3], row[4], row[5] = n_member, income, people


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


@njit(cache=True, nogil=True)
def sum_by_group(values, group, todo, out):  # pragma: no cover - compiled
    """For each group g with ``todo[g]``, add to ``out[g]`` the ``values`` of the rows in group g,
    one by one in row order in float64: ``np.bincount(group, weights=values)``'s order, so the
    same bits, in one sequential pass that skips the groups not asked for."""
    for i in range(values.shape[0]):
        g = group[i]
        if todo[g]:
            out[g] += values[i]


@njit(cache=True, nogil=True)
def disaster_losses(hit, rows, cuts, h, mu_per_labourer, farm_yield, growth, tech, share,
                    shocks):  # pragma: no cover - compiled
    """The households of the villages ``hit`` by a disaster (their rows: ``rows`` from
    ``cuts[v]``, :attr:`World.rows_by_village`) lose ``share`` of a year's farm income on the
    own land they farm (:func:`farmed_land`) into ``shocks`` (their shocks income): land x
    ``farm_yield`` x ``growth`` x own productivity in float32 (numpy's promotion of a float32
    array times Python floats), then x village technology in float64.

    Example:
        >>> hh = Households.empty(2); hh.land[:] = 10.0; hh.labourers[:] = 1; hh.farm_prod[:] = 1
        >>> h = HouseholdArrays.of(hh)
        >>> disaster_losses(np.array([0]), np.array([0, 1]), np.array([0, 2]), h, 5.0, 100.0,
        ...                 1.0, np.ones(1), 0.5, hh.income[0])
        >>> hh.income[0].tolist()
        [-250.0, -250.0]
    """
    mu32, yield32, growth32 = np.float32(mu_per_labourer), np.float32(farm_yield), np.float32(
        growth)
    for v in hit:
        for r in range(cuts[v], cuts[v + 1]):
            i = rows[r]
            own = farmed_land(h.land[i], h.leased[i], h.labourers[i], h.migrants[i], mu32)
            shocks[i] -= share * (np.float64(own * yield32 * growth32 * h.farm_prod[i])
                                  * tech[h.village[i]])


@njit(cache=True, nogil=True)
def disaster_losses_batch(hit, rows, cuts, H, mu_per_labourer, farm_yield, growth, tech,
                          share):  # pragma: no cover - compiled
    """:func:`disaster_losses` of every run of a batch, run after run: run ``r``'s villages
    ``hit[r]``, its rows, its households (row ``r`` of ``H``) and parameters."""
    for r in range(hit.shape[0]):
        villages = np.flatnonzero(hit[r])
        if villages.size:
            h = run_arrays(H, r)
            disaster_losses(villages, rows[r], cuts[r], h, mu_per_labourer[r], farm_yield[r],
                            growth[r], tech[r], share[r], h.income[SRC_SHOCKS])


@njit(cache=True, nogil=True)
def masked_row_sums(table, mask, out):  # pragma: no cover - compiled
    """``out[s]`` = the sum of ``table[s, i]`` over the columns ``i`` where ``mask`` is true,
    added in column order from the first such column: the order (and so the bits) of numpy's
    ``table[:, mask].sum(axis=1)``, whose masked copy is column-major, without the copy."""
    first = True
    for i in range(table.shape[1]):
        if mask[i]:
            if first:
                for s in range(table.shape[0]):
                    out[s] = table[s, i]
                first = False
            else:
                for s in range(table.shape[0]):
                    out[s] += table[s, i]
