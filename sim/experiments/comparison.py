"""Compare policy variants with a baseline on common random numbers, with paired intervals.

A comparison runs the baseline scenario and every variant for the same replicates and seed.
Replicate ``r`` of every variant draws every shock from the same streams, and each pairing
lever from its own stream, so the difference ``variant - baseline`` within a replicate is due
to the policy alone (common random numbers). Over ``R`` replicates each difference is reported
as its mean with a paired interval ``mean +/- t(1 - (1 - level) / 2, R - 1) * sd / sqrt(R)``
(a 90% interval by default). Households are the same ones (same order) in every variant of a
replicate, so household-level outcomes are compared household by household: the share of
households better or worse off, and the change of per-capita income by the decile of
identification-year income.

Variants come from policy levers or any parameter by dotted path (:func:`variants_from_levers`)
or from whole alternative scenario files (:func:`variants_from_files`).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> sc = load_scenario("scenarios/xixiu.yaml")
    >>> same = variants_from_levers(sc, {"cadre_pairing": [sc.policy.cadre_pairing]})
    >>> cmp = compare(sc, same, replicates=2, scale=2000, progress=False)
    >>> float(cmp.headline["diff"].abs().max())  # an identical variant: exactly zero
    0.0
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from povsim.base.inputs import ScenarioError
from povsim.base.outputs import (
    VERSION,
    atomic_write,
    git_commit,
    software,
    table_entries,
    write_manifest,
    write_tables,
)
from povsim.engine.batch import iter_many
from povsim.engine.stats import paired_interval
from povsim.reporting.outcomes import outcome
from povsim.reporting.progress import month_bar
from povsim.schema.config import Scenario, scenario_source, source_counts
from povsim.schema.variants import Variant, parse_vary, variants_from_files, variants_from_levers

#: the variants live in povsim.schema.variants (a light module the command line reads first);
#: they are povsim.experiments.comparison's too
__all__ = ["Comparison", "Variant", "compare", "paired_interval", "parse_vary",
           "variants_from_files", "variants_from_levers"]

#: headline outcomes: key, label ({y1} is the end year), unit, number of decimals shown
HEADLINE = (
    ("incidence_end", "poverty incidence {y1} (register-based)", "%", 3),
    ("income_poverty_end", "income-poverty rate {y1} (everyone below the line)", "%", 3),
    ("poor_people_end", "registered poor people still poor {y1}", "people", 0),
    ("lifted_out", "people lifted out of income poverty, net since the baseline", "people", 0),
    ("register_exits", "people exited the register, net cumulative", "people", 0),
    ("register_exits_error", "of which registered while not income-poor (registration error)",
     "people", 0),
    ("exited_people", "people exited the register, gross, programme years", "people", 0),
    ("exited_households", "households exited the register, gross, programme years",
     "households", 0),
    ("villages_exited", "poor villages exited, cumulative", "villages", 1),
    ("income_mean_end", "mean per-capita income {y1}", "yuan", 0),
    ("income_mean_registered_end", "mean per-capita income {y1}, registered", "yuan", 0),
    ("collective_revenue_end", "collective operating revenue {y1}", "million yuan", 3),
    ("collective_revenue_total", "collective operating revenue, programme years", "million yuan",
     3),
    ("public_cost", "public cost, cumulative", "million yuan", 2),
    ("cost_per_person_lifted", "public cost per person lifted out", "yuan", 0),
    ("gini_end", "Gini {y1}", "0-1", 4),
    ("better_off", "households better off than under the baseline", "%", 2),
    ("worse_off", "households worse off than under the baseline", "%", 2),
)
#: outcomes reported year by year: annual columns (labels, units and scales from
#: :data:`povsim.reporting.outcomes.OUTCOMES`)
BY_YEAR = ("incidence", "poor_people", "lifted_out_people", "exits_people",
           "net_exits_people_cumulative",
           "income_mean", "gini", "collective_operating_revenue", "public_cost")
DECILES = 10


def run_metrics(annual: pd.DataFrame) -> dict[str, float]:
    """The headline outcomes of one run from its ``annual`` table (units as in ``HEADLINE``).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> from povsim.engine.replicate import run_replicate
        >>> t = run_replicate(load_scenario("scenarios/xixiu.yaml"), 1, 0, scale=2000)
        >>> 0 <= run_metrics(t["annual"])["incidence_end"] <= 100
        True
    """
    a = annual.sort_values("year")
    end = a.iloc[-1]
    prog = a[a["stage"] == "programme"]
    return {
        "incidence_end": 100.0 * float(end["incidence"]),
        "income_poverty_end": 100.0 * float(end["income_poor_share"]),
        "poor_people_end": float(end["poor_people"]),
        "exited_people": float(prog["exits_people"].sum()),
        "exited_households": float(prog["exits_households"].sum()),
        "lifted_out": float(end["lifted_out_people"]),
        "register_exits": float(end["net_exits_people_cumulative"]),
        "register_exits_error": float(end["net_exits_people_registration_error_cumulative"]),
        "villages_exited": float(end["poor_villages_exited"]),
        "income_mean_end": float(end["income_mean"]),
        "income_mean_registered_end": float(end["income_mean_registered"]),
        "collective_revenue_end": 1e-6 * float(end["collective_operating_revenue"]),
        "collective_revenue_total": 1e-6 * float(prog["collective_operating_revenue"].sum()),
        "public_cost": 1e-6 * float(end["public_cost_cumulative"]),
        "cost_per_person_lifted": float(end["cost_per_person_lifted"]),
        "gini_end": float(end["gini"]),
    }


def income_deciles(pc_income_baseline: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Decile (0-9) of each household by identification-year per-capita income, person-weighted.

    Example:
        >>> income_deciles(np.arange(10.0), np.ones(10)).tolist()
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    order = np.argsort(pc_income_baseline, kind="stable")
    w = people[order].astype(float)
    mid = (np.cumsum(w) - w / 2.0) / w.sum()
    dec = np.empty(order.size, np.int64)
    dec[order] = np.minimum((mid * DECILES).astype(np.int64), DECILES - 1)
    return dec


def household_metrics(base: pd.DataFrame, var: pd.DataFrame, tolerance: float = 1.0
                      ) -> tuple[dict[str, float], pd.DataFrame] | None:
    """Household-by-household comparison of two runs of the same replicate.

    Returns the shares (%) of households whose final-year per-capita income is higher / lower
    than under the baseline by more than ``tolerance`` yuan, and, by decile of the baseline's
    identification-year income, the person-weighted mean final-year per-capita income under
    each and its change. None when the two runs do not hold the same households (an
    alternative file with another population).

    Example:
        >>> b = pd.DataFrame({"village": [0, 0], "size": [1, 3], "pc_income_baseline": [1., 2.],
        ...                   "pc_income": [10.0, 20.0]})
        >>> v = b.assign(pc_income=[15.0, 20.0])
        >>> shares, dec = household_metrics(b, v)
        >>> shares
        {'better_off': 50.0, 'worse_off': 0.0}
    """
    if (len(base) != len(var) or not np.array_equal(base["village"].to_numpy(),
                                                    var["village"].to_numpy())
            or not np.array_equal(base["size"].to_numpy(), var["size"].to_numpy())):
        return None
    d = var["pc_income"].to_numpy() - base["pc_income"].to_numpy()
    shares = {"better_off": 100.0 * float(np.mean(d > tolerance)),
              "worse_off": 100.0 * float(np.mean(d < -tolerance))}
    people = base["size"].to_numpy().astype(float)
    dec = income_deciles(base["pc_income_baseline"].to_numpy(), people)
    wsum = np.bincount(dec, weights=people, minlength=DECILES)
    with np.errstate(invalid="ignore", divide="ignore"):
        b_mean = np.bincount(dec, people * base["pc_income"].to_numpy(), DECILES) / wsum
        v_mean = np.bincount(dec, people * var["pc_income"].to_numpy(), DECILES) / wsum
    table = pd.DataFrame({"decile": np.arange(1, DECILES + 1), "baseline": b_mean,
                          "value": v_mean, "diff": v_mean - b_mean})
    return shares, table


@dataclass
class Comparison:
    """A finished comparison: per-run outcomes and the paired-difference tables.

    ``runs``: one row per variant and replicate with every headline outcome. ``annual``: the
    annual tables of every run with a ``variant`` column. ``decile_runs``: per variant,
    replicate and decile, mean final-year per-capita income under baseline and variant.
    ``headline``, ``by_year`` and ``deciles``: for every variant but the baseline, the
    baseline's and the variant's mean over replicates and the paired difference with its
    interval (``diff``, ``diff_lo``, ``diff_hi``).
    """

    baseline: Variant
    variants: list[Variant]
    runs: pd.DataFrame
    annual: pd.DataFrame
    decile_runs: pd.DataFrame
    run_info: dict = field(default_factory=dict)
    level: float = 0.9
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.runs.empty:  # an empty shell (e.g. in an example): no tables to derive
            self.headline = self.by_year = self.deciles = pd.DataFrame()
            return
        self.headline = self._headline()
        self.by_year = self._by_year()
        self.deciles = self._deciles()

    @property
    def baseline_label(self) -> str:
        """The baseline's name with its values of the varied levers, e.g. for plot titles.

        Example:
            >>> from povsim.schema.config import load_scenario
            >>> sc = load_scenario("scenarios/xixiu.yaml")
            >>> v = variants_from_levers(sc, {"cadre_pairing": ["random"]})
            >>> Comparison(Variant("baseline", sc), v, *[pd.DataFrame()] * 3).baseline_label
            'baseline (cadre_pairing=same_village)'
        """
        keys = list(dict.fromkeys(k for v in self.variants for k in v.changes if k != "file"))
        if not keys:
            return self.baseline.name
        vals = ", ".join(f"{k}={self.baseline.scenario.get_param(k)}" for k in keys)
        return f"{self.baseline.name} ({vals})"

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (what :meth:`write` writes)."""
        return {"headline": self.headline, "by_year": self.by_year, "deciles": self.deciles,
                "runs": self.runs, "annual": self.annual, "decile_runs": self.decile_runs}

    # ------------------------------------------------------------------ tables
    def _pairs(self, table: pd.DataFrame, keys: list[str], col: str, variant: str):
        b = table[table["variant"] == self.baseline.name].set_index([*keys, "replicate"])[col]
        v = table[table["variant"] == variant].set_index([*keys, "replicate"])[col]
        return b, v.reindex(b.index)

    def _rows(self, table, keys, metrics) -> list[dict]:
        rows = []
        for var in self.variants:
            for col in metrics:
                b, v = self._pairs(table, keys, col, var.name)
                groups = (b.groupby(level=keys) if keys else [((), b)])
                for key, bg in groups:
                    vg = v.loc[bg.index]
                    m, lo, hi = paired_interval((vg - bg).to_numpy(), self.level)
                    row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
                    rows.append({"variant": var.name, "metric": col, **row,
                                 "baseline": float(bg.mean()), "value": float(vg.mean()),
                                 "value_p10": float(vg.quantile(0.1)),
                                 "value_p90": float(vg.quantile(0.9)),
                                 "diff": m, "diff_lo": lo, "diff_hi": hi,
                                 "replicates": int(vg.notna().sum())})
        return rows

    def _headline(self) -> pd.DataFrame:
        base = self.annual[self.annual["variant"] == self.baseline.name]
        y1 = int(base["year"].max())  # labels name the baseline's end year (see the notes)
        rows = self._rows(self.runs, [], [k for k, *_ in HEADLINE])
        meta = {k: (label.format(y1=y1), unit) for k, label, unit, _ in HEADLINE}
        df = pd.DataFrame(rows)
        df.insert(2, "label", df["metric"].map(lambda k: meta[k][0]))
        df.insert(3, "unit", df["metric"].map(lambda k: meta[k][1]))
        relative = df["metric"].isin(["better_off", "worse_off"])
        df.loc[relative, "baseline"] = np.nan  # a share relative to the baseline itself
        return df

    def _by_year(self) -> pd.DataFrame:
        a = self.annual.copy()
        for col in BY_YEAR:
            a[col] = a[col] * outcome(col).scale
        df = pd.DataFrame(self._rows(a, ["year"], list(BY_YEAR)))
        df.insert(3, "label", df["metric"].map(lambda k: outcome(k).label))
        df.insert(4, "unit", df["metric"].map(lambda k: outcome(k).unit))
        return df

    def _deciles(self) -> pd.DataFrame:
        cols = ["variant", "decile", "baseline", "value", "value_p10", "value_p90", "diff",
                "diff_lo", "diff_hi", "replicates"]
        if self.decile_runs.empty:
            return pd.DataFrame(columns=cols)
        rows = []
        for var in self.variants:
            d = self.decile_runs[self.decile_runs["variant"] == var.name]
            for dec, g in d.groupby("decile"):
                m, lo, hi = paired_interval(g["diff"].to_numpy(), self.level)
                rows.append({"variant": var.name, "decile": int(dec),
                             "baseline": float(g["baseline"].mean()),
                             "value": float(g["value"].mean()),
                             "value_p10": float(g["value"].quantile(0.1)),
                             "value_p90": float(g["value"].quantile(0.9)),
                             "diff": m, "diff_lo": lo, "diff_hi": hi, "replicates": len(g)})
        return pd.DataFrame(rows, columns=cols)

    # ------------------------------------------------------------------ text
    def format(self, width: int = 120) -> str:
        """The headline table as text: baseline mean, then per variant difference [interval]."""
        info = self.run_info
        pct = round(100 * self.level)
        levers = ", ".join(f"{k}={v}" for k, v in self.baseline.scenario.policy.model_dump()
                           .items() if v is not None)
        n_draws = info.get("posterior_draws", 0)
        runs = (f"{n_draws} posterior draws x {info.get('replicates')} paired replicates "
                "(intervals include parameter uncertainty)" if n_draws else
                f"{info.get('replicates')} paired replicates")
        lines = [f"{self.baseline.scenario.title}: {self.baseline.name} {levers}",
                 f"{runs} (common random numbers), seed "
                 f"{info.get('seed')}, scale 1:{info.get('scale', 1):g}; each cell is variant "
                 f"minus baseline, mean [{pct}% paired interval]"]
        digits = {k: d for k, _, _, d in HEADLINE}
        h = self.headline

        def num(x, d, sign=False):
            if pd.isna(x):
                return "-"
            return f"{x:{'+' if sign else ''},.{d}f}"

        labels = [f"{r.label} ({r.unit})" for r in
                  h[h["variant"] == self.variants[0].name].itertuples()]
        base_col = [num(r.baseline, digits[r.metric]) for r in
                    h[h["variant"] == self.variants[0].name].itertuples()]
        cols = []
        for var in self.variants:
            hv = h[h["variant"] == var.name]
            cells = []
            for r in hv.itertuples():
                d = digits[r.metric]
                cell = num(r.diff, d, sign=True)
                if not pd.isna(r.diff_lo):
                    cell += f" [{num(r.diff_lo, d, True)}, {num(r.diff_hi, d, True)}]"
                cells.append(cell)
            cols.append((var.name, cells))
        w0 = max(len(x) for x in [*labels, "outcome"])
        w1 = max(len(x) for x in [*base_col, "baseline"])
        blocks, block, used = [], [], w0 + w1 + 2
        for name, cells in cols:
            w = max(len(x) for x in [name, *cells])
            if block and used + w + 2 > width:
                blocks.append(block)
                block, used = [], w0 + w1 + 2
            block.append((name, cells, w))
            used += w + 2
        blocks.append(block)
        for block in blocks:
            head = ["outcome".ljust(w0), "baseline".rjust(w1),
                    *[n.rjust(w) for n, _, w in block]]
            lines += ["", "  ".join(head), "  ".join("-" * len(x) for x in head)]
            for i, lab in enumerate(labels):
                lines.append("  ".join([lab.ljust(w0), base_col[i].rjust(w1),
                                        *[c[i].rjust(w) for _, c, w in block]]))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    # ------------------------------------------------------------------ files
    def manifest(self) -> dict:
        """Provenance: baseline file and hash, every variant's changes and levers, seeds."""
        def describe(v: Variant) -> dict:
            path, sha = scenario_source(v.scenario)
            return {"name": v.name, "changes": v.changes, "file": path, "sha256": sha,
                    "policy": v.scenario.policy.model_dump(),
                    "parameters": source_counts(v.scenario)}

        sw = software()
        return {"povsim_version": VERSION, "git_commit": git_commit(),
                "kind": "comparison", "level": self.level,
                "baseline": describe(self.baseline),
                "variants": [describe(v) for v in self.variants],
                "run": self.run_info, "notes": self.notes,
                "numpy": sw["numpy"], "pandas": sw["pandas"], "mesa": sw["mesa"],
                "tables": table_entries(self.tables),
                "plots": list(COMPARE_PLOTS)}

    def write(self, out: str | Path, plots: bool = True) -> list[Path]:
        """Write every table as Parquet and CSV, the manifest and (optionally) the plots.

        Each file goes to a temporary name first and is renamed into place, so an interrupted
        write leaves earlier files whole. Returns the paths written.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = write_tables(out, self.tables)
        if plots:
            written += self.plot(out)
        written.append(write_manifest(out, self.manifest()))
        return written

    def plot(self, out: str | Path) -> list[Path]:
        """Draw the comparison plots into folder ``out`` and return their paths."""
        from povsim.reporting import plots

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, fn in COMPARE_PLOTS.items():
            draw = getattr(plots, fn)
            written.append(atomic_write(out / name, lambda p, f=draw: f(self, p)))
        return written


COMPARE_PLOTS = {
    "compare_incidence.png": "plot_compare_incidence",
    "compare_differences.png": "plot_compare_differences",
    "compare_deciles.png": "plot_compare_deciles",
}


def _unique_names(baseline: Variant, variants: list[Variant]) -> list[Variant]:
    seen = {baseline.name}
    out = []
    for v in variants:
        name, k = v.name, 2
        while name in seen:
            name, k = f"{v.name}#{k}", k + 1
        seen.add(name)
        out.append(Variant(name, v.scenario, v.changes))
    return out


def with_draw(baseline: Variant, variant: Variant, draw: dict[str, float] | None) -> Scenario:
    """A variant's scenario under one posterior draw: the draw's parameter values, then the
    variant's own changes (a variant from a file takes the draw's values over its own).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> sc = load_scenario("zhenbao")
        >>> v = Variant("x", sc.with_params({"cadre_pairing": "random"}),
        ...             {"cadre_pairing": "random"})
        >>> s = with_draw(Variant("baseline", sc), v, {"behaviour.join_prob_month": 0.01})
        >>> s.behaviour.join_prob_month.value, s.policy.cadre_pairing
        (0.01, 'random')
    """
    if not draw:
        return variant.scenario
    if "file" in variant.changes or variant is baseline:
        return variant.scenario.with_params(draw)
    return baseline.scenario.with_params(draw).with_params(variant.changes)


def compare(baseline: Scenario | Variant, variants: list[Variant], *, replicates: int = 20,
            seed: int = 1, scale: float = 1.0, level: float = 0.9, tolerance: float = 1.0,
            progress: bool = True, draws: list[dict[str, float]] | None = None) -> Comparison:
    """Run the baseline and every variant on common random numbers and compare them.

    Replicate ``r`` of every variant uses the streams of ``SeedSequence(seed, spawn_key=(r,))``;
    ``tolerance`` (yuan per person per year) is the income change below which a household
    counts as neither better nor worse off. With posterior ``draws`` (parameter values by path,
    e.g. from :func:`povsim.calibration.posterior.posterior_draws`) every variant runs under
    each draw (:func:`with_draw`) for ``replicates`` replicates: run ``j = d x replicates + r``
    (column ``replicate``; ``draw`` = d) of every variant shares its draw and its streams, so
    the paired intervals pool seed noise and parameter uncertainty.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> sc = load_scenario("scenarios/xixiu.yaml")
        >>> cmp = compare(sc, variants_from_levers(sc, {"cadre_pairing": ["random"]}),
        ...               replicates=2, scale=2000, progress=False)
        >>> cmp.headline[["variant", "metric"]].iloc[0].tolist()
        ['random', 'incidence_end']
    """
    if not isinstance(baseline, Variant):
        baseline = Variant("baseline", baseline)
    if not variants:
        raise ScenarioError("nothing to compare: give at least one variant "
                            "(--vary LEVER=V1,V2 or --against FILE)")
    variants = _unique_names(baseline, variants)
    everyone = [baseline, *variants]
    n_draws = len(draws) if draws else 1
    months = sum(12 * (v.scenario.end_year - v.scenario.start_year + 2) for v in everyone)
    bar = month_bar(months * replicates * n_draws,
                    f"compare {baseline.scenario.name}: {len(everyone)} variants x {replicates}"
                    + (f" x {n_draws} draws" if draws else ""), progress)
    runs, annual, dec_rows, unmatched = [], [], [], set()
    t0 = time.perf_counter()
    # every run (draw, replicate, variant) in that order; small runs go in batches
    plan, scenarios = [], []
    for d in range(n_draws):
        draw = draws[d] if draws else None
        scen = {v.name: with_draw(baseline, v, draw) for v in everyone}
        for r in range(replicates):
            for v in everyone:
                plan.append((d, d * replicates + r, v))
                scenarios.append(scen[v.name])
    tables = iter_many(scenarios, [seed] * len(plan), [j for _, j, _ in plan], scale,
                       on_month=bar.update, households=True)
    base_hh = None
    for (d, j, v), t in zip(plan, tables, strict=True):
        row = {"variant": v.name, "replicate": j, **({"draw": d} if draws else {}),
               **run_metrics(t["annual"])}
        if v is baseline:  # each replicate's baseline comes first
            base_hh = t["households"]
            row.update(better_off=0.0, worse_off=0.0)
        else:
            hm = household_metrics(base_hh, t["households"], tolerance)
            if hm is None:
                unmatched.add(v.name)
                row.update(better_off=np.nan, worse_off=np.nan)
            else:
                row.update(hm[0])
                dec_rows.append(hm[1].assign(variant=v.name, replicate=j))
        runs.append(row)
        annual.append(t["annual"].assign(variant=v.name))
    bar.close()
    wall = time.perf_counter() - t0
    notes = [f"{n}: other households than the baseline's (another population), so no "
             "household-level comparison (better/worse off, deciles)" for n in sorted(unmatched)]
    years = {v.name: (v.scenario.start_year, v.scenario.end_year) for v in everyone}
    notes += [f"{n}: runs {a}-{b}, not the baseline's {years[baseline.name][0]}-"
              f"{years[baseline.name][1]}; end-year outcomes compare each run's own last year"
              for n, (a, b) in years.items() if (a, b) != years[baseline.name]]
    dec = (pd.concat(dec_rows, ignore_index=True)[
        ["variant", "replicate", "decile", "baseline", "value", "diff"]] if dec_rows else
        pd.DataFrame(columns=["variant", "replicate", "decile", "baseline", "value", "diff"]))
    ann = pd.concat(annual, ignore_index=True)
    ann.insert(0, "variant", ann.pop("variant"))
    info = {"seed": int(seed), "replicates": int(replicates), "scale": float(scale),
            "posterior_draws": n_draws if draws else 0,
            "tolerance_yuan": float(tolerance), "runs": len(runs),
            "wall_seconds": round(wall, 3)}
    return Comparison(baseline=baseline, variants=variants, runs=pd.DataFrame(runs),
                      annual=ann, decile_runs=dec, run_info=info, level=level, notes=notes)
