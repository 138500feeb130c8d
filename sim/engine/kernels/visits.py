"""Cadre visits in compiled passes (:mod:`povsim.engine.submodels.cadre_visits`): the households
due a visit this month, the visits' effects and the resident cadres' lectures.

Example:
    >>> "visit_prob" in visits_due.__doc__
    True
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from povsim.agents.cadre import familiarity, visit_effect
from povsim.agents.households import (
    NEED,
    NO_JOB,
    idle_labourers,
)
from povsim.base.philox import uniform4
from povsim.engine.kernels.common import (
    CHUNK,
    S_VISITS,
    Draws,
    _gather,
    _serial,
    n_chunks,
    run_arrays,
)

# a household's binding needs (codes of NEEDS, constants for the compiled kernels)
NEED_FARMING, NEED_JOBS, NEED_HEALTH = NEED["farming"], NEED["jobs"], NEED["health"]
NEED_FINANCE = NEED["finance"]


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
