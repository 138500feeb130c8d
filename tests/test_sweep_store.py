"""The sweep store survives corruption and a second writer (issue 17): chunk records with row
counts and checksums, resume reruns what is not whole, summarize names a corrupt chunk, a lock
stops a second writer, and --overwrite deletes only the store's own files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from povsim.base.inputs import ScenarioError
from povsim.cli import main
from povsim.experiments.sweep_summary import summarize
from povsim.experiments.sweepfile import load_sweep
from povsim.experiments.sweeps import SweepStore, run_sweep

SWEEP = Path("scenarios/sweeps/xixiu_pairing.yaml")
SMALL = {"serial": True, "progress": False, "scale": 2000.0, "replicates": 1, "chunk_size": 3}


@pytest.fixture()
def store(tmp_path):
    """A finished small store (12 points x 1 replicate, 4 chunks of 3 runs)."""
    out = tmp_path / "s"
    run_sweep(load_sweep(SWEEP), out, **SMALL)
    return SweepStore(out)


def test_every_chunk_has_a_record_of_its_rows_and_checksum(store):
    assert store.done_chunks() == {0, 1, 2, 3}
    rec = json.loads(store.record_path(2).read_text())
    assert rec["rows"] == len(pd.read_parquet(store.chunk_path(2)))
    assert len(rec["sha256"]) == 64
    assert not store.lock_path.exists()  # released


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete_chunk", "record_rows"])
def test_a_damaged_chunk_is_named_by_summarize_and_rerun_on_resume(store, damage, capsys):
    before = store.read_runs()
    path = store.chunk_path(1)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        path.write_bytes(raw[:100] + bytes([raw[100] ^ 0xFF]) + raw[101:])
    elif damage == "record_rows":  # the checksum holds, the rows do not (issue 29: resume
        rec = json.loads(store.record_path(1).read_text())  # trusted the checksum alone)
        store.record_path(1).write_text(json.dumps({**rec, "rows": rec["rows"] + 1}))
    else:
        path.unlink()
    with pytest.raises(ScenarioError,
                       match=r"chunk-000001\.parquet: (corrupt|missing|\d+ rows, its record)"):
        summarize(store.out, plots=False, write=False)
    assert main(["summarize", str(store.out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "chunk-000001.parquet" in err
    res = run_sweep(load_sweep(SWEEP), store.out, **SMALL)
    assert res["rerun_chunks"] == [1] and res["ran"] == 3
    pd.testing.assert_frame_equal(store.read_runs(), before)  # the same runs, bit for bit


def test_a_chunk_without_its_record_counts_as_unfinished(store):
    store.record_path(3).unlink()  # killed between the chunk and its record
    assert store.done_chunks() == {0, 1, 2}
    res = run_sweep(load_sweep(SWEEP), store.out, **SMALL)
    assert res["rerun_chunks"] == [3] and res["ran"] == 3


def test_a_second_writer_stops_with_the_first_ones_pid_and_host(store, capsys):
    with store.lock():
        lock = json.loads(store.lock_path.read_text())
        assert lock["pid"] == os.getpid()
        assert main(["sweep", str(SWEEP), "--serial", "--quiet", "--scale", "2000",
                     "--replicates", "1", "--chunk-size", "3", "--out", str(store.out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "another povsim sweep is writing here" in err
        assert f"pid {os.getpid()} on {lock['host']}" in err
        assert store.lock_path.exists()  # the first writer's lock is left alone
    assert store.done_chunks() == {0, 1, 2, 3}


def test_a_lock_whose_process_is_gone_is_taken_over(store):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    store.lock_path.write_text(json.dumps({"pid": int(gone), "host": socket.gethostname(),
                                           "started": "x"}))
    res = run_sweep(load_sweep(SWEEP), store.out, **SMALL)
    assert res["ran"] == 0 and not store.lock_path.exists()


def test_overwrite_deletes_only_the_stores_own_files(store):
    summarize(store.out, plots=False)
    mine = store.out / "notes.txt"
    mine.write_text("keep me")
    (store.out / "summary" / "my_plot.png").write_bytes(b"x")
    (store.out / "chunks" / "readme.txt").write_text("keep")
    res = run_sweep(load_sweep(SWEEP), store.out, overwrite=True,
                    **{**SMALL, "replicates": 2})
    assert res["ran"] == 24
    assert mine.read_text() == "keep me"
    assert (store.out / "summary" / "my_plot.png").exists()
    assert (store.out / "chunks" / "readme.txt").exists()
    assert not (store.out / "summary" / "points.parquet").exists()  # the old summary's
