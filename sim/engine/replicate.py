"""One run of a scenario: its model built, run month by month and released, and its tables.

The single run every other way of running builds on: :func:`povsim.experiments.runner.run_scenario`
(replicates, with and without the programme), :mod:`povsim.engine.batch` (many runs stacked into one
set of arrays, whose tables are a single run's bits) and the calibration's simulator.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> t = run_replicate(load_scenario("zhenbao"), 1, 0, scale=20)
    >>> t["annual"].columns[:2].tolist()
    ['replicate', 'year']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from povsim.engine.model import PovertyModel
from povsim.schema.config import Scenario


def run_replicate(scenario: Scenario, seed: int, replicate: int, scale: float = 1.0,
                  on_month=None, households: bool = False,
                  tables: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """Run one replicate and return its tables (each with a ``replicate`` column).

    ``on_month`` (optional) is called after every simulated month, e.g. to advance a progress bar.
    With ``households=True`` a ``households`` table is added: one row per simulated household
    with its village, size, whether registered / still poor at the end, its per-capita income in
    the identification (baseline) year (``pc_income_baseline``, yuan) and in the final year
    (``pc_income``, yuan); ``weight`` is the real households each one stands for.
    The same seed, replicate and scale give the same households (same order) under any policy,
    so two variants' tables can be compared row by row. ``tables`` (names of
    :attr:`PovertyModel.TABLES`) records and keeps only those, for a caller that reads no
    others.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> t = run_replicate(load_scenario("scenarios/xixiu.yaml"), 1, 0, scale=1000)
        >>> t["annual"]["year"].tolist()
        [2013, 2014, 2015, 2016, 2017]
    """
    model = PovertyModel(scenario, seed=seed, replicate=replicate, scale=scale, records=tables)
    while model.running:
        model.step()
        if on_month is not None:
            on_month()
    tables = model_tables(model, households, tables)
    model.release()  # its arrays are freed now (mesa 3.3 would keep the model alive)
    del model
    return own_tables(tables, replicate)


def model_tables(model: PovertyModel, households: bool = False,
                 names: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """A finished run's tables (:meth:`PovertyModel.tables`: every one, or ``names``), with the
    ``households`` table of :func:`run_replicate` if asked."""
    tables = model.tables(names)
    if households:
        hh = model.households
        tables["households"] = pd.DataFrame({
            "household": np.arange(hh.n), "village": hh.village, "size": hh.size,
            "registered": hh.registered, "poor": hh.poor,
            "pc_income_baseline": model.world.pc_income_baseline.astype(float),
            "pc_income": hh.pc_income_last.astype(float), "weight": model.k})
    return tables


#: a table of more rows than this is copied after its run's release (:func:`own_tables`)
OWN_COPY_ROWS = 10_000


def own_tables(tables: dict[str, pd.DataFrame], replicate: int) -> dict[str, pd.DataFrame]:
    """A released run's tables, each with a first ``replicate`` column; the large ones
    (more than :data:`OWN_COPY_ROWS` rows: a households table) copied.

    The tables were allocated among the model's arrays; a large one copied after its release
    sits in the memory just freed, so many replicates' households tables do not pin a growing
    heap. The small ones (a run's years or months) are kept as made: copying them cost a
    calibration's thousands of runs more than they pin."""
    tables = {name: df.copy(deep=True) if len(df) > OWN_COPY_ROWS else df
              for name, df in tables.items()}
    for df in tables.values():
        df.insert(0, "replicate", replicate)
    return tables
