"""Compiled kernels of the villages' and collectives' month (issue 26): loops over the agents'
arrays (:class:`povsim.agents.village.VillageArrays`, :class:`povsim.agents.cooperative.CoopArrays`)
in agent order, with the arithmetic of the rules, step for step, that the submodels document
(:mod:`povsim.engine.submodels.cooperatives`, :mod:`povsim.engine.submodels.village_cadres`).

A compiled loop costs about a microsecond to call whatever the number of agents, where numpy's
vectorised statements cost a microsecond each and Python's a fraction of one per agent: a
single-village case (Zhenbao) and a 182-village one (Xixiu) are both cheap. The loops run in
agent order and add the money flows up one agent after another, as the per-agent Python did,
so the results are the same bits (``python -m benchmarks.bitcheck``).

Example:
    >>> import numpy as np
    >>> from povsim.agents.village import VillageArrays
    >>> from povsim.agents.cooperative import CoopArrays
    >>> vs, cs = VillageArrays.empty(1), CoopArrays.empty(1); vs.branch_strength[:] = 0.4
    >>> village_role_month(vs, cs, cadre_village=np.array([0]), expert=np.array([False]),
    ...     branch_gain=np.array([0.03]), effectiveness=np.array([0.5]),
    ...     projects_per_year=np.array([1.2]), draw=np.array([0.05]), project_size=2000.0,
    ...     expert_gain=0.01)
    1
    >>> round(float(vs.branch_strength[0]), 4), cs.capital.tolist()
    (0.409, [2000.0])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from povsim.agents.cooperative import CoopArrays, close_books, produce, sell, serve
from povsim.agents.enterprise import PartnerLinks
from povsim.agents.households import Households, farmed_land
from povsim.agents.village import VillageArrays
from povsim.base.scaling import post
from povsim.base.sums import numpy_sum, sparse_numpy_sum


@njit(cache=True, nogil=True)
def _village_role_month(branch, tech, capital, non_operating, cadre_village, expert, branch_gain,
                        effectiveness, projects_per_year, draw, project_size, expert_gain,
                        cap):  # pragma: no cover - compiled
    projects = 0
    for j in range(cadre_village.shape[0]):
        v = cadre_village[j]
        gain = branch_gain[j] * effectiveness[j]
        branch[v] += gain * (1.0 - branch[v])
        if expert[j]:
            tech[v] *= 1.0 + expert_gain * effectiveness[j]
        if draw[j] < projects_per_year[j] / 12.0:
            capital[v] += project_size
            non_operating[v] += project_size
            projects += 1
        if cap < tech[v]:
            tech[v] = cap
    return projects


def village_role_month(villages: VillageArrays, coops: CoopArrays, *, cadre_village: np.ndarray,
                       expert: np.ndarray, branch_gain: np.ndarray, effectiveness: np.ndarray,
                       projects_per_year: np.ndarray, draw: np.ndarray, project_size: float,
                       expert_gain: float, cap: float = np.inf) -> int:
    """Placed village-role cadres' month, one cadre after another (ODD §7.3): each raises its
    village's branch strength by ``branch_gain x effectiveness`` of the way to 1; an ``expert``
    raises farming technology by ``expert_gain x effectiveness``; where this month's ``draw`` is
    below ``projects_per_year / 12`` it lands a project of ``project_size`` yuan in the village
    collective (capital and non-operating income); technology is capped at ``cap``. Returns the
    number of projects landed."""
    return int(_village_role_month(
        villages.branch_strength, villages.tech, coops.capital, coops.non_operating,
        np.asarray(cadre_village, np.int64), np.asarray(expert, np.bool_),
        np.asarray(branch_gain, np.float64), np.asarray(effectiveness, np.float64),
        np.asarray(projects_per_year, np.float64), np.asarray(draw, np.float64),
        float(project_size), float(expert_gain), float(cap)))


@njit(cache=True, nogil=True)
def _collectives_month(active, capital, leased_land, fill, multiplier, services, service_yield,
                       own_access, ever_active_year, revenue, sales_to_enterprises, wages, rent,
                       other_costs, u, branch, secretary, staff, coop_wages, demand, premium,
                       activation, capital_yield, yield_per_mu, growth, access, rent_rate,
                       cost_share, year, flows, contracts_out):  # pragma: no cover - compiled
    sales, wages_paid, rents, other = flows[0], flows[1], flows[2], flows[3]
    for i in range(active.shape[0]):
        if (not active[i]) and capital[i] > 0 and u[i] < (
                activation * branch[i] * (1.0 + secretary[i])):
            active[i] = True
            if ever_active_year[i] == 0:
                ever_active_year[i] = year
        mgmt = 0.5 + branch[i]
        # a services collective's capital earns through services, not produce; its leased
        # land produces either way
        output = produce(active[i], capital[i], 0.0 if services[i] else capital_yield,
                         leased_land[i], yield_per_mu, mgmt, multiplier[i])
        market, contracts = sell(output, access if np.isnan(own_access[i]) else own_access[i],
                                 demand[i], premium[i])
        market += serve(active[i], services[i], capital[i], service_yield[i], growth, mgmt,
                        multiplier[i])
        rev = market + contracts
        wage_bill = staff[i] * coop_wages[i] * fill[i]  # the outside market pays the rest
        paid_rent = leased_land[i] * rent_rate
        revenue[i] += rev
        sales_to_enterprises[i] += contracts
        wages[i] += wage_bill
        rent[i] += paid_rent
        other_costs[i] += cost_share * rev
        sales += market
        wages_paid += wage_bill
        rents += paid_rent
        other += cost_share * rev
        contracts_out[i] = contracts
    flows[0], flows[1], flows[2], flows[3] = sales, wages_paid, rents, other


def collectives_month(s: CoopArrays, *, u: np.ndarray, branch: np.ndarray,
                      secretary: np.ndarray, staff: np.ndarray, coop_wages: np.ndarray,
                      demand: np.ndarray, premium: np.ndarray, activation: float,
                      capital_yield: float, yield_per_mu: float, growth: float, access: float,
                      rent_rate: float, cost_share: float, year: int, flows: np.ndarray
                      ) -> np.ndarray:
    """Every collective's month, one after another (ODD §7.7: activation, output, sales on the
    market and to contracts, services, wages, rent and other costs, booked in its books); the
    four money flows (sales, wages, rent, other costs) are added to ``flows`` (float64[4]) in
    collective order. Returns each collective's contract sales.

    Example:
        >>> s = CoopArrays.empty(1); s.active[:] = True; s.capital[:] = 1200.0
        >>> z = np.zeros(1); flows = np.zeros(4)
        >>> c = collectives_month(s, u=z, branch=np.full(1, 0.5), secretary=z,
        ...     staff=np.zeros(1, np.int64), coop_wages=z, demand=z, premium=z, activation=0.0,
        ...     capital_yield=0.1, yield_per_mu=0.0, growth=1.0, access=1.0, rent_rate=0.0,
        ...     cost_share=0.0, year=2015, flows=flows)
        >>> s.revenue.tolist(), flows.tolist()  # 1,200 x 0.1 a year / 12 x management 1
        ([10.0], [10.0, 0.0, 0.0, 0.0])
    """
    contracts = np.zeros(s.active.shape[0])
    _collectives_month(s.active, s.capital, s.leased_land, s.fill, s.revenue_multiplier,
                       s.services, s.service_yield, s.market_access, s.ever_active_year,
                       s.revenue, s.sales_to_enterprises, s.wages, s.rent, s.other_costs,
                       u, branch, np.asarray(secretary, np.float64), np.asarray(staff, np.int64),
                       coop_wages, demand, premium, float(activation), float(capital_yield),
                       float(yield_per_mu), float(growth), float(access), float(rent_rate),
                       float(cost_share), int(year), flows, contracts)
    return contracts


@njit(cache=True, nogil=True)
def collectives_month_batch(active, capital, leased_land, fill, multiplier, services,
                            service_yield, own_access, ever_active_year, revenue,
                            sales_to_enterprises, wages, rent, other_costs, u, branch,
                            secretary, staff, coop_wages, demand, premium, P, year, flows,
                            contracts):  # pragma: no cover - compiled
    """:func:`collectives_month` of every run of a batch (:mod:`povsim.engine.batch`), run after
    run:
    run ``r`` with row ``r`` of every stacked array and of ``P`` (runs x activation,
    capital yield, yield per mu, growth, market access, rent rate, cost share)."""
    for r in range(P.shape[0]):
        _collectives_month(active[r], capital[r], leased_land[r], fill[r], multiplier[r],
                           services[r], service_yield[r], own_access[r], ever_active_year[r],
                           revenue[r], sales_to_enterprises[r], wages[r], rent[r],
                           other_costs[r], u[r], branch[r], secretary[r], staff[r],
                           coop_wages[r], demand[r], premium[r], P[r, 0], P[r, 1], P[r, 2],
                           P[r, 3], P[r, 4], P[r, 5], P[r, 6], year, flows[r], contracts[r])


@njit(cache=True, nogil=True)
def _collectives_close(village, member, registered, shares, active, capital, revenue, wages,
                       rent, other_costs, fixed_per_member, share_payout, fixed_out, shares_out,
                       retained_out, loss_out, div):  # pragma: no cover - compiled
    n_v = active.shape[0]
    total = np.zeros(n_v, np.float32)  # members' shares, added in household order
    poor_members = np.zeros(n_v, np.int64)
    for i in range(village.shape[0]):
        if member[i]:
            total[village[i]] += shares[i]
            if registered[i]:
                poor_members[village[i]] += 1
    for v in range(n_v):
        payout = share_payout if total[v] > 0 else 0.0
        fixed_out[v], shares_out[v], retained_out[v], loss_out[v], capital[v] = close_books(
            revenue[v], wages[v], rent[v], other_costs[v], capital[v], active[v],
            fixed_per_member * poor_members[v], payout)
    for i in range(village.shape[0]):
        v = village[i]
        if member[i]:
            d = div[i]
            if fixed_out[v] != 0.0 and registered[i]:
                d += fixed_out[v] / poor_members[v]
            if shares_out[v] != 0.0:
                d += shares_out[v] * np.float64(shares[i]) / np.float64(total[v])
            div[i] = d


def collectives_close(s: CoopArrays, *, village: np.ndarray, member: np.ndarray,
                      registered: np.ndarray, shares: np.ndarray, fixed_per_member: float,
                      share_payout: float, div: np.ndarray) -> None:
    """December's close of every collective's books (:func:`close_books`: fixed dividends to
    its registered poor members, share dividends of ``share_payout`` of what surplus is left,
    the rest retained, a loss beyond capital covered), collective after collective, and the
    dividends added to ``div`` (yuan, by household): a registered member's equal part of the
    fixed dividends, then every member's part of the share dividends by its shares.

    A collective's members' shares are added in household order (float32, as the shares are
    kept): the same sum as numpy's whenever they are whole numbers, as they are in every bundled
    scenario (1 share, and ``poor_member_shares`` more for a registered household).

    Example:
        >>> s = CoopArrays.empty(1); s.active[:] = True; s.revenue[:] = 1000.0
        >>> div = np.zeros(2)
        >>> collectives_close(s, village=np.zeros(2, np.int32), member=np.ones(2, bool),
        ...     registered=np.array([True, False]), shares=np.array([3.0, 1.0], np.float32),
        ...     fixed_per_member=100.0, share_payout=0.5, div=div)
        >>> div.tolist(), s.capital.tolist()  # 100 fixed; 450 in shares, 3 : 1
        ([437.5, 112.5], [450.0])
    """
    _collectives_close(np.asarray(village), np.asarray(member, np.bool_),
                       np.asarray(registered, np.bool_), np.asarray(shares, np.float32),
                       s.active, s.capital, s.revenue, s.wages, s.rent, s.other_costs,
                       float(fixed_per_member), float(share_payout), s.fixed_dividends,
                       s.share_dividends, s.retained, s.loss_cover, div)


@njit(cache=True, nogil=True)
def partners_calendar(ptr, link_v, link_share, start_year, invested_once, investment,
                      aid_year, branch_gain, year, capital, non_operating, branch, invested,
                      aid_paid, paid_partner, paid_village, paid_amount,
                      paid_aid):  # pragma: no cover - compiled
    """The partners' month in their paired villages (:class:`PolicyCalendar`), partner after
    partner and, for each, its villages in pairing order (``ptr[e]..ptr[e + 1] - 1`` of the
    links sorted by partner, stably): in its first running year the one-off investment
    (``investment`` x its share of the village) and every month the aid (``aid_year`` / 12 x
    share), both into the collective's capital (non-operating income), and the branch's
    strengthening (``branch_gain`` x share of the way to 1). Each payment is written, in turn,
    to ``paid_partner``, ``paid_village``, ``paid_amount`` and ``paid_aid`` (investment or aid)
    for the ledger; returns their number.

    Example:
        >>> cap, nop, br = np.zeros(1), np.zeros(1), np.zeros(1)
        >>> pp, pv, pa, aid = (np.empty(4, np.int64), np.empty(4, np.int64), np.empty(4),
        ...                    np.empty(4, np.bool_))
        >>> partners_calendar(np.array([0, 1]), np.array([0]), np.array([1.0]),
        ...     np.array([2015]), np.zeros(1, np.bool_), np.array([500.0]), np.array([120.0]),
        ...     np.array([0.5]), 2015, cap, nop, br, np.zeros(1), np.zeros(1), pp, pv, pa, aid)
        2
        >>> cap.tolist(), br.tolist(), pa[:2].tolist(), aid[:2].tolist()
        ([510.0], [0.5], [500.0, 10.0], [False, True])
    """
    k = 0
    for e in range(start_year.shape[0]):
        lo, hi = ptr[e], ptr[e + 1]
        if start_year[e] > year or hi == lo:
            continue
        if not invested_once[e]:
            invested_once[e] = True
            for j in range(lo, hi):
                v = link_v[j]
                amount = investment[e] * link_share[j]
                capital[v] += amount
                non_operating[v] += amount
                invested[e] += amount
                paid_partner[k], paid_village[k], paid_amount[k], paid_aid[k] = e, v, amount, False
                k += 1
        for j in range(lo, hi):
            v = link_v[j]
            aid = aid_year[e] / 12.0 * link_share[j]
            if aid != 0:
                capital[v] += aid
                non_operating[v] += aid
                aid_paid[e] += aid
                paid_partner[k], paid_village[k], paid_amount[k], paid_aid[k] = e, v, aid, True
                k += 1
            if branch_gain[e] != 0:
                branch[v] += branch_gain[e] * link_share[j] * (1.0 - branch[v])
    return k


class PartnerMonth(NamedTuple):
    """What the paired partners buy this month (:func:`partner_month`): each collective's
    demand (yuan; the partners' demands on it added partner after partner) and best price
    premium; the buyers, village after village and partner after partner (village, partner,
    demand) with each village's total demand (numpy's sum over its partners), by which its
    contract sales are shared; and each partner's premium paid to households for their own
    produce under contract (yuan, 0 where none)."""

    demand: np.ndarray
    premium: np.ndarray
    buyer_village: np.ndarray
    buyer_partner: np.ndarray
    buyer_want: np.ndarray
    village_total: np.ndarray
    contract_premium: np.ndarray


@njit(cache=True, nogil=True)
def _cell_demand(e, v, reach, fit, share, rate, household_share, price_premium, start_year,
                 year, growth, of_link, demand, household_premium,
                 premium):  # pragma: no cover - compiled
    """Each pair's demand on the collective and premium to households this month, into its
    cell (a later link of the same pair replacing an earlier), and each village's best
    premium."""
    for j in range(e.shape[0]):
        if start_year[j] <= year and rate[j] > 0:
            f = reach[j] * fit[j]
            want = rate[j] * growth / 12.0 * (share[j] * f)
            prem = price_premium[j] * f
            demand[of_link[j]] = want * (1.0 - household_share[j])
            # bought at (1 + prem) x the market price: prem / (1 + prem) of the payment is
            # above what the produce would fetch on the market
            household_premium[of_link[j]] = want * household_share[j] * prem / (1.0 + prem)
            if prem > premium[v[j]]:  # Python's max(premium, prem)
                premium[v[j]] = prem


@njit(cache=True, nogil=True)
def _by_village(x, cell_e, by_village, village_ptr, n_p):  # pragma: no cover - compiled
    """Each village's cells of ``x`` summed over its partners as numpy sums a partners x
    villages table's column: one after another (``table.sum(axis=0)``: ``along``) and
    pairwise (``col.sum()``: ``pairwise``)."""
    n_v = village_ptr.shape[0] - 1
    along, pairwise = np.zeros(n_v), np.zeros(n_v)
    pos = np.empty(by_village.shape[0], np.int64)
    val = np.empty(by_village.shape[0])
    for w in range(n_v):
        lo, hi = village_ptr[w], village_ptr[w + 1]
        total = 0.0
        for k in range(lo, hi):
            c = by_village[k]
            pos[k - lo], val[k - lo] = cell_e[c], x[c]
            total += x[c]
        along[w] = total
        pairwise[w] = sparse_numpy_sum(pos[:hi - lo], val[:hi - lo], n_p)
    return along, pairwise


@njit(cache=True, nogil=True)
def _partner_month(e, v, reach, fit, share, rate, household_share, price_premium, start_year,
                   year, growth, n_p, n_v, of_link, cell_e, cell_v, by_village, village_ptr,
                   by_partner, partner_ptr, village, land, leased, labourers, migrants,
                   mu_per_labourer, farm_income):  # pragma: no cover - compiled
    n_c = cell_e.shape[0]
    demand, household_premium, premium = np.zeros(n_c), np.zeros(n_c), np.zeros(n_v)
    _cell_demand(e, v, reach, fit, share, rate, household_share, price_premium, start_year,
                 year, growth, of_link, demand, household_premium, premium)
    by_v, total = _by_village(demand, cell_e, by_village, village_ptr, n_p)
    # the buyers: village after village, partner after partner, those with demand
    count = 0
    for c in range(n_c):
        if demand[c] > 0:
            count += 1
    bv, bp, want = np.empty(count, np.int64), np.empty(count, np.int64), np.empty(count)
    k = 0
    for i in range(by_village.shape[0]):
        c = by_village[i]
        if demand[c] > 0:
            bv[k], bp[k], want[k] = cell_v[c], cell_e[c], demand[c]
            k += 1
    amount = np.zeros(n_p)
    if (household_premium != 0).any():
        # households' contract premiums: each village's premium shared by the land its
        # households farm, into their farm income; each partner's payment numpy's sum over
        # the villages that farm land
        n = village.shape[0]
        farmed = np.empty(n)
        land_v = np.zeros(n_v)
        for i in range(n):
            farmed[i] = np.float64(farmed_land(land[i], leased[i], labourers[i], migrants[i],
                                               mu_per_labourer))
            land_v[village[i]] += farmed[i]
        prem_v, _ = _by_village(household_premium, cell_e, by_village, village_ptr, n_p)
        per_mu = np.zeros(n_v)
        for w in range(n_v):
            if land_v[w] > 0:
                per_mu[w] = prem_v[w] / land_v[w]
        for i in range(n):
            farm_income[i] += per_mu[village[i]] * farmed[i]
        pos = np.empty(n_c, np.int64)
        val = np.empty(n_c)
        for p in range(n_p):
            lo, hi = partner_ptr[p], partner_ptr[p + 1]
            for k in range(lo, hi):  # a village farming no land sells nothing under contract
                c = by_partner[k]
                pos[k - lo] = cell_v[c]
                val[k - lo] = household_premium[c] * (1.0 if land_v[cell_v[c]] > 0 else 0.0)
            amount[p] = sparse_numpy_sum(pos[:hi - lo], val[:hi - lo], n_v)
    return PartnerMonth(by_v, premium, bv, bp, want, total, amount)


def partner_month(links: PartnerLinks, *, partners: int, villages: int, year: int,
                  growth: float, households, mu_per_labourer: float,
                  farm_income: np.ndarray) -> PartnerMonth:
    """The paired partners' purchases of the month in one compiled pass (ODD §7.7), pair by
    pair for the pairs whose pairing runs: a pair's purchases are its partner's
    ``purchase_per_village_year`` x ``growth`` / 12 x its share x reach x industry fit, of
    which ``household_purchase_share`` is bought from households' own produce and the rest is
    demand on the collective; the buyers of each village; and the premium they pay the
    households on the produce bought from them under contract (at (1 + premium) x the market
    price, ``premium / (1 + premium)`` of the payment is above the market's), shared in each
    village by the land its households farm (``households``' arrays; added to
    ``farm_income``, the households' farm income row). Returns a :class:`PartnerMonth`.

    Example:
        >>> from povsim.agents.households import Households
        >>> one, nil, i0 = np.ones(1), np.zeros(1), np.zeros(1, np.int64)
        >>> links = PartnerLinks(i0, i0, one, one, one, np.full(1, 1200.0), nil,
        ...                      np.full(1, 0.1), np.full(1, 2015))
        >>> hh = Households.empty(1)
        >>> pm = partner_month(links, partners=1, villages=1, year=2015, growth=1.0,
        ...                    households=hh, mu_per_labourer=5.0, farm_income=hh.income[0])
        >>> pm.demand.tolist(), pm.premium.tolist(), pm.buyer_partner.tolist()
        ([100.0], [0.1], [0])
    """
    hh, c = households, links.cells(int(partners), int(villages))
    return _partner_month(links.e, links.v, links.reach, links.fit, links.share,
                          links.purchase_per_village_year, links.household_purchase_share,
                          links.price_premium, links.start_year, int(year), float(growth),
                          int(partners), int(villages), c.of_link, c.e, c.v, c.by_village,
                          c.village_ptr, c.by_partner, c.partner_ptr, hh.village, hh.land,
                          hh.leased, hh.labourers, hh.migrants, np.float32(mu_per_labourer),
                          farm_income)


@njit(cache=True, nogil=True)
def book_purchases(contracts, buyer_village, buyer_partner, buyer_want, village_total,
                   purchases, part, payer):  # pragma: no cover - compiled
    """Each village's contract sales ``contracts`` (yuan) booked to its buyers in proportion
    to their demand there, village after village and buyer after buyer, into the partners'
    ``purchases``; each payment and its payer are written to ``part`` and ``payer`` (for the
    ledger); returns their number.

    Example:
        >>> purchases, part, payer = np.zeros(2), np.empty(2), np.empty(2, np.int64)
        >>> book_purchases(np.array([30.0]), np.array([0, 0]), np.array([0, 1]),
        ...                np.array([1.0, 2.0]), np.array([3.0]), purchases, part, payer)
        2
        >>> purchases.tolist()
        [10.0, 20.0]
    """
    k = 0
    for j in range(buyer_village.shape[0]):
        v = buyer_village[j]
        if contracts[v] != 0:
            x = contracts[v] * buyer_want[j] / village_total[v]
            purchases[buyer_partner[j]] += x
            part[k], payer[k] = x, buyer_partner[j]
            k += 1
    return k


@njit(cache=True, nogil=True)
def _partner_fixed_dividends(village, registered, ptr, link_partner, link_amount, n_partners,
                             div):  # pragma: no cover - compiled
    count = np.zeros(n_partners, np.int64)
    for i in range(village.shape[0]):
        if registered[i]:
            for j in range(ptr[village[i]], ptr[village[i] + 1]):
                count[link_partner[j]] += 1
    start = np.zeros(n_partners + 1, np.int64)
    start[1:] = np.cumsum(count)
    buf = np.empty(start[-1])
    fill = start[:-1].copy()
    for i in range(village.shape[0]):
        if registered[i]:
            for j in range(ptr[village[i]], ptr[village[i] + 1]):
                p = link_partner[j]
                buf[fill[p]] = link_amount[j]
                fill[p] += 1
                div[i] += link_amount[j]
    pays = np.zeros(n_partners)
    for p in range(n_partners):
        pays[p] = numpy_sum(buf[start[p]:start[p + 1]])
    return pays


def partner_fixed_dividends(village: np.ndarray, registered: np.ndarray, link_village: np.ndarray,
                            link_partner: np.ndarray, link_amount: np.ndarray, partners: int,
                            villages: int, div: np.ndarray) -> np.ndarray:
    """Partners' yearly fixed dividends to the registered households of their villages (ODD
    §7.10): a pair's amount (the partner's ``fixed_dividend`` x its share of the village) to
    each registered household of the village, added to ``div`` partner after partner. Returns
    what each partner paid, summed over its households in household order as numpy sums.

    Example:
        >>> div = np.zeros(3)
        >>> partner_fixed_dividends(np.array([0, 1, 0]), np.array([True, True, False]),
        ...     link_village=np.array([0, 0, 1]), link_partner=np.array([1, 0, 1]),
        ...     link_amount=np.array([10.0, 5.0, 7.0]), partners=2, villages=2, div=div).tolist()
        [5.0, 17.0]
        >>> div.tolist()
        [15.0, 7.0, 0.0]
    """
    order = np.lexsort((link_partner, link_village))  # by village, then partner
    lv = np.asarray(link_village, np.int64)[order]
    ptr = np.searchsorted(lv, np.arange(villages + 1)).astype(np.int64)
    return _partner_fixed_dividends(np.asarray(village, np.int64), np.asarray(registered, np.bool_),
                                    ptr, np.asarray(link_partner, np.int64)[order],
                                    np.asarray(link_amount, np.float64)[order], int(partners),
                                    div)


def warm_up() -> None:
    """Compile (or load from numba's cache) this module's kernels now, on one village."""
    vs, cs = VillageArrays.empty(1), CoopArrays.empty(1)
    z = np.zeros(1)
    village_role_month(vs, cs, cadre_village=np.zeros(1, np.int64), expert=np.zeros(1, bool),
                       branch_gain=z, effectiveness=z, projects_per_year=z, draw=z,
                       project_size=0.0, expert_gain=0.0)
    collectives_month(cs, u=z, branch=z, secretary=z, staff=np.zeros(1, np.int64),
                      coop_wages=z, demand=z, premium=z, activation=0.0, capital_yield=0.0,
                      yield_per_mu=0.0, growth=1.0, access=1.0, rent_rate=0.0, cost_share=0.0,
                      year=2000, flows=np.zeros(4))
    i0 = np.zeros(1, np.int64)
    links = PartnerLinks(i0, i0, *([np.ones(1)] * 4), z, z, i0)
    hh = Households.empty(1)
    pm = partner_month(links, partners=1, villages=1, year=2000, growth=1.0, households=hh,
                       mu_per_labourer=1.0, farm_income=hh.income[0])
    i1 = np.zeros(1, np.int64)
    partners_calendar(np.zeros(2, np.int64), i1, z, i1, np.zeros(1, bool), z, z, z, 2000, z, z,
                      z, z, z, i1, i1, z, np.zeros(1, bool))
    book_purchases(z, pm.buyer_village, pm.buyer_partner, pm.buyer_want, pm.village_total, z,
                   np.empty(1), np.empty(1, np.int64))
    collectives_close(cs, village=np.zeros(1, np.int32), member=np.zeros(1, bool),
                      registered=np.zeros(1, bool), shares=np.zeros(1, np.float32),
                      fixed_per_member=0.0, share_payout=0.0, div=np.zeros(1))
    join_cooperatives(np.zeros(0, np.int64), hh.village, hh.registered, hh.land, hh.member,
                      hh.shares, hh.leased, 0.0, 0.0, np.zeros(1, np.int64),
                      np.zeros(2, np.int64), 0.0, z, z, z)


@njit(cache=True, nogil=True)
def join_cooperatives(idx, village, registered, land, member, shares, leased,
                      poor_member_shares, lease_share, rows, cuts, jobs_per_100mu, leased_land,
                      jobs, fill):  # pragma: no cover - compiled
    """Households ``idx`` join their village's cooperative (ODD §7.9): members, with ``1 +
    poor_member_shares`` shares more if registered (float32 shares, added in float64), leasing
    ``lease_share`` of their land (in float32, as numpy multiplies a float32 array by a Python
    float). Then each of their villages' cooperatives recounts its leased land, its households'
    in row order (``rows`` from ``cuts[v]``: :attr:`World.rows_by_village`), in float64, as
    ``np.bincount`` adds them, and its jobs (``jobs_per_100mu x land / 100``) as posts
    (:func:`povsim.base.scaling.post`).

    Example:
        >>> z = np.zeros(2, np.float32)
        >>> member, shares, leased = np.zeros(2, np.bool_), z.copy(), z.copy()
        >>> land, jobs, fill = np.zeros(1), np.zeros(1), np.zeros(1)
        >>> join_cooperatives(np.array([1]), np.zeros(2, np.int64), np.ones(2, np.bool_),
        ...                   np.full(2, 10.0, np.float32), member, shares, leased, 1.0, 0.5,
        ...                   np.array([0, 1]), np.array([0, 2]), 3.0, land, jobs, fill)
        >>> member.tolist(), shares.tolist(), land.tolist(), jobs.tolist(), fill.tolist()
        ([False, True], [0.0, 2.0], [5.0], [1.0], [0.15])
    """
    lease32 = np.float32(lease_share)
    touched = np.zeros(cuts.shape[0] - 1, np.bool_)
    for j in range(idx.shape[0]):
        i = idx[j]
        member[i] = True
        shares[i] = np.float32(np.float64(shares[i]) + (1.0 + poor_member_shares * registered[i]))
        leased[i] = lease32 * land[i]
        touched[village[i]] = True
    for v in range(touched.shape[0]):
        if touched[v]:
            total = 0.0
            for r in range(cuts[v], cuts[v + 1]):
                total += np.float64(leased[rows[r]])
            leased_land[v] = total
            jobs[v], fill[v] = post(jobs_per_100mu * total / 100.0)


@njit(cache=True, nogil=True)
def join_cooperatives_batch(join, village, registered, land, member, shares, leased,
                            poor_member_shares, lease_share, rows, cuts, jobs_per_100mu,
                            leased_land, jobs, fill):  # pragma: no cover - compiled
    """:func:`join_cooperatives` of every run of a batch, run after run: run ``r``'s
    households ``join[r]`` with row ``r`` of the stacked arrays and its parameters."""
    for r in range(join.shape[0]):
        idx = np.flatnonzero(join[r])
        if idx.size:
            join_cooperatives(idx, village[r], registered[r], land[r], member[r], shares[r],
                              leased[r], poor_member_shares[r], lease_share[r], rows[r],
                              cuts[r], jobs_per_100mu[r], leased_land[r], jobs[r], fill[r])
