"""The household month in one compiled pass (income, shocks, decisions;
:mod:`povsim.engine.submodels.households_month` documents the rules), its counts for the
records, and the sums and losses the December close and the recording take over households.

Example:
    >>> import numpy as np
    >>> out = np.zeros(2)
    >>> sum_by_group(np.array([1.0, 2.0, 4.0]), np.array([0, 1, 1]), np.ones(2, bool), out)
    >>> out.tolist()
    [1.0, 6.0]
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from povsim.agents.households import (
    NO_JOB,
    OUTSIDE_MARKET,
    SRC,
    Households,
    farmed_land,
    idle_labourers,
)
from povsim.base.philox import uniform4
from povsim.engine.kernels.common import (
    CHUNK,
    S_MONTH,
    Draws,
    HouseholdArrays,
    MonthCounts,
    MonthOutputs,
    MonthParams,
    _serial,
    run_arrays,
)

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


def household_month_arrays(hh: Households, wages: np.ndarray, tech: np.ndarray,
                           p_join: np.ndarray, draws: Draws, p: MonthParams) -> MonthOutputs:
    """Run :func:`household_month` on a ``Households``; return its :class:`MonthOutputs`."""
    out = MonthOutputs.empty(hh.n, len(wages))
    household_month(HouseholdArrays.of(hh), p, wages, tech, p_join, draws, out)
    return out


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
