"""Village with its party branch: the unit that ties households, cadres and the cooperative.

Example:
    >>> import mesa
    >>> m = mesa.Model(rng=1)
    >>> v = Village(m, index=0, branch_strength=0.4)
    >>> v.decay(0.01); round(v.branch_strength, 3)
    0.396
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from povsim.agents.columns import column, registered_view, year_or_none


@dataclass
class VillageArrays:
    """Every village's state, one array element per village (issue 26; :class:`Village`
    agents are views of one element each); the fields are :class:`Village`'s attributes.

    Example:
        >>> s = VillageArrays.empty(2); s.branch_strength[:] = 0.5
        >>> s.decay(0.1); s.branch_strength.tolist()
        [0.45, 0.45]
    """

    branch_strength: np.ndarray
    tech: np.ndarray
    poor: np.ndarray  # bool
    exit_year: np.ndarray  # int32, 0: not exited
    first_secretary: np.ndarray  # bool
    xy: np.ndarray  # villages x 2, km
    industry: np.ndarray  # int64

    @classmethod
    def empty(cls, n: int) -> VillageArrays:
        """``n`` villages: no branch strength, technology 1, not poor, at the origin."""
        return cls(np.zeros(n), np.ones(n), np.zeros(n, bool), np.zeros(n, np.int32),
                   np.zeros(n, bool), np.zeros((n, 2)), np.zeros(n, np.int64))

    def decay(self, rate: float) -> None:
        """Every branch's monthly decay by ``rate`` (:meth:`Village.decay`, element-wise)."""
        self.branch_strength *= 1.0 - rate


class Village(mesa.Agent):
    """An administrative village and its party branch.

    Attributes:
        index: village index (0..V-1), the value stored in ``Households.village``.
        branch_strength: party-branch strength, 0..1 (raised by secretaries and training,
            decays slowly); scales cooperative management and joining.
        tech: farming-technology multiplier on household yields (raised by experts), >= 1.
        poor: listed as a poor village at baseline identification.
        exit_year: year the village left the poor list, or None.
        first_secretary: a first secretary is resident.
        xy: location (km) in the scenario's square of ``villages.area_km2``.
        industry: main industry, index into ``povsim.schema.params.INDUSTRIES``.
    """

    branch_strength = column("branch_strength", float)
    tech = column("tech", float)
    poor = column("poor", bool)
    exit_year = year_or_none("exit_year")
    first_secretary = column("first_secretary", bool)
    industry = column("industry", int)

    def __init__(self, model: mesa.Model, index: int, branch_strength: float,
                 arrays: VillageArrays | None = None):
        super().__init__(model)
        #: the arrays holding its state (its world's, element ``index``; else its own)
        self.arrays = arrays if arrays is not None else VillageArrays.empty(1)
        self.row = int(index) if arrays is not None else 0
        self.index = int(index)
        self.branch_strength = float(branch_strength)
        self.tech = 1.0
        self.poor = False
        self.exit_year = None
        self.first_secretary = False
        self.xy = (0.0, 0.0)
        self.industry = 0

    @classmethod
    def view(cls, model: mesa.Model, arrays: VillageArrays, index: int) -> Village:
        """The Mesa agent of village ``index`` of ``arrays`` as it stands (its state left as
        it is), registered with ``model``.

        Example:
            >>> s = VillageArrays.empty(2); s.branch_strength[1] = 0.3
            >>> Village.view(mesa.Model(rng=1), s, 1).branch_strength
            0.3
        """
        self = registered_view(cls, model, arrays, index)
        self.index = int(index)
        return self

    @property
    def xy(self) -> tuple[float, float]:
        """Its location (km)."""
        x, y = self.arrays.xy[self.row].tolist()
        return (x, y)

    @xy.setter
    def xy(self, xy: tuple[float, float]) -> None:
        self.arrays.xy[self.row] = xy

    def decay(self, rate: float) -> None:
        """Monthly decay of branch strength by ``rate`` (a share of its current level)."""
        self.branch_strength *= 1.0 - rate

    def strengthen(self, gain: float) -> None:
        """Move branch strength a share ``gain`` of the way towards 1."""
        self.branch_strength += gain * (1.0 - self.branch_strength)
