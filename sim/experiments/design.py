"""Design points of a sweep: grids, Latin hypercubes (scipy) and Sobol and Morris designs (SALib).

A design has two parts. The parameters with listed ``values`` form *level sets*: every
combination of their levels (a grid). The parameters with a ``range`` or ``distribution`` are
*sampled* by the design method in the unit hypercube and mapped to values through each
parameter's distribution (inverse CDF). A ``grid`` design has only level sets (a range with
``steps`` becomes evenly spaced levels); a sampled design runs every sampled point under every
level set, so Sobol and Morris indices are computed within each level set.

The samplers are seeded from the sweep seed (stream ``"design"``), so the same file gives the
same design on any machine. Values are cast to the type of the scenario's own value (a sampled
number is rounded for a whole-number parameter such as a cadre count).

Example:
    >>> from povsim.experiments.sweepfile import load_sweep
    >>> d = build_design(load_sweep("scenarios/sweeps/xixiu_pairing.yaml"))
    >>> d.method, len(d.points), d.points.columns[:3].tolist()
    ('grid', 12, ['point', 'level_set', 'sample'])
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import qmc

from povsim.base.streams import Streams
from povsim.experiments.sweepfile import ParameterSpec, Sweep, cast_like, from_unit


@dataclass
class Design:
    """The design points of a sweep.

    Attributes:
        method: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        points: one row per design point: ``point`` (its number), ``level_set`` (which
            combination of listed values), ``sample`` (its row in the sampled design, -1 for a
            grid), one column per parameter with the value used and, for a sampled design,
            ``unit:<parameter>``, the point in the unit hypercube.
        unit: the sampled design in the unit hypercube (samples x sampled parameters), the
            input SALib's analyses take; empty for a grid.
        sampled: the sampled parameters (columns of ``unit``); levels: the listed ones.
        problem: the SALib problem over the unit hypercube.
    """

    method: str
    points: pd.DataFrame
    unit: np.ndarray
    sampled: list[str]
    levels: list[str]
    problem: dict = field(default_factory=dict)

    def changes(self, point: int) -> dict:
        """The parameter changes of one design point (for ``Scenario.with_params``)."""
        row = self.points.iloc[point]
        return {p: _python(row[p]) for p in (*self.levels, *self.sampled)}


def build_design(sweep: Sweep) -> Design:
    """The design points of a loaded sweep (see the module docstring)."""
    spec, sc = sweep.spec, sweep.scenario
    method = spec.design.method
    base = {p: sc.get_param(p) for p in spec.parameters}
    levels = spec.levels if method != "grid" else list(spec.parameters)
    sampled = spec.sampled if method != "grid" else []
    level_values = [_levels(spec.parameters[p], base[p]) for p in levels]
    level_sets = list(itertools.product(*level_values)) or [()]
    problem = unit_problem(sampled)
    unit = _unit_sample(method, problem, spec.design, sweep) if sampled else np.empty((0, 0))
    values = {p: [cast_like(v, base[p]) for v in from_unit(spec.parameters[p], unit[:, j])]
              for j, p in enumerate(sampled)}
    rows = []
    for ls, combo in enumerate(level_sets):
        for s in range(unit.shape[0] if sampled else 1):
            row = {"level_set": ls, "sample": s if sampled else -1}
            row.update(dict(zip(levels, combo, strict=True)))
            row.update({p: values[p][s] for p in sampled})
            # the point in the unit hypercube, the input of SALib's analyses
            row.update({f"unit:{p}": float(unit[s, j]) for j, p in enumerate(sampled)})
            rows.append(row)
    points = pd.DataFrame(rows)
    points.insert(0, "point", np.arange(len(points)))
    return Design(method=method, points=points, unit=unit, sampled=list(sampled),
                  levels=list(levels), problem=problem)


def unit_problem(names: list[str]) -> dict:
    """SALib's problem over the unit hypercube of the sampled parameters ``names`` (designs are
    drawn, and indices computed, in unit space).

    Example:
        >>> unit_problem(["a"])
        {'num_vars': 1, 'names': ['a'], 'bounds': [[0.0, 1.0]]}
    """
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def design_seed(sweep: Sweep) -> int:
    """The sampler's seed: ``design.seed`` if given, else drawn from the sweep seed's stream
    ``"design"`` (a 32-bit integer, as SALib's samplers take)."""
    if sweep.spec.design.seed is not None:
        return int(sweep.spec.design.seed)
    return int(Streams(sweep.spec.seed).seed_sequence("design").generate_state(1)[0])


def _unit_sample(method: str, problem: dict, d, sweep: Sweep) -> np.ndarray:
    seed = design_seed(sweep)
    if method == "lhs":
        return qmc.LatinHypercube(d=problem["num_vars"], seed=np.random.default_rng(seed)
                                  ).random(d.samples)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, d.samples, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, d.samples, num_levels=d.levels, seed=seed)


def _levels(ps: ParameterSpec, base) -> list:
    if ps.values is not None:
        return [cast_like(v, base) for v in ps.values]
    return [cast_like(v, base) for v in np.linspace(ps.range[0], ps.range[1], ps.steps)]


def _python(v):
    return v.item() if hasattr(v, "item") else v
