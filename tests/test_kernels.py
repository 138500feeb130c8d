"""The compiled kernels equal the vectorised numpy rules they replace, bit for bit.

Each test takes a real model's household state in the middle of a run, applies a kernel and the
numpy statement of the same rules (kept here as the oracle) to copies of it, and compares every
array exactly. The kernels draw inside (counter-based, :mod:`povsim.base.philox`); the oracles take
the same draws from :func:`povsim.base.philox.uniforms` (itself checked against numpy's ``Philox``
in ``tests/test_philox.py``), lane by lane as :data:`povsim.engine.kernels.STREAMS` names them.
"""

from __future__ import annotations

import copy
import sys

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from povsim.agents.households import NO_JOB, OUTSIDE_MARKET, SRC
from povsim.base import philox
from povsim.base.streams import Streams, stream_key
from povsim.engine import job_finding, kernels
from povsim.engine.kernels import Draws, MonthParams, household_month_arrays
from povsim.engine.model import PovertyModel
from povsim.engine.stats import stable_argsort
from povsim.engine.submodels.households_month import HouseholdsMonth
from povsim.engine.submodels.labour_market import capacities, employer_wages
from povsim.schema.config import load_scenario


@pytest.fixture(scope="module", params=[("xixiu", 100, 20), ("jiangkou", 50, 30),
                                        ("sanba", 20, 40), ("xixiu", 4, 14)],
                ids=lambda p: f"{p[0]}-{p[1]}")
def state(request):
    """A model stepped into its programme years (households, draws generator, parameters)."""
    name, scale, months = request.param
    m = PovertyModel(load_scenario(f"scenarios/{name}.yaml"), seed=5, scale=scale)
    for _ in range(months):
        m.step()
    return m


def _params(m):
    hm = m.submodel(HouseholdsMonth)
    return MonthParams.of(m.sc, hm.farm_yield(), m.clock.growth(), hm.season[m.clock.month])


def lanes(hh, draws: Draws, stream: str) -> np.ndarray:
    """The four lanes (rows) of every household's block of ``stream`` this month."""
    return philox.uniforms(draws.key, stream_key(stream), hh.hid, draws.month).T


def household_month_numpy(hh, wages, tech, p_join, draws, p):
    """The vectorised statement of the households' month (the oracle)."""
    inc = hh.income
    u, um, uj, uc = lanes(hh, draws, "household_month")
    employer0 = hh.employer.copy()  # the month's employers, before any job loss
    own = hh.farmed(p.farm_mu_per_labourer)
    inc[SRC["farming"]] += (own * p.farm_yield_per_mu * p.growth * hh.farm_prod
                            * tech[hh.village] * np.float64(p.season_share))
    pay = np.where(hh.employer >= 0, wages[np.maximum(hh.employer, 0)], 0.0)
    pay = np.where(hh.employer == OUTSIDE_MARKET, pay * hh.earnings.astype(np.float64), pay)
    inc[SRC["local_wages"]] += pay
    inc[SRC["migrant_remittances"]] += (hh.migrants * (p.migrant_remittance_month * p.growth)
                                        * hh.earnings.astype(np.float64))
    inc[SRC["land_rent"]] += hh.leased.astype(np.float64) * (p.land_rent_per_mu / 12.0)
    transfers = hh.enrolled * hh.size * p.transfer_per_person_month
    inc[SRC["transfers"]] += transfers
    inc[SRC["other"]] += hh.size * p.other_income_per_person_month * p.growth
    new = ~hh.sick & (u < p.illness_prob_month)
    recover = hh.sick & (u > 1.0 - p.illness_recovery_prob_month)
    hh.sick[new] = True
    hh.sick[recover] = False
    lone = new & (hh.employer != NO_JOB) & (hh.labourers - hh.migrants <= 1)
    hh.employer[lone] = NO_JOB
    cost = hh.sick * p.illness_cost_month
    inc[SRC["shocks"]] -= cost * (1.0 - hh.cover)
    covered = cost * hh.cover
    go = (hh.idle_labour() > 0) & (um < p.migrate_prob_month * (0.5 + hh.skill))
    back = (hh.migrants > 0) & (um > 1.0 - p.return_prob_month)
    hh.migrants[go] += 1
    hh.migrants[back] -= 1
    join = ~hh.member & (uj < p_join[hh.village])
    claim = (hh.poor & ~hh.enrolled & ((hh.labourers == 0) | hh.sick)
             & (uc < p.transfer_claim_prob_month))
    hh.enrolled[claim] = True
    # by employer: each chunk of households in order, then the chunks in order
    by_employer = np.zeros(len(wages))
    for i in range(0, hh.n, kernels.CHUNK):
        c = slice(i, i + kernels.CHUNK)
        by_employer += np.bincount(np.maximum(employer0[c], 0), weights=pay[c],
                                   minlength=len(wages))
    return join, by_employer, transfers.astype(np.float64), covered


