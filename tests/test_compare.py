"""Tests of the comparison of policy variants (povsim.experiments.comparison, povsim compare)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from povsim.cli import main
from povsim.experiments.comparison import (
    HEADLINE,
    compare,
    household_metrics,
    income_deciles,
    paired_interval,
    parse_vary,
    variants_from_files,
    variants_from_levers,
)
from povsim.schema.config import ScenarioError, load_scenario

SMALL = {"replicates": 3, "scale": 100, "progress": False}


@pytest.fixture(scope="module")
def sanba():
    return load_scenario("scenarios/sanba.yaml")


@pytest.fixture(scope="module")
def sanba_cmp(sanba):
    """Sanba: the baseline (same_village) against random and optimal pairing."""
    vs = variants_from_levers(sanba, {"cadre_pairing": ["random", "optimal"]})
    return compare(sanba, vs, **SMALL)


# ----------------------------------------------------------------------------- intervals


@pytest.mark.filterwarnings("ignore:Precision loss occurred")  # scipy, on near-equal values
@settings(max_examples=60, deadline=None)
@given(d=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=30),
       level=st.sampled_from([0.8, 0.9, 0.95]))
def test_paired_interval_matches_scipy_paired_t(d, level):
    d = np.array(d)
    m, lo, hi = paired_interval(d, level)
    assert m == pytest.approx(d.mean(), abs=1e-6)
    if d.std() == 0:
        assert lo == hi == m
        return
    ci = stats.ttest_1samp(d, 0.0).confidence_interval(level)
    assert lo == pytest.approx(ci.low, rel=1e-9, abs=1e-6)
    assert hi == pytest.approx(ci.high, rel=1e-9, abs=1e-6)


def test_paired_interval_by_hand():
    # differences 1, 2, 3: mean 2, sd 1, t(0.95, 2) = 2.919986 -> 2 +/- 2.919986 / sqrt(3)
    m, lo, hi = paired_interval(np.array([1.0, 2.0, 3.0]), 0.9)
    assert (m, round(lo, 5), round(hi, 5)) == (2.0, round(2 - 2.919986 / 3**0.5, 5),
                                               round(2 + 2.919986 / 3**0.5, 5))
    assert np.isnan(paired_interval(np.array([4.0]))[1])


# ----------------------------------------------------------------------------- household level


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 10_000))
def test_income_deciles_split_people_evenly_and_in_income_order(n, seed):
    rng = np.random.default_rng(seed)
    inc = rng.lognormal(8, 1, n)
    people = rng.integers(1, 8, n)
    dec = income_deciles(inc, people)
    assert dec.min() >= 0 and dec.max() <= 9
    order = np.argsort(inc, kind="stable")
    assert np.all(np.diff(dec[order]) >= 0)  # deciles follow income
    if n >= 200:  # every decile holds about a tenth of the people
        share = np.bincount(dec, weights=people, minlength=10) / people.sum()
        assert np.all(np.abs(share - 0.1) < 0.05)


def test_household_metrics_counts_better_and_worse_off_beyond_the_tolerance():
    base = pd.DataFrame({"village": [0, 0, 1, 1], "size": [1, 2, 3, 4],
                         "pc_income_baseline": [1.0, 2.0, 3.0, 4.0],
                         "pc_income": [100.0, 100.0, 100.0, 100.0]})
    var = base.assign(pc_income=[105.0, 100.5, 90.0, 100.0])
    shares, dec = household_metrics(base, var, tolerance=1.0)
    assert shares == {"better_off": 25.0, "worse_off": 25.0}
    assert dec["diff"].notna().sum() > 0
    # person-weighted: the decile means weight each household by its size
    total = (dec["diff"] * np.bincount(income_deciles(base["pc_income_baseline"].to_numpy(),
                                                      base["size"].to_numpy()),
                                       weights=base["size"], minlength=10)).sum()
    assert total == pytest.approx((var["pc_income"] - base["pc_income"]) @ base["size"])


def test_household_metrics_refuses_other_households():
    base = pd.DataFrame({"village": [0, 1], "size": [1, 2], "pc_income_baseline": [1.0, 2.0],
                         "pc_income": [1.0, 1.0]})
    assert household_metrics(base, base.iloc[:1]) is None
    assert household_metrics(base, base.assign(size=[2, 2])) is None


# ----------------------------------------------------------------------------- variants


def test_parse_vary_reads_yaml_values_and_rejects_bad_syntax():
    assert parse_vary("cadre_tenure=fixed,rotating") == ("cadre_tenure", ["fixed", "rotating"])
    assert parse_vary("a.b=1,0.5,true") == ("a.b", [1, 0.5, True])
    for bad in ("cadre_pairing", "=random", "cadre_pairing=", "cadre_pairing=a,,b"):
        with pytest.raises(ScenarioError, match="expected LEVER=VALUE1,VALUE2"):
            parse_vary(bad)


def test_variants_form_a_grid_and_set_dotted_parameters(sanba):
    vs = variants_from_levers(sanba, {"cadre_tenure": ["fixed", "rotating"],
                                      "cadre_effects.other_village_visit_factor": [0.0, 1.0]})
    assert len(vs) == 4
    assert {(v.scenario.policy.cadre_tenure,
             v.scenario.cadre_effects.other_village_visit_factor.value) for v in vs} == {
        ("fixed", 0.0), ("fixed", 1.0), ("rotating", 0.0), ("rotating", 1.0)}
    v = vs[0].scenario.cadre_effects.other_village_visit_factor
    assert v.unit == sanba.cadre_effects.other_village_visit_factor.unit  # only value changed


@pytest.mark.parametrize(("vary", "match"), [
    ({"cadre_pairing": ["nope"]}, "known: balanced, need_matched, optimal"),
    ({"village_pairing": ["closest"]}, "known: by_capacity, industry_match, nearest"),
    ({"cadre_tenure": ["yearly"]}, "policy.cadre_tenure"),
    ({"no_such_lever": [1]}, "or a policy lever: cadre_pairing"),
    ({"cadre_groups.nobody.count": [1]}, "has no unique item 'nobody'"),
    ({"cadre_effects.match_same": [1.5]}, "less than or equal to 1"),
])
def test_bad_levers_and_values_fail_with_one_line(sanba, vary, match):
    with pytest.raises(ScenarioError, match=match) as exc:
        variants_from_levers(sanba, vary)
    assert "\n" not in str(exc.value)
    assert str(exc.value).startswith("scenarios/sanba.yaml: ")


def test_get_param_reads_what_with_params_set(sanba):
    new = sanba.with_params({"cadre_groups.0.count": 7, "village_pairing": "nearest"})
    assert new.get_param("cadre_groups.0.count") == 7
    assert new.get_param("village_pairing") == "nearest"
    assert sanba.get_param("cadre_groups.0.count") == sanba.cadre_groups[0].count.value
    with pytest.raises(ScenarioError, match=r"unknown parameter 'cadre_groups\.0\.nope'"):
        sanba.get_param("cadre_groups.0.nope")


# ----------------------------------------------------------------------------- comparisons


def test_identical_variants_give_exactly_zero_differences(sanba):
    same = variants_from_levers(sanba, {"cadre_pairing": [sanba.policy.cadre_pairing]})
    same += variants_from_files(["scenarios/sanba.yaml"])
    cmp = compare(sanba, same, **SMALL)
    for table in (cmp.headline, cmp.by_year, cmp.deciles):
        assert len(table) > 0
        for col in ("diff", "diff_lo", "diff_hi"):
            assert (table[col] == 0).all(), (col, table[table[col] != 0])
    assert (cmp.runs.query("variant != 'baseline'")["better_off"] == 0).all()


def test_comparison_is_deterministic_for_a_seed(sanba, sanba_cmp):
    vs = variants_from_levers(sanba, {"cadre_pairing": ["random", "optimal"]})
    again = compare(sanba, vs, **SMALL)
    for name, table in sanba_cmp.tables.items():
        pd.testing.assert_frame_equal(table, again.tables[name], obj=name)
    other = compare(sanba, vs, **{**SMALL, "replicates": 2}, seed=2)
    assert not other.runs[["incidence_end"]].equals(sanba_cmp.runs[["incidence_end"]].iloc[:6])


def test_headline_differences_are_paired_means_of_the_runs(sanba_cmp):
    runs = sanba_cmp.runs.set_index(["variant", "replicate"])
    for var in ("random", "optimal"):
        for key, *_ in HEADLINE:
            d = runs.loc[var, key] - runs.loc["baseline", key]
            row = sanba_cmp.headline.query("variant == @var and metric == @key").iloc[0]
            m, lo, hi = paired_interval(d.to_numpy())
            assert row["diff"] == pytest.approx(m, nan_ok=True)
            assert row["diff_lo"] == pytest.approx(lo, nan_ok=True)
            assert row["diff_hi"] == pytest.approx(hi, nan_ok=True)


def test_policy_changes_leave_the_identification_year_untouched(sanba_cmp):
    # common random numbers: pairing begins after identification, so the baseline year of
    # every variant is the baseline's exactly
    y0 = sanba_cmp.by_year["year"].min()
    first = sanba_cmp.by_year[sanba_cmp.by_year["year"] == y0]
    assert (first["diff"] == 0).all()
    # and the variants do differ later on
    assert (sanba_cmp.by_year.query("metric == 'incidence' and year > @y0")["diff"] != 0).any()


def test_shares_better_and_worse_off_are_shares(sanba_cmp):
    r = sanba_cmp.runs.query("variant != 'baseline'")
    assert r[["better_off", "worse_off"]].ge(0).all().all()
    assert (r["better_off"] + r["worse_off"]).le(100).all()


def test_other_population_skips_household_level_comparison(sanba, tmp_path):
    text = open("scenarios/sanba.yaml", encoding="utf-8").read()
    assert "total_households: {value: 4301," in text
    alt = tmp_path / "sanba_bigger.yaml"
    alt.write_text(text.replace("total_households: {value: 4301,",
                                "total_households: {value: 5000,"), encoding="utf-8")
    cmp = compare(sanba, variants_from_files([alt]), **{**SMALL, "replicates": 2})
    assert cmp.runs.query("variant == 'sanba_bigger'")["better_off"].isna().all()
    assert cmp.deciles.empty
    assert any("sanba_bigger" in n for n in cmp.notes)
    assert "note: sanba_bigger" in cmp.format()


def test_another_period_is_noted_and_labels_name_the_baseline_years(sanba):
    cmp = compare(sanba, variants_from_files(["scenarios/zhenbao.yaml"]),
                  **{**SMALL, "replicates": 2})
    assert set(cmp.headline["label"]) >= {"poverty incidence 2018 (register-based)"}  # Sanba: 2018
    assert any("runs 2015-2021, not the baseline's 2015-2018" in n for n in cmp.notes)


def test_compare_needs_a_variant(sanba):
    with pytest.raises(ScenarioError, match="nothing to compare"):
        compare(sanba, [], **SMALL)


def test_comparison_writes_tables_manifest_and_plots(sanba_cmp, tmp_path):
    written = sanba_cmp.write(tmp_path)
    names = {p.name for p in written}
    for t in ("headline", "by_year", "deciles", "runs", "annual", "decile_runs"):
        assert {f"{t}.parquet", f"{t}.csv"} <= names
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{t}.parquet"),
                                      sanba_cmp.tables[t], check_dtype=False)
    for png in ("compare_incidence.png", "compare_differences.png", "compare_deciles.png"):
        assert (tmp_path / png).stat().st_size > 1000
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert [v["name"] for v in man["variants"]] == ["random", "optimal"]
    assert man["variants"][0]["changes"] == {"cadre_pairing": "random"}
    assert man["baseline"]["sha256"] and man["run"]["replicates"] == 3
    assert not list(tmp_path.glob(".*tmp*"))


# ----------------------------------------------------------------------------- command line


def test_cli_compare_end_to_end(tmp_path, capsys):
    out = tmp_path / "cmp"
    rc = main(["compare", "scenarios/sanba.yaml", "--vary", "cadre_pairing=random,optimal",
               "--vary", "cadre_tenure=rotating", "--replicates", "2", "--scale", "200",
               "--out", str(out), "--no-plots"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "cadre_pairing=optimal,cadre_tenure=rotating" in text
    assert "poverty incidence 2018 (register-based) (%)" in text and "90% paired interval" in text
    head = pd.read_csv(out / "headline.csv")
    assert set(head["variant"]) == {"cadre_pairing=random,cadre_tenure=rotating",
                                    "cadre_pairing=optimal,cadre_tenure=rotating"}
    assert not list(out.glob("*.png"))


@pytest.mark.parametrize(("args", "match"), [
    (["--vary", "cadre_pairing=nope"], "unknown strategy 'nope'; known: balanced"),
    (["--vary", "nope=1"], "unknown parameter 'nope'"),
    (["--vary", "cadre_pairing"], "expected LEVER=VALUE1,VALUE2"),
    (["--vary", "cadre_pairing=random", "--vary", "cadre_pairing=optimal"], "given twice"),
    ([], "nothing to compare"),
    (["--against", "scenarios/none.yaml"], "scenarios/none.yaml: cannot read file"),
])
def test_cli_compare_bad_input_exits_2_with_one_line(args, match, capsys, tmp_path):
    out = tmp_path / "never"
    rc = main(["compare", "scenarios/sanba.yaml", *args, "--quiet", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert match in err and err.count("\n") == 1 and err.startswith("povsim: error: ")
    assert not out.exists()
