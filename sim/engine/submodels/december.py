"""December accounting (ODD §7.10): dividends, the year's income, identification or exits and
re-entries, poor-village exits, the year's records and the books' close.

0. A collective holding shares in enterprises (its model's ``stake``) receives
   ``stake_dividend_rate`` x stake; every active partner pays each paired village's collective
   its share dividend,
   ``collective_dividend_rate`` x the collective's stake (the partner's investment there),
   as operating revenue (:meth:`December.stake_dividends`).
1. Every cooperative closes its year (:meth:`Cooperative.close_year`): fixed dividends to its
   registered member households, share dividends by shares, the rest retained; a loss beyond
   capital is covered by the township (a public cost); a collective left without capital after a
   loss is hollowed out (:func:`povsim.engine.submodels.cooperatives.hollow_out`).
2. In programme years every active partner pays its fixed dividend per registered household of
   its paired villages (split by size among partners sharing a village).
3. Per-capita income ``pc`` against the year's poverty line: in the baseline year the households
   are identified (:func:`povsim.engine.submodels.identification.identify`); later, a poor household
   exits when ``pc >= line x (1 + household_exit_margin)`` and an exited registered household
   re-enters when ``pc < line``.
4. A listed poor village exits (from the programme's start) when its incidence falls below
   ``village_exit_threshold`` (at a reduced scale, with the chance that it would be below it
   simulated in full: :meth:`December.village_exits`).
5. Every village collective receives its yearly fiscal subsidy
   (``fiscal_transfer_per_village_year`` x growth; non-operating income, a public cost).
6. The year is recorded (:class:`povsim.engine.recording.YearRecorder`), incomes and books reset.

Example:
    >>> from povsim.engine.model import PovertyModel
    >>> m = PovertyModel("zhenbao", seed=1)
    >>> for _ in range(24):
    ...     m.step()
    >>> m.annual["year"].tolist()
    [2014, 2015]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim.agents.households import SRC, Households
from povsim.base.clock import Clock
from povsim.base.scaling import exit_probability, share_variances
from povsim.base.streams import Streams
from povsim.engine.ledger import Ledger
from povsim.engine.recording import YearRecorder
from povsim.engine.submodels.base import DECEMBER, Submodel
from povsim.engine.submodels.cooperatives import hollow_out
from povsim.engine.submodels.identification import (
    effective_households,
    identify,
    poverty_by_village,
)
from povsim.engine.village_kernels import collectives_close, partner_fixed_dividends
from povsim.schema.config import Scenario
from povsim.schema.params import value_or

if TYPE_CHECKING:
    from povsim.engine.world import World


def exits_and_reentries(hh: Households, pc: np.ndarray, line: float, margin: float, year: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The year's exits and re-entries (masks), applied to ``hh``: a poor household exits when
    its per-capita income ``pc >= line x (1 + margin)``; a registered household that exited
    re-enters when ``pc < line``. The register is closed: nobody else becomes poor.

    Example:
        >>> hh = Households.empty(3); hh.registered[:] = hh.poor[:] = True
        >>> hh.poor[2] = False; hh.exit_year[2] = 2015
        >>> ex, re = exits_and_reentries(hh, np.array([3000.0, 100.0, 100.0]), 2800.0, 0.0, 2016)
        >>> ex.tolist(), re.tolist(), hh.poor.tolist()
        ([True, False, False], [False, False, True], [False, True, True])
    """
    exits = hh.poor & (pc >= line * (1.0 + margin))
    reentries = hh.registered & ~hh.poor & (hh.exit_year >= 0) & (pc < line)
    hh.poor[exits] = False
    hh.exit_year[exits] = year
    hh.poor[reentries] = True
    hh.reentered[reentries] = True
    return exits, reentries


