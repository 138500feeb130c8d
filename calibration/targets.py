"""The targets view: each calibration and validation figure of a case beside the simulation.

For every figure of the case with role ``calibration`` or ``validation``, the table gives the
reported value, the simulated median and 10-90% band over replicates of its target metric, the
gap, whether the reported value lies inside the simulated 10-90% band (for a bound: whether the
band reaches the allowed side), the **standardised error** (the gap on the wrong side of the
comparison over the figure's tolerance plus the replicates' sd: within about 1 fits), and,
last, whether the median is within the figure's reporting precision. ``povsim targets CASE``
prints it.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> from povsim.experiments.runner import run_scenario
    >>> res = run_scenario(load_scenario("scenarios/xixiu.yaml"), replicates=2, scale=1000,
    ...                    progress=False)
    >>> t = targets_table(res)
    >>> "xixiu.poverty_incidence_end" in set(t["id"])
    True
    >>> set(t["role"]) <= {"calibration", "validation"}
    True
"""

from __future__ import annotations

import math

import pandas as pd

from povsim.calibration.distance import scaled_gap
from povsim.calibration.metrics import censored, metric_values
from povsim.calibration.registry import Registry, load_registry
from povsim.reporting.results import Results
from povsim.schema.config import registry_for

COLUMNS = ["id", "role", "quantity", "unit", "when", "reported", "comparison", "sim_p10",
           "sim_median", "sim_p90", "sim_sd", "gap", "inside_band", "std_error",
           "within_precision", "how"]


def inside_band(reported: float, lo: float, hi: float, comparison: str) -> bool:
    """Whether the reported value lies inside the simulated band [lo, hi]; for a bound, whether
    the band reaches the allowed side (some simulations satisfy it).

    Example:
        >>> inside_band(5.0, 4.0, 6.0, "equal"), inside_band(30000, 20000, 28000, "at_least")
        (True, False)
    """
    if lo != lo or hi != hi:
        return False
    if comparison == "at_least":
        return hi >= reported
    if comparison == "at_most":
        return lo <= reported
    return lo <= reported <= hi


def targets_table(res: Results, registry: Registry | None = None,
                  case: str | None = None) -> pd.DataFrame:
    """One row per calibration/validation figure of ``case`` (default: the scenario's case)."""
    reg = registry or (registry_for(res.scenario) if res.scenario else load_registry())
    case = case or res.scenario.case
    rows = []
    for f in reg.for_case(case, roles=("calibration", "validation")):
        t = f.target
        vals = censored(metric_values(res, t.metric, t.year, t.month), t).dropna()
        q = vals.quantile([0.1, 0.5, 0.9]) if len(vals) else pd.Series([math.nan] * 3,
                                                                        index=[0.1, 0.5, 0.9])
        med = float(q[0.5])
        sd = float(vals.std(ddof=1)) if len(vals) > 1 else 0.0
        gap_side = scaled_gap(med, f.value, t.comparison, t.tolerance + sd)
        rows.append({
            "id": f.id, "role": f.role, "quantity": f.quantity, "unit": f.unit,
            "when": f"{t.year}" + (f"-{t.month:02d}" if t.month else ""),
            "reported": f.value, "comparison": t.comparison,
            "sim_p10": float(q[0.1]), "sim_median": med, "sim_p90": float(q[0.9]),
            "sim_sd": sd, "gap": med - f.value,
            "inside_band": inside_band(f.value, float(q[0.1]), float(q[0.9]), t.comparison),
            # signed: above (+) or below (-) the reported value, 0 on the allowed side of a bound
            "std_error": math.copysign(gap_side, med - f.value) if med == med else math.nan,
            "within_precision": t.within(f.value, med),
            "how": t.how or "",
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def format_number(x: float, unit: str = "") -> str:
    """A figure's value as the tables show it (years plain, thousands separated).

    Example:
        >>> format_number(2019.0, "year"), format_number(30000.0), format_number(1.4512)
        ('2019', '30,000', '1.451')
    """
    if x != x:
        return "n/a"
    if unit == "year":
        return f"{x:.0f}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


#: how a reported figure's comparison reads before its value
SIGNS = {"equal": "", "at_least": ">= ", "at_most": "<= "}


def format_band(median: float, lo: float, hi: float, unit: str) -> str:
    """A median and its band as the tables show them.

    Example:
        >>> format_band(12345.0, 10000.0, 15000.0, "yuan")
        '12,345 [10,000, 15,000]'
    """
    return f"{format_number(median, unit)} [{format_number(lo, unit)}, {format_number(hi, unit)}]"


def targets_view(table: pd.DataFrame) -> pd.DataFrame:
    """The targets table as shown (the terminal, Markdown and the HTML report): reported values
    with their comparison, the simulated band, inside or not, the standardised error."""
    units = table["unit"].tolist()
    return pd.DataFrame({
        "figure": table["id"], "role": table["role"], "when": table["when"],
        "reported": [SIGNS[c] + format_number(v, u) for c, v, u in
                     zip(table["comparison"], table["reported"], units, strict=True)],
        "unit": table["unit"],
        "simulated median [p10, p90]": [
            format_band(m, lo, hi, u) for m, lo, hi, u in
            zip(table["sim_median"], table["sim_p10"], table["sim_p90"], units, strict=True)],
        "inside 10-90%": ["yes" if w else "no" for w in table["inside_band"]],
        "standardised error": [f"{z:+.2f}" if z == z else "n/a" for z in table["std_error"]],
        "within precision": ["yes" if w else "no" for w in table["within_precision"]],
    })


def format_targets(table: pd.DataFrame, fmt: str = "text") -> str:
    """Render the targets table as plain text, Markdown or CSV."""
    if fmt == "csv":
        return table.to_csv(index=False)
    view = targets_view(table)
    if fmt == "md":
        head = "| " + " | ".join(view.columns) + " |"
        rule = "|" + "|".join("---" for _ in view.columns) + "|"
        body = ["| " + " | ".join(str(x) for x in row) + " |" for row in view.itertuples(False)]
        return "\n".join([head, rule, *body])
    return view.to_string(index=False)
