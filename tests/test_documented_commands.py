"""Every command in a ``bash`` block of the README, of docs/ and of notebooks/README.md runs.

Two ways, one list of commands:

- **In the suite** (``make test``): a command runs as written where its estimated time is short
  (:data:`AS_WRITTEN_SECONDS`), else at a small scale. The commands of each document run in order
  in one sandbox folder (the repository's inputs linked in), so a command may use what an earlier
  one wrote (``povsim summarize`` after ``povsim sweep``). ``povsim`` commands run in-process,
  the long ones with their sizes made small (:func:`small`); ``make`` targets are checked to exist
  (``make -n``); ``cp`` copies; another ``python -m`` entry point (the benchmark suite) must start
  and parse ``--help``.
- **Exactly as written** (``make guides``, which sets ``POVSIM_GUIDES=written``): in a fresh clone
  of the checkout with its own environment, every command runs through the shell from the
  repository root, in document order, as a reader following the guides would type it
  (``make calibration`` and ``make bench`` too; ``make notebooks`` until JupyterLab serves). Each
  command's exit status and wall time go to :data:`RECORD`.

Lines that cannot run either way are listed in :data:`NOT_RUN` with the reason, and a test checks
that list holds only lines that are still in the documents.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from povsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             ROOT / "notebooks" / "README.md"]
#: the repository's folders a documented command may read (linked into the sandbox)
INPUTS = ("scenarios", "calibration", "docs", "benchmarks", "Makefile", "pyproject.toml")
#: lines not run, with the reason
NOT_RUN = {
    "python cluster.py &": "starts a Dask scheduler in the background (the README's sketch "
                           "of a cluster; tests/test_sweeps.py runs sweeps on a local cluster)",
    "povsim sweep scenarios/sweeps/xixiu_behaviour_sobol.yaml --scheduler tcp://...:8786 "
    "--out results/sobol": "the scheduler address is a placeholder",
}
#: run every command exactly as written (``make guides``)
WRITTEN = os.environ.get("POVSIM_GUIDES") == "written"
#: lines not run exactly as written, with the reason (the suite checks ``make test`` exists)
NOT_RUN_WRITTEN = {
    "make test": "the suite itself, which CI runs (bash .ci/run)",
    "make guides": "this run itself",
}
#: each command run exactly as written: document, command, exit status, wall seconds, and the
#: file holding what it printed (in :data:`LOGS`)
RECORD = ROOT / "results" / "guides.csv"
LOGS = ROOT / "results" / "guides-logs"
#: the longest a command may run exactly as written (``make calibration``: about 50 minutes)
WRITTEN_TIMEOUT = 3 * 3600
#: simulated households a documented run is cut to (scale = real households / this)
HOUSEHOLDS = 250
#: a documented run, targets, compare or attribute command whose estimated time
#: (sim/engine/budget.py, an upper bound: about three times what a run takes here) is at most
#: this runs exactly as written; a longer one is cut to test size (:func:`small`)
AS_WRITTEN_SECONDS = 8.0
#: the defaults of the commands' replicates, and posterior draws
REPLICATES = {"run": 8, "targets": 8, "compare": 20, "attribute": 10}
DRAWS = 10


def _count(argv: list[str], option: str, default: int) -> int:
    return int(argv[argv.index(option) + 1]) if option in argv else default


def as_written_seconds(argv: list[str]) -> float | None:
    """The estimated time of a ``run``, ``targets``, ``compare`` or ``attribute`` command as
    written (its runs: replicates x variants x posterior draws, a run's counterfactual too), or
    None for another command or a scenario not at hand.

    Example:
        >>> as_written_seconds(["run", "zhenbao", "--replicates", "2"]) < 1
        True
        >>> as_written_seconds(["audit"]) is None
        True
    """
    from povsim.base.inputs import ScenarioError
    from povsim.engine.budget import estimate
    from povsim.experiments.attribution import CHANNELS
    from povsim.schema.config import load_scenario

    cmd = argv[0]
    if cmd not in REPLICATES:
        return None
    try:
        sc = load_scenario(argv[1])
    except ScenarioError:
        return None
    if "--households" in argv:
        sc = sc.with_params({"population.total_households": int(argv[argv.index(
            "--households") + 1])})
    runs = _count(argv, "--replicates", REPLICATES[cmd])
    if "--posterior" in argv:
        runs *= _count(argv, "--draws", DRAWS)
    if cmd == "run" and "--no-counterfactual" not in argv:
        runs *= 2
    if cmd == "compare":
        variants = 1
        for i, a in enumerate(argv):
            if a == "--vary":
                variants *= len(argv[i + 1].split("=", 1)[1].split(","))
        variants += sum(1 for a in argv if a == "--against")
        runs *= variants + 1
    if cmd == "attribute":
        runs *= len(CHANNELS) + 4
    scale = float(argv[argv.index("--scale") + 1]) if "--scale" in argv else 1.0
    return estimate(sc, scale, runs).seconds


def commands(doc: Path) -> list[str]:
    """The command lines of a document's ``bash`` blocks, without comments.

    Example:
        >>> "make demo" in commands(ROOT / "README.md")
        True
    """
    out, inside = [], False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = line.strip() == "```bash" if not inside else False
            continue
        if inside:
            cmd = re.sub(r"\s+#.*$", "", line).strip()
            if cmd and not cmd.startswith("#"):
                out.append(cmd)
    return out


def _set(argv: list[str], option: str, value: str) -> None:
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]


def small(argv: list[str]) -> list[str]:
    """A povsim command line cut to test size: few households, replicates and draws, one
    worker, tiny calibrations and sampled designs.

    Example:
        >>> small(["run", "xixiu", "--replicates", "8"])
        ['run', 'xixiu', '--replicates', '2', '--scale', '680']
    """
    argv = list(argv)
    cmd = argv[0]
    if cmd in ("run", "targets", "compare", "attribute") and not argv[1].startswith("results/"):
        from povsim.schema.config import load_scenario

        n = (float(argv[argv.index("--households") + 1]) if "--households" in argv
             else load_scenario(argv[1]).population.total_households.value)
        scale = max(1, round(n / HOUSEHOLDS))
        given = float(argv[argv.index("--scale") + 1]) if "--scale" in argv else 1.0
        _set(argv, "--replicates", "2")
        _set(argv, "--scale", f"{max(scale, given):g}")
    elif cmd == "run":
        _set(argv, "--replicates", "2")
    if "--draws" in argv and cmd != "calibrate":
        _set(argv, "--draws", "2")
    if "--workers" in argv:
        _set(argv, "--workers", "1")
    if cmd == "calibrate" and argv[1] == "all" and "abc" not in argv:
        # the joint staged fit needs its full budget to find the five cases' region (at test
        # size every point is ruled out, a one-line error): here the command's ABC form, and
        # the staged method on one case (below and tests/test_staged.py)
        argv += ["--method", "abc"]
    if cmd == "calibrate" and "abc" in argv:
        # the joint fit skips its five screenings (all parameters fitted): 20 s, not 90
        top = "0" if argv[1] == "all" else "2"
        for opt, v in (("--population", "8"), ("--generations", "1"), ("--draws", "4"),
                       ("--fit-top", top)):
            _set(argv, opt, v)
        argv.append("--no-plots")
    elif cmd == "calibrate":  # the staged method, with few runs in each stage
        for opt, v in (("--screening-runs", "32"), ("--waves", "2"), ("--wave-runs", "32"),
                       ("--training-runs", "64"), ("--draws", "4")):
            _set(argv, opt, v)
        argv.append("--no-plots")
    if cmd == "sweep":
        _set(argv, "--replicates", "1")
        if "sobol" in argv[1] or "morris" in argv[1] or "lhs" in argv[1]:
            _set(argv, "--samples", "2")
        _set(argv, "--scale", "400")
    if cmd in ("run", "compare", "attribute", "sweep", "calibrate") and "--quiet" not in argv:
        argv.append("--quiet")
    return argv


def _cases() -> list:
    out = []
    for doc in DOCUMENTS:
        for i, cmd in enumerate(commands(doc)):
            out.append(pytest.param(doc, cmd, id=f"{doc.name}:{i}:{cmd[:60]}"))
    return out


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory):
    """One working folder per document, with the repository's inputs linked in."""
    made: dict[Path, Path] = {}

    def get(doc: Path) -> Path:
        if doc not in made:
            d = tmp_path_factory.mktemp(doc.stem)
            for name in INPUTS:
                (d / name).symlink_to(ROOT / name)
            made[doc] = d
        return made[doc]

    return get


def _environment() -> dict[str, str]:
    """The shell environment of a reader who activated the checkout's ``.venv``."""
    venv = ROOT / os.environ.get("VENV", ".venv")
    env = dict(os.environ, VIRTUAL_ENV=str(venv),
               PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("POVSIM_GUIDES", None)
    return env


def _until_served(cmd: str, env: dict[str, str], log, timeout: float = 900.0) -> int:
    """Run a command that starts a server (``make notebooks``) until it prints its address,
    then stop it: 0 if it served. What it printed goes to ``log``."""
    proc = subprocess.Popen(["bash", "-c", cmd], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    served, start = False, time.monotonic()
    try:
        for line in proc.stdout:
            log.write(line)
            if re.search(r"http://(localhost|127\.0\.0\.1):\d+/", line):
                served = True
                break
            if time.monotonic() - start > timeout:
                break
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return 0 if served else 1


def _log_file(cmd: str) -> Path:
    """A new file in :data:`LOGS` for one command's output, numbered in the run's order."""
    LOGS.mkdir(parents=True, exist_ok=True)
    n = len(list(LOGS.glob("*.txt"))) + 1
    name = re.sub(r"[^A-Za-z0-9]+", "-", cmd).strip("-")[:60]
    return LOGS / f"{n:03d}-{name}.txt"


def _record(doc: Path, cmd: str, status: int | str, seconds: float, log: Path | None = None
            ) -> None:
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    new = not RECORD.exists()
    with RECORD.open("a", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["document", "command", "exit", "seconds", "output"])
        w.writerow([doc.relative_to(ROOT).as_posix(), cmd, status, f"{seconds:.1f}",
                    "" if log is None else log.relative_to(ROOT).as_posix()])


def _expected_status(cmd: str) -> int:
    return 1 if "audit --strict" in cmd else 0  # documented: exits 1 on findings


def run_as_written(doc: Path, cmd: str) -> None:
    """Run one documented command exactly as written, through the shell, from the repository
    root, with the checkout's environment active; record its exit status and wall time."""
    if cmd in NOT_RUN_WRITTEN:
        _record(doc, cmd, "not run: " + NOT_RUN_WRITTEN[cmd], 0.0)
        pytest.skip(NOT_RUN_WRITTEN[cmd])
    env, start, path = _environment(), time.monotonic(), _log_file(cmd)
    with path.open("w", encoding="utf-8") as log:
        log.write(f"$ {cmd}\n")
        log.flush()
        if cmd == "make notebooks":
            status = _until_served(cmd, env, log)
        else:
            status = subprocess.run(["bash", "-c", cmd], cwd=ROOT, env=env, stdout=log,
                                    stderr=subprocess.STDOUT, timeout=WRITTEN_TIMEOUT).returncode
    _record(doc, cmd, status, time.monotonic() - start, path)
    tail = path.read_text(encoding="utf-8", errors="replace")[-3000:]
    assert status == _expected_status(cmd), f"{cmd}: exit {status}\n{tail}"


@pytest.mark.slow
@pytest.mark.parametrize("doc, cmd", _cases())
def test_documented_command_runs(doc, cmd, sandboxes, monkeypatch, capsys):
    if cmd in NOT_RUN:
        if WRITTEN:
            _record(doc, cmd, "not run: " + NOT_RUN[cmd], 0.0)
        pytest.skip(NOT_RUN[cmd])
    if WRITTEN:
        run_as_written(doc, cmd)
        return
    work = sandboxes(doc)
    monkeypatch.chdir(work)
    argv = shlex.split(cmd)
    if argv[0] == "make":
        r = subprocess.run(["make", "-n", *argv[1:]], capture_output=True, text=True)
        assert r.returncode == 0, f"{cmd}: no such make target ({r.stderr.strip()})"
        return
    if argv[0] == "cp":
        shutil.copy(argv[1], argv[2])
        return
    if argv[:3] == ["python", "-m", "povsim"]:
        argv = ["povsim", *argv[3:]]
    elif argv[:2] == ["python", "-m"]:  # another entry point (the benchmark suite, about a
        # minute, is `make bench`): it must start and parse its options
        r = subprocess.run([sys.executable, "-m", argv[2], "--help"], capture_output=True,
                           text=True, cwd=ROOT)
        assert r.returncode == 0, f"{cmd}: {r.stderr[-1000:]}"
        return
    assert argv[0] == "povsim", f"{cmd}: not a povsim, make or cp command; run it here or " \
                                "add it to NOT_RUN with the reason"
    seconds = as_written_seconds(argv[1:]) if len(argv) > 2 else None
    written = len(argv) <= 2 or (seconds is not None and seconds <= AS_WRITTEN_SECONDS)
    try:
        rc = main(argv[1:] if written else small(argv[1:]))
    except SystemExit as stop:  # argparse's --version and --help exit
        rc = stop.code
    err = capsys.readouterr().err
    assert rc == _expected_status(cmd), f"{cmd} -> {small(argv[1:])}: exit {rc}\n{err[-2000:]}"


def test_the_not_run_list_is_current():
    documented = {c for doc in DOCUMENTS for c in commands(doc)}
    assert set(NOT_RUN) | set(NOT_RUN_WRITTEN) <= documented, \
        (set(NOT_RUN) | set(NOT_RUN_WRITTEN)) - documented
