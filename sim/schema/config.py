"""Scenario schema: load and validate a scenario YAML file into typed, annotated parameters.

Every parameter in a scenario file is written as a flow mapping on one line::

    villages: {value: 182, unit: villages, source: "figure: xixiu.villages"}

`value` is what the model uses, `unit` its unit and `source` where it comes from: a figure id of
``calibration/reported_figures.csv`` (``figure: ...``), a figure-derived value (``derived: ...``),
a cited statistic (``cited: ...``), an ``assumed`` value or one ``to calibrate``.

Each section of a scenario has its own module beside this one, with its fields' meanings
(:mod:`povsim.schema.params`: the annotated parameter; :mod:`~povsim.schema.households`,
:mod:`~povsim.schema.villages`, :mod:`~povsim.schema.cadres`, :mod:`~povsim.schema.partners`,
:mod:`~povsim.schema.collectives`, :mod:`~povsim.schema.programmes`,
:mod:`~povsim.schema.policy`); this module assembles them into :class:`Scenario`, loads a file
(:func:`load_scenario`), changes parameters by path (``Scenario.with_params``) and counts their
sources.

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
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from povsim.base.errors import did_you_mean
from povsim.base.inputs import SAFE_NAME, ScenarioError, format_validation_error, load_yaml
from povsim.calibration.registry import Registry, load_registry
from povsim.scenarios import CASES, resolve_scenario
from povsim.schema.cadres import CadreEffectsCfg, CadreGroupCfg
from povsim.schema.collectives import CooperativesCfg
from povsim.schema.households import BehaviourCfg, IncomeCfg, PopulationCfg, ShocksCfg
from povsim.schema.params import (
    EXIT_THRESHOLD,
    SOURCE_PREFIXES,
    Amount,
    Param,
    Prob,
    Series,
    _Strict,
)
from povsim.schema.partners import PartnerEffectsCfg, PartnerGroupCfg
from povsim.schema.plausible import problems
from povsim.schema.policy import PolicyCfg
from povsim.schema.programmes import ProgrammesCfg
from povsim.schema.villages import VillagesCfg


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
