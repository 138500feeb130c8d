"""The villages' section of a scenario: their count, poor villages, branch strength and
industries, and the village residents who are not registered (ODD §5).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> load_scenario("xixiu").villages.count.value
    182
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    NonNegativeFloat,
)

from povsim.schema.params import INDUSTRIES, Count, Param, PosCount, Positive, Prob, _Strict


def _some_weight(v: dict) -> dict:
    if not v or sum(v.values()) <= 0:
        raise ValueError("needs at least one positive weight")
    return v


class IndustryMix(Param[Annotated[dict[Literal[INDUSTRIES], NonNegativeFloat],  # type: ignore[valid-type]
                                 AfterValidator(_some_weight)]]):
    """Weights of the main industries (``INDUSTRIES``), at least one positive."""


class VillagesCfg(_Strict):
    count: PosCount
    """administrative villages"""
    poor_villages: Count
    """villages listed poor at baseline (the highest incidence)"""
    branch_strength_alpha: Positive
    """first Beta shape of initial party-branch strength"""
    branch_strength_beta: Positive
    """second Beta shape of initial party-branch strength"""
    branch_decay_month: Prob
    """branch strength lost each month"""
    area_km2: Positive
    """area of the square over which villages and partners are placed at random (§5)"""
    industry_mix: IndustryMix
    """weights of village main industries (§5)"""


class ResidentCfg(_Strict):
    """A household-role group living and working full-time in the listed poor villages
    (Xixiu's party-member commandos and concentrated task teams: 全脱产入村, 吃住在村、工作在村;
    they visit and screen households, 走访排查, and hold village lecture sessions, 讲习)."""

    visit_prob_month: Prob
    """a paired poor household is visited, in place of `cadre_effects.visit_prob_month`"""
    lecture_skill_gain_month: Prob
    """讲习: each month the skill of every household with labour in its village moves this share
    x the cadre's effectiveness of the way to 1 (several lecturers compound)"""
