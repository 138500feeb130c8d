"""What each outcome column of the ``annual`` table means on screen: label, unit and the factor
from the stored value to the shown one (incidence is stored as a fraction and shown in %).

One registry for every view of an annual column: the run summary and plots, the comparison's
by-year table, the sweep summary's table and plot axes, and the HTML report.

Example:
    >>> OUTCOMES["incidence"].show(0.0913)
    9.13
    >>> OUTCOMES["collective_operating_revenue"].axis
    'collective operating revenue, all villages (million yuan)'
    >>> outcome("not_a_column").label
    'not_a_column'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """How one annual column is shown: ``label``, ``unit`` and ``scale`` (shown = stored x scale).

    Example:
        >>> Outcome("Gini", "0-1").axis
        'Gini (0-1)'
    """

    label: str
    unit: str
    scale: float = 1.0

    def show(self, value: float) -> float:
        """The stored value in the shown unit."""
        return value * self.scale

    @property
    def axis(self) -> str:
        """An axis or column title: ``label (unit)``."""
        return f"{self.label} ({self.unit})"


_P, _PCT, _Y, _M = "people", "%", "yuan", "million yuan"

#: every numeric column of the annual table (tests check the registry covers them all)
OUTCOMES: dict[str, Outcome] = {
    "poverty_line": Outcome("poverty line", "yuan per person per year"),
    "incidence": Outcome("poverty incidence, register-based", _PCT, 100.0),
    "poor_households": Outcome("registered poor households still poor", "households"),
    "poor_people": Outcome("registered poor people still poor", _P),
    "registered_households": Outcome("registered households (ever identified)", "households"),
    "registered_people": Outcome("registered people (ever identified)", _P),
    "exits_households": Outcome("households exited the register this year", "households"),
    "exits_people": Outcome("people exited the register this year", _P),
    "reentries_households": Outcome("households re-entering the register this year",
                                    "households"),
    "reentries_people": Outcome("people re-entering the register this year", _P),
    "net_exits_people_cumulative": Outcome("people exited the register, net cumulative", _P),
    "exits_people_registration_error": Outcome(
        "register exits this year of people registered while not income-poor", _P),
    "net_exits_people_registration_error_cumulative": Outcome(
        "register exits of people registered while not income-poor, net cumulative", _P),
    "lifted_out_people": Outcome("people lifted out of income poverty, net since the baseline",
                                 _P),
    "income_poor_share": Outcome("income-poverty rate, everyone below the line", _PCT, 100.0),
    "poverty_gap_index": Outcome("poverty-gap index", "share of the line"),
    "poor_villages_listed": Outcome("poor villages still listed", "villages"),
    "poor_villages_exited": Outcome("poor villages exited, cumulative", "villages"),
    "income_mean": Outcome("mean per-capita income", "yuan per year"),
    "income_median": Outcome("median per-capita income", "yuan per year"),
    "income_mean_registered": Outcome("mean per-capita income, registered", "yuan per year"),
    "income_median_registered": Outcome("median per-capita income, registered",
                                        "yuan per year"),
    "registered_income_poor_share": Outcome("registered people below the line", _PCT, 100.0),
    "gini": Outcome("Gini of per-capita income", "0-1"),
    "collective_operating_revenue": Outcome("collective operating revenue, all villages", _M,
                                            1e-6),
    "collective_revenue_total": Outcome("collective revenue incl. transfers, all villages", _M,
                                        1e-6),
    "collective_operating_min_village": Outcome("collective operating revenue, poorest village",
                                                _Y),
    "collective_revenue_total_min_village": Outcome("collective revenue, poorest village", _Y),
    "hollow_village_share": Outcome("hollow villages (no collective revenue)", _PCT, 100.0),
    "collective_assets": Outcome("collective assets, all villages", _M, 1e-6),
    "villages_assets_over_threshold": Outcome("villages with assets over the threshold",
                                              "villages"),
    "dividends_paid": Outcome("dividends received by households this year", _M, 1e-6),
    "coop_members": Outcome("cooperative-member households", "households"),
    "enterprise_jobs": Outcome("jobs held with partners (part-time posts counted by their share)",
                               "jobs"),
    "migrants": Outcome("migrant workers", _P),
    "resident_people": Outcome("resident population", _P),
    "labour_trained_cumulative": Outcome("labourers trained, cumulative", _P),
    "labour_transferred_cumulative": Outcome("labourers transferred, cumulative", _P),
    "loans_households": Outcome("households given a programme loan, cumulative", "households"),
    "branch_strength_mean": Outcome("party-branch strength, village mean", "0-1"),
    "public_cost": Outcome("public cost this year", _M, 1e-6),
    "public_cost_cumulative": Outcome("public cost, cumulative", _M, 1e-6),
    "cost_per_person_lifted": Outcome("public cost per person lifted out", _Y),
}


def outcome(column: str) -> Outcome:
    """The column's entry, or the bare column name with no unit for a column not registered."""
    return OUTCOMES.get(column, Outcome(column, "", 1.0))
