"""The model's Mesa face: construction from a name, file or Scenario with overrides, pickling,
the DataCollector, the declared schedule and ``mesa.batch_run`` with one and two processes."""

from __future__ import annotations

import pickle
import sys

import mesa
import numpy as np
import pandas as pd
import pytest

from povsim.agents.cooperative import Cooperative
from povsim.base.inputs import ScenarioError
from povsim.engine.model import PovertyModel
from povsim.engine.recording import ANNUAL_REPORTERS, MONTHLY_REPORTERS
from povsim.scenarios import CASES, scenario_path
from povsim.schema.config import load_scenario, scenario_source

MESA_35 = tuple(int(x) for x in mesa.__version__.split(".")[:2]) >= (3, 5)


def test_constructed_from_a_case_name_a_file_or_a_scenario_alike():
    by_name = PovertyModel("sanba", seed=3, scale=50)
    by_file = PovertyModel(scenario_path("sanba"), seed=3, scale=50)
    by_object = PovertyModel(load_scenario("sanba"), seed=3, scale=50)
    for m in (by_name, by_file, by_object):
        m.run()
    pd.testing.assert_frame_equal(by_name.annual, by_file.annual)
    pd.testing.assert_frame_equal(by_name.annual, by_object.annual)


def test_overrides_are_levers_or_dotted_parameters():
    m = PovertyModel("sanba", scale=50, cadre_pairing="optimal",
                     **{"cadre_effects.visit_prob_month": 0.5}, behaviour__migrate_prob_month=0.01)
    assert m.sc.policy.cadre_pairing == "optimal"
    assert m.sc.cadre_effects.visit_prob_month.value == 0.5
    assert m.sc.behaviour.migrate_prob_month.value == 0.01
    with pytest.raises(ScenarioError, match=r"unknown parameter 'cadre_effects\.nope'"):
        PovertyModel("sanba", **{"cadre_effects.nope": 1})
    with pytest.raises(ScenarioError, match="unknown case 'atlantis'; known: yushu"):
        PovertyModel("atlantis")


@pytest.mark.parametrize("case", CASES)
def test_every_scenario_pickles_with_the_standard_library(case):
    sc = load_scenario(case)
    back = pickle.loads(pickle.dumps(sc))
    assert back == sc
    assert scenario_source(back) == scenario_source(sc) != (None, None)


def test_datacollector_holds_the_monthly_and_yearly_records():
    m = PovertyModel("zhenbao", seed=1)
    m.run()
    months = 12 * (m.sc.end_year - m.sc.start_year + 2)
    monthly = m.datacollector.get_model_vars_dataframe()
    assert list(monthly.columns) == list(MONTHLY_REPORTERS) and len(monthly) == months
    assert m.steps == months
    annual = m.datacollector.get_table_dataframe("annual")
    assert list(annual.columns) == list(ANNUAL_REPORTERS)
    assert annual["year"].tolist() == list(range(m.sc.start_year - 1, m.sc.end_year + 1))
    pd.testing.assert_frame_equal(annual, m.annual)


def test_schedule_is_declared_and_every_submodel_names_its_odd_section():
    m = PovertyModel("zhenbao")
    table = m.schedule_table()
    assert table["submodel"].iloc[-1] == "December close"
    assert table["module"].str.startswith("povsim.").all()
    assert (table["odd_section"].str.len() > 0).all()
    for sub in m.schedule:  # each module's docstring names its section
        module = sys.modules[type(sub).__module__]
        assert f"§{sub.odd.split('-')[0]}" in module.__doc__, (sub, module.__name__)


def test_seed_none_draws_fresh_entropy():
    a, b = PovertyModel("zhenbao", seed=None), PovertyModel("zhenbao", seed=None)
    assert a.seed != b.seed


def _batch(processes: int, max_steps: int) -> pd.DataFrame:
    """``mesa.batch_run`` over two pairing strategies and two seeds, as the README shows it
    (seeds in ``parameters`` with ``iterations`` on Mesa 3.3, ``rng`` on Mesa 3.5)."""
    params = {"scenario": "zhenbao", "cadre_pairing": ["random", "optimal"]}
    seeds = [1, 2]
    if MESA_35:
        rows = mesa.batch_run(PovertyModel, parameters=params, rng=seeds, max_steps=max_steps,
                              number_processes=processes, display_progress=False)
    else:
        rows = mesa.batch_run(PovertyModel, parameters={**params, "seed": seeds}, iterations=1,
                              max_steps=max_steps, number_processes=processes,
                              display_progress=False)
    df = pd.DataFrame(rows)
    return df.sort_values(["seed", "cadre_pairing"]).reset_index(drop=True)


