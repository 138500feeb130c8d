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
(:func:`povsim.kernels.visits_due`). Then resident cadres lecture (讲习, :func:`lectures`): in
each village they live in, the skill of every household with labour moves ``1 - prod(1 -
lecture_skill_gain_month x effectiveness)`` of the way to 1.

Example:
    >>> visit_effect(0.5, 1.0, 1.0, 0, 10.0)
    0.5
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim import kernels, philox
from povsim.agents.households import NEED
from povsim.clock import Clock
from povsim.config import BehaviourCfg, CadreEffectsCfg, CooperativesCfg
from povsim.streams import Streams
from povsim.submodels.base import PROGRAMME, Submodel
from povsim.submodels.cooperatives import join

if TYPE_CHECKING:
    from povsim.world import World


def visit_effect(effectiveness, match, familiarity, load, load_half):
    """The effect of one visit (0..1): ``effectiveness x match x familiarity / (1 + load /
    load_half)``; scalars or arrays."""
    return effectiveness * match * familiarity / (1.0 + load / load_half)


def familiarity(months_paired, familiarity_months: float):
    """How far a pairing of ``months_paired`` months (this one included) has ramped up to full
    effect: ``min(months / familiarity_months, 1)``, 1 at once if ``familiarity_months`` is 0.

    Example:
        >>> float(familiarity(np.array([3]), 6.0)[0])
        0.5
    """
    if familiarity_months > 0:
        return np.minimum(months_paired / familiarity_months, 1.0)
    return 1.0


def lectures(world: World) -> np.ndarray:
    """Resident cadres' lectures this month: each village's skill gain (0 where nobody
    lectures), and the households with labour there move that share of the way to skill 1.

    Example:
        >>> from povsim.model import PovertyModel
        >>> m = PovertyModel("xixiu", seed=1, scale=50)
        >>> for _ in range(12):
        ...     m.step()
        >>> bool(lectures(m.world).max() > 0)
        True
    """
    hh, cadres = world.households, world.cadres
    n_v = len(world.villages)
    on = np.flatnonzero((cadres.lecture_gain > 0) & (cadres.village >= 0))
    # 1 - prod(1 - g_c) by village over the real lecturers, as exp(sum(log(1 - g_c))): a
    # simulated cadre stands for `represents` real ones (at 1:20, one for 20), each with a home
    # of their own (World.lecturer_homes), so that a village's lectures are its full-scale
    # ones (issue 25)
    weight = cadres.represents[on]
    homes = cadres.village[on]
    if world.lecturer_homes is not None:
        owner, where = world.lecturer_homes
        spread = np.isin(on, owner)
        on, homes = np.concatenate([on[~spread], owner]), np.concatenate([homes[~spread], where])
        weight = np.concatenate([weight[~spread], np.ones(owner.size)])
    keep = np.bincount(homes, weights=weight * np.log1p(
        -cadres.lecture_gain[on] * cadres.effectiveness[on]), minlength=n_v)
    gain = -np.expm1(keep)
    if on.size:
        kernels.lecture(kernels.HouseholdArrays.of(hh), gain)
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

    def step(self) -> None:
        hh, ce, cadres = self.world.households, self.ce, self.world.cadres
        draws = kernels.Draws.of(self.streams, self.clock.month_index)
        load = np.zeros(cadres.n, np.int64)
        prob = np.where(cadres.visit_prob >= 0, cadres.visit_prob, ce.visit_prob_month.value)
        k = kernels.visits_due(kernels.HouseholdArrays.of(hh), draws, prob,
                               ce.other_village_visit_factor.value, load, self._visited,
                               self._counts)
        lectures(self.world)
        if k == 0:
            return
        idx = self._visited[:k].astype(np.int64)
        # the visited households' second draw (lane 1 of their block of stream "visits")
        u2 = philox.uniforms(draws.key, kernels.S_VISITS, hh.hid[idx], draws.month)[:, 1]
        c = hh.cadre[idx]
        need = hh.binding_need(idx)
        months = self.clock.month_index - hh.paired_since[idx].astype(np.int64) + 1
        eff = visit_effect(cadres.effectiveness[c], self.world.match[cadres.specialty[c], need],
                           familiarity(months, ce.familiarity_months.value), load[c],
                           ce.load_half.value)
        cadres.visits_year += np.bincount(c, minlength=cadres.n)
        cap = ce.productivity_cap.value
        # jobs: skills and a referral
        j = need == NEED["jobs"]
        ij = idx[j]
        hh.skill[ij] += (ce.skill_gain.value * eff[j] * (1.0 - hh.skill[ij])).astype(np.float32)
        hh.referral[ij] = True
        # farming: technique, and joining the cooperative
        f = need == NEED["farming"]
        i_f = idx[f]
        hh.farm_prod[i_f] = np.minimum(hh.farm_prod[i_f] * (1.0 + ce.productivity_gain.value
                                                            * eff[f]), cap)
        active = self.world.coop_arrays.active
        joining = i_f[(u2[f] < eff[f]) & active[hh.village[i_f]] & ~hh.member[i_f]]
        join(self.world, joining, self.co, self.behaviour.lease_share.value)
        # health: cover of illness costs
        h = need == NEED["health"]
        ih = idx[h]
        hh.cover[ih] += (ce.health_cover_gain.value * eff[h] * (1.0 - hh.cover[ih])).astype(
            np.float32)
        # finance: a small loan into farming; social assistance for households without labour
        fi = need == NEED["finance"]
        ifi = idx[fi]
        hh.farm_prod[ifi] = np.minimum(
            hh.farm_prod[ifi] * (1.0 + ce.loan_productivity_gain.value * eff[fi]), cap)
        claim = ifi[(u2[fi] < eff[fi]) & (hh.labourers[ifi] == 0)]
        hh.enrolled[claim] = True
