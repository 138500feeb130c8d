"""The model's calendar: the simulated year and month, and the programme's phases.

A run starts in January of the baseline year (the year before ``start_year``, whose incomes
identify the registered poor in December) and ends in December of ``end_year``. The programme
(cadres, pairing, projects, household programmes) runs from identification on, in the years from
``policy.programme_start_year`` (default ``start_year``).

Example:
    >>> c = Clock(baseline_year=2013, programme_start=2014, end_year=2014, income_growth=0.1)
    >>> c.in_programme, c.december
    (False, False)
    >>> for _ in range(12):
    ...     c.advance()
    >>> c.year, c.month, round(c.growth(), 2)
    (2014, 0, 1.1)
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Clock:
    """Year and month (0 = January) of the month being simulated, and whether households have
    been identified (December of the baseline year)."""

    baseline_year: int
    programme_start: int
    end_year: int
    income_growth: float  # yearly growth of prices and wages (income.income_growth)
    transfer_growth: float = 0.0  # yearly growth of transfers per person (income.transfer_growth)
    year: int = field(init=False)  # starts at the baseline year
    month: int = 0
    identified: bool = False
    programme_on: bool = True  # policy.programme: off never runs the programme (counterfactual)

    def __post_init__(self) -> None:
        self.year = self.baseline_year

    @property
    def in_programme(self) -> bool:
        """Whether the programme (cadres, pairing, projects) runs this month: from
        identification on, in the programme's years, unless it is switched off."""
        return self.programme_on and self.identified and self.year >= self.programme_start

    @property
    def december(self) -> bool:
        """Whether this is the year's last month (dividends, income, exits, records)."""
        return self.month == 11

    @property
    def month_index(self) -> int:
        """A month's running number, ``12 x year + month`` (pairing start dates use it)."""
        return 12 * self.year + self.month

    @property
    def finished(self) -> bool:
        """Whether December of the end year is done."""
        return self.year > self.end_year

    def growth(self) -> float:
        """Background growth index of prices and wages relative to the baseline year."""
        return (1.0 + self.income_growth) ** (self.year - self.baseline_year)

    def transfer_index(self) -> float:
        """Growth index of social-assistance transfers per person relative to the baseline
        year (minimum-living-allowance standards are raised every year).

        Example:
            >>> c = Clock(2013, 2014, 2015, income_growth=0.0, transfer_growth=0.1)
            >>> c.year = 2015; round(c.transfer_index(), 2)
            1.21
        """
        return (1.0 + self.transfer_growth) ** (self.year - self.baseline_year)

    def advance(self) -> None:
        """Move on one month."""
        if self.month == 11:
            self.year += 1
            self.month = 0
        else:
            self.month += 1
