"""Scenario schema: load and validate a scenario YAML file into typed, annotated parameters.

Every parameter in a scenario file is written as a flow mapping on one line::

    villages: {value: 182, unit: villages, source: "figure: xixiu.villages"}

`value` is what the model uses, `unit` its unit and `source` where it comes from: a figure id of
``calibration/reported_figures.csv`` (``figure: ...``), a figure-derived value (``derived: ...``),
a cited statistic (``cited: ...``), an ``assumed`` value or one ``to calibrate``.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> sc = load_scenario("scenarios/xixiu.yaml")
    >>> sc.villages.count.value
    182
"""

from __future__ import annotations

import hashlib
import typing
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from povsim.base.errors import did_you_mean
from povsim.base.inputs import SAFE_NAME, ScenarioError, format_validation_error, load_yaml
from povsim.calibration.registry import Registry, load_registry
from povsim.scenarios import CASES, resolve_scenario
from povsim.schema.plausible import problems

T = TypeVar("T")

SOURCE_PREFIXES = ("figure:", "derived:", "cited:", "assumed", "to calibrate", "calibrated")
CADRE_KINDS = (
    "first_secretary",
    "village_help_secretary",
    "paired_cadre",
    "commando",
    "task_team",
    "resident_cadre",
    "expert",
)
SPECIALTIES = ("farming", "jobs", "health", "finance", "general")
PARTNER_KINDS = ("enterprise", "government_unit", "organisation", "industrial_zone")
#: main industry of a village, and of a partner that buys one industry's produce
INDUSTRIES = ("crops", "livestock", "forestry", "tourism", "trade")
# poor-village exit threshold by region (2016 poverty-exit mechanism: incidence below 2%, 3% in
# the western provinces); the scenario's village_exit_threshold must agree with its region
EXIT_THRESHOLD = {"western": 0.03, "other": 0.02}


class _Strict(BaseModel):
    # strict: no coercion, so a YAML boolean or a quoted number is a wrong type, not 1 or 3.0
    # each field's docstring is its description (the ODD's parameter tables are generated from
    # them: povsim.schema.paramdoc)
    # finite: a NaN or infinity in any number is refused (a schema that means one says so)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              use_attribute_docstrings=True, allow_inf_nan=False)


class Param(_Strict, Generic[T]):
    """One annotated parameter: its value, unit and source.

    Example:
        >>> Param[int](value=3, unit="people", source="assumed").value
        3
    """

    value: T
    unit: str
    source: str
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, v: str) -> str:
        if not v.strip().lower().startswith(SOURCE_PREFIXES):
            raise ValueError(f"source must start with one of {', '.join(SOURCE_PREFIXES)}")
        return v


Prob01 = Annotated[float, Field(ge=0.0, le=1.0)]


# The parameter kinds are named subclasses (not bare ``Param[...]`` aliases) so that a scenario
# pickles with the standard library (multiprocessing, Dask, ``mesa.batch_run``): pickle finds a
# class by its name in its module.
def switch_word(v: Any) -> Any:
    """A switch's own words, ``on`` and ``off``, as true and false (YAML 1.2 reads them as text:
    :mod:`povsim.base.inputs`); anything else as it is.

    Example:
        >>> switch_word("off"), switch_word(True), switch_word("random")
        (False, True, 'random')
    """
    return {"on": True, "off": False}.get(v, v) if isinstance(v, str) else v


def value_or(param: Param | None, default: float = 0.0) -> Any:
    """The value of an optional parameter, ``default`` where the scenario leaves it out.

    Example:
        >>> value_or(None), value_or(Param[float](value=2.5, unit="u", source="assumed"))
        (0.0, 2.5)
    """
    return default if param is None else param.value


class Count(Param[NonNegativeInt]):
    """A count (>= 0)."""


class PosCount(Param[PositiveInt]):
    """A count (>= 1)."""


class Prob(Param[Prob01]):
    """A probability or share (0..1)."""


class Amount(Param[NonNegativeFloat]):
    """A non-negative amount."""


class Positive(Param[PositiveFloat]):
    """A positive amount."""


class Real(Param[float]):
    """Any real number."""