@pytest.mark.slow
def test_batch_run_with_one_and_two_processes_gives_the_same_rows():
    max_steps = 23
    one, two = _batch(1, max_steps), _batch(2, max_steps)
    assert len(one) == 4
    cols = [c for c in one.columns if c != "RunId"]
    pd.testing.assert_frame_equal(one[cols], two[cols])
    # Mesa 3.3 runs max_steps + 1 steps (``steps <= max_steps``), Mesa 3.5 max_steps: the last
    # row is the end of that month (December 2015 on 3.3, November on 3.5)
    assert (one["month"] == (11 if MESA_35 else 12)).all()
    assert (one["year"] == 2015).all()
    # the rows are the model's own monthly records of that month
    m = PovertyModel("zhenbao", seed=1, cadre_pairing="optimal")
    for _ in range(max_steps if MESA_35 else max_steps + 1):
        m.step()
    last = m.monthly.iloc[-1]
    row = one[(one["seed"] == 1) & (one["cadre_pairing"] == "optimal")].iloc[0]
    assert np.isclose(row["income_per_capita_ytd"], last["income_per_capita_ytd"], rtol=0)


def test_batch_run_rows_hold_the_headline_outcomes():
    """Issue 28 (3): a ``batch_run`` row carries the headline outcomes of the latest year
    closed, the model's own annual values (December's row: the year just closed)."""
    from povsim.engine.recording import HEADLINE

    rows = pd.DataFrame(_batch(1, 24 if MESA_35 else 23))  # to December 2015
    assert set(HEADLINE) <= set(rows.columns)
    m = PovertyModel("zhenbao", seed=2, cadre_pairing="random")
    for _ in range(24):
        m.step()
    year = m.annual.iloc[-1]
    assert int(year["year"]) == 2015
    row = rows[(rows["seed"] == 2) & (rows["cadre_pairing"] == "random")].iloc[0]
    for c in HEADLINE:
        assert np.isclose(row[c], year[c], rtol=0, equal_nan=True), c
    before = m.monthly.iloc[10]  # November 2014: the baseline year not yet closed
    assert np.isnan(before["incidence"])


@pytest.mark.slow
def test_the_readme_s_batch_run_table_is_what_batch_run_gives():
    """The README's table of ``batch_run`` rows (Mesa 3.3's ``max_steps=23``, 24 months; on
    Mesa 3.5 the same months are ``max_steps=24``) holds the values the rows hold today, to the
    digits it prints."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("seed cadre_pairing"))
    end = next(i for i in range(at, len(lines)) if lines[i].startswith("```"))
    head, *body = [line.split() for line in lines[at:end]]
    shown = pd.DataFrame(body, columns=head)
    rows = _batch(1, 24 if MESA_35 else 23)
    assert len(shown) == len(rows) == 4
    for r in shown.itertuples(index=False):
        got = rows[(rows["seed"] == int(r.seed)) & (rows["cadre_pairing"] == r.cadre_pairing)]
        assert len(got) == 1, (r.seed, r.cadre_pairing)
        for c in head[3:]:
            want = float(getattr(r, c))
            assert np.isclose(got.iloc[0][c], want, rtol=1e-5, atol=1e-6), (r.seed, c, want,
                                                                             got.iloc[0][c])


def test_the_odd_states_the_schedule_the_model_runs():
    """ODD §3's schedule table is the model's own (order, submodel, module, section, timing)."""
    from pathlib import Path

    odd = (Path(__file__).resolve().parents[1] / "docs" / "ODD.md").read_text(encoding="utf-8")
    for r in PovertyModel("zhenbao").schedule_table().itertuples():
        row = f"| {r.order} | {r.submodel} | `{r.module}` | §{r.odd_section} | {r.runs} |"
        assert row in odd, row


def test_villages_and_collectives_are_mesa_agents_over_the_arrays():
    """Issue 26: a village's and a collective's state lives in its kind's arrays; the Mesa
    agents are views of one element: what the submodels write in the arrays the agents read,
    and what is set on an agent lands in the arrays. The model's AgentSet holds them."""
    m = PovertyModel("zhenbao", seed=1, scale=2)
    for _ in range(13):
        m.step()
    v, c = m.villages[0], m.coops[0]
    assert v in m.agents and c in m.agents
    s, va = m.world.coop_arrays, m.world.village_arrays
    assert (c.capital, c.revenue, c.active) == (s.capital[0], s.revenue[0], bool(s.active[0]))
    assert isinstance(c.capital, float) and isinstance(v.branch_strength, float)
    c.capital = 123.0
    v.branch_strength = 0.25
    assert s.capital[0] == 123.0 and va.branch_strength[0] == 0.25
    assert m.agents.select(lambda a: isinstance(a, Cooperative)).get("capital") == [123.0]
