"""Pairing strategies (the policy levers), one registry per lever, chosen by name in a scenario.

Three levers, each a registry of small documented functions:

- ``cadre_pairing`` (cadre -> registered poor household; :mod:`povsim.strategies.cadres`):
  ``random``, ``poorest_first``, ``same_village``, ``need_matched``, ``balanced``, ``optimal``;
- ``first_secretary_assignment`` (first secretary -> village; :mod:`povsim.strategies.secretaries`):
  ``all_poor_villages``, ``weakest_branch_first``, ``none``;
- ``village_pairing`` (enterprise, government unit, organisation or zone -> village;
  :mod:`povsim.strategies.villages`): ``random``, ``industry_match``, ``neediest_first``,
  ``nearest``, ``by_capacity``.

Register a new one with the ``register`` decorator and it becomes selectable from the scenario
file's ``policy`` section. All randomness comes from the ``rng`` passed in (the model gives each
lever its own stream, so levers do not disturb each other's draws or the shocks).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = CADRE_PAIRING["random"](hh_village=np.array([0, 0, 1]), hh_gap=np.ones(3),
    ...     cadre_village=np.array([0, 1]), capacity=np.array([2, 1]),
    ...     effectiveness=np.ones(2), rng=rng)
    >>> sorted(np.bincount(a, minlength=2).tolist())
    [1, 2]
"""

from __future__ import annotations

from povsim.strategies.cadres import (
    expected_gain,
    pair_balanced,
    pair_need_matched,
    pair_optimal,
    pair_poorest_first,
    pair_random,
    pair_same_village,
)
from povsim.strategies.registry import (
    CADRE_PAIRING,
    FIRST_SECRETARY,
    REGISTRIES,
    VILLAGE_PAIRING,
    get,
    register,
)
from povsim.strategies.secretaries import fs_all_poor, fs_none, fs_weakest_branch
from povsim.strategies.villages import (
    pairing_score,
    vp_by_capacity,
    vp_industry_match,
    vp_nearest,
    vp_neediest_first,
    vp_random,
)

__all__ = [
    "CADRE_PAIRING",
    "FIRST_SECRETARY",
    "REGISTRIES",
    "VILLAGE_PAIRING",
    "expected_gain",
    "fs_all_poor",
    "fs_none",
    "fs_weakest_branch",
    "get",
    "pair_balanced",
    "pair_need_matched",
    "pair_optimal",
    "pair_poorest_first",
    "pair_random",
    "pair_same_village",
    "pairing_score",
    "register",
    "vp_by_capacity",
    "vp_industry_match",
    "vp_nearest",
    "vp_neediest_first",
    "vp_random",
]
