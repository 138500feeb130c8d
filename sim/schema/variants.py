"""The variants a comparison runs: a named scenario and what was changed, from levers
(``LEVER=V1,V2``) or alternative scenario files. A light module (the scenario schema and PyYAML
only), so that ``povsim compare`` answers bad input before the model's modules load.

Example:
    >>> parse_vary("cadre_pairing=random,optimal")
    ('cadre_pairing', ['random', 'optimal'])
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from povsim.base.errors import ScenarioError
from povsim.schema.config import Scenario, load_scenario

__all__ = ["Variant", "parse_vary", "variants_from_files", "variants_from_levers"]


@dataclass(frozen=True)
class Variant:
    """One scenario to compare: its name, the validated scenario and what was changed.

    ``changes`` maps dotted parameter paths to values (``{}`` for the baseline); a variant from
    a file has ``{"file": path}``.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> v = Variant("baseline", load_scenario("scenarios/sanba.yaml"))
        >>> v.name, v.changes
        ('baseline', {})
    """

    name: str
    scenario: Scenario
    changes: dict = field(default_factory=dict)


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """Parse ``LEVER=V1,V2,...`` into the lever (or dotted path) and its values.

    Each value is read as YAML (``0.5`` is a number, ``true`` a boolean, ``random`` a string).

    Example:
        >>> parse_vary("cadre_pairing=random,optimal")
        ('cadre_pairing', ['random', 'optimal'])
        >>> parse_vary("cadre_effects.other_village_visit_factor=0.25,1")
        ('cadre_effects.other_village_visit_factor', [0.25, 1])
    """
    lever, sep, rest = text.partition("=")
    lever = lever.strip()
    values = [v.strip() for v in rest.split(",")]
    if not sep or not lever or not all(values):
        raise ScenarioError(f"--vary {text!r}: expected LEVER=VALUE1,VALUE2,... "
                            "(e.g. cadre_pairing=random,optimal)")
    parsed = []
    for v in values:
        try:
            parsed.append(yaml.safe_load(v))
        except yaml.YAMLError:
            parsed.append(v)
    return lever, parsed


def _value_name(value: Any) -> str:
    """A lever value as a variant's name shows it (a switch as ``on`` / ``off``)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def variants_from_levers(base: Scenario, vary: dict[str, list[Any]]) -> list[Variant]:
    """One variant per combination of the given values (a grid when several levers vary).

    Keys are policy levers (``cadre_pairing``, ``village_pairing``, ``cadre_tenure``...) or
    any parameter by dotted path (see :meth:`Scenario.with_params`); each variant is
    validated, and a bad lever or value raises a one-line :class:`ScenarioError`. A variant is
    named by its value (one lever) or ``lever=value`` pairs joined by ``,`` (several).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> sc = load_scenario("scenarios/xixiu.yaml")
        >>> [v.name for v in variants_from_levers(sc, {"cadre_pairing": ["random", "optimal"]})]
        ['random', 'optimal']
        >>> [v.name for v in variants_from_levers(sc, {"cadre_pairing": ["random"],
        ...                                            "cadre_tenure": ["fixed", "rotating"]})]
        ['cadre_pairing=random,cadre_tenure=fixed', 'cadre_pairing=random,cadre_tenure=rotating']
        >>> [v.name for v in variants_from_levers(sc, {"programme": [False]})]
        ['off']
    """
    levers = list(vary)
    out = []
    for combo in itertools.product(*(vary[k] for k in levers)):
        changes = dict(zip(levers, combo, strict=True))
        if len(levers) == 1:
            name = _value_name(combo[0])
        else:
            name = ",".join(f"{k}={_value_name(v)}" for k, v in changes.items())
        out.append(Variant(name, base.with_params(changes), changes))
    return out


def variants_from_files(paths: list[str | Path]) -> list[Variant]:
    """One variant per alternative scenario file, named by the file's stem.

    Example:
        >>> [v.name for v in variants_from_files(["scenarios/sanba.yaml"])]
        ['sanba']
    """
    return [Variant(Path(p).stem, load_scenario(p), {"file": str(p)}) for p in paths]
