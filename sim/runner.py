"""Run a scenario for several replicates and collect the results.

Replicate ``r`` of seed ``s`` always uses the streams of ``SeedSequence(s, spawn_key=(r,))``, so
results do not depend on the order in which replicates run or on how many workers run them.

Example:
    >>> from povsim.config import load_scenario
    >>> res = run_scenario(load_scenario("scenarios/xixiu.yaml"), seed=1, replicates=2,
    ...                    scale=500, progress=False)
    >>> sorted(res.annual["replicate"].unique().tolist())
    [0, 1]
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd

from povsim.batch import run_batches
from povsim.config import Scenario, source_counts
from povsim.model import PovertyModel
from povsim.progress import month_bar
from povsim.results import NO_PROGRAMME, Results
from povsim.world import simulated_households


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
        >>> from povsim.config import load_scenario
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


#: fewer simulated households than this (or than the scenario has) and a run is mostly chance
MIN_HOUSEHOLDS = 100


def size_warnings(sc: Scenario, scale: float, replicates: int | None = None,
                  paired: bool = False) -> list[str]:
    """Warnings for a valid run whose outputs would mean little: too few simulated households
    for the scale, or one replicate where paired intervals need two.

    Example:
        >>> from povsim.config import load_scenario
        >>> size_warnings(load_scenario("zhenbao"), 1000.0)[0][:44]
        '--scale 1000 leaves 1 simulated household of'
        >>> size_warnings(load_scenario("xixiu"), 10.0, replicates=2, paired=True)
        []
    """
    total = sc.population.total_households.value
    n = simulated_households(sc, scale)
    out = []
    if n < min(MIN_HOUSEHOLDS, total):
        keep = max(1, total // MIN_HOUSEHOLDS)
        out.append(f"--scale {scale:g} leaves {n} simulated household{'s' * (n != 1)} of "
                   f"{total:,} in {sc.name}: its outcomes are mostly chance (--scale {keep} or "
                   f"less keeps {min(MIN_HOUSEHOLDS, total)})")
    if paired and replicates is not None and replicates < 2:
        out.append("--replicates 1: a paired interval needs two replicates; the intervals "
                   "are left empty (NaN)")
    return out


def outcome_warnings(res: Results) -> list[str]:
    """Warnings for a finished run whose outputs are defined but degenerate: no household
    registered poor in any run (incidence stays 0, nobody is paired or lifted out, and the
    cost per person lifted out is NaN).

    Example:
        >>> import pandas as pd
        >>> a = pd.DataFrame({"stage": ["baseline"], "registered_households": [0.0]})
        >>> outcome_warnings(Results(None, {"annual": a}))[0][:32]
        'no household was registered poor'
    """
    a = res.tables["annual"]
    base = a[a["stage"] == "baseline"]
    if len(base) and float(base["registered_households"].max()) == 0.0:
        return ["no household was registered poor at identification in any run (every "
                "baseline income above the line): incidence is 0, nobody is paired or lifted "
                "out, and the cost per person lifted out is undefined (NaN)"]
    return []


def run_scenario(scenario: Scenario, seed: int = 1, replicates: int = 1, scale: float = 1.0,
                 progress: bool = True, draws: list[dict[str, float]] | None = None,
                 counterfactual: bool = False) -> Results:
    """Run ``replicates`` replicates of a scenario (serially; small runs in batches,
    :func:`povsim.batch.run_batches`, each exactly as alone) and return a :class:`Results`.

    With posterior ``draws`` (parameter values by path) the scenario runs under each draw for
    ``replicates`` replicates: run ``j = d x replicates + r`` is column ``replicate`` of every
    table (``draw`` = d in the annual table), so bands over runs include parameter uncertainty.

    With ``counterfactual`` (``povsim run`` sets it), the same runs (seeds, replicates, draws:
    common random numbers) also run with the programme off (``policy.programme: off``), their
    annual table kept as ``annual_no_programme``: :meth:`Results.summary` then shows, beside
    each outcome, what happens without the programme and the programme's effect. A scenario
    whose programme is already off has none.

    The wall time and the process's peak resident memory so far (``getrusage`` maxrss) are
    recorded in ``results.run_info``.

    Example:
        >>> from povsim.config import load_scenario
        >>> r = run_scenario(load_scenario("scenarios/xixiu.yaml"), replicates=1, scale=1000,
        ...                  progress=False)
        >>> r.run_info["replicates"]
        1
    """
    months = 12 * (scenario.end_year - scenario.start_year + 2)
    n_draws = len(draws) if draws else 1
    counterfactual = counterfactual and scenario.policy.programme
    bar = month_bar(months * replicates * n_draws * (2 if counterfactual else 1),
                    f"{scenario.name} x{replicates}" + (f" x{n_draws} draws" if draws else ""),
                    progress)
    t0 = time.perf_counter()
    # run j = d x replicates + r; runs at calibration scale go in batches (povsim.batch)
    params = [draws[d] if draws else {} for d in range(n_draws) for _ in range(replicates)]
    parts = run_batches(scenario, params, [seed] * len(params), list(range(len(params))),
                        scale, on_month=bar.update)
    # the same runs without the programme: replicate j draws from the same streams
    off = (run_batches(scenario.with_params({"programme": False}), params, [seed] * len(params),
                       list(range(len(params))), scale, on_month=bar.update)
           if counterfactual else [])
    if draws:
        for j, part in enumerate(parts + off):
            part["annual"].insert(1, "draw", (j % len(parts)) // replicates)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin"
                                                                 else 1024)
    bar.close()
    tables = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
    if off:
        tables[NO_PROGRAMME] = pd.concat([p["annual"] for p in off], ignore_index=True)
    info = {"seed": int(seed), "replicates": int(replicates), "scale": float(scale),
            "posterior_draws": n_draws if draws else 0,
            "counterfactual": "no programme" if off else None,
            # parameters by kind of source: how many are calibrated, how many not yet
            "parameters": source_counts(scenario),
            "wall_seconds": round(wall, 3), "peak_rss_bytes": peak}
    return Results(scenario=scenario, tables=tables, run_info=info)
