"""The three strategy registries and the ``register`` / ``get`` helpers.

Example:
    >>> sorted(REGISTRIES)
    ['cadre_pairing', 'first_secretary_assignment', 'village_pairing']
"""

from __future__ import annotations

from collections.abc import Callable

CADRE_PAIRING: dict[str, Callable] = {}
FIRST_SECRETARY: dict[str, Callable] = {}
VILLAGE_PAIRING: dict[str, Callable] = {}

REGISTRIES = {
    "cadre_pairing": CADRE_PAIRING,
    "first_secretary_assignment": FIRST_SECRETARY,
    "village_pairing": VILLAGE_PAIRING,
}


def register(registry: dict, name: str):
    """Decorator adding a strategy function to ``registry`` under ``name``.

    Example:
        >>> @register(VILLAGE_PAIRING, "doc_example")
        ... def f(n_enterprises, n_pairs, poor, rng, **kw):
        ...     return []
        >>> "doc_example" in VILLAGE_PAIRING
        True
        >>> del VILLAGE_PAIRING["doc_example"]
    """

    def deco(fn):
        registry[name] = fn
        return fn

    return deco


def get(lever: str, name: str) -> Callable:
    """Look a strategy up; unknown names raise ValueError listing the known ones.

    Example:
        >>> import povsim.strategies  # registers the built-in strategies
        >>> get("cadre_pairing", "random").__name__
        'pair_random'
    """
    known = REGISTRIES[lever]
    if name not in known:
        raise ValueError(f"unknown {lever} strategy {name!r}; known: {', '.join(sorted(known))}")
    return known[name]
