"""The policy section of a scenario: the pairing strategies (the levers), tenure and capacity of
cadres, and the programme's switch (ODD §7.11).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> load_scenario("xixiu").policy.cadre_pairing
    'same_village'
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    field_validator,
)

from povsim.base.errors import did_you_mean
from povsim.schema.params import _Strict, switch_word


class PolicyCfg(_Strict):
    cadre_pairing: str = "same_village"
    """strategy pairing household-role cadres with registered households (§7.11)"""
    first_secretary_assignment: str = "all_poor_villages"
    """strategy placing first secretaries in villages (§7.11)"""
    village_pairing: str = "random"
    """strategy pairing partners with villages (§7.11)"""
    cadre_tenure: Literal["fixed", "rotating"] = "fixed"
    """`fixed`: a pairing lasts until the household exits; `rotating`: re-paired every January"""
    cadre_capacity: Literal["one_to_many", "one_to_one"] = "one_to_many"
    """`one_to_many`: the groups' capacities; `one_to_one`: at most one household per cadre"""
    programme_start_year: int | None = None
    """first programme year (default: start_year)"""
    programme: bool = True
    """`on` (true): the programme runs; `off` (false): the no-programme counterfactual, in which
    households are registered at baseline as usual but no cadre, partner or household programme
    ever acts (markets, shocks, transfers, health cover and the collectives go on)"""

    @field_validator("programme", mode="before")
    @classmethod
    def _on_off(cls, v: Any) -> Any:
        return switch_word(v)

    @field_validator("cadre_pairing", "first_secretary_assignment", "village_pairing")
    @classmethod
    def _known_strategy(cls, v: str, info) -> str:
        from povsim.strategies import REGISTRIES

        known = REGISTRIES[info.field_name]
        if v not in known:
            raise ValueError(f"unknown strategy {v!r}{did_you_mean(v, known)}; known: "
                             f"{', '.join(sorted(known))}")
        return v
