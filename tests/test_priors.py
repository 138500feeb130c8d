"""Priors of the ``to calibrate`` parameters (issue 15): every one has a prior that contains the
scenario's starting value, and every prior is used."""

from __future__ import annotations

import fnmatch

import pytest
import yaml

from povsim.base.inputs import ScenarioError
from povsim.calibration.priors import (
    calibrated_paths,
    load_priors,
    path_pattern,
    scenario_priors,
)
from povsim.scenarios import CASES
from povsim.schema.config import load_scenario


@pytest.mark.parametrize("case", CASES)
def test_every_parameter_to_calibrate_has_a_prior_around_its_start(case):
    sc = load_scenario(case)
    priors = scenario_priors(sc)
    assert set(priors) == set(calibrated_paths(sc)) and priors
    for p in priors.values():
        assert p.low <= p.start <= p.high
        assert p.scope in ("shared", "case") and p.why
        assert float(p.ppf(0.0)) == pytest.approx(p.low) and float(p.ppf(1.0)) == \
            pytest.approx(p.high)


def test_every_prior_matches_a_parameter_of_some_case():
    used = {p for case in CASES for p in calibrated_paths(load_scenario(case))}
    for e in load_priors():
        assert any(fnmatch.fnmatchcase(p, path_pattern(e.path)) for p in used), e.path


#: behaviour a place's administration sets, fitted per case (calibration/priors.yaml says why)
PER_CASE_BEHAVIOUR = {"behaviour.transfer_claim_prob_month"}


def test_behaviour_is_shared_and_circumstances_are_per_case():
    scopes = {e.path: e.scope for e in load_priors()}
    assert all(scopes[p] == ("case" if p in PER_CASE_BEHAVIOUR else "shared")
               for p in scopes if p.startswith("behaviour."))
    assert scopes["population.farm_productivity_sigma"] == "case"
    assert scopes["cooperatives.initial_capital_mean"] == "case"


def test_a_parameter_without_a_prior_is_one_line(tmp_path):
    entries = [e.model_dump() for e in load_priors() if e.path != "behaviour.join_prob_month"]
    path = tmp_path / "priors.yaml"
    path.write_text(yaml.safe_dump({"priors": entries}), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"'behaviour.join_prob_month' is 'to calibrate' but"):
        scenario_priors(load_scenario("xixiu"), path)


def test_a_bad_prior_is_one_line(tmp_path):
    path = tmp_path / "priors.yaml"
    path.write_text(yaml.safe_dump({"priors": [{"path": "x", "scope": "case",
                                                "dist": "loguniform", "low": 0, "high": 1,
                                                "why": "w"}]}), encoding="utf-8")
    with pytest.raises(ScenarioError, match="loguniform prior needs low > 0"):
        load_priors(str(path))
