"""Plausible ranges of money, count and size parameters (:mod:`povsim.schema.plausible`): the
bundled cases are inside them, a value no place has is refused in one line, one a real place could
have
is loaded with a warning, and every money, count and size parameter has a range."""

from __future__ import annotations

import re

import pytest
import yaml

from povsim.cli import main
from povsim.scenarios import CASES
from povsim.schema.config import ScenarioError, load_scenario, scenario_params
from povsim.schema.plausible import problems, rule_for

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("case", CASES)
def test_the_bundled_cases_are_plausible(case):
    assert problems(scenario_params(load_scenario(case))) == []


@pytest.mark.parametrize("case", CASES)
def test_every_money_count_and_size_parameter_has_a_range(case):
    sized = re.compile(r"\byuan\b|\bmu\b|households|people|persons|villages|jobs|km2")
    rates = re.compile(r"^(share|probability|log-sd|Beta)|per yuan")
    for path, _, unit in scenario_params(load_scenario(case)):
        if sized.search(unit) and not rates.search(unit):
            assert rule_for(unit) is not None, (path, unit)


def _variant(tmp_path, section, field, value):
    data = yaml.safe_load((ROOT / "scenarios" / "xixiu.yaml").read_text(encoding="utf-8"))
    data[section][field]["value"] = value
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_wage_no_place_pays_is_refused_in_one_line(tmp_path, capsys):
    path = _variant(tmp_path, "income", "local_wage_month", 1e300)
    with pytest.raises(ScenarioError, match=r"income\.local_wage_month: 1e\+300 yuan per local "
                                            r"job per month is not plausible; allowed 0-1,000,000"):
        load_scenario(path)
    assert main(["run", str(path), "--replicates", "1", "--scale", "500", "--out",
                 str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "variant.yaml" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_large_but_possible_value_loads_with_a_warning(tmp_path, capsys):
    path = _variant(tmp_path, "population", "household_size_mean", 14.0)
    sc = load_scenario(path)
    assert len(sc._warnings) == 1 and "household_size_mean" in sc._warnings[0]
    assert main(["run", str(path), "--replicates", "1", "--scale", "2000", "--quiet",
                 "--no-plots", "--no-counterfactual", "--out", str(tmp_path / "out")]) == 0
    assert "povsim: warning:" in capsys.readouterr().err
