"""The calibration distance: each figure's gap in its own unit, over its tolerance plus noise.

A figure is compared by its target's ``comparison``: a value (``equal``) by the distance to it;
a bound (``at_least`` "above 30,000", ``at_most`` "by 2019") only when on the wrong side of it;
a condition over all villages through a metric that is already the worst village (the minimum
over villages, ``collective_operating_min_village``), compared as a bound. Each gap is divided
by the figure's scale, ``tolerance`` (``calibration/targets.yaml``, in the figure's unit) plus
the model's run-to-run standard deviation of the metric at the priors' medians; the
distance is the root mean square of the scaled gaps.

Example:
    >>> scaled_gap(31000.0, 30000.0, "at_least", 3000.0)   # above the bound: no gap
    0.0
    >>> scaled_gap(27000.0, 30000.0, "at_least", 3000.0)
    1.0
    >>> d = Distance({"a": 10.0, "b": 2019.0}, {"a": "equal", "b": "at_most"},
    ...              {"a": 1.0, "b": 0.5})
    >>> d({"a": 12.0, "b": 2020.0}, None)   # sqrt((2^2 + 2^2) / 2)
    2.0
"""

from __future__ import annotations

import math


def scaled_gap(simulated: float, reported: float, comparison: str, scale: float) -> float:
    """One figure's gap on the wrong side of its comparison, in units of ``scale``; a missing
    (NaN) simulation counts as a gap of 10 scales."""
    if simulated != simulated:
        return 10.0
    if comparison == "at_least":
        gap = max(reported - simulated, 0.0)
    elif comparison == "at_most":
        gap = max(simulated - reported, 0.0)
    else:
        gap = abs(simulated - reported)
    return gap / scale


class Distance:
    """The distance between simulated and reported figures (a callable for pyabc:
    ``distance(x, x0)`` with dicts by figure id; ``x0`` is not used, the reported values are
    kept here).

    Attributes:
        reported: figure id -> reported value.
        comparison: figure id -> ``equal``, ``at_least`` or ``at_most``.
        scale: figure id -> tolerance + run-to-run sd.
    """

    def __init__(self, reported: dict[str, float], comparison: dict[str, str],
                 scale: dict[str, float]):
        self.reported, self.comparison, self.scale = reported, comparison, scale

    def gaps(self, x: dict[str, float]) -> dict[str, float]:
        """Each figure's scaled gap."""
        return {f: scaled_gap(float(x[f]), v, self.comparison[f], self.scale[f])
                for f, v in self.reported.items()}

    def __call__(self, x: dict, x0: dict | None = None) -> float:
        g = list(self.gaps(x).values())
        return math.sqrt(sum(v * v for v in g) / len(g)) if g else 0.0
