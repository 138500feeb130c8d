"""The validated figure registry (``calibration/targets.yaml``): every reported figure, its role.

Each entry carries the figure's id, case, value, unit, period, role (``input``, ``calibration``,
``validation``, ``context``), quote and seed file; calibration and validation figures also carry
a ``target`` saying which simulated metric, in which year, they are compared with. Loading checks
the file: a missing or duplicated id, an unknown role, kind or unit, or a calibration/validation
figure without a target is a one-line :class:`povsim.base.errors.ScenarioError`.

Example:
    >>> reg = load_registry()
    >>> reg["xixiu.poverty_incidence_end"].value, reg["xixiu.poverty_incidence_end"].role
    (1.45, 'calibration')
    >>> [f.id for f in reg.for_case("yushu", roles=("validation",))]
    ['yushu.poverty_exit_goal']
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from povsim.base.inputs import ScenarioError, format_validation_error, load_yaml
from povsim.scenarios import CASES

REGISTRY_YAML = Path(__file__).with_name("targets.yaml")
ROLES = ("input", "calibration", "validation", "context")
KINDS = ("structure", "intervention", "outcome", "context")
# every unit a figure may be given in (the shared CSV's vocabulary)
UNITS = (
    "people", "households", "villages", "townships", "percent", "person-times", "sessions",
    "yuan", "yuan per year", "yuan per village per year", "yuan per person per year",
    "yuan per mu per year", "mu", "projects", "enterprises", "units", "organisations", "models",
    "flag", "zones", "problems", "cooperatives", "groups", "year", "varieties",
    "ratio",  # a public statistic's (calibration/anchors.yaml), not the shared CSV's
)


class Target(BaseModel):
    """How a calibration or validation figure is compared with the simulation."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
    metric: str
    year: int = Field(ge=1949, le=2100)
    month: int | None = Field(default=None, ge=1, le=12)
    comparison: Literal["equal", "at_least", "at_most"] = "equal"
    precision: float = Field(ge=0.0)
    tolerance: float | None = Field(default=None, gt=0.0)
    """how far (in the figure's unit) a simulated value may be from the reported one and still
    fit: the calibration distance divides each gap by tolerance + the model's run-to-run sd
    (required for calibration and validation figures)"""
    how: str | None = None

    def within(self, reported: float, simulated: float) -> bool:
        """Whether ``simulated`` matches ``reported`` under the comparison and precision.

        Example:
            >>> Target(metric="x", year=2017, precision=0.005).within(1.45, 1.452)
            True
            >>> Target(metric="x", year=2017, comparison="at_least", precision=0.5).within(80, 79)
            False
        """
        if simulated != simulated:  # NaN
            return False
        if self.comparison == "at_least":
            return simulated >= reported - self.precision
        if self.comparison == "at_most":
            return simulated <= reported + self.precision
        return abs(simulated - reported) <= self.precision


class Figure(BaseModel):
    """One reported figure."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")
    case: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """a bundled case, or the case of a scenario that brings its own figures file"""
    seed_file: str
    """the report the figure is quoted from (a file of shared/seeds for the bundled cases)"""
    quantity: str
    value: float
    unit: Literal[UNITS]  # type: ignore[valid-type]
    period: str
    kind: Literal[KINDS]  # type: ignore[valid-type]
    role: Literal[ROLES]  # type: ignore[valid-type]
    suggested_role: Literal[ROLES] | None = None  # type: ignore[valid-type]
    """the shared figures file's suggestion (bundled cases); a role differing needs a reason"""
    role_reason: str | None = None
    target: Target | None = None
    quote: str
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Figure:
        if not self.id.startswith(self.case + "."):
            raise ValueError(f"id {self.id!r} must start with its case {self.case!r}")
        if self.suggested_role and self.role != self.suggested_role and not self.role_reason:
            raise ValueError(f"role {self.role!r} differs from suggested_role "
                             f"{self.suggested_role!r}: give a role_reason")
        if self.role in ("calibration", "validation") and self.target is None:
            raise ValueError(f"a {self.role} figure needs a target (metric, year, precision)")
        if self.role in ("calibration", "validation") and self.target.tolerance is None:
            raise ValueError(f"a {self.role} figure needs target.tolerance (in its unit)")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    figures: list[Figure]


class Registry:
    """The figures by id, in file order.

    Example:
        >>> len(load_registry()) >= 83
        True
    """

    def __init__(self, figures: list[Figure], path: str = "",
                 origin: dict[str, str] | None = None):
        self.path = path
        self.figures = {f.id: f for f in figures}
        #: the file each figure was read from
        self.origin = origin or dict.fromkeys(self.figures, str(path))

    def __getitem__(self, fid: str) -> Figure:
        return self.figures[fid]

    def __contains__(self, fid: str) -> bool:
        return fid in self.figures

    def __len__(self) -> int:
        return len(self.figures)

    def __iter__(self):
        return iter(self.figures.values())

    def for_case(self, case: str, roles: tuple[str, ...] = ROLES) -> list[Figure]:
        """The figures of one case with one of ``roles``, in file order."""
        return [f for f in self if f.case == case and f.role in roles]

    def value(self, fid: str) -> float:
        """The reported value of figure ``fid``."""
        return self.figures[fid].value

    def merged(self, other: Registry) -> Registry:
        """This registry and ``other``'s figures; an id in both is a one-line error.

        Example:
            >>> reg = load_registry()
            >>> len(reg.merged(Registry([], "empty.yaml"))) == len(reg)
            True
        """
        for fid in other.figures:
            if fid in self.figures:
                raise ScenarioError(f"{other.path}: figure id {fid!r} is already in "
                                    f"{self.path or 'the registry'}; choose another id")
        return Registry([*self, *other], self.path, {**self.origin, **other.origin})


def load_registry(path: str | Path = REGISTRY_YAML) -> Registry:
    """Load and validate the registry; one-line :class:`ScenarioError` on any problem.

    Example:
        >>> load_registry()["xixiu.villages"].unit
        'villages'
    """
    return _load(str(path))


@lru_cache(maxsize=4)
def _load(path: str) -> Registry:
    data, _ = load_yaml(path)
    try:
        parsed = _File.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(path, err, _File)) from None
    seen: set[str] = set()
    for i, f in enumerate(parsed.figures):
        if f.id in seen:
            raise ScenarioError(f"{path}: field 'figures.{i}.id': duplicated id {f.id!r}; "
                                "every figure appears once")
        seen.add(f.id)
    unknown = [f for f in parsed.figures if f.case not in CASES]
    if Path(path) == REGISTRY_YAML and unknown:
        raise ScenarioError(f"{path}: figure {unknown[0].id!r}: case {unknown[0].case!r} is not "
                            f"bundled; known: {', '.join(CASES)}")
    return Registry(parsed.figures, path)
