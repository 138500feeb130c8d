"""Up-front estimates of a command's memory and run time, checked before any work.

A scenario with a trillion households or ``--replicates 1000000000000`` is valid YAML and a
valid number, but would end in a multi-terabyte allocation or run for ever. The command line
estimates both from the simulated households, months and runs, and refuses a run whose memory
exceeds this machine's or whose time exceeds :data:`MAX_SECONDS`, with the estimate and the
limit in one line; ``--force`` runs it anyway.

The rates are measured on this project's benchmarks (README, Performance) and rounded up:

- memory: :data:`BYTES_PER_HOUSEHOLD` per simulated household (430 measured at a million,
  issue 18) on top of :data:`BASE_BYTES` for the process and its libraries (about 300 MiB
  measured);
- time: :data:`NS_PER_HOUSEHOLD_MONTH` per household and month (120-195 ns measured on one
  core), one run after another unless the runs are spread over workers.

Example:
    >>> from povsim.config import load_scenario
    >>> e = estimate(load_scenario("xixiu"), scale=1.0, runs=8)
    >>> e.households, round(e.seconds)
    (155000, 15)
    >>> check(e) is None
    True
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from povsim.inputs import ScenarioError

BYTES_PER_HOUSEHOLD = 600
BASE_BYTES = 400 * 2**20
NS_PER_HOUSEHOLD_MONTH = 200
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


def estimate(sc, scale: float, runs: int, workers: int = 1) -> Estimate:
    """The memory and time of ``runs`` runs of scenario ``sc`` at ``scale`` on ``workers``
    processes (each holding one model at a time)."""
    from povsim.world import simulated_households

    n = simulated_households(sc, scale)
    months = 12 * (sc.end_year - sc.start_year + 2)
    memory = BASE_BYTES + n * BYTES_PER_HOUSEHOLD
    seconds = n * months * runs * NS_PER_HOUSEHOLD_MONTH * 1e-9 / max(1, workers)
    return Estimate(n, runs, months, memory, seconds)


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
        povsim.errors.ScenarioError: ... needs about 545.7 TiB of memory ...
    """
    if force:
        return
    limit = memory or physical_memory()
    what = (f"{e.runs:,} run(s) of {e.households:,} simulated households x {e.months} "
            "months")
    if limit and e.memory_bytes > limit:
        raise ScenarioError(f"{what} needs about {_bytes(e.memory_bytes)} of memory and this "
                            f"machine has {_bytes(limit)}; use a larger --scale (one simulated "
                            "household per K) or fewer households (--force to try anyway)")
    if e.seconds > MAX_SECONDS:
        raise ScenarioError(f"{what} would take about {_duration(e.seconds)} (the limit is "
                            f"{_duration(MAX_SECONDS)}); use fewer --replicates, a larger "
                            "--scale or more workers, or --force to run it anyway")
