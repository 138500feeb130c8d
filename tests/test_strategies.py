"""Pairing strategies (policy levers) on generated instances: capacities, valid indices, and what
each strategy's docstring promises."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from povsim import strategies
from povsim.strategies import CADRE_PAIRING, FIRST_SECRETARY, REGISTRIES, VILLAGE_PAIRING

SETTINGS = settings(max_examples=60, deadline=None)


# ----------------------------------------------------------------------------- instances


@st.composite
def cadre_instances(draw):
    n_v = draw(st.integers(1, 6))
    n_h = draw(st.integers(0, 40))
    n_c = draw(st.integers(0, 12))
    small = st.sampled_from([0.0, 0.5, 1.0, 2.0])  # ties are likely
    gap = st.one_of(small, st.floats(-1e4, 1e4, allow_nan=False))
    return dict(
        hh_village=np.array(draw(st.lists(st.integers(0, n_v - 1), min_size=n_h,
                                          max_size=n_h)), dtype=np.int32),
        hh_gap=np.array(draw(st.lists(gap, min_size=n_h, max_size=n_h)), dtype=float),
        cadre_village=np.array(draw(st.lists(st.integers(0, n_v - 1), min_size=n_c,
                                             max_size=n_c)), dtype=np.int64),
        capacity=np.array(draw(st.lists(st.integers(0, 6), min_size=n_c, max_size=n_c)),
                          dtype=np.int32),
        effectiveness=np.array(draw(st.lists(st.sampled_from([0.2, 0.5, 0.6, 0.9]),
                                             min_size=n_c, max_size=n_c)), dtype=float),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@st.composite
def village_instances(draw):
    n_v = draw(st.integers(0, 25))
    poor = np.array(draw(st.lists(st.booleans(), min_size=n_v, max_size=n_v)), dtype=bool)
    branch = np.array(draw(st.lists(st.sampled_from([0.1, 0.3, 0.5, 0.7]) | st.floats(0, 1),
                                    min_size=n_v, max_size=n_v)), dtype=float)
    return dict(poor=poor, branch=branch, seed=draw(st.integers(0, 2**32 - 1)))


def _pair(name, inst):
    kw = {k: v for k, v in inst.items() if k != "seed"}
    return np.asarray(CADRE_PAIRING[name](**kw, rng=np.random.default_rng(inst["seed"])))


# ----------------------------------------------------------------------------- cadre pairing


@pytest.mark.parametrize("name", sorted(CADRE_PAIRING))
@SETTINGS
@given(inst=cadre_instances())
def test_cadre_pairing_respects_capacity_and_pairs_all_it_can(name, inst):
    out = _pair(name, inst)
    n_h, cap = len(inst["hh_village"]), inst["capacity"]
    assert out.shape == (n_h,)
    assert np.issubdtype(out.dtype, np.integer)
    assert ((out == -1) | ((out >= 0) & (out < len(cap)))).all()
    load = np.bincount(out[out >= 0], minlength=len(cap))
    assert (load <= cap).all(), (load, cap)
    # -1 only when no capacity is left: everyone is paired when capacity suffices, and every
    # slot is used when it does not
    assert (out >= 0).sum() == min(n_h, int(cap.sum()))
    # reproducible from the generator passed in
    np.testing.assert_array_equal(out, _pair(name, inst))


@SETTINGS
@given(inst=cadre_instances())
def test_poorest_first_serves_the_largest_gaps_with_the_most_effective(inst):
    out = _pair("poorest_first", inst)
    gap, eff = inst["hh_gap"], inst["effectiveness"]
    paired = out >= 0
    if paired.any() and (~paired).any():
        assert gap[paired].min() >= gap[~paired].max()
    i = np.flatnonzero(paired)
    # among paired households, a strictly larger gap never has a strictly less effective cadre
    g, e = gap[i], eff[out[i]]
    bad = (g[:, None] > g[None, :]) & (e[:, None] < e[None, :])
    assert not bad.any()


@SETTINGS
@given(inst=cadre_instances())
def test_same_village_pairs_locally_while_local_slots_last(inst):
    out = _pair("same_village", inst)
    hv, cv, cap = inst["hh_village"], inst["cadre_village"], inst["capacity"]
    local = np.zeros(len(hv), bool)
    local[out >= 0] = cv[out[out >= 0]] == hv[out >= 0]
    for v in np.unique(hv):
        households = int((hv == v).sum())
        slots = int(cap[cv == v].sum())
        assert int((local & (hv == v)).sum()) == min(households, slots), v


def test_random_pairing_depends_on_the_generator():
    inst = dict(hh_village=np.zeros(30, np.int32), hh_gap=np.ones(30),
                cadre_village=np.zeros(10, np.int64), capacity=np.full(10, 3, np.int32),
                effectiveness=np.full(10, 0.5))
    outs = {tuple(CADRE_PAIRING["random"](**inst, rng=np.random.default_rng(s))) for s in range(5)}
    assert len(outs) > 1


@st.composite
def rich_cadre_instances(draw):
    """Cadre instances with needs, specialties, a match matrix and a distance factor."""
    inst = draw(cadre_instances())
    n_h, n_c = len(inst["hh_village"]), len(inst["capacity"])
    n_need, n_spec = 4, 5
    match = np.full((n_spec, n_need), draw(st.sampled_from([0.1, 0.3])))
    for k in range(n_need):
        match[k, k] = 1.0
    match[-1, :] = draw(st.sampled_from([0.3, 0.6]))
    inst.update(
        hh_need=np.array(draw(st.lists(st.integers(0, n_need - 1), min_size=n_h,
                                       max_size=n_h)), np.int64),
        cadre_specialty=np.array(draw(st.lists(st.integers(0, n_spec - 1), min_size=n_c,
                                               max_size=n_c)), np.int64),
        match=match,
        other_village_visit_factor=draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])),
    )
    return inst


def _gain(inst, out):
    return strategies.expected_gain(out, inst["hh_village"], inst["cadre_village"],
                                    inst["effectiveness"], inst["hh_need"],
                                    inst["cadre_specialty"], inst["match"],
                                    inst["other_village_visit_factor"])


@pytest.mark.parametrize("name", sorted(CADRE_PAIRING))
@SETTINGS
@given(inst=rich_cadre_instances())
def test_every_cadre_strategy_respects_capacity_with_needs(name, inst):
    out = _pair(name, inst)
    cap = inst["capacity"]
    load = np.bincount(out[out >= 0], minlength=len(cap))
    assert (load <= cap).all()
    assert (out >= 0).sum() == min(len(out), int(cap.sum()))


@settings(max_examples=150, deadline=None)
@given(inst=rich_cadre_instances())
def test_optimal_is_never_worse_than_any_heuristic(inst):
    best = _gain(inst, _pair("optimal", inst))
    for name in sorted(CADRE_PAIRING):
        other = _gain(inst, _pair(name, inst))
        assert best >= other - 1e-9 * max(1.0, abs(other)), (name, best, other)


def test_optimal_matches_brute_force_on_tiny_instances():
    """Exhaustive check on small instances: the optimal gain equals the best of all pairings."""
    import itertools

    rng = np.random.default_rng(5)
    for _ in range(30):
        n_h, n_c = rng.integers(1, 5), rng.integers(1, 4)
        inst = dict(hh_village=rng.integers(0, 2, n_h), hh_gap=rng.random(n_h),
                    cadre_village=rng.integers(0, 2, n_c), capacity=rng.integers(0, 3, n_c),
                    effectiveness=rng.choice([0.3, 0.6, 0.9], n_c),
                    hh_need=rng.integers(0, 2, n_h), cadre_specialty=rng.integers(0, 3, n_c),
                    match=np.array([[1.0, 0.2], [0.2, 1.0], [0.5, 0.5]]),
                    other_village_visit_factor=0.4, seed=int(rng.integers(1 << 30)))
        got = _gain(inst, _pair("optimal", inst))
        brute = 0.0
        for a in itertools.product(range(-1, n_c), repeat=n_h):
            a = np.array(a)
            if (np.bincount(a[a >= 0], minlength=n_c) <= inst["capacity"]).all():
                brute = max(brute, _gain(inst, a))
        assert abs(got - brute) < 1e-9, (got, brute)


@SETTINGS
@given(inst=rich_cadre_instances())
def test_need_matched_prefers_the_best_matching_specialty(inst):
    """No household sits with a worse-matching cadre while a better-matching cadre has room."""
    out = _pair("need_matched", inst)
    m, spec, need, cap = (inst["match"], inst["cadre_specialty"], inst["hh_need"],
                          inst["capacity"])
    free = cap - np.bincount(out[out >= 0], minlength=len(cap))
    for h in np.flatnonzero(out >= 0):
        got = m[spec[out[h]], need[h]]
        better = (m[spec, need[h]] > got) & (free > 0)
        assert not better.any()


@SETTINGS
@given(inst=cadre_instances())
def test_balanced_loads_differ_by_at_most_one(inst):
    out = _pair("balanced", inst)
    cap = inst["capacity"]
    load = np.bincount(out[out >= 0], minlength=len(cap))
    room = load < cap  # slots are filled round by round, so no cadre is more than one
    if room.any():     # household ahead of a cadre that still has room
        assert load.max() <= load[room].min() + 1


def test_optimal_is_fast_at_full_scale():
    """Xixiu-sized instance (15,400 households, 3,732 cadres over 182 villages): solves and
    beats same_village; the time is measured in benchmarks/, not asserted here."""
    rng = np.random.default_rng(0)
    h, c, v = 15400, 3732, 182
    match = np.full((5, 4), 0.3)
    match[np.arange(4), np.arange(4)] = 1.0
    match[4] = 0.6
    inst = dict(hh_village=rng.integers(0, v, h), hh_gap=rng.random(h),
                cadre_village=rng.integers(0, v, c), capacity=np.full(c, 5),
                effectiveness=rng.choice([0.5, 0.6], c), hh_need=rng.integers(0, 4, h),
                cadre_specialty=rng.integers(0, 5, c), match=match, other_village_visit_factor=0.5,
                seed=1)
    out = _pair("optimal", inst)
    assert (out >= 0).all()
    assert _gain(inst, out) > _gain(inst, _pair("same_village", inst))


# ----------------------------------------------------------------------------- first secretaries


def _place(name, inst, n):
    return np.asarray(FIRST_SECRETARY[name](n, inst["poor"], inst["branch"],
                                            np.random.default_rng(inst["seed"])))


@pytest.mark.parametrize("name", sorted(FIRST_SECRETARY))
@SETTINGS
@given(inst=village_instances(), n=st.integers(0, 60))
def test_first_secretaries_valid_villages(name, inst, n):
    out = _place(name, inst, n)
    n_v = len(inst["poor"])
    assert out.shape == (n,)
    assert np.issubdtype(out.dtype, np.integer)
    assert ((out == -1) | ((out >= 0) & (out < n_v))).all()
    np.testing.assert_array_equal(out, _place(name, inst, n))


def _check_spread(out, n, n_v):
    """One per village while villages last, then cycling: loads differ by at most one."""
    if n_v == 0:
        assert (out == -1).all()
        return
    assert (out >= 0).all()
    load = np.bincount(out, minlength=n_v)
    if n >= n_v:
        assert load.max() - load.min() <= 1
    else:
        assert load.max() <= 1


@SETTINGS
@given(inst=village_instances(), n=st.integers(0, 60))
def test_all_poor_villages_first(inst, n):
    out = _place("all_poor_villages", inst, n)
    poor, n_v = inst["poor"], len(inst["poor"])
    _check_spread(out, n, n_v)
    if n_v == 0:
        return
    n_poor = int(poor.sum())
    if n <= n_poor:
        assert poor[out].all()
    else:
        assert set(np.flatnonzero(poor)) <= set(out.tolist())


@SETTINGS
@given(inst=village_instances(), n=st.integers(0, 60))
def test_weakest_branch_first(inst, n):
    out = _place("weakest_branch_first", inst, n)
    b, n_v = inst["branch"], len(inst["branch"])
    _check_spread(out, n, n_v)
    if 0 < n < n_v:
        chosen = np.zeros(n_v, bool)
        chosen[out] = True
        assert b[chosen].max() <= b[~chosen].min()


def test_none_places_nobody():
    out = FIRST_SECRETARY["none"](7, np.ones(5, bool), np.full(5, 0.5),
                                  np.random.default_rng(0))
    assert np.asarray(out).tolist() == [-1] * 7


# ----------------------------------------------------------------------------- village pairing


@st.composite
def partner_contexts(draw):
    """A village instance plus partners with places, industries and sizes."""
    inst = draw(village_instances())
    n_v = len(inst["poor"])
    n_e = draw(st.integers(0, 15))
    coord = st.floats(0, 50, allow_nan=False)
    ctx = dict(
        need=np.array(draw(st.lists(st.sampled_from([0.0, 0.05, 0.2]) | st.floats(0, 1),
                                    min_size=n_v, max_size=n_v)), float),
        village_xy=np.array(draw(st.lists(st.tuples(coord, coord), min_size=n_v,
                                          max_size=n_v)), float).reshape(n_v, 2),
        partner_xy=np.array(draw(st.lists(st.tuples(coord, coord), min_size=n_e,
                                          max_size=n_e)), float).reshape(n_e, 2),
        village_industry=np.array(draw(st.lists(st.integers(0, 2), min_size=n_v,
                                                max_size=n_v)), np.int64),
        partner_industry=np.array(draw(st.lists(st.integers(-1, 2), min_size=n_e,
                                                max_size=n_e)), np.int64),
        partner_capacity=np.array(draw(st.lists(st.sampled_from([1.0, 2.0, 5.0, 20.0]),
                                                min_size=n_e, max_size=n_e)), float),
    )
    return inst, n_e, draw(st.integers(0, 30)), ctx


def _vpair(name, inst, n_e, n_pairs, ctx):
    return VILLAGE_PAIRING[name](n_e, n_pairs, inst["poor"], np.random.default_rng(inst["seed"]),
                                 **ctx)


@pytest.mark.parametrize("name", sorted(VILLAGE_PAIRING))
@SETTINGS
@given(case=partner_contexts())
def test_village_pairing_covers_partners_and_villages(name, case):
    """Every chosen village has a partner and every partner a village: max(P, V) pairs, one
    side exactly once; reproducible from the generator."""
    inst, n_e, n_pairs, ctx = case
    pairs = _vpair(name, inst, n_e, n_pairs, ctx)
    n_v = len(inst["poor"])
    for e, v in pairs:
        assert 0 <= e < n_e and 0 <= v < n_v
    assert len(set(pairs)) == len(pairs)
    m = min(n_pairs, n_v) if n_e > 0 else 0
    villages = {v for _, v in pairs}
    assert len(villages) == m
    if m == 0:
        assert pairs == []
        return
    assert len(pairs) == max(n_e, m)
    assert {e for e, _ in pairs} == set(range(n_e))
    owners = [e for e, _ in pairs]
    places = [v for _, v in pairs]
    if n_e <= m:
        assert len(set(places)) == len(places)  # one partner per village
    if n_e >= m:
        assert len(set(owners)) == len(owners)  # one village per partner
    assert pairs == _vpair(name, inst, n_e, n_pairs, ctx)


@pytest.mark.parametrize("name", ["random", "industry_match", "nearest"])
@SETTINGS
@given(case=partner_contexts())
def test_poor_villages_chosen_first(name, case):
    inst, n_e, n_pairs, ctx = case
    poor = inst["poor"]
    villages = {v for _, v in _vpair(name, inst, n_e, n_pairs, ctx)}
    if len(villages) <= int(poor.sum()):
        assert all(poor[v] for v in villages)
    else:
        assert set(np.flatnonzero(poor)) <= villages


@pytest.mark.parametrize("name", ["neediest_first", "by_capacity"])
@SETTINGS
@given(case=partner_contexts())
def test_neediest_villages_chosen(name, case):
    inst, n_e, n_pairs, ctx = case
    chosen = np.zeros(len(inst["poor"]), bool)
    chosen[[v for _, v in _vpair(name, inst, n_e, n_pairs, ctx)]] = True
    if chosen.any() and (~chosen).any():
        assert ctx["need"][chosen].min() >= ctx["need"][~chosen].max()


def _total_score(kind, pairs, ctx):
    if not pairs:
        return 0.0
    e, v = np.array(pairs).T
    return float(strategies.pairing_score(kind, ctx, v, None)[e, np.arange(len(v))].sum()
                 if kind != "random" else 0.0)


@pytest.mark.parametrize("kind", ["industry_match", "nearest", "by_capacity"])
@SETTINGS
@given(case=partner_contexts())
def test_scored_pairing_beats_random_one_to_one(kind, case):
    """With one partner per village (P = V), the strategy's own score is at least that of a
    random pairing of the same villages (it solves the assignment exactly)."""
    inst, n_e, _, ctx = case
    n_v = len(inst["poor"])
    k = min(n_e, n_v)
    if k == 0:
        return
    inst = dict(inst, poor=np.ones(n_v, bool))
    ctx = dict(ctx, need=np.ones(n_v))  # every village equally needy: the same villages chosen
    ctx = {key: (val[:k] if key.startswith("partner") else val) for key, val in ctx.items()}
    best = _vpair(kind, inst, k, k, ctx)
    rand = _vpair("random", inst, k, k, ctx)
    assert {v for _, v in best} == {v for _, v in rand} or n_v > k
    if n_v == k:
        assert _total_score(kind, best, ctx) >= _total_score(kind, rand, ctx) - 1e-9


def test_nearest_pairs_each_partner_with_its_closest_village():
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]])
    pairs = strategies.vp_nearest(3, 3, np.ones(3, bool), np.random.default_rng(1),
                                  village_xy=xy, partner_xy=xy[::-1] + 0.5)
    assert sorted(pairs) == [(0, 2), (1, 1), (2, 0)]


def test_by_capacity_gives_the_biggest_partner_the_neediest_village_and_more_villages():
    need = np.array([0.1, 0.5, 0.3, 0.2, 0.4, 0.05])
    pairs = strategies.vp_by_capacity(2, 6, np.ones(6, bool), np.random.default_rng(0),
                                      need=need, partner_capacity=np.array([1.0, 10.0]))
    big = [v for e, v in pairs if e == 1]
    assert 1 in big  # the neediest
    assert len(big) > len(pairs) - len(big)


def test_industry_match_pairs_same_industry():
    pairs = strategies.vp_industry_match(
        2, 2, np.ones(2, bool), np.random.default_rng(3),
        village_industry=np.array([0, 1]), partner_industry=np.array([1, 0]))
    assert sorted(pairs) == [(0, 1), (1, 0)]


def test_extra_partners_are_spread_over_villages():
    """Ten partners on three equally needy villages: none gets more than four; with unequal
    need the need-driven strategies give the neediest village the most partners."""
    for name in sorted(VILLAGE_PAIRING):
        pairs = VILLAGE_PAIRING[name](10, 3, np.ones(3, bool), np.random.default_rng(0),
                                      need=np.full(3, 0.2))
        load = np.bincount([v for _, v in pairs], minlength=3)
        assert load.sum() == 10 and load.max() <= 4, (name, load)
    for name in ["neediest_first", "by_capacity"]:
        pairs = VILLAGE_PAIRING[name](10, 3, np.ones(3, bool), np.random.default_rng(0),
                                      need=np.array([0.1, 0.3, 0.2]))
        load = np.bincount([v for _, v in pairs], minlength=3)
        assert load[1] >= load[2] >= load[0], (name, load)


# ----------------------------------------------------------------------------- the registry


@pytest.mark.parametrize("lever", sorted(REGISTRIES))
def test_get_unknown_name_lists_known(lever):
    with pytest.raises(ValueError) as exc:
        strategies.get(lever, "no_such_strategy")
    msg = str(exc.value)
    assert "no_such_strategy" in msg and lever in msg
    for name in REGISTRIES[lever]:
        assert name in msg


@pytest.mark.parametrize("lever", sorted(REGISTRIES))
def test_get_known_names(lever):
    assert REGISTRIES[lever], lever
    for name, fn in REGISTRIES[lever].items():
        assert strategies.get(lever, name) is fn


def test_registered_strategy_becomes_selectable(monkeypatch, xixiu):
    def pair_nobody(hh_village, hh_gap, cadre_village, capacity, effectiveness, rng):
        return np.full(len(hh_village), -1, np.int32)

    monkeypatch.setitem(CADRE_PAIRING, "test_nobody", pair_nobody)
    strategies.register(CADRE_PAIRING, "test_nobody")(pair_nobody)
    assert strategies.get("cadre_pairing", "test_nobody") is pair_nobody
    assert xixiu.with_overrides(cadre_pairing="test_nobody").policy.cadre_pairing == "test_nobody"


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(0, 2**32 - 1), st.booleans(),
       st.booleans())
def test_least_loaded_best_is_the_argmax_in_turn(n, m, seed, ties, nan):
    """The compiled leftover pairing gives what ``np.argmax`` of score per load, row after
    row, gives (first of ties, first NaN), its loads too, on a matrix or its transpose."""
    from povsim.strategies.kernels import least_loaded_best

    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, (n, m)).astype(float) if ties else rng.random((n, m))
    if nan:
        s[rng.integers(n), rng.integers(m)] = np.nan
    for mat in (s, s.T):
        rows = rng.permutation(mat.shape[0])[:rng.integers(1, mat.shape[0] + 1)]
        cols = rng.permutation(mat.shape[1])
        load = rng.integers(0, 3, mat.shape[1]).astype(float)
        want_load, want = load.copy(), []
        for r in rows:
            j = cols[np.argmax(mat[r, cols] / (1.0 + want_load[cols]))]
            want.append(int(j))
            want_load[j] += 1
        got = least_loaded_best(mat, rows, cols, load)
        assert got.tolist() == want and (load == want_load).all()
