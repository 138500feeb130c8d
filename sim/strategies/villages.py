"""Partner -> village strategies (the ``village_pairing`` lever).

A partner group (enterprises, government units, organisations or industrial zones) of ``P``
partners is paired with ``n_pairs`` villages. Every strategy returns a list of
``(partner, village)`` pairs in which every chosen village has at least one partner and every
partner at least one village: ``max(P, villages)`` pairs. They differ in which villages are
chosen and in who is paired with whom, by a score ``S[partner, village]`` (higher is better):

==================  ====================================  ===============================
strategy            villages chosen                       score
==================  ====================================  ===============================
``random``          poor villages first, random order     random
``industry_match``  poor villages first, random order     1 if the partner's industry is
                                                          the village's (or the partner
                                                          buys anything), else 0
``neediest_first``  highest poverty incidence first       the village's incidence
``nearest``         poor villages first, random order     1 / (1 + distance in km)
``by_capacity``     highest poverty incidence first       partner jobs x village incidence
==================  ====================================  ===============================

One partner per village and one village per partner first, maximising the total score
(``scipy.optimize.linear_sum_assignment`` on randomly shuffled rows and columns, so ties
go by the shuffle); then the partners (or
villages) left over go one by one to the counterpart with the highest
``score / (1 + pairs it already has)``, which spreads them. The model turns the pairing into
effects through :func:`pairing_score`-like factors: distance lowers hiring and purchases, an
industry mismatch lowers purchases (``partner_effects`` in the scenario).

Optional arguments (arrays over the V villages / P partners of the group):
``need`` (V, poverty incidence at identification), ``village_xy`` (V x 2, km), ``partner_xy``
(P x 2, km), ``village_industry`` (V, code), ``partner_industry`` (P, code; -1 buys anything),
``partner_capacity`` (P, jobs).

Example:
    >>> import numpy as np
    >>> vp_nearest(2, 2, np.array([True, True]), np.random.default_rng(0),
    ...            village_xy=np.array([[0.0, 0.0], [10.0, 0.0]]),
    ...            partner_xy=np.array([[9.0, 0.0], [1.0, 0.0]]))
    [(0, 1), (1, 0)]
"""

from __future__ import annotations

import numpy as np

from povsim.strategies.registry import VILLAGE_PAIRING, register


