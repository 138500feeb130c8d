"""Standard plots: an outcome over time, median with its 10-90% band over replicates.

Example:
    >>> import tempfile, os
    >>> from sim.config import load_scenario
    >>> from sim.runner import run_scenario
    >>> r = run_scenario(load_scenario("scenarios/xixiu.yaml"), replicates=2, scale=2000,
    ...                  progress=False)
    >>> p = os.path.join(tempfile.mkdtemp(), "inc.png")
    >>> plot_bands(r, "incidence", "Incidence", 100, "%", p)
    >>> os.path.getsize(p) > 0
    True
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot_bands(results, column: str, title: str, mult: float, unit: str, path) -> None:
    """Plot ``annual[column] * mult`` by year: median line, 10-90% band, replicate count."""
    b = results.band("annual", column)
    n = results.tables["annual"]["replicate"].nunique()
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    ax.fill_between(b["year"], b["p10"] * mult, b["p90"] * mult, alpha=0.3,
                    label=f"10-90% over {n} replicates")
    ax.plot(b["year"], b["median"] * mult, marker="o", label="median")
    name = getattr(results.scenario, "title", None) or ""
    ax.set_title(f"{title}\n{name}".strip(), fontsize=10)
    ax.set_xlabel("year (first point: baseline identification year)")
    ax.set_ylabel(unit)
    ax.set_xticks(b["year"])
    ax.set_ylim(bottom=min(0.0, float(b["p10"].min() * mult)))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
