"""Cadre -> registered poor household strategies (the ``cadre_pairing`` lever).

Every strategy takes the same arguments and returns, for each household to pair, the index of
its cadre or -1 when no cadre has room left. No cadre gets more households than its
``capacity``, and every strategy pairs ``min(households, total capacity)`` households.

Arguments (arrays; H households, C cadres):

- ``hh_village`` (H), ``hh_gap`` (H, poverty line minus per-capita income, yuan),
  ``hh_need`` (H, code of the binding constraint, ``povsim.agents.households.NEEDS``);
- ``cadre_village`` (C, home village), ``capacity`` (C, households), ``effectiveness`` (C, 0-1),
  ``cadre_specialty`` (C, index into ``povsim.schema.params.SPECIALTIES``);
- ``match`` (specialties x needs): the visit-effect multiplier of a specialty for a need;
- ``other_village_visit_factor``: the visit multiplier when cadre and household live in different
  villages (``cadre_effects.other_village_visit_factor``);
- ``rng``: the lever's own generator.

The **expected gain** of a pairing (:func:`expected_gain`) is the sum over paired households of
``effectiveness x match[specialty, need] x (1, or other_village_visit_factor away from home)``: the
expected effect per month the model applies (``sim/engine/model.py _cadre_visits``: the factor
scales the chance of a visit, effectiveness and match its effect) before the load penalty ``1 / (1 +
load / load_half)``, which depends on the pairing as a whole and is what ``balanced`` addresses.
``optimal`` maximises the expected gain exactly.

Example:
    >>> import numpy as np
    >>> kw = dict(hh_village=np.array([0, 1]), hh_gap=np.ones(2), cadre_village=np.array([1, 0]),
    ...           capacity=np.array([1, 1]), effectiveness=np.array([0.5, 0.5]),
    ...           other_village_visit_factor=0.5)
    >>> pair_optimal(**kw, rng=np.random.default_rng(0)).tolist()  # each at home
    [1, 0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from povsim.strategies.registry import CADRE_PAIRING, register


@dataclass(frozen=True)
class _Instance:
    hv: np.ndarray
    gap: np.ndarray
    need: np.ndarray
    cv: np.ndarray
    cap: np.ndarray
    eff: np.ndarray
    spec: np.ndarray
    match: np.ndarray
    other_village_visit_factor: float

    @property
    def n(self) -> int:
        return len(self.hv)

    def slots(self, order: np.ndarray | None = None) -> np.ndarray:
        """Cadre index per capacity slot (cadre ``i`` repeated ``cap[i]`` times, in ``order``)."""
        c = np.arange(len(self.cap), dtype=np.int32) if order is None else order.astype(np.int32)
        return np.repeat(c, self.cap[c])


def _instance(hh_village, hh_gap, cadre_village, capacity, effectiveness, hh_need=None,
              cadre_specialty=None, match=None, other_village_visit_factor=1.0) -> _Instance:
    hv = np.asarray(hh_village, np.int64)
    n_c = len(capacity)
    return _Instance(
        hv=hv, gap=np.asarray(hh_gap, float),
        need=np.zeros(len(hv), np.int64) if hh_need is None else np.asarray(hh_need, np.int64),
        cv=np.asarray(cadre_village, np.int64),
        cap=np.maximum(np.asarray(capacity, np.int64), 0),
        eff=np.asarray(effectiveness, float),
        spec=(np.zeros(n_c, np.int64) if cadre_specialty is None
              else np.asarray(cadre_specialty, np.int64)),
        match=np.ones((1, 1)) if match is None else np.asarray(match, float),
        other_village_visit_factor=float(other_village_visit_factor))


def expected_gain(assignment, hh_village, cadre_village, effectiveness, hh_need=None,
                  cadre_specialty=None, match=None, other_village_visit_factor=1.0) -> float:
    """Sum of ``effectiveness x match x proximity`` over the paired households.

    Example:
        >>> import numpy as np
        >>> expected_gain(np.array([0, -1]), np.array([0, 0]), np.array([1]), np.array([0.5]),
        ...               other_village_visit_factor=0.5)
        0.25
    """
    a = np.asarray(assignment)
    inst = _instance(hh_village, np.zeros(len(a)), cadre_village, np.zeros(len(cadre_village)),
                     effectiveness, hh_need, cadre_specialty, match, other_village_visit_factor)
    h = np.flatnonzero(a >= 0)
    c = a[h]
    prox = np.where(inst.cv[c] == inst.hv[h], 1.0, inst.other_village_visit_factor)
    return float(np.sum(inst.eff[c] * inst.match[inst.spec[c], inst.need[h]] * prox))


def _fill(order_h: np.ndarray, slots: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -1, np.int32)
    k = min(len(order_h), len(slots))
    out[order_h[:k]] = slots[:k]
    return out


def _fill_rest(out: np.ndarray, inst: _Instance, rng: np.random.Generator) -> np.ndarray:
    """Pair households still without a cadre with the free slots, at random."""
    load = np.bincount(out[out >= 0], minlength=len(inst.cap))
    free = np.repeat(np.arange(len(inst.cap), dtype=np.int32), inst.cap - load)
    rest = np.flatnonzero(out < 0)
    k = min(len(rest), len(free))
    out[rng.permutation(rest)[:k]] = rng.permutation(free)[:k]
    return out


@register(CADRE_PAIRING, "random")
def pair_random(hh_village, hh_gap, cadre_village, capacity, effectiveness, rng, **context):
    """Households in random order take random free cadre slots (capacity = slots per cadre)."""
    inst = _instance(hh_village, hh_gap, cadre_village, capacity, effectiveness, **context)
    return _fill(rng.permutation(inst.n), rng.permutation(inst.slots()), inst.n)


@register(CADRE_PAIRING, "poorest_first")
def pair_poorest_first(hh_village, hh_gap, cadre_village, capacity, effectiveness, rng,
                       **context):
    """Largest income gap first, paired with the most effective cadres' slots first."""
    inst = _instance(hh_village, hh_gap, cadre_village, capacity, effectiveness, **context)
    c_order = np.lexsort((rng.random(len(inst.cap)), -inst.eff))
    h_order = np.lexsort((rng.random(inst.n), -inst.gap))
    return _fill(h_order, inst.slots(c_order), inst.n)


