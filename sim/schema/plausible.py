"""Plausible ranges of money, count and size parameters, from their unit and meaning.

The schema checks that a number is finite and of the right sign; this module checks that it is
a number a real place could have. Each rule matches a parameter's ``unit`` (the text the
scenario file gives it) and states the range of such a quantity in a Chinese county's poverty
programme, with why. A value beyond ``refuse`` is refused in one line (no real place has a
monthly wage of 1e300 yuan); a value between ``warn`` and ``refuse`` is allowed with a warning
(a large county, a rich enterprise); the rules are the one place these ranges live, and the
ODD's generated parameter tables show each parameter's range.

Example:
    >>> rule_for("yuan per local job per month").refuse
    (0, 1000000)
    >>> problems([("income.local_wage_month", 1e300, "yuan per local job per month")])[0][0]
    'refuse'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rule:
    """The plausible range of the quantities whose unit matches ``pattern`` (a regular
    expression searched in the unit): ``warn`` (low, high) is what a real place has; a value
    outside ``refuse`` (low, high) no real place has. ``why`` says what the quantity is."""

    pattern: str
    warn: tuple[float, float]
    refuse: tuple[float, float]
    why: str

    def matches(self, unit: str) -> bool:
        return re.search(self.pattern, unit) is not None

    def text(self) -> str:
        """The range as the tables show it.

        Example:
            >>> rule_for("persons per household").text()
            '1-12 (refused outside 1-30)'
        """
        (a, b), (c, d) = self.warn, self.refuse
        return f"{_num(a)}-{_num(b)} (refused outside {_num(c)}-{_num(d)})"


def _num(x: float) -> str:
    return f"{x:,.0f}" if x == int(x) else f"{x:g}"


#: the rules, first match wins: the most specific units first
RULES: tuple[Rule, ...] = (
    Rule(r"persons per household", (1, 12), (1, 30),
         "a household's mean size (rural China 3-4.5; the largest households about 10)"),
    Rule(r"^households per cadre", (1, 100), (1, 10_000),
         "households one cadre is paired with (the reports: 1-10)"),
    Rule(r"jobs per 100 (leased )?mu", (0, 50), (0, 1_000),
         "jobs a collective's 100 leased mu give (field crops under 2, greenhouses about 20)"),
    Rule(r"^mu .*(labourer|household)|mu(-equivalent)? .*per household|^mu per household",
         (0, 1_000), (0, 100_000),
         "land of one household or labourer (China about 7 mu a household; herders up to "
         "thousands of mu-equivalent)"),
    Rule(r"^km2\b", (1, 300_000), (0.01, 10_000_000),
         "a county's area (Chinese counties 100-200,000 km2)"),
    Rule(r"^mu\b", (0, 10_000_000), (0, 2_000_000_000),
         "an area (a county has up to millions of mu; China's farmland is 1.9 billion mu)"),
    Rule(r"jobs per (enterprise|organisation|zone|partner|unit)", (0, 10_000), (0, 1_000_000),
         "local jobs one partner offers (a large enterprise thousands)"),
    Rule(r"yuan .*per (leased )?mu", (0, 50_000), (0, 1_000_000),
         "money per mu a year (field crops hundreds, greenhouse fruit and vegetables tens of "
         "thousands)"),
    Rule(r"yuan .*month", (0, 100_000), (0, 1_000_000),
         "money per person, job, cadre or household a month (rural wages 1,000-10,000 yuan)"),
    Rule(r"yuan per (registered |registered poor )?(poor )?(member )?(household|person|"
         r"migrant)", (0, 1_000_000), (0, 100_000_000),
         "money per household or person a year"),
    Rule(r"^yuan", (0, 1_000_000_000), (0, 1_000_000_000_000),
         "a sum of money (a village's funds up to millions; a county's programme up to "
         "billions of yuan)"),
    Rule(r"^(people|households|persons|villages|cadres|person-times|enterprises|"
         r"organisations|partners|projects|units)\b", (0, 1_500_000_000),
         (0, 10_000_000_000),
         "a count of people, households or places (China has 1.4 billion people; a province "
         "up to 130 million)"),
)


def rule_for(unit: str) -> Rule | None:
    """The rule of a unit, or None (a share, a probability or a rate: their schema bounds them).

    Example:
        >>> rule_for("probability per month") is None, rule_for("yuan per yuan of shares") is None
        (True, True)
    """
    if "per yuan" in unit:  # a rate (revenue or dividend per yuan): not a sum of money
        return None
    return next((r for r in RULES if r.matches(unit)), None)


def problems(params: list[tuple[str, Any, str]]) -> list[tuple[str, str]]:
    """Each (path, value, unit) out of its range, as ``("refuse" | "warn", message)``.

    Example:
        >>> [(kind, m.split(" is ")[0]) for kind, m in problems(
        ...     [("population.household_size_mean", 14.0, "persons per household")])]
        [('warn', 'population.household_size_mean: 14 persons per household')]
    """
    out = []
    for path, value, unit in params:
        rule = rule_for(unit)
        if rule is None or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        (a, b), (c, d) = rule.warn, rule.refuse
        if not c <= value <= d:
            out.append(("refuse", f"{path}: {value:g} {unit} is not plausible; allowed "
                                  f"{_num(c)}-{_num(d)} ({rule.why})"))
        elif not a <= value <= b:
            out.append(("warn", f"{path}: {value:g} {unit} is outside the plausible "
                                f"{_num(a)}-{_num(b)} ({rule.why}); check it"))
    return out