class December(Submodel):
    """The year's close: dividends, income, identification or exits, records."""

    name, odd, when = "December close", "7.10", DECEMBER

    def __init__(self, clock: Clock, world: World, sc: Scenario, streams: Streams,
                 ledger: Ledger, recorder: YearRecorder):
        super().__init__(clock)
        self.world, self.sc, self.streams = world, sc, streams
        self.ledger, self.recorder = ledger, recorder
        # one normal per village, kept: the persistent part of its exit draw (village_exits)
        self._exit_z = streams["village_exits"].standard_normal(world.n_villages)
        # what the collectives' and partners' dividends are paid on, fixed for the run: each
        # collective's share dividend on the shares its model holds in enterprises, each
        # partner's dividend rate on its collectives' stakes and fixed dividend per household
        self._coop_stake_pay = np.array([e.stake * e.stake_dividend_rate
                                         for e in world.coop_earnings], float)
        self._partner_rate = np.array([e.collective_dividend_rate for e in world.partners],
                                      float)
        self._partner_fixed = np.array([e.fixed_dividend for e in world.partners], float)

    def stake_dividends(self) -> None:
        """Share dividends paid to the collectives: on the shares their model holds in
        enterprises (every year), and on their stakes in partners (programme years)."""
        w = self.world
        payers = np.flatnonzero(self._coop_stake_pay)
        if payers.size:  # each collective paid once: its revenue and stake dividends
            pay = self._coop_stake_pay[payers]
            w.coop_arrays.receive_stake_dividend(payers, pay)
            self.ledger.flows_in_turn("enterprise", "cooperative", "stake_dividends", pay)
        if not self.clock.in_programme:
            return
        rated = w.partner_arrays.active(self.clock.year) & (self._partner_rate != 0)
        for e in np.flatnonzero(rated).tolist():
            ent = w.partners[e]
            for v, stake in ent.stake.items():
                pay = ent.collective_dividend_rate * stake
                if pay:
                    w.coop_arrays.receive_stake_dividend(v, pay)
                    ent.stake_dividends_paid += pay
                    self.ledger.partner_pays(ent, "cooperative", "stake_dividends", pay)

    def dividends(self) -> np.ndarray:
        """Cooperative and partner dividends of the year by household (yuan)."""
        w, co, led = self.world, self.sc.cooperatives, self.ledger
        hh = w.households
        self.stake_dividends()
        div = np.zeros(hh.n)
        s = w.coop_arrays
        collectives_close(s, village=hh.village, member=hh.member, registered=hh.registered,
                          shares=hh.shares, fixed_per_member=co.fixed_dividend_poor_member.value,
                          share_payout=co.share_payout.value, div=div)
        # booked collective after collective
        led.flows_in_turn("cooperative", "households", "dividends",
                          s.fixed_dividends + s.share_dividends)
        loss = s.loss_cover[s.loss_cover != 0]
        led.costs_in_turn("coop_loss_cover", loss)
        led.flows_in_turn("government", "cooperative", "loss_cover", loss)
        for v in np.flatnonzero(s.active & (s.capital <= 0) & (s.retained < 0)).tolist():
            hollow_out(w, v, co)
        if self.clock.in_programme:
            links = w.partner_links
            paired = np.bincount(links.e, minlength=len(w.partners)) > 0
            paying = (w.partner_arrays.active(self.clock.year) & (self._partner_fixed != 0)
                      & paired)
            if paying.any():
                fixed = np.where(paying, self._partner_fixed, 0.0)
                m = (fixed[links.e] != 0) & (links.share > 0)
                pays = partner_fixed_dividends(
                    hh.village, hh.registered, link_village=links.v[m],
                    link_partner=links.e[m], link_amount=fixed[links.e[m]] * links.share[m],
                    partners=len(w.partners), villages=w.n_villages, div=div)
                who = np.flatnonzero(paying)
                w.partner_arrays.dividends_paid[who] += pays[who]
                led.partners_pay(w.partner_arrays.kind[who].tolist(), "households",
                                 "dividends", pays[who])
        return div

    def fiscal_transfers(self) -> None:
        """Every village collective's yearly fiscal subsidy (non-operating income, a public
        cost), with or without the programme: it is the village's, not the programme's."""
        t = value_or(self.sc.cooperatives.fiscal_transfer_per_village_year)
        if t <= 0:
            return
        each = t * self.clock.growth() / self.world.k
        self.world.coop_arrays.receive_transfer(slice(None), each)  # every collective
        total = each * self.world.n_villages
        self.ledger.cost("village_transfers", total)
        self.ledger.flow("government", "cooperative", "village_transfers", total)
        # spent on running the village (cadre pay, office, upkeep), not kept as capital
        self.ledger.flow("cooperative", "village", "running_costs", total)

    def village_exits(self) -> None:
        """Listed poor villages whose incidence fell below the threshold leave the list.

        At full scale that is the rule itself. At a reduced scale a village's incidence comes
        from ``1/k`` of its households, and a threshold on so few is mostly noise (issue 25:
        122.75 of Xixiu's 131 poor villages exited at 1:20 against 131 at 1:1): the village
        exits when its uniform of the year is below the chance that it would be below the
        threshold simulated in full (:func:`povsim.base.scaling.exit_probability`). The uniform is
        ``Phi(rho z + sqrt(1 - rho^2) e)``: ``z`` the village's own normal, kept from year to
        year, ``e`` a fresh normal each year, ``rho^2`` the share of the villages' spread that
        is their own and persists (:func:`povsim.base.scaling.share_variances`); the rest is the
        binomial draw of the village's real households, new each year. (With one uniform kept
        for every year, a village alike to the others but above the threshold stayed above it:
        115.5 of 131 had exited by 2015 at full scale, 98.8 at 1:20.)
        """
        if self.clock.year < self.clock.programme_start:
            return
        w = self.world
        _, inc = poverty_by_village(w)
        n = effective_households(w)
        # the prior from the listed poor villages, the villages the rule applies to (a prior
        # from all villages would pull them toward the others' lower incidence)
        s = w.village_arrays
        listed = (n > 0) & s.poor
        p = np.zeros(w.n_villages)
        rho = 1.0
        if listed.any():
            p[listed] = exit_probability(inc[listed], n[listed], w.k,
                                         self.sc.village_exit_threshold.value)
            own, draw = share_variances(inc[listed], n[listed], w.k)
            rho = np.sqrt(own / (own + draw)) if own + draw > 0 else 1.0
        from scipy.special import ndtr  # the normal CDF, as exit_probability's betainc

        fresh = self.streams["village_exits"].standard_normal(w.n_villages)
        u = ndtr(rho * self._exit_z + np.sqrt(1.0 - rho**2) * fresh)
        s.exit_year[s.poor & (s.exit_year == 0) & (u < p)] = self.clock.year

    def step(self) -> None:
        w, sc, clock = self.world, self.sc, self.clock
        hh = w.households
        hh.income[SRC["dividends"]] += self.dividends()
        self.fiscal_transfers()
        pc = hh.per_capita_income()
        line = sc.poverty_line.values[clock.year]
        exits = reentries = np.zeros(hh.n, bool)
        if not clock.identified:
            identify(w, clock, sc, self.streams, pc, line)
        else:
            exits, reentries = exits_and_reentries(hh, pc, line, sc.household_exit_margin.value,
                                                   clock.year)
        self.village_exits()
        self.recorder.record_year(pc, line, exits, reentries)
        self.ledger.receipts += hh.income.sum(axis=1)
        hh.pc_income_last[:] = pc
        hh.income[:] = 0.0
        w.coop_arrays.reset_year()
        w.partner_arrays.reset_year()
        w.cadres.close_year()