class Year(Param[Annotated[int, Field(ge=1949, le=2100)]]):
    """A calendar year."""


def _not_all_zero(v: list[float]) -> list[float]:
    if sum(v) <= 0:
        raise ValueError("the twelve monthly weights must not all be zero (they are normalised "
                         "to shares of the year)")
    return v


class Monthly12(Param[Annotated[list[NonNegativeFloat], Field(min_length=12, max_length=12),
                               AfterValidator(_not_all_zero)]]):
    """Twelve monthly weights (January first), not all zero."""


class Series(_Strict):
    """A yearly parameter series, such as the poverty line (year -> value)."""

    values: dict[Annotated[int, Field(strict=False)], PositiveFloat]  # "2014": also read as 2014
    """value by year"""
    unit: str
    """unit of the values"""
    source: str
    """where the values come from"""


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
    crops: list[CropCfg] = []
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


class PartnerEffectsCfg(_Strict):
    reach_km: Positive
    """distance at which a partner's hiring and purchases in a village fall to 1/e: reach =
    exp(-distance / reach_km)"""
    industry_mismatch_factor: Prob
    """purchase (and price-premium) multiplier when the partner's industry is not the village's"""
    size_sigma: Amount
    """log-sd of partner size (mean 1), which scales its jobs and its part of a shared village's
    amounts"""


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
    models: list[CollectiveModelCfg] = []
    """optional collective-economy models (§5, §7.7), each run by some villages"""


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