def _poor_first(poor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.concatenate([rng.permutation(np.flatnonzero(poor)),
                           rng.permutation(np.flatnonzero(~poor))]).astype(np.int64)


def _neediest(need: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.lexsort((rng.random(len(need)), -need)).astype(np.int64)


def _context(n_p: int, poor: np.ndarray, need=None, village_xy=None, partner_xy=None,
             village_industry=None, partner_industry=None, partner_capacity=None) -> dict:
    n_v = len(poor)
    return dict(
        need=poor.astype(float) if need is None else np.asarray(need, float),
        village_xy=np.zeros((n_v, 2)) if village_xy is None else np.asarray(village_xy, float),
        partner_xy=np.zeros((n_p, 2)) if partner_xy is None else np.asarray(partner_xy, float),
        village_industry=(np.zeros(n_v, np.int64) if village_industry is None
                          else np.asarray(village_industry, np.int64)),
        partner_industry=(np.full(n_p, -1, np.int64) if partner_industry is None
                          else np.asarray(partner_industry, np.int64)),
        partner_capacity=(np.ones(n_p) if partner_capacity is None
                          else np.asarray(partner_capacity, float)))


def pairing_score(kind: str, ctx: dict, villages: np.ndarray, rng: np.random.Generator):
    """Score matrix (partners x ``villages``) of a strategy ``kind`` (see the module table).

    Example:
        >>> import numpy as np
        >>> ctx = _context(2, np.array([True, False]), need=np.array([0.2, 0.1]),
        ...                partner_capacity=np.array([1.0, 3.0]))
        >>> pairing_score("by_capacity", ctx, np.array([0, 1]), None).round(2).tolist()
        [[0.2, 0.1], [0.6, 0.3]]
    """
    n_p = len(ctx["partner_xy"])
    if kind == "random":
        return rng.random((n_p, len(villages)))
    if kind == "industry_match":
        pi, vi = ctx["partner_industry"][:, None], ctx["village_industry"][villages][None, :]
        return ((pi == vi) | (pi < 0)).astype(float)
    if kind == "neediest_first":
        return np.broadcast_to(ctx["need"][villages], (n_p, len(villages))).copy()
    if kind == "nearest":
        d = np.linalg.norm(ctx["partner_xy"][:, None, :]
                           - ctx["village_xy"][villages][None, :, :], axis=2)
        return 1.0 / (1.0 + d)
    if kind == "by_capacity":
        return ctx["partner_capacity"][:, None] * ctx["need"][villages][None, :]
    raise ValueError(f"no score for {kind!r}")


def _pair(kind: str, n_p: int, villages: np.ndarray, ctx: dict,
          rng: np.random.Generator) -> list[tuple[int, int]]:
    from scipy.optimize import linear_sum_assignment  # here: the registry loads without scipy

    from povsim.strategies.kernels import least_loaded_best  # and without numba

    m = len(villages)
    if n_p == 0 or m == 0:
        return []
    s = pairing_score(kind, ctx, villages, rng)
    pe, pv = rng.permutation(n_p), rng.permutation(m)  # random tie-breaking
    r, c = linear_sum_assignment(s[pe][:, pv], maximize=True)
    pairs = [(int(pe[i]), int(pv[j])) for i, j in zip(r, c, strict=True)]
    load_e = np.zeros(n_p)
    load_v = np.zeros(m)
    for e, j in pairs:
        load_e[e] += 1
        load_v[j] += 1
    if n_p > m:  # partners left over -> villages
        used = np.zeros(n_p, bool)
        used[[e for e, _ in pairs]] = True
        left = pe[~used[pe]]
        pairs += zip(left.tolist(), least_loaded_best(s, left, pv, load_v).tolist(),
                     strict=True)
    elif m > n_p:  # villages left over -> partners
        taken = np.zeros(m, bool)
        taken[[j for _, j in pairs]] = True
        left = pv[~taken[pv]]
        pairs += zip(least_loaded_best(s.T, left, pe, load_e).tolist(), left.tolist(),
                     strict=True)
    return [(e, int(villages[j])) for e, j in pairs]


@register(VILLAGE_PAIRING, "random")
def vp_random(n_enterprises, n_pairs, poor, rng, **context) -> list[tuple[int, int]]:
    """Poor villages first (random order); partners and villages paired at random."""

    poor = np.asarray(poor, bool)
    ctx = _context(n_enterprises, poor, **context)
    return _pair("random", n_enterprises, _poor_first(poor, rng)[:n_pairs], ctx, rng)


@register(VILLAGE_PAIRING, "industry_match")
def vp_industry_match(n_enterprises, n_pairs, poor, rng, **context) -> list[tuple[int, int]]:
    """Poor villages first; each partner with villages of its own industry where possible."""
    poor = np.asarray(poor, bool)
    ctx = _context(n_enterprises, poor, **context)
    return _pair("industry_match", n_enterprises, _poor_first(poor, rng)[:n_pairs], ctx, rng)


@register(VILLAGE_PAIRING, "neediest_first")
def vp_neediest_first(n_enterprises, n_pairs, poor, rng, **context) -> list[tuple[int, int]]:
    """The villages of highest poverty incidence are paired; extra partners go to the neediest."""
    poor = np.asarray(poor, bool)
    ctx = _context(n_enterprises, poor, **context)
    return _pair("neediest_first", n_enterprises, _neediest(ctx["need"], rng)[:n_pairs], ctx,
                 rng)


@register(VILLAGE_PAIRING, "nearest")
def vp_nearest(n_enterprises, n_pairs, poor, rng, **context) -> list[tuple[int, int]]:
    """Poor villages first; pairs chosen to keep partners close to their villages."""
    poor = np.asarray(poor, bool)
    ctx = _context(n_enterprises, poor, **context)
    return _pair("nearest", n_enterprises, _poor_first(poor, rng)[:n_pairs], ctx, rng)


@register(VILLAGE_PAIRING, "by_capacity")
def vp_by_capacity(n_enterprises, n_pairs, poor, rng, **context) -> list[tuple[int, int]]:
    """Neediest villages; the largest partners (most jobs) take the neediest villages, and
    villages beyond one each go greedily by score / (1 + villages held), so larger partners
    get more of them (roughly in proportion to size)."""
    poor = np.asarray(poor, bool)
    ctx = _context(n_enterprises, poor, **context)
    return _pair("by_capacity", n_enterprises, _neediest(ctx["need"], rng)[:n_pairs], ctx, rng)
