"""Tests of the results object: bands, summary, files round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from povsim.experiments.runner import run_scenario
from povsim.reporting.results import Results
from povsim.schema.config import load_scenario


@pytest.fixture(scope="module")
def res():
    return run_scenario(load_scenario("scenarios/xixiu.yaml"), seed=5, replicates=3, scale=500,
                        progress=False)


def test_band_orders_quantiles(res):
    b = res.band("annual", "incidence")
    assert (b["p10"] <= b["median"]).all() and (b["median"] <= b["p90"]).all()
    by_hand = res.annual.groupby("year")["incidence"].median().to_numpy()
    np.testing.assert_allclose(b["median"].to_numpy(), by_hand)


def test_summary_start_is_baseline_year(res):
    s = res.summary().set_index("outcome")
    inc = s.loc["poverty incidence, register-based (%)"]
    base = res.annual[res.annual["stage"] == "baseline"]["incidence"].median() * 100
    assert inc["start_year"] == 2013 and inc["start_median"] == pytest.approx(base)
    assert "registered poor people" in res.format_summary()


def test_tables_are_tidy(res):
    assert res.annual.groupby(["replicate", "year"]).size().max() == 1
    d = res.deciles
    for _, g in d.groupby(["replicate", "year", "group"]):
        assert g["income"].is_monotonic_increasing
    src = res.sources
    assert set(src["source"]) >= {"farming", "local_wages", "dividends", "transfers", "shocks"}
    assert (src[src["source"] == "shocks"]["income_per_capita"] <= 0).all()


def test_write_and_read_round_trip(res, tmp_path):
    res.write(tmp_path, plots=False)
    back = Results.read(tmp_path)
    for name, df in res.tables.items():
        pd.testing.assert_frame_equal(back.tables[name], df)
    assert back.run_info["seed"] == 5


def test_annual_outputs_list_every_numeric_column_of_the_annual_table():
    from povsim.engine.model import ANNUAL_OUTPUTS
    from povsim.engine.replicate import run_replicate

    annual = run_replicate(load_scenario("scenarios/zhenbao.yaml"), 1, 0, scale=20)["annual"]
    assert list(annual.columns) == ["replicate", "year", "stage", *ANNUAL_OUTPUTS]


def test_every_annual_output_has_a_label_and_unit():
    from povsim.engine.model import ANNUAL_OUTPUTS
    from povsim.reporting.outcomes import OUTCOMES

    assert set(OUTCOMES) == set(ANNUAL_OUTPUTS)
    assert all(o.label and o.unit and o.scale > 0 for o in OUTCOMES.values())
    # shares are stored as fractions and shown in percent
    assert {c for c, o in OUTCOMES.items() if o.unit == "%"} == {
        "incidence", "income_poor_share", "registered_income_poor_share", "hollow_village_share"}


def test_run_plots_carry_the_reported_figures_in_stored_units(res):
    from povsim.calibration.metrics import figures_on
    from povsim.calibration.registry import load_registry

    reg = load_registry()
    figs = {f["id"]: f for f in figures_on("incidence", "xixiu")}
    end = figs["xixiu.poverty_incidence_end"]
    assert end["year"] == 2017 and end["comparison"] == "equal"
    # the registry's percent becomes the annual table's fraction, tolerance included
    assert end["value"] == pytest.approx(reg.value(end["id"]) / 100)
    assert end["tolerance"] == pytest.approx(reg[end["id"]].target.tolerance / 100)
    assert figures_on("incidence", "zhenbao") == []  # zhenbao reports no incidence


def test_manifest_says_whether_parameters_are_calibrated(res, tmp_path):
    from povsim.reporting.plots import band_note
    from povsim.schema.config import source_counts

    res.write(tmp_path, plots=False)
    import json

    run = json.loads((tmp_path / "manifest.json").read_text())["run"]
    assert run["parameters"] == source_counts(res.scenario)
    assert run["parameters"]["calibrated"] > 0
    note = band_note(res)
    assert "seed noise only" in note and f"{run['parameters']['calibrated']} calibrated" in note


@pytest.fixture(scope="module")
def paired():
    return run_scenario(load_scenario("scenarios/xixiu.yaml"), seed=5, replicates=3, scale=500,
                        progress=False, counterfactual=True)


def test_the_counterfactual_is_the_same_runs_with_the_programme_off(paired, res):
    """The runs with the programme are those of a run without a counterfactual; the runs
    without it are the no-programme scenario's, on the same seeds (common random numbers)."""
    from povsim.reporting.results import NO_PROGRAMME

    pd.testing.assert_frame_equal(paired.annual, res.annual)
    sc = load_scenario("scenarios/xixiu.yaml").with_params({"programme": False})
    alone = run_scenario(sc, seed=5, replicates=3, scale=500, progress=False)
    pd.testing.assert_frame_equal(paired.tables[NO_PROGRAMME], alone.annual)
    # the baseline year is before the programme: the same with and without it
    base = paired.annual["stage"] == "baseline"
    np.testing.assert_array_equal(paired.annual.loc[base, "incidence"],
                                  paired.tables[NO_PROGRAMME].loc[base, "incidence"])
    # a scenario whose programme is off has no counterfactual of its own
    assert NO_PROGRAMME not in run_scenario(sc, replicates=1, scale=2000, progress=False,
                                            counterfactual=True).tables


def test_the_summary_shows_the_programme_s_effect_replicate_by_replicate(paired):
    from povsim.engine.stats import paired_interval
    from povsim.reporting.results import NO_PROGRAMME, PROGRAMME_COST_ROW

    s = paired.summary().set_index("outcome")
    off = paired.tables[NO_PROGRAMME]

    def end(t, col):
        return t[t["year"] == 2017].set_index("replicate")[col].sort_index()

    inc = s.loc["poverty incidence, register-based (%)"]
    d = (end(paired.annual, "incidence") - end(off, "incidence")) * 100
    assert (inc["effect_mean"], inc["effect_lo"], inc["effect_hi"]) == pytest.approx(
        paired_interval(d.to_numpy()))
    assert inc["without_median"] == pytest.approx(end(off, "incidence").median() * 100)
    # direction: the programme's collectives earn more than the villages' own
    rev = s.loc["collective operating revenue, all villages (million yuan)"]
    assert rev["effect_lo"] > 0
    # the cost per person counts only the people the programme adds to those lifted out
    added = end(paired.annual, "lifted_out_people") - end(off, "lifted_out_people")
    cost = end(paired.annual, "public_cost_cumulative") - end(off, "public_cost_cumulative")
    per = (cost / added).where(added > 0)
    row = s.loc[PROGRAMME_COST_ROW]
    assert (row["end_median"] == pytest.approx(per.median()) if per.notna().any()
            else np.isnan(row["end_median"]))
    assert "public cost per person lifted out (yuan)" not in s.index
    text = paired.format_summary()
    assert "without the programme" in text and "programme's effect" in text


def test_without_a_counterfactual_the_summary_has_no_effect_columns(res):
    s = res.summary()
    assert "effect_mean" not in s and "without the programme" not in res.format_summary()
