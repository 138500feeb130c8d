"""The households' month (ODD §7.8 income, §7.9 shocks and decisions).

Income: farm income on the own (not leased) land the household farms, at most
``farm_mu_per_labourer`` per labourer at home (:meth:`Households.farmed`; the rest lies fallow)
(land x net yield per mu (:func:`farm_yield_per_mu`)
of the crops planted (:func:`planted`: without the programme, not those it plants)
x growth x own productivity x village technology x the month's seasonal share), the wage of a
local job, migrants' remittances, rent for land leased to the cooperative, transfers of the
enrolled (per person) and other income (per person, x growth). Shocks: a healthy household falls
ill with ``illness_prob_month`` and a sick one recovers with ``illness_recovery_prob_month`` (one
draw); a sole labourer at home falling ill loses the job; a sick household pays
``illness_cost_month``, the uncovered part (1 - cover) out of pocket; a disaster in a village
destroys ``disaster_severity`` of a quarter of its households' yearly farm income. Decisions: an
idle labourer migrates with ``migrate_prob_month`` x (0.5 + skill), a migrant returns with
``return_prob_month`` (one draw); a non-member joins an active cooperative with
``join_prob_month`` x branch strength; a poor household without labour or with illness claims
transfers with ``transfer_claim_prob_month``. The per-household rules run compiled in one pass
(:func:`povsim.kernels.household_month`); the money flows are booked here.

Example:
    >>> from povsim.model import PovertyModel
    >>> m = PovertyModel("zhenbao", seed=1)
    >>> m.step()
    >>> float(m.households.income.sum()) != 0.0
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim import kernels
from povsim.agents.households import SRC
from povsim.clock import Clock
from povsim.config import CropCfg, Scenario
from povsim.ledger import Ledger
from povsim.streams import Streams
from povsim.submodels.base import EVERY_MONTH, Submodel
from povsim.submodels.cooperatives import join
from povsim.submodels.labour_market import employer_wages, market_wages

if TYPE_CHECKING:
    from povsim.world import World

DISASTER_QUARTER = 0.25  # a disaster hits a quarter of a year's farm income; assumed


def farm_yield_per_mu(crops: list[tuple[CropCfg, float]], base: float, year: int) -> float:
    """Net farm income per mu of own land in ``year`` at baseline prices (crop mix, maturity).

    Land under a cash crop yields the base value ``base`` before the crop is planted, nothing
    while it matures, and the crop's value once mature.

    Example:
        >>> farm_yield_per_mu([], 500.0, 2015)
        500.0
    """
    y = base * (1.0 - sum(sh for _, sh in crops))
    for c, sh in crops:
        if year < c.planted_year.value:
            y += sh * base
        elif year >= c.planted_year.value + c.maturity_years.value:
            y += sh * c.yield_value_per_mu.value
    return y


def planted(crops: list[tuple[CropCfg, float]], programme_on: bool
            ) -> list[tuple[CropCfg, float]]:
    """The crops planted: all, or without the programme those it would plant
    (``by_programme``).

    Example:
        >>> from povsim.config import load_scenario
        >>> crops = [(c, 0.1) for c in load_scenario("sanba").income.crops]
        >>> [c.name for c, _ in planted(crops, False)]
        ['walnut', 'pepper', 'olive']
    """
    return crops if programme_on else [(c, sh) for c, sh in crops if not c.by_programme]


class HouseholdsMonth(Submodel):
    """Every household's month: income, then shocks, then decisions."""

    name, odd, when = "households' month", "7.8-7.9", EVERY_MONTH

    def __init__(self, clock: Clock, world: World, sc: Scenario, streams: Streams,
                 ledger: Ledger):
        super().__init__(clock)
        self.world, self.sc, self.ledger = world, sc, ledger
        self.streams = streams
        season = np.asarray(sc.income.farm_seasonality.value, float)
        self.season = season / season.sum()
        n_emp = world.coop_code0 + len(world.coops)
        self._out = kernels.MonthOutputs.empty(world.households.n, n_emp)  # kept between months
        self._year: tuple = (None,)  # the year's farm yield, wages and parameters, once a year

    def farm_yield(self) -> float:
        """This year's net farm income per mu of own land (baseline prices)."""
        return farm_yield_per_mu(planted(self.world.crops, self.clock.programme_on),
                                 self.sc.income.yield_value_per_mu.value, self.clock.year)

    def year_values(self) -> tuple:
        """This year's growth, farm yield, wages by employer and the kernel's parameters (with
        this year's season share of January), computed once a year."""
        if self._year[0] != self.clock.year:
            g, farm_yield = self.clock.growth(), self.farm_yield()
            self._year = (self.clock.year, g, farm_yield,
                          employer_wages(self.world, self.clock, self.sc.income),
                          kernels.MonthParams.of(self.sc, farm_yield, g, self.season[0],
                                                 self.clock.transfer_index()))
        return self._year[1:]

    def step(self) -> None:
        w, sc, s, b = self.world, self.sc, self.sc.shocks, self.sc.behaviour
        hh, st = w.households, self.streams
        g, farm_yield, wages, p = self.year_values()
        p = p._replace(season_share=self.season[self.clock.month])
        ud = st["disaster"].random(len(w.villages))
        tech = w.village_arrays.tech
        active = w.coop_arrays.active
        branch = w.village_arrays.branch_strength
        # a village's joining probability, -1 (never) where its cooperative is not active
        p_join = np.where(active, b.join_prob_month.value * branch, -1.0)
        out = self._out
        kernels.household_month(kernels.HouseholdArrays.of(hh), p, wages, tech, p_join,
                                kernels.Draws.of(st, self.clock.month_index), out)
        by_emp, paid, covered = out.totals()
        # money flows, in the order the rules pay them
        led = self.ledger
        led.flow("market", "households", "wages", market_wages(w, by_emp))
        by_partner = by_emp[1:w.coop_code0]  # employer code = partner index + 1
        who = np.flatnonzero(by_partner)
        if who.size:
            w.partner_arrays.wages_paid[who] += by_partner[who]
            led.partners_pay(w.partner_arrays.kind[who].tolist(), "households", "wages",
                             by_partner[who])
        led.cost("transfers", paid)
        led.flow("government", "households", "transfers", paid)
        led.cost("health_cover", covered)
        hit = ud < s.disaster_prob_month.value
        if hit.any():  # only the households of the villages hit lose anything
            rows = np.concatenate([w.village_rows[v] for v in np.flatnonzero(hit)])
            own = hh.farmed(sc.income.farm_mu_per_labourer.value, rows)
            annual = (own * farm_yield * g * hh.farm_prod[rows] * tech[hh.village[rows]])
            loss = DISASTER_QUARTER * s.disaster_severity.value * annual
            hh.income[SRC["shocks"], rows] -= loss
        if out.join.any():
            join(w, np.flatnonzero(out.join), sc.cooperatives, b.lease_share.value)
