"""Scenario schema: load and validate a scenario YAML file into typed, annotated parameters.

Every parameter in a scenario file is written as a flow mapping on one line::

    villages: {value: 182, unit: villages, source: "figure: xixiu.villages"}

`value` is what the model uses, `unit` its unit and `source` where it comes from: a figure id of
``calibration/reported_figures.csv`` (``figure: ...``), a figure-derived value (``derived: ...``),
a cited statistic (``cited: ...``), an ``assumed`` value or one ``to calibrate``.

Example:
    >>> from povsim.config import load_scenario
    >>> sc = load_scenario("scenarios/xixiu.yaml")
    >>> sc.villages.count.value
    182
"""

from __future__ import annotations

import hashlib
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

from povsim.calibration.registry import load_registry
from povsim.inputs import ScenarioError, format_validation_error, load_yaml, resolve_scenario
from povsim.scenarios import CASES

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
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


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
    unit: str
    source: str


class PopulationCfg(_Strict):
    total_households: PosCount
    household_size_mean: Positive
    labourers_share: Prob
    land_mu_mean: Amount
    land_sigma: Amount
    farm_productivity_sigma: Amount
    village_productivity_sigma: Amount
    skill_alpha: Positive
    skill_beta: Positive
    migrant_share: Prob
    local_job_share: Prob
    coop_member_share: Prob
    registered_households: Count | None = None


class CropCfg(_Strict):
    """A cash crop on households' own land: no yield until ``maturity_years`` after planting."""

    name: str
    area_mu: Amount
    yield_value_per_mu: Amount
    planted_year: Year
    maturity_years: Count


class IncomeCfg(_Strict):
    yield_value_per_mu: Amount
    crops: list[CropCfg] = []
    farm_seasonality: Monthly12
    migrant_remittance_month: Amount
    local_wage_month: Amount
    income_growth: Real
    land_rent_per_mu: Amount
    transfer_per_person_month: Amount
    other_income_per_person_month: Amount


class ShocksCfg(_Strict):
    illness_prob_month: Prob
    illness_recovery_prob_month: Prob
    illness_cost_month: Amount
    disaster_prob_month: Prob
    disaster_severity: Prob


class BehaviourCfg(_Strict):
    job_search_prob_month: Prob
    job_separation_prob_month: Prob
    paired_hire_prob_month: Prob
    migrate_prob_month: Prob
    return_prob_month: Prob
    join_prob_month: Prob
    lease_share: Prob
    transfer_claim_prob_month: Prob


def _some_weight(v: dict) -> dict:
    if not v or sum(v.values()) <= 0:
        raise ValueError("needs at least one positive weight")
    return v


class IndustryMix(Param[Annotated[dict[Literal[INDUSTRIES], NonNegativeFloat],  # type: ignore[valid-type]
                                 AfterValidator(_some_weight)]]):
    """Weights of the main industries (``INDUSTRIES``), at least one positive."""


class VillagesCfg(_Strict):
    count: PosCount
    poor_villages: Count
    branch_strength_alpha: Positive
    branch_strength_beta: Positive
    branch_decay_month: Prob
    area_km2: Positive
    industry_mix: IndustryMix


class CadreGroupCfg(_Strict):
    kind: Literal[CADRE_KINDS]  # type: ignore[valid-type]
    count: Count
    role: Literal["households", "village"]
    capacity: Count
    effectiveness: Prob
    specialty_mix: dict[Literal[SPECIALTIES], NonNegativeFloat]  # type: ignore[valid-type]
    monthly_cost: Amount
    branch_gain_month: Prob
    projects_per_year: Amount
    source: str

    @field_validator("specialty_mix")
    @classmethod
    def _mix_positive(cls, v: dict) -> dict:
        if not v or sum(v.values()) <= 0:
            raise ValueError("specialty_mix needs at least one positive weight")
        return v


class CadreEffectsCfg(_Strict):
    visit_prob_month: Prob
    load_half: Positive
    match_same: Prob
    match_general: Prob
    match_other: Prob
    skill_gain: Prob
    referral_boost: Amount
    productivity_gain: Prob
    productivity_cap: Positive
    health_cover_gain: Prob
    loan_productivity_gain: Prob
    training_person_times_per_year: Amount
    training_gain: Prob
    training_cost_per_person_time: Amount
    project_size: Amount
    expert_productivity_gain_month: Prob
    other_village_visit_factor: Prob
    familiarity_months: Amount


class PartnerEffectsCfg(_Strict):
    reach_km: Positive
    industry_mismatch_factor: Prob
    size_sigma: Amount


class CooperativesCfg(_Strict):
    initial_active_share: Prob
    initial_capital_mean: Amount
    capital_yield: Amount
    coop_yield_per_mu: Amount
    jobs_per_100mu: Amount
    cost_share: Prob
    fixed_dividend_poor_member: Amount
    share_payout: Prob
    poor_member_shares: Amount
    activation_prob_month: Prob
    asset_threshold: Amount
    models: list[CollectiveModelCfg] = []


class CollectiveModelCfg(_Strict):
    """A collective-economy model run by ``villages`` villages (e.g. Yushu's five models)."""

    name: str
    villages: Count
    revenue_multiplier: Positive
    initial_capital: Amount
    active_from_start: bool = True
    source: str


class PartnerGroupCfg(_Strict):
    """Enterprises, government units, organisations or industrial zones paired with villages."""

    kind: Literal[PARTNER_KINDS]  # type: ignore[valid-type]
    count: Count
    paired_villages: Count
    start_year: Year
    jobs_per_partner: Amount
    wage_month: Amount
    purchase_per_village_year: Amount
    price_premium: Amount
    investment_per_village: Amount
    aid_per_village_year: Amount
    fixed_dividend_per_poor_household: Amount
    branch_gain_month: Prob
    industry_mix: IndustryMix | None = None  # None: buys any produce (e.g. government units)
    source: str


