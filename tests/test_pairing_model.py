"""The pairing levers inside the model: capacities, tenure, proximity, familiarity, and how
partner pairings turn into shares, reach and industry fit."""

from __future__ import annotations

import numpy as np
import pytest

from povsim.engine.model import PovertyModel
from povsim.schema.config import load_scenario
from povsim.strategies import CADRE_PAIRING, VILLAGE_PAIRING
from tests.conftest import ROOT

SCALE = 200


def _identified(sc, seed=1, scale=SCALE):
    m = PovertyModel(sc, seed=seed, scale=scale)
    for _ in range(12):  # the baseline year ends with identification and pairing
        m.step()
    return m


@pytest.mark.parametrize("pairing", sorted(CADRE_PAIRING))
def test_one_to_one_gives_each_cadre_at_most_one_household(xixiu, pairing):
    sc = xixiu.with_overrides(cadre_pairing=pairing, cadre_capacity="one_to_one")
    m = _identified(sc)
    hh = m.households
    load = np.bincount(hh.cadre[hh.cadre >= 0], minlength=len(m.cadres))
    assert load.max() <= 1
    n_cadres = int(m.world.cadres.pairs_households.sum())
    assert (hh.cadre >= 0).sum() == min(int(hh.registered.sum()), n_cadres)


@pytest.mark.parametrize("pairing", sorted(CADRE_PAIRING))
def test_pairings_respect_capacity_in_the_model(xixiu, pairing):
    m = _identified(xixiu.with_overrides(cadre_pairing=pairing))
    hh = m.households
    load = np.bincount(hh.cadre[hh.cadre >= 0], minlength=len(m.cadres))
    assert (load <= m.world.cadres.capacity).all()
    # only household-role cadres are paired
    assert (load[~m.world.cadres.pairs_households] == 0).all()
    assert not (hh.cadre[~hh.registered] >= 0).any()  # only registered households
    # every new pairing starts in January of the first programme year
    assert set(hh.paired_since[hh.cadre >= 0].tolist()) == {12 * m.sc.start_year}


def test_fixed_tenure_keeps_pairs_and_rotating_repairs_the_poor(xixiu):
    fixed = _identified(xixiu.with_overrides(cadre_pairing="random"))
    rot = _identified(xixiu.with_overrides(cadre_pairing="random", cadre_tenure="rotating"))
    before_f, before_r = fixed.households.cadre.copy(), rot.households.cadre.copy()
    np.testing.assert_array_equal(before_f, before_r)
    for _ in range(13):  # the first programme year, then January of the second
        fixed.step()
        rot.step()
    np.testing.assert_array_equal(fixed.households.cadre, before_f)
    hh = rot.households
    assert not (hh.cadre[~hh.poor] >= 0).any()  # households out of poverty are released
    # every poor household is re-paired, capacity permitting
    cap = int(rot.world.cadres.capacity[rot.world.cadres.pairs_households].sum())
    assert (hh.cadre[hh.poor] >= 0).sum() == min(int(hh.poor.sum()), cap)
    moved = hh.poor & (hh.cadre != before_r) & (hh.cadre >= 0)
    assert moved.any()
    assert (hh.paired_since[moved] == 12 * (xixiu.start_year + 1)).all()
    assert (hh.paired_since[hh.cadre < 0] == -1).all()  # unpaired: no pairing date
    kept = hh.poor & (hh.cadre == before_r) & (hh.cadre >= 0)
    assert (hh.paired_since[kept] == 12 * xixiu.start_year).all()


def test_cadres_living_elsewhere_never_visit_when_the_factor_is_zero(xixiu, variant):
    sc = variant(xixiu, **{"cadre_effects.other_village_visit_factor.value": 0.0,
                           "policy.cadre_pairing": "random"})
    for seed in range(1, 6):  # a seed whose pairing has poor households at their cadre's home
        m = _identified(sc, seed=seed)
        hh = m.households
        paired = hh.cadre >= 0
        home = hh.near[paired]  # the pair's cadre (or, at a reduced scale, slot) lives here
        if (home & hh.poor[paired]).any():
            break
    only_away = np.setdiff1d(hh.cadre[paired][~home], hh.cadre[paired][home])
    assert only_away.size > 0 and (home & hh.poor[paired]).any()
    for _ in range(6):
        m.step()
    assert (m.world.cadres.visits_year[only_away] == 0).all()
    assert m.world.cadres.visits_year.sum() > 0


def test_familiarity_slows_the_first_visits(xixiu, variant):
    """With the same draws, a long familiarity ramp gives smaller gains in the first months."""
    slow = variant(xixiu, **{"cadre_effects.familiarity_months.value": 120.0})
    fast = variant(xixiu, **{"cadre_effects.familiarity_months.value": 0.0})
    a, b = _identified(slow), _identified(fast)
    for _ in range(3):
        a.step()
        b.step()
    assert a.households.skill.sum() < b.households.skill.sum()
    assert a.households.farm_prod.sum() < b.households.farm_prod.sum()


@pytest.mark.parametrize("case", ["xixiu", "yushu", "sanba"])
@pytest.mark.parametrize("pairing", sorted(VILLAGE_PAIRING))
def test_partner_shares_reach_and_fit(case, pairing):
    sc = load_scenario(ROOT / "scenarios" / f"{case}.yaml").with_overrides(
        village_pairing=pairing)
    m = _identified(sc, scale=500)
    pe = sc.partner_effects
    per_group_village: dict[tuple[int, int], float] = {}
    for e in m.enterprises:
        assert e.villages, "every partner is paired with at least one village"
        assert set(e.share) == set(e.reach) == set(e.fit) == set(e.villages)
        for v in e.villages:
            per_group_village[e.group, v] = per_group_village.get((e.group, v), 0.0) + e.share[v]
            d = np.hypot(e.xy[0] - m.world.village_xy()[v, 0], e.xy[1] - m.world.village_xy()[v, 1])
            assert e.reach[v] == pytest.approx(np.exp(-d / pe.reach_km.value))
            same = e.industry < 0 or e.industry == m.villages[v].industry
            assert e.fit[v] == (1.0 if same else pe.industry_mismatch_factor.value)
    np.testing.assert_allclose(list(per_group_village.values()), 1.0)
    for gi, g in enumerate(sc.partners):
        villages = {v for (grp, v) in per_group_village if grp == gi}
        assert len(villages) == min(g.paired_villages.value, len(m.villages))


def test_group_aid_is_per_village_however_many_partners_share_it():
    """Yushu: 110 units on 62 villages; the yearly aid is 62 x aid_per_village_year."""
    sc = load_scenario(ROOT / "scenarios" / "yushu.yaml")
    m = PovertyModel(sc, seed=1, scale=500)
    m.run()
    g = sc.partners[0]
    years = sc.end_year - max(g.start_year.value, sc.start_year) + 1
    aid = sum(v for k, v in m.ledger.flows.items() if k == "government->cooperative:partner_aid"
              or k.endswith(":aid")) * m.k
    expected = g.aid_per_village_year.value * g.paired_villages.value * years
    assert aid == pytest.approx(expected, rel=1e-9)
