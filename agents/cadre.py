"""Cadres: first secretaries, village-help secretaries, paired cadres, commandos, task teams,
resident cadres and agricultural experts.

Household-role cadres are paired with registered poor households and visit them (the visits
themselves are computed vectorised by the model from the cadre arrays); village-role cadres
act on their village: they raise party-branch strength, bring projects to the collective and
(experts) raise farming technology.

Example:
    >>> import mesa
    >>> m = mesa.Model(rng=1)
    >>> c = Cadre(m, index=0, kind="paired_cadre", role="households", capacity=5,
    ...           effectiveness=0.5, specialty="jobs", represents=1.0)
    >>> c.kind, c.capacity
    ('paired_cadre', 5)
"""

from __future__ import annotations

import mesa


class Cadre(mesa.Agent):
    """One cadre (or, at a reduced scale, a simulated cadre standing for ``represents`` cadres).

    Attributes:
        index: position in the model's cadre arrays.
        kind: one of ``povsim.config.CADRE_KINDS``.
        role: ``"households"`` (paired one-to-one or one-to-many) or ``"village"``.
        capacity: most households it can be paired with.
        effectiveness: 0..1, raised by training.
        specialty: farming, jobs, health, finance or general.
        village: assigned or home village index, -1 none.
        visits: visits made so far.
    """

    def __init__(self, model: mesa.Model, index: int, kind: str, role: str, capacity: int,
                 effectiveness: float, specialty: str, represents: float,
                 monthly_cost: float = 0.0, branch_gain: float = 0.0,
                 projects_per_year: float = 0.0):
        super().__init__(model)
        self.index = int(index)
        self.kind = kind
        self.role = role
        self.capacity = int(capacity)
        self.effectiveness = float(effectiveness)
        self.specialty = specialty
        self.represents = float(represents)
        self.monthly_cost = float(monthly_cost)
        self.branch_gain = float(branch_gain)
        self.projects_per_year = float(projects_per_year)
        self.village = -1
        self.visits = 0

    def train(self, gain: float) -> None:
        """One training attendance: effectiveness moves a share ``gain`` of the way to 1."""
        self.effectiveness += gain * (1.0 - self.effectiveness)

    def act_on_village(self, village, coop, draw: float, project_size: float,
                       expert_gain: float) -> float:
        """Monthly village work; returns project funds brought to the collective (yuan).

        A secretary raises branch strength; with probability ``projects_per_year / 12`` (``draw``
        is this month's uniform draw) it lands a project of ``project_size`` yuan in the village
        collective. An expert raises the village's farming technology.
        """
        if self.village < 0:
            return 0.0
        village.strengthen(self.branch_gain * self.effectiveness)
        if self.kind == "expert":
            village.tech *= 1.0 + expert_gain * self.effectiveness
        if draw < self.projects_per_year / 12.0:
            coop.receive_project(project_size)
            return project_size
        return 0.0
