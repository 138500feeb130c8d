"""The prior predictive check of every case (issue 25): every calibration and validation figure
and every anchor gets a band from runs drawn from the priors; the anchors are public statistics
with their sources."""

from __future__ import annotations

import numpy as np
import pytest

from povsim.base.inputs import ScenarioError
from povsim.calibration.anchors import load_anchors
from povsim.calibration.prior_check import format_check, main, prior_check
from povsim.calibration.registry import load_registry
from povsim.scenarios import CASES

#: coarse scales: the test checks the machinery and the table, not the bands' values
SCALE = {"yushu": 50, "xixiu": 500, "jiangkou": 200, "sanba": 20, "zhenbao": 2}


@pytest.mark.parametrize("case", CASES)
def test_every_figure_and_anchor_of_the_case_gets_a_prior_band(case):
    t = prior_check(case, draws=3, scale=SCALE[case])
    reg = load_registry().for_case(case, roles=("calibration", "validation"))
    assert set(t["id"]) == {f.id for f in reg} | {a.id for a in load_anchors(case)}
    assert (t["case"] == case).all()
    ok = t.dropna(subset=["predicted_median"])
    assert (ok["predicted_p05"] <= ok["predicted_median"]).all()
    assert (ok["predicted_median"] <= ok["predicted_p95"]).all()
    assert "calibration figures inside the prior's 90% band" in format_check(t)


def test_anchors_are_cited_statistics_of_the_cases():
    anchors = load_anchors()
    assert {a.case for a in anchors} <= set(CASES)
    levels = {a.case for a in anchors if a.metric == "income_mean"}
    assert levels == {"yushu", "xixiu", "jiangkou", "sanba"}  # Zhenbao: a village above its county
    for a in anchors:
        assert a.source.startswith(("cited:", "derived:")) and a.tolerance > 0 and a.area
        assert np.isfinite(a.value)


def test_an_anchor_without_a_cited_source_is_one_line(tmp_path):
    bad = tmp_path / "anchors.yaml"
    bad.write_text("anchors:\n  - {id: xixiu.x, case: xixiu, metric: income_mean, year: 2014,"
                   " value: 1, unit: yuan, tolerance: 1, area: here, source: assumed}\n",
                   encoding="utf-8")
    with pytest.raises(ScenarioError, match="must begin with 'cited:' or 'derived:'"):
        load_anchors(path=bad)


def test_an_unknown_case_is_refused(capsys):
    assert main(["nowhere"]) == 2
    assert "unknown case nowhere" in capsys.readouterr().err


def test_the_anchors_are_calibration_figures_of_their_cases():
    """Issue 27: every public statistic is fitted with the reported figures; a larger area's
    mean that the place lies below is a bound, not a level."""
    from povsim.calibration.fit import Problem
    from povsim.schema.config import load_scenario

    for case in CASES:
        pb = Problem.of(load_scenario(case))
        ids = {f.id for f in pb.figures}
        assert {a.id for a in load_anchors(case)} <= ids
        assert not {a.id for a in load_anchors(case)} & {
            f.id for f in Problem.of(load_scenario(case), anchors=False).figures}
    by_id = {a.id: a.figure() for a in load_anchors()}
    assert by_id["xixiu.income_level_2014"].target.comparison == "at_least"
    assert by_id["sanba.income_level_2016"].target.comparison == "at_most"
    assert by_id["xixiu.income_spread_2013"].target.comparison == "equal"
    assert all(f.role == "calibration" and f.target.tolerance > 0 for f in by_id.values())


def test_an_anchor_in_a_unit_the_registry_lacks_is_one_line(tmp_path):
    bad = tmp_path / "anchors.yaml"
    bad.write_text("anchors:\n  - {id: xixiu.x, case: xixiu, metric: income_mean, year: 2014,"
                   " value: 1, unit: furlongs, tolerance: 1, area: here, source: 'cited: x'}\n",
                   encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"field 'anchors\.0\.unit'"):
        load_anchors(path=bad)