class LabourTrainingCfg(_Strict):
    person_times_per_year: Amount
    skill_gain: Prob
    cost_per_person_time: Amount


class LoansCfg(_Strict):
    amount_total: Amount
    households: Count
    year: Year
    productivity_gain: Prob


class DemonstrationCfg(_Strict):
    area_mu: Amount
    tech_gain_per_share_year: Amount


class ProgrammesCfg(_Strict):
    """Optional household programmes: labour training, business loans, demonstration fields."""

    labour_training: LabourTrainingCfg | None = None
    loans: LoansCfg | None = None
    demonstration_fields: DemonstrationCfg | None = None


class PolicyCfg(_Strict):
    cadre_pairing: str = "same_village"
    first_secretary_assignment: str = "all_poor_villages"
    village_pairing: str = "random"
    cadre_tenure: Literal["fixed", "rotating"] = "fixed"
    cadre_capacity: Literal["one_to_many", "one_to_one"] = "one_to_many"
    programme_start_year: int | None = None

    @field_validator("cadre_pairing", "first_secretary_assignment", "village_pairing")
    @classmethod
    def _known_strategy(cls, v: str, info) -> str:
        from povsim.strategies import REGISTRIES

        known = REGISTRIES[info.field_name]
        if v not in known:
            raise ValueError(f"unknown strategy {v!r}; known: {', '.join(sorted(known))}")
        return v


class Scenario(_Strict):
    """A validated scenario: structure, behaviour, policy and the poverty-line series.

    Example:
        >>> sc = load_scenario("scenarios/xixiu.yaml")
        >>> sc.start_year, sc.end_year
        (2014, 2017)
    """

    name: str
    title: str
    case: str
    seed_file: str
    region: Literal["western", "other"]
    start_year: int = Field(ge=1949, le=2100)
    end_year: int = Field(ge=1949, le=2100)
    poverty_line: Series
    village_exit_threshold: Prob
    household_exit_margin: Amount
    population: PopulationCfg
    income: IncomeCfg
    shocks: ShocksCfg
    behaviour: BehaviourCfg
    villages: VillagesCfg
    cadre_groups: list[CadreGroupCfg]
    cadre_effects: CadreEffectsCfg
    cooperatives: CooperativesCfg
    partner_effects: PartnerEffectsCfg
    partners: list[PartnerGroupCfg]
    programmes: ProgrammesCfg = ProgrammesCfg()
    policy: PolicyCfg = PolicyCfg()
    _path: str | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)

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
            key = _list_key(node, part) if isinstance(node, list) else part
            if key is None or not isinstance(node, dict | list) or (
                    isinstance(node, dict) and key not in node):
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
            if part not in node:
                allowed = ", ".join(map(str, node)) or "(none)"
                levers = ("; or a policy lever: " + ", ".join(PolicyCfg.model_fields)
                          if i == 0 else "")
                raise ScenarioError(f"{where}: unknown parameter {path!r}: no field {part!r} in "
                                    f"'{here}'; allowed: {allowed}{levers}")
            key: Any = part
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
            else:
                node[key] = value
        else:
            node = node[key]


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
    if not path.suffix and not path.exists():
        raise ScenarioError(f"unknown case {str(path)!r}; known: {', '.join(CASES)} (or give a "
                            "scenario YAML file)")
    data, raw = load_yaml(path)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(path, err, Scenario)) from None
    _check_figure_refs(path, data)
    sc._path = str(path)
    sc._sha256 = hashlib.sha256(raw).hexdigest()
    return sc


def _check_figure_refs(path: str | Path, data: Any, where: str = "") -> None:
    """Check every ``source: "figure: ID"`` against the figure registry.

    Each cited id must exist; a parameter whose source is exactly one figure must have that
    figure's reported value (a scenario contradicting the registry is an error).
    """
    if isinstance(data, dict):
        src = data.get("source")
        if isinstance(src, str) and src.strip().lower().startswith("figure:"):
            reg = load_registry()
            field = f"{where}.source" if where else "source"
            ids = src.split(":", 1)[1].replace(",", " ").split()
            for fid in ids:
                if fid not in reg:
                    raise ScenarioError(
                        f"{path}: field '{field}': unknown figure id {fid!r}; ids are those of "
                        "calibration/targets.yaml, e.g. 'xixiu.villages'")
            val = data.get("value")
            if len(ids) == 1 and isinstance(val, int | float) and not isinstance(val, bool):
                rep = reg.value(ids[0])
                if abs(val - rep) > 1e-9 * max(1.0, abs(rep)):
                    raise ScenarioError(
                        f"{path}: field '{where}.value': {val:g} contradicts figure {ids[0]} = "
                        f"{rep:g} {reg[ids[0]].unit} (calibration/targets.yaml); use the "
                        "reported value or cite it as 'derived: ...' with the arithmetic")
        for key, val in data.items():
            _check_figure_refs(path, val, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list):
        for i, val in enumerate(data):
            _check_figure_refs(path, val, f"{where}.{i}")


def scenario_source(sc: Scenario) -> tuple[str | None, str | None]:
    """Return (path, sha256) of the file a scenario was loaded from, or (None, None).

    Example:
        >>> scenario_source(load_scenario("scenarios/xixiu.yaml"))[0]
        'scenarios/xixiu.yaml'
    """
    return sc._path, sc._sha256
