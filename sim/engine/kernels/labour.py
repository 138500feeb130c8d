"""The labour market's compiled passes (:mod:`povsim.engine.submodels.labour_market`):
separations, the vacancies of paired employers, job search and hiring, one run or a batch.

Example:
    >>> LabourParams._fields[0]
    'job_separation_prob_month'
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from povsim.agents.households import (
    NO_JOB,
    OUTSIDE_MARKET,
    idle_labourers,
)
from povsim.base.philox import uniform4
from povsim.base.sums import numpy_sum
from povsim.engine.kernels.common import (
    CHUNK,
    S_LABOUR,
    Applicants,
    Draws,
    PairedVacancies,
    _gather,
    _serial,
    run_arrays,
)


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
