"""The cadres' sections of a scenario: each group of cadres (first secretaries, paired cadres
...) and how visits, training and branch work act (ODD §7.2-7.5).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> load_scenario("xixiu").cadre_groups[0].kind
    'first_secretary'
"""

from __future__ import annotations

from typing import Literal

from pydantic import (
    NonNegativeFloat,
    field_validator,
    model_validator,
)

from povsim.schema.params import CADRE_KINDS, SPECIALTIES, Amount, Count, Positive, Prob, _Strict
from povsim.schema.villages import ResidentCfg


class CadreGroupCfg(_Strict):
    kind: Literal[CADRE_KINDS]  # type: ignore[valid-type]
    """cadre kind (first secretary, village-help secretary, paired cadre, commando, task team,
    resident cadre, expert)"""
    count: Count
    """cadres of the group (household-role groups are scaled with the households)"""
    role: Literal["households", "village"]
    """`households`: paired with registered households and visiting them; `village`: acting on a
    village"""
    capacity: Count | None = None
    """most households a cadre of the group can be paired with (role households only: a
    village-role cadre is paired with none)"""
    effectiveness: Prob
    """initial effectiveness (0..1), raised by training"""
    specialty_mix: dict[Literal[SPECIALTIES], NonNegativeFloat]  # type: ignore[valid-type]
    """weights of specialties (farming, jobs, health, finance, general)"""
    monthly_cost: Amount
    """a cadre's time, a public cost"""
    branch_gain_month: Prob | None = None
    """strengthening of its village's branch, x effectiveness (village role only; none: the
    group does not act on the branch, as experts and household-role cadres)"""
    projects_per_year: Amount | None = None
    """projects a village-role cadre lands in its collective (none: it lands none)"""
    resident: ResidentCfg | None = None
    """optional, household role only: the group lives in the listed poor villages (its homes are
    drawn among them), visits as often as its own probability says and lectures"""
    source: str
    """where the group and its count come from"""

    @model_validator(mode="after")
    def _resident_pairs_households(self) -> CadreGroupCfg:
        if self.resident is not None and self.role != "households":
            raise ValueError(f"group {self.kind!r}: resident needs role households")
        if self.role == "households" and self.capacity is None:
            raise ValueError(f"group {self.kind!r}: role households needs a capacity")
        if self.role == "households" and any(
                p is not None and p.value for p in (self.branch_gain_month,
                                                    self.projects_per_year)):
            raise ValueError(f"group {self.kind!r}: branch_gain_month and projects_per_year "
                             "are for role village only")
        if self.role == "village" and self.capacity is not None and self.capacity.value:
            raise ValueError(f"group {self.kind!r}: role village pairs no households "
                             "(capacity 0 or none)")
        return self

    @field_validator("specialty_mix")
    @classmethod
    def _mix_positive(cls, v: dict) -> dict:
        if not v or sum(v.values()) <= 0:
            raise ValueError("specialty_mix needs at least one positive weight")
        return v


class CadreEffectsCfg(_Strict):
    visit_prob_month: Prob
    """a paired poor household is visited"""
    load_half: Positive
    """cadre load at which a visit's effect halves"""
    match_same: Prob
    """effect multiplier when the specialty is the binding need"""
    match_general: Prob
    """effect multiplier of a general cadre"""
    match_other: Prob
    """effect multiplier of another specialty"""
    skill_gain: Prob
    """share of the way to skill 1 per jobs visit x effect"""
    referral_boost: Amount
    """relative increase in outside job finding with a referral"""
    productivity_gain: Prob
    """farm-productivity gain per farming visit x effect"""
    productivity_cap: Positive
    """maximum of household farm productivity and village technology"""
    health_cover_gain: Prob
    """share of the way to full illness-cost cover per health visit x effect"""
    loan_productivity_gain: Prob
    """farm-productivity gain per finance visit x effect"""
    training_person_times_per_year: Amount
    """cadre training attendances"""
    training_gain: Prob
    """share of the way to effectiveness 1 per attendance"""
    training_cost_per_person_time: Amount
    """cost per attendance, public"""
    project_size: Amount
    """project brought by a village-role cadre, public money"""
    expert_productivity_gain_month: Prob
    """village technology gain per expert-month x effectiveness"""
    other_village_visit_factor: Prob
    """visit probability multiplier when the cadre lives in another village (§7.2); also weights
    such pairs in the expected gain (§7.11)"""
    familiarity_months: Amount
    """months for a newly paired cadre to reach full visit effect, ramping linearly (§7.2)"""
