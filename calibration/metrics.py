"""Simulated metrics that reported figures are compared with, one value per replicate.

A target in ``calibration/targets.yaml`` names a metric, a year and optionally a month. The metric
is either a column of the ``annual`` table (read at that year) or one of the derived metrics in
:data:`METRICS`; ``name:argument`` metrics take an argument (a collective-economy model, a crop).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> from povsim.experiments.runner import run_scenario
    >>> res = run_scenario(load_scenario("scenarios/xixiu.yaml"), replicates=2, scale=1000,
    ...                    progress=False)
    >>> v = metric_values(res, "incidence_percent", 2017)
    >>> len(v), bool(((v >= 0) & (v <= 100)).all())
    (2, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import pandas as pd

from povsim.calibration.registry import Registry, load_registry


class RunTables(Protocol):
    """What a metric reads of a run's results (:class:`povsim.reporting.results.Results` has it):
    its tables by replicate and its scenario. A protocol, not the class, so that the results, which
    draw the reported figures on their plots (:func:`figures_on`), may use this module."""

    annual: pd.DataFrame
    monthly: pd.DataFrame
    collectives: pd.DataFrame
    crops: pd.DataFrame
    scenario: Any

#: the tables a metric reads (a run made for its metrics alone need keep no others)
METRIC_TABLES = ("annual", "monthly", "collectives", "crops")


def _at(table: pd.DataFrame, column: str, **where) -> pd.Series:
    """``column`` (as float) of the rows of ``table`` where each column named in ``where``
    holds its value, indexed by ``replicate``: what ``table[mask].set_index("replicate")
    [column].astype(float)`` gives, without pandas' overhead (a calibration reads a few figures
    of each of thousands of runs).

    Example:
        >>> t = pd.DataFrame({"replicate": [0, 0, 1], "year": [1, 2, 2], "x": [5, 6, 7]})
        >>> _at(t, "x", year=2).to_dict()
        {0: 6.0, 1: 7.0}
    """
    mask = np.ones(len(table), bool)
    for name, value in where.items():
        mask &= table[name].to_numpy() == value
    return pd.Series(table[column].to_numpy()[mask].astype(float), name=column,
                     index=pd.Index(table["replicate"].to_numpy()[mask], name="replicate"))


def _annual_at(res: RunTables, column: str, year: int) -> pd.Series:
    return _at(res.annual, column, year=year)


def _first_year(res: RunTables) -> int:
    return int(res.annual["year"].min())


def _reduction(column: str) -> Callable:
    def f(res: RunTables, year: int, month: int | None, arg: str | None) -> pd.Series:
        return _annual_at(res, column, _first_year(res)) - _annual_at(res, column, year)
    f.__doc__ = f"{column} at identification (end of the baseline year) minus {column} at year"
    return f


def _percent(column: str) -> Callable:
    def f(res: RunTables, year: int, month: int | None, arg: str | None) -> pd.Series:
        return 100.0 * _annual_at(res, column, year)
    f.__doc__ = f"{column} in percent"
    f.annual = (column, 0.01)  # the annual column read, and the factor from percent to it
    return f


def _county_exit(res: RunTables, year: int, month: int | None, arg: str | None) -> pd.Series:
    """1 when incidence is below the scenario's exit threshold at year, else 0."""
    threshold = res.scenario.village_exit_threshold.value
    return (_annual_at(res, "incidence", year) < threshold).astype(float)


def _year_no_poor(res: RunTables, year: int, month: int | None, arg: str | None) -> pd.Series:
    """First programme year (up to year) ending with no poor household; NaN if none."""
    a = res.annual[(res.annual["year"] <= year) & (res.annual["stage"] == "programme")]
    out = {}
    for rep, g in a.groupby("replicate"):
        done = g.loc[g["poor_households"] <= 0, "year"]
        out[rep] = float(done.min()) if len(done) else np.nan
    return pd.Series(out, dtype=float)


def censored(values, target):
    """A figure's simulated ``values`` (array or Series) with a year never reached read as the
    year after the figure's: ``year_no_poor`` is NaN where poor households remain by then, and
    the fit, the targets table and the reports read that as "not by then" (``year + 1``), not as
    a missing run. Other metrics are returned as they are.

    Example:
        >>> from types import SimpleNamespace as N
        >>> censored(np.array([2019.0, np.nan]), N(metric="year_no_poor", year=2021)).tolist()
        [2019.0, 2022.0]
    """
    if target.metric != "year_no_poor":
        return values
    if isinstance(values, pd.Series):
        return values.fillna(float(target.year + 1))
    values = np.asarray(values, float)
    return np.where(np.isnan(values), float(target.year + 1), values)


