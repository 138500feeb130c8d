"""Sweeps: sweep files, designs, determinism across workers, kill-and-resume, indices."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from povsim.cli import main
from povsim.experiments.design import build_design, from_unit
from povsim.experiments.sweep_summary import analyze, summarize
from povsim.experiments.sweepfile import ParameterSpec, load_sweep
from povsim.experiments.sweeps import SweepStore, run_chunk, run_sweep
from povsim.schema.config import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
ZHENBAO = ROOT / "scenarios" / "zhenbao.yaml"

GRID = f"""
name: tiny_grid
scenario: {ZHENBAO}
seed: 3
replicates: 2
design: {{method: grid}}
parameters:
  cadre_pairing: {{values: [same_village, random]}}
  behaviour.migrate_prob_month: {{range: [0.005, 0.02], steps: 3}}
outputs: [incidence, income_mean, public_cost_cumulative, migrants]
"""

SOBOL = f"""
name: tiny_sobol
scenario: {ZHENBAO}
seed: 2
replicates: 1
design: {{method: sobol, samples: 8}}
parameters:
  behaviour.migrate_prob_month: {{distribution: {{name: loguniform, low: 0.005, high: 0.02}}}}
  behaviour.return_prob_month: {{range: [0.005, 0.02]}}
outputs: [incidence, migrants]
"""


def _file(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _serial(path: Path, out: Path, **kw) -> pd.DataFrame:
    run_sweep(load_sweep(path), out, serial=True, progress=False, **kw)
    return SweepStore(out).read_runs()


# ---------------------------------------------------------------- sweep files
BAD = [
    ("design: {method: grid}", "design: {method: factorial}", "design.method"),
    ("outputs: [incidence, income_mean, public_cost_cumulative, migrants]", "outputs: [happiness]",
     "unknown output 'happiness'"),
    ("seed: 3", "seed: 3\ncolour: blue", "unknown key 'colour'"),
    ("cadre_pairing: {values: [same_village, random]}",
     "cadre_pairing: {values: [same_village, telepathy]}", "parameters.cadre_pairing"),
    ("behaviour.migrate_prob_month: {range: [0.005, 0.02], steps: 3}",
     "behaviour.migrate_prob_month: {range: [0.005, 2.0], steps: 3}",
     "parameters.behaviour.migrate_prob_month"),
    ("behaviour.migrate_prob_month: {range: [0.005, 0.02], steps: 3}",
     "behaviour.migrate_prob_month: {range: [0.005, 0.02]}", "needs steps"),
    ("behaviour.migrate_prob_month: {range: [0.005, 0.02], steps: 3}",
     "behaviour.wanderlust: {range: [0.005, 0.02], steps: 3}", "no field 'wanderlust'"),
    ("behaviour.migrate_prob_month: {range: [0.005, 0.02], steps: 3}",
     "behaviour.migrate_prob_month: {range: [0.02, 0.005], steps: 3}", "low < high"),
    ("behaviour.migrate_prob_month: {range: [0.005, 0.02], steps: 3}",
     "behaviour.migrate_prob_month: {distribution: {name: normal, mean: 0.01}}",
     "needs sd"),
    ("behaviour.migrate_prob_month: {range: [0.005, 0.02], steps: 3}",
     "behaviour: {range: [0.005, 0.02], steps: 3}", "group of settings"),
    ("replicates: 2", "replicates: 0", "replicates"),
    (f"scenario: {ZHENBAO}", "scenario: nowhere.yaml", "no scenario file"),
]


@pytest.mark.parametrize(("old", "new", "expect"), BAD, ids=[b[2] for b in BAD])
def test_a_bad_sweep_file_fails_in_one_line_naming_file_and_field(tmp_path, old, new, expect):
    assert old in GRID
    path = _file(tmp_path, GRID.replace(old, new))
    with pytest.raises(ScenarioError) as err:
        load_sweep(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and expect in msg


def test_sampled_design_rules(tmp_path):
    bad_n = SOBOL.replace("samples: 8", "samples: 6")
    with pytest.raises(ScenarioError, match="power of two"):
        load_sweep(_file(tmp_path, bad_n))
    no_n = SOBOL.replace("{method: sobol, samples: 8}", "{method: lhs}")
    with pytest.raises(ScenarioError, match="samples is required"):
        load_sweep(_file(tmp_path, no_n))
    with pytest.raises(ScenarioError, match="not a distribution"):
        load_sweep(_file(tmp_path, SOBOL.replace("{method: sobol, samples: 8}",
                                                 "{method: grid}")))


def test_cli_sweep_with_a_bad_file_exits_2_with_one_line(tmp_path, capsys):
    path = _file(tmp_path, GRID.replace("replicates: 2", "replicates: two"))
    assert main(["sweep", str(path), "--serial", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "replicates" in err
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- designs
def test_grid_design_crosses_every_level(tmp_path):
    d = build_design(load_sweep(_file(tmp_path, GRID)))
    assert len(d.points) == 2 * 3
    assert sorted(set(d.points["behaviour.migrate_prob_month"])) == [0.005, 0.0125, 0.02]
    assert d.changes(5) == {"cadre_pairing": "random", "behaviour.migrate_prob_month": 0.02}


@pytest.mark.parametrize(("method", "rows"), [("sobol", 8 * (2 + 2)), ("morris", 8 * (2 + 1)),
                                              ("lhs", 8)])
def test_sampled_designs_have_their_sizes_and_stay_in_bounds(tmp_path, method, rows):
    text = SOBOL.replace("method: sobol", f"method: {method}")
    sweep = load_sweep(_file(tmp_path, text))
    d = build_design(sweep)
    assert len(d.points) == rows and d.unit.shape == (rows, 2)
    for p in d.sampled:
        assert d.points[p].between(0.005, 0.02).all()
    assert build_design(sweep).points.equals(d.points)  # seeded from the sweep seed
    if method == "lhs":  # one point in each of the n strata of every parameter
        for j in range(2):
            assert sorted(np.floor(d.unit[:, j] * rows).astype(int)) == list(range(rows))


def test_listed_values_cross_a_sampled_design(tmp_path):
    text = SOBOL.replace("parameters:\n", "parameters:\n  cadre_pairing: {values: [random, "
                         "optimal]}\n")
    d = build_design(load_sweep(_file(tmp_path, text)))
    assert len(d.points) == 2 * 8 * 4
    assert d.points.groupby("level_set")["cadre_pairing"].nunique().eq(1).all()


def test_a_whole_number_parameter_is_rounded(tmp_path):
    text = SOBOL.replace("behaviour.return_prob_month: {range: [0.005, 0.02]}",
                         "cadre_groups.paired_cadre.count: {range: [10, 40]}")
    d = build_design(load_sweep(_file(tmp_path, text)))
    counts = d.points["cadre_groups.paired_cadre.count"]
    assert all(isinstance(c, int) for c in counts) and counts.between(10, 40).all()


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([
    {"distribution": {"name": "uniform", "low": 1.0, "high": 3.0}},
    {"distribution": {"name": "loguniform", "low": 0.01, "high": 1.0}},
    {"distribution": {"name": "triangular", "low": 0.0, "mode": 0.2, "high": 1.0}},
    {"distribution": {"name": "normal", "mean": 0.5, "sd": 0.2, "low": 0.0, "high": 1.0}},
    {"range": [-2.0, 5.0]}]),
    st.lists(st.floats(0.0, 1.0), min_size=2, max_size=20))
def test_unit_samples_map_monotonically_into_the_bounds(spec, u):
    ps = ParameterSpec.model_validate(spec)
    u = np.sort(np.array(u))
    x = from_unit(ps, u)
    lo, hi = (spec["range"] if "range" in spec else
              (spec["distribution"]["low"], spec["distribution"]["high"]))
    assert np.all((x >= lo - 1e-12) & (x <= hi + 1e-12))
    assert np.all(np.diff(x) >= -1e-12)


# ---------------------------------------------------------------- running
def test_a_run_depends_only_on_its_point_and_replicate():
    from povsim.schema.config import load_scenario

    sc = load_scenario(ZHENBAO)
    ch = {0: {}, 1: {"cadre_pairing": "random"}}
    alone = run_chunk(sc, ch, [(3, 1, 1)], 3, 1.0, ["incidence"])
    mixed = run_chunk(sc, ch, [(0, 0, 0), (3, 1, 1), (1, 0, 1)], 3, 1.0, ["incidence"])
    pd.testing.assert_frame_equal(alone, mixed[mixed["run"] == 3].reset_index(drop=True))


@pytest.mark.slow
def test_results_are_identical_serial_and_on_one_or_two_dask_workers(tmp_path):
    path = _file(tmp_path, GRID)
    serial = _serial(path, tmp_path / "serial", chunk_size=5)
    for workers, chunk in ((1, 2), (2, 1)):
        out = tmp_path / f"dask{workers}"
        res = run_sweep(load_sweep(path), out, workers=workers, chunk_size=chunk,
                        progress=False)
        assert res["workers"] == workers and res["ran"] == 12
        pd.testing.assert_frame_equal(SweepStore(out).read_runs(), serial, check_exact=True)
    assert len(serial) == 12 * serial["year"].nunique() and serial["run"].nunique() == 12


def test_a_finished_store_is_resumed_not_rerun_and_a_changed_file_is_refused(tmp_path):
    path = _file(tmp_path, GRID)
    out = tmp_path / "store"
    first = _serial(path, out, chunk_size=4)
    stamp = {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir()}
    again = run_sweep(load_sweep(path), out, serial=True, progress=False)
    assert again["ran"] == 0 and again["skipped"] == 12
    assert {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir()} == stamp
    # a missing chunk is run again, and only it
    (out / "chunks" / "chunk-000001.parquet").unlink()
    assert run_sweep(load_sweep(path), out, serial=True, progress=False)["ran"] == 4
    pd.testing.assert_frame_equal(SweepStore(out).read_runs(), first)
    # another sweep file, or another scale, is refused without --overwrite
    _file(tmp_path, GRID.replace("seed: 3", "seed: 4"))
    with pytest.raises(ScenarioError, match=r"holds another sweep.*seed 3 -> 4.*--overwrite"):
        run_sweep(load_sweep(path), out, serial=True, progress=False)
    with pytest.raises(ScenarioError, match="holds another sweep"):
        run_sweep(load_sweep(path), out, serial=True, progress=False, scale=2.0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["identity"]["seed"] == 3  # the refusal changed nothing
    res = run_sweep(load_sweep(path), out, serial=True, progress=False, overwrite=True)
    assert res["ran"] == 12
    assert json.loads((out / "manifest.json").read_text())["identity"]["seed"] == 4


@pytest.mark.slow
def test_a_killed_sweep_finishes_when_run_again(tmp_path):
    """Kill a running 2-worker sweep (the whole process group, SIGKILL) after some chunks are
    written, run the same command again: every run is there once and equals a serial run."""
    # 60 runs of about 0.05 s on 2 workers: over a second between the 3rd chunk and the last
    path = _file(tmp_path, GRID.replace("replicates: 2", "replicates: 10"))
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "povsim", "sweep", str(path), "--workers", "2", "--chunk-size",
           "1", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    try:
        while len(list((out / "chunks").glob("chunk-*.parquet"))) < 3:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.time() < deadline, "no chunk written in 120 s"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = len(list((out / "chunks").glob("chunk-*.parquet")))
    assert 3 <= done < 60
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    runs = SweepStore(out).read_runs()
    assert not runs.duplicated(["run", "year"]).any() and runs["run"].nunique() == 60
    assert not list((out / "chunks").glob(".*tmp*"))
    pd.testing.assert_frame_equal(runs, _serial(path, tmp_path / "serial"), check_exact=True)


def _dies_once(scenario, changes, runs, seed, scale, outputs):
    """A chunk function whose worker process dies the first time it sees chunk with run 5."""
    marker = Path(os.environ["POVSIM_TEST_MARKER"])
    if any(r == 5 for r, _, _ in runs) and not marker.exists():
        marker.write_text("died")
        os._exit(1)
    return run_chunk(scenario, changes, runs, seed, scale, outputs)


@pytest.mark.slow
def test_the_runs_of_a_worker_that_dies_are_retried(tmp_path, monkeypatch):
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    monkeypatch.setenv("POVSIM_TEST_MARKER", str(tmp_path / "marker"))
    path = _file(tmp_path, GRID)
    out = tmp_path / "retried"
    res = run_sweep(load_sweep(path), out, workers=2, chunk_size=1, progress=False,
                    _chunk_fn=_dies_once)
    assert (tmp_path / "marker").read_text() == "died"
    assert res["ran"] == 12
    pd.testing.assert_frame_equal(SweepStore(out).read_runs(),
                                  _serial(path, tmp_path / "serial"), check_exact=True)


# ---------------------------------------------------------------- summaries
def test_sobol_indices_of_the_ishigami_function_match_their_known_values():
    from SALib.sample import sobol
    from SALib.test_functions import Ishigami

    prob = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * 3}
    x = sobol.sample(prob, 2048, calc_second_order=False, seed=1)
    y = Ishigami.evaluate(-np.pi + 2 * np.pi * x)
    got = {(p, i): v for p, i, v, _ in analyze("sobol", prob, x, y)}
    # analytic values for a = 7, b = 0.1
    assert got[("x1", "S1")] == pytest.approx(0.314, abs=0.05)
    assert got[("x2", "S1")] == pytest.approx(0.442, abs=0.05)
    assert got[("x3", "S1")] == pytest.approx(0.0, abs=0.05)
    assert got[("x3", "ST")] == pytest.approx(0.244, abs=0.05)


def test_summarize_a_small_sobol_sweep(tmp_path, capsys):
    path = _file(tmp_path, SOBOL)
    out = tmp_path / "sobol"
    _serial(path, out)
    assert main(["summarize", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "S1" in printed and "ST" in printed
    idx = pd.read_csv(out / "summary" / "indices.csv")
    assert set(idx["index"]) == {"S1", "ST"}
    assert len(idx) == 2 * 2 * 2  # outputs x parameters x indices
    assert np.isfinite(idx["value"]).all() and (idx["conf"] >= 0).all()
    assert (out / "summary" / "indices_migrants.png").stat().st_size > 0
    # migrants respond to the migration and return probabilities, not to nothing
    mig = idx[(idx["output"] == "migrants") & (idx["index"] == "ST")]
    assert mig["value"].max() > 0.1


def test_summarize_bands_per_point_and_notes_a_partial_store(tmp_path):
    path = _file(tmp_path, GRID)
    out = tmp_path / "grid"
    runs = _serial(path, out, chunk_size=4)
    s = summarize(out, plots=False)
    inc = s.points[(s.points["output"] == "incidence") & (s.points["year"] == s.year)]
    assert len(inc) == 6 and (inc["replicates"] == 2).all()
    at = runs[runs["year"] == s.year].groupby("point")["incidence"]
    assert np.allclose(inc.set_index("point")["median"], at.median())
    assert (inc["p10"] <= inc["median"]).all() and (inc["median"] <= inc["p90"]).all()
    text = s.format()
    assert all(o in text for o in s.manifest["outputs"])  # every output, not the first three
    for f in ("chunk-000000.parquet", "chunk-000000.json"):  # as if never run
        (out / "chunks" / f).unlink()
    partial = summarize(out, plots=False, write=False)
    assert any("4 of 12 runs are not finished" in n for n in partial.notes)


def test_summarize_of_a_folder_without_a_sweep_fails_in_one_line(tmp_path, capsys):
    assert main(["summarize", str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err


def test_a_store_refuses_another_design_from_the_same_file(tmp_path):
    path = _file(tmp_path, SOBOL)
    out = tmp_path / "s"
    _serial(path, out)
    with pytest.raises(ScenarioError, match="design_sha256"):
        run_sweep(load_sweep(path).with_design(samples=4), out, serial=True, progress=False)
    with pytest.raises(ScenarioError, match="power of two"):
        load_sweep(path).with_design(samples=5)


def test_summarize_a_small_morris_sweep(tmp_path):
    text = SOBOL.replace("{method: sobol, samples: 8}", "{method: morris, samples: 4}")
    out = tmp_path / "morris"
    _serial(_file(tmp_path, text), out)
    s = summarize(out, plots=True)
    assert set(s.indices["index"]) == {"mu_star", "mu", "sigma"}
    star = s.indices[s.indices["index"] == "mu_star"]
    assert len(star) == 2 * 2 and (star["value"] >= 0).all() and (star["conf"] >= 0).all()
    # mu* is at least |mu| (the mean of absolute effects is at least the mean's size)
    mu = s.indices[s.indices["index"] == "mu"].set_index(["output", "parameter"])["value"]
    assert (star.set_index(["output", "parameter"])["value"] >= mu.abs() - 1e-12).all()
    assert (out / "summary" / "indices_incidence.png").stat().st_size > 0


def test_the_sweep_command_takes_fewer_samples_and_refuses_an_invalid_number(tmp_path, capsys):
    path = _file(tmp_path, SOBOL)
    out = tmp_path / "quick"
    assert main(["sweep", str(path), "--samples", "2", "--serial", "--quiet",
                 "--out", str(out)]) == 0
    runs = SweepStore(out).read_runs()
    assert runs["run"].nunique() == 2 * (2 + 2)  # Saltelli: N x (D + 2), N = 2, D = 2
    assert main(["sweep", str(path), "--samples", "3", "--serial", "--quiet",
                 "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert "design.samples" in err and "power of two" in err and len(err.splitlines()) == 1


def test_resuming_with_other_code_warns_on_stderr(tmp_path, capsys):
    path = _file(tmp_path, SOBOL)
    out = tmp_path / "store"
    args = ["sweep", str(path), "--samples", "2", "--serial", "--quiet", "--out", str(out)]
    assert main(args) == 0
    man = json.loads((out / "manifest.json").read_text())
    man["code"] = "0.0.0+other"
    (out / "manifest.json").write_text(json.dumps(man))
    capsys.readouterr()
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "povsim: warning:" in captured.err and "0.0.0+other" in captured.err
    assert "warning" not in captured.out