class Scenario(_Strict):
    """A validated scenario: structure, behaviour, policy and the poverty-line series.

    Example:
        >>> sc = load_scenario("scenarios/xixiu.yaml")
        >>> sc.start_year, sc.end_year
        (2014, 2017)
    """

    name: str = Field(pattern=SAFE_NAME)
    """scenario name (the default output folder results/<name>: letters, digits, _ . -)"""
    title: str
    """title printed in summaries"""
    case: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """case of the figure registry (lower-case letters, digits, _: the prefix of its figure
    ids, and of the calibration's default folder results/<case>-calibration)"""
    seed_file: str
    """case report in shared/seeds"""
    figures: str | None = None
    """this county's own reported figures, a file in the registry's format (relative to the
    scenario file): they join calibration/targets.yaml for this scenario (targets, calibrate)"""
    region: Literal["western", "other"]
    """region; fixes the village exit threshold"""
    start_year: int = Field(ge=1949, le=2100)
    """first programme year; the year before it is the simulated baseline"""
    end_year: int = Field(ge=1949, le=2100)
    """last simulated year"""
    poverty_line: Series
    """rural poverty line by year"""
    village_exit_threshold: Prob
    """a listed poor village exits below this incidence (must agree with region)"""
    household_exit_margin: Amount
    """a poor household exits when per-capita income >= line x (1 + margin)"""
    population: PopulationCfg
    """households (§5)"""
    income: IncomeCfg
    """income sources (§7.8)"""
    shocks: ShocksCfg
    """illness and disasters (§7.9)"""
    behaviour: BehaviourCfg
    """household decisions and the labour market (§7.6, §7.9)"""
    villages: VillagesCfg
    """villages and their party branches"""
    cadre_groups: list[CadreGroupCfg]
    """cadres, group by group"""
    cadre_effects: CadreEffectsCfg
    """what cadre visits, training and projects do (§7.2-7.4)"""
    cooperatives: CooperativesCfg
    """village collective economies (§7.7, §7.10)"""
    partner_effects: PartnerEffectsCfg
    """how pairings work through distance, industry and size"""
    partners: list[PartnerGroupCfg]
    """partner groups paired with villages (§7.1)"""
    programmes: ProgrammesCfg = ProgrammesCfg()
    """optional household programmes (§7.4a)"""
    policy: PolicyCfg = PolicyCfg()
    """the policy levers"""
    _path: str | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)
    # values outside their plausible range that a real place could still have
    # (povsim.schema.plausible)
    _warnings: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.end_year < self.start_year:
            raise ValueError(f"end_year {self.end_year} is before start_year {self.start_year}")
        need = range(self.start_year - 1, self.end_year + 1)
        missing = [y for y in need if y not in self.poverty_line.values]
        if missing:
            raise ValueError(
                f"poverty_line.values lacks years {missing}; it must cover "
                f"{need.start}..{need.stop - 1} (the baseline year and every simulated year)"
            )
        ps = self.policy.programme_start_year
        if ps is not None and not self.start_year <= ps <= self.end_year:
            raise ValueError(
                f"policy.programme_start_year {ps} must lie in start_year..end_year "
                f"{self.start_year}..{self.end_year} (the year before start_year is the baseline)")
        n_v = self.villages.count.value
        if self.villages.poor_villages.value > n_v:
            raise ValueError("villages.poor_villages exceeds villages.count")
        if abs(self.village_exit_threshold.value - EXIT_THRESHOLD[self.region]) > 1e-12:
            raise ValueError(
                f"village_exit_threshold {self.village_exit_threshold.value:g} contradicts region "
                f"{self.region!r}, whose threshold is {EXIT_THRESHOLD[self.region]:g} "
                f"(allowed: {EXIT_THRESHOLD})")
        for i, g in enumerate(self.partners):
            if g.paired_villages.value > n_v:
                raise ValueError(f"partners.{i}.paired_villages {g.paired_villages.value} exceeds "
                                 f"villages.count {n_v}")
        in_models = sum(m.villages.value for m in self.cooperatives.models)
        if in_models > n_v:
            raise ValueError(f"cooperatives.models cover {in_models} villages, more than "
                             f"villages.count {n_v}")
        crop_mu = sum(c.area_mu.value for c in self.income.crops)
        land = self.population.total_households.value * self.population.land_mu_mean.value
        if crop_mu > land:
            raise ValueError(f"income.crops cover {crop_mu:,.0f} mu, more than the households' "
                             f"land total_households x land_mu_mean = {land:,.0f} mu")
        return self

    def with_overrides(self, **policy: Any) -> Scenario:
        """Return a copy with policy levers replaced (validated like the file).

        Example:
            >>> sc = load_scenario("scenarios/xixiu.yaml")
            >>> sc.with_overrides(cadre_pairing="random").policy.cadre_pairing
            'random'
        """
        data = self.model_dump()
        data["policy"].update(policy)
        new = Scenario.model_validate(data)
        new._path, new._sha256 = self._path, self._sha256
        return new

    def with_params(self, changes: dict[str, Any]) -> Scenario:
        """Return a copy with parameters changed by dotted path, validated like the file.

        A bare policy lever name (``cadre_pairing``) means ``policy.cadre_pairing``. A path
        ending at an annotated parameter sets its ``value``. List items are chosen by index or
        by their ``kind`` / ``name`` when that is unique (``cadre_groups.paired_cadre.count``).
        Any problem raises :class:`ScenarioError` with one line naming the path and what is
        allowed.

        Example:
            >>> sc = load_scenario("scenarios/xixiu.yaml")
            >>> new = sc.with_params({"cadre_pairing": "random",
            ...                       "cadre_groups.paired_cadre.count": 100})
            >>> new.policy.cadre_pairing, new.cadre_groups[2].count.value
            ('random', 100)
        """
        data = self.model_dump()
        where = self._path or self.name
        for path, value in changes.items():
            parts = _param_parts(path)
            _set_dotted(data, parts, value, path, where)
        try:
            new = Scenario.model_validate(data)
        except ValidationError as err:
            raise ScenarioError(format_validation_error(where, err, Scenario)) from None
        new._path, new._sha256 = self._path, self._sha256
        return new


    def get_param(self, path: str) -> Any:
        """The value at a dotted path (as in :meth:`with_params`; a parameter's ``value``).

        Example:
            >>> sc = load_scenario("scenarios/xixiu.yaml")
            >>> sc.get_param("cadre_pairing"), sc.get_param("cadre_groups.paired_cadre.count")
            ('same_village', 2862)
        """
        parts = _param_parts(path)
        node: Any = self.model_dump()
        for part in parts:
            key = (_list_key(node, part) if isinstance(node, list)
                   else _dict_key(node, part) if isinstance(node, dict) else None)
            if key is None:
                raise ScenarioError(f"{self._path or self.name}: unknown parameter {path!r}")
            node = node[key]
        if isinstance(node, dict) and "value" in node and "source" in node:
            return node["value"]
        return node


