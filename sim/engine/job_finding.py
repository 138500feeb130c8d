"""How often an idle labourer finds an outside-market job: the rate that sustains a case's share
of households with a local job (ODD §7.6).

A case's ``population.local_job_share`` is the share of households with a labourer at home who
hold a local job, at baseline *and* in the labour market's steady state: local jobs are a
circumstance of the county. The shared ``behaviour.job_separation_prob_month`` says how often a
job ends; the outside market's job finding ``search_rate x (0.5 + skill)`` is the rate at which
the two balance. Separations come first in a month and a household that lost its job may find
another the same month, so a household of monthly finding chance ``f`` holds a job in the steady
state with probability ``f / (f + s (1 - f))``; ``search_rate`` is chosen so that this chance,
averaged over the skill distribution (``population.skill_alpha``, ``skill_beta``), is the share.
The population starts in that steady state (:func:`baseline_chance`), so the first year is one
the rates sustain, not a start they decay from.

Example:
    >>> rate = search_rate(0.5, 0.05, 2.0, 3.0)
    >>> round(rate, 4)
    0.0542
    >>> steady_share(rate * (0.5 + np.array([0.0, 0.4, 1.0])), 0.05).round(3).tolist()
    [0.358, 0.506, 0.639]
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from povsim.schema.config import Scenario

QUADRATURE = 256  # skill quantiles the steady state is averaged over


def steady_share(finding: np.ndarray, separation: float) -> np.ndarray:
    """Chance a household holds a local job in the steady state, given its monthly chance of
    finding one (``finding``, capped at 1) and of losing one (``separation``).

    Example:
        >>> steady_share(np.array([0.0, 0.1, 1.0]), 0.1).round(4).tolist()
        [0.0, 0.5263, 1.0]
    """
    f = np.minimum(finding, 1.0)
    denom = f + separation * (1.0 - f)
    return np.divide(f, denom, out=np.zeros_like(f, dtype=float), where=denom > 0)


def search_rate(share: float, separation: float, skill_alpha: float,
                skill_beta: float) -> float:
    """Monthly outside-market job finding of an idle labourer, before ``x (0.5 + skill)``, at
    which the steady-state share of households with a local job is ``share``. Without
    separations (``separation`` 0) no job ends and none is needed: 0.

    Example:
        >>> search_rate(0.0, 0.05, 2.0, 3.0), search_rate(0.3, 0.0, 2.0, 3.0)
        (0.0, 0.0)
    """
    if share <= 0.0 or separation <= 0.0:
        return 0.0
    q = (np.arange(QUADRATURE) + 0.5) / QUADRATURE
    ability = 0.5 + stats.beta.ppf(q, skill_alpha, skill_beta)
    top = 1.0 / ability.min()  # every household finds a job every month
    if share >= 1.0:
        return float(top)
    return float(optimize.brentq(
        lambda r: steady_share(r * ability, separation).mean() - share, 0.0, top,
        xtol=1e-12))


def scenario_rate(sc: Scenario) -> float:
    """:func:`search_rate` of a scenario (its ``population`` and ``behaviour``).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> 0.0 < scenario_rate(load_scenario("scenarios/xixiu.yaml")) < 1.0
        True
    """
    p = sc.population
    return search_rate(p.local_job_share.value, sc.behaviour.job_separation_prob_month.value,
                       p.skill_alpha.value, p.skill_beta.value)


def baseline_chance(sc: Scenario, skill: np.ndarray) -> np.ndarray:
    """Each household's chance (of skill ``skill``) of holding a local job at baseline: its
    steady-state chance at finding ``scenario_rate(sc) x (0.5 + skill)``; without separations,
    the share itself.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> sc = load_scenario("scenarios/xixiu.yaml")
        >>> chance = baseline_chance(sc, np.array([0.1, 0.9]))
        >>> bool(chance[0] < chance[1])  # the more skilled find jobs sooner
        True
    """
    s = sc.behaviour.job_separation_prob_month.value
    skill = np.asarray(skill, float)
    if s <= 0.0:
        return np.full(skill.shape, float(sc.population.local_job_share.value))
    return steady_share(scenario_rate(sc) * (0.5 + skill), s)