def chunk_sums(x: np.ndarray) -> float:
    """The sum of ``x`` in chunks of ``kernels.CHUNK``, each in order, then the chunks in order:
    the kernels' order of a sum over households."""
    parts = [sum(x[i:i + kernels.CHUNK].tolist(), 0.0) for i in range(0, x.size, kernels.CHUNK)]
    return sum(parts, 0.0)


def test_household_month_equals_the_vectorised_rules(state):
    m = state
    draws = Draws.of(Streams(11), 30)
    wages = employer_wages(m.world, m.clock, m.sc.income)
    tech = np.array([v.tech for v in m.villages])
    p_join = np.where(np.array([c.active for c in m.coops]),
                      m.sc.behaviour.join_prob_month.value
                      * np.array([v.branch_strength for v in m.villages]), -1.0)
    p = _params(m)
    a, b = copy.deepcopy(m.households), copy.deepcopy(m.households)
    p = p._replace(illness_prob_month=0.2)  # some fall ill for sure
    got = household_month_arrays(a, wages, tech, p_join, draws, p)
    join, by_employer, transfers, covered = household_month_numpy(b, wages, tech, p_join, draws,
                                                                  p)
    assert np.array_equal(got.join, join)
    emp, paid, cov = got.totals()
    # sums over households: each chunk in household order, then the chunks in order
    assert np.array_equal(emp, by_employer)
    assert paid == chunk_sums(transfers) and cov == chunk_sums(covered)
    for f in ("income", "sick", "employer", "migrants", "enrolled"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    assert (a.sick.sum() != m.households.sick.sum()
            or a.migrants.sum() != m.households.migrants.sum())


def labour_numpy(m, hh, draws):
    """The vectorised statement of separations and job search (the oracle)."""
    b = m.sc.behaviour
    u_sep, u, c, _ = lanes(hh, draws, "labour_market")
    hh.employer[(hh.employer != NO_JOB) & (u_sep < b.job_separation_prob_month.value)] = NO_JOB
    cap = capacities(m.world, m.clock)
    filled = np.bincount(hh.employer[hh.employer >= 0], minlength=len(cap))
    vac = np.maximum(cap - filled, 0.0)
    vac[OUTSIDE_MARKET] = 0.0
    seek = np.flatnonzero((hh.idle_labour() > 0) & (hh.employer == NO_JOB))
    p_out = job_finding.scenario_rate(m.sc) * (0.5 + hh.skill[seek]) * (
        1.0 + m.sc.cadre_effects.referral_boost.value * hh.referral[seek])
    ve = m.world.employers.codes[hh.village[seek]]
    row_vac = np.where(ve >= 0, vac[np.maximum(ve, 0)], 0.0)
    row_w = row_vac * m.world.employers.reach[hh.village[seek]]
    tot, tot_w = row_vac.sum(axis=1), row_w.sum(axis=1)
    p_in = b.paired_hire_prob_month.value * np.divide(tot_w, tot, out=np.zeros_like(tot),
                                                      where=tot > 0)
    us = u[seek]
    try_in = us < p_in
    pick = np.argmax(np.cumsum(row_w, axis=1) > (c[seek] * tot_w)[:, None], axis=1)
    emp = ve[np.arange(seek.size), pick]
    out = seek[~try_in & (us < p_in + p_out)]
    hh.employer[out] = OUTSIDE_MARKET
    hh.referral[out] = False
    return filled, seek[try_in], emp[try_in], us[try_in] / p_in[try_in]


def test_labour_market_kernels_equal_the_vectorised_rules(state):
    """The month in one call (separations, vacancies, search, hiring) against the vectorised
    statement of separations and search, then the same hiring of its applicants."""
    m = state
    draws = Draws.of(Streams(12), 31)
    n = m.households.n
    a, b = copy.deepcopy(m.households), copy.deepcopy(m.households)
    h = kernels.HouseholdArrays.of(a)
    cap = capacities(m.world, m.clock)
    counts = np.zeros(kernels.n_chunks(n), np.int64)
    by_chunk = np.zeros((counts.size, len(cap)), np.int64)
    app, staff = kernels.Applicants.empty(n), np.zeros(len(cap), np.int64)
    be = m.sc.behaviour
    params = kernels.LabourParams(be.job_separation_prob_month.value,
                                  be.paired_hire_prob_month.value, job_finding.scenario_rate(m.sc),
                                  m.sc.cadre_effects.referral_boost.value)
    k = kernels.labour_month(h, draws, cap, m.world.employers.codes, m.world.employers.reach,
                             params, by_chunk, app, counts, staff)
    cand, cand_emp, key = app
    w_filled, w_cand, w_emp, w_key = labour_numpy(m, b, draws)
    assert np.array_equal(by_chunk.sum(axis=0), w_filled)
    assert np.array_equal(cand[:k], w_cand) and np.array_equal(cand_emp[:k], w_emp)
    assert np.array_equal(key[:k], w_key)
    w_staff = w_filled.copy()
    vac = np.maximum(cap - w_filled, 0.0)
    vac[OUTSIDE_MARKET] = 0.0
    kernels.hire(kernels.Applicants(w_cand.astype(np.int32), w_emp.astype(np.int32), w_key),
                 w_cand.size, vac, b.employer, b.referral, w_staff)
    assert np.array_equal(staff, w_staff)
    assert np.array_equal(a.employer, b.employer) and np.array_equal(a.referral, b.referral)


def test_visits_due_equals_the_vectorised_rule(state):
    m = state
    hh, ce = m.households, m.sc.cadre_effects
    draws = Draws.of(Streams(13), 32)
    u = lanes(hh, draws, "visits")[0]
    load = np.zeros(len(m.cadres), np.int64)
    visited = np.empty(hh.n, np.int32)
    prob = np.random.default_rng(14).random(len(m.cadres))  # each cadre its own probability
    k = kernels.visits_due(kernels.HouseholdArrays.of(hh), draws, prob,
                           ce.other_village_visit_factor.value, load, visited,
                           np.zeros(kernels.n_chunks(hh.n), np.int64))
    paired = (hh.cadre >= 0) & hh.poor
    away = ~hh.near
    p_visit = prob[np.maximum(hh.cadre, 0)] * np.where(
        away, ce.other_village_visit_factor.value, 1.0)
    assert np.array_equal(load, np.bincount(hh.cadre[paired], minlength=len(m.cadres)))
    assert np.array_equal(visited[:k], np.flatnonzero(paired & (u < p_visit)))
    assert k > 0


def visit_outcomes_numpy(m, hh, idx, u2, load):
    """The visits' effects, stated vectorised (the rules of
    :mod:`povsim.engine.submodels.cadre_visits`): returns the households that join."""
    from povsim.agents.households import NEED
    ce, cadres = m.sc.cadre_effects, m.world.cadres
    c = hh.cadre[idx]
    need = hh.binding_need(idx)
    months = m.clock.month_index - hh.paired_since[idx].astype(np.int64) + 1
    fm = ce.familiarity_months.value
    fam = np.minimum(months / fm, 1.0) if fm > 0 else 1.0
    eff = (cadres.effectiveness[c] * m.world.match[cadres.specialty[c], need] * fam
           / (1.0 + load[c] / ce.load_half.value))
    cadres.visits_year += np.bincount(c, minlength=cadres.n)
    cap = ce.productivity_cap.value
    j = need == NEED["jobs"]
    ij = idx[j]
    hh.skill[ij] += (ce.skill_gain.value * eff[j] * (1.0 - hh.skill[ij])).astype(np.float32)
    hh.referral[ij] = True
    f = need == NEED["farming"]
    i_f = idx[f]
    hh.farm_prod[i_f] = np.minimum(hh.farm_prod[i_f] * (1.0 + ce.productivity_gain.value
                                                        * eff[f]), cap)
    active = m.world.coop_arrays.active
    joining = i_f[(u2[f] < eff[f]) & active[hh.village[i_f]] & ~hh.member[i_f]]
    h = need == NEED["health"]
    ih = idx[h]
    hh.cover[ih] += (ce.health_cover_gain.value * eff[h] * (1.0 - hh.cover[ih])).astype(
        np.float32)
    fi = need == NEED["finance"]
    ifi = idx[fi]
    hh.farm_prod[ifi] = np.minimum(
        hh.farm_prod[ifi] * (1.0 + ce.loan_productivity_gain.value * eff[fi]), cap)
    hh.enrolled[ifi[(u2[fi] < eff[fi]) & (hh.labourers[ifi] == 0)]] = True
    return joining


def test_visit_outcomes_equal_the_vectorised_rules(state):
    """A month's visits to every paired household (so that every need occurs), by the kernel
    and by the vectorised statement, on copies of the same state: the same bits."""
    m = copy.deepcopy(state)
    hh, cadres, ce = m.households, m.world.cadres, m.sc.cadre_effects
    draws = Draws.of(Streams(17), 40)
    idx = np.flatnonzero(hh.cadre >= 0)
    load = np.random.default_rng(3).integers(0, 30, cadres.n)
    before = copy.deepcopy((hh, cadres.visits_year))
    joining = np.empty(hh.n, np.int64)
    k = kernels.visit_outcomes(
        kernels.HouseholdArrays.of(hh), idx.astype(np.int32), idx.size, draws,
        cadres.effectiveness, cadres.specialty, load, m.world.match, cadres.visits_year,
        m.world.coop_arrays.active, m.clock.month_index,
        kernels.VisitEffects(*(float(getattr(ce, f).value) for f in kernels.VisitEffects._fields)),
        joining)
    got = {name: getattr(hh, name).copy() for name in ("skill", "farm_prod", "cover",
                                                        "referral", "enrolled")}
    got_visits = cadres.visits_year.copy()
    m.world.households, cadres.visits_year = before
    hh = m.world.households
    u2 = lanes(hh, draws, "visits")[1][idx]
    want_joining = visit_outcomes_numpy(m, hh, idx, u2, load)
    assert np.array_equal(joining[:k], want_joining)
    assert np.array_equal(got_visits, cadres.visits_year)
    for name, arr in got.items():
        assert np.array_equal(arr, getattr(hh, name)), name
    need = hh.binding_need(idx)
    assert len(np.unique(need)) >= 3  # the state exercises most needs


def test_month_counts_equal_the_vectorised_counts(state):
    hh = state.households
    got = kernels.month_counts(kernels.HouseholdArrays.of(hh),
                               np.zeros((kernels.n_chunks(hh.n), 6)))
    want = ((hh.employer != NO_JOB).sum(), hh.migrants.sum(), hh.sick.sum(), hh.member.sum())
    assert tuple(int(x) for x in got[:4]) == tuple(int(x) for x in want)
    assert got.people == int(hh.size.sum()) and got[0] > 0
    # the income: in each chunk household by household, sources in order; then the chunks
    cols, parts = hh.income.T.tolist(), []
    for start in range(0, hh.n, kernels.CHUNK):
        acc = 0.0
        for col in cols[start:start + kernels.CHUNK]:
            for v in col:
                acc += v
        parts.append(acc)
    assert got.income == sum(parts, 0.0)
    assert np.isclose(got.income, hh.income.sum(), rtol=1e-12)


def test_warm_up_compiles_every_kernel_with_the_types_of_a_run():
    """After the warm-up, a run compiles nothing more: every kernel Python calls has its one
    signature (the helpers only other kernels call, ``_*_in``, ``_merge`` ..., are compiled
    into their callers and have none of their own)."""
    import importlib
    import pkgutil

    kernels.warm_up()
    parts = [importlib.import_module(f"{kernels.__name__}.{m.name}")
             for m in pkgutil.iter_modules(kernels.__path__)]
    fns = {name: f for part in parts for name, f in vars(part).items()
           if isinstance(f, numba.core.dispatcher.Dispatcher)
           and f.py_func.__module__ == part.__name__}
    assert len(fns) > 40  # every part's kernels
    before = {name: len(f.signatures) for name, f in fns.items()}
    PovertyModel(load_scenario("scenarios/zhenbao.yaml"), scale=5).run()
    assert {name: len(f.signatures) for name, f in fns.items()} == before
    entry = {name for name, n in before.items() if n >= 1}
    assert {"_household_month_serial", "_household_month_chunks", "_seek_jobs_serial",
            "_seek_jobs_chunks", "_visits_due_chunks", "_month_counts_chunks",
            "_sort_runs_chunks", "_merge_round_chunks", "order_ties"} <= entry


# few distinct values (many ties), signed zeros, NaNs and infinities
_floats = st.sampled_from([0.0, -0.0, 1.0, -1.5, 2.0, np.nan, np.inf, -np.inf, 1e300])


@settings(max_examples=200, deadline=None)
@given(st.one_of(arrays(np.float64, st.integers(0, 300), elements=_floats),
                 arrays(np.float64, st.integers(0, 300),
                        elements=st.floats(allow_nan=True, allow_infinity=True))))
def test_stable_argsort_is_numpys_stable_sort(x):
    assert np.array_equal(stable_argsort(x), np.argsort(x, kind="stable"))
    # by runs merged in rounds (the path of more than one chunk of households), on one thread
    # and in parallel
    from povsim.base.threads import current, set_threads

    before = current()
    try:
        for threads in (1, 2):
            set_threads(threads)
            for width in (1, 3, 64):
                got = kernels.stable_argsort_runs(x, width)
                assert got.dtype == np.int32
                assert np.array_equal(got, np.argsort(x, kind="stable")), (threads, width)
    finally:
        set_threads(before)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 200), elements=st.floats(-1e6, 1e6)),
       st.data())