def _param_parts(path: str) -> list[str]:
    """The keys of a dotted parameter path; a bare policy lever name means ``policy.<name>``."""
    parts = path.split(".")
    if len(parts) == 1 and parts[0] in PolicyCfg.model_fields:
        parts = ["policy", *parts]
    return parts


def _set_dotted(data: dict, parts: list[str], value: Any, path: str, where: str) -> None:
    """Set ``value`` at ``parts`` inside the dumped scenario ``data`` (see ``with_params``)."""
    node: Any = data
    for i, part in enumerate(parts):
        here = ".".join(parts[:i]) or "<top level>"
        last = i == len(parts) - 1
        if isinstance(node, dict):
            key: Any = _dict_key(node, part)
            if key is None:
                allowed = ", ".join(map(str, node)) or "(none)"
                levers = ("; or a policy lever: " + ", ".join(PolicyCfg.model_fields)
                          if i == 0 else "")
                hint = did_you_mean(part, [*node, *(PolicyCfg.model_fields if i == 0 else ())])
                raise ScenarioError(f"{where}: unknown parameter {path!r}: no field {part!r} in "
                                    f"'{here}'{hint}; allowed: {allowed}{levers}")
        elif isinstance(node, list):
            key = _list_key(node, part)
            if key is None:
                names = [str(x.get("kind", x.get("name"))) for x in node if isinstance(x, dict)]
                raise ScenarioError(
                    f"{where}: unknown parameter {path!r}: '{here}' has no unique item {part!r}; "
                    f"use an index 0..{len(node) - 1} or one of: {', '.join(names)}")
        else:
            raise ScenarioError(f"{where}: unknown parameter {path!r}: '{here}' is a single "
                                f"value ({node!r}) with no field {part!r}")
        if last:
            target = node[key]
            if isinstance(target, dict) and "value" in target and "source" in target:
                target["value"] = value  # an annotated parameter: change its value only
            elif (target is None and isinstance(value, int | float)
                  and not isinstance(value, bool) and _expects_param(parts)):
                # an optional parameter the scenario leaves out (e.g. a channel the case does
                # not have): set, it is a value the user chose
                node[key] = {"value": value, "unit": "as set", "source": "assumed",
                             "note": f"set by a change of {path}, absent from the file"}
            else:
                node[key] = value
        else:
            node = node[key]


def _expects_param(parts: list[str]) -> bool:
    """Whether the schema's field at ``parts`` (list items by index) is an annotated
    parameter (a :class:`Param`), so that a bare number there means its value.

    Example:
        >>> _expects_param(["partners", "0", "aid_per_village_year"])
        True
        >>> _expects_param(["policy", "programme_start_year"])
        False
    """
    model: Any = Scenario
    ann: Any = None
    for part in parts:
        if part.isdigit() and ann is not None:  # a list item: the list's item type
            model = next((a for a in typing.get_args(ann) if isinstance(a, type)
                          and issubclass(a, BaseModel)), None)
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or (
                part not in model.model_fields):
            return False
        ann = model.model_fields[part].annotation
        args = [a for a in typing.get_args(ann) if a is not type(None)] or [ann]
        inner = [typing.get_args(a)[0] if typing.get_origin(a) is list else a for a in args]
        model = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)),
                     None)
        if typing.get_origin(args[0]) is list:
            ann = args[0]
    return isinstance(model, type) and issubclass(model, Param)


def _dict_key(node: dict, part: str) -> Any:
    """The key of ``node`` that the path part ``part`` names: itself, or the whole number it
    spells where the keys are numbers (a year of the poverty line); None where there is none.

    Example:
        >>> _dict_key({2020: 4000}, "2020"), _dict_key({"a": 1}, "a"), _dict_key({"a": 1}, "b")
        (2020, 'a', None)
    """
    if part in node:
        return part
    if part.lstrip("-").isdigit() and int(part) in node:
        return int(part)
    return None


