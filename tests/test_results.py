"""Tests of the results object: bands, summary, files round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from povsim.config import load_scenario
from povsim.results import Results
from povsim.runner import run_scenario


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
    from povsim.model import ANNUAL_OUTPUTS
    from povsim.runner import run_replicate

    annual = run_replicate(load_scenario("scenarios/zhenbao.yaml"), 1, 0, scale=20)["annual"]
    assert list(annual.columns) == ["replicate", "year", "stage", *ANNUAL_OUTPUTS]


def test_every_annual_output_has_a_label_and_unit():
    from povsim.model import ANNUAL_OUTPUTS
    from povsim.outcomes import OUTCOMES

    assert set(OUTCOMES) == set(ANNUAL_OUTPUTS)
    assert all(o.label and o.unit and o.scale > 0 for o in OUTCOMES.values())
    # shares are stored as fractions and shown in percent
    assert {c for c, o in OUTCOMES.items() if o.unit == "%"} == {
        "incidence", "income_poor_share", "registered_income_poor_share", "hollow_village_share"}


def test_run_plots_carry_the_reported_figures_in_stored_units(res):
    from povsim.calibration.registry import load_registry
    from povsim.calibration.targets import figures_on

    reg = load_registry()
    figs = {f["id"]: f for f in figures_on("incidence", "xixiu")}
    end = figs["xixiu.poverty_incidence_end"]
    assert end["year"] == 2017 and end["comparison"] == "equal"
    # the registry's percent becomes the annual table's fraction, tolerance included
    assert end["value"] == pytest.approx(reg.value(end["id"]) / 100)
    assert end["tolerance"] == pytest.approx(reg[end["id"]].target.tolerance / 100)
    assert figures_on("incidence", "zhenbao") == []  # zhenbao reports no incidence


def test_manifest_says_whether_parameters_are_calibrated(res, tmp_path):
    from povsim.config import source_counts
    from povsim.plots import band_note

    res.write(tmp_path, plots=False)
    import json

    run = json.loads((tmp_path / "manifest.json").read_text())["run"]
    assert run["parameters"] == source_counts(res.scenario)
    assert run["parameters"]["calibrated"] > 0
    note = band_note(res)
    assert "seed noise only" in note and f"{run['parameters']['calibrated']} calibrated" in note
