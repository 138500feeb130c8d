"""What a run records (ODD §7.13), through Mesa's ``DataCollector``.

- **Monthly**: the model reporters of :data:`MONTHLY_REPORTERS`, collected at the end of every
  month by :class:`MonthlyRecords` (``model.datacollector.get_model_vars_dataframe()``; one row
  per month, so ``mesa.batch_run``'s ``Step`` s is month s of the run).
- **Yearly**, in December after exits, by :class:`YearRecorder`, as rows of the collector's
  tables (:data:`TABLES`): ``annual`` (one row, one column per reporter of
  :data:`ANNUAL_REPORTERS`), ``deciles``, ``sources``, ``cadres``, ``costs``, ``collectives`` and
  ``crops``.

Every reporter is a small function of the state it reads, declared once here.

Example:
    >>> from povsim.engine.model import PovertyModel
    >>> m = PovertyModel("sanba", seed=1, scale=50)
    >>> m.run()
    >>> list(m.annual.columns[:3]), len(m.monthly) == 12 * (m.sc.end_year - m.sc.start_year + 2)
    (['year', 'stage', 'poverty_line'], True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from povsim.agents.households import SRC
from povsim.base.clock import Clock
from povsim.engine import kernels
from povsim.engine.ledger import Ledger
from povsim.engine.stats import (
    poverty_gap_index,
    sorted_gini,
    sorted_weighted_quantiles,
    stable_argsort,
)
from povsim.engine.submodels.base import EVERY_MONTH, Submodel
from povsim.schema.config import Scenario

if TYPE_CHECKING:
    from povsim.engine.world import World

DECILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _counts(m) -> kernels.MonthCounts:
    return m.monthly_records.counts


def jobs_held(world: World, employers: str, fill: np.ndarray | None = None) -> float:
    """Real jobs held with the partners or the cooperatives (``employers``): their workers x
    their posts' share of a full job (:func:`povsim.base.scaling.posts`; ``fill``, by employer code,
    is ``world.employer_fill()`` where not given) x ``k``.

    Example:
        >>> from povsim.engine.model import PovertyModel
        >>> m = PovertyModel("zhenbao", seed=1)
        >>> m.step(); jobs_held(m.world, "cooperatives") >= 0
        True
    """
    if not world.staff.size:
        return 0.0
    part = slice(1, world.coop_code0) if employers == "partners" else slice(world.coop_code0, None)
    fill = world.employer_fill() if fill is None else fill
    return float(world.staff[part] @ fill[part] * world.k)


def mean(x: np.ndarray) -> float:
    """``np.mean`` of a float array, the same bits (numpy's sum over the count), without its
    overhead; of an integer array (counts) too, whose sum numpy's float sum gets exactly.

    Example:
        >>> x = np.random.default_rng(1).random(1001)
        >>> mean(x) == float(np.mean(x)), mean(np.arange(7)) == float(np.mean(np.arange(7)))
        (True, True)
    """
    return float(x.sum() / x.size)


#: the headline outcomes (issue 28): register-based and income-based poverty incidence, the
#: registered poor still poor, people lifted out of income poverty (net since the baseline), mean
#: income and collective revenue; the monthly table carries each as the value of the latest year
#: closed (:func:`latest_year`), so that ``mesa.batch_run``'s rows hold them
HEADLINE = ("incidence", "income_poor_share", "poor_people", "lifted_out_people", "income_mean",
            "collective_revenue_total")


def latest_year(m, column: str) -> float:
    """The annual table's ``column`` in the latest year closed (NaN before the first
    December): a headline outcome as a monthly model reporter.

    Example:
        >>> from povsim.engine.model import PovertyModel
        >>> m = PovertyModel("zhenbao", seed=1, scale=4)
        >>> m.step(); latest_year(m, "incidence")
        nan
    """
    values = m.datacollector.tables["annual"][column]
    return float(values[-1]) if values else float("nan")


#: the monthly table: column -> reporter of the model at the end of a month
MONTHLY_REPORTERS: dict[str, Callable[[Any], Any]] = {
    "year": lambda m: m.clock.year,
    "month": lambda m: m.clock.month + 1,
    "income_per_capita_ytd": lambda m: (_counts(m).income / _counts(m).people
                                        if _counts(m).people else 0.0),
    "employed_local": lambda m: float(_counts(m).local * m.world.k),
    "enterprise_jobs": lambda m: jobs_held(m.world, "partners", m.monthly_records.fill),
    "cooperative_jobs": lambda m: jobs_held(m.world, "cooperatives", m.monthly_records.fill),
    "migrants": lambda m: float(_counts(m).migrants * m.world.k),
    "sick_households": lambda m: float(_counts(m).sick * m.world.k),
    "coop_members": lambda m: float(_counts(m).members * m.world.k),
    "active_cooperatives": lambda m: int(np.count_nonzero(m.world.coop_arrays.active)),
    "branch_strength_mean": lambda m: mean(m.world.village_arrays.branch_strength),
    # Python's sum over the collectives in order (as before the arrays: the same bits)
    "collective_operating_revenue_ytd": lambda m: float(sum(m.world.coop_arrays.revenue
                                                            .tolist()) * m.world.k),
    "labour_trained_cumulative": lambda m: m.world.programmes.labour_trained * m.world.k,
    "labour_transferred_cumulative": lambda m: m.world.programmes.labour_transferred * m.world.k,
    **{c: (lambda m, c=c: latest_year(m, c)) for c in HEADLINE},
}


class MonthlyRecords(Submodel):
    """The end of every month: count jobs, migrants, illness, members and people and add up
    the income so far in one compiled pass (parallel chunks), then collect the model
    reporters."""

    name, odd, when = "monthly records", "7.13", EVERY_MONTH

    def __init__(self, clock: Clock, world: World, collect: Callable[[], None]):
        super().__init__(clock)
        self.world, self.collect = world, collect
        self.counts = kernels.MonthCounts(0, 0, 0, 0, 0.0, 0)
        self.fill = world.employer_fill()  # each employer's posts' share of a full job
        self._partial = np.zeros((kernels.n_chunks(world.households.n), 6))
        self._batch: tuple | None = None  # a batch's stacked households and counts

    def step(self) -> None:
        self.counts = kernels.month_counts(kernels.HouseholdArrays.of(self.world.households),
                                           self._partial)
        self.record()

    def record(self) -> None:
        """Collect the model reporters, on this month's counts."""
        self.fill = self.world.employer_fill()
        self.collect()

    def step_batch(self, subs: list[MonthlyRecords], state: dict) -> None:
        """:meth:`step` of every run of a batch (:mod:`povsim.engine.batch`): the counts in one call
        over the runs (:func:`povsim.engine.kernels.month_counts_batch`), each run's reporters
        collected by its own collector."""
        if self._batch is None:
            self._batch = (kernels.HouseholdArrays.of(state["households"]),
                           np.zeros((len(subs), *self._partial.shape)))
        households, partial = self._batch
        kernels.month_counts_batch(households, partial)
        totals = partial.sum(axis=1)
        for r, s in enumerate(subs):
            s.counts = kernels.MonthCounts.of(totals[r])
            s.record()