def test_the_models_sorted_quantiles_equal_numpys_weighted_quantile(x, data):
    from povsim.engine.stats import sorted_weighted_quantiles, weighted_quantiles

    w = data.draw(arrays(np.float64, x.size, elements=st.integers(1, 9).map(float)))
    qs = np.linspace(0.1, 0.9, 9)
    o = np.argsort(x, kind="stable")
    oracle = np.quantile(x, qs, weights=w, method="inverted_cdf")
    assert np.array_equal(sorted_weighted_quantiles(x[o], w[o], qs), oracle)
    assert np.array_equal(weighted_quantiles(x, w, qs), oracle)


def test_stable_argsort_on_a_real_income_vector(state):
    pc = state.households.per_capita_income()
    pc[::7] = pc[3]  # and with many ties
    assert np.array_equal(stable_argsort(pc), np.argsort(pc, kind="stable"))


def test_sum_by_group_equals_bincount(state):
    m = state
    hh = m.households
    want = np.bincount(hh.village, weights=hh.leased, minlength=len(m.villages))
    todo = np.zeros(len(m.villages), bool)
    todo[[0, len(m.villages) - 1, int(np.argmax(want))]] = True
    got = np.zeros(len(m.villages))
    kernels.sum_by_group(hh.leased, hh.village, todo, got)
    assert np.array_equal(got[todo], want[todo])
    assert not got[~todo].any() and want[todo].sum() > 0


