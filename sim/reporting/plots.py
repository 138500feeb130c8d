"""Standard plots: an outcome over time, median with its 10-90% band over replicates.

Example:
    >>> import tempfile, os
    >>> from povsim.schema.config import load_scenario
    >>> from povsim.experiments.runner import run_scenario
    >>> r = run_scenario(load_scenario("scenarios/xixiu.yaml"), replicates=2, scale=2000,
    ...                  progress=False)
    >>> p = os.path.join(tempfile.mkdtemp(), "inc.png")
    >>> plot_bands(r, "incidence", p)
    >>> os.path.getsize(p) > 0
    True
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from povsim.reporting.outcomes import outcome


def band_what(results) -> str:
    """What a run's 10-90% band includes (one line).

    Example:
        >>> from povsim.reporting.results import Results
        >>> band_what(Results(None, {}, {"replicates": 8, "posterior_draws": 0}))
        '10-90% over 8 runs: seed noise only'
    """
    info = results.run_info
    draws = info.get("posterior_draws") or 0
    n = (draws or 1) * info.get("replicates", 1)
    what = ("seed noise and parameter uncertainty (posterior draws)" if draws
            else "seed noise only")
    return f"10-90% over {n} runs: {what}"


def parameters_note(results) -> str:
    """How many of the run's parameters are calibrated ("" where the run did not record it)."""
    params = results.run_info.get("parameters") or {}
    if not params:
        return ""
    return (f"parameters: {params.get('calibrated', 0)} calibrated (posterior medians), "
            f"{params.get('to calibrate', 0)} still 'to calibrate' at starting values")


def band_note(results) -> str:
    """:func:`band_what` and :func:`parameters_note` in one line.

    Example:
        >>> from povsim.reporting.results import Results
        >>> band_note(Results(None, {}, {"replicates": 8, "posterior_draws": 0}))
        '10-90% over 8 runs: seed noise only'
    """
    return "; ".join(x for x in (band_what(results), parameters_note(results)) if x)


def plot_bands(results, column: str, path, figures: list[dict] | None = None) -> None:
    """Plot one annual column by year in its display unit (:mod:`povsim.reporting.outcomes`):
    median line, 10-90% band, and the reported ``figures``
    (:func:`povsim.calibration.metrics.figures_on`)
    with their tolerance as error bars (a bound as a one-sided arrow)."""
    o = outcome(column)
    b = results.band("annual", column)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    ax.fill_between(b["year"], b["p10"] * o.scale, b["p90"] * o.scale, alpha=0.3,
                    label=band_what(results))
    ax.plot(b["year"], b["median"] * o.scale, marker="o", label="median")
    for i, f in enumerate(figures or []):
        y, tol = f["value"] * o.scale, f["tolerance"] * o.scale
        filled = f["role"] == "calibration"
        style = dict(color="C3", ms=7, mfc="C3" if filled else "white", capsize=4, ls="none")
        if f["comparison"] == "equal":
            ax.errorbar(f["year"], y, yerr=tol, marker="D", **style,
                        label=f"reported, {f['role']} (± tolerance)" if i == 0 or
                        f["role"] != figures[i - 1]["role"] else None)
        else:
            up = f["comparison"] == "at_least"
            ax.errorbar(f["year"], y, marker="^" if up else "v", **style,
                        label=f"reported bound, {f['role']} ({'at least' if up else 'at most'})")
        ax.annotate(f.get("quantity") or f["id"].split(".", 1)[1], (f["year"], y), fontsize=6,
                    xytext=(4, 4), textcoords="offset points")
    name = getattr(results.scenario, "title", None) or ""
    ax.set_title(f"{o.label}\n{name}".strip(), fontsize=10)
    ax.set_xlabel("year (first point: baseline identification year)")
    ax.set_ylabel(o.unit)
    ax.set_xticks(b["year"])
    ax.set_ylim(bottom=min(0.0, float(b["p10"].min() * o.scale)))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    params = parameters_note(results)
    if params:
        fig.text(0.01, 0.01, params, fontsize=6, color="0.35")
    fig.tight_layout(rect=(0, 0.03 if params else 0, 1, 1))
    fig.savefig(path, format="png")
    plt.close(fig)