@register(CADRE_PAIRING, "same_village")
def pair_same_village(hh_village, hh_gap, cadre_village, capacity, effectiveness, rng,
                      **context):
    """Each household gets a cadre of its own village while one has room; the rest at random."""
    inst = _instance(hh_village, hh_gap, cadre_village, capacity, effectiveness, **context)
    n, hv = inst.n, inst.hv
    out = np.full(n, -1, np.int32)
    slots = inst.slots()
    slots = slots[rng.permutation(len(slots))]
    slot_v = inst.cv[slots]
    h_perm = rng.permutation(n)
    h_sorted = h_perm[np.argsort(hv[h_perm], kind="stable")]
    s_sorted = np.argsort(slot_v, kind="stable")
    used = np.zeros(len(slots), bool)
    villages = np.unique(hv)
    h_lo = np.searchsorted(hv[h_sorted], villages, "left")
    h_hi = np.searchsorted(hv[h_sorted], villages, "right")
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


@register(CADRE_PAIRING, "need_matched")
def pair_need_matched(hh_village, hh_gap, cadre_village, capacity, effectiveness, rng,
                      **context):
    """Each household to a cadre whose specialty best fits its binding constraint.

    Match tiers in decreasing ``match`` value (the specialist for the need, then generalists,
    then other specialists); within a tier the needs take turns in random order and households
    and slots are drawn at random. Village and effectiveness are ignored.
    """
    inst = _instance(hh_village, hh_gap, cadre_village, capacity, effectiveness, **context)
    out = np.full(inst.n, -1, np.int32)
    free = inst.cap.copy()
    needs = np.unique(inst.need)
    for tier in np.unique(inst.match)[::-1]:
        for n in rng.permutation(needs):
            ok = inst.match[inst.spec, n] == tier
            slots = rng.permutation(np.repeat(np.flatnonzero(ok).astype(np.int32), free[ok]))
            hs = rng.permutation(np.flatnonzero((out < 0) & (inst.need == n)))
            k = min(len(hs), len(slots))
            out[hs[:k]] = slots[:k]
            free -= np.bincount(slots[:k], minlength=len(free))
    return _fill_rest(out, inst, rng)


@register(CADRE_PAIRING, "balanced")
def pair_balanced(hh_village, hh_gap, cadre_village, capacity, effectiveness, rng, **context):
    """Equal loads: every cadre gets a first household before any gets a second, and so on.

    Households in random order; loads differ by at most one among cadres with room left.
    """
    inst = _instance(hh_village, hh_gap, cadre_village, capacity, effectiveness, **context)
    cadre = inst.slots()
    rank = np.arange(len(cadre)) - np.repeat(np.cumsum(inst.cap) - inst.cap, inst.cap)
    order = np.lexsort((rng.random(len(cadre)), rank))
    return _fill(rng.permutation(inst.n), cadre[order].astype(np.int32), inst.n)


