"""First secretary -> village strategies: each returns a village index per secretary (-1: none).

Example:
    >>> import numpy as np
    >>> fs_all_poor(2, np.array([False, True, True]), np.full(3, 0.5),
    ...             np.random.default_rng(0)).tolist() in ([1, 2], [2, 1])
    True
"""

from __future__ import annotations

import numpy as np

from povsim.strategies.registry import FIRST_SECRETARY, register


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
