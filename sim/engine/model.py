"""The povsim model: a monthly Mesa model of party-building-led poverty alleviation.

One run simulates one case from January of the baseline year (the year before the programme, whose
incomes identify the registered poor) to December of the scenario's end year. :class:`PovertyModel`
builds the world (:func:`povsim.engine.world.build_world`) and runs, every month, the declared
schedule of submodels (:meth:`PovertyModel.schedule_table` lists it; each is one module of
:mod:`povsim.engine.submodels`, ``docs/ODD.md`` §7 describes each):

1. cadre rotation (January, under ``cadre_tenure: rotating``), policy calendar, cadre visits,
   village cadres, training and cadre time, household programmes (programme months only);
2. branch decay, labour market, cooperatives, the households' month, labour transfers;
3. monthly records (Mesa's ``DataCollector``);
4. December: dividends, income, identification (baseline year) or exits and re-entries,
   poor-village exits, annual records.

It is a Mesa model like any other: build it with a scenario (a :class:`Scenario`, a file or a
bundled case name), ``step()`` it or ``run()`` it, read ``datacollector``; ``mesa.batch_run``
works with it (see the README).

Example:
    >>> m = PovertyModel("xixiu", seed=1, scale=200)
    >>> m.run()
    >>> bool(0.0 <= m.annual["incidence"].iloc[-1] <= 1.0)
    True
    >>> PovertyModel("sanba", scale=50, cadre_pairing="random").sc.policy.cadre_pairing
    'random'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from povsim.agents.cadre import Cadre
from povsim.agents.cooperative import Cooperative
from povsim.agents.enterprise import Enterprise
from povsim.agents.households import Households
from povsim.agents.village import Village
from povsim.base import allocator
from povsim.base.clock import Clock
from povsim.base.streams import Streams
from povsim.engine import job_finding, kernels, recording
from povsim.engine.ledger import Ledger
from povsim.engine.recording import ANNUAL_OUTPUTS, MonthlyRecords, YearRecorder
from povsim.engine.submodels.base import Submodel
from povsim.engine.submodels.cadre_visits import CadreVisits
from povsim.engine.submodels.calendar import PolicyCalendar
from povsim.engine.submodels.cooperatives import Cooperatives
from povsim.engine.submodels.december import December
from povsim.engine.submodels.households_month import HouseholdsMonth
from povsim.engine.submodels.identification import CadreRotation
from povsim.engine.submodels.labour_market import LabourMarket
from povsim.engine.submodels.programmes import HouseholdProgrammes, TransferTracking
from povsim.engine.submodels.village_cadres import BranchDecay, Training, VillageCadres
from povsim.engine.world import build_world
from povsim.schema.config import Scenario, load_scenario
from povsim.schema.params import value_or

__all__ = ["ANNUAL_OUTPUTS", "PovertyModel", "as_scenario"]


def as_scenario(scenario: Scenario | str | Path, overrides: dict[str, Any] | None = None
                ) -> Scenario:
    """A scenario from a :class:`Scenario`, a file or a bundled case name, with ``overrides``
    (policy levers or dotted parameter paths; ``__`` may stand for ``.`` in a keyword).

    Example:
        >>> as_scenario("sanba", {"cadre_effects__visit_prob_month": 0.5}).cadre_effects \\
        ...     .visit_prob_month.value
        0.5
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        sc = sc.with_params({key.replace("__", "."): v for key, v in overrides.items()})
    return sc