def _monthly(column: str) -> Callable:
    def f(res: RunTables, year: int, month: int | None, arg: str | None) -> pd.Series:
        return _at(res.monthly, column, year=year, month=month or 12)
    f.__doc__ = f"{column} of the monthly table at (year, month; December if no month)"
    return f


def _collective_per_village(res: RunTables, year: int, month: int | None,
                            arg: str | None) -> pd.Series:
    """Total revenue per village of collective-economy model ``arg`` at year."""
    return _at(res.collectives, "revenue_total_per_village", year=year, model=arg)


def _crop_income_per_mu(res: RunTables, year: int, month: int | None, arg: str | None) -> pd.Series:
    """Net income per mu of crop ``arg`` at year."""
    return _at(res.crops, "income_per_mu", year=year, crop=arg)


#: Derived metrics: name -> function(results, year, month, argument) -> values by replicate.
METRICS: dict[str, Callable] = {
    "incidence_percent": _percent("incidence"),
    "income_poverty_percent": _percent("income_poor_share"),
    "hollow_village_percent": _percent("hollow_village_share"),
    "poor_households_reduction": _reduction("poor_households"),
    "poor_people_reduction": _reduction("poor_people"),
    "county_exit": _county_exit,
    "year_no_poor": _year_no_poor,
    "labour_transferred_cumulative": _monthly("labour_transferred_cumulative"),
    "collective_revenue_per_village": _collective_per_village,
    "crop_income_per_mu": _crop_income_per_mu,
    "income_median_over_mean": lambda res, year, month, arg: (
        _annual_at(res, "income_median", year) / _annual_at(res, "income_mean", year)),
}


def annual_equivalent(metric: str) -> tuple[str, float] | None:
    """The annual column a metric reads at one year, and the factor from the metric's value to
    the column's; None for a metric that is not one annual column read at one year.

    Example:
        >>> annual_equivalent("incidence_percent"), annual_equivalent("income_mean")
        (('incidence', 0.01), ('income_mean', 1.0))
        >>> annual_equivalent("year_no_poor") is None
        True
    """
    if metric in METRICS:
        return getattr(METRICS[metric], "annual", None)
    from povsim.engine.recording import ANNUAL_OUTPUTS

    return (metric, 1.0) if metric in ANNUAL_OUTPUTS else None


def metric_values(res: RunTables, metric: str, year: int, month: int | None = None) -> pd.Series:
    """Values of ``metric`` at ``year`` (and ``month``), one per replicate.

    Raises KeyError naming the known metrics if ``metric`` is neither derived nor an annual column.
    """
    name, _, arg = metric.partition(":")
    if name in METRICS:
        return METRICS[name](res, year, month, arg or None)
    if name in res.annual.columns:
        return _annual_at(res, name, year)
    known = [*sorted(METRICS), "<any annual column>"]
    raise KeyError(f"unknown metric {metric!r}; known: {', '.join(known)}")


def figures_on(column: str, case: str, registry: Registry | None = None) -> list[dict]:
    """The case's calibration and validation figures that read the annual ``column`` at one
    year, in the column's stored units: what a run plot draws beside the simulation.

    Each item has ``id``, ``quantity``, ``role``, ``year``, ``value``, ``tolerance`` and
    ``comparison``.

    Example:
        >>> [f["id"] for f in figures_on("incidence", "xixiu")]
        ['xixiu.poverty_incidence_start', 'xixiu.poverty_incidence_end']
        >>> round(figures_on("incidence", "xixiu")[1]["value"], 6)
        0.0145
    """
    reg = registry or load_registry()
    out = []
    for f in reg.for_case(case, roles=("calibration", "validation")):
        eq = annual_equivalent(f.target.metric)
        if eq is None or eq[0] != column or f.target.month not in (None, 12):
            continue
        out.append({"id": f.id, "quantity": f.quantity, "role": f.role, "year": f.target.year,
                    "value": f.value * eq[1], "tolerance": f.target.tolerance * eq[1],
                    "comparison": f.target.comparison})
    return out
