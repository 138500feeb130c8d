"""Plots of a calibration: prior against posterior marginals, a pair plot of the most identified
parameters, predicted against reported figures and the history-matching waves; a joint fit's
marginals, predicted figures and waves also case by case (``marginals-<case>.png``,
``predicted_vs_reported-<case>.png``, ``waves-<case>.png``).

Example:
    >>> callable(write_plots)
    True
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from povsim.base.outputs import atomic_write

PAIRS = 5  # parameters in the pair plot (the most contracted)


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def unit_of(pb, name: str) -> str:
    """A fitted parameter's unit, from the first scenario of the fit that has it ('' if none).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> from povsim.calibration.fit import Problem
        >>> unit_of(Problem.of(load_scenario("zhenbao")), "income.farm_mu_per_labourer")
        'mu of own land one labourer at home can farm'
    """
    for case, members in pb.members.items():
        if name not in members:
            continue
        sc = next(s for s in pb.scenarios_with({}).values() if s.case == case)
        node = sc.model_dump()
        try:
            for part in members[name].split("."):
                node = node[int(part)] if part.isdigit() else node[part]
        except (KeyError, IndexError, TypeError):
            continue
        return str(node.get("unit", "")) if isinstance(node, dict) else ""
    return ""


def case_parameters(pb, case: str) -> list[str]:
    """The fitted parameters a case's runs read (its own and the shared ones), in fit order.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> from povsim.calibration.fit import Problem
        >>> pb = Problem.of(load_scenario("zhenbao"))
        >>> case_parameters(pb, "zhenbao") == list(pb.fitted)
        True
    """
    members = pb.members.get(case, {})
    return [p for p in pb.fitted if p in members]


def cases_of(pb) -> list[str]:
    """The cases of a joint fit, each with its own plots; none for a single case's fit.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> from povsim.calibration.fit import Problem
        >>> cases_of(Problem.of(load_scenario("zhenbao")))
        []
    """
    return list(pb.members) if len(pb.members) > 1 else []


def marginals(post, path: Path, names: list[str] | None = None, title: str | None = None
              ) -> None:
    """Each fitted parameter's (or each of ``names``') weighted posterior histogram over its
    prior's density (the others are prior draws), its axis in the parameter's unit."""
    plt = _plt()
    summ = post.summary().set_index("parameter")
    names = list(post.problem.fitted) if names is None else names
    cols = 4
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.2 * rows), squeeze=False)
    w = post.samples["weight"].to_numpy(float)
    for ax, p in zip(axes.flat, names, strict=False):
        pr = post.problem.priors[p]
        log = pr.dist == "loguniform"
        edges = (np.geomspace(pr.low, pr.high, 21) if log else np.linspace(pr.low, pr.high, 21))
        ax.hist(post.samples[p], bins=edges, weights=w, density=True, color="#1f77b4",
                alpha=0.7, label="posterior")
        grid = np.geomspace(pr.low, pr.high, 200) if log else np.linspace(pr.low, pr.high, 200)
        ax.plot(grid, pr.rv.pdf(grid), color="black", lw=1, label="prior")
        if log:
            ax.set_xscale("log")
        ax.set_title(f"{p}\ncontraction {summ.loc[p, 'contraction']:.2f}", fontsize=7)
        # the plot's font lacks Chinese glyphs: a unit's Chinese terms are left out here
        unit = " ".join("".join(ch for ch in unit_of(post.problem, p) if ord(ch) < 0x2E80)
                        .split())
        ax.set_xlabel(unit, fontsize=6)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.suptitle(f"{title or post.problem.title}: prior (line) and posterior (bars) of the "
                 "fitted parameters", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)


def pairs(post, path: Path) -> None:
    """Pair plot of the most contracted parameters (weighted particles)."""
    plt = _plt()
    summ = post.summary().sort_values("contraction", ascending=False)
    names = summ["parameter"].tolist()[:PAIRS]
    n = len(names)
    fig, axes = plt.subplots(n, n, figsize=(2.0 * n, 2.0 * n), squeeze=False)
    w = post.samples["weight"].to_numpy(float)
    size = 4 + 60 * w / w.max()
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(post.samples[a], bins=15, weights=w, color="#1f77b4")
            else:
                ax.scatter(post.samples[b], post.samples[a], s=size, alpha=0.5)
            if i == n - 1:
                ax.set_xlabel(b.rsplit(".", 1)[-1], fontsize=6)
            if j == 0:
                ax.set_ylabel(a.rsplit(".", 1)[-1], fontsize=6)
            ax.tick_params(labelsize=5)
    fig.suptitle(f"{post.problem.title}: the {n} most identified parameters",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)


def figure_label(fid: str, registry=None) -> str:
    """A figure's label on a plot: its case, the quantity the registry gives it and the year it
    is compared in (a public statistic's :attr:`~povsim.calibration.anchors.Anchor.quantity`),
    not its id.

    Example:
        >>> figure_label("xixiu.poverty_incidence_end")
        'xixiu: rural poverty incidence at end, 2017'
        >>> figure_label("xixiu.income_level_2014")
        'xixiu: income mean (statistic of Guizhou Province), 2014'
    """
    from povsim.calibration.anchors import load_anchors
    from povsim.calibration.registry import load_registry

    case = fid.split(".", 1)[0]
    reg = registry or load_registry()
    f = reg.figures.get(fid) or next((a.figure() for a in load_anchors(case) if a.id == fid), None)
    if f is None:
        return fid
    return f"{case}: {f.quantity}" + (f", {f.target.year}" if f.target else "")


def predicted_vs_reported(report: pd.DataFrame, title: str, path: Path) -> None:
    """Each figure's posterior-predictive median and 90% interval against the reported value,
    as a ratio to the reported value."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(report) + 1.6))
    y = np.arange(len(report))
    ref = report["reported"].replace(0, np.nan).to_numpy(float)
    med = report["predicted_median"].to_numpy(float) / ref
    lo = report["predicted_p05"].to_numpy(float) / ref
    hi = report["predicted_p95"].to_numpy(float) / ref
    for role, color in (("calibration", "#1f77b4"), ("held out", "#2ca02c"),
                        ("validation", "#ff7f0e")):
        m = (report["role"] == role).to_numpy()
        if m.any():
            ax.errorbar(med[m], y[m], xerr=np.nan_to_num(np.vstack([med[m] - lo[m],
                                                                    hi[m] - med[m]])),
                        fmt="o", color=color, capsize=2, label=role)
    ax.legend(fontsize=7)
    ax.axvline(1.0, color="black", lw=0.8)
    from povsim.calibration.registry import load_registry

    reg = load_registry()
    # a bound says so; a figure reported as 0 has no ratio: its label says so instead of a point
    bound = {"at_least": ", a lower bound", "at_most": ", an upper bound"}
    comparison = report["comparison"] if "comparison" in report else [""] * len(report)
    ax.set_yticks(y, [f"{figure_label(i, reg)} ({r}{bound.get(c, '')})"
                      + (", reported 0: not shown" if not np.isfinite(v) else "")
                      for i, r, c, v in zip(report["id"], report["role"], comparison, ref,
                                            strict=True)], fontsize=7)
    ax.set_xlabel("predicted / reported (median and 90% interval)")
    ax.set_title("\n".join([*textwrap.wrap(title, 60),
                            "posterior predictive against the reports"]), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)


def write_plots(post, report: pd.DataFrame, out: Path) -> list[Path]:
    """The three plots into ``out`` and, for a joint fit, each case's marginals and predicted
    figures (``marginals-<case>.png``, ``predicted_vs_reported-<case>.png``); their paths."""
    out = Path(out)
    title = post.problem.title
    written = [atomic_write(out / "marginals.png", lambda p: marginals(post, p)),
               atomic_write(out / "pairs.png", lambda p: pairs(post, p)),
               atomic_write(out / "predicted_vs_reported.png",
                            lambda p: predicted_vs_reported(report, title, p))]
    for case in cases_of(post.problem):
        names = case_parameters(post.problem, case)
        rows = report[report["id"].str.startswith(case + ".")].reset_index(drop=True)
        if names:
            written.append(atomic_write(out / f"marginals-{case}.png", lambda p, n=names, c=case:
                                        marginals(post, p, n, f"{title}, {c}")))
        if len(rows):
            written.append(atomic_write(out / f"predicted_vs_reported-{case}.png",
                                        lambda p, r=rows, c=case:
                                        predicted_vs_reported(r, f"{title}, {c}", p)))
    return written


def waves(fit, path: Path, points: int = 600, seed: int = 0, among: list[str] | None = None,
          title: str | None = None) -> None:
    """Each history-matching wave's plausible region (rows) over pairs of the three parameters
    the posterior identifies best (of ``among``, default all; columns; prior quantiles, so 0-1
    is the whole prior): points drawn from the region each wave leaves (the fit's sampler, case
    by case), over uniform points of the whole prior (grey)."""
    plt = _plt()
    names = list(fit.problem.fitted)
    rng = np.random.default_rng(seed)
    summ = fit.posterior.summary().set_index("parameter").loc[names]
    best = summ["contraction"].to_numpy(float)
    if among is not None:  # only these parameters compete for the plot
        best = np.where(np.isin(names, among), best, -np.inf)
    order = [int(i) for i in np.argsort(-best)[:min(3, len(among or names))]] or [0]
    combos = [(a, b) for i, a in enumerate(order) for b in order[i + 1:]] or [(0, 0)]
    everywhere = rng.random((points, len(names)))
    fig, axes = plt.subplots(len(fit.waves), len(combos), squeeze=False,
                             figsize=(3.0 * len(combos), 2.6 * len(fit.waves)))
    for r, w in enumerate(fit.waves):
        if fit.blocks is not None:
            u, weight = fit.blocks.sample(w, points, rng)
            u = u[weight > 0]
        else:
            u = everywhere[w.keeps(everywhere)]
        for c, (a, b) in enumerate(combos):
            ax = axes[r, c]
            ax.scatter(everywhere[:, a], everywhere[:, b], s=1, color="#cccccc")
            ax.scatter(u[:, a], u[:, b], s=2, color="#1f77b4")
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.set_xlabel(f"{names[a]} (prior quantile)", fontsize=5)
            ax.set_ylabel(f"{names[b]} (prior quantile)", fontsize=5)
            ax.tick_params(labelsize=5)
            ax.set_title(f"wave {w.number}: {w.plausible_share:.2g} of the prior plausible",
                         fontsize=7)
    fig.suptitle(f"{title or fit.problem.title}: history matching, points of the region not "
                 "ruled out (blue)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
