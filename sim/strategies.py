"""Pairing strategies (the policy levers), one registry per lever, chosen by name in a scenario.

Three levers: ``cadre_pairing`` (cadre -> registered poor household), ``first_secretary_assignment``
(first secretary -> village) and ``village_pairing`` (enterprise -> village). Each strategy is a
small function; register a new one with the ``register`` decorator and it becomes selectable
from the scenario file's ``policy`` section. All randomness comes from the ``rng`` passed in
(the model gives each lever its own stream, so levers do not disturb each other's draws).

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

from collections.abc import Callable

import numpy as np

CADRE_PAIRING: dict[str, Callable[..., np.ndarray]] = {}
FIRST_SECRETARY: dict[str, Callable[..., np.ndarray]] = {}
VILLAGE_PAIRING: dict[str, Callable[..., list[tuple[int, int]]]] = {}

REGISTRIES = {
    "cadre_pairing": CADRE_PAIRING,
    "first_secretary_assignment": FIRST_SECRETARY,
    "village_pairing": VILLAGE_PAIRING,
}


def register(registry: dict, name: str):
    """Decorator adding a strategy function to ``registry`` under ``name``."""

    def deco(fn):
        registry[name] = fn
        return fn

    return deco


def get(lever: str, name: str) -> Callable:
    """Look a strategy up; unknown names raise ValueError listing the known ones.

    Example:
        >>> get("cadre_pairing", "random").__name__
        'pair_random'
    """
    known = REGISTRIES[lever]
    if name not in known:
        raise ValueError(f"unknown {lever} strategy {name!r}; known: {', '.join(sorted(known))}")
    return known[name]


# ------------------------------------------------------------------ cadre -> household pairing
# Each returns, for every household to pair, the index of its cadre or -1 (no capacity left).
# No cadre receives more households than its capacity.


def _fill(order_h: np.ndarray, slots: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -1, np.int32)
    k = min(len(order_h), len(slots))
    out[order_h[:k]] = slots[:k]
    return out


@register(CADRE_PAIRING, "random")
def pair_random(hh_village, hh_gap, cadre_village, capacity, effectiveness, rng) -> np.ndarray:
    """Households in random order take random free cadre slots (capacity = slots per cadre)."""
    slots = np.repeat(np.arange(len(capacity), dtype=np.int32), capacity)
    return _fill(rng.permutation(len(hh_village)), rng.permutation(slots), len(hh_village))


@register(CADRE_PAIRING, "poorest_first")
def pair_poorest_first(hh_village, hh_gap, cadre_village, capacity, effectiveness, rng):
    """Largest income gap first, paired with the most effective cadres' slots first."""
    c_order = np.lexsort((rng.random(len(capacity)), -np.asarray(effectiveness)))
    slots = np.repeat(c_order.astype(np.int32), np.asarray(capacity)[c_order])
    h_order = np.lexsort((rng.random(len(hh_gap)), -np.asarray(hh_gap)))
    return _fill(h_order, slots, len(hh_village))


@register(CADRE_PAIRING, "same_village")
def pair_same_village(hh_village, hh_gap, cadre_village, capacity, effectiveness, rng):
    """Each household gets a cadre of its own village while one has room; the rest at random."""
    n = len(hh_village)
    out = np.full(n, -1, np.int32)
    slots = np.repeat(np.arange(len(capacity), dtype=np.int32), capacity)
    slots = slots[rng.permutation(len(slots))]
    slot_v = np.asarray(cadre_village)[slots]
    h_perm = rng.permutation(n)
    h_sorted = h_perm[np.argsort(hh_village[h_perm], kind="stable")]
    s_sorted = np.argsort(slot_v, kind="stable")
    used = np.zeros(len(slots), bool)
    villages = np.unique(hh_village)
    h_lo = np.searchsorted(hh_village[h_sorted], villages, "left")
    h_hi = np.searchsorted(hh_village[h_sorted], villages, "right")
    s_lo = np.searchsorted(slot_v[s_sorted], villages, "left")
    s_hi = np.searchsorted(slot_v[s_sorted], villages, "right")
    for a, b, c, d in zip(h_lo, h_hi, s_lo, s_hi, strict=True):
        k = min(b - a, d - c)
        out[h_sorted[a:a + k]] = slots[s_sorted[c:c + k]]
        used[s_sorted[c:c + k]] = True
    rest_h = np.flatnonzero(out < 0)
    rest_h = rest_h[rng.permutation(len(rest_h))]
    rest_s = slots[~used]
    k = min(len(rest_h), len(rest_s))
    out[rest_h[:k]] = rest_s[:k]
    return out


# ------------------------------------------------------------------ first secretary -> village
# Each returns a village index per secretary (-1: not placed).


@register(FIRST_SECRETARY, "all_poor_villages")
def fs_all_poor(n_secretaries, poor, branch_strength, rng) -> np.ndarray:
    """One per poor village (random order), then any left over to non-poor villages."""
    poor = np.asarray(poor)
    order = np.concatenate([rng.permutation(np.flatnonzero(poor)),
                            rng.permutation(np.flatnonzero(~poor))])
    return _place(order, n_secretaries)


@register(FIRST_SECRETARY, "weakest_branch_first")
def fs_weakest_branch(n_secretaries, poor, branch_strength, rng) -> np.ndarray:
    """One per village in order of party-branch strength, weakest first, poor or not."""
    order = np.lexsort((rng.random(len(poor)), np.asarray(branch_strength)))
    return _place(order, n_secretaries)


@register(FIRST_SECRETARY, "none")
def fs_none(n_secretaries, poor, branch_strength, rng) -> np.ndarray:
    """No first secretaries are sent (the counterfactual)."""
    return np.full(n_secretaries, -1, np.int32)


def _place(order: np.ndarray, n: int) -> np.ndarray:
    """Village per secretary: one per village along ``order``, cycling if more secretaries."""
    if len(order) == 0:
        return np.full(n, -1, np.int32)
    return order[np.arange(n) % len(order)].astype(np.int32)


# ------------------------------------------------------------------ enterprise -> village
# Each returns a list of (enterprise, village) pairs.


@register(VILLAGE_PAIRING, "random")
def vp_random(n_enterprises, n_pairs, poor, rng) -> list[tuple[int, int]]:
    """``n_pairs`` villages (poor ones first, in random order) each paired with one enterprise;
    every enterprise gets at least one village while villages last, the rest at random."""
    poor = np.asarray(poor)
    villages = np.concatenate([rng.permutation(np.flatnonzero(poor)),
                               rng.permutation(np.flatnonzero(~poor))])[:n_pairs]
    if n_enterprises == 0 or len(villages) == 0:
        return []
    k = min(n_enterprises, len(villages))
    owners = np.concatenate([rng.permutation(n_enterprises)[:k],
                             rng.integers(0, n_enterprises, len(villages) - k)])
    return [(int(e), int(v)) for e, v in zip(owners, villages, strict=True)]
