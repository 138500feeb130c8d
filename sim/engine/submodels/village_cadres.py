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
    >>> from povsim.engine.model import PovertyModel
    >>> m = PovertyModel("xixiu", seed=1, scale=200)
    >>> m.run()
    >>> bool((m.world.cadres.effectiveness >= 0).all())
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim.agents.cooperative import Cooperative
from povsim.agents.village import Village
from povsim.base.clock import Clock
from povsim.base.streams import Streams
from povsim.engine.ledger import Ledger
from povsim.engine.submodels.base import EVERY_MONTH, PROGRAMME, Submodel
from povsim.engine.village_kernels import village_role_month
from povsim.schema.cadres import CadreEffectsCfg

if TYPE_CHECKING:
    from povsim.engine.world import World


class VillageCadres(Submodel):
    """Placed village-role cadres strengthen branches, raise technology and bring projects."""

    name, odd, when = "village cadres", "7.3", PROGRAMME

    def __init__(self, clock: Clock, world: World, ce: CadreEffectsCfg, streams: Streams,
                 ledger: Ledger):
        super().__init__(clock)
        self.world, self.ce, self.ledger = world, ce, ledger
        self.draws = streams["projects"]
        self._placed: tuple = (None,)  # the placement's village-role cadres (placed)

    def placed(self) -> tuple:
        """The placed village-role cadres (indices), their villages, which are experts, their
        branch gains and projects a year: fixed once placed, so read once per placement."""
        p, cadres = self.world.placement, self.world.cadres
        if self._placed[0] is not p:
            idx = np.asarray(p.village_role, np.int64)
            self._placed = (p, idx, cadres.village[idx].astype(np.int64),
                            cadres.kind[idx] == "expert",
                            cadres.branch_gain[idx].astype(np.float64),
                            cadres.projects_per_year[idx].astype(np.float64))
        return self._placed[1:]

    def step(self) -> None:
        """Every placed village-role cadre's month, one after another in cadre order
        (:func:`povsim.engine.village_kernels.village_role_month`), and the projects' money
        booked."""
        cadres, ce, w = self.world.cadres, self.ce, self.world
        draws = self.draws.random(cadres.n)
        idx, village, expert, branch_gain, projects = self.placed()
        if idx.size == 0:
            return
        size = ce.project_size.value / w.k
        n = village_role_month(
            w.village_arrays, w.coop_arrays, cadre_village=village, expert=expert,
            branch_gain=branch_gain, effectiveness=cadres.effectiveness[idx],
            projects_per_year=projects, draw=draws[idx], project_size=size,
            expert_gain=ce.expert_productivity_gain_month.value, cap=ce.productivity_cap.value)
        for _ in range(n):  # each project booked in turn
            self.ledger.cost("projects", size)
            self.ledger.flow("government", "cooperative", "projects", size)


def act_on_village(village: Village, coop: Cooperative, *, kind: str, branch_gain: float,
                   effectiveness: float, projects_per_year: float, draw: float,
                   project_size: float, expert_gain: float) -> float:
    """One village-role cadre's month in its village (the compiled rule,
    :func:`povsim.engine.village_kernels.village_role_month`, for one);
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
    landed = village_role_month(
        village.arrays, coop.arrays, cadre_village=np.array([village.row]),
        expert=np.array([kind == "expert"]), branch_gain=np.array([branch_gain]),
        effectiveness=np.array([effectiveness]), projects_per_year=np.array([projects_per_year]),
        draw=np.array([draw]), project_size=project_size, expert_gain=expert_gain)
    return project_size if landed else 0.0


class Training(Submodel):
    """Cadre training attendances (effectiveness) and the cost of cadre time."""

    name, odd, when = "training and cadre time", "7.4", PROGRAMME

    def __init__(self, clock: Clock, world: World, ce: CadreEffectsCfg, streams: Streams,
                 ledger: Ledger):
        super().__init__(clock)
        self.world, self.ce, self.ledger = world, ce, ledger
        self.draws = streams["training"]
        self._reps: tuple = (None, 0.0)  # the placement and its real cadres placed

    def step(self) -> None:
        cadres, ce, k = self.world.cadres, self.ce, self.world.k
        placed, reps = self.world.placement.placed, self.world.placement.represents
        u = self.draws.random(cadres.n)
        if self._reps[0] is not self.world.placement:  # the real cadres placed, once
            self._reps = (self.world.placement, reps.sum())
        total = self._reps[1]
        if total == 0:
            return
        p = min(1.0, ce.training_person_times_per_year.value / 12.0 / total)
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
