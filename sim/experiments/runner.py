"""Run a scenario for several replicates and collect the results.

Replicate ``r`` of seed ``s`` always uses the streams of ``SeedSequence(s, spawn_key=(r,))``, so
results do not depend on the order in which replicates run or on how many workers run them.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> res = run_scenario(load_scenario("scenarios/xixiu.yaml"), seed=1, replicates=2,
    ...                    scale=500, progress=False)
    >>> sorted(res.annual["replicate"].unique().tolist())
    [0, 1]
"""

from __future__ import annotations

import resource
import sys
import time

import pandas as pd

from povsim.engine.batch import run_batches
from povsim.engine.world import simulated_households
from povsim.reporting.progress import month_bar
from povsim.reporting.results import NO_PROGRAMME, Results
from povsim.schema.config import Scenario, source_counts

#: fewer simulated households than this (or than the scenario has) and a run is mostly chance
MIN_HOUSEHOLDS = 100


def size_warnings(sc: Scenario, scale: float, replicates: int | None = None,
                  paired: bool = False) -> list[str]:
    """Warnings for a valid run whose outputs would mean little: too few simulated households
    for the scale, or one replicate where paired intervals need two.

    Example:
        >>> from povsim.schema.config import load_scenario
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
    :func:`povsim.engine.batch.run_batches`, each exactly as alone) and return a :class:`Results`.

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
        >>> from povsim.schema.config import load_scenario
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
    # run j = d x replicates + r; runs at calibration scale go in batches (povsim.engine.batch)
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
