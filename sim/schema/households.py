"""The households' sections of a scenario: the population (ODD §5), crops, income (§7.8), shocks
and behaviour (§7.9).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> load_scenario("xixiu").population.total_households.value
    155000
"""

from __future__ import annotations

from pydantic import Field

from povsim.schema.params import (
    Amount,
    Count,
    Monthly12,
    PosCount,
    Positive,
    Prob,
    Real,
    Year,
    _Strict,
)


class PopulationCfg(_Strict):
    total_households: PosCount
    """rural households of the case"""
    household_size_mean: Positive
    """mean household size (1 + Poisson, at most 12)"""
    labourers_share: Prob
    """mean share of persons able to work"""
    labourers_concentration: Positive
    """concentration of the households' shares of persons able to work (Beta with mean
    `labourers_share`; labourers binomial given the share): large, every household alike; small,
    many households without able labour (the elderly, the disabled)"""
    land_mu_mean: Amount
    """mean contracted land per household (log-normal)"""
    land_sigma: Amount
    """log-sd of land across households"""
    farm_productivity_sigma: Amount
    """log-sd of household farm productivity"""
    village_productivity_sigma: Amount
    """log-sd of village farm productivity"""
    skill_alpha: Positive
    """first Beta shape of labour-market skill"""
    skill_beta: Positive
    """second Beta shape of labour-market skill"""
    migrant_share: Prob
    """share of labourers working away at baseline"""
    local_job_share: Prob
    """share of households with a labourer at home holding an outside-market local job, at
    baseline and in the labour market's steady state (it sets the outside market's job finding,
    :mod:`povsim.engine.job_finding`); collectives' and partners' jobs come on top"""
    coop_member_share: Prob
    """initial members in villages with an active collective"""
    registration_error_sigma: Amount
    """log-sd of the error in the per-capita income measured at registration: measured = true x
    exp(sigma z - sigma^2 / 2), z standard normal (§7.10); 0: registered on true income"""
    away_household_share: Prob | None = None
    """optional share of households living away as a whole household (人户分离: registered in
    the village, living and working elsewhere, ODD §5): every labourer of theirs a migrant who does
    not return, none of their members a resident; unset: none"""
    earnings_sigma: Amount | None = None
    """optional log-sd of a household's persistent multiplier (mean 1) of the outside market's
    wage and of its migrants' remittances (ODD §5, §7.8): the dispersion of earnings beyond skill,
    land and labour; unset: every household earns the market's mean wage"""
    registered_households: Count | None = None
    """optional registration quota: identification registers this many households, lowest
    per-capita income first (§5); unset: every household below the line"""


class CropCfg(_Strict):
    """A cash crop on households' own land: no yield until ``maturity_years`` after planting."""

    name: str
    """crop name (rows of the `crops` table)"""
    area_mu: Amount
    """area; its share of all households' land is taken from every household's own land"""
    yield_value_per_mu: Amount
    """net income per mu once mature (x growth)"""
    planted_year: Year
    """year planted; before it the land yields the base `yield_value_per_mu`"""
    maturity_years: Count
    """years without yield after planting (0: an annual crop)"""
    by_programme: bool = False
    """planted by the programme's industry drive (产业扶贫): not planted when the programme is
    off (§7.8)"""


class IncomeCfg(_Strict):
    yield_value_per_mu: Amount
    """net farm income per mu of own land at baseline prices"""
    farm_mu_per_labourer: Positive
    """land one labourer at home can farm: a household farms at most (labourers - migrants) x
    this of its own land, the rest lies fallow"""
    crops: list[CropCfg] = Field(default_factory=list)
    """optional cash crops on households' own land (§5, §7.8)"""
    farm_seasonality: Monthly12
    """monthly weights of farm income, January first (normalised)"""
    migrant_remittance_month: Amount
    """remittance per migrant (x growth)"""
    local_wage_month: Amount
    """outside-market and cooperative wage (x growth)"""
    income_growth: Real
    """background growth of yields, wages, remittances and other income"""
    land_rent_per_mu: Amount
    """rent the cooperative pays per leased mu"""
    transfer_per_person_month: Amount
    """social-assistance transfer of an enrolled household, per person (x the transfer index)"""
    transfer_growth: Real | None = None
    """yearly growth of the transfer per person (assistance standards rise every year); none:
    the transfer stays at its baseline value"""
    other_income_per_person_month: Amount
    """pensions, farm subsidies and other small incomes (x growth)"""


class ShocksCfg(_Strict):
    illness_prob_month: Prob
    """onset of serious illness in a healthy household"""
    illness_recovery_prob_month: Prob
    """recovery of a sick household"""
    illness_cost_month: Amount
    """cost while ill, before cover"""
    disaster_prob_month: Prob
    """disaster in a village"""
    disaster_severity: Prob
    """share of a quarter of the year's farm income a disaster destroys"""


class BehaviourCfg(_Strict):
    job_separation_prob_month: Prob
    """loss of a local job"""
    paired_hire_prob_month: Prob
    """applying to the village's paired employers, x their reach-weighted share of vacancies"""
    migrate_prob_month: Prob
    """migration of an idle labourer, x (0.5 + skill)"""
    return_prob_month: Prob
    """return of a migrant"""
    join_prob_month: Prob
    """joining an active cooperative, x branch strength"""
    lease_share: Prob
    """share of a member's land leased to the cooperative"""
    transfer_claim_prob_month: Prob
    """transfer claim of a poor household without labour or ill"""
