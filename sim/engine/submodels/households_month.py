"""The households' month (ODD §7.8 income, §7.9 shocks and decisions).

Income: farm income on the own (not leased) land the household farms, at most
``farm_mu_per_labourer`` per labourer at home (:meth:`Households.farmed`; the rest lies fallow)
(land x net yield per mu (:func:`farm_yield_per_mu`)
of the crops planted (:func:`planted`: without the programme, not those it plants)
x growth x own productivity x village technology x the month's seasonal share), the wage of a
local job and migrants' remittances (an outside-market wage and the remittances times the
household's ``earnings`` multiplier), rent for land leased to the cooperative, transfers of the
enrolled (per person) and other income (per person, x growth). Shocks: a healthy household falls
ill with ``illness_prob_month`` and a sick one recovers with ``illness_recovery_prob_month`` (one
draw); a sole labourer at home falling ill loses the job; a sick household pays
``illness_cost_month``, the uncovered part (1 - cover) out of pocket; a disaster in a village
destroys ``disaster_severity`` of a quarter of its households' yearly farm income. Decisions: an
idle labourer migrates with ``migrate_prob_month`` x (0.5 + skill), a migrant returns with
``return_prob_month`` (one draw); a non-member joins an active cooperative with
``join_prob_month`` x branch strength; a poor household without labour or with illness claims
transfers with ``transfer_claim_prob_month``. The per-household rules run compiled in one pass
(:func:`povsim.engine.kernels.household_month`); the money flows are booked here.

Example:
    >>> from povsim.engine.model import PovertyModel
    >>> m = PovertyModel("zhenbao", seed=1)
    >>> m.step()
    >>> float(m.households.income.sum()) != 0.0
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from povsim.agents.households import SRC
from povsim.base.clock import Clock
from povsim.base.streams import Streams
from povsim.engine import kernels
from povsim.engine.ledger import Ledger
from povsim.engine.submodels.base import EVERY_MONTH, Submodel
from povsim.engine.submodels.cooperatives import join
from povsim.engine.submodels.labour_market import employer_wages, market_wages, month_wages
from povsim.engine.village_kernels import join_cooperatives_batch
from povsim.schema.config import Scenario
from povsim.schema.households import CropCfg

if TYPE_CHECKING:
    from povsim.engine.world import World

DISASTER_QUARTER = 0.25  # a disaster hits a quarter of a year's farm income; assumed


def disaster_loss(sc: Scenario) -> float:
    """The share of a year's farm income a household of a village hit by a disaster loses:
    ``disaster_severity`` of a quarter.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> sc = load_scenario("zhenbao")
        >>> disaster_loss(sc) == DISASTER_QUARTER * sc.shocks.disaster_severity.value
        True
    """
    return DISASTER_QUARTER * sc.shocks.disaster_severity.value


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
        >>> from povsim.schema.config import load_scenario
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
        # a cooperative's part-time post earns the rest of its month at the village's chance
        # of an outside job (labour_market.post_pay)
        self.job_share = float(sc.population.local_job_share.value)
        season = np.asarray(sc.income.farm_seasonality.value, float)
        self.season = season / season.sum()
        n_emp = world.coop_code0 + world.n_villages
        self._out = kernels.MonthOutputs.empty(world.households.n, n_emp)  # kept between months
        self._year: tuple = (None,)  # the year's farm yield, wages and parameters, once a year
        self._batch: tuple | None = None  # a batch's stacked inputs of the year (step_batch)

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
        """The month of every household (:func:`povsim.engine.kernels.household_month`), then its
        money flows, disasters and joining (:meth:`book`)."""
        w, b = self.world, self.sc.behaviour
        _, _, wages, p = self.year_values()
        wages = month_wages(wages, w.coop_arrays.fill, w.coop_code0, self.job_share)
        p = p._replace(season_share=self.season[self.clock.month])
        ud = self.streams["disaster"].random(w.n_villages)
        # a village's joining probability, -1 (never) where its cooperative is not active
        p_join = np.where(w.coop_arrays.active,
                          b.join_prob_month.value * w.village_arrays.branch_strength, -1.0)
        out = self._out
        kernels.household_month(kernels.HouseholdArrays.of(w.households), p, wages,
                                w.village_arrays.tech, p_join,
                                kernels.Draws.of(self.streams, self.clock.month_index), out)
        self.book(out.partial, out.join, ud)

    def step_batch(self, subs: list[HouseholdsMonth], state: dict) -> None:
        """:meth:`step` of every run of a batch (:mod:`povsim.engine.batch`; ``subs`` the runs'
        submodels, this one the first, ``state`` the stacked arrays): the kernel in one call
        over the runs (:func:`povsim.engine.kernels.household_month_batch`), each run's booking its
        own."""
        if self._batch is None or self._batch[0] != self.clock.year:
            self._batch = _BatchMonth.of(subs, state)
        bm = self._batch[1]
        month = self.clock.month
        bm.params[:, 2] = bm.season[:, month]
        ud = [s.streams["disaster"].random(s.world.n_villages) for s in subs]
        va, ca = state["village_arrays"], state["coop_arrays"]
        p_join = np.where(ca.active, bm.join_prob * va.branch_strength, -1.0)
        wages = month_wages(bm.wages, ca.fill, self.world.coop_code0, bm.job_share)
        kernels.household_month_batch(bm.households, bm.params, wages, va.tech, p_join,
                                      bm.keys, np.int64(self.clock.month_index), bm.join,
                                      bm.partial)
        for r, s in enumerate(subs):
            s.book_flows(bm.partial[r])
        # then every run's disasters and joining, each in one call over the runs
        hit = np.stack(ud) < bm.disaster_prob
        if hit.any():
            kernels.disaster_losses_batch(hit, bm.rows, bm.cuts, bm.households, bm.mu,
                                          bm.farm_yield, bm.growth, va.tech, bm.loss_share)
        if bm.join.any():
            h = bm.households
            join_cooperatives_batch(bm.join, h.village, state["households"].registered, h.land,
                                    h.member, state["households"].shares, h.leased,
                                    bm.member_shares, bm.lease_share, bm.rows, bm.cuts,
                                    bm.jobs_per_100mu, ca.leased_land, ca.jobs, ca.fill)

    def book(self, partial: np.ndarray, joining: np.ndarray, ud: np.ndarray) -> None:
        """The month's money flows (:meth:`book_flows`), the villages hit by a disaster (their
        draw ``ud`` below ``disaster_prob_month``: :func:`povsim.engine.kernels.disaster_losses`)
        and
        the households that join their cooperative (``joining``)."""
        w, sc, s, b = self.world, self.sc, self.sc.shocks, self.sc.behaviour
        hh = w.households
        g, farm_yield, _, _ = self.year_values()
        self.book_flows(partial)
        hit = np.flatnonzero(ud < s.disaster_prob_month.value)
        if hit.size:  # only the households of the villages hit lose anything
            kernels.disaster_losses(hit, w.rows_by_village, w.village_cuts,
                                    kernels.HouseholdArrays.of(hh),
                                    sc.income.farm_mu_per_labourer.value, farm_yield, g,
                                    w.village_arrays.tech, disaster_loss(sc),
                                    hh.income[SRC["shocks"]])
        if joining.any():
            join(w, np.flatnonzero(joining), sc.cooperatives, b.lease_share.value)

    def book_flows(self, partial: np.ndarray) -> None:
        """The month's money flows, in the order the rules pay them (``partial``: each chunk's
        wages by employer, transfers and covered illness costs, :class:`kernels.MonthOutputs`).
        """
        w = self.world
        by_emp, paid, covered = kernels.MonthOutputs(None, partial).totals()
        led = self.ledger
        led.flow("market", "households", "wages", market_wages(w, by_emp, self.job_share))
        by_partner = by_emp[1:w.coop_code0]  # employer code = partner index + 1
        who = np.flatnonzero(by_partner)
        if who.size:
            w.partner_arrays.wages_paid[who] += by_partner[who]
            led.partners_pay(w.partner_arrays.kind[who].tolist(), "households", "wages",
                             by_partner[who])
        led.cost("transfers", paid)
        led.flow("government", "households", "transfers", paid)
        led.cost("health_cover", covered)


@dataclass
class _BatchMonth:
    """A batch's stacked inputs of the households' month for one year (runs first): each
    run's kernel parameters (:class:`kernels.MonthParams`' fields), wages by employer, season
    shares, joining probability, Philox key, and the kernel's outputs; what its disasters and
    joining read (each run's villages' rows, disaster chance and loss, land per labourer, farm
    yield and growth of the year, a poor member's shares, share of land leased, jobs per 100
    mu, the chance of an outside job a part-time post's holder earns the rest of its month
    at)."""

    households: kernels.HouseholdArrays
    params: np.ndarray
    wages: np.ndarray
    season: np.ndarray
    join_prob: np.ndarray
    keys: np.ndarray
    join: np.ndarray
    partial: np.ndarray
    rows: np.ndarray
    cuts: np.ndarray
    disaster_prob: np.ndarray
    loss_share: np.ndarray
    mu: np.ndarray
    farm_yield: np.ndarray
    growth: np.ndarray
    member_shares: np.ndarray
    lease_share: np.ndarray
    jobs_per_100mu: np.ndarray
    job_share: np.ndarray

    @classmethod
    def of(cls, subs: list[HouseholdsMonth], state: dict) -> tuple[int, _BatchMonth]:
        values = [s.year_values() for s in subs]
        out = subs[0]._out
        r = len(subs)
        return subs[0].clock.year, cls(
            kernels.HouseholdArrays.of(state["households"]),
            np.array([[float(x) for x in v[3]] for v in values]),
            np.stack([v[2] for v in values]), np.stack([s.season for s in subs]),
            np.array([[s.sc.behaviour.join_prob_month.value] for s in subs]),
            np.stack([s.streams.key for s in subs]), np.zeros((r, *out.join.shape), bool),
            np.zeros((r, *out.partial.shape)),
            np.stack([s.world.rows_by_village for s in subs]),
            np.stack([s.world.village_cuts for s in subs]),
            np.array([[s.sc.shocks.disaster_prob_month.value] for s in subs]),
            np.array([disaster_loss(s.sc) for s in subs]),
            np.array([s.sc.income.farm_mu_per_labourer.value for s in subs]),
            np.array([v[1] for v in values]), np.array([v[0] for v in values]),
            np.array([s.sc.cooperatives.poor_member_shares.value for s in subs]),
            np.array([s.sc.behaviour.lease_share.value for s in subs]),
            np.array([s.sc.cooperatives.jobs_per_100mu.value for s in subs]),
            np.array([[s.job_share] for s in subs]))

