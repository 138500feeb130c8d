"""Compiled household kernels: the month's income, shocks and decisions, and the labour market.

The engine's household rules touch every household every month; written as separate numpy
expressions they make dozens of passes over the household arrays and allocate a temporary for
each. :func:`household_month` applies the same rules (``PovertyModel._households_month`` documents
them) household by household in one compiled loop over the arrays. The random numbers are
drawn beforehand, vectorised, from the same named streams; sums over households (wages by
employer, transfers, health cover) are left to numpy on per-household arrays the kernel fills,
so totals keep numpy's summation order. Each arithmetic step keeps the precision numpy's
promotion rules gave the vectorised code (a ``float32`` array times a Python float stays
``float32``), so results are bit-for-bit those of the vectorised rules.

Example:
    >>> import numpy as np
    >>> from povsim.agents.households import Households
    >>> hh = Households.empty(2); hh.labourers[:] = 1; hh.land[:] = 10.0
    >>> out = household_month_arrays(hh, wages=np.array([1000.0]), tech=np.ones(1),
    ...     p_join=np.full(1, -1.0), draws=np.full((4, 2), 0.99), p=MonthParams(
    ...     farm_yield=500.0, growth=1.0, season=0.1, remittance=0.0, rent_per_mu=0.0,
    ...     transfer_per_person=0.0, other_per_person=0.0, illness_prob=0.01,
    ...     recovery_prob=0.2, illness_cost=0.0, migrate_prob=0.01, return_prob=0.0,
    ...     claim_prob=0.0))
    >>> hh.income[0].tolist()  # 10 mu x 500 yuan x 0.1 (this month's share)
    [500.0, 500.0]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from povsim.agents.households import NO_JOB, OUTSIDE_MARKET, SRC, Households

# rows of ``Households.income`` (constants for the compiled kernel)
SRC_FARM = SRC["farming"]
SRC_WAGES = SRC["local_wages"]
SRC_REMIT = SRC["migrant_remittances"]
SRC_RENT = SRC["land_rent"]
SRC_TRANSFERS = SRC["transfers"]
SRC_OTHER = SRC["other"]
SRC_SHOCKS = SRC["shocks"]


class MonthParams(NamedTuple):
    """The month's scalar parameters of the household rules (see ``_households_month``)."""

    farm_yield: float  # net farm income per mu of own land this year, yuan (crop mix)
    growth: float  # background growth index of prices and wages
    season: float  # this month's share of the year's farm income
    remittance: float  # remittance per migrant this month (x growth), yuan
    rent_per_mu: float  # land rent per leased mu this month, yuan
    transfer_per_person: float  # social-assistance transfer per person per month, yuan
    other_per_person: float  # other income per person per month at baseline prices, yuan
    illness_prob: float  # monthly probability that a healthy household falls ill
    recovery_prob: float  # monthly probability that a sick household recovers
    illness_cost: float  # monthly illness cost of a sick household, yuan
    migrate_prob: float  # monthly probability of migrating (x (0.5 + skill)), idle labourer
    return_prob: float  # monthly probability that a migrant returns
    claim_prob: float  # monthly probability that an eligible poor household claims transfers


class MonthCounts(NamedTuple):
    """Households with a local job, with a partner's job, with a cooperative job; migrants,
    sick households and cooperative members (:func:`month_counts`)."""

    local: int
    enterprise: int
    coop: int
    migrants: int
    sick: int
    members: int


