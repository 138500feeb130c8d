"""Priors of the ``to calibrate`` parameters (``calibration/priors.yaml``), matched to a scenario.

Each entry of the file names a dotted parameter path (``*`` for any list item), its scope
(``shared``: how people act, one value across cases in a joint fit; ``case``: a case's
circumstances), a distribution (``uniform`` or ``loguniform`` on ``[low, high]``) and why.
:func:`scenario_priors` gives, for one scenario, the prior of every parameter it marks
``to calibrate``; a parameter without a prior, a prior that leaves out the scenario's starting
value, or a malformed entry is a one-line :class:`~povsim.base.errors.ScenarioError`.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> priors = scenario_priors(load_scenario("zhenbao"))
    >>> p = priors["population.registration_error_sigma"]
    >>> p.dist, p.low, p.high, p.scope
    ('uniform', 0.02, 0.25, 'shared')
    >>> round(float(p.ppf(0.5)), 3)
    0.135
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from scipy import stats

from povsim.base.inputs import ScenarioError, format_validation_error, load_yaml
from povsim.schema.config import Scenario, parameter_sources

PRIORS_YAML = Path(__file__).with_name("priors.yaml")
CALIBRATE = ("to calibrate", "calibrated")  # sources of the parameters a fit estimates


class PriorEntry(BaseModel):
    """One entry of ``priors.yaml``."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    path: str
    scope: Literal["shared", "case"]
    dist: Literal["uniform", "loguniform"]
    low: float
    high: float
    why: str

    @model_validator(mode="after")
    def _bounds(self) -> PriorEntry:
        if not (np.isfinite(self.low) and np.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"{self.path}: needs finite low < high (got {self.low}, "
                             f"{self.high})")
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError(f"{self.path}: a loguniform prior needs low > 0 (got {self.low})")
        if not self.why.strip():
            raise ValueError(f"{self.path}: say why (field 'why')")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    priors: list[PriorEntry]


@dataclass(frozen=True)
class Prior:
    """The prior of one parameter of one scenario (a path without ``*``)."""

    path: str
    scope: str
    dist: str
    low: float
    high: float
    why: str
    start: float  # the scenario's starting value

    @property
    def rv(self):
        """The frozen scipy distribution."""
        if self.dist == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        return stats.loguniform(self.low, self.high)

    def ppf(self, q):
        """Quantiles (maps uniforms in [0, 1] onto the prior, e.g. for a design)."""
        return self.rv.ppf(q)

    @property
    def integer(self) -> bool:
        """Whether the parameter is a count (its starting value an integer)."""
        return isinstance(self.start, int) and not isinstance(self.start, bool)


@lru_cache(maxsize=4)
def load_priors(path: str | Path = PRIORS_YAML) -> tuple[PriorEntry, ...]:
    """The entries of a priors file, validated (one-line error on any problem)."""
    data, _ = load_yaml(path)
    try:
        parsed = _File.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(str(path), err, _File)) from None
    seen: set[str] = set()
    for i, e in enumerate(parsed.priors):
        if e.path in seen:
            raise ScenarioError(f"{path}: field 'priors.{i}.path': duplicated path {e.path!r}")
        seen.add(e.path)
    return tuple(parsed.priors)


def calibrated_paths(sc: Scenario) -> dict[str, float]:
    """Every parameter the scenario marks ``to calibrate`` (or ``calibrated``, by an earlier
    fit that a new one may redo): dotted path (list items by index) -> starting value.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> "population.labourers_share" in calibrated_paths(load_scenario("xixiu"))
        True
    """
    return {path: value for path, (value, src) in parameter_sources(sc).items()
            if src.strip().lower().startswith(CALIBRATE)}


def path_pattern(path: str) -> str:
    """A priors-file path as an fnmatch pattern over index paths (``*`` = one list index).

    Example:
        >>> path_pattern("cadre_groups.*.effectiveness")
        'cadre_groups.[0-9]*.effectiveness'
    """
    return ".".join("[0-9]*" if part == "*" else part for part in path.split("."))


def scenario_priors(sc: Scenario, path: str | Path = PRIORS_YAML) -> dict[str, Prior]:
    """The prior of every ``to calibrate`` parameter of ``sc``, by dotted path."""
    entries = load_priors(str(path))
    where = sc._path or sc.name
    out: dict[str, Prior] = {}
    for p, start in calibrated_paths(sc).items():
        hits = [e for e in entries if fnmatch.fnmatchcase(p, path_pattern(e.path))
                and len(p.split(".")) == len(e.path.split("."))]
        if not hits:
            raise ScenarioError(f"{where}: parameter {p!r} is 'to calibrate' but {path} has no "
                                "prior for it; add one (path, scope, dist, low, high, why)")
        e = hits[0]
        if not (e.low <= float(start) <= e.high):
            raise ScenarioError(f"{path}: prior of {e.path!r} [{e.low:g}, {e.high:g}] leaves out "
                                f"{where}'s starting value {start} of {p!r}")
        out[p] = Prior(p, e.scope, e.dist, e.low, e.high, " ".join(e.why.split()), start)
    return out
