"""Household programmes a scenario may switch on (ODD §7.4a): labour training, business loans,
demonstration fields; and the tracking of trained labourers' transfers to work.

Each is optional (``programmes:`` in the scenario file) and runs in programme months only:

- **labour training** (Sanba: 1,371 person-times trained, 1,111 registered-poor labourers
  transferred): registered poor households with idle labour and no job are trained at the
  scenario's yearly rate; training raises skill and gives a job referral. A trained household is
  *transferred* when it next takes a local job or sends a migrant; transfers are counted, not
  forced, so the transfer rate is an outcome.
- **business loans** (Sanba: 300,000 yuan to 43 households): in January of the loan year,
  households drawn at random get a loan that raises farm productivity; the principal is a public
  cost.
- **demonstration fields** (Zhenbao: 260 mu): village farming technology grows each month in
  proportion to the share of land under demonstration fields.

Every draw comes from the programme's own stream, one value per household per month, so
common random numbers hold across policy levers.

Example:
    >>> from povsim.model import PovertyModel
    >>> m = PovertyModel("sanba", seed=1, scale=20)
    >>> m.run()
    >>> p = m.world.programmes
    >>> p.labour_transferred <= p.labour_trained
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim.agents.households import NO_JOB
from povsim.clock import Clock
from povsim.config import (
    DemonstrationCfg,
    LabourTrainingCfg,
    LoansCfg,
    ProgrammesCfg,
)
from povsim.ledger import Ledger
from povsim.streams import Streams
from povsim.submodels.base import EVERY_MONTH, PROGRAMME, Submodel

if TYPE_CHECKING:
    from povsim.world import World


class HouseholdProgrammes(Submodel):
    """This month's household programmes: labour training, loans, demonstration fields."""

    name, odd, when = "household programmes", "7.4a", PROGRAMME

    def __init__(self, clock: Clock, world: World, pg: ProgrammesCfg, productivity_cap: float,
                 streams: Streams, ledger: Ledger):
        super().__init__(clock)
        self.world, self.pg, self.cap, self.ledger = world, pg, productivity_cap, ledger
        self.streams = streams

    def step(self) -> None:
        pg, c = self.pg, self.clock
        if pg.labour_training is not None:
            self.labour_training(pg.labour_training)
        if pg.loans is not None and c.month == 0 and c.year == pg.loans.year.value:
            self.loans(pg.loans)
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
        """Business loans to households drawn at random: farm productivity rises."""
        hh, k = self.world.households, self.world.k
        rng = self.streams["loans"]
        want = cfg.households.value / k
        n = int(np.floor(want) + (rng.random() < want - np.floor(want)))
        idx = rng.choice(hh.n, size=min(n, hh.n), replace=False)
        hh.farm_prod[idx] = np.minimum(hh.farm_prod[idx] * (1.0 + cfg.productivity_gain.value),
                                       self.cap)
        self.world.programmes.loans_households += idx.size
        # the principal is invested in the households' farming (productivity), not paid as income
        self.ledger.cost("loans", cfg.amount_total.value / k)

    def demonstration(self, cfg: DemonstrationCfg) -> None:
        """Demonstration fields raise every village's farming technology."""
        land_real = float(self.world.households.land.sum()) * self.world.k
        share = cfg.area_mu.value / land_real if land_real > 0 else 0.0
        gain = cfg.tech_gain_per_share_year.value * share / 12.0
        for v in self.world.villages:
            v.tech = min(v.tech * (1.0 + gain), self.cap)


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