@pytest.mark.parametrize("n", [1, 9, 8193, 170_001])
def test_masked_row_sums_equal_numpys_masked_sums(n):
    rng = np.random.default_rng(n)
    table = rng.lognormal(5, 2, (8, n)) * rng.choice([-1.0, 1.0], (8, n))
    for mask in (np.ones(n, bool), rng.random(n) < 0.3):
        mask[0] = True
        got = np.zeros(8)
        kernels.masked_row_sums(table, mask, got)
        assert np.array_equal(got, table[:, mask].sum(axis=1))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_allocator_thresholds_are_set_on_linux():
    from povsim.base import allocator

    assert allocator.keep_freed_arrays() is True
    assert allocator.keep_freed_arrays() is True  # once per process, then remembered


def test_the_first_compile_is_announced_on_stderr_once(monkeypatch, capsys):
    """A cold numba cache (a fresh installation) is announced before the kernels compile, once
    per process; a warm one says nothing."""
    from povsim.engine import kernels

    monkeypatch.setattr(kernels, "_LOADED", [])
    monkeypatch.setattr(kernels, "cache_is_cold", lambda: True)
    kernels.warm_up()
    kernels.warm_up()
    err = capsys.readouterr()
    assert err.err.count("compiling the model's kernels") == 1 and not err.out
    monkeypatch.setattr(kernels, "_LOADED", [])
    monkeypatch.setattr(kernels, "cache_is_cold", lambda: False)
    kernels.warm_up()
    assert capsys.readouterr().err == ""


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3000), st.sampled_from([np.float64, np.float32]), st.integers(0, 2**32 - 1),
       st.floats(-3, 8))
