"""Cadres: first secretaries, village-help secretaries, paired cadres, commandos, task teams,
resident cadres and agricultural experts.

Cadre state lives in one place, the arrays of :class:`Cadres` (one element per simulated
cadre), which the submodels read and update vectorised; :class:`Cadre` is a Mesa agent that
views one element (as :class:`povsim.agents.households.Household` views a household), so a
Mesa user finds every cadre in ``model.agents`` with its attributes, and nothing is kept twice.

Household-role cadres are paired with registered poor households and visit them
(:mod:`povsim.engine.submodels.cadre_visits`); village-role cadres act on their village: they raise
party-branch strength, bring projects to the collective and (experts) raise farming technology
(:mod:`povsim.engine.submodels.village_cadres`).

Example:
    >>> import mesa
    >>> cadres = Cadres.empty(2); cadres.kind[:] = "paired_cadre"; cadres.capacity[:] = 5
    >>> c = Cadre(mesa.Model(rng=1), cadres, 1)
    >>> c.kind, c.capacity, c.specialty
    ('paired_cadre', 5, 'farming')
    >>> cadres.train(np.array([False, True]), 0.5); c.effectiveness
    0.5
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import mesa
import numpy as np
from numba import njit

from povsim.schema.cadres import CadreGroupCfg
from povsim.schema.params import CADRE_KINDS, SPECIALTIES, value_or


@njit(cache=True, nogil=True)
def visit_effect(effectiveness, match, familiarity, load, load_half):  # pragma: no cover
    """The effect of one visit (0..1): ``effectiveness x match x familiarity / (1 + load /
    load_half)``; scalars or arrays (compiled: the visits' kernel calls it).

    Example:
        >>> visit_effect(0.5, 1.0, 1.0, 0, 10.0)
        0.5
    """
    return effectiveness * match * familiarity / (1.0 + load / load_half)


@njit(cache=True, nogil=True)
def familiarity(months_paired, familiarity_months):  # pragma: no cover - compiled
    """How far a pairing of ``months_paired`` months (this one included) has ramped up to full
    effect: ``min(months / familiarity_months, 1)``, 1 at once if ``familiarity_months`` is 0
    (scalars).

    Example:
        >>> familiarity(3, 6.0), familiarity(9, 6.0), familiarity(1, 0.0)
        (0.5, 1.0, 1.0)
    """
    if familiarity_months > 0:
        return min(months_paired / familiarity_months, 1.0)
    return 1.0


ROLES = ("households", "village")


def simulated_count(group, k: float) -> int:
    """Simulated cadres of a cadre group at scale ``k`` (one simulated household per ``k``):
    a household-role group scaled down with the households (at least one if it has any), a
    village-role group one for one.

    Example:
        >>> from types import SimpleNamespace as N
        >>> [simulated_count(N(count=N(value=300), role=r), 100.0) for r in ("households",
        ...                                                                  "village")]
        [3, 300]
    """
    n = group.count.value
    return max(1, round(n / k)) if group.role == "households" and n > 0 else n


@dataclass
class Cadres:
    """Cadre state, one array element per simulated cadre (a simulated cadre stands for
    ``represents`` real ones at a reduced scale).

    Example:
        >>> Cadres.empty(3).n
        3
    """

    kind: np.ndarray  # str, one of povsim.schema.params.CADRE_KINDS
    role: np.ndarray  # str, "households" (paired with households) or "village"
    capacity: np.ndarray  # int32, most households it can be paired with
    effectiveness: np.ndarray  # float64, 0..1, raised by training
    specialty: np.ndarray  # int8, index into povsim.schema.params.SPECIALTIES
    represents: np.ndarray  # float64, real cadres this one stands for
    monthly_cost: np.ndarray  # float64, yuan per real cadre per month (cadre time)
    branch_gain: np.ndarray  # float64, monthly strengthening of its village's branch
    projects_per_year: np.ndarray  # float64, projects it brings to its village per year
    village: np.ndarray  # int64, assigned (village role) or home (household role) village, -1
    resident: np.ndarray  # bool, lives full-time in a listed poor village (household role)
    visit_prob: np.ndarray  # float64, its own visit probability, -1: cadre_effects' one
    lecture_gain: np.ndarray  # float64, monthly lecture skill gain in its village (residents)
    visits: np.ndarray  # int64, visits made in the years closed so far
    visits_year: np.ndarray  # int64, visits made this year so far

    @classmethod
    def empty(cls, n: int) -> Cadres:
        """``n`` cadres with every number zero, no village and the first kind and specialty."""
        return cls(kind=np.full(n, CADRE_KINDS[0], dtype=f"<U{max(map(len, CADRE_KINDS))}"),
                   role=np.full(n, ROLES[0], dtype=f"<U{max(map(len, ROLES))}"),
                   capacity=np.zeros(n, np.int32), effectiveness=np.zeros(n),
                   specialty=np.zeros(n, np.int8), represents=np.ones(n),
                   monthly_cost=np.zeros(n), branch_gain=np.zeros(n),
                   projects_per_year=np.zeros(n), village=np.full(n, -1, np.int64),
                   resident=np.zeros(n, bool), visit_prob=np.full(n, -1.0),
                   lecture_gain=np.zeros(n),
                   visits=np.zeros(n, np.int64), visits_year=np.zeros(n, np.int64))

    @classmethod
    def from_groups(cls, groups: list[CadreGroupCfg], k: float,
                    rng: np.random.Generator) -> Cadres:
        """The cadres of a scenario's ``cadre_groups``, group by group, at scale ``k``.

        Household-role groups are scaled down with the households (at least one cadre if the
        group has any); village-role cadres are kept one for one. Specialties are drawn from
        each group's ``specialty_mix`` (stream ``rng``).

        Example:
            >>> from povsim.schema.config import load_scenario
            >>> sc = load_scenario("xixiu")
            >>> c = Cadres.from_groups(sc.cadre_groups, 100.0, np.random.default_rng(0))
            >>> int((c.role == "households").sum()) < c.n
            True
        """
        parts = []
        for g in groups:
            n = simulated_count(g, k)
            if n == 0:
                continue
            names = list(g.specialty_mix)
            w = np.array([g.specialty_mix[s] for s in names], float)
            spec = rng.choice(len(names), size=n, p=w / w.sum())
            part = cls.empty(n)
            part.kind[:] = g.kind
            part.role[:] = g.role
            part.capacity[:] = value_or(g.capacity, 0)
            part.effectiveness[:] = g.effectiveness.value
            part.specialty[:] = [SPECIALTIES.index(names[s]) for s in spec]
            part.represents[:] = g.count.value / n
            part.monthly_cost[:] = g.monthly_cost.value
            part.branch_gain[:] = value_or(g.branch_gain_month)
            part.projects_per_year[:] = value_or(g.projects_per_year)
            if g.resident is not None:
                part.resident[:] = True
                part.visit_prob[:] = g.resident.visit_prob_month.value
                part.lecture_gain[:] = g.resident.lecture_skill_gain_month.value
            parts.append(part)
        if not parts:
            return cls.empty(0)
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                      for f in fields(cls)})

    @property
    def n(self) -> int:
        """Number of simulated cadres."""
        return int(self.kind.shape[0])

    @property
    def pairs_households(self) -> np.ndarray:
        """Mask of the household-role cadres (paired with registered poor households)."""
        return self.role == "households"

    def train(self, trained: np.ndarray, gain: float) -> None:
        """One training attendance of the cadres in mask ``trained``: effectiveness moves a
        share ``gain`` of the way to 1."""
        idx = np.flatnonzero(trained)  # a few a month: their elements, not a mask's copies
        if idx.size:
            self.effectiveness[idx] += gain * (1.0 - self.effectiveness[idx])

    def close_year(self) -> None:
        """December: this year's visits join the total and the year's count starts again."""
        self.visits += self.visits_year
        self.visits_year[:] = 0


@dataclass(frozen=True)
class Placement:
    """Where the cadres were placed at identification (they do not move afterwards).

    Attributes:
        placed: mask of the cadres with a village (assigned or home).
        represents: the real cadres each stands for, 0 where not placed.
        monthly_cost: the placed cadres' time per month (yuan per simulated cadre-month x the
            real cadres it stands for, summed in cadre order).
        village_role: indices of the placed village-role cadres.

    Example:
        >>> c = Cadres.empty(2); c.village[1] = 4; c.monthly_cost[:] = 10.0
        >>> p = Placement.of(c); p.placed.tolist(), p.monthly_cost
        ([False, True], 10.0)
    """

    placed: np.ndarray
    represents: np.ndarray
    monthly_cost: float
    village_role: list[int]

    @classmethod
    def of(cls, cadres: Cadres) -> Placement:
        """The placement of ``cadres`` now."""
        placed = cadres.village >= 0
        cost = float(sum(mc * r for mc, r, v in zip(cadres.monthly_cost.tolist(),
                                                     cadres.represents.tolist(),
                                                     cadres.village.tolist(), strict=True)
                         if v >= 0))
        village_role = np.flatnonzero((cadres.role == "village") & placed).tolist()
        return cls(placed, cadres.represents * placed, cost, village_role)


class Cadre(mesa.Agent):
    """One cadre as a Mesa agent: a view of element ``index`` of a :class:`Cadres`.

    Attributes (read from the arrays; ``village`` can also be set):
        index: position in the cadre arrays.
        kind: one of ``povsim.schema.params.CADRE_KINDS``.
        role: ``"households"`` (paired one-to-one or one-to-many) or ``"village"``.
        capacity, effectiveness, represents, monthly_cost, branch_gain, projects_per_year.
        specialty: farming, jobs, health, finance or general.
        village: assigned or home village index, -1 none.
        visits: visits made so far (closed years and this year).
    """

    def __init__(self, model: mesa.Model, cadres: Cadres, index: int):
        super().__init__(model)
        if not 0 <= index < cadres.n:
            raise IndexError(f"cadre {index} out of range 0..{cadres.n - 1}")
        self._cadres = cadres
        self.index = int(index)

    def _get(self, name: str):
        return getattr(self._cadres, name)[self.index].item()

    kind = property(lambda self: self._get("kind"))
    role = property(lambda self: self._get("role"))
    capacity = property(lambda self: self._get("capacity"))
    effectiveness = property(lambda self: self._get("effectiveness"))
    represents = property(lambda self: self._get("represents"))
    monthly_cost = property(lambda self: self._get("monthly_cost"))
    branch_gain = property(lambda self: self._get("branch_gain"))
    projects_per_year = property(lambda self: self._get("projects_per_year"))
    specialty = property(lambda self: SPECIALTIES[self._get("specialty")])
    visits = property(lambda self: self._get("visits") + self._get("visits_year"))

    @property
    def village(self) -> int:
        return self._get("village")

    @village.setter
    def village(self, v: int) -> None:
        self._cadres.village[self.index] = v

    def __repr__(self) -> str:
        return f"Cadre({self.index}: {self.kind}, village={self.village})"
