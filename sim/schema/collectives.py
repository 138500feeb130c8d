"""The collective economy's section of a scenario: the cooperatives and the collective-economy
models with their fixed and share dividends (ODD §7.7).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> bool(load_scenario("xixiu").cooperatives.jobs_per_100mu.unit)
    True
"""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    model_validator,
)

from povsim.schema.params import Amount, Count, Positive, Prob, _Strict


class CollectiveModelCfg(_Strict):
    """A collective-economy model run by ``villages`` villages (e.g. Yushu's five): how its
    collectives earn (§7.7)."""

    name: str
    """model name (rows of the `collectives` table)"""
    villages: Count
    """villages running it, drawn at random"""
    earns: Literal["produce", "services"] = "produce"
    """`produce`: output of capital and leased land, sold on the market (``market_access``)
    and to partners' contracts; `services`: services sold to customers on its facilities
    (shop, resort, market stalls, hotel, transport), ``service_yield`` per yuan of capital, not
    limited by market access nor bought by partners (its leased land's produce is sold as
    `produce`)"""
    revenue_multiplier: Positive
    """multiplier of the collective's operating output"""
    market_access: Prob | None = None
    """optional share of its produce sold on the open market, in place of
    `cooperatives.market_access`"""
    service_yield: Amount | None = None
    """services revenue per yuan of capital per year (x growth); required with `services`"""
    stake: Amount | None = None
    """optional shares the collective holds in enterprises (yuan), outside its capital"""
    stake_dividend_rate: Amount | None = None
    """yearly dividend per yuan of ``stake``, paid in December (operating revenue); required
    with ``stake``"""
    initial_capital: Amount
    """capital at start, replacing the drawn one"""
    active_from_start: bool = True
    """operating from the start"""
    source: str
    """where the model comes from"""

    @model_validator(mode="after")
    def _complete(self) -> CollectiveModelCfg:
        if self.earns == "services" and self.service_yield is None:
            raise ValueError(f"model {self.name!r} earns from services: service_yield is "
                             "required")
        if (self.stake is None) != (self.stake_dividend_rate is None):
            raise ValueError(f"model {self.name!r}: stake and stake_dividend_rate go together")
        return self


class CooperativesCfg(_Strict):
    initial_active_share: Prob
    """villages with an operating collective at start"""
    initial_capital_mean: Amount
    """mean capital of an active collective at start"""
    capital_yield: Amount
    """operating revenue per yuan of capital"""
    coop_yield_per_mu: Amount
    """revenue per leased mu (x growth)"""
    jobs_per_100mu: Amount
    """cooperative jobs per 100 leased mu"""
    cost_share: Prob
    """input costs, as a share of revenue"""
    market_access: Prob
    """share of its output (at market prices) a collective sells on the open market; partners'
    purchase contracts buy from the rest, at their price premium (§7.7)"""
    fixed_dividend_poor_member: Amount
    """fixed dividend to each registered member household"""
    share_payout: Prob
    """share of the surplus after fixed dividends paid on shares"""
    poor_member_shares: Amount
    """extra shares of a registered member (poverty funds as shares)"""
    activation_prob_month: Prob
    """activation of a hollow collective with capital, x branch strength x (1 + first secretary)"""
    asset_threshold: Amount
    """collective assets counted as accumulated (villages_assets_over_threshold)"""
    fiscal_transfer_per_village_year: Amount | None = None
    """yearly fiscal subsidy of every village collective (补助收入: the village organisation's
    running funds and collective-economy support), non-operating income spent on the village,
    not capital (x growth, §7.10); none: no such income"""
    models: list[CollectiveModelCfg] = Field(default_factory=list)
    """optional collective-economy models (§5, §7.7), each run by some villages"""
