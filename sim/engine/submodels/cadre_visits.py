"""Cadre visits (ODD §7.2): household-role cadres visit their paired households still poor.

A paired poor household is visited in a month with probability ``visit_prob_month`` (a
resident group's own, for commandos and task teams living in the poor villages) (x
``other_village_visit_factor`` when its cadre lives in another village). A visit acts on the
household's binding need (:meth:`povsim.agents.households.Households.binding_need`) with the
effect :func:`visit_effect` (the cadre's effectiveness x the specialty match x familiarity,
divided by ``1 + load / load_half``):

- jobs: skill rises by ``skill_gain`` x effect of the way to 1, and the household holds a
  referral for its next job search;
- farming: farm productivity rises by ``productivity_gain`` x effect (up to
  ``productivity_cap``), and with probability effect the household joins its active
  cooperative;
- health: illness-cost cover rises by ``health_cover_gain`` x effect of the way to 1;
- finance: productivity rises by ``loan_productivity_gain`` x effect (a small loan), and a
  household without labour is enrolled in social assistance with probability effect.

The loads and the visited households are found in one compiled pass
(:func:`povsim.engine.kernels.visits_due`). Then resident cadres lecture (讲习, :func:`lectures`):
in each village they live in, the skill of every household with labour moves ``1 - prod(1 -
lecture_skill_gain_month x effectiveness)`` of the way to 1.

Example:
    >>> visit_effect(0.5, 1.0, 1.0, 0, 10.0)
    0.5
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from povsim.agents.cadre import familiarity, visit_effect
from povsim.base.clock import Clock
from povsim.base.streams import Streams
from povsim.engine import kernels
from povsim.engine.submodels.base import PROGRAMME, Submodel
from povsim.engine.submodels.cooperatives import join
from povsim.schema.cadres import CadreEffectsCfg
from povsim.schema.collectives import CooperativesCfg
from povsim.schema.households import BehaviourCfg

if TYPE_CHECKING:
    from povsim.engine.world import World

__all__ = ["CadreVisits", "familiarity", "lecture_gains", "lecture_plan", "lectures",
           "visit_effect"]




def lecture_plan(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who lectures where: the resident lecturing cadres (index), their home villages and the
    real lecturers each stands for (at a reduced scale a simulated cadre stands for
    ``represents`` real ones, each with a home of their own, ``World.lecturer_homes``, so that
    a village's lectures are its full-scale ones, issue 25). It changes only when cadres are
    placed or move."""
    cadres = world.cadres
    on = np.flatnonzero((cadres.lecture_gain > 0) & (cadres.village >= 0))
    weight = cadres.represents[on]
    homes = cadres.village[on]
    if world.lecturer_homes is not None:
        owner, where = world.lecturer_homes
        spread = np.isin(on, owner)
        on, homes = np.concatenate([on[~spread], owner]), np.concatenate([homes[~spread], where])
        weight = np.concatenate([weight[~spread], np.ones(owner.size)])
    return on, homes, weight


def lecture_gains(world: World, plan: tuple) -> np.ndarray:
    """Each village's skill gain from this month's lectures (0 where nobody lectures):
    ``1 - prod(1 - lecture_gain x effectiveness)`` over the real lecturers of ``plan``
    (:func:`lecture_plan`), as ``exp(sum(log(1 - g)))``."""
    cadres = world.cadres
    on, homes, weight = plan
    keep = np.bincount(homes, weights=weight * np.log1p(
        -cadres.lecture_gain[on] * cadres.effectiveness[on]), minlength=world.n_villages)
    return -np.expm1(keep)


def lectures(world: World, plan: tuple | None = None, gain: np.ndarray | None = None
             ) -> np.ndarray:
    """Resident cadres' lectures this month: each village's skill gain (``gain``, else
    :func:`lecture_gains`), and the households with labour there move that share of the way
    to skill 1. ``plan`` is :func:`lecture_plan`'s (made here if not given).

    Example:
        >>> from povsim.engine.model import PovertyModel
        >>> m = PovertyModel("xixiu", seed=1, scale=50)
        >>> for _ in range(12):
        ...     m.step()
        >>> bool(lectures(m.world).max() > 0)
        True
    """
    plan = lecture_plan(world) if plan is None else plan
    gain = lecture_gains(world, plan) if gain is None else gain
    if plan[0].size:
        kernels.lecture(kernels.HouseholdArrays.of(world.households), gain)
    return gain


