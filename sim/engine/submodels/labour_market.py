"""The local labour market (ODD §7.6): separations, then job search against the month's
vacancies.

A local job ends with ``job_separation_prob_month``. A household with idle labour and no local
job applies to a paired employer of its village (its cooperative, paired partners) with
``paired_hire_prob_month`` x the reach-weighted share of their vacancies, picking one in
proportion to reach-weighted vacancies; otherwise it finds an outside-market job with
the case's search rate x (0.5 + skill) x (1 + ``referral_boost`` x referral), the rate that
sustains ``population.local_job_share`` (:mod:`povsim.engine.job_finding`). Applicants to
an employer are served in random order until its vacancies are filled. The per-household rules
run compiled, the month in one call (:func:`povsim.engine.kernels.labour_month`).

Employers (employer codes of ``povsim.agents.households``): the outside market (unlimited),
paired partners (their ``jobs`` while their pairing runs in the programme) and the village
cooperatives (their ``jobs`` while active); :func:`capacities` and :func:`employer_wages` give
their jobs and monthly wages.

Example:
    >>> from povsim.engine.model import PovertyModel
    >>> m = PovertyModel("zhenbao", seed=1)
    >>> capacities(m.world, m.clock)[0]
    np.float64(inf)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from povsim.agents.households import OUTSIDE_MARKET
from povsim.base.clock import Clock
from povsim.base.streams import Streams
from povsim.engine import kernels
from povsim.engine.submodels.base import EVERY_MONTH, Submodel
from povsim.schema.households import BehaviourCfg, IncomeCfg

if TYPE_CHECKING:
    from povsim.agents.cooperative import CoopArrays
    from povsim.agents.enterprise import PartnerArrays
    from povsim.engine.world import World


def employer_wages(world: World, clock: Clock, income: IncomeCfg) -> np.ndarray:
    """Monthly wage by employer code (yuan, x growth) a worker receives: the local wage for the
    outside market and the cooperatives, each partner's own wage. A cooperative pays its posts'
    ``fill`` of it, the outside market part of the rest (:func:`month_wages`,
    :func:`market_wages`)."""
    g = clock.growth()
    local = income.local_wage_month.value * g
    out = np.full(world.coop_code0 + world.n_villages, local)
    out[1:world.coop_code0] = world.partner_arrays.wage_month * g
    return out


def post_pay(fill: np.ndarray, job_share: float | np.ndarray) -> np.ndarray:
    """Share of a full wage a cooperative's post pays its holder in a month: ``fill`` from the
    cooperative and, for the ``1 - fill`` of the month it does not fill, the outside market's
    wage at ``job_share``, the chance the village's other labourers hold an outside job
    (``population.local_job_share``).

    A post stands for ``k`` real workers (:func:`povsim.base.scaling.posts`), ``fill`` of whom hold
    the cooperative's job; the others are like the village's other labourers, a share
    ``job_share`` of whom hold local jobs. Paid only ``fill`` of a wage, the post holder would
    stand for ``k`` workers kept from outside work (issue 25: at 1:50 the income-poverty rate
    was 5.5 standard errors above full scale's); paid a full wage, for ``k`` workers all
    employed (at 1:50 Xixiu's mean income was 2.7% above full scale's, 7.7 standard errors).
    ``fill`` and ``job_share`` may be a batch's runs stacked (runs first, ``job_share`` one per
    run with a trailing axis).

    Example:
        >>> post_pay(np.array([1.0, 0.25]), 0.6).tolist()
        [1.0, 0.7]
    """
    return fill + (1.0 - fill) * job_share


def month_wages(wages: np.ndarray, fill: np.ndarray, coop_code0: int,
                job_share: float | np.ndarray) -> np.ndarray:
    """Monthly wage by employer code a worker receives this month: ``wages``
    (:func:`employer_wages`), a cooperative's times its posts' :func:`post_pay`.

    Example:
        >>> month_wages(np.array([100.0, 80.0, 100.0]), np.array([0.25]), 2, 0.6).tolist()
        [100.0, 80.0, 70.0]
    """
    out = np.array(wages, float)
    out[..., coop_code0:] *= post_pay(fill, job_share)
    return out


def market_wages(world: World, by_employer: np.ndarray, job_share: float) -> float:
    """What the outside market pays of the month's wages ``by_employer`` (yuan, by employer
    code, as the workers received them: :func:`month_wages`): its own workers' wages and, of a
    cooperative's posts, the part beyond the ``fill`` the cooperative pays
    (:func:`post_pay`).

    Example:
        >>> import numpy as np
        >>> from types import SimpleNamespace as NS
        >>> w = NS(coop_code0=2, coop_arrays=NS(fill=np.array([0.25])))
        >>> market_wages(w, np.array([100.0, 50.0, 70.0]), 0.6)  # 100 + 70 x 0.45 / 0.7
        145.0
    """
    c0 = world.coop_code0  # the cooperatives' codes; their posts' fill is the collectives'
    fill = world.coop_arrays.fill
    pay = post_pay(fill, job_share)
    outside = np.divide(pay - fill, pay, out=np.zeros_like(pay), where=pay > 0)
    return float(by_employer[OUTSIDE_MARKET] + by_employer[c0:] @ outside)


def capacities(world: World, clock: Clock) -> np.ndarray:
    """Jobs by employer code this month: unlimited in the outside market, a partner's jobs while
    its pairing runs in the programme, an active cooperative's jobs."""
    return employer_capacities(world.partner_arrays, world.coop_arrays, world.coop_code0, clock)


