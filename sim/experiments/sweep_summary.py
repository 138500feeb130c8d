"""Summaries of a sweep store: bands per design point, Sobol or Morris indices, and plots.

``povsim summarize DIR`` reads a store written by :func:`povsim.experiments.sweeps.run_sweep` and
writes, in ``DIR/summary/``:

- ``points.parquet/.csv``: one row per design point, year and output: the parameter values,
  ``mean``, ``median``, ``p10`` and ``p90`` over replicates and the number of replicates;
- ``indices.parquet/.csv`` (``sobol`` and ``morris`` designs): one row per level set, output,
  parameter and index. Sobol: first-order ``S1`` and total ``ST`` indices with their 95%
  bootstrap half-widths (``conf``), from SALib on the replicate means at the summary year.
  Morris: ``mu_star`` (with its 95% half-width), ``mu`` and ``sigma`` of the elementary effects,
  in output units per unit-interval step of the parameter's quantile;
- ``<output>_vs_parameters.png`` (each run's value at the summary year against each parameter,
  with the point medians); for grids ``<output>_grid.png`` (the medians with 10-90% bars
  against the last parameter, a line per combination of the others); for Sobol and Morris
  designs ``indices_<output>.png``.

The summary year defaults to the scenario's end year (the last year in the store).

Example:
    >>> import tempfile
    >>> from povsim.experiments.sweepfile import load_sweep
    >>> from povsim.experiments.sweeps import run_sweep
    >>> out = tempfile.mkdtemp()
    >>> _ = run_sweep(load_sweep("scenarios/sweeps/xixiu_pairing.yaml"), out, serial=True,
    ...               scale=2000, replicates=2, progress=False)
    >>> s = summarize(out, plots=False)
    >>> s.points.query("output == 'incidence'").shape[0] == 12 * 5
    True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from povsim.base.folders import sweep_store
from povsim.base.inputs import ScenarioError
from povsim.base.outputs import atomic_write, write_tables
from povsim.experiments.design import unit_problem
from povsim.experiments.sweeps import RUN_COLUMNS, SweepStore
from povsim.reporting.outcomes import outcome

CONF_LEVEL = 0.95  # confidence level of the indices' bootstrap intervals
RESAMPLES = 500  # bootstrap resamples for the indices' intervals


@dataclass
class SweepSummary:
    """The tables of a summarised sweep."""

    manifest: dict
    design: pd.DataFrame
    runs: pd.DataFrame
    year: int
    points: pd.DataFrame
    indices: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def parameters(self) -> list[str]:
        d = self.manifest["design"]
        return [*d["levels"], *d["sampled"]]

    def format(self, max_rows: int = 40) -> str:
        """A text table for the terminal: indices for Sobol/Morris, point bands otherwise."""
        m = self.manifest
        done = self.runs["run"].nunique()
        lines = [f"{m['sweep']}: {m['design']['method']} design, {m['design']['points']} points x "
                 f"{m['identity']['replicates']} replicate(s) = {m['runs']} runs ({done} done); "
                 f"values at {self.year}"]
        if not self.indices.empty:
            lines.append(_format_indices(self.indices, max_rows))
        else:
            lines.append(_format_points(self.points, self.year, self.parameters,
                                        m["outputs"], max_rows))
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def write(self, out: str | Path, plots: bool = True) -> list[Path]:
        """Write the tables (Parquet and CSV) and plots into ``out``; return the paths."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        tables = {"points": self.points}
        if not self.indices.empty:
            tables["indices"] = self.indices
        written = write_tables(out, tables)
        if plots:
            from povsim.reporting.plots import (
                plot_grid_lines,
                plot_indices,
                plot_outcome_vs_parameters,
            )

            at_year = self.runs[self.runs["year"] == self.year].merge(self.design, on="point")
            for o in self.manifest["outputs"]:
                written.append(atomic_write(out / f"{o}_vs_parameters.png",
                                       lambda p, o=o: plot_outcome_vs_parameters(
                                           at_year, self.parameters, o, self.year, p)))
                if self.manifest["design"]["method"] == "grid":
                    written.append(atomic_write(out / f"{o}_grid.png",
                                           lambda p, o=o: plot_grid_lines(
                                               self.points, self.parameters, o, self.year, p)))
                sub = self.indices[self.indices["output"] == o] if not self.indices.empty else None
                if sub is not None and not sub.empty:
                    written.append(atomic_write(out / f"indices_{o}.png",
                                           lambda p, s=sub, o=o: plot_indices(s, o, self.year, p)))
        return written


