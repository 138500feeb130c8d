"""Attribution: each channel switched off in turn on common random numbers (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

from povsim.base.inputs import ScenarioError
from povsim.cli import main
from povsim.experiments.attribution import (
    ALL_OFF,
    CHANNELS,
    OUTCOMES,
    PROGRAMME_OFF,
    RTM,
    SUM,
    TRUE_OFF,
    attribute,
    attribution_variants,
    channel_changes,
)
from povsim.experiments.comparison import Variant, compare
from povsim.scenarios import CASES
from povsim.schema.config import load_scenario

#: the channels each case has (the others are listed as not in the case)
EXPECTED_MISSING = {"yushu": {"labour_training", "loans", "technology", "programme_crops"},
                    "xixiu": {"labour_training", "loans", "programme_crops"},
                    "jiangkou": {"labour_training", "loans"},
                    "sanba": {"partner_jobs", "partner_purchases", "technology"},
                    "zhenbao": {"partner_investment_dividends", "labour_training", "loans"}}


@pytest.mark.parametrize("case", CASES)
def test_every_channel_switches_off_validly_in_every_case(case):
    sc = load_scenario(case)
    missing = {c for c, ch in channel_changes(sc).items() if not ch}
    assert missing == EXPECTED_MISSING[case]
    names = [v.name for v in attribution_variants(sc)]
    assert names == [c for c in CHANNELS if c not in missing] + [PROGRAMME_OFF, TRUE_OFF,
                                                                    ALL_OFF]
    # registered on true income, the regression-to-the-mean pair is not made
    names = [v.name for v in attribution_variants(
        sc.with_params({"population.registration_error_sigma": 0.0}))]
    assert TRUE_OFF not in names


@pytest.fixture(scope="module")
def zhenbao():
    return attribute(load_scenario("zhenbao"), replicates=3, scale=4, progress=False)


def test_the_table_has_every_row_and_the_sum_of_the_single_channels(zhenbao):
    t = zhenbao.table
    singles = [c for c in CHANNELS if c not in EXPECTED_MISSING["zhenbao"]]
    assert list(dict.fromkeys(t["channel"])) == [*singles, PROGRAMME_OFF, RTM, ALL_OFF, SUM]
    assert set(t["outcome"]) == {o for o, *_ in OUTCOMES}
    for outcome in t["outcome"].unique():
        sub = t[t["outcome"] == outcome].set_index("channel")
        assert sub.loc[SUM, "effect"] == pytest.approx(sub.loc[singles, "effect"].sum(),
                                                       abs=1e-9)
        assert (sub["replicates"] == 3).all()
    # regression to the mean: programme off with the registration error minus without it
    wide = zhenbao.comparison.runs.pivot(index="replicate", columns="variant",
                                         values="lifted_out")
    rtm = t[(t["channel"] == RTM) & (t["outcome"] == "lifted_out")].iloc[0]
    assert rtm.effect == pytest.approx((wide[PROGRAMME_OFF] - wide[TRUE_OFF]).mean())
    # (that it moves the register far more than incomes: tests/test_exits_on_income.py)
    # the programme's cost goes with it: switching it off saves public money
    runs = zhenbao.comparison.runs.set_index(["variant", "replicate"])["public_cost"]
    assert (runs.loc[PROGRAMME_OFF] < runs.loc["baseline"]).all()


@pytest.mark.parametrize("channel", ["transfers", "cadre_visits", "partner_purchases",
                                     "cooperative_payments"])
def test_a_channel_already_off_has_exactly_no_effect(channel):
    """None of it, no effect: where the baseline already lacks the channel, switching it off
    changes nothing in any replicate (common random numbers), and the attribution lists the
    channel as not in the case."""
    sc = load_scenario("zhenbao")
    changes = channel_changes(sc)[channel]
    base = sc.with_params(changes)
    cmp = compare(base, [Variant(channel, base.with_params(changes), changes)], replicates=2,
                  scale=5, progress=False)
    diffs = cmp.headline[["diff", "diff_lo", "diff_hi"]].to_numpy()
    assert np.array_equal(diffs[np.isfinite(diffs)], np.zeros(np.isfinite(diffs).sum()))
    assert not channel_changes(base)[channel]
    assert attribute(base, replicates=2, scale=5, channels=[channel],
                     progress=False).skipped == [channel]


def test_unknown_channel_is_one_line():
    with pytest.raises(ScenarioError, match=r"unknown channel.*known: cadre_visits"):
        attribute(load_scenario("zhenbao"), channels=["magic"], progress=False)


def test_command_writes_table_runs_plot_and_manifest(tmp_path, capsys):
    out = tmp_path / "att"
    assert main(["attribute", "zhenbao", "--replicates", "2", "--scale", "5", "--out",
                 str(out)]) == 0
    text = capsys.readouterr().out
    assert "sum of single channels" in text and "programme off" in text
    for name in ("attribution.parquet", "attribution.csv", "runs.parquet", "attribution.png",
                 "manifest.json"):
        assert (out / name).exists(), name
