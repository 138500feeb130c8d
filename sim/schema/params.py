"""The annotated parameter every scenario field is: a value with its unit and source, and its
typed kinds (counts, probabilities, amounts, years, monthly profiles, yearly series); the names
the sections share (cadre kinds, specialties, partner kinds, industries).

Example:
    >>> from povsim.schema.params import Amount
    >>> Amount(value=2.5, unit="mu", source="assumed").value
    2.5
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    field_validator,
)

T = TypeVar("T")
#: a probability or share
Prob01 = Annotated[float, Field(ge=0.0, le=1.0)]

SOURCE_PREFIXES = ("figure:", "derived:", "cited:", "assumed", "to calibrate", "calibrated")

CADRE_KINDS = (
    "first_secretary",
    "village_help_secretary",
    "paired_cadre",
    "commando",
    "task_team",
    "resident_cadre",
    "expert",
)
SPECIALTIES = ("farming", "jobs", "health", "finance", "general")
PARTNER_KINDS = ("enterprise", "government_unit", "organisation", "industrial_zone")
#: main industry of a village, and of a partner that buys one industry's produce
INDUSTRIES = ("crops", "livestock", "forestry", "tourism", "trade")

# poor-village exit threshold by region (2016 poverty-exit mechanism: incidence below 2%, 3% in
# the western provinces); the scenario's village_exit_threshold must agree with its region
EXIT_THRESHOLD = {"western": 0.03, "other": 0.02}


class _Strict(BaseModel):
    # strict: no coercion, so a YAML boolean or a quoted number is a wrong type, not 1 or 3.0
    # each field's docstring is its description (the ODD's parameter tables are generated from
    # them: povsim.schema.paramdoc)
    # finite: a NaN or infinity in any number is refused (a schema that means one says so)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              use_attribute_docstrings=True, allow_inf_nan=False)


class Param(_Strict, Generic[T]):
    """One annotated parameter: its value, unit and source.

    Example:
        >>> Param[int](value=3, unit="people", source="assumed").value
        3
    """

    value: T
    unit: str
    source: str
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, v: str) -> str:
        if not v.strip().lower().startswith(SOURCE_PREFIXES):
            raise ValueError(f"source must start with one of {', '.join(SOURCE_PREFIXES)}")
        return v


# The parameter kinds are named subclasses (not bare ``Param[...]`` aliases) so that a scenario
# pickles with the standard library (multiprocessing, Dask, ``mesa.batch_run``): pickle finds a
# class by its name in its module.
def switch_word(v: Any) -> Any:
    """A switch's own words, ``on`` and ``off``, as true and false (YAML 1.2 reads them as text:
    :mod:`povsim.base.inputs`); anything else as it is.

    Example:
        >>> switch_word("off"), switch_word(True), switch_word("random")
        (False, True, 'random')
    """
    return {"on": True, "off": False}.get(v, v) if isinstance(v, str) else v


def value_or(param: Param | None, default: float = 0.0) -> Any:
    """The value of an optional parameter, ``default`` where the scenario leaves it out.

    Example:
        >>> value_or(None), value_or(Param[float](value=2.5, unit="u", source="assumed"))
        (0.0, 2.5)
    """
    return default if param is None else param.value


class Count(Param[NonNegativeInt]):
    """A count (>= 0)."""


class PosCount(Param[PositiveInt]):
    """A count (>= 1)."""


class Prob(Param[Prob01]):
    """A probability or share (0..1)."""


class Amount(Param[NonNegativeFloat]):
    """A non-negative amount."""


class Positive(Param[PositiveFloat]):
    """A positive amount."""


class Real(Param[float]):
    """Any real number."""


class Year(Param[Annotated[int, Field(ge=1949, le=2100)]]):
    """A calendar year."""


def _not_all_zero(v: list[float]) -> list[float]:
    if sum(v) <= 0:
        raise ValueError("the twelve monthly weights must not all be zero (they are normalised "
                         "to shares of the year)")
    return v


class Monthly12(Param[Annotated[list[NonNegativeFloat], Field(min_length=12, max_length=12),
                               AfterValidator(_not_all_zero)]]):
    """Twelve monthly weights (January first), not all zero."""


class Series(_Strict):
    """A yearly parameter series, such as the poverty line (year -> value)."""

    values: dict[Annotated[int, Field(strict=False)], PositiveFloat]  # "2014": also read as 2014
    """value by year"""
    unit: str
    """unit of the values"""
    source: str
    """where the values come from"""
