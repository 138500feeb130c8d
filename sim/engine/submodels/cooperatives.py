"""Village cooperatives' month (ODD §7.7): activation, production, sales, wages and rent;
households joining; leased land and the jobs it gives; hollowing out.

Each month a hollow cooperative with capital activates with probability
``activation_prob_month`` x branch strength x (2 with a first secretary). An active one
produces output worth (at market prices) its capital's yield (``capital_yield``) and its leased
land's (``coop_yield_per_mu`` x growth), scaled by management (0.5 + branch strength) and by
its collective-economy model's multiplier. It sells ``market_access`` of that output on the
open market; paired partners' purchase contracts (in the programme) buy from the rest, up to
their demand (``purchase_per_village_year`` x growth, x reach x industry fit, split by size),
at the market price x (1 + the best price premium); what neither buys is not sold
(:func:`povsim.agents.cooperative.sell`). So a contract adds sales the collective would not
otherwise make (volume) and pays more for them (price). A collective whose model earns from
**services** (its ``Earning``; Yushu's shop, resort and urban market) instead sells services to
its customers on its facilities: capital x ``service_yield`` x growth x management x
multiplier, not limited by market access nor bought by partners (its leased land's produce is
still sold as above); a model may also set its own market access. It pays its staff the local
wage (x its posts' ``fill``: a part-time post holder earns the rest in the outside market),
land rent to the households it leases from, and other costs (``cost_share`` of its sales). A
partner buys ``household_purchase_share`` of its purchases from the village's households' own
produce under contract instead (订单农业): they gain the premium on it, ``premium / (1 + premium)``
of the payment, shared by the land they farm (:meth:`Cooperatives.purchases`); the
collective sees only the rest of the demand.

Example:
    >>> from povsim.engine.model import PovertyModel
    >>> m = PovertyModel("zhenbao", seed=1)
    >>> m.step()
    >>> m.coops[0].revenue >= 0
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim.agents.households import NO_JOB, SRC
from povsim.base.clock import Clock
from povsim.base.streams import Streams
from povsim.engine.ledger import Ledger
from povsim.engine.submodels.base import EVERY_MONTH, Submodel
from povsim.engine.submodels.labour_market import employer_wages
from povsim.engine.village_kernels import (
    PartnerMonth,
    book_purchases,
    collectives_month,
    collectives_month_batch,
    join_cooperatives,
    partner_month,
)
from povsim.schema.collectives import CooperativesCfg
from povsim.schema.households import IncomeCfg

if TYPE_CHECKING:
    from povsim.engine.world import World

#: the four per-cooperative money flows of a month, in booking order
COOP_FLOWS = ("market->cooperative:sales", "cooperative->households:wages",
              "cooperative->households:land_rent", "cooperative->market:other_costs")


def join(world: World, idx: np.ndarray, co: CooperativesCfg, lease_share: float) -> None:
    """Households ``idx`` join their cooperative: they take shares (``1 +
    poor_member_shares`` for a registered household) and lease ``lease_share`` of their land;
    their villages' cooperatives recount their land and jobs (in one compiled call,
    :func:`povsim.engine.village_kernels.join_cooperatives`)."""
    if idx.size == 0:
        return
    hh, s = world.households, world.coop_arrays
    join_cooperatives(idx, hh.village, hh.registered, hh.land, hh.member, hh.shares, hh.leased,
                      co.poor_member_shares.value, lease_share, world.rows_by_village,
                      world.village_cuts, co.jobs_per_100mu.value, s.leased_land, s.jobs,
                      s.fill)


def hollow_out(world: World, v: int, co: CooperativesCfg) -> None:
    """Village ``v``'s collective, having lost all its capital, stops: staff laid off, leased
    land returned."""
    hh = world.households
    world.coop_arrays.active[v] = False
    rows = world.village_rows[v]
    hh.employer[rows[hh.employer[rows] == world.coop_code0 + v]] = NO_JOB
    hh.leased[rows] = 0.0
    world.coop_arrays.set_land(v, 0.0, co.jobs_per_100mu.value)
    if world.staff.size:
        world.staff[world.coop_code0 + v] = 0


class Cooperatives(Submodel):
    """Every cooperative's month: activation, revenue, purchases by partners, costs."""

    name, odd, when = "cooperatives", "7.7", EVERY_MONTH

    def __init__(self, clock: Clock, world: World, co: CooperativesCfg, income: IncomeCfg,
                 streams: Streams, ledger: Ledger):
        super().__init__(clock)
        self.world, self.co, self.income, self.ledger = world, co, income, ledger
        self.draws = streams["coop"]
        self._year: tuple = (None,)  # the year's growth, wages and parameters (year_values)

    def purchases(self, growth: float) -> PartnerMonth:
        """Paired partners' purchases this month
        (:func:`povsim.engine.village_kernels.partner_month`):
        their demand on the collectives and each village's best price premium and buyers. The
        part of a partner's purchases bought from households under contract
        (``household_purchase_share``) is not demand on the collective: its premium goes to the
        households, shared among each village's households by the land they farm (farm
        income; produce is assumed plentiful beside the contracts, no cap at the village's
        farm output), and is booked here as the partners' payments."""
        w = self.world
        hh = w.households
        month = partner_month(w.partner_links, partners=len(w.partners),
                              villages=w.n_villages, year=self.clock.year, growth=growth,
                              households=hh,
                              mu_per_labourer=self.income.farm_mu_per_labourer.value,
                              farm_income=hh.income[SRC["farming"]])
        amount = month.contract_premium
        payers = np.flatnonzero(amount)
        if payers.size:
            w.partner_arrays.household_premium_paid[payers] += amount[payers]
            self.ledger.partners_pay(w.partner_arrays.kind[payers].tolist(), "households",
                                     "contract_premium", amount[payers])
        return month

    def book_purchases(self, contracts: np.ndarray, month: PartnerMonth) -> None:
        """Book each village's contract sales ``contracts`` (yuan) to its buyers, in proportion
        to each buyer's demand there, village after village and buyer after buyer (the
        partners' accounts and the ledger add them up in that order)."""
        n = month.buyer_village.size
        if not n:
            return
        part, payer = np.empty(n), np.empty(n, np.int64)
        pa = self.world.partner_arrays
        k = book_purchases(contracts, month.buyer_village, month.buyer_partner,
                           month.buyer_want, month.village_total, pa.purchases, part, payer)
        if k:
            self.ledger.partners_pay(pa.kind[payer[:k]].tolist(), "cooperative", "purchases",
                                     part[:k])

    def step(self) -> None:
        """Every collective's month (:func:`povsim.engine.village_kernels.collectives_month`, a
        compiled loop over :class:`CoopArrays` with the rules of :mod:`povsim.agents.cooperative`:
        ``produce``, ``sell``, ``serve`` and the books), after the partners' demand; then the
        contract sales booked to their buyers."""
        w = self.world
        s = w.coop_arrays
        g, coop_wages, p = self.year_values()
        u = self.draws.random(w.n_villages)
        staff = w.staff[w.coop_code0:] if w.staff.size else np.zeros(w.n_villages, np.int64)
        demand = np.zeros(w.n_villages)
        premium = np.zeros(w.n_villages)
        month = None
        if self.clock.in_programme:
            month = self.purchases(g)
            demand, premium = month.demand, month.premium
        flows = self.ledger.flows
        totals = np.array([flows.setdefault(key, 0.0) for key in COOP_FLOWS])
        contracts = collectives_month(
            s, u=u, branch=w.village_arrays.branch_strength,
            secretary=w.village_arrays.first_secretary, staff=staff, coop_wages=coop_wages,
            demand=demand, premium=premium, activation=p[0], capital_yield=p[1],
            yield_per_mu=p[2], growth=p[3], access=p[4], rent_rate=p[5], cost_share=p[6],
            year=self.clock.year, flows=totals)
        for key, total in zip(COOP_FLOWS, totals.tolist(), strict=True):
            flows[key] = total
        if month is not None:
            self.book_purchases(contracts, month)

    def year_values(self) -> tuple[float, np.ndarray, np.ndarray]:
        """This year's growth, the collectives' wages and the kernel's parameters (activation,
        capital yield, yield per mu, growth, market access, rent rate, cost share), once a
        year."""
        if self._year[0] != self.clock.year:
            co, g = self.co, self.clock.growth()
            wages = employer_wages(self.world, self.clock, self.income)[self.world.coop_code0:]
            params = np.array([co.activation_prob_month.value, co.capital_yield.value,
                               co.coop_yield_per_mu.value * g, g, co.market_access.value,
                               self.income.land_rent_per_mu.value / 12.0, co.cost_share.value],
                              np.float64)
            self._year = (self.clock.year, g, wages, params)
        return self._year[1:]

    def step_batch(self, subs: list[Cooperatives], state: dict) -> None:
        """:meth:`step` of every run of a batch (:mod:`povsim.engine.batch`): the collectives' month
        in one compiled call over the runs
        (:func:`povsim.engine.village_kernels.collectives_month_batch`); each run's partners'
        purchases
        and books its own."""
        n_v = self.world.n_villages
        values = [s.year_values() for s in subs]
        u = np.stack([s.draws.random(n_v) for s in subs])
        staff = np.stack([s.world.staff[s.world.coop_code0:] if s.world.staff.size
                          else np.zeros(n_v, np.int64) for s in subs])
        demand, premium = np.zeros((len(subs), n_v)), np.zeros((len(subs), n_v))
        months: list[PartnerMonth | None] = [None] * len(subs)
        if self.clock.in_programme:
            for r, (s, (g, _, _)) in enumerate(zip(subs, values, strict=True)):
                months[r] = m = s.purchases(g)
                demand[r], premium[r] = m.demand, m.premium
        flows = np.array([[s.ledger.flows.setdefault(key, 0.0) for key in COOP_FLOWS]
                          for s in subs])
        contracts = np.zeros((len(subs), n_v))
        cs, va = state["coop_arrays"], state["village_arrays"]
        collectives_month_batch(
            cs.active, cs.capital, cs.leased_land, cs.fill, cs.revenue_multiplier, cs.services,
            cs.service_yield, cs.market_access, cs.ever_active_year, cs.revenue,
            cs.sales_to_enterprises, cs.wages, cs.rent, cs.other_costs, u,
            va.branch_strength, va.first_secretary.astype(np.float64), staff,
            np.stack([v[1] for v in values]), demand, premium, np.stack([v[2] for v in values]),
            self.clock.year, flows, contracts)
        for r, s in enumerate(subs):
            led = s.ledger.flows
            for key, total in zip(COOP_FLOWS, flows[r].tolist(), strict=True):
                led[key] = total
            if months[r] is not None:
                s.book_purchases(contracts[r], months[r])