@dataclass
class YearEnd:
    """The state of December a yearly reporter reads (after exits and re-entries).

    ``pc`` is every household's per-capita income of the year, ``order`` its stable sort
    order (one sort serves every quantile and the Gini: a subset of a stable order is the
    subset's own stable order), ``s_*`` the sorted arrays; ``size`` is household size as float;
    money of the cooperatives is scaled to real units (``operating``, ``total``).
    """

    world: World
    clock: Clock
    sc: Scenario
    line: float
    pc: np.ndarray
    exits: np.ndarray
    reentries: np.ndarray
    size: np.ndarray
    people: float
    poor_people: float
    ex_people: float
    re_people: float
    s_pc: np.ndarray
    s_size: np.ndarray
    s_reg: np.ndarray
    operating: np.ndarray
    total: np.ndarray
    net_exits_people: float
    error_exits_people: float
    error_net_exits_people: float
    income_poor_people: float
    cost_year: float
    cost_cumulative: float

    @property
    def hh(self):
        return self.world.households

    @property
    def w(self) -> float:
        return self.world.k

    @property
    def lifted_out(self) -> float:
        """People lifted out of income poverty: below the line in the identification year less
        below it now (real units)."""
        return (self.world.income_poor_people_baseline - self.income_poor_people) * self.w