def summarize(out: str | Path, year: int | None = None, plots: bool = True,
              write: bool = True) -> SweepSummary:
    """Summarise the sweep store ``out`` (see the module docstring); write into
    ``out/summary/`` unless ``write`` is False."""
    store = SweepStore(sweep_store(out))
    manifest = store.manifest()
    design = pd.read_parquet(store.out / "design.parquet")
    runs = store.read_runs()
    notes = []
    if runs.empty:
        raise ScenarioError(f"{out}: no finished runs yet; run the sweep (again) to add them")
    dup = runs.duplicated(["run", "year"])
    if dup.any():  # cannot happen with whole chunks; guard against hand-copied files
        raise ScenarioError(f"{out}: runs stored twice (e.g. run {int(runs['run'][dup].iloc[0])})")
    done = runs["run"].nunique()
    if done < manifest["runs"]:
        notes.append(f"{manifest['runs'] - done} of {manifest['runs']} runs are not finished; "
                     "run the same povsim sweep command again to finish them")
    years = sorted(runs["year"].unique())
    if year is None:
        year = int(years[-1])
    elif year not in years:
        raise ScenarioError(f"--year {year}: not in the sweep's years {years[0]}-{years[-1]}")
    outputs = manifest["outputs"]
    params = [*manifest["design"]["levels"], *manifest["design"]["sampled"]]
    points = point_bands(runs, design, params, outputs)
    indices = pd.DataFrame()
    method = manifest["design"]["method"]
    if method in ("sobol", "morris"):
        if done < manifest["runs"]:
            notes.append(f"{method} indices need every run; not computed")
        else:
            indices, more = sensitivity_indices(method, runs, design, manifest, year)
            notes.extend(more)
    summary = SweepSummary(manifest=manifest, design=design, runs=runs, year=int(year),
                           points=points, indices=indices, notes=notes)
    if write:
        written = summary.write(store.out / "summary", plots=plots)
        files = sorted(p.name for p in written)  # what a sweep's --overwrite may delete
        atomic_write(store.out / "summary" / "summary.json", lambda p: Path(p).write_text(
            json.dumps({"year": int(year), "notes": notes, "files": files}, indent=2)))
    return summary


def point_bands(runs: pd.DataFrame, design: pd.DataFrame, params: list[str],
                outputs: list[str]) -> pd.DataFrame:
    """Per design point, year and output: mean, median, p10, p90 over replicates (tidy)."""
    long = runs.melt(id_vars=list(RUN_COLUMNS), value_vars=outputs,
                     var_name="output", value_name="value")
    g = long.groupby(["point", "year", "output"], sort=True)["value"]
    bands = pd.DataFrame({
        "mean": g.mean(), "median": g.median(), "p10": g.quantile(0.1), "p90": g.quantile(0.9),
        "replicates": g.count()}).reset_index()
    keep = ["point", "level_set", "sample", *params]
    out = design[keep].merge(bands, on="point", how="right")
    order = {o: i for i, o in enumerate(outputs)}
    out["_o"] = out["output"].map(order)
    return out.sort_values(["_o", "point", "year"], ignore_index=True).drop(columns="_o")


def sensitivity_indices(method: str, runs: pd.DataFrame, design: pd.DataFrame,
                        manifest: dict, year: int) -> tuple[pd.DataFrame, list[str]]:
    """Sobol (S1, ST) or Morris (mu_star, mu, sigma) indices per level set and output, from the
    replicate means at ``year``; returns the tidy table and notes on outputs left out."""
    d = manifest["design"]
    sampled, levels = d["sampled"], d["levels"]
    problem = unit_problem(sampled)
    means = (runs[runs["year"] == year].groupby("point")[manifest["outputs"]].mean())
    seed = int(manifest["identity"]["seed"])
    rows, notes = [], []
    for ls, pts in design.groupby("level_set", sort=True):
        pts = pts.sort_values("sample")
        level_values = {p: pts[p].iloc[0] for p in levels}
        x = pts[[f"unit:{p}" for p in sampled]].to_numpy(float)
        for o in manifest["outputs"]:
            y = means.loc[pts["point"], o].to_numpy(float)
            if not np.isfinite(y).all():
                notes.append(f"{o}: not defined in every run at {year} (e.g. a ratio with a zero "
                             "denominator); no indices")
                continue
            for param, index, value, conf in analyze(method, problem, x, y, d["morris_levels"],
                                                      seed):
                rows.append({"level_set": int(ls), **level_values, "output": o,
                             "parameter": param, "index": index, "value": value, "conf": conf})
    return pd.DataFrame(rows), sorted(set(notes))


