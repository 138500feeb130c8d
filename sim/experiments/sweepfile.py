"""Sweep files: a base scenario, the parameters to vary, a design, replicates and outputs.

A sweep file is YAML, validated like a scenario (pydantic, strict types, one-line errors naming
the file, field and what is allowed). Example (``scenarios/sweeps/xixiu_pairing.yaml``)::

    name: xixiu_pairing
    scenario: ../xixiu.yaml            # relative to the sweep file
    seed: 1
    replicates: 4
    scale: 10                           # one simulated household per 10 real ones
    design: {method: grid}
    parameters:
      cadre_pairing: {values: [same_village, need_matched, optimal, random]}
      cadre_groups.paired_cadre.count: {values: [1000, 2862, 5000]}
    outputs: [incidence, poor_people, income_mean_registered, public_cost_cumulative]

Parameters are named by dotted path, as in ``povsim compare --vary`` (a bare policy lever name
means ``policy.<lever>``; see :meth:`povsim.schema.config.Scenario.with_params`). Each takes one of:

- ``values: [...]``: listed levels. They are crossed with each other (a grid) and, in a sampled
  design, with every sampled point;
- ``range: [low, high]``: uniform between the bounds; in a ``grid`` design it needs ``steps``
  (evenly spaced levels, bounds included);
- ``distribution: {name: ..., ...}``: ``uniform`` (low, high), ``loguniform`` (low, high),
  ``normal`` (mean, sd, optional low/high truncation), ``lognormal`` (median, sigma),
  ``triangular`` (low, mode, high). Sampled designs only.

Designs: ``grid`` (every combination of levels), ``lhs`` (Latin hypercube of ``samples``
points, ``scipy.stats.qmc``), ``sobol`` (Saltelli's scheme for Sobol indices, ``samples`` = base
N, N x (D + 2) points, SALib), ``morris`` (``samples`` trajectories of D + 1 points on
``levels`` levels, SALib). Outputs are columns of the ``annual`` table.

Example:
    >>> sw = load_sweep("scenarios/sweeps/xixiu_pairing.yaml")
    >>> sw.spec.design.method, sorted(sw.spec.parameters)[0]
    ('grid', 'cadre_groups.paired_cadre.count')
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from povsim.base.inputs import SAFE_NAME, ScenarioError, format_validation_error, load_yaml
from povsim.scenarios import is_file
from povsim.schema.config import Scenario, load_scenario
from povsim.schema.params import switch_word

DESIGNS = ("grid", "lhs", "sobol", "morris")
DISTRIBUTIONS = {  # name: (required arguments, optional arguments)
    "uniform": (("low", "high"), ()),
    "loguniform": (("low", "high"), ()),
    "normal": (("mean", "sd"), ("low", "high")),
    "lognormal": (("median", "sigma"), ()),
    "triangular": (("low", "mode", "high"), ()),
}


#: quantiles an unbounded distribution's unit samples are kept within (Morris levels and Sobol
#: points can sit exactly at 0 or 1, where a normal's inverse CDF is infinite)
TAIL = 0.001


#: the most runs (design points x replicates) one sweep may hold: a billion-step grid or a
#: sampled design of 2^40 points is refused at load, naming the sweep file
MAX_RUNS = 10_000_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Distribution(_Strict):
    """A sampling distribution of one parameter (see the module docstring for the names)."""

    name: Literal["uniform", "loguniform", "normal", "lognormal", "triangular"]
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: PositiveFloat | None = None
    median: PositiveFloat | None = None
    sigma: PositiveFloat | None = None
    mode: float | None = None

    @model_validator(mode="after")
    def _arguments(self) -> Distribution:
        need, optional = DISTRIBUTIONS[self.name]
        given = {k for k in ("low", "high", "mean", "sd", "median", "sigma", "mode")
                 if getattr(self, k) is not None}
        missing = [k for k in need if k not in given]
        extra = sorted(given - set(need) - set(optional))
        if missing or extra:
            allowed = ", ".join(need + optional)
            problem = (f"needs {', '.join(missing)}" if missing
                       else f"does not take {', '.join(extra)}")
            raise ValueError(f"distribution {self.name!r} {problem} (arguments: {allowed})")
        lo = self.low if self.low is not None else float("-inf")
        hi = self.high if self.high is not None else float("inf")
        if not lo < hi:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.name == "loguniform" and lo <= 0:
            raise ValueError("loguniform needs 0 < low < high")
        if self.name == "triangular" and not lo <= self.mode <= hi:
            raise ValueError(f"mode ({self.mode}) must lie between low and high")
        return self


class ParameterSpec(_Strict):
    """How one parameter varies: listed ``values``, a uniform ``range`` or a ``distribution``."""

    values: list[Any] | None = Field(default=None, min_length=1)
    range: list[float] | None = Field(default=None, min_length=2, max_length=2)
    steps: int | None = Field(default=None, ge=2)
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ParameterSpec:
        kinds = [k for k in ("values", "range", "distribution") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give exactly one of values, range or distribution"
                             + (f" (got {', '.join(kinds)})" if kinds else ""))
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range must be [low, high] with low < high (got {list(self.range)})")
        if self.steps is not None and self.range is None:
            raise ValueError("steps goes with range (evenly spaced levels of a grid)")
        bad = [v for v in self.values or () if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            raise ValueError(f"values must be finite numbers (got {bad[0]})")
        if self.values is not None and len({repr(v) for v in self.values}) < len(self.values):
            raise ValueError(f"values are repeated: {self.values}")
        return self

    @property
    def sampled(self) -> bool:
        """True for a range or distribution (sampled by lhs/sobol/morris), False for values."""
        return self.values is None


class DesignSpec(_Strict):
    """The design: method, number of samples (sampled designs) and Morris levels."""

    method: Literal["grid", "lhs", "sobol", "morris"]
    samples: PositiveInt | None = None
    levels: int = Field(default=4, ge=2)
    seed: int | None = Field(default=None, ge=0)


class SweepSpec(_Strict):
    """A validated sweep file (see the module docstring)."""

    name: str = Field(pattern=SAFE_NAME)
    description: str = ""
    scenario: str
    seed: int = Field(default=1, ge=0)
    replicates: PositiveInt = 1
    scale: float = Field(default=1.0, ge=1.0)
    design: DesignSpec
    parameters: dict[str, ParameterSpec] = Field(min_length=1)

    @field_validator("parameters", mode="before")
    @classmethod
    def _switch_words(cls, v: Any) -> Any:
        # the programme switch's own words (YAML 1.2 reads on/off as text: povsim.base.inputs)
        if isinstance(v, dict):
            for key in ("programme", "policy.programme"):
                spec = v.get(key)
                if isinstance(spec, dict) and isinstance(spec.get("values"), list):
                    spec["values"] = [switch_word(x) for x in spec["values"]]
        return v
    outputs: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        d = self.design
        sampled = [p for p, s in self.parameters.items() if s.sampled]
        if d.method == "grid":
            for p, s in self.parameters.items():
                if s.distribution is not None:
                    raise ValueError(f"parameter {p!r}: a grid takes values or range with steps, "
                                     "not a distribution (use lhs, sobol or morris)")
                if s.range is not None and s.steps is None:
                    raise ValueError(f"parameter {p!r}: a range in a grid needs steps (the "
                                     "number of evenly spaced levels)")
            if d.samples is not None:
                raise ValueError("design.samples is for lhs, sobol and morris; a grid runs every "
                                 "combination of levels")
        else:
            if not sampled:
                raise ValueError(f"a {d.method} design needs at least one parameter with a "
                                 "range or a distribution")
            if d.samples is None:
                raise ValueError(f"design.samples is required for {d.method} (lhs: points; "
                                 "sobol: base N; morris: trajectories)")
            for p in sampled:
                if self.parameters[p].steps is not None:
                    raise ValueError(f"parameter {p!r}: steps is for grids only")
            if d.method == "sobol" and d.samples & (d.samples - 1):
                raise ValueError(f"design.samples must be a power of two for sobol (got "
                                 f"{d.samples}; e.g. {1 << max(d.samples - 1, 1).bit_length()})")
        runs = self.points * self.replicates
        if runs > MAX_RUNS:
            raise ValueError(f"the design has {self.points:,} points x {self.replicates} "
                             f"replicate(s) = {runs:,} runs; one sweep holds at most "
                             f"{MAX_RUNS:,} (fewer design.samples, steps or values)")
        from povsim.engine.recording import (
            ANNUAL_OUTPUTS,  # here: a bad file answers before numba loads
        )

        unknown = [o for o in self.outputs if o not in ANNUAL_OUTPUTS]
        if unknown:
            raise ValueError(f"unknown output {unknown[0]!r}; outputs are columns of the annual "
                             f"table: {', '.join(ANNUAL_OUTPUTS)}")
        if len(set(self.outputs)) < len(self.outputs):
            raise ValueError(f"outputs are repeated: {self.outputs}")
        return self

    @property
    def points(self) -> int:
        """The number of design points, counted before any is built: the level sets (every
        combination of listed values; for a grid, of ranges' steps too) times the points per
        set (lhs: samples; sobol: samples x (D + 2); morris: samples x (D + 1))."""
        sets = 1
        for s in self.parameters.values():
            if s.values is not None:
                sets *= len(s.values)
            elif s.steps is not None:
                sets *= s.steps
        d, k = self.design, len(self.sampled)
        per_set = {"grid": 1, "lhs": d.samples or 1, "sobol": (d.samples or 1) * (k + 2),
                   "morris": (d.samples or 1) * (k + 1)}[d.method]
        return sets * per_set

    @property
    def sampled(self) -> list[str]:
        """Parameters sampled by the design (range or distribution), in file order."""
        return [p for p, s in self.parameters.items() if s.sampled]

    @property
    def levels(self) -> list[str]:
        """Parameters with listed values (crossed with the design), in file order."""
        return [p for p, s in self.parameters.items() if not s.sampled]


class Sweep(BaseModel):
    """A loaded sweep: its spec, base scenario, source file and the file's hash."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    spec: SweepSpec
    scenario: Scenario
    path: str
    sha256: str

    def with_design(self, **changes: Any) -> Sweep:
        """A copy with design settings changed (validated), e.g. fewer Sobol samples for a
        quick look; the store records the design itself, so it tells the two apart.

        Example:
            >>> sw = load_sweep("scenarios/sweeps/xixiu_behaviour_sobol.yaml")
            >>> sw.with_design(samples=8).spec.design.samples
            8
        """
        data = self.spec.model_dump()
        data["design"].update(changes)
        try:
            spec = SweepSpec.model_validate(data)
        except ValidationError as err:
            raise ScenarioError(format_validation_error(self.path, err, model=SweepSpec)
                                ) from None
        return Sweep(spec=spec, scenario=self.scenario, path=self.path, sha256=self.sha256)


def load_sweep(path: str | Path) -> Sweep:
    """Load and validate a sweep file and its base scenario; raise a one-line ScenarioError.

    Besides the schema, every parameter path must exist in the scenario and its extreme values
    must give a valid scenario (checked with :meth:`Scenario.with_params`).

    Example:
        >>> sw = load_sweep("scenarios/sweeps/xixiu_pairing.yaml")
        >>> sw.scenario.name
        'xixiu'
    """
    p = Path(path)
    data, raw = load_yaml(p)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(p, err, model=SweepSpec)) from None
    scen_path = (p.parent / spec.scenario)
    if not is_file(scen_path):
        raise ScenarioError(f"{p}: field 'scenario': no scenario file {str(scen_path)!r} "
                            "(the path is relative to the sweep file)")
    sc = load_scenario(scen_path)
    for name, ps in spec.parameters.items():
        try:
            base = sc.get_param(name)
        except ScenarioError:
            try:  # the same one-line message as with_params, naming what is allowed
                sc.with_params({name: None})
            except ScenarioError as exc:
                raise ScenarioError(f"{p}: field 'parameters.{name}': "
                                    f"{str(exc).split(': ', 1)[1]}") from None
            raise
        if isinstance(base, dict | list):
            raise ScenarioError(f"{p}: field 'parameters.{name}': {name!r} is a group of "
                                "settings, not one value; name a single parameter inside it")
        for value in _extremes(ps, base):
            try:
                sc.with_params({name: value})
            except ScenarioError as exc:
                raise ScenarioError(f"{p}: field 'parameters.{name}': value {value!r} is not "
                                    f"valid for the scenario: {str(exc).split(': ', 1)[-1]}"
                                    ) from None
    return Sweep(spec=spec, scenario=sc, path=str(p), sha256=hashlib.sha256(raw).hexdigest())