@register(CADRE_PAIRING, "optimal")
def pair_optimal(hh_village, hh_gap, cadre_village, capacity, effectiveness, rng, **context):
    """The pairing of maximum expected gain under the capacities (an exact min-cost flow).

    Decomposed by class: households are grouped by (village, need) and cadres by (home village,
    specialty, effectiveness), since the gain depends only on those. A class pair in the same
    village is one edge; pairs across villages all go through one hub per need (their gain does
    not depend on the villages), so the network has O(classes) edges, not households x cadres.
    The flow problem is solved by ``scipy.optimize.milp`` (HiGHS; the network matrix is totally
    unimodular, so the solution is integral), then households and slots within a class are
    matched at random.
    """
    from scipy import sparse  # imported here: the strategy registry loads without scipy
    from scipy.optimize import LinearConstraint, milp

    inst = _instance(hh_village, hh_gap, cadre_village, capacity, effectiveness, **context)
    out = np.full(inst.n, -1, np.int32)
    if inst.n == 0 or inst.cap.sum() == 0:
        return out
    n_need = max(int(inst.need.max()) + 1, inst.match.shape[1])
    # household classes (village, need)
    h_key = inst.hv * n_need + inst.need
    h_cls, h_of = np.unique(h_key, return_inverse=True)
    h_cnt = np.bincount(h_of)
    h_v, h_n = h_cls // n_need, h_cls % n_need
    # cadre classes (village, specialty, effectiveness), only those with room
    has = np.flatnonzero(inst.cap > 0)
    keys = np.column_stack([inst.cv[has], inst.spec[has], inst.eff[has]])
    c_cls, c_of_has = np.unique(keys, axis=0, return_inverse=True)
    c_of = np.full(len(inst.cap), -1)
    c_of[has] = c_of_has.ravel()
    c_slots = np.bincount(c_of_has.ravel(), weights=inst.cap[has]).astype(np.int64)
    c_v, c_s, c_e = c_cls[:, 0].astype(np.int64), c_cls[:, 1].astype(np.int64), c_cls[:, 2]
    n_h, n_c = len(h_cls), len(c_cls)
    # direct edges: same village
    order_c = np.argsort(c_v, kind="stable")
    lo = np.searchsorted(c_v[order_c], h_v, "left")
    hi = np.searchsorted(c_v[order_c], h_v, "right")
    d_h = np.repeat(np.arange(n_h), hi - lo)
    d_c = order_c[np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)])
                  if n_h else np.zeros(0, np.int64)].astype(np.int64)
    d_gain = c_e[d_c] * inst.match[c_s[d_c], h_n[d_h]]
    # hub edges: household class -> hub of its need (gain 0), hub -> cadre class
    needs = np.unique(h_n)
    z_n = np.repeat(needs, n_c)
    z_c = np.tile(np.arange(n_c), len(needs))
    z_gain = c_e[z_c] * inst.match[c_s[z_c], z_n] * inst.other_village_visit_factor
    n_d, n_y, n_z = len(d_h), n_h, len(z_n)
    gain = np.concatenate([d_gain, np.zeros(n_y), z_gain])
    hub_of = np.searchsorted(needs, h_n)
    rows, cols, vals = [], [], []

    def add(r, c, v):
        rows.append(r)
        cols.append(c)
        vals.append(np.broadcast_to(v, np.shape(r)))

    # household class capacity: direct + to hub <= count
    add(d_h, np.arange(n_d), 1.0)
    add(np.arange(n_h), n_d + np.arange(n_y), 1.0)
    # cadre class capacity: direct + from hubs <= slots
    add(n_h + d_c, np.arange(n_d), 1.0)
    add(n_h + z_c, n_d + n_y + np.arange(n_z), 1.0)
    # hub conservation: in - out = 0
    add(n_h + n_c + hub_of, n_d + np.arange(n_y), 1.0)
    add(n_h + n_c + np.searchsorted(needs, z_n), n_d + n_y + np.arange(n_z), -1.0)
    a = sparse.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(n_h + n_c + len(needs), n_d + n_y + n_z))
    ub = np.concatenate([h_cnt, c_slots, np.zeros(len(needs))]).astype(float)
    lb = np.concatenate([np.full(n_h + n_c, -np.inf), np.zeros(len(needs))])
    res = milp(-gain, constraints=LinearConstraint(a, lb, ub), integrality=np.ones(len(gain)),
               options={"mip_rel_gap": 0.0})
    if res.x is None:  # pragma: no cover - the problem is always feasible (zero flow)
        raise RuntimeError(f"optimal pairing: the solver failed ({res.message})")
    x = np.rint(res.x).astype(np.int64)
    d_x, y_x, z_x = x[:n_d], x[n_d:n_d + n_y], x[n_d + n_y:]
    # households and slots of each class, in random order
    h_perm = rng.permutation(inst.n)
    h_members = np.split(h_perm[np.argsort(h_of[h_perm], kind="stable")], np.cumsum(h_cnt)[:-1])
    slot_cadre = inst.slots(rng.permutation(len(inst.cap)))
    slot_cls = c_of[slot_cadre]
    s_sorted = slot_cadre[np.argsort(slot_cls, kind="stable")]
    s_members = np.split(s_sorted, np.cumsum(c_slots)[:-1])
    h_ptr = np.zeros(n_h, np.int64)
    s_ptr = np.zeros(n_c, np.int64)

    def take(members, ptr, i, k):
        got = members[i][ptr[i]:ptr[i] + k]
        ptr[i] += k
        return got

    for e in np.flatnonzero(d_x):
        k = d_x[e]
        out[take(h_members, h_ptr, d_h[e], k)] = take(s_members, s_ptr, d_c[e], k)
    for n in needs:
        hs = np.concatenate([take(h_members, h_ptr, i, y_x[i])
                             for i in np.flatnonzero((h_n == n) & (y_x > 0))] or [[]])
        zs = np.flatnonzero((z_n == n) & (z_x > 0))
        ss = np.concatenate([take(s_members, s_ptr, z_c[e], z_x[e]) for e in zs] or [[]])
        out[hs.astype(np.int64)] = ss.astype(np.int32)
    return _fill_rest(out, inst, rng)
