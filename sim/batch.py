"""Many runs of one scenario at one scale in one pass: the runs stacked along a run axis.

A calibration, a sweep's cell or a posterior's draws are many runs of one scenario at one scale
that differ only in parameter values and seeds. At calibration scale a run's months are mostly
Python around small arrays (issue 26), the same Python for every run; a :class:`Batch` steps
its runs together, month by month, and a submodel that can (``BATCHED``) does its month for
every run in one call over the runs' state stacked along a first, run axis. The runs are
ordinary :class:`povsim.model.PovertyModel` s whose array state (households, villages,
collectives, partners, cadres) are views of row ``r`` of the stacked arrays (:func:`stack`),
so a submodel not (yet) batched steps each run on its own, and every run's tables are the ones
it makes alone, bit for bit (``tests/test_batch.py``). The same scenario and scale give every
run the same numbers of households, villages, collectives, partners and cadres (the scale
fixes the households; the parameters change their traits, not their number), which is what
stacking needs; a batch whose runs differ there says so.

Example:
    >>> from povsim.config import load_scenario
    >>> sc = load_scenario("zhenbao")
    >>> runs = run_batch(sc, [{}, {"behaviour.migrate_prob_month": 0.01}], seeds=[1, 1],
    ...                  replicates=[0, 0], scale=5)
    >>> len(runs), sorted(runs[0])[:2]
    (2, ['annual', 'cadres'])
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from povsim.config import Scenario
from povsim.model import PovertyModel

if TYPE_CHECKING:
    from povsim.submodels.base import Submodel

#: the world's array-backed state that is stacked: (World attribute, its dataclass)
STACKED = ("households", "village_arrays", "coop_arrays", "partner_arrays", "cadres")


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
    arrays. Raises ValueError when the runs' parts differ in shape.

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
                raise ValueError(f"the runs of a batch differ in {part}.{f.name}: "
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
        scenario: the scenario every run starts from.
        params: each run's parameter values by dotted path (``{}``: the scenario's own).
        seeds, replicates: each run's seed and replicate (their streams, as a run alone).
        scale: one simulated household per ``scale`` real ones, for every run.

    Attributes:
        models: the runs, :class:`PovertyModel` s whose array state are views of ``state``.
        state: the stacked array state (:func:`stack`).
    """

    def __init__(self, scenario: Scenario, params: list[dict[str, float]], seeds: list[int],
                 replicates: list[int], scale: float = 1.0):
        if not (len(params) == len(seeds) == len(replicates)) or not params:
            raise ValueError("a batch needs one parameter set, seed and replicate per run "
                             f"(got {len(params)}, {len(seeds)}, {len(replicates)})")
        made: dict[int, Scenario] = {}  # one scenario per parameter set (the same dict)
        self.models = [PovertyModel(_with(scenario, p, made), seed=s, replicate=r, scale=scale)
                       for p, s, r in zip(params, seeds, replicates, strict=True)]
        self.state = stack(self.models)
        self.schedule = [type(s) for s in self.models[0].schedule]
        for m in self.models:
            m.batched = True

    @property
    def running(self) -> bool:
        return self.models[0].running

    def step(self) -> None:
        """Advance every run one month: each submodel due this month steps every run, in one
        call where the submodel is batched (its ``step_batch``), else run by run."""
        for i, _ in enumerate(self.schedule):
            subs: list[Submodel] = [m.schedule[i] for m in self.models]
            if not subs[0].due():
                continue
            batched = getattr(subs[0], "step_batch", None)
            if batched is not None:
                batched(subs, self.state)
            else:
                for s in subs:
                    s.step()
        for m in self.models:
            m.step()  # the month's end, and Mesa's count of steps

    def run(self, on_month=None) -> None:
        """Every month, to December of the end year (``on_month``, if given, called after each
        month with the number of runs, e.g. to advance a progress bar)."""
        while self.running:
            self.step()
            if on_month is not None:
                on_month(len(self.models))

    def tables(self) -> list[dict[str, pd.DataFrame]]:
        """Each run's tables (as :meth:`PovertyModel.tables`), in run order."""
        return [m.tables() for m in self.models]

    def release(self) -> None:
        """Free the runs (:meth:`PovertyModel.release`)."""
        for m in self.models:
            m.release()
        self.models, self.state = [], {}


def run_batch(scenario: Scenario, params: list[dict[str, float]], seeds: list[int],
              replicates: list[int], scale: float = 1.0,
              on_month=None) -> list[dict[str, pd.DataFrame]]:
    """Run one scenario under many parameter sets and seeds at one scale in one pass; each
    run's tables (with a ``replicate`` column, as :func:`povsim.runner.run_replicate`'s), in
    run order, the same as the run gives alone."""
    batch = Batch(scenario, params, seeds, replicates, scale)
    batch.run(on_month)
    out = batch.tables()
    batch.release()
    for tables, r in zip(out, replicates, strict=True):
        for name, df in tables.items():
            tables[name] = df.copy(deep=True)
            tables[name].insert(0, "replicate", r)
    return out


#: the most simulated households a batch holds, all its runs together: runs at calibration
#: scale (a few thousand households) go in batches of tens, a run at full scale alone (on
#: every thread of its compiled kernels; a batch's runs go one after another on one thread)
BATCH_HOUSEHOLDS = 100_000


def batch_size(scenario: Scenario, scale: float, runs: int) -> int:
    """How many of ``runs`` runs of ``scenario`` at ``scale`` go in one batch
    (:data:`BATCH_HOUSEHOLDS` households at most; 1: each alone).

    Example:
        >>> from povsim.config import load_scenario
        >>> xixiu = load_scenario("xixiu")
        >>> batch_size(xixiu, 50.0, 100), batch_size(xixiu, 1.0, 8)
        (32, 1)
    """
    from povsim.world import simulated_households

    return max(1, min(runs, BATCH_HOUSEHOLDS // max(simulated_households(scenario, scale), 1)))


def run_batches(scenario: Scenario, params: list[dict[str, float]], seeds: list[int],
                replicates: list[int], scale: float = 1.0,
                on_month=None) -> list[dict[str, pd.DataFrame]]:
    """Many runs of one scenario at one scale, in batches of :func:`batch_size` (a batch of
    one is :func:`povsim.runner.run_replicate`); each run's tables, in run order, exactly as
    it gives them alone. ``on_month`` is called with the number of runs that finished a month.

    Example:
        >>> from povsim.config import load_scenario
        >>> t = run_batches(load_scenario("sanba"), [{}] * 3, [1] * 3, [0, 1, 2], scale=50)
        >>> [int(x["annual"]["replicate"].iloc[0]) for x in t]
        [0, 1, 2]
    """
    from povsim.runner import run_replicate

    size = batch_size(scenario, scale, len(params))
    out: list[dict[str, pd.DataFrame]] = []
    made: dict[int, Scenario] = {}
    for i in range(0, len(params), size):
        p, s, r = params[i:i + size], seeds[i:i + size], replicates[i:i + size]
        if len(p) == 1:
            sc = _with(scenario, p[0], made)
            tick = None if on_month is None else (lambda: on_month(1))
            out.append(run_replicate(sc, s[0], r[0], scale, on_month=tick))
        else:
            out += run_batch(scenario, p, s, r, scale, on_month)
    return out