def test_numpy_sum_has_the_bits_of_numpys_sum(n, dtype, seed, scale):
    """``sums.numpy_sum`` is numpy's pairwise summation: the same number as ``a.sum()`` for
    any length (around the block of 128 and its halvings), type and magnitudes."""
    from povsim.base.sums import numpy_sum

    rng = np.random.default_rng(seed)
    a = (rng.standard_normal(n) * 10.0 ** rng.uniform(-3, scale, n)).astype(dtype)
    assert numpy_sum(a) == float(a.sum())


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 700), st.integers(0, 2**32 - 1), st.floats(0.0, 1.0),
       st.sampled_from([1e-3, 1.0, 1e6]))
def test_sparse_numpy_sum_has_the_bits_of_numpys_sum(n, seed, density, scale):
    """``sums.sparse_numpy_sum`` of the non-zero entries (some zero entries listed too) is
    ``a.sum()`` of the whole array, bit for bit and sign, at any length and density."""
    from povsim.base.sums import sparse_numpy_sum

    rng = np.random.default_rng(seed)
    a = np.where(rng.random(n) < density, rng.random(n) * scale, 0.0)
    listed = np.flatnonzero((a != 0) | (rng.random(n) < 0.05))
    s = sparse_numpy_sum(listed, a[listed], n)
    assert s == a.sum() and np.signbit(s) == np.signbit(a.sum())


