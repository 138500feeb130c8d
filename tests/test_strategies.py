"""Pairing strategies (policy levers) on generated instances: capacities, valid indices, and what
each strategy's docstring promises."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import strategies
from sim.strategies import CADRE_PAIRING, FIRST_SECRETARY, REGISTRIES, VILLAGE_PAIRING

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


@pytest.mark.parametrize("name", sorted(VILLAGE_PAIRING))
@SETTINGS
@given(inst=village_instances(), n_e=st.integers(0, 15), n_pairs=st.integers(0, 30))
def test_village_pairing_valid_pairs(name, inst, n_e, n_pairs):
    rng = np.random.default_rng(inst["seed"])
    pairs = VILLAGE_PAIRING[name](n_e, n_pairs, inst["poor"], rng)
    n_v = len(inst["poor"])
    for e, v in pairs:
        assert 0 <= e < n_e and 0 <= v < n_v
    assert len(pairs) <= n_pairs
    again = VILLAGE_PAIRING[name](n_e, n_pairs, inst["poor"], np.random.default_rng(inst["seed"]))
    assert list(pairs) == list(again)


@SETTINGS
@given(inst=village_instances(), n_e=st.integers(0, 15), n_pairs=st.integers(0, 30))
def test_random_village_pairing_promises(inst, n_e, n_pairs):
    poor, n_v = inst["poor"], len(inst["poor"])
    pairs = VILLAGE_PAIRING["random"](n_e, n_pairs, poor, np.random.default_rng(inst["seed"]))
    villages = [v for _, v in pairs]
    owners = [e for e, _ in pairs]
    expected = min(n_pairs, n_v) if n_e > 0 else 0
    assert len(pairs) == expected
    assert len(set(villages)) == len(villages)  # each paired village has one enterprise
    n_poor = int(poor.sum())
    if expected <= n_poor:
        assert all(poor[v] for v in villages)  # poor villages first
    else:
        assert set(np.flatnonzero(poor)) <= set(villages)
    if expected >= n_e:
        assert set(owners) == set(range(n_e))  # every enterprise gets one while villages last
    else:
        assert len(set(owners)) == len(owners)


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
