"""The no-programme counterfactual (``policy.programme: off``): registration as usual, then no
cadre, partner or household programme ever acts; usable from a file, ``compare`` and sweeps."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from povsim.base.inputs import ScenarioError
from povsim.engine.model import PovertyModel
from povsim.experiments.comparison import compare, parse_vary, variants_from_levers
from povsim.experiments.design import build_design
from povsim.experiments.sweepfile import load_sweep
from povsim.scenarios import scenario_path
from povsim.schema.config import load_scenario

#: public cost items that do not depend on the programme (social policy and collectives)
WITHOUT_PROGRAMME = {"transfers", "health_cover", "coop_loss_cover", "village_transfers"}


def _pair(case: str, scale: float, seed: int = 2):
    on = PovertyModel(case, seed=seed, scale=scale)
    off = PovertyModel(case, seed=seed, scale=scale, programme=False)
    on.run()
    off.run()
    return on, off


@pytest.mark.parametrize("case, scale", [("jiangkou", 40), ("sanba", 5), ("zhenbao", 1)])
def test_without_the_programme_nothing_of_it_acts(case, scale):
    on, off = _pair(case, scale)
    # the baseline year (registration included) is the same run
    months = 12
    pd.testing.assert_frame_equal(on.monthly.iloc[:months], off.monthly.iloc[:months])
    pd.testing.assert_frame_equal(on.annual.iloc[:1], off.annual.iloc[:1])
    assert (on.households.registered == off.households.registered).all()
    # then nothing of the programme: no visits, no programme costs, no partner money
    assert off.world.cadres.visits.sum() == 0 < on.world.cadres.visits.sum()
    assert set(off.table("costs")["item"]) <= WITHOUT_PROGRAMME
    assert set(on.table("costs")["item"]) - WITHOUT_PROGRAMME
    partner_kinds = {e.kind for e in off.enterprises}
    assert not [k for k in off.ledger.flows if k.split("->")[0] in partner_kinds]
    assert all(e.invested == 0 and e.purchases == 0 for e in off.enterprises)
    p = off.world.programmes
    assert p.labour_trained == p.loans_households == 0
    # experts and demonstration fields (Jiangkou, Zhenbao) raise farming technology only with it
    assert all(v.tech == 1.0 for v in off.villages)
    assert any(v.tech > 1.0 for v in on.villages) or case == "sanba"
    # the crops the programme plants (by_programme) are not planted without it
    crops_on, crops_off = on.table("crops"), off.table("crops")
    for c in on.sc.income.crops:
        area_off = crops_off.loc[crops_off["crop"] == c.name, "area_mu"]
        area_on = crops_on.loc[crops_on["crop"] == c.name, "area_mu"]
        assert (area_off == 0).all() if c.by_programme else (area_off > 0).all()
        assert (area_on > 0).all()


def test_the_lever_reads_as_on_and_off_in_files_and_on_the_command_line(tmp_path):
    data = yaml.safe_load(scenario_path("zhenbao").read_text(encoding="utf-8"))
    data.setdefault("policy", {})["programme"] = False
    path = tmp_path / "zhenbao_off.yaml"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text.replace("programme: false", "programme: off"), encoding="utf-8")
    assert "programme: off" in path.read_text(encoding="utf-8")
    assert load_scenario(path).policy.programme is False
    assert parse_vary("programme=on,off") == ("programme", [True, False])
    path.write_text(text.replace("programme: false", "programme: sometimes"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"policy\.programme"):
        load_scenario(path)


def test_compare_and_sweeps_take_the_lever(tmp_path):
    sc = load_scenario("zhenbao")
    cmp = compare(sc, variants_from_levers(sc, {"programme": [False]}), replicates=2, seed=1,
                  scale=2, progress=False)
    head = cmp.headline.set_index("metric")
    assert (head["variant"] == "off").all()
    assert head.loc["public_cost", "diff"] < 0  # no programme, less public money
    sweep = tmp_path / "programme.yaml"
    sweep.write_text(f"name: programme\nscenario: {scenario_path('zhenbao')}\nseed: 1\n"
                     "replicates: 1\nscale: 5\ndesign: {method: grid}\n"
                     "parameters:\n  programme: {values: [on, off]}\n"
                     "outputs: [incidence]\n", encoding="utf-8")
    points = build_design(load_sweep(sweep)).points
    assert points["programme"].tolist() == [True, False]
