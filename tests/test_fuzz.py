"""Fuzzing the inputs (issue 17): every field of every kind of input file mutated with hostile
values, and a corpus of bad command lines, each with the one line it must give.

At the suite's size every leaf of Xixiu's scenario gets one hostile value and every leaf of
each bundled sweep file three, drawn with a fixed seed (about 45 s); ``POVSIM_FUZZ=full``
gives every leaf of all five scenarios and both sweeps every value
(``POVSIM_FUZZ=full pytest tests/test_fuzz.py -s`` prints the counts).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
import yaml
from fuzzing import fuzz, prepare, snapshot  # tests/fuzzing.py (pytest puts tests/ on the path)

from povsim.cli import main
from povsim.experiments.sweepfile import load_sweep
from povsim.scenarios import CASES
from povsim.schema.config import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FULL = os.environ.get("POVSIM_FUZZ", "") == "full"
PER_LEAF = None if FULL else 1
CORPUS = Path(__file__).with_name("fuzz_corpus.yaml")


def _report(name: str, counts, bad) -> None:
    print(f"\n{name}: {sum(counts.values())} tried: " + ", ".join(
        f"{counts[k]} {k}" for k in ("clean", "accepted", "wrong accept", "traceback", "hang")))
    assert not bad, "\n".join(bad[:20])


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES if FULL else ["xixiu"])
def test_every_scenario_field_mutated(case, tmp_path):
    counts, bad = fuzz(ROOT / "scenarios" / f"{case}.yaml", load_scenario, tmp_path,
                       per_leaf=PER_LEAF, seed=len(case))
    _report(case, counts, bad)
    assert counts["clean"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["xixiu_pairing", "xixiu_behaviour_sobol"])
def test_every_sweep_field_mutated(name, tmp_path):
    work = tmp_path / "sweeps"
    work.mkdir()
    (tmp_path / "xixiu.yaml").symlink_to(ROOT / "scenarios" / "xixiu.yaml")
    counts, bad = fuzz(ROOT / "scenarios" / "sweeps" / f"{name}.yaml", load_sweep, work,
                       per_leaf=None if FULL else 3, seed=3)
    _report(name, counts, bad)


def _corpus():
    entries = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["command_lines"]
    return [pytest.param(e["argv"], e["message"], e.get("status", 2), e.get("given", []),
                         e.get("env", {}), id=" ".join(e["argv"])[:70]) for e in entries]


@pytest.mark.parametrize("argv, message, status, given, env", _corpus())
def test_a_bad_command_line_gives_its_one_line(argv, message, status, given, env, tmp_path,
                                               capsys, monkeypatch):
    """Each line of the corpus, in a folder holding what it is given (a pipe, a file over the
    size limit, a scenario with a YAML 1.1 reading or a billion villages, a damaged sweep
    store, ...) and with its environment: the one line, the status, no traceback, nothing
    written and nothing it was given changed. Families a command line cannot give are tested
    beside their code: an interrupt (tests/test_interrupts.py), a corrupt compiled-kernel cache
    (tests/test_hardening.py), a variable read at import (``python -m povsim`` there)."""
    monkeypatch.chdir(tmp_path)
    for name in ("scenarios",):
        (tmp_path / name).symlink_to(ROOT / name)
    prepare(given, tmp_path, ROOT)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = snapshot(tmp_path)
    done: list = []

    def command():
        try:
            done.append(main(argv))
        except SystemExit as stop:  # argparse: usage line and the error
            done.append(stop.code)

    worker = threading.Thread(target=command, daemon=True)  # an input that never ends: a hang
    worker.start()  # fails the test, not the suite
    worker.join(120)
    assert done, "still running after 120 s"
    rc = done[0]
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if not ln.startswith("usage:")
             and not ln.startswith(" ")]
    assert rc == status, err
    assert len(lines) == 1, err
    assert re.search(message, lines[0]), (message, lines[0])
    assert "Traceback" not in err
    assert not (tmp_path / "results").exists() or status == 0  # nothing written on refusal
    assert snapshot(tmp_path) == before  # nothing it was given changed, nothing new


@pytest.mark.slow
def test_every_priors_field_mutated(tmp_path):
    from povsim.calibration.priors import load_priors

    def load(path):
        if hasattr(load_priors, "cache_clear"):
            load_priors.cache_clear()
        return load_priors(str(path))

    counts, bad = fuzz(ROOT / "calibration" / "priors.yaml", load, tmp_path,
                       per_leaf=PER_LEAF, seed=5)
    _report("priors", counts, bad)


@pytest.mark.slow
def test_every_field_of_a_countys_own_figures_file_mutated(tmp_path):
    """The figures kind, through the scenario that names the file (docs/add-a-county.md)."""
    from povsim.calibration import registry

    example = ROOT / "docs" / "examples"
    (tmp_path / "mycounty.yaml").write_text((example / "mycounty.yaml").read_text("utf-8"),
                                            encoding="utf-8")

    def load(path):
        registry._load.cache_clear()  # the mutant is read again under the same name
        return load_scenario(tmp_path / "mycounty.yaml")

    counts, bad = fuzz(example / "mycounty_figures.yaml", load, tmp_path,
                       per_leaf=PER_LEAF, seed=7)
    _report("mycounty_figures", counts, bad)
