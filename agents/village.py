"""Village with its party branch: the unit that ties households, cadres and the cooperative.

Example:
    >>> import mesa
    >>> m = mesa.Model(rng=1)
    >>> v = Village(m, index=0, branch_strength=0.4)
    >>> v.decay(0.01); round(v.branch_strength, 3)
    0.396
"""

from __future__ import annotations

import mesa


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
        industry: main industry, index into ``povsim.config.INDUSTRIES``.
    """

    def __init__(self, model: mesa.Model, index: int, branch_strength: float):
        super().__init__(model)
        self.index = int(index)
        self.branch_strength = float(branch_strength)
        self.tech = 1.0
        self.poor = False
        self.exit_year: int | None = None
        self.first_secretary = False
        self.xy = (0.0, 0.0)
        self.industry = 0

    def decay(self, rate: float) -> None:
        """Monthly decay of branch strength by ``rate`` (a share of its current level)."""
        self.branch_strength *= 1.0 - rate

    def strengthen(self, gain: float) -> None:
        """Move branch strength a share ``gain`` of the way towards 1."""
        self.branch_strength += gain * (1.0 - self.branch_strength)
