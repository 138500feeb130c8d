"""The household programmes' section of a scenario: labour training, loans and demonstration
(ODD §7.4a).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> type(load_scenario("sanba").programmes).__name__
    'ProgrammesCfg'
"""

from __future__ import annotations

from pydantic import (
    model_validator,
)

from povsim.schema.params import Amount, Count, PosCount, Prob, Year, _Strict


class LabourTrainingCfg(_Strict):
    person_times_per_year: Amount
    """labour-training attendances of registered households"""
    skill_gain: Prob
    """share of the way to skill 1 per training"""
    cost_per_person_time: Amount
    """public cost per attendance"""


class LoansCfg(_Strict):
    amount_total: Amount
    """loan principal of all loans, a public cost"""
    households: Count
    """households receiving a loan"""
    first_year: Year
    """first year of loans (January); the loans are spread evenly over the years from
    ``first_year`` to ``last_year``"""
    last_year: Year
    """last year of loans (January)"""
    return_rate: Amount
    """net income of the financed business per yuan of principal per year, paid monthly to the
    household while the loan runs"""
    term_years: PosCount
    """years a loan runs (its business income with it)"""

    @model_validator(mode="after")
    def _years_in_order(self) -> LoansCfg:
        if self.last_year.value < self.first_year.value:
            raise ValueError(f"last_year {self.last_year.value} is before first_year "
                             f"{self.first_year.value}")
        return self


class DemonstrationCfg(_Strict):
    area_mu: Amount
    """area under demonstration fields"""
    tech_gain_per_share_year: Amount
    """village technology gain per year per unit share of land under demonstration"""


class ProgrammesCfg(_Strict):
    """Optional household programmes: labour training, business loans, demonstration fields."""

    labour_training: LabourTrainingCfg | None = None
    """labour training and transfer of registered households (Sanba)"""
    loans: LoansCfg | None = None
    """business loans spread over some Januaries (Sanba)"""
    demonstration_fields: DemonstrationCfg | None = None
    """demonstration fields raising village farming technology (Zhenbao)"""
