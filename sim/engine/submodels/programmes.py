"""Household programmes a scenario may switch on (ODD §7.4a): labour training, business loans,
demonstration fields; and the tracking of trained labourers' transfers to work.

Each is optional (``programmes:`` in the scenario file) and runs in programme months only:

- **labour training** (Sanba: 1,371 person-times trained, 1,111 registered-poor labourers
  transferred): registered poor households with idle labour and no job are trained at the
  scenario's yearly rate; training raises skill and gives a job referral. A trained household is
  *transferred* when it next takes a local job or sends a migrant; transfers are counted, not
  forced, so the transfer rate is an outcome.
- **business loans** (Sanba: 300,000 yuan to 43 households, 28 party members' and 15 other
  households, by mid-2018): the loans are spread evenly over the Januaries from ``first_year``
  to ``last_year``, each to a household drawn at random among those without one, of principal
  ``amount_total / households``. The loan finances a business whose net income,
  ``return_rate`` x principal a year, is paid to the household monthly (income source
  ``business``) for ``term_years``; the principal is a public cost.
- **demonstration fields** (Zhenbao: 260 mu): village farming technology grows each month in
  proportion to the share of land under demonstration fields.

Every draw comes from the programme's own stream, one value per household per month, so
common random numbers hold across policy levers.

Example:
    >>> from povsim.engine.model import PovertyModel
    >>> m = PovertyModel("sanba", seed=1, scale=20)
    >>> m.run()
    >>> p = m.world.programmes
    >>> p.labour_transferred <= p.labour_trained
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim.agents.households import NO_JOB, SRC
from povsim.base.clock import Clock
from povsim.base.streams import Streams
from povsim.engine.ledger import Ledger
from povsim.engine.submodels.base import EVERY_MONTH, PROGRAMME, Submodel
from povsim.schema.programmes import DemonstrationCfg, LabourTrainingCfg, LoansCfg, ProgrammesCfg

if TYPE_CHECKING:
    from povsim.engine.world import World


class HouseholdProgrammes(Submodel):
    """This month's household programmes: labour training, loans, demonstration fields."""

    name, odd, when = "household programmes", "7.4a", PROGRAMME

    def __init__(self, clock: Clock, world: World, pg: ProgrammesCfg, productivity_cap: float,
                 streams: Streams, ledger: Ledger):
        super().__init__(clock)
        self.world, self.pg, self.cap, self.ledger = world, pg, productivity_cap, ledger
        self.streams = streams
        # the loans made so far: household, principal (yuan), month index the loan ends
        self.loan_idx = np.zeros(0, np.int64)
        self.loan_end = np.zeros(0, np.int64)
        self.loans_planned = -1  # simulated loans over all years, set at the first loan year

    def step(self) -> None:
        pg, c = self.pg, self.clock
        if pg.labour_training is not None:
            self.labour_training(pg.labour_training)
        if pg.loans is not None:
            if c.month == 0 and pg.loans.first_year.value <= c.year <= pg.loans.last_year.value:
                self.loans(pg.loans)
            self.business_income(pg.loans)
        if pg.demonstration_fields is not None:
            self.demonstration(pg.demonstration_fields)

    def labour_training(self, cfg: LabourTrainingCfg) -> None:
        """Train registered households with idle labour and no job (skill, a referral)."""
        hh = self.world.households
        u = self.streams["labour_training"].random(hh.n)
        eligible = hh.registered & ~hh.trained & (hh.employer == NO_JOB) & (hh.idle_labour() > 0)
        n_el = int(eligible.sum())
        if n_el == 0:
            return
        p = min(1.0, cfg.person_times_per_year.value / 12.0 / self.world.k / n_el)
        idx = np.flatnonzero(eligible & (u < p))
        hh.skill[idx] += (cfg.skill_gain.value * (1.0 - hh.skill[idx])).astype(np.float32)
        hh.referral[idx] = True
        hh.trained[idx] = True
        hh.trained_migrants[idx] = hh.migrants[idx]
        self.world.programmes.labour_trained += idx.size
        self.ledger.cost("labour_training", idx.size * cfg.cost_per_person_time.value)

    def loans(self, cfg: LoansCfg) -> None:
        """This January's business loans, to households drawn at random among those without
        one: the year's part of the planned loans (spread evenly over the loan years)."""
        hh, k, c = self.world.households, self.world.k, self.clock
        rng = self.streams["loans"]
        if self.loans_planned < 0:  # stochastic rounding of the loans at this scale, once
            want = cfg.households.value / k
            self.loans_planned = min(hh.n, int(np.floor(want)
                                               + (rng.random() < want - np.floor(want))))
        years = cfg.last_year.value - cfg.first_year.value + 1
        j = c.year - cfg.first_year.value
        n = self.loans_planned * (j + 1) // years - self.loans_planned * j // years
        free = np.setdiff1d(np.arange(hh.n), self.loan_idx, assume_unique=True)
        idx = np.sort(rng.choice(free, size=min(n, free.size), replace=False))
        self.loan_idx = np.concatenate([self.loan_idx, idx])
        self.loan_end = np.concatenate([self.loan_end, np.full(
            idx.size, 12 * (c.year + cfg.term_years.value), np.int64)])
        self.world.programmes.loans_households += idx.size
        if idx.size:
            self.ledger.cost("loans", idx.size * self.principal(cfg))

    @staticmethod
    def principal(cfg: LoansCfg) -> float:
        """One loan's principal (yuan)."""
        return cfg.amount_total.value / max(cfg.households.value, 1)

    def business_income(self, cfg: LoansCfg) -> None:
        """This month's net business income of the households whose loan runs."""
        now = 12 * self.clock.year + self.clock.month
        idx = self.loan_idx[self.loan_end > now]
        if idx.size:
            each = self.principal(cfg) * cfg.return_rate.value / 12.0
            self.world.households.income[SRC["business"], idx] += each
            self.ledger.flow("market", "households", "business", idx.size * each)

    def demonstration(self, cfg: DemonstrationCfg) -> None:
        """Demonstration fields raise every village's farming technology."""
        land_real = float(self.world.households.land.sum()) * self.world.k
        share = cfg.area_mu.value / land_real if land_real > 0 else 0.0
        gain = cfg.tech_gain_per_share_year.value * share / 12.0
        s = self.world.village_arrays
        np.minimum(s.tech * (1.0 + gain), self.cap, out=s.tech)


class TransferTracking(Submodel):
    """Count trained households that took a local job or sent a migrant since training."""

    name, odd, when = "labour transfers", "7.4a", EVERY_MONTH

    def __init__(self, clock: Clock, world: World):
        super().__init__(clock)
        self.world = world

    def step(self) -> None:
        hh = self.world.households
        if not hh.trained.any():
            return
        done = hh.trained & ((hh.employer != NO_JOB) | (hh.migrants > hh.trained_migrants))
        self.world.programmes.labour_transferred += int(done.sum())
        hh.trained[done] = False
