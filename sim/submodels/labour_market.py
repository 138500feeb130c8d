"""The local labour market (ODD §7.6): separations, then job search against the month's
vacancies.

A local job ends with ``job_separation_prob_month``. A household with idle labour and no local
job applies to a paired employer of its village (its cooperative, paired partners) with
``paired_hire_prob_month`` x the reach-weighted share of their vacancies, picking one in
proportion to reach-weighted vacancies; otherwise it finds an outside-market job with
``job_search_prob_month`` x (0.5 + skill) x (1 + ``referral_boost`` x referral). Applicants to
an employer are served in random order until its vacancies are filled. The per-household rules
run compiled, the month in one call (:func:`povsim.kernels.labour_month`).

Employers (employer codes of ``povsim.agents.households``): the outside market (unlimited),
paired partners (their ``jobs`` while their pairing runs in the programme) and the village
cooperatives (their ``jobs`` while active); :func:`capacities` and :func:`employer_wages` give
their jobs and monthly wages.

Example:
    >>> from povsim.model import PovertyModel
    >>> m = PovertyModel("zhenbao", seed=1)
    >>> capacities(m.world, m.clock)[0]
    np.float64(inf)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim import kernels
from povsim.agents.households import OUTSIDE_MARKET
from povsim.clock import Clock
from povsim.config import BehaviourCfg, IncomeCfg
from povsim.streams import Streams
from povsim.submodels.base import EVERY_MONTH, Submodel

if TYPE_CHECKING:
    from povsim.world import World


def employer_wages(world: World, clock: Clock, income: IncomeCfg) -> np.ndarray:
    """Monthly wage by employer code (yuan, x growth) a worker receives: the local wage for the
    outside market and the cooperatives, each partner's own wage. A cooperative pays its posts'
    ``fill`` of it, the outside market the rest (:func:`market_wages`)."""
    g = clock.growth()
    local = income.local_wage_month.value * g
    out = np.full(world.coop_code0 + len(world.coops), local)
    out[1:world.coop_code0] = world.partner_arrays.wage_month * g
    return out


def market_wages(world: World, by_employer: np.ndarray) -> float:
    """What the outside market pays of the month's wages ``by_employer`` (yuan, by employer
    code): its own workers' wages and, of a cooperative's part-time posts (``fill`` < 1,
    :func:`povsim.scaling.posts`), the ``1 - fill`` of the month the post holder works in the
    outside market. A post stands for ``k`` real workers, ``fill`` of whom hold the
    cooperative's job and the rest outside jobs; paid only ``fill`` of a wage, the post holder
    would stand for ``k`` workers kept from outside work (issue 25: at 1:50 the income-poverty
    rate was 5.5 standard errors above full scale's).

    Example:
        >>> import numpy as np
        >>> from types import SimpleNamespace as NS
        >>> w = NS(coop_code0=2, coops=[NS(fill=0.25)], partners=[NS()],
        ...        employer_fill=lambda: np.array([1.0, 1.0, 0.25]))
        >>> market_wages(w, np.array([100.0, 50.0, 40.0]))
        130.0
    """
    c0 = world.coop_code0
    return float(by_employer[OUTSIDE_MARKET]
                 + by_employer[c0:] @ (1.0 - world.employer_fill()[c0:]))


def capacities(world: World, clock: Clock) -> np.ndarray:
    """Jobs by employer code this month: unlimited in the outside market, a partner's jobs while
    its pairing runs in the programme, an active cooperative's jobs."""
    cap = np.zeros(world.coop_code0 + len(world.coops), float)
    cap[OUTSIDE_MARKET] = np.inf
    if clock.in_programme:  # a partner's employer code is its index + 1
        p = world.partner_arrays
        cap[1:world.coop_code0] = np.where(p.active(clock.year), p.jobs, 0.0)
    s = world.coop_arrays
    cap[world.coop_code0:] = np.where(s.active, s.jobs, 0.0)
    return cap


class LabourMarket(Submodel):
    """Separations and job search, with paired employers' hiring capped by their vacancies."""

    name, odd, when = "labour market", "7.6", EVERY_MONTH

    def __init__(self, clock: Clock, world: World, behaviour: BehaviourCfg, referral_boost: float,
                 streams: Streams):
        super().__init__(clock)
        self.world, self.b, self.referral_boost = world, behaviour, referral_boost
        self.streams = streams
        n = world.households.n
        # applicants, the chunks' counts and jobs, and the staff, kept between months
        self._applicants = kernels.Applicants.empty(n)
        self._counts = np.zeros(kernels.n_chunks(n), np.int64)
        employers = world.coop_code0 + len(world.coops)
        self._filled = np.zeros((self._counts.size, employers), np.int64)
        self._staff = np.zeros(employers, np.int64)
        self._params = kernels.LabourParams(
            float(behaviour.job_separation_prob_month.value),
            float(behaviour.paired_hire_prob_month.value),
            float(behaviour.job_search_prob_month.value), float(referral_boost))

    def step(self) -> None:
        """The month's separations, search and hiring in one compiled call
        (:func:`povsim.kernels.labour_month`); each employer's workers into ``world.staff``."""
        w = self.world
        kernels.labour_month(kernels.HouseholdArrays.of(w.households),
                             kernels.Draws.of(self.streams, self.clock.month_index),
                             capacities(w, self.clock), w.employers.codes, w.employers.reach,
                             self._params, self._filled, self._applicants, self._counts,
                             self._staff)
        w.staff = self._staff
