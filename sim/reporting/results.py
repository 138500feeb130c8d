"""Results of a set of replicates: tidy tables, summaries with 10-90% bands, files and plots.

Tables (pandas, one row per observation, a ``replicate`` column in each):

- ``annual``: one row per replicate and year (the baseline year first, ``stage="baseline"``).
- ``monthly``: one row per replicate and month.
- ``deciles``: per-capita income deciles by year and group (``all``, ``registered``).
- ``sources``: per-capita income by source, year and group.
- ``cadres``: household-pairing cadre loads, visits and effectiveness by year and kind.
- ``costs``: public cost by year and item (yuan).
- ``collectives``: collective revenue by year and collective-economy model.
- ``crops``: cash-crop area, maturity and income per mu by year and crop (empty without crops).
- ``ledger``: money flows over the whole run by payer, payee and item (yuan).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> from povsim.experiments.runner import run_scenario
    >>> res = run_scenario(load_scenario("scenarios/xixiu.yaml"), replicates=2, scale=1000,
    ...                    progress=False)
    >>> list(res.band("annual", "incidence").columns)
    ['year', 'p10', 'median', 'p90']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from povsim.base.outputs import (
    VERSION,
    atomic_write,
    git_commit,
    software,
    table_entries,
    write_manifest,
    write_tables,
)
from povsim.reporting.outcomes import outcome
from povsim.schema.config import Scenario, scenario_source

TABLE_DESCRIPTIONS = {
    "annual": "one row per replicate and year: incidence, poor households and people, exits, "
              "re-entries, villages, income mean/median, Gini, collective economy, costs",
    "monthly": "one row per replicate and month: income, jobs, migrants, members, cooperatives, "
               "and the headline outcomes of the latest year closed",
    "deciles": "per-capita income deciles (person-weighted) by replicate, year and group",
    "sources": "per-capita income by source, replicate, year and group",
    "cadres": "household-pairing cadre loads, visits and effectiveness by replicate, year, kind",
    "costs": "public cost by replicate, year and item (yuan)",
    "collectives": "collective revenue by replicate, year and collective-economy model",
    "crops": "cash-crop area, maturity and income per mu by replicate, year and crop",
    "ledger": "money flows over the run by replicate and payer->payee:item (yuan)",
    "annual_no_programme": "the annual table of the same runs (seeds, draws) with the programme "
                           "off: the no-programme counterfactual on common random numbers",
}
#: the table of the no-programme counterfactual (``run_scenario(..., counterfactual=True)``)
NO_PROGRAMME = "annual_no_programme"
#: the summary's last row where a counterfactual was run: the programme's public cost (its
#: added cost) per person it lifts out (its added people lifted out of income poverty)
PROGRAMME_COST_ROW = "programme's public cost per person it lifts out (yuan)"
#: the run plots: file name -> annual column (labels and units:
#: :data:`povsim.reporting.outcomes.OUTCOMES`)
PLOTS = {
    "incidence.png": "incidence",
    "income.png": "income_mean",
    "collective_revenue.png": "collective_operating_revenue",
}
#: the summary's rows: start and end year bands of these annual columns
SUMMARY_ROWS = ("incidence", "income_poor_share", "poor_people", "income_mean",
                "income_mean_registered", "collective_operating_revenue", "hollow_village_share",
                "gini")
#: how to read the counterfactual's columns (the summary's and the report's)
EFFECT_NOTE = ("without the programme: the same runs (seeds, posterior draws) with the programme "
               "off, 10-90% band; programme's effect: with minus without, replicate by "
               "replicate, mean and 90% t interval; register exits include those the register "
               "makes without anyone's income changing (registration error)")
#: the summary's end-year-only rows (cumulative outcomes)
SUMMARY_END_ROWS = ("lifted_out_people", "net_exits_people_cumulative",
                    "net_exits_people_registration_error_cumulative", "poor_villages_exited",
                    "public_cost_cumulative", "cost_per_person_lifted")


def band_cell(median: float, lo: float, hi: float, sign: bool = False) -> str:
    """A median (or mean) and its band as the summary shows them ("-" for none; with
    ``sign``, a difference: its sign always shown).

    Example:
        >>> band_cell(3.6671, 3.604, 3.717), band_cell(52598.0, 51352.0, 53125.0)
        ('3.667 [3.604, 3.717]', '52,598 [51,352, 53,125]')
        >>> band_cell(1250.0, -20.0, 2520.0, sign=True)
        '+1,250 [-20, +2,520]'
    """
    if pd.isna(median):
        return "-"
    digits = 3 if abs(median) < 10 else 1 if abs(median) < 1000 else 0
    fmt = f"{'+' if sign else ''},.{digits}f"
    if pd.isna(lo):
        return f"{median:{fmt}}"
    return f"{median:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


@dataclass
class Results:
    """Tables of a run set with helpers to summarise, write and read them back."""

    scenario: Scenario | None
    tables: dict[str, pd.DataFrame]
    run_info: dict = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    # ------------------------------------------------------------------ summaries
    def band(self, table: str, column: str, by: str = "year") -> pd.DataFrame:
        """10th percentile, median and 90th percentile over replicates of ``column`` by ``by``.

        Example:
            >>> df = pd.DataFrame({"replicate": [0, 1], "year": [1, 1], "x": [1.0, 3.0]})
            >>> Results(None, {"t": df}).band("t", "x")["median"].tolist()
            [2.0]
        """
        g = self.tables[table].groupby(by)[column]
        out = pd.DataFrame({"p10": g.quantile(0.1), "median": g.median(), "p90": g.quantile(0.9)})
        return out.reset_index()

    def summary(self, level: float = 0.9) -> pd.DataFrame:
        """Start (baseline) versus end-year values of the headline outcomes, with 10-90% bands.

        Where the runs have a no-programme counterfactual (:data:`NO_PROGRAMME`), each row also
        has the end-year band without the programme (``without_*``) and the programme's effect
        (``effect_*``): the mean of the paired differences (replicate by replicate, common
        random numbers) and its t interval at ``level``; and the public cost per person lifted
        out becomes the programme's: its added cost over the people it adds to those lifted
        out, replicate by replicate (undefined where it adds none).

        Example:
            >>> from povsim.schema.config import load_scenario
            >>> from povsim.experiments.runner import run_scenario
            >>> r = run_scenario(load_scenario("scenarios/xixiu.yaml"), replicates=2,
            ...                  scale=1000, progress=False, counterfactual=True)
            >>> r.summary().columns[:4].tolist(), "effect_mean" in r.summary()
            (['outcome', 'unit', 'start_year', 'start_median'], True)
        """
        from povsim.engine.stats import paired_interval

        a = self.tables["annual"]
        off = self.tables.get(NO_PROGRAMME)
        y0, y1 = int(a["year"].min()), int(a["year"].max())

        def end(table: pd.DataFrame, col: str) -> pd.Series:
            return table[table["year"] == y1].set_index("replicate")[col].sort_index()

        def quantiles(x: pd.Series) -> dict[str, float]:
            q = x.quantile([0.1, 0.5, 0.9])
            return {"median": q[0.5], "p10": q[0.1], "p90": q[0.9]}

        def versus(col: str, scale: float) -> dict[str, float]:
            if off is None:
                return {}
            w, wo = end(a, col) * scale, end(off, col) * scale
            m, lo, hi = paired_interval((w - wo).to_numpy(), level)
            return {f"without_{k}": v for k, v in quantiles(wo).items()} | {
                "effect_mean": m, "effect_lo": lo, "effect_hi": hi}

        rows = []
        for col in SUMMARY_ROWS:
            o = outcome(col)
            b = self.band("annual", col).set_index("year") * o.scale
            s, e = b.loc[y0], b.loc[y1]
            rows.append({"outcome": o.axis, "unit": o.unit, "start_year": y0,
                         "start_median": s["median"],
                         "start_p10": s["p10"], "start_p90": s["p90"], "end_year": y1,
                         "end_median": e["median"], "end_p10": e["p10"], "end_p90": e["p90"],
                         **versus(col, o.scale)})
        nan = float("nan")
        for col in SUMMARY_END_ROWS:
            o = outcome(col)
            if col == "cost_per_person_lifted" and off is not None:
                added = end(a, "lifted_out_people") - end(off, "lifted_out_people")
                cost = end(a, "public_cost_cumulative") - end(off, "public_cost_cumulative")
                per = (cost / added).where(added > 0)
                q = quantiles(per) if per.notna().any() else dict.fromkeys(
                    ("median", "p10", "p90"), nan)
                rows.append({"outcome": PROGRAMME_COST_ROW, "unit": "yuan", "start_year": y0,
                             "start_median": nan, "start_p10": nan, "start_p90": nan,
                             "end_year": y1, "end_median": q["median"], "end_p10": q["p10"],
                             "end_p90": q["p90"]})
                continue
            q = quantiles(end(a, col) * o.scale)
            rows.append({"outcome": o.axis, "unit": o.unit, "start_year": y0,
                         "start_median": nan,
                         "start_p10": nan, "start_p90": nan, "end_year": y1,
                         "end_median": q["median"], "end_p10": q["p10"], "end_p90": q["p90"],
                         **versus(col, o.scale)})
        return pd.DataFrame(rows)

    def format_summary(self) -> str:
        """The summary as aligned text: median [10%, 90%] at start and end; with a
        counterfactual, the end year without the programme and the programme's effect, mean
        [90% interval]."""
        s = self.summary()
        cell = band_cell
        y0, y1 = int(s["start_year"].iloc[0]), int(s["end_year"].iloc[0])
        rows = [(r.outcome, cell(r.start_median, r.start_p10, r.start_p90),
                 cell(r.end_median, r.end_p10, r.end_p90)) for r in s.itertuples()]
        head = ("outcome", f"{y0} (baseline) median [p10, p90]", f"{y1} median [p10, p90]")
        if "effect_mean" in s:
            rows = [(*row, cell(r.without_median, r.without_p10, r.without_p90),
                     cell(r.effect_mean, r.effect_lo, r.effect_hi, sign=True))
                    for row, r in zip(rows, s.itertuples(), strict=True)]
            head = (*head, f"{y1} without the programme", "programme's effect [90% interval]")
        widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(len(head))]
        lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                 for r in [head, *rows]]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if "effect_mean" in s:
            lines.append(EFFECT_NOTE)
        return "\n".join(lines)

    # ------------------------------------------------------------------ files
    def manifest(self) -> dict:
        """Provenance of these results: scenario file and hash, seed, versions, git commit."""
        path, sha = scenario_source(self.scenario) if self.scenario else (None, None)
        sw = software()
        return {
            "povsim_version": VERSION,
            "git_commit": git_commit(),
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "scenario": {"name": getattr(self.scenario, "name", None), "file": path,
                         "sha256": sha,
                         "policy": self.scenario.policy.model_dump() if self.scenario else None},
            "run": self.run_info,
            "python": sw["python"],
            "numpy": sw["numpy"], "pandas": sw["pandas"], "mesa": sw["mesa"],
            "tables": table_entries(self.tables, TABLE_DESCRIPTIONS),
            "plots": sorted(PLOTS),
        }

    def write(self, out: str | Path, plots: bool = True) -> list[Path]:
        """Write every table as Parquet and CSV, the manifest and (optionally) the plots.

        Each file is written to a temporary name and renamed into place, so an interrupted
        write never leaves a half-written file under a final name. Returns the paths written.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = write_tables(out, self.tables)
        if plots:
            from povsim.calibration.metrics import figures_on
            from povsim.reporting.plots import plot_bands
            from povsim.schema.config import registry_for

            reg = registry_for(self.scenario) if self.scenario else None
            for fname, col in PLOTS.items():
                figs = figures_on(col, self.scenario.case, reg) if reg else []
                written.append(atomic_write(out / fname, lambda p, c=col, f=figs:
                                            plot_bands(self, c, p, f)))
        written.append(write_manifest(out, self.manifest()))
        return written

    @classmethod
    def read(cls, out: str | Path) -> Results:
        """Read results written by :meth:`write` (tables from Parquet, run info from the manifest).

        Example:
            >>> import tempfile
            >>> from povsim.schema.config import load_scenario
            >>> from povsim.experiments.runner import run_scenario
            >>> r = run_scenario(load_scenario("scenarios/xixiu.yaml"), scale=2000, progress=False)
            >>> d = tempfile.mkdtemp(); _ = r.write(d, plots=False)
            >>> Results.read(d).annual.equals(r.annual)
            True
        """
        from povsim.base.inputs import read_json, regular_file

        out = Path(out)
        man = read_json(out / "manifest.json")
        tables = {name: pd.read_parquet(regular_file(out / f"{name}.parquet"))
                  for name in man["tables"]}
        return cls(scenario=None, tables=tables, run_info=man.get("run", {}))