# ---------------------------------------------------------------------------- comparisons
#: headline outcomes drawn as difference bars: metric key, panel title
DIFF_PANELS = (
    ("incidence_end", "poverty incidence, end year (pp)"),
    ("lifted_out", "people lifted out of income poverty (net)"),
    ("income_mean_registered_end", "per-capita income, registered (yuan)"),
    ("collective_revenue_end", "collective operating revenue (million yuan)"),
    ("public_cost", "public cost, cumulative (million yuan)"),
    ("cost_per_person_lifted", "public cost per person lifted out (yuan)"),
)


def plot_compare_incidence(cmp, path) -> None:
    """Poverty incidence by year for the baseline and every variant: median and 10-90% band."""
    a = cmp.annual
    n = a["replicate"].nunique()
    fig, ax = plt.subplots(figsize=(7.0, 4.4), dpi=110)
    for name in [cmp.baseline.name, *[v.name for v in cmp.variants]]:
        g = a[a["variant"] == name].groupby("year")["incidence"]
        years = g.median().index
        ax.fill_between(years, 100 * g.quantile(0.1), 100 * g.quantile(0.9), alpha=0.15)
        base = name == cmp.baseline.name
        ax.plot(years, 100 * g.median(), marker="o", ms=3, lw=2.2 if base else 1.4,
                label=cmp.baseline_label if base else name)
    ax.set_title(f"Poverty incidence by variant (median, 10-90% band over {n} replicates)\n"
                 f"{cmp.baseline.scenario.title}", fontsize=10)
    ax.set_xlabel("year (first point: identification year)")
    ax.set_ylabel("% of rural population")
    ax.set_xticks(sorted(a["year"].unique()))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def tick_label(name: str, width: int = 30) -> str:
    r"""A variant's name as an axis label: long names broken at their commas and wrapped, so
    that a variant of several levers leaves the panel room to draw.

    Example:
        >>> tick_label("poverty_line.values.2020=3218,poverty_line.values.2021=3218")
        'poverty_line.values.2020=3218,\npoverty_line.values.2021=3218'
        >>> tick_label("cadre_pairing=random")
        'cadre_pairing=random'
    """
    import textwrap

    if len(name) <= width:
        return name
    return "\n".join(line for part in name.replace(",", ",\n").splitlines()
                     for line in textwrap.wrap(part, width, break_on_hyphens=False))


