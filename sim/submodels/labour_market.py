"""The local labour market (ODD §7.6): separations, then job search against the month's
vacancies.

A local job ends with ``job_separation_prob_month``. A household with idle labour and no local
job applies to a paired employer of its village (its cooperative, paired partners) with
``paired_hire_prob_month`` x the reach-weighted share of their vacancies, picking one in
proportion to reach-weighted vacancies; otherwise it finds an outside-market job with
``job_search_prob_month`` x (0.5 + skill) x (1 + ``referral_boost`` x referral). Applicants to
an employer are served in random order until its vacancies are filled. The per-household rules
run compiled (:func:`povsim.kernels.separate_and_count`, :func:`povsim.kernels.seek_jobs`).

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
    from povsim.world import EmployerTable, World


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


def paired_vacancies(employers: EmployerTable, vac: np.ndarray, paired_hire_prob_month: float
                     ) -> kernels.PairedVacancies:
    """Per village, from the vacancies ``vac`` by employer code: its paired employers, their
    reach-weighted vacancies (villages x employer slots), their sum, and the chance that a job
    seeker applies to a paired employer.

    They depend on the village only, so they are computed per village, not per seeker.
    """
    ve = employers.codes
    row_vac = np.where(ve >= 0, vac[np.maximum(ve, 0)], 0.0)
    # a distant partner's vacancies are less within reach (exp(-distance / reach_km))
    row_w = row_vac * employers.reach
    tot, tot_w = row_vac.sum(axis=1), row_w.sum(axis=1)
    p_in = paired_hire_prob_month * np.divide(tot_w, tot, out=np.zeros_like(tot), where=tot > 0)
    return kernels.PairedVacancies(ve, row_w, tot_w, p_in)


class LabourMarket(Submodel):
    """Separations and job search, with paired employers' hiring capped by their vacancies."""

    name, odd, when = "labour market", "7.6", EVERY_MONTH

    def __init__(self, clock: Clock, world: World, behaviour: BehaviourCfg, referral_boost: float,
                 streams: Streams):
        super().__init__(clock)
        self.world, self.b, self.referral_boost = world, behaviour, referral_boost
        self.streams = streams
        n = world.households.n
        # applicants and the chunks' counts, kept between months
        self._applicants = kernels.Applicants.empty(n)
        self._counts = np.zeros(kernels.n_chunks(n), np.int64)

    def step(self) -> None:
        hh, b = self.world.households, self.b
        h = kernels.HouseholdArrays.of(hh)
        draws = kernels.Draws.of(self.streams, self.clock.month_index)
        cap = capacities(self.world, self.clock)
        filled = np.zeros((len(self._counts), len(cap)), np.int64)
        kernels.separate_and_count(h, draws, b.job_separation_prob_month.value, filled)
        vac = np.maximum(cap - filled.sum(axis=0), 0.0)
        vac[OUTSIDE_MARKET] = 0.0
        paired = paired_vacancies(self.world.employers, vac, b.paired_hire_prob_month.value)
        app = self._applicants
        k = kernels.seek_jobs(h, draws, paired, b.job_search_prob_month.value,
                              self.referral_boost, app, self._counts)
        staff = filled.sum(axis=0)
        self.world.staff = staff
        if k == 0:
            return
        # applicants to an employer are served in random order: the key u / p_in is uniform on
        # (0, 1) for every applicant whatever its village's chance of applying (ranking by u
        # itself would favour the villages least likely to apply, the most distant ones)
        kernels.hire(app, k, vac, hh.employer, hh.referral, staff)
