"""Village-role cadres, cadre training and branch decay (ODD §7.3, §7.4, §7.5).

- **Village cadres** (§7.3): each placed village-role cadre (first secretaries, village-help
  secretaries, commandos, task teams, resident cadres, experts) strengthens its village's party
  branch by ``branch_gain x effectiveness`` of the way to 1 each month; an expert raises the
  village's farming technology by ``expert_productivity_gain_month x effectiveness`` (up to
  ``productivity_cap``); with probability ``projects_per_year / 12`` a cadre lands a project of
  ``project_size`` yuan in the village collective (public money).
- **Training and cadre time** (§7.4): ``training_person_times_per_year`` attendances a year are
  spread at random over the placed cadres (by the real cadres each stands for); an attendance
  moves effectiveness ``training_gain`` of the way to 1 (:meth:`Cadres.train`) and costs
  ``training_cost_per_person_time``; the placed cadres' time costs ``monthly_cost`` each.
- **Branch decay** (§7.5): every village's branch strength decays by ``branch_decay_month``.

Example:
    >>> from povsim.model import PovertyModel
    >>> m = PovertyModel("xixiu", seed=1, scale=200)
    >>> m.run()
    >>> bool((m.world.cadres.effectiveness >= 0).all())
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim.agents.cooperative import CoopArrays, Cooperative
from povsim.agents.village import Village, VillageArrays
from povsim.clock import Clock
from povsim.config import CadreEffectsCfg
from povsim.ledger import Ledger
from povsim.streams import Streams
from povsim.submodels.base import EVERY_MONTH, PROGRAMME, Submodel

if TYPE_CHECKING:
    from povsim.world import World


class VillageCadres(Submodel):
    """Placed village-role cadres strengthen branches, raise technology and bring projects."""

    name, odd, when = "village cadres", "7.3", PROGRAMME

    def __init__(self, clock: Clock, world: World, ce: CadreEffectsCfg, streams: Streams,
                 ledger: Ledger):
        super().__init__(clock)
        self.world, self.ce, self.ledger = world, ce, ledger
        self.draws = streams["projects"]

    def step(self) -> None:
        """Every placed village-role cadre's month at once (:func:`act_on_villages`): cadres
        sharing a village act in turn, in cadre order, one round each (:func:`turns`)."""
        cadres, ce, w = self.world.cadres, self.ce, self.world
        draws = self.draws.random(cadres.n)
        idx = np.asarray(w.placement.village_role, np.int64)
        if idx.size == 0:
            return
        where = cadres.village[idx]
        project = draws[idx] < cadres.projects_per_year[idx] / 12.0
        size = ce.project_size.value / w.k
        for r in turns(where):
            c = idx[r]
            act_on_villages(w.village_arrays, w.coop_arrays, where[r],
                            expert=cadres.kind[c] == "expert", branch_gain=cadres.branch_gain[c],
                            effectiveness=cadres.effectiveness[c], project=project[r],
                            project_size=size, expert_gain=ce.expert_productivity_gain_month.value,
                            cap=ce.productivity_cap.value)
        n = int(project.sum())
        if n:  # booked one project after another, in cadre order, as Ledger.cost and .flow do
            led = self.ledger
            led.cost_year["projects"] = float(np.add.accumulate(
                [led.cost_year.get("projects", 0.0), *([size * led.k] * n)])[-1])
            key = "government->cooperative:projects"
            led.flows[key] = float(np.add.accumulate(
                [led.flows.get(key, 0.0), *([size] * n)])[-1])


def turns(villages: np.ndarray) -> list[np.ndarray]:
    """Positions of ``villages`` in rounds: round ``r`` holds each village's ``r``-th
    occurrence (in order), so that a village's cadres act one after another and every round
    touches each village at most once.

    Example:
        >>> [t.tolist() for t in turns(np.array([3, 1, 3, 2, 3]))]
        [[0, 1, 3], [2], [4]]
    """
    order = np.argsort(villages, kind="stable")
    s = villages[order]
    first = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1]
    runs = np.diff(np.r_[first, s.size])
    rank = np.empty(s.size, np.int64)
    rank[order] = np.arange(s.size) - np.repeat(first, runs)
    return [np.flatnonzero(rank == r) for r in range(int(rank.max()) + 1 if s.size else 0)]


def act_on_villages(villages: VillageArrays, coops: CoopArrays, where: np.ndarray, *,
                    expert: np.ndarray, branch_gain: np.ndarray, effectiveness: np.ndarray,
                    project: np.ndarray, project_size: float, expert_gain: float,
                    cap: float = np.inf) -> None:
    """Placed village-role cadres' month, one cadre in each village of ``where`` (distinct):
    each raises its branch's strength by ``branch_gain x effectiveness`` of the way to 1; an
    ``expert`` raises farming technology by ``expert_gain x effectiveness``; where ``project``
    (this month's draw fell below its ``projects_per_year / 12``) it lands a project of
    ``project_size`` yuan in the collective; technology is capped at ``cap``.

    Example:
        >>> from povsim.agents.village import VillageArrays
        >>> from povsim.agents.cooperative import CoopArrays
        >>> vs, cs = VillageArrays.empty(2), CoopArrays.empty(2); vs.branch_strength[:] = 0.4
        >>> act_on_villages(vs, cs, np.array([1]), expert=np.array([True]),
        ...                 branch_gain=np.array([0.03]), effectiveness=np.array([0.5]),
        ...                 project=np.array([True]), project_size=2000.0, expert_gain=0.01)
        >>> round(float(vs.branch_strength[1]), 4), float(vs.tech[1]), cs.capital.tolist()
        (0.409, 1.005, [0.0, 2000.0])
    """
    b = villages.branch_strength[where]
    villages.branch_strength[where] = b + branch_gain * effectiveness * (1.0 - b)
    e = where[expert]
    villages.tech[e] *= 1.0 + expert_gain * effectiveness[expert]
    p = where[project]
    coops.capital[p] += project_size
    coops.non_operating[p] += project_size
    villages.tech[where] = np.minimum(villages.tech[where], cap)


def act_on_village(village: Village, coop: Cooperative, *, kind: str, branch_gain: float,
                   effectiveness: float, projects_per_year: float, draw: float,
                   project_size: float, expert_gain: float) -> float:
    """One village-role cadre's month in its village (:func:`act_on_villages` for one);
    returns the project funds it brought to the collective (yuan, 0 if none).

    Example:
        >>> import mesa
        >>> m = mesa.Model(rng=1)
        >>> v, c = Village(m, 0, 0.4), Cooperative(m, 0, 1000.0, True)
        >>> act_on_village(v, c, kind="first_secretary", branch_gain=0.03, effectiveness=0.5,
        ...                projects_per_year=1.2, draw=0.05, project_size=2000.0,
        ...                expert_gain=0.01), c.capital
        (2000.0, 3000.0)
    """
    if village.row != coop.row:
        raise ValueError("a village's collective is its own: the same row of their arrays")
    project = draw < projects_per_year / 12.0
    act_on_villages(village.arrays, coop.arrays, np.array([village.row]),
                    expert=np.array([kind == "expert"]), branch_gain=np.array([branch_gain]),
                    effectiveness=np.array([effectiveness]), project=np.array([project]),
                    project_size=project_size, expert_gain=expert_gain)
    return project_size if project else 0.0


class Training(Submodel):
    """Cadre training attendances (effectiveness) and the cost of cadre time."""

    name, odd, when = "training and cadre time", "7.4", PROGRAMME

    def __init__(self, clock: Clock, world: World, ce: CadreEffectsCfg, streams: Streams,
                 ledger: Ledger):
        super().__init__(clock)
        self.world, self.ce, self.ledger = world, ce, ledger
        self.draws = streams["training"]

    def step(self) -> None:
        cadres, ce, k = self.world.cadres, self.ce, self.world.k
        placed, reps = self.world.placement.placed, self.world.placement.represents
        u = self.draws.random(cadres.n)
        if reps.sum() == 0:
            return
        p = min(1.0, ce.training_person_times_per_year.value / 12.0 / reps.sum())
        trained = placed & (u < p)
        cadres.train(trained, ce.training_gain.value)
        self.ledger.cost("training", float(reps[trained].sum())
                         * ce.training_cost_per_person_time.value / k)
        self.ledger.cost("cadre_time", self.world.placement.monthly_cost / k)


class BranchDecay(Submodel):
    """Every village's party-branch strength decays a little each month."""

    name, odd, when = "branch decay", "7.5", EVERY_MONTH

    def __init__(self, clock: Clock, world: World, rate: float):
        super().__init__(clock)
        self.world, self.rate = world, rate

    def step(self) -> None:
        self.world.village_arrays.decay(self.rate)