def _median_registered(y: YearEnd) -> float:
    if not y.hh.registered.any():
        return float("nan")
    return float(sorted_weighted_quantiles(y.s_pc[y.s_reg], y.s_size[y.s_reg], [0.5])[0])


#: the annual table: column -> reporter of the year's end (ODD §7.13 describes each)
ANNUAL_REPORTERS: dict[str, Callable[[YearEnd], Any]] = {
    "year": lambda y: y.clock.year,
    "stage": lambda y: "baseline" if y.clock.year < y.clock.programme_start else "programme",
    "poverty_line": lambda y: y.line,
    "incidence": lambda y: y.poor_people / y.people,
    "poor_households": lambda y: float(y.hh.poor.sum() * y.w),
    "poor_people": lambda y: y.poor_people * y.w,
    "registered_households": lambda y: float(y.hh.registered.sum() * y.w),
    "registered_people": lambda y: y.size[y.hh.registered].sum() * y.w,
    "exits_households": lambda y: float(y.exits.sum() * y.w),
    "exits_people": lambda y: y.ex_people * y.w,
    "reentries_households": lambda y: float(y.reentries.sum() * y.w),
    "reentries_people": lambda y: y.re_people * y.w,
    "net_exits_people_cumulative": lambda y: y.net_exits_people,
    "exits_people_registration_error": lambda y: y.error_exits_people * y.w,
    "net_exits_people_registration_error_cumulative": lambda y: y.error_net_exits_people,
    "lifted_out_people": lambda y: y.lifted_out,
    "income_poor_share": lambda y: y.income_poor_people / y.people,
    "poverty_gap_index": lambda y: poverty_gap_index(y.pc, y.size, y.line),
    "poor_villages_listed": lambda y: int((y.world.village_arrays.poor
                                           & (y.world.village_arrays.exit_year == 0)).sum()),
    "poor_villages_exited": lambda y: int((y.world.village_arrays.exit_year != 0).sum()),
    "income_mean": lambda y: float((y.pc * y.size).sum() / y.people),
    "income_median": lambda y: float(sorted_weighted_quantiles(y.s_pc, y.s_size, [0.5])[0]),
    "income_mean_registered": lambda y: float(
        (y.pc[y.hh.registered] * y.size[y.hh.registered]).sum()
        / max(y.size[y.hh.registered].sum(), 1)),
    "income_median_registered": _median_registered,
    "registered_income_poor_share": lambda y: float(
        y.size[y.hh.registered & (y.pc < y.line)].sum()
        / max(y.size[y.hh.registered].sum(), 1)),
    "gini": lambda y: sorted_gini(y.s_pc, y.s_size),
    "collective_operating_revenue": lambda y: float(y.operating.sum()),
    "collective_revenue_total": lambda y: float(y.total.sum()),
    "collective_operating_min_village": lambda y: float(y.operating.min()),
    "collective_revenue_total_min_village": lambda y: float(y.total.min()),
    "hollow_village_share": lambda y: float(np.mean(y.world.coop_arrays.revenue <= 0)),
    "collective_assets": lambda y: sum(y.world.coop_arrays.capital.tolist()) * y.world.k,
    "villages_assets_over_threshold": lambda y: int((
        y.world.coop_arrays.capital * y.world.k
        >= y.sc.cooperatives.asset_threshold.value).sum()),
    "dividends_paid": lambda y: float(y.hh.income[SRC["dividends"]].sum() * y.w),
    "coop_members": lambda y: float(y.hh.member.sum() * y.w),
    "enterprise_jobs": lambda y: jobs_held(y.world, "partners"),
    "migrants": lambda y: float(y.hh.migrants.sum() * y.w),
    "resident_people": lambda y: float(((y.size - y.hh.migrants) * ~y.hh.away).sum() * y.w),
    "labour_trained_cumulative": lambda y: y.world.programmes.labour_trained * y.w,
    "labour_transferred_cumulative": lambda y: y.world.programmes.labour_transferred * y.w,
    "loans_households": lambda y: y.world.programmes.loans_households * y.w,
    "branch_strength_mean": lambda y: mean(y.world.village_arrays.branch_strength),
    "public_cost": lambda y: y.cost_year,
    "public_cost_cumulative": lambda y: y.cost_cumulative,
    "cost_per_person_lifted": lambda y: (y.cost_cumulative / y.lifted_out if y.lifted_out > 0
                                         else float("nan")),
}