def plot_compare_differences(cmp, path) -> None:
    """Variant minus baseline for six headline outcomes: bars with paired intervals."""
    h = cmp.headline
    names = [v.name for v in cmp.variants]
    fig, axes = plt.subplots(2, 3, figsize=(11.0, 1.6 + 0.9 * len(names)), dpi=110)
    for ax, (metric, title) in zip(axes.flat, DIFF_PANELS, strict=True):
        d = h[h["metric"] == metric].set_index("variant").reindex(names)
        y = np.arange(len(names))
        err = np.vstack([d["diff"] - d["diff_lo"], d["diff_hi"] - d["diff"]])
        ax.barh(y, d["diff"], xerr=np.nan_to_num(err), capsize=3, alpha=0.7)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(y, [tick_label(n) for n in names], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(title, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Variant minus {cmp.baseline_label}, mean and "
                 f"{round(100 * cmp.level)}% paired interval over "
                 f"{cmp.run_info.get('replicates')} replicates", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def plot_compare_deciles(cmp, path) -> None:
    """Change of final-year per-capita income by decile of identification-year income."""
    d = cmp.deciles
    fig, ax = plt.subplots(figsize=(7.0, 4.4), dpi=110)
    names = [v.name for v in cmp.variants]
    for i, name in enumerate(names):
        g = d[d["variant"] == name]
        if g.empty:
            continue
        x = g["decile"] + (i - (len(names) - 1) / 2) * 0.08
        err = np.vstack([g["diff"] - g["diff_lo"], g["diff_hi"] - g["diff"]])
        ax.errorbar(x, g["diff"], yerr=np.nan_to_num(err), marker="o", ms=3, capsize=2,
                    label=name)
    if d.empty:
        ax.text(0.5, 0.5, "no household-level comparison (other populations)",
                ha="center", transform=ax.transAxes)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(1, 11))
    ax.set_xlabel("decile of identification-year per-capita income (1 = poorest)")
    ax.set_ylabel("change in final-year per-capita income (yuan)")
    ax.set_title(f"Income change against {cmp.baseline_label} by income decile\n"
                 f"mean and {round(100 * cmp.level)}% paired interval", fontsize=10)
    ax.grid(alpha=0.3)
    if names and not d.empty:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def plot_outcome_vs_parameters(at_year, params: list[str], output: str, year: int,
                               path) -> None:
    """One panel per sweep parameter: each run's ``output`` at ``year`` against the parameter's
    value (dots), with the median over runs at each distinct value when values repeat (line).

    ``at_year`` holds one row per run with the parameter columns and the output.
    """
    o = outcome(output)
    n = len(params)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.0 * cols, 3.2 * rows), dpi=100,
                             squeeze=False)
    for ax, p in zip(axes.flat, params, strict=False):
        x = at_year[p]
        numeric = pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x)
        cats = list(dict.fromkeys(x)) if not numeric else None
        xs = x.to_numpy(float) if numeric else np.array([cats.index(v) for v in x], float)
        y = at_year[output] * o.scale
        ax.scatter(xs, y, s=8, alpha=0.5)
        if x.nunique() < len(x):  # repeated values (grid levels): the median at each
            med = y.groupby(xs).median()
            ax.plot(med.index, med.to_numpy(), color="C1", marker="o", label="median")
            ax.legend(fontsize=7)
        if cats is not None:
            ax.set_xticks(range(len(cats)), [str(c) for c in cats], rotation=30, fontsize=7,
                          ha="right")
        ax.set_xlabel(p, fontsize=8)
        ax.set_ylabel(o.unit, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle(f"{o.label} ({o.unit}) in {year}, one dot per run", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def plot_indices(indices, output: str, year: int, path) -> None:
    """Bar chart of one output's sensitivity indices by parameter, with 95% intervals:
    Sobol S1 and ST side by side, or Morris mu_star; one panel per level set."""
    sets = sorted(indices["level_set"].unique())
    fig, axes = plt.subplots(1, len(sets), figsize=(6.0 * len(sets), 3.6), dpi=100,
                             squeeze=False)
    for ax, ls in zip(axes.flat, sets, strict=True):
        sub = indices[indices["level_set"] == ls]
        kinds = [k for k in ("S1", "ST", "mu_star") if k in set(sub["index"])]
        params = list(dict.fromkeys(sub["parameter"]))
        width = 0.8 / len(kinds)
        for i, k in enumerate(kinds):
            s = sub[sub["index"] == k].set_index("parameter").loc[params]
            mult = 1.0 if k in ("S1", "ST") else outcome(output).scale  # Morris: output units
            ax.bar(np.arange(len(params)) + i * width, s["value"] * mult, width,
                   yerr=s["conf"] * mult,
                   capsize=3, label=k)
        ax.set_xticks(np.arange(len(params)) + width * (len(kinds) - 1) / 2,
                      [p.split(".")[-1] for p in params], rotation=30, ha="right", fontsize=7)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"level set {ls}" if len(sets) > 1 else "", fontsize=8)
        ax.set_ylabel("share of variance" if "S1" in kinds
                      else f"{outcome(output).unit} per unit step", fontsize=8)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"Sensitivity of {outcome(output).label} in {year} "
                 "(95% bootstrap intervals)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def plot_grid_lines(points, params: list[str], output: str, year: int, path) -> None:
    """A grid's medians (10-90% bars over replicates) of ``output`` at ``year`` against its
    last parameter, one line per combination of the other parameters.

    ``points`` is the summary's per-point table (columns ``median``, ``p10``, ``p90``).
    """
    o = outcome(output)
    at = points[(points["output"] == output) & (points["year"] == year)].copy()
    at[["median", "p10", "p90"]] *= o.scale
    x_name, others = params[-1], params[:-1]
    xs = list(dict.fromkeys(at[x_name]))
    numeric = pd.api.types.is_numeric_dtype(at[x_name])
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    groups = at.groupby(others, sort=False) if others else [((), at)]
    for i, (key, sub) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        sub = sub.set_index(x_name).loc[[x for x in xs if x in set(sub[x_name])]]
        x = sub.index.to_numpy(float) if numeric else [xs.index(v) for v in sub.index]
        x = np.asarray(x, float) + (0 if numeric else (i - len(groups) / 2) * 0.04)
        ax.errorbar(x, sub["median"], yerr=[sub["median"] - sub["p10"], sub["p90"] - sub["median"]],
                    marker="o", capsize=3, label=", ".join(map(str, key)) or output)
    if not numeric:
        ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_xlabel(x_name)
    ax.set_ylabel(o.axis)
    ax.set_title(f"{o.label} in {year}: median and 10-90% over replicates", fontsize=10)
    ax.grid(alpha=0.3)
    if others:
        ax.legend(fontsize=7, title=", ".join(others), title_fontsize=7)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
