"""Interrupts end with status 130 and one line, and leave a state the same command resumes
(issue 29): a calibration interrupted at several moments, and an interrupt that comes while
the interpreter shuts down after the command has finished."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["calibrate", "zhenbao", "--scale", "8", "--screening-runs", "16", "--waves", "1",
         "--wave-runs", "8", "--training-runs", "32", "--draws", "5", "--workers", "1",
         "--no-plots", "--quiet"]


def _interrupted(argv: list[str], ready, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """Run ``python -m povsim argv`` in a process group of its own and send the group SIGINT
    (as a terminal's Ctrl-C does) once ``ready()`` holds; its status and stderr."""
    p = subprocess.Popen([sys.executable, "-m", "povsim", *argv], cwd=ROOT,
                         start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end = time.monotonic() + timeout
    while not ready() and p.poll() is None and time.monotonic() < end:
        time.sleep(0.05)
    assert p.poll() is None, "finished before the moment of the interrupt"
    os.killpg(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=240)
    return subprocess.CompletedProcess(argv, p.returncode, out.decode(), err.decode())


@pytest.mark.slow
def test_an_interrupted_calibration_ends_130_and_resumes(tmp_path):
    out = tmp_path / "fit"
    argv = [*SMALL, "--out", str(out)]
    start = time.monotonic()
    stages = out / "stages"
    moments = {  # the interrupt comes: while the runs are set up; once screening is kept;
        # once the training runs are kept (the network being trained)
        "setting up": lambda: time.monotonic() - start > 2.0,
        "history matching": lambda: (stages / "screening-zhenbao.npz").is_file(),
        "training": lambda: (stages / "training.npz").is_file(),
    }
    for moment, ready in moments.items():
        start = time.monotonic()
        done = _interrupted(argv, ready)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 130, (moment, done.stderr[-2000:])
        # (a first run in a fresh installation also says it compiles the kernels; a forked
        # worker interrupted while it compiles may print its own KeyboardInterrupt above)
        assert lines[-1] == "povsim: interrupted; files already written are complete", moment
    kept = sorted(p.name for p in stages.iterdir())
    assert {"screening-zhenbao.npz", "training.npz"} <= set(kept)
    again = subprocess.run([sys.executable, "-m", "povsim", *argv], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert (out / "posterior.parquet").is_file()


def test_an_interrupt_while_the_interpreter_shuts_down_ends_130(tmp_path):
    """Issue 29: one try in four ended with status 0 and a KeyboardInterrupt traceback, the
    interrupt landing in joblib's exit hook after the fit had finished."""
    probe = tmp_path / "probe.py"
    probe.write_text("import atexit, sys, time\n"
                     "from povsim import cli\n"
                     "atexit.register(time.sleep, 30)  # an exit hook that waits, as joblib's\n"
                     "cli.guard_shutdown(0)\n"
                     "print('finished', flush=True)\n"
                     "sys.exit(0)\n")
    p = subprocess.Popen([sys.executable, str(probe)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    assert p.stdout.readline().strip() == b"finished"
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=20)
    assert p.returncode == 130
    assert err.decode().strip() == ("povsim: interrupted after the command finished "
                                    "(status 0); its files are complete")


def test_an_interrupt_a_library_swallows_still_ends_the_command_130(monkeypatch, capsys):
    """Issue 29: in a fresh installation an interrupt while the kernels compiled was swallowed
    and the fit ended with status 0; povsim remembers the interrupt (povsim.base.interrupts), so a
    command whose KeyboardInterrupt a library caught still ends with 130."""
    import povsim.arguments
    import povsim.cli as cli

    def swallowing(args):  # a command inside which a library catches the interrupt
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        except BaseException:  # what a careless library does
            pass
        return 0

    monkeypatch.setattr(povsim.arguments, "cmd_audit", swallowing)  # the parser's audit
    assert cli.main(["audit"]) == 130
    assert capsys.readouterr().err.strip() == ("povsim: interrupted; files already written "
                                               "are complete")
