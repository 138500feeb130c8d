"""End-to-end tests of the ``povsim`` command line at small scale."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from povsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def sc_has_crops(path) -> bool:
    from povsim.schema.config import load_scenario
    return bool(load_scenario(path).income.crops)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_run_writes_tables_manifest_and_plots(scenario, tmp_path, capsys):
    out = tmp_path / "res"
    rc = main(["run", str(scenario), "--seed", "3", "--replicates", "2", "--scale", "400",
               "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "poverty incidence, register-based (%)" in printed and "[" in printed
    man = json.loads((out / "manifest.json").read_text())
    assert man["run"]["seed"] == 3 and man["run"]["replicates"] == 2
    assert man["run"]["scale"] == 400.0
    assert man["scenario"]["file"] == str(scenario)
    assert len(man["scenario"]["sha256"]) == 64
    for name in man["tables"]:
        pq = pd.read_parquet(out / f"{name}.parquet")
        csv = pd.read_csv(out / f"{name}.csv")
        assert len(pq) == len(csv) == man["tables"][name]["rows"]
        if name != "crops" or sc_has_crops(scenario):  # crops is empty without cash crops
            assert sorted(pq["replicate"].unique().tolist()) == [0, 1]
    for png in man["plots"]:
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    annual = pd.read_parquet(out / "annual.parquet")
    assert annual["incidence"].between(0, 1).all()


def test_same_seed_same_files(tmp_path):
    scen = str(SCENARIOS[0])
    for d in ("a", "b"):
        assert main(["run", scen, "--replicates", "2", "--scale", "500", "--out",
                     str(tmp_path / d), "--quiet", "--no-plots"]) == 0
    for name in ("annual", "monthly", "deciles", "sources", "cadres", "costs", "ledger"):
        a = pd.read_parquet(tmp_path / "a" / f"{name}.parquet")
        b = pd.read_parquet(tmp_path / "b" / f"{name}.parquet")
        pd.testing.assert_frame_equal(a, b)


def test_existing_files_in_out_are_kept(tmp_path):
    out = tmp_path / "res"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["run", str(SCENARIOS[0]), "--replicates", "1", "--scale", "1000", "--out",
                 str(out), "--quiet", "--no-plots"]) == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert not list(out.glob(".*tmp*"))


def test_bad_scenario_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "scenarios" / "xixiu.yaml").read_text()
    # whatever the calibration put there: a probability of 1.5
    bad.write_text(re.sub(r"illness_prob_month: \{value: [0-9.e-]+",
                          "illness_prob_month: {value: 1.5", text))
    assert bad.read_text() != text
    out = tmp_path / "never"
    proc = subprocess.run([sys.executable, "-m", "povsim", "run", str(bad), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert str(bad) in err and "shocks.illness_prob_month.value" in err and "1" in err
    assert not out.exists()


@pytest.mark.parametrize("args, needle", [
    (["--scale", "0.5"], "--scale"),
    (["--replicates", "0"], "--replicates"),
    (["--seed", "x"], "--seed"),
])
def test_bad_options_fail_with_usage(args, needle, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", str(SCENARIOS[0]), *args])
    assert exc.value.code == 2
    assert needle in capsys.readouterr().err


def test_an_unknown_option_shows_the_commands_usage(capsys):
    """Issue 28 (5): ``povsim run xixiu --runs 2`` answers with ``run``'s usage, not povsim's."""
    with pytest.raises(SystemExit) as exc:
        main(["run", "xixiu", "--runs", "2"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.startswith("usage: povsim run ") and "unrecognized arguments: --runs 2" in err


@pytest.mark.parametrize("args, hint", [
    (["run", "xixu", "--quiet"], "did you mean 'xixiu'?"),
    (["compare", "xixiu", "--vary", "cadre_pairing=randon", "--quiet"], "did you mean 'random'?"),
    (["compare", "xixiu", "--vary", "cadre_pairng=random", "--quiet"],
     "did you mean 'cadre_pairing'?"),
])
def test_a_mistyped_name_gets_a_did_you_mean(args, hint, capsys):
    assert main(args) == 2
    assert hint in capsys.readouterr().err


def test_case_names_in_any_letter_case(tmp_path):
    assert main(["run", "XiXiu", "--replicates", "1", "--scale", "1000", "--quiet", "--no-plots",
                 "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "manifest.json").exists()


def test_the_help_texts_say_what_each_command_has(capsys):
    """``--serial`` only where the command has it; compare takes a case; its lever list is the
    schema's; audit describes itself."""
    from povsim.arguments import POLICY_LEVERS
    from povsim.schema.policy import PolicyCfg

    assert POLICY_LEVERS == tuple(PolicyCfg.model_fields)
    texts = {}
    for cmd in ("calibrate", "sweep", "compare", "audit"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        texts[cmd] = " ".join(capsys.readouterr().out.split())
    assert "--serial or" not in texts["calibrate"] and "--serial or" in texts["sweep"]
    assert "a bundled case" in texts["compare"] and "programme)" in texts["compare"]
    assert "Cross-check the reported figures" in texts["audit"]


def test_a_folder_of_another_scenarios_results_is_not_replaced(tmp_path, capsys):
    """Issue 28 (4): a second run into a folder holding another scenario file's results is
    refused in one line (its files kept) unless --force; the same scenario may run again."""
    out = tmp_path / "o"
    small = ["--replicates", "1", "--quiet", "--no-plots", "--out", str(out)]
    assert main(["run", "xixiu", "--scale", "1000", *small]) == 0
    before = (out / "manifest.json").read_text(encoding="utf-8")
    assert main(["run", "sanba", "--scale", "40", *small]) == 2
    err = capsys.readouterr().err
    assert "holds the results of another scenario" in err and "xixiu.yaml" in err
    assert (out / "manifest.json").read_text(encoding="utf-8") == before
    assert main(["run", "xixiu", "--scale", "1000", *small]) == 0
    assert main(["run", "sanba", "--scale", "40", "--force", *small]) == 0
    assert "sanba.yaml" in (out / "manifest.json").read_text(encoding="utf-8")


def test_missing_scenario_file(capsys):
    assert main(["run", "no/such/file.yaml", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "no/such/file.yaml" in err and "cannot read" in err


def test_the_help_shows_examples_and_no_markup(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "examples:" in text and "povsim calibrate all" in text
    assert "``" not in text


HEAVY = ("pyabc", "dask", "distributed", "matplotlib", "numba", "pandas", "scipy", "mesa")


def _imported(args: list[str]) -> set[str]:
    """Top-level packages imported by ``python -X importtime -m povsim ARGS``."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "povsim", *args],
                       capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    names = set()
    for line in r.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["sweep", "--help"],
                                  ["calibrate", "--help"], ["run", "no-such-case"],
                                  ["run", "xixiu", "--scale", "0"],
                                  ["compare", "xixiu", "--vary", "cadre_pairing=nosuch"],
                                  ["run", "xixiu", "--posterior", "no-such-folder"],
                                  ["summarize", "no-such-folder"], ["report", "no-such-folder"],
                                  ["calibrate", "no-such-case"]])
def test_help_and_bad_input_load_no_heavy_module(args):
    """The command line starts at once (issue 26): help and bad input answer before numba,
    pandas, scipy, Mesa, pyabc, Dask or matplotlib load."""
    loaded = _imported(args)
    assert "povsim" in loaded  # the measurement saw the package
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_a_first_compile_is_announced_on_its_own_line_before_the_bar(monkeypatch, capsys):
    """Issue 26 (5): a first compile's notice comes before the progress bar, on its own line,
    and its time is no simulated month's (the kernels are warmed before the bar starts)."""
    from povsim.engine import kernels
    from povsim.experiments.runner import run_scenario
    from povsim.schema.config import load_scenario

    monkeypatch.setattr(kernels, "cache_is_cold", lambda: True)
    monkeypatch.setattr(kernels, "_LOADED", [])
    run_scenario(load_scenario("zhenbao"), seed=1, replicates=1, scale=4, progress=True)
    err = capsys.readouterr().err
    assert err.startswith("povsim: compiling the model's kernels")
    notice, _, rest = err.partition("\n")
    assert "month" not in notice and "zhenbao x1" in rest  # the bar comes after the notice


def test_an_out_holding_another_command_s_outputs_is_refused_before_the_run(tmp_path, capsys):
    """A run pointed at a sweep store (or a calibration, a comparison) is refused in one line
    before any work, the store untouched; --force writes over it."""
    import json

    store = tmp_path / "store"
    store.mkdir()
    manifest = {"sweep": "xixiu_pairing", "runs": 4}
    (store / "manifest.json").write_text(json.dumps(manifest))
    args = ["run", "zhenbao", "--replicates", "1", "--scale", "4", "--quiet", "--no-plots",
            "--no-counterfactual", "--out", str(store)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds the outputs of povsim's sweep, not of a run" in err
    assert json.loads((store / "manifest.json").read_text()) == manifest
    assert sorted(p.name for p in store.iterdir()) == ["manifest.json"]
    assert main([*args, "--force"]) == 0


@pytest.mark.parametrize(("cmd", "held", "kind"), [
    (["sweep", "scenarios/sweeps/xixiu_pairing.yaml", "--serial", "--quiet"], "calibration",
     "sweep"),
    (["calibrate", "zhenbao", "--quiet"], "run", "calibration"),
    (["calibrate", "zhenbao", "--quiet"], "sweep", "calibration"),
])
def test_sweep_and_calibrate_refuse_another_command_s_folder(cmd, held, kind, tmp_path,
                                                              capsys):
    """Issue 29 (4): sweep and calibrate, like run, refuse an --out holding another command's
    outputs before any work, the folder untouched."""
    import json

    out = tmp_path / "o"
    out.mkdir()
    files = {"calibration": ("calibration.json", {"fitted": []}),
             "run": ("manifest.json", {"run": {"seed": 1}, "tables": []}),
             "sweep": ("manifest.json", {"sweep": "x", "runs": 4})}
    name, content = files[held]
    (out / name).write_text(json.dumps(content))
    assert main([*cmd, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"holds the outputs of povsim's {held}, not of a {kind}" in err
    assert sorted(p.name for p in out.iterdir()) == [name]


def test_an_out_that_cannot_be_written_is_refused_before_the_run(tmp_path, capsys,
                                                                 monkeypatch):
    import povsim.experiments.runner

    def never(*args, **kwargs):
        raise AssertionError("the run started")

    monkeypatch.setattr(povsim.experiments.runner, "run_scenario", never)
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "results"
    assert main(["run", "xixiu", "--replicates", "8", "--quiet", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot write to {tmp_path / 'file'}: not a directory" in err


def test_a_thread_count_in_the_environment_is_checked_before_the_libraries_read_it(tmp_path):
    """Issue 29: ``NUMBA_NUM_THREADS=0`` made every command print a 20-frame traceback from
    numba's import, before povsim's error handling started. In a process of its own (the
    variable is read at import): one line, status 2, nothing written. The other variables and
    values are lines of the corpus (tests/fuzz_corpus.yaml)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_NUM_THREADS": "0"}
    done = subprocess.run([sys.executable, "-m", "povsim", "run", "zhenbao", "--replicates", "1",
                           "--scale", "4", "--quiet", "--out", str(tmp_path / "o")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("povsim: error: environment variable NUMBA_NUM_THREADS='0': must be "
                           "a whole number of threads, 1 or more (or unset)\n")
    assert not (tmp_path / "o").exists()


def test_a_display_backend_in_the_environment_does_not_stop_the_plots(capsys, monkeypatch,
                                                                      tmp_path):
    """Issue 29: MPLBACKEND naming a backend matplotlib does not know stopped a run at its first
    plot, after all its work; povsim draws with Agg whatever the environment says."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "MPLBACKEND": "nosuch"}
    done = subprocess.run([sys.executable, "-m", "povsim", "run", "zhenbao", "--replicates", "1",
                           "--scale", "4", "--quiet", "--no-counterfactual", "--out",
                           str(tmp_path / "o")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "o").glob("*.png"))