class PovertyModel(mesa.Model):
    """Monthly agent-based model of one case; households and cadres array-backed, the other
    agents Mesa agents.

    Args:
        scenario: a validated :class:`povsim.schema.config.Scenario`, a scenario file, or a bundled
            case name (``"xixiu"``).
        seed: run seed; every draw comes from a named stream derived from it (None: fresh
            entropy from the operating system, kept in ``model.seed``; what ``mesa.batch_run``
            passes on Mesa 3.5 when given ``iterations`` instead of ``rng``).
        replicate: replicate number (a separate, reproducible set of streams).
        scale: one simulated household stands for ``scale`` real ones (>= 1).
        records: the tables to record (names of :attr:`TABLES`; default every one): a run made
            for some tables alone (a calibration's metrics) skips the others' December work;
            ``annual`` and ``monthly`` are always recorded.
        **overrides: policy levers (``cadre_pairing="optimal"``) or parameters by dotted path
            (``**{"cadre_effects.visit_prob_month": 0.5}``, or ``cadre_effects__visit_prob_month
            =0.5``), validated as in :meth:`Scenario.with_params`.

    Attributes:
        sc: the scenario; clock: year and month; world: the agents and their state;
        ledger: money flows and public cost; datacollector: monthly and yearly records;
        schedule: the submodels, in the order they run each month.

    Example:
        >>> m = PovertyModel("xixiu", seed=2, scale=500)
        >>> m.households.n > 0, len(m.villages)
        (True, 182)
    """

    #: the class of the run's named random streams (a subclass may count or log draws)
    streams_class: type[Streams] = Streams
    #: whether a batch steps this model's submodels (:mod:`povsim.engine.batch`)
    batched: bool = False

    def __init__(self, scenario: Scenario | str | Path, seed: int | None = 0, replicate: int = 0,
                 scale: float = 1.0, records: tuple[str, ...] | None = None, **overrides: Any):
        if scale < 1:
            raise ValueError(f"scale must be >= 1 (one simulated household per k), got {scale}")
        allocator.freeze_imports()  # full collections skip the import-time objects
        sc = as_scenario(scenario, overrides)
        if seed is None:  # as Mesa does without a seed: fresh entropy, kept in self.seed
            seed = int(np.random.SeedSequence().entropy)
        self.streams = self.streams_class(seed, replicate)
        super().__init__(rng=self.streams.mesa_rng_seed())
        self.sc = sc
        self.seed, self.replicate, self.scale = int(seed), int(replicate), float(scale)
        unknown = set(records or ()) - set(self.TABLES)
        if unknown:
            raise ValueError(f"records: unknown table(s) {sorted(unknown)}; "
                             f"allowed: {', '.join(self.TABLES)}")
        #: the tables this run records (:attr:`TABLES`, or those asked for and the two always
        #: recorded)
        self.records = (self.TABLES if records is None else
                        tuple(t for t in self.TABLES if t in {*records, "annual", "monthly"}))
        self.clock = Clock(baseline_year=sc.start_year - 1,
                           programme_start=sc.policy.programme_start_year or sc.start_year,
                           end_year=sc.end_year, income_growth=sc.income.income_growth.value,
                           transfer_growth=value_or(sc.income.transfer_growth),
                           programme_on=sc.policy.programme)
        self.world = build_world(self, sc, self.streams, self.scale)
        kernels.warm_up()  # compile or load the compiled household kernel now, not in month 1
        self.ledger = Ledger(self.world.k)
        self.datacollector = recording.data_collector()
        self.schedule = self.build_schedule()

    def build_schedule(self) -> list[Submodel]:
        """The submodels, in the order they run each month, each given the state it uses."""
        sc, c, w, st, led = self.sc, self.clock, self.world, self.streams, self.ledger
        self.monthly_records = MonthlyRecords(c, w, lambda: self.datacollector.collect(self))
        recorder = YearRecorder(w, c, sc, led, self.datacollector, self.records)
        return [
            CadreRotation(c, w, sc, st),
            PolicyCalendar(c, w, led),
            CadreVisits(c, w, sc.cadre_effects, sc.cooperatives, sc.behaviour, st),
            VillageCadres(c, w, sc.cadre_effects, st, led),
            Training(c, w, sc.cadre_effects, st, led),
            HouseholdProgrammes(c, w, sc.programmes, sc.cadre_effects.productivity_cap.value,
                                st, led),
            BranchDecay(c, w, sc.villages.branch_decay_month.value),
            LabourMarket(c, w, sc.behaviour, job_finding.scenario_rate(sc),
                         sc.cadre_effects.referral_boost.value, st),
            Cooperatives(c, w, sc.cooperatives, sc.income, st, led),
            HouseholdsMonth(c, w, sc, st, led),
            TransferTracking(c, w),
            self.monthly_records,
            December(c, w, sc, st, led, recorder),
        ]

    def submodel(self, kind: type[Submodel]) -> Submodel:
        """The scheduled submodel of class ``kind``.

        Example:
            >>> from povsim.engine.submodels.labour_market import LabourMarket
            >>> PovertyModel("zhenbao").submodel(LabourMarket).name
            'labour market'
        """
        return next(s for s in self.schedule if isinstance(s, kind))

    def replace_submodel(self, kind: type[Submodel], new: Submodel) -> None:
        """Put ``new`` in the schedule in place of the submodel of class ``kind``."""
        self.schedule[self.schedule.index(self.submodel(kind))] = new

    def schedule_table(self) -> pd.DataFrame:
        """The monthly schedule: order, submodel, module, ODD section and when it runs.

        Example:
            >>> PovertyModel("zhenbao").schedule_table()["submodel"].iloc[-1]
            'December close'
        """
        return pd.DataFrame([{"order": i + 1, "submodel": s.name, "module": type(s).__module__,
                              "odd_section": s.odd, "runs": s.when}
                             for i, s in enumerate(self.schedule)])

    # ------------------------------------------------------------------ the monthly step
    def step(self) -> None:
        """Advance one month: run every submodel due this month, in schedule order (unless a
        :class:`povsim.engine.batch.Batch` it belongs to has run them: then only the month ends, and
        Mesa counts the step as for any model)."""
        if not self.batched:
            for submodel in self.schedule:
                if submodel.due():
                    submodel.step()
        self.clock.advance()
        self.running = not self.clock.finished

    def run(self) -> None:
        """Run every month from the baseline year to December of the end year."""
        while self.running:
            self.step()

    # ------------------------------------------------------------------ Mesa's face
    @property
    def households(self) -> Households:
        """Every household (array-backed; ``Household(model.households, i)`` views one)."""
        return self.world.households

    @property
    def villages(self) -> list[Village]:
        """The villages as Mesa agents (views of ``world.village_arrays``), registered with the
        model on first use (as :attr:`cadres`)."""
        w = self.world
        if w.village_agents is None:
            w.village_agents = [Village.view(self, w.village_arrays, v)
                                for v in range(w.n_villages)]
        return w.village_agents

    @property
    def coops(self) -> list[Cooperative]:
        """The village collectives as Mesa agents (views of ``world.coop_arrays``), registered
        with the model on first use (as :attr:`cadres`)."""
        w = self.world
        if w.coop_agents is None:
            w.coop_agents = [Cooperative.view(self, w.coop_arrays, v, w.coop_models[v],
                                              w.coop_earnings[v]) for v in range(w.n_villages)]
        return w.coop_agents

    @property
    def cadres(self) -> list[Cadre]:
        """The cadres as Mesa agents (views of ``world.cadres``), registered with the model on
        first use: the engine works on the arrays, so a run nobody reads as agents (a
        calibration's thousands) does not register hundreds of agents it never uses (the same
        for :attr:`villages` and :attr:`coops`).

        Example:
            >>> m = PovertyModel("zhenbao", scale=20)
            >>> len(m.cadres) == m.world.cadres.n, m.cadres[0] in m.agents
            (True, True)
        """
        w = self.world
        if w.cadre_agents is None:
            w.cadre_agents = [Cadre(self, w.cadres, i) for i in range(w.cadres.n)]
        return w.cadre_agents

    def _all_registered(self) -> None:
        """Register the agents made on first use (villages, collectives, cadres) before Mesa
        lists agents."""
        if "world" in self.__dict__:
            self.villages, self.coops, self.cadres  # noqa: B018 - made on first use

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Every agent (Mesa's ``Model.agents``), those made on first use included."""
        self._all_registered()
        return super().agents

    @property
    def agent_types(self) -> list[type]:
        """The agent types (Mesa's ``Model.agent_types``), those made on first use included."""
        self._all_registered()
        return super().agent_types

    @property
    def agents_by_type(self) -> dict:
        """The agents by type (Mesa's ``Model.agents_by_type``), those made on first use
        included."""
        self._all_registered()
        return super().agents_by_type

    @property
    def enterprises(self) -> list[Enterprise]:
        """The partners: enterprises, government units, organisations, industrial zones."""
        return self.world.partners

    @property
    def k(self) -> float:
        """Real households per simulated household."""
        return self.world.k

    # ------------------------------------------------------------------ results
    def table(self, name: str) -> pd.DataFrame:
        """One output table: ``monthly``, ``ledger`` or a yearly table of
        ``recording.TABLES`` (a table without rows has no columns); one of those this run
        records (:attr:`records`)."""
        if name not in self.records:
            raise ValueError(f"the {name!r} table was not recorded by this run (it records "
                             f"{', '.join(self.records)})")
        if name == "monthly":
            return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        if name == "ledger":
            return self.ledger.table()
        columns = self.datacollector.tables[name]
        if not columns[next(iter(columns))]:
            return pd.DataFrame()
        return self.datacollector.get_table_dataframe(name)

    #: every output table of a run (ODD §7.13)
    TABLES = ("annual", "monthly", "deciles", "sources", "cadres", "costs", "collectives",
              "crops", "ledger")

    def tables(self, names: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
        """The output tables of the run by name: every one of :attr:`TABLES`, or ``names``.

        Example:
            >>> m = PovertyModel("zhenbao", scale=20); m.run()
            >>> list(m.tables(("annual", "crops")))
            ['annual', 'crops']
        """
        return {name: self.table(name) for name in (self.records if names is None else names)}

    @property
    def annual(self) -> pd.DataFrame:
        """The annual table so far (one row per December)."""
        return self.table("annual")

    @property
    def monthly(self) -> pd.DataFrame:
        """The monthly table so far (one row per month)."""
        return self.table("monthly")

    def release(self) -> None:
        """Free this model now; it cannot be used afterwards.

        Mesa 3.3 keeps every model as a key of the class-level id counter ``Agent._ids``, so a
        finished model (with all its household arrays) would stay in memory for the life of
        the process (mesa issue #3179, fixed upstream by PR #3180); and a model's agents and
        wrapped ``step`` refer back to it, so without help only the cyclic garbage collector
        frees it, at some later time. This forgets the model in Mesa's counter (where there is
        one) and drops everything it holds, so its memory returns at once: runners call it
        after collecting a run's tables, and a long series of runs then stays flat in memory.

        Example:
            >>> import weakref
            >>> m = PovertyModel("sanba", scale=500)
            >>> ref = weakref.ref(m); m.release(); del m
            >>> ref() is None
            True
        """
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)
        self.__dict__.clear()
