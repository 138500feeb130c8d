"""The partners' sections of a scenario: each group of enterprises, government units,
organisations or industrial zones paired with villages, and how their jobs, purchases,
investment and aid act (ODD §7.1, §7.7).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> load_scenario("xixiu").partners[0].count.value
    116
"""

from __future__ import annotations

from typing import Literal

from pydantic import (
    model_validator,
)

from povsim.schema.params import (
    PARTNER_KINDS,
    Amount,
    Count,
    Positive,
    Prob,
    Year,
    _Strict,
    value_or,
)
from povsim.schema.villages import IndustryMix


class PartnerEffectsCfg(_Strict):
    reach_km: Positive
    """distance at which a partner's hiring and purchases in a village fall to 1/e: reach =
    exp(-distance / reach_km)"""
    industry_mismatch_factor: Prob
    """purchase (and price-premium) multiplier when the partner's industry is not the village's"""
    size_sigma: Amount
    """log-sd of partner size (mean 1), which scales its jobs and its part of a shared village's
    amounts"""


class PartnerGroupCfg(_Strict):
    """Enterprises, government units, organisations or industrial zones paired with villages.

    A channel the report does not describe for the group (jobs, purchases, investment, aid,
    dividends, branch strengthening) is left out of its file: none, no such help."""

    kind: Literal[PARTNER_KINDS]  # type: ignore[valid-type]
    """`enterprise`, `government_unit` (payments are public money), `organisation` or
    `industrial_zone`"""
    count: Count
    """partners in the group"""
    paired_villages: Count
    """villages paired with a partner of the group"""
    start_year: Year
    """first pairing year (not before the programme)"""
    jobs_per_partner: Amount | None = None
    """mean local jobs offered to paired villages (each partner x size)"""
    wage_month: Amount | None = None
    """wage of those jobs (x growth)"""
    purchase_per_village_year: Amount | None = None
    """purchases from each paired village, its cooperative and, under contract, its households
    (x growth)"""
    price_premium: Amount | None = None
    """premium on the market price the partner pays for what it buys"""
    household_purchase_share: Prob | None = None
    """share of the partner's purchases bought from households' own farm produce under
    contract (订单农业), the rest from the collective; households gain the premium on it
    (§7.7); none: all from the collective"""
    investment_per_village: Amount | None = None
    """one-off investment in each paired cooperative"""
    collective_dividend_rate: Amount | None = None
    """yearly share dividend paid in December to a paired village's collective per yuan of the
    partner's investment in it (the collective's stake, 入股分红); the collective's operating
    revenue (investment income)"""
    aid_per_village_year: Amount | None = None
    """yearly aid to each paired collective, paid monthly into its capital"""
    fixed_dividend_per_poor_household: Amount | None = None
    """fixed dividend to each registered household of a paired village"""
    branch_gain_month: Prob | None = None
    """strengthening of each paired village's branch"""
    industry_mix: IndustryMix | None = None  # None: buys any produce (e.g. government units)
    """optional weights of partner industries (§5); without it the group's partners buy any produce
"""
    source: str
    """where the group and its count come from"""

    def amount(self, name: str) -> float:
        """The value of channel parameter ``name``, 0 where the group leaves it out (the
        report describes no such help from these partners).

        Example:
            >>> from povsim.schema.config import load_scenario
            >>> g = load_scenario("yushu").partners[0]
            >>> g.amount("purchase_per_village_year"), g.amount("branch_gain_month") > 0
            (0.0, True)
        """
        return float(value_or(getattr(self, name)))

    @model_validator(mode="after")
    def _jobs_have_a_wage(self) -> PartnerGroupCfg:
        if self.amount("jobs_per_partner") > 0 and self.wage_month is None:
            raise ValueError(f"partner group {self.kind!r}: jobs_per_partner needs a wage_month")
        return self