#: the numeric outcome columns of the ``annual`` table (besides ``year`` and ``stage``), in
#: order; the outputs a sweep may keep
ANNUAL_OUTPUTS = tuple(ANNUAL_REPORTERS)[2:]

#: the yearly tables of the DataCollector and their columns
TABLES = {
    "annual": list(ANNUAL_REPORTERS),
    "deciles": ["year", "group", "quantile", "income"],
    "sources": ["year", "group", "source", "income_per_capita"],
    "cadres": ["year", "kind", "cadres", "capacity", "paired_mean", "paired_max",
               "poor_paired_mean", "visits_per_cadre", "effectiveness_mean"],
    "costs": ["year", "item", "yuan"],
    "collectives": ["year", "model", "villages", "operating_revenue", "revenue_total",
                    "revenue_total_per_village", "active"],
    "crops": ["year", "crop", "area_mu", "mature", "income_per_mu", "income_total"],
}


def data_collector() -> mesa.DataCollector:
    """A DataCollector with the monthly model reporters and the yearly tables."""
    return mesa.DataCollector(model_reporters=MONTHLY_REPORTERS, tables=TABLES)


class YearRecorder:
    """December's records: the annual row and the yearly tables' rows, and the year's close of
    the public cost (the ledger)."""

    def __init__(self, world: World, clock: Clock, sc: Scenario, ledger: Ledger,
                 datacollector: mesa.DataCollector, records: tuple[str, ...] = tuple(TABLES)):
        self.world, self.clock, self.sc, self.ledger = world, clock, sc, ledger
        self.dc = datacollector
        self.records = frozenset(records)  # the yearly tables to fill (annual always)
        # each collective-economy model and its collectives, fixed for the run
        models = np.array(world.coop_models)
        self.models = [(name, models == name, int((models == name).sum()))
                       for name in dict.fromkeys(world.coop_models)]
        self.net_exits_people = 0.0  # exits less re-entries so far (persons, real units)
        # the same for the households registered while not income-poor (registration error)
        self.error_net_exits_people = 0.0

    def add(self, table: str, row: dict) -> None:
        """One row of a yearly table."""
        self.dc.add_table_row(table, row)

    def record_year(self, pc: np.ndarray, line: float, exits: np.ndarray,
                    reentries: np.ndarray) -> None:
        """Every yearly record of December: annual, collectives, crops, deciles, sources,
        cadres and costs."""
        w, k, hh, year = self.world, self.world.k, self.world.households, self.clock.year
        size = hh.size.astype(float)
        ex_people, re_people = size[exits].sum(), size[reentries].sum()
        self.net_exits_people += (ex_people - re_people) * k
        error = ~w.poor_at_registration if self.clock.identified else np.zeros(hh.n, bool)
        error_ex = size[exits & error].sum() if exits.any() else 0.0
        error_re = size[reentries & error].sum() if reentries.any() else 0.0
        self.error_net_exits_people += (error_ex - error_re) * k
        cost_rows, cost_year = self.ledger.close_year(year)
        if "costs" in self.records:
            for row in cost_rows:
                self.add("costs", row)
        order = stable_argsort(pc)
        operating = w.coop_arrays.revenue * k
        y = YearEnd(world=w, clock=self.clock, sc=self.sc, line=line, pc=pc, exits=exits,
                    reentries=reentries, size=size, people=size.sum(),
                    poor_people=size[hh.poor].sum(), ex_people=ex_people, re_people=re_people,
                    s_pc=pc[order], s_size=size[order], s_reg=hh.registered[order],
                    operating=operating,
                    total=operating + w.coop_arrays.non_operating * k,
                    net_exits_people=self.net_exits_people, error_exits_people=error_ex,
                    error_net_exits_people=self.error_net_exits_people,
                    income_poor_people=size[pc < line].sum(), cost_year=cost_year,
                    cost_cumulative=self.ledger.cost_cumulative)
        del order  # its memory is free for the reporters' temporaries (a province: 80 MB)
        row = {name: fn(y) for name, fn in ANNUAL_REPORTERS.items()}
        self.add("annual", row)
        # December's monthly row was collected before the close: it shows the year just closed
        for c in HEADLINE:
            self.dc.model_vars[c][-1] = float(row[c])
        if self.records & {"collectives", "crops"}:
            self.collectives_and_crops(y)
        if self.records & {"deciles", "sources"}:
            self.deciles_and_sources(y)
        if self.clock.identified and "cadres" in self.records:
            self.cadre_loads(year)

    def collectives_and_crops(self, y: YearEnd) -> None:
        """Collective revenue by collective-economy model; cash-crop income per mu and total."""
        w, year = self.world, self.clock.year
        for name, m, villages in self.models:
            total = y.total[m]
            self.add("collectives", {
                "year": year, "model": name, "villages": villages,
                "operating_revenue": float(y.operating[m].sum()),
                "revenue_total": float(total.sum()), "revenue_total_per_village": mean(total),
                "active": int(np.count_nonzero(w.coop_arrays.active[m])),
            })
        if not w.crops:
            return
        hh = w.households
        tech = w.village_arrays.tech
        own = hh.farmed(self.sc.income.farm_mu_per_labourer.value)
        w_own = own.sum()
        prod = float((own * hh.farm_prod * tech[hh.village]).sum() / w_own) if w_own > 0 else 0.0
        for c, sh in w.crops:
            if c.by_programme and not self.clock.programme_on:
                sh = 0.0  # never planted without the programme
            mature = year >= c.planted_year.value + c.maturity_years.value
            per_mu = c.yield_value_per_mu.value * self.clock.growth() * prod * mature
            self.add("crops", {
                "year": year, "crop": c.name, "area_mu": float(sh * own.sum() * w.k),
                "mature": bool(mature), "income_per_mu": per_mu,
                "income_total": per_mu * sh * float(own.sum()) * w.k,
            })

    def deciles_and_sources(self, y: YearEnd) -> None:
        """Per-capita income deciles and income by source, all households and registered."""
        hh, year = self.world.households, self.clock.year
        reg = hh.registered
        for group, mask, s_mask in (("all", np.ones(hh.n, bool), np.ones(hh.n, bool)),
                                    ("registered", reg, y.s_reg)):
            if not mask.any():
                continue
            qs = sorted_weighted_quantiles(y.s_pc[s_mask], y.s_size[s_mask], DECILES)
            for q, val in zip(DECILES, qs, strict=True):
                self.add("deciles", {"year": year, "group": group, "quantile": q, "income": val})
            tot = np.zeros(len(SRC))
            kernels.masked_row_sums(hh.income, mask, tot)  # = hh.income[:, mask].sum(axis=1)
            tot /= y.size[mask].sum()
            for s, i in SRC.items():
                self.add("sources", {"year": year, "group": group, "source": s,
                                     "income_per_capita": float(tot[i])})

    def cadre_loads(self, year: int) -> None:
        """Household-role cadres by kind: loads, visits this year and effectiveness."""
        hh, cadres = self.world.households, self.world.cadres
        paired = hh.cadre >= 0
        load_all = np.bincount(hh.cadre[paired], minlength=cadres.n)
        load_poor = np.bincount(hh.cadre[paired & hh.poor], minlength=cadres.n)
        hcad = cadres.pairs_households
        for kind in sorted(set(cadres.kind[hcad].tolist())):
            m = hcad & (cadres.kind == kind)
            self.add("cadres", {
                "year": year, "kind": kind, "cadres": float(sum(cadres.represents[m].tolist())),
                "capacity": int(cadres.capacity[m].max()),
                "paired_mean": mean(load_all[m]), "paired_max": int(load_all[m].max()),
                "poor_paired_mean": mean(load_poor[m]),
                "visits_per_cadre": mean(cadres.visits_year[m]),
                "effectiveness_mean": mean(cadres.effectiveness[m]),
            })
