"""What every household kernel shares: the chunk of households the loops work in, the kernels'
counter-based streams, and the typed records they take (:class:`HouseholdArrays`,
:class:`MonthParams`, :class:`Draws`, :class:`MonthOutputs`, :class:`MonthCounts`,
:class:`PairedVacancies`, :class:`Applicants`).

Example:
    >>> n_chunks(1), n_chunks(CHUNK + 1)
    (1, 2)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import literal_unroll, njit

from povsim.agents.households import (
    Households,
)
from povsim.base import threads
from povsim.base.streams import stream_key
from povsim.schema.config import Scenario

#: households per chunk of the parallel loops: fixed (not the number of threads), so that the
#: chunks' sums and lists, added up in chunk order, do not depend on how many threads ran them
CHUNK = 1 << 14

#: the kernels' counter-based streams (:mod:`povsim.base.philox`) and what each lane of a
#: household's block of a month draws
STREAMS = {"household_month": ("illness", "migrate", "join", "claims"),
           "labour_market": ("separation", "jobs", "jobs_choice", "unused"),
           "visits": ("visit", "visit_effect", "unused", "unused")}


S_MONTH = stream_key("household_month")

S_LABOUR = stream_key("labour_market")


S_VISITS = stream_key("visits")




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


# Each parallel loop over chunks (``_*_chunks``, ``prange``) has a serial twin (``_*_serial``,
# ``range``) with the same body: numba caches compiled code by function, so one function cannot
# be kept compiled both ways.


def _serial(chunks: int) -> bool:
    """Whether to run ``chunks`` chunks one after the other in this thread: one chunk, or one
    thread set (:mod:`povsim.base.threads`). Either way the chunks are the same, and so the results;
    the serial path never calls numba's thread pool (a worker process of one thread then never
    starts one, which matters after a fork and with several threads per Dask worker)."""
    return chunks == 1 or threads.current() == 1


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


@njit(cache=True, nogil=True)
def run_arrays(H, r):  # pragma: no cover - compiled
    """Run ``r``'s :class:`HouseholdArrays` from a batch's stacked ones (each field ``(runs,
    ...)``, :mod:`povsim.engine.batch`): row ``r`` of each, the arrays of the run itself."""
    return HouseholdArrays(H.hid[r], H.village[r], H.size[r], H.labourers[r], H.land[r],
                           H.leased[r], H.farm_prod[r], H.earnings[r], H.skill[r], H.cover[r],
                           H.member[r], H.poor[r], H.employer[r], H.migrants[r], H.away[r],
                           H.sick[r], H.enrolled[r], H.referral[r], H.cadre[r], H.near[r],
                           H.paired_since[r], H.income[r])