def employer_capacities(partners: PartnerArrays, coops: CoopArrays, coop_code0: int,
                        clock: Clock) -> np.ndarray:
    """:func:`capacities` from the partners' and the collectives' arrays, of one run or of a
    batch's runs stacked (runs first: then one row of jobs by employer code per run)."""
    cap = np.zeros((*coops.active.shape[:-1], coop_code0 + coops.active.shape[-1]))
    cap[..., OUTSIDE_MARKET] = np.inf
    if clock.in_programme:  # a partner's employer code is its index + 1
        cap[..., 1:coop_code0] = np.where(partners.active(clock.year), partners.jobs, 0.0)
    cap[..., coop_code0:] = np.where(coops.active, coops.jobs, 0.0)
    return cap


class LabourMarket(Submodel):
    """Separations and job search, with paired employers' hiring capped by their vacancies."""

    name, odd, when = "labour market", "7.6", EVERY_MONTH

    def __init__(self, clock: Clock, world: World, behaviour: BehaviourCfg, search_rate: float,
                 referral_boost: float, streams: Streams):
        super().__init__(clock)
        self.world, self.b, self.referral_boost = world, behaviour, referral_boost
        self.streams = streams
        n = world.households.n
        # applicants, the chunks' counts and jobs, and the staff, kept between months
        self._applicants = kernels.Applicants.empty(n)
        self._counts = np.zeros(kernels.n_chunks(n), np.int64)
        employers = world.coop_code0 + world.n_villages
        self._filled = np.zeros((self._counts.size, employers), np.int64)
        self._staff = np.zeros(employers, np.int64)
        self._params = kernels.LabourParams(
            float(behaviour.job_separation_prob_month.value),
            float(behaviour.paired_hire_prob_month.value),
            float(search_rate), float(referral_boost))
        self._batch: _BatchLabour | None = None  # a batch's stacked buffers (step_batch)

    def step(self) -> None:
        """The month's separations, search and hiring in one compiled call
        (:func:`povsim.engine.kernels.labour_month`); each employer's workers into
        ``world.staff``."""
        w = self.world
        kernels.labour_month(kernels.HouseholdArrays.of(w.households),
                             kernels.Draws.of(self.streams, self.clock.month_index),
                             capacities(w, self.clock), w.employers.codes, w.employers.reach,
                             self._params, self._filled, self._applicants, self._counts,
                             self._staff)
        w.staff = self._staff

    def step_batch(self, subs: list[LabourMarket], state: dict) -> None:
        """:meth:`step` of every run of a batch (:mod:`povsim.engine.batch`) in one compiled call
        (:func:`povsim.engine.kernels.labour_month_batch`); each run's staff is its row of the
        batch's."""
        if self._batch is None:
            self._batch = _BatchLabour.of(subs, state)
        bl = self._batch
        bl.employer_tables(subs)
        clock = self.clock
        cap = employer_capacities(state["partner_arrays"], state["coop_arrays"],
                                  self.world.coop_code0, clock)
        kernels.labour_month_batch(
            bl.households, bl.keys, np.int64(clock.month_index), cap, bl.codes, bl.reach,
            bl.offsets, bl.widths, bl.params, bl.filled, bl.app_household, bl.app_employer,
            bl.app_key, bl.counts, bl.staff)
        for r, s in enumerate(subs):
            s.world.staff = bl.staff[r]


@dataclass
class _BatchLabour:
    """A batch's stacked inputs and buffers of the labour market (runs first), and its runs'
    employer tables flattened one after another (remade when a run's table changes)."""

    households: kernels.HouseholdArrays
    keys: np.ndarray
    params: np.ndarray
    filled: np.ndarray
    app_household: np.ndarray
    app_employer: np.ndarray
    app_key: np.ndarray
    counts: np.ndarray
    staff: np.ndarray
    tables: list = field(default_factory=list)
    codes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    reach: np.ndarray = field(default_factory=lambda: np.zeros(0))
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    widths: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def of(cls, subs: list[LabourMarket], state: dict) -> _BatchLabour:
        r, s0 = len(subs), subs[0]
        return cls(kernels.HouseholdArrays.of(state["households"]),
                   np.stack([s.streams.key for s in subs]),
                   np.array([[float(x) for x in s._params] for s in subs]),
                   np.zeros((r, *s0._filled.shape), np.int64),
                   *(np.zeros((r, *a.shape), a.dtype) for a in s0._applicants),
                   np.zeros((r, *s0._counts.shape), np.int64),
                   np.zeros((r, *s0._staff.shape), np.int64))

    def employer_tables(self, subs: list[LabourMarket]) -> None:
        """The runs' employer tables, flattened again if any changed (pairing)."""
        now = [s.world.employers.codes for s in subs]
        if len(now) == len(self.tables) and all(a is b for a, b in zip(now, self.tables,
                                                                        strict=True)):
            return
        self.tables = now
        tabs = [s.world.employers for s in subs]
        self.codes = np.concatenate([t.codes.ravel() for t in tabs]).astype(np.int32)
        self.reach = np.concatenate([t.reach.ravel() for t in tabs]).astype(np.float64)
        self.offsets = np.concatenate(([0], np.cumsum([t.codes.size for t in tabs])))
        self.widths = np.array([t.codes.shape[1] for t in tabs], np.int64)
