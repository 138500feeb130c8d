"""Case mechanisms (partners, collective models, crops, programmes, quotas) and `povsim targets`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from povsim.agents.households import SRC
from povsim.calibration.distance import scaled_gap
from povsim.calibration.registry import load_registry
from povsim.calibration.targets import format_targets, inside_band, targets_table
from povsim.cli import main
from povsim.engine.model import PovertyModel
from povsim.engine.submodels.households_month import HouseholdsMonth
from povsim.engine.submodels.programmes import HouseholdProgrammes
from povsim.experiments.runner import run_scenario
from povsim.schema.config import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CASES = ("yushu", "xixiu", "jiangkou", "sanba", "zhenbao")


def scenario(case: str):
    return load_scenario(ROOT / "scenarios" / f"{case}.yaml")


@pytest.fixture(scope="module")
def small_runs():
    scales = {"yushu": 50, "xixiu": 400, "jiangkou": 100, "sanba": 10, "zhenbao": 1}
    return {c: run_scenario(scenario(c), seed=2, replicates=2, scale=scales[c], progress=False)
            for c in CASES}


@pytest.mark.parametrize("case", CASES)
def test_targets_table_lists_every_calibration_and_validation_figure(small_runs, case):
    t = targets_table(small_runs[case])
    want = [f.id for f in load_registry().for_case(case, ("calibration", "validation"))]
    assert t["id"].tolist() == want
    assert t["sim_median"].notna().all()
    assert ((t["sim_p10"] <= t["sim_median"]) & (t["sim_median"] <= t["sim_p90"])).all()
    for fmt in ("text", "md", "csv"):
        assert want[0] in format_targets(t, fmt)


def test_standardised_error_and_band_follow_the_figures(small_runs):
    """The headline columns: the signed gap on the wrong side over tolerance + replicate sd,
    and whether the reported value lies in the simulated 10-90% band."""
    reg = load_registry()
    t = targets_table(small_runs["zhenbao"])
    for row in t.itertuples():
        target = reg[row.id].target
        want = scaled_gap(row.sim_median, row.reported, row.comparison,
                          target.tolerance + row.sim_sd)
        assert abs(row.std_error) == pytest.approx(want)
        assert row.inside_band == inside_band(row.reported, row.sim_p10, row.sim_p90,
                                              row.comparison)


def test_within_precision_follows_the_comparison(small_runs):
    t = targets_table(small_runs["zhenbao"]).set_index("id")
    row = t.loc["zhenbao.per_capita_income"]
    assert row["comparison"] == "at_least"
    precision = load_registry()["zhenbao.per_capita_income"].target.precision
    assert bool(row["within_precision"]) == bool(
        row["sim_median"] >= row["reported"] - precision)


def test_targets_cli_and_unknown_case(capsys):
    assert main(["targets", "zhenbao", "--replicates", "2", "--quiet", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("id,role,") and "zhenbao.melon_income_per_mu" in out
    assert main(["targets", "atlantis", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown case 'atlantis'" in err and "\n" not in err


@pytest.mark.parametrize("sigma", [0.0, 0.3])
def test_registration_quota_registers_the_lowest_measured_incomes(sigma):
    m = PovertyModel(scenario("zhenbao"), seed=3, scale=1,
                     **{"population.registration_error_sigma": sigma})
    for _ in range(12):
        m.step()
    hh = m.households
    assert hh.registered.sum() == 104
    measured = m.world.pc_income_measured
    assert measured[hh.registered].max() <= measured[~hh.registered].min()
    if sigma == 0.0:  # registered on true income
        pc = hh.pc_income_last
        assert np.array_equal(measured, pc)
        assert pc[hh.registered].max() <= pc[~hh.registered].min()


def zhenbao_at_registration(seed: int) -> PovertyModel:
    m = PovertyModel(scenario("zhenbao"), seed=seed, scale=1)
    for _ in range(12):
        m.step()
    return m


def test_zhenbao_reports_the_share_of_its_registered_people_income_poor_at_registration():
    """The share is reported (annual column ``registered_income_poor_share``, the baseline row)
    and is what the households say."""
    m = zhenbao_at_registration(1)
    hh, a = m.households, m.annual.iloc[0]
    reg = hh.registered
    poor = reg & (m.world.pc_income_baseline < m.sc.poverty_line.values[2014])
    assert a["registered_income_poor_share"] == pytest.approx(
        hh.size[poor].sum() / hh.size[reg].sum())


@pytest.mark.xfail(strict=True, reason="known gap (issue 14, scenarios/zhenbao.yaml header): "
                   "about a fifth of Zhenbao's registered people are income-poor at "
                   "registration, with the uncalibrated and with the calibrated inputs alike "
                   "(no calibration figure speaks to it)")
def test_zhenbao_registered_households_are_income_poor_at_registration():
    shares = [zhenbao_at_registration(s).annual["registered_income_poor_share"].iloc[0]
              for s in (1, 2, 3)]
    assert np.mean(shares) >= 0.5


def test_the_registration_error_has_its_stated_size_and_mean_one():
    """log(measured / true) is normal with sd sigma and mean -sigma^2/2 (a mean-one error)."""
    sc = scenario("xixiu")
    sigma = sc.population.registration_error_sigma.value
    m = PovertyModel(sc, seed=2, scale=10)
    for _ in range(12):
        m.step()
    with np.errstate(divide="ignore", invalid="ignore"):  # households with no income
        r = np.log(m.world.pc_income_measured / m.world.pc_income_baseline)
    r = r[np.isfinite(r)]
    assert r.size > 5000
    assert r.std() == pytest.approx(sigma, rel=0.05)
    assert r.mean() == pytest.approx(-sigma ** 2 / 2, abs=0.01)


def test_a_larger_registration_error_registers_more_households_that_are_not_poor():
    """Direction: the more the measured income errs, the smaller the share of registered people
    who are income-poor at registration (Xixiu registers everyone measured below the line)."""
    shares = []
    for sigma in (0.0, 0.2, 0.5):
        m = PovertyModel(scenario("xixiu"), seed=4, scale=10,
                         **{"population.registration_error_sigma": sigma})
        for _ in range(12):
            m.step()
        shares.append(m.annual["registered_income_poor_share"].iloc[0])
    assert shares[0] == 1.0
    assert shares[0] > shares[1] > shares[2]


def test_collective_models_partner_kinds_and_government_aid_cost():
    m = PovertyModel(scenario("yushu"), seed=1, scale=100)
    names = [c.collective_model for c in m.coops]
    assert sorted(n for n in names if n != "standard") == sorted(
        cm.name for cm in m.sc.cooperatives.models)
    assert {e.kind for e in m.enterprises} == {"government_unit", "organisation"}
    m.run()
    costs = m.table("costs")
    aid_cost = costs.loc[costs["item"] == "partner_aid", "yuan"].sum()
    aid_flow = m.ledger.flows.get("government->cooperative:aid", 0.0) * m.k
    assert aid_cost > 0 and aid_cost == pytest.approx(aid_flow)
    assert "organisation->cooperative:aid" not in m.ledger.flows


def test_crops_yield_nothing_until_mature():
    m = PovertyModel(scenario("sanba"), seed=1, scale=20)
    m.run()
    rows = [r for r in m.table("crops").to_dict("records") if r["crop"] == "pepper_2018"]
    assert rows and all(not r["mature"] and r["income_per_mu"] == 0.0 for r in rows)
    walnut = [r for r in m.table("crops").to_dict("records") if r["crop"] == "walnut"]
    assert all((r["income_per_mu"] > 0) == r["mature"] for r in walnut)
    assert [r["mature"] for r in walnut] == [r["year"] >= 2016 for r in walnut]


def test_farm_yield_per_mu_switches_with_planting_and_maturity():
    m = PovertyModel(scenario("sanba"), seed=1, scale=20)
    base = m.sc.income.yield_value_per_mu.value
    m.clock.year = 2017
    before = m.submodel(HouseholdsMonth).farm_yield()
    m.clock.year = 2018  # the 2018 pepper is planted (yields nothing while it matures), and the
    # crops reaching maturity in 2018 (the oil peony planted in 2015, 3 years; the olive planted
    # in 2013, 5 years) start to yield; nothing else changes

    def mature(c, year):
        return year >= c.planted_year.value + c.maturity_years.value

    share = {c.name: sh for c, sh in m.world.crops}
    new = [c for c, _ in m.world.crops if mature(c, 2018) and not mature(c, 2017)]
    assert {c.name for c in new} >= {"oil_peony"}
    assert m.submodel(HouseholdsMonth).farm_yield() == pytest.approx(
        before - share["pepper_2018"] * base
        + sum(share[c.name] * c.yield_value_per_mu.value for c in new))


def test_labour_training_counts_transfers_and_respects_eligibility():
    m = PovertyModel(scenario("sanba"), seed=4, scale=5)
    m.run()
    assert 0 < m.world.programmes.labour_transferred <= m.world.programmes.labour_trained
    monthly = np.array([r["labour_transferred_cumulative"] for r in m.monthly.to_dict("records")])
    assert (np.diff(monthly) >= 0).all()
    assert not (m.households.trained & ~m.households.registered).any()


def test_loans_reach_the_configured_households_once_spread_over_the_loan_years():
    sc = scenario("sanba")
    m = PovertyModel(sc, seed=1, scale=1)
    m.run()
    cfg = sc.programmes.loans
    assert m.world.programmes.loans_households == cfg.households.value
    programmes = m.submodel(HouseholdProgrammes)
    assert np.unique(programmes.loan_idx).size == cfg.households.value
    costs = m.table("costs")
    loans = costs[costs["item"] == "loans"]
    assert loans["yuan"].sum() == pytest.approx(cfg.amount_total.value)
    # 43 loans over 2015-2018: 10, 11, 11, 11
    assert loans.groupby("year")["yuan"].sum().div(
        cfg.amount_total.value / cfg.households.value).round().tolist() == [10, 11, 11, 11]
    # business income: return_rate x principal a year while the loan runs
    business = m.ledger.receipts[SRC["business"]]
    assert business > 0


def test_demonstration_fields_raise_village_technology():
    on = PovertyModel(scenario("zhenbao"), seed=1, scale=1)
    on.run()
    sc = scenario("zhenbao")
    off_sc = sc.model_copy(update={"programmes": sc.programmes.model_copy(
        update={"demonstration_fields": None})})
    off = PovertyModel(off_sc, seed=1, scale=1)
    off.run()
    assert on.villages[0].tech > off.villages[0].tech
