"""A scenario that brings its own figures file (docs/add-a-county.md): its figures join the
registry for that scenario only, and targets, plots and calibration use them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from povsim.base.inputs import ScenarioError
from povsim.calibration.metrics import figures_on
from povsim.calibration.registry import load_registry
from povsim.calibration.targets import targets_table
from povsim.experiments.runner import run_scenario
from povsim.schema.config import load_scenario, registry_for

EXAMPLE = Path("docs/examples/mycounty.yaml")
FIGURES = Path("docs/examples/mycounty_figures.yaml")


@pytest.fixture()
def county(tmp_path):
    """A copy of the example in a folder of its own, for editing."""
    for f in (EXAMPLE, FIGURES):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / EXAMPLE.name


def test_own_figures_join_the_registry_for_that_scenario_only():
    sc = load_scenario(EXAMPLE)
    reg = registry_for(sc)
    assert "mycounty.households" in reg and "mycounty.households" not in load_registry()
    assert len(reg) == len(load_registry()) + 5
    assert sc.population.total_households.value == reg.value("mycounty.households")


def test_targets_and_plots_read_the_own_figures():
    res = run_scenario(load_scenario(EXAMPLE), replicates=2, scale=50, progress=False)
    t = targets_table(res)
    assert list(t["id"]) == ["mycounty.poverty_incidence_start",
                             "mycounty.poverty_incidence_end", "mycounty.per_capita_income"]
    assert t["sim_median"].notna().all()
    assert [f["id"] for f in figures_on("income_mean", "mycounty", registry_for(res.scenario))] \
        == ["mycounty.per_capita_income"]


def test_an_own_figure_id_cited_without_the_file_names_the_figures_field(county):
    text = county.read_text().replace("figures: mycounty_figures.yaml", "")
    county.write_text(text)
    with pytest.raises(ScenarioError, match=r"unknown figure id 'mycounty.households'.*"
                                            r"own figures file \(field 'figures'\)"):
        load_scenario(county)


def test_a_value_contradicting_the_own_figure_is_an_error(county):
    county.write_text(county.read_text().replace("value: 5200, unit: households",
                                                 "value: 5300, unit: households"))
    with pytest.raises(ScenarioError, match=r"contradicts figure mycounty\.households = 5200"):
        load_scenario(county)


@pytest.mark.parametrize("old, new, message", [
    ("case: mycounty\n  seed_file", "case: othercounty\n  seed_file",
     "id 'mycounty.households' must start with its case 'othercounty'"),
    ("id: mycounty.villages", "id: xixiu.villages",
     "case 'mycounty' is not the scenario's case|must start with its case"),
    ("  unit: villages\n", "  unit: hamlets\n", "figures.1.unit"),
])
def test_a_bad_figures_file_is_a_one_line_error(county, old, new, message):
    f = county.with_name(FIGURES.name)
    f.write_text(f.read_text().replace(old, new, 1))
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenario(county)
    assert "\n" not in str(err.value) and str(f.name) in str(err.value)


def test_an_id_of_the_project_registry_is_refused(county):
    f = county.with_name(FIGURES.name)
    text = f.read_text().replace("id: mycounty.villages\n  case: mycounty",
                                 "id: sanba.villages\n  case: sanba", 1)
    f.write_text(text)
    with pytest.raises(ScenarioError, match=r"'sanba\.villages' is already in"):
        load_scenario(county)


def test_a_missing_figures_file_names_the_field(county):
    county.with_name(FIGURES.name).unlink()
    with pytest.raises(ScenarioError, match="field 'figures': no file"):
        load_scenario(county)