def _rows_added(table):
    """A table's rows added one after another (its columns summed in row order)."""
    out = np.zeros(table.shape[1])
    for row in table:
        out = out + row
    return out


def _partner_month_dense(links, n_p, n_v, year, growth, hh, mu, farm_income):
    """The partners' month over dense partners x villages tables with numpy's own sums: the
    oracle of ``village_kernels.partner_month`` (each village's demand and premium summed
    partner after partner, its total demand and each partner's payment pairwise)."""
    demand, hp, premium = np.zeros((n_p, n_v)), np.zeros((n_p, n_v)), np.zeros(n_v)
    for j in range(links.e.size):
        if links.start_year[j] <= year and links.purchase_per_village_year[j] > 0:
            f = links.reach[j] * links.fit[j]
            want = links.purchase_per_village_year[j] * growth / 12.0 * (links.share[j] * f)
            prem = links.price_premium[j] * f
            e, v, hs = links.e[j], links.v[j], links.household_purchase_share[j]
            demand[e, v] = want * (1.0 - hs)
            hp[e, v] = want * hs * prem / (1.0 + prem)
            premium[v] = max(premium[v], prem)
    bv, bp = np.nonzero(demand.T > 0)
    total = np.array([demand[:, v].copy().sum() for v in range(n_v)])
    amount = np.zeros(n_p)
    if (hp != 0).any():
        farmed = hh.farmed(mu).astype(np.float64)
        land_v = np.bincount(hh.village, weights=farmed, minlength=n_v)
        per_mu = np.divide(_rows_added(hp), land_v, out=np.zeros(n_v), where=land_v > 0)
        farm_income += per_mu[hh.village] * farmed
        amount = np.array([(hp[e] * np.where(land_v > 0, 1.0, 0.0)).sum() for e in range(n_p)])
    return _rows_added(demand), premium, bv, bp, demand.T[demand.T > 0], total, amount


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 200), st.integers(1, 40), st.integers(0, 300), st.integers(0, 2**32 - 1))
def test_partner_month_over_the_pairs_is_the_dense_tables_month(n_p, n_v, n_links, seed):
    """``partner_month`` over the pairs alone gives what dense partners x villages tables and
    numpy's sums give, bit for bit: demand, premiums, buyers, totals, the households'
    premiums and each partner's payment (pairs repeated, partners beyond one block of 128)."""
    from povsim.agents.enterprise import PartnerLinks
    from povsim.agents.households import Households
    from povsim.engine.village_kernels import partner_month

    rng = np.random.default_rng(seed)
    k = n_links
    links = PartnerLinks(rng.integers(0, n_p, k), rng.integers(0, n_v, k), rng.random(k),
                         rng.choice([1.0, 0.5], k), rng.random(k),
                         rng.random(k) * 1e5 * (rng.random(k) < 0.9), rng.random(k) * 0.5,
                         rng.random(k) * 0.2, rng.integers(2014, 2017, k))
    hh = Households.empty(300)
    hh.village[:] = rng.integers(0, n_v, 300)
    hh.land[:] = rng.random(300) * 10 * (rng.random(300) < 0.9)
    hh.labourers[:] = rng.integers(0, 3, 300)
    inc_sparse = rng.random(300)
    inc_dense = inc_sparse.copy()
    got = partner_month(links, partners=n_p, villages=n_v, year=2016, growth=1.1, households=hh,
                        mu_per_labourer=5.0, farm_income=inc_sparse)
    want = _partner_month_dense(links, n_p, n_v, 2016, 1.1, hh, 5.0, inc_dense)
    for x, y in zip(got, want, strict=True):
        assert np.array_equal(np.asarray(x), np.asarray(y))
    assert np.array_equal(inc_sparse, inc_dense)