def _list_key(items: list, part: str) -> int | None:
    """Index of the list item named by ``part``: an index, or a unique ``kind`` / ``name``."""
    if part.lstrip("-").isdigit():
        i = int(part)
        return i if -len(items) <= i < len(items) else None
    hits = [i for i, x in enumerate(items)
            if isinstance(x, dict) and part in (x.get("kind"), x.get("name"))]
    return hits[0] if len(hits) == 1 else None


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario YAML file, or a bundled case by its name (``"xixiu"``).

    Raises ScenarioError with one line naming the file, the field path and what is allowed.

    Example:
        >>> load_scenario("scenarios/xixiu.yaml").name
        'xixiu'
        >>> load_scenario("sanba").case
        'sanba'
    """
    path = resolve_scenario(path)
    try:
        there = path.exists()
    except (OSError, ValueError):  # a name the system refuses (too long, a NUL byte)
        there = False
    if not path.suffix and not there:
        raise ScenarioError(f"unknown case {str(path)!r}{did_you_mean(str(path), CASES)}; "
                            f"known: {', '.join(CASES)} (or give a scenario YAML file)")
    data, raw = load_yaml(path)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(path, err, Scenario)) from None
    sc._path = str(path)
    sc._sha256 = hashlib.sha256(raw).hexdigest()
    found = problems(scenario_params(sc))
    refused = [m for kind, m in found if kind == "refuse"]
    if refused:
        raise ScenarioError(f"{path}: field {refused[0]}")
    sc._warnings = [f"{path}: {m}" for _, m in found]
    _check_figure_refs(path, data, registry=registry_for(sc))
    return sc


def scenario_params(node: Any, path: str = "") -> list[tuple[str, Any, str]]:
    """Every parameter of a scenario (or a part of it) as (dotted path, value, unit); a list's
    items by index.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> ps = scenario_params(load_scenario("xixiu"))
        >>> ("income.local_wage_month" in {p for p, _, _ in ps}, len(ps) > 50)
        (True, True)
    """
    if isinstance(node, Param):
        return [(path, node.value, node.unit)]
    if isinstance(node, BaseModel):
        out = []
        for name in type(node).model_fields:
            out += scenario_params(getattr(node, name), f"{path}.{name}" if path else name)
        return out
    if isinstance(node, list | tuple):
        return [p for i, x in enumerate(node) for p in scenario_params(x, f"{path}[{i}]")]
    return []


def figures_file(sc: Scenario) -> Path | None:
    """The scenario's own figures file (field ``figures``) resolved against the scenario file's
    folder, or None.

    Example:
        >>> figures_file(load_scenario("docs/examples/mycounty.yaml")).name
        'mycounty_figures.yaml'
    """
    if not sc.figures:
        return None
    path = Path(sc.figures)
    return Path(sc._path).parent / path if sc._path and not path.is_absolute() else path


def registry_for(sc: Scenario) -> Registry:
    """The figure registry a scenario is compared with: calibration/targets.yaml, plus the
    scenario's own ``figures`` file (every figure of it of the scenario's case).

    Example:
        >>> len(registry_for(load_scenario("xixiu"))) == len(load_registry())
        True
    """
    reg = load_registry()
    path = figures_file(sc)
    if path is None:
        return reg
    where = sc._path or sc.name
    if not path.is_file():
        raise ScenarioError(f"{where}: field 'figures': no file {str(path)!r} (a figures file in "
                            "the registry's format, relative to the scenario file)")
    own = load_registry(path)
    merged = reg.merged(own)  # an id of the project's registry is refused first
    other = next((f for f in own if f.case != sc.case), None)
    if other is not None:
        raise ScenarioError(f"{path}: figure {other.id!r}: case {other.case!r} is not the "
                            f"scenario's case {sc.case!r}")
    return merged


def _check_figure_refs(path: str | Path, data: Any, where: str = "",
                       registry: Registry | None = None) -> None:
    """Check every ``source: "figure: ID"`` against the figure registry.

    Each cited id must exist; a parameter whose source is exactly one figure must have that
    figure's reported value (a scenario contradicting the registry is an error).
    """
    if isinstance(data, dict):
        src = data.get("source")
        if isinstance(src, str) and src.strip().lower().startswith("figure:"):
            reg = registry or load_registry()
            field = f"{where}.source" if where else "source"
            ids = src.split(":", 1)[1].replace(",", " ").split()
            for fid in ids:
                if fid not in reg:
                    raise ScenarioError(
                        f"{path}: field '{field}': unknown figure id {fid!r}; ids are those of "
                        "calibration/targets.yaml, e.g. 'xixiu.villages', or of the scenario's "
                        "own figures file (field 'figures')")
            val = data.get("value")
            if len(ids) == 1 and isinstance(val, int | float) and not isinstance(val, bool):
                rep = reg.value(ids[0])
                if abs(val - rep) > 1e-9 * max(1.0, abs(rep)):
                    raise ScenarioError(
                        f"{path}: field '{where}.value': {val:g} contradicts figure {ids[0]} = "
                        f"{rep:g} {reg[ids[0]].unit} ({reg.origin.get(ids[0], reg.path)}); use "
                        "the reported value or cite it as 'derived: ...' with the arithmetic")
        for key, val in data.items():
            _check_figure_refs(path, val, f"{where}.{key}" if where else str(key), registry)
    elif isinstance(data, list):
        for i, val in enumerate(data):
            _check_figure_refs(path, val, f"{where}.{i}", registry)


def scenario_source(sc: Scenario) -> tuple[str | None, str | None]:
    """Return (path, sha256) of the file a scenario was loaded from, or (None, None).

    Example:
        >>> scenario_source(load_scenario("scenarios/xixiu.yaml"))[0]
        'scenarios/xixiu.yaml'
    """
    return sc._path, sc._sha256


def parameter_sources(sc: Scenario) -> dict[str, tuple[Any, str]]:
    """Every annotated parameter of ``sc``: dotted path (list items by index) -> (value, source).

    Example:
        >>> p = parameter_sources(load_scenario("xixiu"))
        >>> value, source = p["village_exit_threshold"]
        >>> value, source.split(":")[0]
        (0.03, 'cited')
    """
    out: dict[str, tuple[Any, str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "value" in node and "source" in node:
                out[path] = (node["value"], str(node["source"]))
                return
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}.{i}")

    walk(sc.model_dump(), "")
    return out


def source_counts(sc: Scenario) -> dict[str, int]:
    """How many parameters of ``sc`` have each kind of source (``figure``, ``derived``,
    ``cited``, ``assumed``, ``to calibrate``, ``calibrated``).

    Example:
        >>> source_counts(load_scenario("xixiu"))["calibrated"] > 0
        True
    """
    counts = dict.fromkeys((p.rstrip(":") for p in SOURCE_PREFIXES), 0)
    for _, src in parameter_sources(sc).values():
        kind = next(p for p in SOURCE_PREFIXES if src.strip().lower().startswith(p))
        counts[kind.rstrip(":")] += 1
    return counts


def format_source_counts(counts: dict[str, int]) -> str:
    """One line: how many parameters have each kind of source.

    Example:
        >>> format_source_counts({"figure": 2, "cited": 3, "assumed": 40})
        'inputs by source: 2 figure, 3 cited, 40 assumed'
    """
    return "inputs by source: " + ", ".join(f"{n} {kind}" for kind, n in counts.items())


def inputs_by_source(cases: tuple[str, ...] = ("yushu", "xixiu", "jiangkou", "sanba", "zhenbao")
                     ) -> str:
    """A table of the bundled cases' parameters by kind of source, one row per case.

    Example:
        >>> print(inputs_by_source(("zhenbao",)).splitlines()[0])
        case     figure  derived  cited  assumed  to calibrate  calibrated  all
    """
    kinds = [p.rstrip(":") for p in SOURCE_PREFIXES]
    rows = [["case", *kinds, "all"]]
    for case in cases:
        c = source_counts(load_scenario(case))
        rows.append([case, *(str(c[k]) for k in kinds), str(sum(c.values()))])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)
