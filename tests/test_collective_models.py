"""How collectives earn (issue 14): Yushu's five collective-economy models and Jiangkou's
industrial-zone stakes, each through its own causal path (ODD §7.7, §7.10)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from povsim.engine.model import PovertyModel
from povsim.schema.config import load_scenario

YUSHU = load_scenario("yushu")
SCALE = 20


def model_index(name: str) -> int:
    return next(i for i, cm in enumerate(YUSHU.cooperatives.models) if cm.name == name)


def revenue_by_model(sc, seed: int = 1) -> dict[str, float]:
    """Each model's operating revenue over the run (yuan)."""
    m = PovertyModel(sc, seed=seed, scale=SCALE)
    m.run()
    t = m.table("collectives")
    return t.groupby("model")["operating_revenue"].sum().to_dict()


def test_a_model_that_sells_all_it_produces_ignores_the_market_access_of_others():
    """塘达 sells everything (its own market access 1): the collectives' market access moves
    the standard collectives' revenue, not its own."""
    low = YUSHU.with_params({"cooperatives.market_access": 0.3})
    base, less = revenue_by_model(YUSHU), revenue_by_model(low)
    assert less["standard"] < base["standard"]
    assert less["agri_pastoral"] == base["agri_pastoral"]
    assert less["pastoral_cooperative"] < base["pastoral_cooperative"]  # it sells on the market


def test_services_collectives_earn_by_their_service_yield_not_by_market_access():
    i = model_index("resort")
    none = YUSHU.with_params({f"cooperatives.models.{i}.service_yield": 0.0})
    more = YUSHU.with_params({f"cooperatives.models.{i}.service_yield": 0.16})
    r0, r1, r2 = (revenue_by_model(sc)["resort"] for sc in (none, YUSHU, more))
    assert r0 < r1 < r2
    # its services do not depend on the market access of produce
    ma = YUSHU.with_params({"cooperatives.market_access": 0.3,
                            f"cooperatives.models.{i}.market_access": None})
    assert revenue_by_model(ma)["resort"] == pytest.approx(r1, rel=0.05)


def test_the_urban_market_is_paid_dividends_on_its_enterprise_shares_every_year():
    cm = YUSHU.cooperatives.models[model_index("urban_market")]
    m = PovertyModel(YUSHU, seed=1, scale=SCALE)
    m.run()
    years = YUSHU.end_year - YUSHU.start_year + 2
    paid = m.ledger.flows["enterprise->cooperative:stake_dividends"] * m.k
    assert paid == pytest.approx(cm.stake.value * cm.stake_dividend_rate.value * years)


@settings(max_examples=4, deadline=None)
@given(rate=st.sampled_from([0.04, 0.16, 0.3]))
def test_zone_stake_dividends_reach_every_linked_village_and_rise_with_the_rate(rate):
    """Jiangkou: with the share dividend on its stake, every linked village's collective has
    operating revenue (none is hollow for want of it); none of it, none paid; more of it,
    never less revenue for any village."""
    sc = load_scenario("jiangkou")
    runs = {}
    for r in (0.0, rate, 2 * rate):
        m = PovertyModel(sc.with_params({"partners.0.collective_dividend_rate": r}), seed=2,
                         scale=40)
        m.run()
        runs[r] = m
    assert "industrial_zone->cooperative:stake_dividends" not in runs[0.0].ledger.flows
    lo, hi = runs[rate], runs[2 * rate]
    assert lo.annual["collective_operating_min_village"].iloc[-1] > 0
    rev_lo = [c.revenue for c in lo.coops]
    rev_hi = [c.revenue for c in hi.coops]
    assert all(b >= a for a, b in zip(rev_lo, rev_hi, strict=True))
    assert hi.annual["collective_operating_revenue"].iloc[-1] > lo.annual[
        "collective_operating_revenue"].iloc[-1]


# ----------------------------------------------------------------------------- resident teams


def test_resident_teams_live_in_the_poor_villages_and_visit_every_month():
    """Xixiu's commandos and task teams (吃住在村): homes among the listed poor villages; a
    paired poor household of theirs is visited with their own probability (1)."""
    sc = load_scenario("xixiu")
    m = PovertyModel(sc, seed=1, scale=20)
    for _ in range(13):
        m.step()
    c = m.world.cadres
    poor = {v.index for v in m.villages if v.poor}
    assert c.resident.any()
    assert set(c.village[c.resident].tolist()) <= poor
    assert (c.visit_prob[c.resident] == 1.0).all() and (c.visit_prob[~c.resident] == -1).all()


@settings(max_examples=4, deadline=None)
@given(gain=st.floats(0.001, 0.2), more=st.floats(0.0, 0.2))
def test_lectures_raise_skill_only_where_residents_live_and_more_never_less(gain, more):
    """None of it, no change; more lecturing, never less skill for any household."""
    from povsim.engine.submodels.cadre_visits import lectures

    skills = {}
    for g in (0.0, gain, gain + more):
        m = PovertyModel(load_scenario("xixiu"), seed=2, scale=50)
        for _ in range(12):
            m.step()
        c = m.world.cadres
        c.lecture_gain[c.resident] = g
        before = m.households.skill.copy()
        by_village = lectures(m.world)
        skills[g] = m.households.skill.copy()
        lived = set(c.village[c.resident].tolist())
        if m.world.lecturer_homes is not None:  # at 1:50 each real lecturer has a home
            owner, where = m.world.lecturer_homes
            lived = (set(c.village[c.resident & ~np.isin(np.arange(c.n), owner)].tolist())
                     | set(where.tolist()))
        touched = {int(v) for v in m.households.village[skills[g] != before]}
        assert touched <= lived
        if g == 0.0:
            assert (skills[g] == before).all() and (by_village == 0).all()
    assert (skills[gain + more] >= skills[gain]).all()
    assert (skills[gain] >= skills[0.0]).all()