def cast_like(value: Any, base: Any) -> Any:
    """``value`` in the type of the scenario's own ``base`` value (a sampled number rounded for
    a whole-number parameter; numpy scalars made Python ones).

    Example:
        >>> cast_like(2861.6, 2862), cast_like(0.5, 0.1), cast_like("optimal", "random")
        (2862, 0.5, 'optimal')
    """
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(base, bool) or not isinstance(value, int | float) or isinstance(value, bool):
        return value
    if isinstance(base, int):
        return round(value)
    if isinstance(base, float):
        return float(value)
    return value


def _extremes(ps: ParameterSpec, base: Any) -> list[Any]:
    """The values of a parameter spec worth validating: every listed value, or the smallest
    and largest value the design can draw (an unbounded normal or lognormal at the quantiles
    the design clips to) and the distribution's centre."""
    if ps.values is not None:
        return [cast_like(v, base) for v in ps.values]
    ends = [float(v) for v in from_unit(ps, np.array([0.0, 1.0]))]
    d = ps.distribution
    centre = [] if d is None else [v for v in (d.mode, d.mean, d.median) if v is not None]
    return [cast_like(v, base) for v in (*ends, *centre)]


def from_unit(ps: ParameterSpec, u: np.ndarray) -> np.ndarray:
    """Map unit-interval samples to a parameter's values (inverse CDF): the design's samples
    and the extremes a sampled parameter is validated at.

    Example:
        >>> ps = ParameterSpec(range=[0.0, 2.0])
        >>> from_unit(ps, np.array([0.0, 0.25, 1.0])).tolist()
        [0.0, 0.5, 2.0]
    """
    from scipy import stats

    if ps.range is not None:
        lo, hi = ps.range
        return lo + u * (hi - lo)
    d = ps.distribution
    if d.name == "uniform":
        return d.low + u * (d.high - d.low)
    if d.name == "loguniform":
        return np.exp(np.log(d.low) + u * (np.log(d.high) - np.log(d.low)))
    if d.name == "triangular":
        width = d.high - d.low
        return stats.triang(c=(d.mode - d.low) / width, loc=d.low, scale=width).ppf(u)
    if d.name == "lognormal":
        return d.median * np.exp(d.sigma * stats.norm.ppf(np.clip(u, TAIL, 1 - TAIL)))
    # normal, truncated to [low, high] where given
    lo = -np.inf if d.low is None else (d.low - d.mean) / d.sd
    hi = np.inf if d.high is None else (d.high - d.mean) / d.sd
    uu = u if (np.isfinite(lo) and np.isfinite(hi)) else np.clip(u, TAIL, 1 - TAIL)
    return stats.truncnorm(lo, hi, loc=d.mean, scale=d.sd).ppf(uu)