def analyze(method: str, problem: dict, x: np.ndarray, y: np.ndarray, morris_levels: int = 4,
            seed: int = 1) -> list[tuple[str, str, float, float]]:
    """SALib's Sobol or Morris analysis of outputs ``y`` at inputs ``x`` (unit hypercube):
    (parameter, index, value, 95% half-width) tuples.

    A constant output has all indices 0 (SALib would divide by its zero variance).

    Example:
        >>> from SALib.sample import sobol
        >>> prob = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}
        >>> x = sobol.sample(prob, 256, calc_second_order=False, seed=1)
        >>> res = analyze("sobol", prob, x, 4 * x[:, 0] + x[:, 1])
        >>> [round(v, 1) for p, i, v, c in res if i == "S1"]
        [0.9, 0.1]
    """
    if np.ptp(y) == 0:
        names = ("S1", "ST") if method == "sobol" else ("mu_star", "mu", "sigma")
        return [(p, i, 0.0, 0.0) for p in problem["names"] for i in names]
    if method == "sobol":
        from SALib.analyze import sobol

        r = sobol.analyze(problem, y, calc_second_order=False, num_resamples=RESAMPLES,
                          conf_level=CONF_LEVEL, seed=seed)
        return [(p, i, float(r[i][j]), float(r[f"{i}_conf"][j]))
                for j, p in enumerate(problem["names"]) for i in ("S1", "ST")]
    from SALib.analyze import morris

    r = morris.analyze(problem, x, y, num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                       num_levels=morris_levels, seed=seed)
    out = []
    for j, p in enumerate(problem["names"]):
        out.append((p, "mu_star", float(r["mu_star"][j]), float(r["mu_star_conf"][j])))
        out.append((p, "mu", float(r["mu"][j]), float("nan")))
        out.append((p, "sigma", float(r["sigma"][j]), float("nan")))
    return out


def _format_points(points: pd.DataFrame, year: int, params: list[str], outputs: list[str],
                   max_rows: int) -> str:
    at = points[points["year"] == year]
    table = at[at["output"] == outputs[0]][["point", *params]].set_index("point")
    for o in outputs:
        sub = at[at["output"] == o].set_index("point")
        k = outcome(o).scale
        table[f"{o} ({outcome(o).unit})"] = [
            _band(m * k, lo * k, hi * k)
            for m, lo, hi in zip(sub["median"], sub["p10"], sub["p90"], strict=True)]
    text = table.head(max_rows).to_string()
    more = len(table) - max_rows
    return text + (f"\n... {more} more points in summary/points.csv" if more > 0 else "") + (
        "\n(median [10%, 90%] over replicates)")


def _band(m: float, lo: float, hi: float) -> str:
    digits = 4 if abs(m) < 1 else 0
    f = f"{{:,.{digits}f}}"
    return f"{f.format(m)} [{f.format(lo)}, {f.format(hi)}]"


def _format_indices(indices: pd.DataFrame, max_rows: int) -> str:
    wide = indices.assign(cell=[f"{v:.3f} ± {c:.3f}" if np.isfinite(c) else f"{v:.3g}"
                                for v, c in zip(indices["value"], indices["conf"], strict=True)])
    keys = [c for c in wide.columns if c not in ("index", "value", "conf", "cell")]
    table = wide.pivot_table(index=keys, columns="index", values="cell", aggfunc="first",
                             sort=False)
    text = table.head(max_rows).to_string()
    more = len(table) - max_rows
    return text + (f"\n... {more} more rows in summary/indices.csv" if more > 0 else "") + (
        f"\n(value ± {CONF_LEVEL:.0%} bootstrap half-width)")
