"""Many runs of one scenario at one scale in one pass: the runs stacked along a run axis.

A calibration, a sweep's cell or a posterior's draws are many runs of one scenario at one scale
that differ only in parameter values and seeds. At calibration scale a run's months are mostly
Python around small arrays (issue 26), the same Python for every run; a :class:`Batch` steps
its runs together, month by month, and a submodel that can (its ``step_batch``) does its month
for every run in one call over the runs' state stacked along a first, run axis. The runs are
ordinary :class:`povsim.engine.model.PovertyModel` s whose array state (households, villages,
collectives, partners, cadres) are views of row ``r`` of the stacked arrays (:func:`stack`),
so a submodel not (yet) batched steps each run on its own, and every run's tables are the ones
it makes alone, bit for bit (``tests/test_batch.py``). The same scenario and scale give every
run the same numbers of households, villages, collectives, partners and cadres (the scale
fixes the households; the parameters change their traits, not their number), which is what
stacking needs; a batch whose runs differ there says so.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> sc = load_scenario("zhenbao")
    >>> runs = run_batch(sc, [{}, {"behaviour.migrate_prob_month": 0.01}], seeds=[1, 1],
    ...                  replicates=[0, 0], scale=5)
    >>> len(runs), sorted(runs[0])[:2]
    (2, ['annual', 'cadres'])
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from povsim.engine.model import PovertyModel
from povsim.engine.replicate import model_tables, own_tables, run_replicate
from povsim.schema.config import Scenario

if TYPE_CHECKING:
    from povsim.engine.submodels.base import Submodel

#: the world's array-backed state that is stacked: (World attribute, its dataclass)
STACKED = ("households", "village_arrays", "coop_arrays", "partner_arrays", "cadres")


_TIMERS: list[Counter] = []  # the open timed() blocks' counters (profiling only)


@contextmanager
def timed():
    """Time what every batch made inside the block spends where: yields a ``Counter`` of
    seconds by part (``build``: the runs and their stacking; each submodel by its name, all
    the batch's runs together; ``month ends``; ``tables``), for a profile of many runs.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> with timed() as spent:
        ...     _ = run_batch(load_scenario("zhenbao"), [{}] * 2, [1, 1], [0, 1], scale=20)
        >>> sorted(spent)[:3]
        ['December close', 'branch decay', 'build']
    """
    spent: Counter = Counter()
    _TIMERS.append(spent)
    try:
        yield spent
    finally:
        _TIMERS.remove(spent)


def _spent(part: str, since: float) -> None:
    """Add the seconds since ``since`` to ``part`` in the open :func:`timed` blocks."""
    now = time.perf_counter()
    for spent in _TIMERS:
        spent[part] += now - since


class NotStackable(ValueError):
    """Runs that cannot share a batch (other years or numbers of agents)."""


def _with(scenario: Scenario, params: dict[str, float], made: dict[int, Scenario]) -> Scenario:
    """``scenario`` with ``params`` (validated once per parameter set object)."""
    if not params:
        return scenario
    if id(params) not in made:
        made[id(params)] = scenario.with_params(params)
    return made[id(params)]


def stack(models: list[PovertyModel]) -> dict[str, Any]:
    """Stack the runs' array state along a first, run axis: each array field of the world's
    :data:`STACKED` parts becomes one array ``(runs, ...)`` and each run's field its row ``r``
    (a view, C-contiguous like the array it replaces, holding the same values). Returns the
    stacked state: part name -> an object of the part's class whose fields are the stacked
    arrays. Raises :class:`NotStackable` when the runs' parts differ in shape.

    Example:
        >>> ms = [PovertyModel("zhenbao", seed=1, replicate=r, scale=20) for r in range(2)]
        >>> st = stack(ms)
        >>> st["households"].size.shape == (2, ms[0].households.n)
        True
        >>> bool(np.shares_memory(ms[1].households.size, st["households"].size))
        True
    """
    out: dict[str, Any] = {}
    for part in STACKED:
        objs = [getattr(m.world, part) for m in models]
        cls = type(objs[0])
        blocks = {}
        for f in fields(cls):
            arrays = [getattr(o, f.name) for o in objs]
            if any(a.shape != arrays[0].shape or a.dtype != arrays[0].dtype for a in arrays):
                raise NotStackable(f"the runs of a batch differ in {part}.{f.name}: "
                                 f"{sorted({a.shape for a in arrays})}; a batch stacks runs of "
                                 "one scenario at one scale")
            block = np.stack(arrays)
            for r, o in enumerate(objs):
                setattr(o, f.name, block[r])
            blocks[f.name] = block
        out[part] = cls(**blocks)
    return out


class Batch:
    """Runs of one scenario at one scale stepped together, month by month.

    Args:
        scenarios: each run's scenario (one scenario under different parameter values or
            policy levers: the same years and numbers of agents).
        seeds, replicates: each run's seed and replicate (their streams, as a run alone).
        scale: one simulated household per ``scale`` real ones, for every run.
        records: the tables each run records (:class:`PovertyModel`'s ``records``).

    Attributes:
        models: the runs, :class:`PovertyModel` s whose array state are views of ``state``.
        state: the stacked array state (:func:`stack`).

    Raises :class:`NotStackable` when the runs cannot be stacked (other years, other numbers of
    agents).
    """

    def __init__(self, scenarios: list[Scenario], seeds: list[int], replicates: list[int],
                 scale: float = 1.0, records: tuple[str, ...] | None = None):
        if not (len(scenarios) == len(seeds) == len(replicates)) or not scenarios:
            raise ValueError("a batch needs one scenario, seed and replicate per run "
                             f"(got {len(scenarios)}, {len(seeds)}, {len(replicates)})")
        start = time.perf_counter()
        self.models = [PovertyModel(sc, seed=s, replicate=r, scale=scale, records=records)
                       for sc, s, r in zip(scenarios, seeds, replicates, strict=True)]
        calendars = {calendar(m.sc) for m in self.models}
        if len(calendars) > 1:  # the runs must be due the same submodels every month
            raise NotStackable(f"the runs of a batch differ in their calendars: {calendars}")
        self.state = stack(self.models)
        self.schedule = [type(s) for s in self.models[0].schedule]
        for m in self.models:
            m.batched = True
        if _TIMERS:
            _spent("build", start)

    @property
    def running(self) -> bool:
        return self.models[0].running

    def step(self) -> None:
        """Advance every run one month: each submodel due this month steps every run, in one
        call where the submodel is batched (its ``step_batch``), else run by run."""
        timing = bool(_TIMERS)
        for i, _ in enumerate(self.schedule):
            subs: list[Submodel] = [m.schedule[i] for m in self.models]
            if not subs[0].due():
                continue
            start = time.perf_counter() if timing else 0.0
            batched = getattr(subs[0], "step_batch", None)
            if batched is not None:
                batched(subs, self.state)
            else:
                for s in subs:
                    s.step()
            if timing:
                _spent(subs[0].name, start)
        start = time.perf_counter() if timing else 0.0
        for m in self.models:
            m.step()  # the month's end, and Mesa's count of steps
        if timing:
            _spent("month ends", start)

    def run(self, on_month=None) -> None:
        """Every month, to December of the end year (``on_month``, if given, called after each
        month with the number of runs, e.g. to advance a progress bar)."""
        while self.running:
            self.step()
            if on_month is not None:
                on_month(len(self.models))

    def tables(self, households: bool = False, names: tuple[str, ...] | None = None
               ) -> list[dict[str, pd.DataFrame]]:
        """Each run's tables (:func:`povsim.engine.replicate.model_tables`: every one, or
        ``names``), in run order."""
        start = time.perf_counter()
        out = [model_tables(m, households, names) for m in self.models]
        if _TIMERS:
            _spent("tables", start)
        return out

    def release(self) -> None:
        """Free the runs (:meth:`PovertyModel.release`)."""
        for m in self.models:
            m.release()
        self.models, self.state = [], {}


def run_batch(scenario: Scenario, params: list[dict[str, float]], seeds: list[int],
              replicates: list[int], scale: float = 1.0,
              on_month=None) -> list[dict[str, pd.DataFrame]]:
    """Run one scenario under many parameter sets and seeds at one scale in one pass; each
    run's tables (with a ``replicate`` column, as :func:`povsim.engine.replicate.run_replicate`'s),
    in
    run order, the same as the run gives alone."""
    made: dict[int, Scenario] = {}
    return run_together([_with(scenario, p, made) for p in params], seeds, replicates, scale,
                        on_month)


def run_together(scenarios: list[Scenario], seeds: list[int], replicates: list[int],
                 scale: float = 1.0, on_month=None, households: bool = False,
                 tables: tuple[str, ...] | None = None) -> list[dict[str, pd.DataFrame]]:
    """Run these runs as one :class:`Batch`; each run's tables (every one, or ``tables``), as
    :func:`povsim.engine.replicate.run_replicate` gives them (``households``: with its households
    table)."""
    batch = Batch(scenarios, seeds, replicates, scale, records=tables)
    batch.run(on_month)
    out = batch.tables(households, tables)
    batch.release()
    return [own_tables(t, r) for t, r in zip(out, replicates, strict=True)]


#: the most simulated households a batch holds, all its runs together: runs at calibration
#: scale (a few thousand households) go in batches of tens
BATCH_HOUSEHOLDS = 100_000


def batch_size(scenario: Scenario, scale: float, runs: int) -> int:
    """How many of ``runs`` runs of ``scenario`` at ``scale`` go in one batch
    (:data:`BATCH_HOUSEHOLDS` households at most; 1: each alone). A run of more households
    than one chunk of the compiled loops (:data:`povsim.engine.kernels.CHUNK`) runs alone, on every
    thread of its kernels (a batch's runs go one after another on one thread).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> xixiu = load_scenario("xixiu")
        >>> batch_size(xixiu, 50.0, 100), batch_size(xixiu, 5.0, 8), batch_size(xixiu, 1.0, 8)
        (32, 1, 1)
    """
    from povsim.engine.kernels import CHUNK
    from povsim.engine.world import simulated_households

    n = max(simulated_households(scenario, scale), 1)
    return 1 if n > CHUNK else max(1, min(runs, BATCH_HOUSEHOLDS // n))


def run_many(scenarios: list[Scenario], seeds: list[int], replicates: list[int],
             scale: float = 1.0, on_month=None,
             households: bool = False) -> list[dict[str, pd.DataFrame]]:
    """Many runs at one scale, in batches of :func:`batch_size` (of the first scenario); a
    batch of one, or of runs that cannot be stacked, runs run by run
    (:func:`povsim.engine.replicate.run_replicate`). Each run's tables, in run order, exactly as it
    gives them alone. ``on_month`` is called with the number of runs that finished a month.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> sc = load_scenario("sanba")
        >>> t = run_many([sc] * 3, [1] * 3, [0, 1, 2], scale=50)
        >>> [int(x["annual"]["replicate"].iloc[0]) for x in t]
        [0, 1, 2]
    """
    return list(iter_many(scenarios, seeds, replicates, scale, on_month, households))


def iter_many(scenarios: list[Scenario], seeds: list[int], replicates: list[int],
              scale: float = 1.0, on_month=None, households: bool = False,
              tables: tuple[str, ...] | None = None):
    """:func:`run_many`, each run's tables (every one, or ``tables``) yielded as its batch
    finishes (so that a caller keeping only a summary of each holds one batch's tables at a
    time)."""

    def alone(i: int) -> dict[str, pd.DataFrame]:
        tick = None if on_month is None else (lambda: on_month(1))
        return run_replicate(scenarios[i], seeds[i], replicates[i], scale, on_month=tick,
                             households=households, tables=tables)

    size = batch_size(scenarios[0], scale, len(scenarios)) if scenarios else 1
    for i in range(0, len(scenarios), size):
        part = range(i, min(i + size, len(scenarios)))
        if len(part) > 1 and stackable([scenarios[j] for j in part], scale):
            try:
                yield from run_together([scenarios[j] for j in part],
                                        [seeds[j] for j in part],
                                        [replicates[j] for j in part], scale, on_month,
                                        households, tables)
                continue
            except NotStackable:  # found when the worlds are built: nothing has run yet
                pass
        for j in part:
            yield alone(j)


def calendar(sc: Scenario) -> tuple:
    """What decides which submodels a run is due each month: its years, its first programme
    year and whether the programme runs at all (a policy lever).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> sc = load_scenario("sanba")
        >>> calendar(sc) == calendar(sc.with_params({"programme": False}))
        False
    """
    return (sc.start_year, sc.end_year, sc.policy.programme_start_year or sc.start_year,
            sc.policy.programme)


def stackable(scenarios: list[Scenario], scale: float) -> bool:
    """Whether runs of these scenarios at ``scale`` can share a batch: the same
    :func:`calendar` and the same numbers of households, villages, partners and cadre groups'
    cadres (checked on the scenarios, before any run is built; :func:`stack` checks the arrays
    themselves)."""
    from povsim.engine.world import simulated_households

    def shape(sc: Scenario) -> tuple:
        return (calendar(sc), simulated_households(sc, scale),
                sc.villages.count.value, tuple(g.count.value for g in sc.partners),
                tuple(g.count.value for g in sc.cadre_groups))

    first = shape(scenarios[0])
    return all(shape(sc) == first for sc in scenarios[1:])


def run_batches(scenario: Scenario, params: list[dict[str, float]], seeds: list[int],
                replicates: list[int], scale: float = 1.0,
                on_month=None) -> list[dict[str, pd.DataFrame]]:
    """:func:`run_many` of one scenario under parameter sets ``params`` (each validated once).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> t = run_batches(load_scenario("sanba"), [{}] * 3, [1] * 3, [0, 1, 2], scale=50)
        >>> [int(x["annual"]["replicate"].iloc[0]) for x in t]
        [0, 1, 2]
    """
    made: dict[int, Scenario] = {}
    return run_many([_with(scenario, p, made) for p in params], seeds, replicates, scale,
                    on_month)


def warm_up() -> None:
    """Compile (or load from numba's cache) the batch kernels now, on a batch of two runs of
    one household (as :func:`povsim.engine.kernels.warm_up` does for a run's): a command that runs
    batches under a progress bar calls it before the bar
    (:func:`povsim.reporting.progress.month_bar`), so that no month's time includes a compile.

    Example:
        >>> warm_up()
    """
    from povsim.agents.cooperative import CoopArrays
    from povsim.agents.households import Households
    from povsim.engine import kernels, village_kernels

    kernels.warm_up()
    one = Households.empty(1)
    H = kernels.HouseholdArrays.of(Households(**{f.name: np.stack([getattr(one, f.name)] * 2)
                                                 for f in fields(Households)}))
    z, i64 = np.zeros((2, 1)), np.zeros((2, 1), np.int64)
    keys, month = np.zeros((2, 2), np.uint64), np.int64(0)
    kernels.household_month_batch(H, np.zeros((2, len(kernels.MonthParams._fields))), z, z,
                                  np.full((2, 1), -1.0), keys, month, np.zeros((2, 1), bool),
                                  np.zeros((2, 1, 3)))
    kernels.labour_month_batch(H, keys, month, z, np.zeros(2, np.int32), np.zeros(2),
                               np.arange(3, dtype=np.int64), np.ones(2, np.int64),
                               np.zeros((2, 4)), np.zeros((2, 1, 1), np.int64),
                               np.zeros((2, 1), np.int32), np.zeros((2, 1), np.int32), z,
                               i64, i64)
    k = np.zeros(2, np.int64)
    kernels.month_counts_batch(H, np.zeros((2, 1, 6)))
    kernels.visits_due_batch(H, keys, month, z, np.zeros(2), i64,
                             np.zeros((2, 1), np.int32), i64, k)
    kernels.visit_outcomes_batch(H, np.zeros((2, 1), np.int32), k, keys, month, z,
                                 np.zeros((2, 1), np.int8), i64, np.zeros((2, 1, 4)), i64,
                                 np.zeros((2, 1), bool), 0,
                                 np.zeros((2, len(kernels.VisitEffects._fields))), i64, k)
    c = CoopArrays.empty(1)
    cs = CoopArrays(**{f.name: np.stack([getattr(c, f.name)] * 2) for f in fields(CoopArrays)})
    village_kernels.collectives_month_batch(
        cs.active, cs.capital, cs.leased_land, cs.fill, cs.revenue_multiplier, cs.services,
        cs.service_yield, cs.market_access, cs.ever_active_year, cs.revenue,
        cs.sales_to_enterprises, cs.wages, cs.rent, cs.other_costs, z, z, z, i64, z, z, z,
        np.zeros((2, 7)), 2000, np.zeros((2, 4)), z)
    no, two = np.zeros((2, 1), bool), np.zeros(2)
    cuts = np.zeros((2, 2), np.int64)
    kernels.disaster_losses_batch(no, i64, cuts, H, two, two, two, z, two)
    s = Households(**{f.name: np.stack([getattr(one, f.name)] * 2) for f in fields(Households)})
    village_kernels.join_cooperatives_batch(no, s.village, s.registered, s.land, s.member,
                                            s.shares, s.leased, two, two, i64, cuts, two,
                                            cs.leased_land, cs.jobs, cs.fill)