class CadreVisits(Submodel):
    """Paired cadres' monthly visits to their poor households and what the visits change."""

    name, odd, when = "cadre visits", "7.2", PROGRAMME

    def __init__(self, clock: Clock, world: World, ce: CadreEffectsCfg,
                 co: CooperativesCfg, behaviour: BehaviourCfg, streams: Streams):
        super().__init__(clock)
        self.world, self.ce, self.co, self.behaviour = world, ce, co, behaviour
        self.streams = streams
        n = world.households.n
        self._visited = np.empty(n, np.int32)  # kept between months
        self._counts = np.zeros(kernels.n_chunks(n), np.int64)
        self._joining = np.empty(n, np.int64)
        self._plan: tuple = (None, None)
        self._gain: tuple = (None, None)  # the lecturers' effectiveness and their gains
        self._batch: _BatchVisits | None = None  # a batch's stacked buffers (step_batch)
        self._effects = kernels.VisitEffects(*(float(getattr(ce, name).value)
                                               for name in kernels.VisitEffects._fields))

    def lecture_plan(self) -> tuple:
        """:func:`lecture_plan`, made again only when the cadres' homes or the lecturers'
        homes have changed."""
        w = self.world
        key = self._plan[0]
        if key is None or key[0] is not w.lecturer_homes or not np.array_equal(
                key[1], w.cadres.village):
            self._plan = ((w.lecturer_homes, w.cadres.village.copy()), lecture_plan(w))
            self._gain = (None, None)
        return self._plan[1]

    def lectures(self) -> None:
        """This month's lectures (:func:`lectures`), their gains computed again only when the
        lecturers' effectiveness has changed (training)."""
        plan = self.lecture_plan()
        eff = self.world.cadres.effectiveness[plan[0]]
        if self._gain[0] is None or not np.array_equal(self._gain[0], eff):
            self._gain = (eff, lecture_gains(self.world, plan))
        lectures(self.world, plan, self._gain[1])

    def step_batch(self, subs: list[CadreVisits], state: dict) -> None:
        """:meth:`step` of every run of a batch (:mod:`povsim.engine.batch`): the visits found and
        their effects in one compiled call each over the runs
        (:func:`povsim.engine.kernels.visits_due_batch`,
        :func:`povsim.engine.kernels.visit_outcomes_batch`),
        each run's lectures and joining its own, in the order of :meth:`step`."""
        if self._batch is None:
            self._batch = _BatchVisits.of(subs, state)
        bv, cad = self._batch, state["cadres"]
        month = np.int64(self.clock.month_index)
        prob = np.where(cad.visit_prob >= 0, cad.visit_prob, bv.visit_prob)
        load = np.zeros(cad.visit_prob.shape, np.int64)
        k = np.zeros(len(subs), np.int64)
        kernels.visits_due_batch(bv.households, bv.keys, month, prob, bv.other_village,
                                 load, bv.visited, bv.counts, k)
        for s in subs:
            s.lectures()
        if not k.any():
            return
        n_join = np.zeros(len(subs), np.int64)
        kernels.visit_outcomes_batch(
            bv.households, bv.visited, k, bv.keys, month, cad.effectiveness, cad.specialty,
            load, bv.match, cad.visits_year, state["coop_arrays"].active,
            self.clock.month_index, bv.effects, bv.joining, n_join)
        for r, s in enumerate(subs):
            if n_join[r]:
                join(s.world, bv.joining[r, :n_join[r]].copy(), s.co,
                     s.behaviour.lease_share.value)

    def step(self) -> None:
        hh, ce, cadres = self.world.households, self.ce, self.world.cadres
        draws = kernels.Draws.of(self.streams, self.clock.month_index)
        load = np.zeros(cadres.n, np.int64)
        prob = np.where(cadres.visit_prob >= 0, cadres.visit_prob, ce.visit_prob_month.value)
        h = kernels.HouseholdArrays.of(hh)
        k = kernels.visits_due(h, draws, prob,
                               ce.other_village_visit_factor.value, load, self._visited,
                               self._counts)
        self.lectures()
        if k == 0:
            return
        n_join = kernels.visit_outcomes(
            h, self._visited, k, draws, cadres.effectiveness, cadres.specialty, load,
            self.world.match, cadres.visits_year, self.world.coop_arrays.active,
            self.clock.month_index, self._effects, self._joining)
        join(self.world, self._joining[:n_join], self.co, self.behaviour.lease_share.value)


@dataclass
class _BatchVisits:
    """A batch's stacked inputs and buffers of the cadre visits (runs first)."""

    households: kernels.HouseholdArrays
    keys: np.ndarray
    visit_prob: np.ndarray
    other_village: np.ndarray
    match: np.ndarray
    effects: np.ndarray
    visited: np.ndarray
    counts: np.ndarray
    joining: np.ndarray

    @classmethod
    def of(cls, subs: list[CadreVisits], state: dict) -> _BatchVisits:
        r, s0 = len(subs), subs[0]
        return cls(kernels.HouseholdArrays.of(state["households"]),
                   np.stack([s.streams.key for s in subs]),
                   np.array([[s.ce.visit_prob_month.value] for s in subs]),
                   np.array([s.ce.other_village_visit_factor.value for s in subs], np.float64),
                   np.stack([s.world.match for s in subs]),
                   np.array([list(s._effects) for s in subs], np.float64),
                   np.zeros((r, *s0._visited.shape), np.int32),
                   np.zeros((r, *s0._counts.shape), np.int64),
                   np.zeros((r, *s0._joining.shape), np.int64))
