"""Up-front estimates of a command's memory and run time, checked before any work.

A scenario with a trillion households, a billion villages or a hundred million cadres, or
``--replicates 1000000000000``, is valid YAML and a valid number, but would end in a
multi-terabyte allocation or run for ever. The command line estimates both from everything a
run allocates and steps (households, villages and their collectives, cadres, partners, the
partners' pairing matrices, the labour market's table of jobs by chunk and employer), and
refuses a run whose memory exceeds this machine's or whose time exceeds :data:`MAX_SECONDS`,
with the estimate and the limit in one line; ``--force`` runs it anyway.

The rates are measured on this project's benchmarks (README, Performance; issue 29 for the
agents other than households) and rounded up:

- memory: :data:`BYTES_PER_HOUSEHOLD` per simulated household (430 measured at a million,
  issue 18), :data:`BYTES_PER_VILLAGE` per village with its collective (510 measured),
  :data:`BYTES_PER_CADRE` per simulated cadre (400), :data:`BYTES_PER_PARTNER` per partner and
  :data:`BYTES_PER_PAIR` per entry of a partner group's pairing matrix (partners x the villages
  it pairs: 4,370 measured per partner pairing 131 villages), 8 per entry of the labour
  market's jobs table, and :data:`BYTES_PER_RUN` for a run's own state, on top of
  :data:`BASE_BYTES` for the process and its libraries (about 300 MiB measured);
- time: :data:`NS_PER_HOUSEHOLD_MONTH` per household and month (120-195 ns measured on one
  core) and per village, cadre and partner and month (:data:`NS_PER_AGENT_MONTH`: 270, 130
  and 440 ns measured), one run after another unless the runs are spread over workers.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> e = estimate(load_scenario("xixiu"), scale=1.0, runs=8)
    >>> e.households, e.villages, round(e.seconds)
    (155000, 182, 15)
    >>> check(e) is None
    True
    >>> huge = load_scenario("xixiu").with_params({"villages.count": 10**9})
    >>> check(estimate(huge, scale=1.0, runs=1), memory=2**35)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    povsim.base.errors.ScenarioError: ... (1,000,000,000 villages, ...) ... needs about 726.9 GiB...
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from povsim.base.inputs import ScenarioError

BYTES_PER_HOUSEHOLD = 600
BYTES_PER_VILLAGE = 700
BYTES_PER_CADRE = 600
BYTES_PER_PARTNER = 2000
BYTES_PER_PAIR = 48
BASE_BYTES = 400 * 2**20
#: a run's own state whatever its size: scenario, Mesa model, submodels, tables (1.9 MB measured)
BYTES_PER_RUN = 16 * 2**20
NS_PER_HOUSEHOLD_MONTH = 200
#: per village (with its collective), per simulated cadre and per partner, and month
NS_PER_AGENT_MONTH = {"villages": 400, "cadres": 200, "partners": 600}
#: the longest estimated run time accepted without --force (seconds)
MAX_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Estimate:
    """What a command would need: simulated households per run, runs, months per run, peak
    memory (bytes) and wall time (seconds)."""

    households: int
    runs: int
    months: int
    memory_bytes: int
    seconds: float
    villages: int = 0
    cadres: int = 0
    partners: int = 0


def estimate(sc, scale: float, runs: int, workers: int = 1) -> Estimate:
    """The memory and time of ``runs`` runs of scenario ``sc`` at ``scale`` on ``workers``
    processes (each holding one model at a time): everything a run allocates counted, before
    any of it is."""
    from povsim.agents.cadre import simulated_count
    from povsim.engine.kernels import n_chunks
    from povsim.engine.world import simulated_households

    n = simulated_households(sc, scale)
    k = sc.population.total_households.value / n
    n_v = sc.villages.count.value
    cadres = sum(simulated_count(g, k) for g in sc.cadre_groups)
    partners = sum(g.count.value for g in sc.partners)
    pairs = sum(g.count.value * min(g.paired_villages.value, n_v) for g in sc.partners)
    jobs_table = n_chunks(n) * (1 + partners + n_v)
    months = 12 * (sc.end_year - sc.start_year + 2)
    memory = (BASE_BYTES + BYTES_PER_RUN + n * BYTES_PER_HOUSEHOLD + n_v * BYTES_PER_VILLAGE
              + cadres * BYTES_PER_CADRE + partners * BYTES_PER_PARTNER + pairs * BYTES_PER_PAIR
              + 8 * jobs_table)
    per_month = (n * NS_PER_HOUSEHOLD_MONTH + n_v * NS_PER_AGENT_MONTH["villages"]
                 + cadres * NS_PER_AGENT_MONTH["cadres"]
                 + partners * NS_PER_AGENT_MONTH["partners"])
    seconds = per_month * months * runs * 1e-9 / max(1, workers)
    return Estimate(n, runs, months, memory, seconds, n_v, cadres, partners)


def physical_memory() -> int | None:
    """This machine's physical memory in bytes, or None where it cannot be read."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _bytes(b: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if b >= size:
            return f"{b / size:,.1f} {unit}"
    return f"{b:,.0f} bytes"


def _duration(s: float) -> str:
    if s >= 2 * 86400:
        return f"{s / 86400:,.0f} days"
    if s >= 2 * 3600:
        return f"{s / 3600:,.1f} hours"
    return f"{s / 60:,.1f} minutes"


def check(e: Estimate, force: bool = False, memory: int | None = None) -> None:
    """Refuse (one-line :class:`ScenarioError`) what would not fit this machine's memory or
    would run longer than :data:`MAX_SECONDS`, unless ``force``.

    Example:
        >>> check(Estimate(10**12, 1, 60, 600 * 10**12, 1.2e7))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        povsim.base.errors.ScenarioError: ... needs about 545.7 TiB of memory ...
    """
    if force:
        return
    limit = memory or physical_memory()
    others = ", ".join(f"{v:,} {name}" for name, v in (("villages", e.villages),
                                                        ("cadres", e.cadres),
                                                        ("partners", e.partners)) if v)
    what = (f"{e.runs:,} run(s) of {e.households:,} simulated households"
            + (f" ({others})" if others else "") + f" x {e.months} months")
    if limit and e.memory_bytes > limit:
        raise ScenarioError(f"{what} needs about {_bytes(e.memory_bytes)} of memory and this "
                            f"machine has {_bytes(limit)}; use a larger --scale (one simulated "
                            "household per K) or fewer households, villages, cadres or partners "
                            "(--force to try anyway)")
    if e.seconds > MAX_SECONDS:
        raise ScenarioError(f"{what} would take about {_duration(e.seconds)} (the limit is "
                            f"{_duration(MAX_SECONDS)}); use fewer --replicates, a larger "
                            "--scale or more workers, or --force to run it anyway")