def household_month_arrays(hh: Households, wages: np.ndarray, tech: np.ndarray,
                           p_join: np.ndarray, draws: np.ndarray, p: MonthParams
                           ) -> tuple[np.ndarray, ...]:
    """Run :func:`household_month` on a ``Households``; return pay, transfers, covered, join
    and the wages summed by employer code.

    ``draws`` holds four rows of uniforms, one per household: illness, migration, joining and
    transfer claims.
    """
    n = hh.n
    pay, transfers, covered = np.empty(n), np.empty(n), np.empty(n)
    join = np.zeros(n, np.bool_)
    by_employer = np.zeros(len(wages))
    household_month(
        hh.village, hh.size, hh.labourers, hh.land, hh.leased, hh.farm_prod, hh.skill,
        hh.cover, hh.member, hh.poor, hh.employer, hh.migrants, hh.sick, hh.enrolled, hh.income,
        wages, tech, p_join, draws[0], draws[1], draws[2], draws[3],
        np.float32(p.farm_yield), np.float32(p.growth), float(p.growth), float(p.season),
        float(p.remittance), float(p.rent_per_mu), float(p.transfer_per_person),
        float(p.other_per_person), float(p.illness_prob), float(p.recovery_prob),
        float(p.illness_cost), np.float32(p.migrate_prob), float(p.return_prob),
        float(p.claim_prob), pay, transfers, covered, join, by_employer)
    return pay, transfers, covered, join, by_employer


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernels now, on one dummy household, so that a
    model's first month does not pay for it; models call this when they are built.

    Example:
        >>> warm_up()
    """
    hh = Households.empty(1)
    household_month_arrays(hh, np.zeros(1), np.ones(1), np.full(1, -1.0), np.ones((4, 1)),
                           MonthParams(*([0.0] * len(MonthParams._fields))))
    one = np.ones(1)
    separate_and_count(hh.employer, one, 0.0, np.zeros(1, np.int64))
    seek_jobs(hh.village, hh.labourers, hh.migrants, hh.sick, hh.skill, hh.referral,
              hh.employer, one, one, np.zeros(1), np.zeros((1, 1)), np.zeros(1),
              np.zeros((1, 1), np.int32), np.float32(0.0), 0.0, np.empty(1, np.int64),
              np.empty(1, np.int32), np.empty(1))
    visits_due(np.full(1, -1, np.int32), hh.poor, hh.village, np.zeros(1, np.int64), one, 0.0,
               0.0, np.zeros(1, np.int64), np.empty(1, np.int64))
    month_counts(hh.employer, hh.migrants, hh.sick, hh.member, 1)
    order_ties(one, np.zeros(1, np.int64))
    masked_row_sums(hh.income, hh.poor, np.zeros(len(SRC)))
    sum_by_group(hh.leased, hh.village, np.ones(1, bool), np.zeros(1))


@njit(cache=True, nogil=True)
def household_month(village, size, labourers, land, leased, farm_prod, skill, cover, member,
                    poor, employer, migrants, sick, enrolled, income, wages, tech, p_join,
                    u_ill, u_mig, u_join, u_claim, farm_yield32, growth32, growth, season,
                    remittance, rent_per_mu, transfer_per_person, other_per_person,
                    illness_prob, recovery_prob, illness_cost, migrate_prob32, return_prob,
                    claim_prob, pay, transfers, covered, join, by_employer):  # pragma: no cover

    """One month of every household: income, then shocks, then decisions (in place).

    Writes each household's wage (``pay``, also summed by employer code into ``by_employer``),
    transfer and insurance-covered illness cost (``covered``) for the model's money flows, and
    flags the households that join their cooperative (``join``: the model takes their shares
    and land).
    """
    i_farm, i_wage, i_remit = SRC_FARM, SRC_WAGES, SRC_REMIT
    i_rent, i_transfer, i_other, i_shock = SRC_RENT, SRC_TRANSFERS, SRC_OTHER, SRC_SHOCKS
    one32, half32, zero32 = np.float32(1.0), np.float32(0.5), np.float32(0.0)
    recover_above = 1.0 - recovery_prob
    return_above = 1.0 - return_prob
    for i in range(village.shape[0]):
        v = village[i]
        # income: the month's farm income, wage, remittances, rent, transfers, other income
        own = land[i] - leased[i]
        if not own > zero32:
            own = zero32
        farm32 = own * farm_yield32 * growth32 * farm_prod[i]
        income[i_farm, i] += np.float64(farm32) * tech[v] * season
        e = employer[i]
        w = wages[e] if e >= 0 else 0.0
        pay[i] = w
        by_employer[e if e >= 0 else 0] += w  # as numpy's bincount: in household order
        income[i_wage, i] += w
        income[i_remit, i] += np.float64(migrants[i]) * remittance
        income[i_rent, i] += np.float64(leased[i]) * rent_per_mu
        t = np.float64(size[i]) * transfer_per_person if enrolled[i] else 0.0
        transfers[i] = t
        income[i_transfer, i] += t
        income[i_other, i] += np.float64(size[i]) * other_per_person * growth
        # shocks: illness onset or recovery; a sole labourer at home falling ill loses the job
        u = u_ill[i]
        was_sick = sick[i]
        new = (not was_sick) and u < illness_prob
        if new:
            sick[i] = True
            if employer[i] != NO_JOB and labourers[i] - migrants[i] <= 1:
                employer[i] = NO_JOB
        elif was_sick and u > recover_above:
            sick[i] = False
        cost = illness_cost if sick[i] else 0.0
        income[i_shock, i] -= cost * np.float64(one32 - cover[i])
        covered[i] = cost * np.float64(cover[i])
        # decisions: migrate or return, join the cooperative, claim transfers
        busy = np.int16(migrants[i]) + np.int16(employer[i] != NO_JOB) + np.int16(sick[i])
        idle = np.int16(labourers[i]) - busy
        um = u_mig[i]
        go = idle > 0 and um < np.float64(migrate_prob32 * (half32 + skill[i]))
        back = migrants[i] > 0 and um > return_above
        migrants[i] = migrants[i] + np.int8(go) - np.int8(back)
        join[i] = (not member[i]) and u_join[i] < p_join[v]
        if (poor[i] and not enrolled[i] and (labourers[i] == 0 or sick[i])
                and u_claim[i] < claim_prob):
            enrolled[i] = True



@njit(cache=True, nogil=True)
def separate_and_count(employer, u_sep, separation_prob, filled):  # pragma: no cover - compiled
    """Job separations (a job ends if ``u_sep < separation_prob``), then the jobs each employer
    holds, counted into ``filled`` (by employer code)."""
    for i in range(employer.shape[0]):
        if employer[i] != NO_JOB and u_sep[i] < separation_prob:
            employer[i] = NO_JOB
        if employer[i] >= 0:
            filled[employer[i]] += 1


@njit(cache=True, nogil=True)
def seek_jobs(village, labourers, migrants, sick, skill, referral, employer, u_jobs, u_choice,
              p_in_v, row_w, tot_w, village_employers, search_prob32, referral_boost,
              cand, cand_emp, cand_key):  # pragma: no cover - compiled
    """Job search of every household with idle labour and no local job (see
    ``PovertyModel._labour_market``). An applicant to a paired employer is written to ``cand``
    (in household order) with the employer it picked and its serving key ``u_jobs / p_in``;
    a household that finds an outside-market job takes it here. Returns the applicants'
    number.
    """
    half32 = np.float32(0.5)
    k = 0
    for i in range(village.shape[0]):
        if employer[i] != NO_JOB:
            continue
        busy = np.int16(migrants[i]) + np.int16(sick[i])
        if np.int16(labourers[i]) - busy <= 0:
            continue
        v = village[i]
        us = u_jobs[i]
        p_in = p_in_v[v]
        if us < p_in:  # applies to a paired employer, picked by reach-weighted vacancies
            threshold = u_choice[i] * tot_w[v]
            cum = 0.0
            pick = 0
            for j in range(row_w.shape[1]):
                cum += row_w[v, j]
                if cum > threshold:
                    pick = j
                    break
            cand[k] = i
            cand_emp[k] = village_employers[v, pick]
            cand_key[k] = us / p_in
            k += 1
        else:
            boost = referral_boost if referral[i] else 0.0
            p_out = np.float64(search_prob32 * (half32 + skill[i])) * (1.0 + boost)
            if us < p_in + p_out:
                employer[i] = OUTSIDE_MARKET
                referral[i] = False
    return k


@njit(cache=True, nogil=True)
def visits_due(cadre, poor, village, cadre_home, u_visit, visit_prob, away_factor, load,
               visited):  # pragma: no cover - compiled
    """Cadre loads (paired households still poor, by cadre, into ``load``) and the households
    visited this month (into ``visited``, in household order): a paired poor household is
    visited if ``u_visit < visit_prob`` (x ``away_factor`` when its cadre lives in another
    village). Returns the number visited."""
    k = 0
    for i in range(cadre.shape[0]):
        c = cadre[i]
        if c < 0 or not poor[i]:
            continue
        load[c] += 1
        p = visit_prob * (away_factor if cadre_home[c] != village[i] else 1.0)
        if u_visit[i] < p:
            visited[k] = i
            k += 1
    return k


@njit(cache=True, nogil=True)
def month_counts(employer, migrants, sick, member, coop_code0):  # pragma: no cover - compiled
    """Households with a local job, with an enterprise job, with a cooperative job; migrants,
    sick households and cooperative members (exact integer counts, one pass)."""
    local = enterprise = coop = n_migrants = n_sick = n_member = 0
    for i in range(employer.shape[0]):
        e = employer[i]
        if e != NO_JOB:
            local += 1
            if e >= coop_code0:
                coop += 1
            elif e >= 1:
                enterprise += 1
        n_migrants += migrants[i]
        n_sick += sick[i]
        n_member += member[i]
    return local, enterprise, coop, n_migrants, n_sick, n_member


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
