"""The reported-figure registry: the project's copy of every figure the case reports give.

``calibration/reported_figures.csv`` is a copy of ``../shared/reported_figures.csv`` (id, case,
seed file, quantity, value, unit, period, kind, suggested role, quote, note). Scenario files cite
its ids (``source: "figure: xixiu.villages"``); the loader checks that every cited id exists.

Example:
    >>> figs = load_figures()
    >>> float(figs.loc["xixiu.poverty_incidence_start", "value"])
    9.13
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pandas as pd

FIGURES_CSV = Path(__file__).with_name("reported_figures.csv")


def load_figures(path: str | Path = FIGURES_CSV) -> pd.DataFrame:
    """The registry as a DataFrame indexed by figure id.

    Example:
        >>> load_figures().loc["xixiu.villages", "unit"]
        'villages'
    """
    return pd.read_csv(path).set_index("id")


@lru_cache(maxsize=4)
def figure_ids(path: str | Path = FIGURES_CSV) -> frozenset[str]:
    """The set of known figure ids (read once).

    Example:
        >>> "xixiu.first_secretaries" in figure_ids()
        True
    """
    with open(path, newline="", encoding="utf-8") as fh:
        return frozenset(row["id"] for row in csv.DictReader(fh))
