"""The figure registry (calibration/targets.yaml): coverage, validation and scenario agreement."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from povsim.calibration.registry import ROLES, load_registry
from povsim.schema.config import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
COPY = ROOT / "calibration" / "reported_figures.csv"
SHARED = ROOT.parent / "shared" / "reported_figures.csv"


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_registry_covers_every_row_of_the_csv_with_its_values():
    reg = load_registry()
    rows = _rows(COPY)
    assert len(reg) == len(rows)
    for r in rows:
        f = reg[r["id"]]
        assert (f.case, f.unit, f.period, f.quote, f.seed_file) == (
            r["case"], r["unit"], r["period"], r["quote"], r["seed_file"])
        assert f.value == pytest.approx(float(r["value"]))
        assert f.suggested_role == r["suggested_role"]
        assert f.role in ROLES
        if f.role != f.suggested_role:
            assert f.role_reason


@pytest.mark.skipif(not SHARED.exists(), reason="../shared not beside the project")
def test_project_copy_matches_the_shared_csv():
    assert _rows(COPY) == _rows(SHARED)


def test_every_calibration_and_validation_figure_has_a_target():
    for f in load_registry():
        if f.role in ("calibration", "validation"):
            assert f.target is not None and f.target.precision >= 0


def _write(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load((ROOT / "calibration" / "targets.yaml").read_text(encoding="utf-8"))
    mutate(data["figures"])
    p = tmp_path / "targets.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


@pytest.mark.parametrize("mutate, expect", [
    (lambda f: f.append(dict(f[0])), "duplicated id 'xixiu.poverty_incidence_start'"),
    (lambda f: f[0].update(role="fitted", suggested_role="fitted"), "figures.0.role"),
    (lambda f: f[3].update(unit="furlongs"), "figures.3.unit"),
    (lambda f: f[5].pop("id"), "figures.5.id' is missing"),
    (lambda f: f[1].pop("target"), "needs a target"),
    (lambda f: f[6].update(role="context"), "give a role_reason"),
])
def test_bad_registry_fails_with_one_line(tmp_path, mutate, expect):
    with pytest.raises(ScenarioError) as e:
        load_registry(_write(tmp_path, mutate))
    msg = str(e.value)
    assert expect in msg and "\n" not in msg and str(tmp_path) in msg


def test_scenario_contradicting_the_registry_is_reported(tmp_path):
    data = yaml.safe_load((ROOT / "scenarios" / "xixiu.yaml").read_text(encoding="utf-8"))
    data["villages"]["count"]["value"] = 181
    p = tmp_path / "xixiu.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    msg = str(e.value)
    assert "villages.count.value" in msg and "contradicts figure xixiu.villages = 182" in msg


@pytest.mark.parametrize("case", ["yushu", "xixiu", "jiangkou", "sanba", "zhenbao"])
def test_each_case_scenario_cites_only_its_own_figures(case):
    sc = load_scenario(ROOT / "scenarios" / f"{case}.yaml")
    assert sc.case == case
    text = (ROOT / "scenarios" / f"{case}.yaml").read_text(encoding="utf-8")
    cited = {w.strip('",}') for w in text.split() if "." in w and w.split(".")[0].strip('"')
             in ("yushu", "xixiu", "jiangkou", "sanba", "zhenbao")}
    reg = load_registry()
    for fid in cited:
        if fid in reg:
            assert reg[fid].case == case, fid
