"""People lifted out are counted on income; exits of the register are a separate output (ODD
§7.13): the fall in people below the line since the baseline year, beside the register's net
exits and the part of them made by the registration error."""

from __future__ import annotations

import numpy as np
import pytest

from povsim.engine.model import PovertyModel
from povsim.schema.config import load_scenario


def _run(sc, scale=20, seed=3):
    m = PovertyModel(sc, seed=seed, scale=scale)
    m.run()
    return m


@pytest.fixture(scope="module")
def xixiu():
    return _run(load_scenario("xixiu"))


def test_lifted_out_is_the_fall_in_income_poor_people_since_the_baseline(xixiu):
    a = xixiu.annual.set_index("year")
    people = float(xixiu.households.size.sum()) * xixiu.world.k
    below = a["income_poor_share"] * people  # everyone below the line, real people
    base = below.iloc[0]
    assert a["lifted_out_people"].iloc[0] == 0.0
    np.testing.assert_allclose(a["lifted_out_people"], base - below, rtol=1e-9, atol=1e-6)
    # the cost per person lifted out divides by it, where anyone is lifted out (else undefined:
    # at the values of 2026-12-05 Xixiu's income poverty rises, issue 27's note)
    for _, r in a.iloc[1:].iterrows():
        if r["lifted_out_people"] > 0:
            assert r["cost_per_person_lifted"] == pytest.approx(
                r["public_cost_cumulative"] / r["lifted_out_people"])
        else:
            assert np.isnan(r["cost_per_person_lifted"])


def test_the_cost_per_person_lifted_out_where_some_are():
    a = _run(load_scenario("zhenbao"), scale=1, seed=1).annual  # 420 households, in full
    lifted = a[a["lifted_out_people"] > 0]
    assert len(lifted) > 0
    np.testing.assert_allclose(lifted["cost_per_person_lifted"],
                               lifted["public_cost_cumulative"] / lifted["lifted_out_people"])


def test_registration_error_exits_are_part_of_the_register_exits(xixiu):
    a = xixiu.annual
    err = a["net_exits_people_registration_error_cumulative"]
    assert (a["exits_people_registration_error"] <= a["exits_people"] + 1e-9).all()
    assert (err <= a["net_exits_people_cumulative"] + 1e-9).all()
    assert err.iloc[-1] > 0  # Xixiu registers with an error: some registered were not poor


def test_without_registration_error_no_exit_is_an_artefact_and_lifting_is_unchanged():
    """Direction: the registration error adds register exits and barely moves anyone's income
    (programme off: the register then steers only who may claim transfers)."""
    sc = load_scenario("xixiu").with_overrides(programme=False)
    with_err = _run(sc).annual.iloc[-1]
    without = _run(sc.with_params({"population.registration_error_sigma": 0.0})).annual
    assert (without["net_exits_people_registration_error_cumulative"] == 0).all()
    without = without.iloc[-1]
    added = with_err["net_exits_people_cumulative"] - without["net_exits_people_cumulative"]
    assert added > 0
    assert abs(with_err["lifted_out_people"] - without["lifted_out_people"]) < 0.1 * added
