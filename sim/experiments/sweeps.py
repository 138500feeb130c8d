"""Run a sweep: every design point x replicate, serially or on Dask, into a resumable store.

Runs. Run ``point * replicates + r`` is replicate ``r`` of design point ``point``: the base
scenario with the point's parameter changes (:meth:`Scenario.with_params`), run with the sweep
seed and replicate ``r``, i.e. the random streams of ``SeedSequence(seed, spawn_key=(r,))``.
Replicate ``r`` of every point therefore shares its random streams (common random numbers:
differences between points are not noise from different draws), and a run's result depends on
nothing but the scenario, the point, the seed, the replicate and the scale: not on the order
runs finish, the chunking or the number of workers.

Chunks. Runs are grouped in fixed chunks of consecutive runs, one Dask task each, so short runs
do not drown in the scheduler's overhead (about a second of work per task, sized from one timed
pilot run when the store is created; ``--chunk-size`` sets it). Tasks are submitted with
unique keys and ``pure=False`` (no deduplication of look-alike tasks) and two retries; a worker
that dies has its tasks rescheduled by Dask.

Store (``--out DIR``)::

    manifest.json          sweep file and scenario hashes, code version, seed, replicates,
                           scale, design, chunking, and how each run's seed is derived
    sweep.yaml             a copy of the sweep file
    design.parquet/.csv    the design points (one row per point)
    chunks/chunk-000012.parquet   the ``annual`` rows of the kept outputs of one chunk's runs

The client writes each finished chunk atomically (a temporary file renamed into place), so a
sweep killed at any moment leaves only complete chunks; running the same command again runs
only the missing ones. A store made from another sweep file, scenario, seed, replicates or
scale is refused (one line naming what differs) unless ``overwrite=True``.

Example:
    >>> import tempfile
    >>> from povsim.experiments.sweepfile import load_sweep
    >>> sw = load_sweep("scenarios/sweeps/xixiu_pairing.yaml")
    >>> res = run_sweep(sw, tempfile.mkdtemp(), serial=True, scale=2000, replicates=1,
    ...                 progress=False)
    >>> res["runs"], res["ran"]
    (12, 12)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from povsim.base import threads
from povsim.base.inputs import ScenarioError, read_bounded, read_json, regular_file
from povsim.base.outputs import atomic_write, code_version
from povsim.experiments.design import Design, build_design
from povsim.experiments.sweepfile import Sweep
from povsim.reporting.progress import tqdm
from povsim.schema.config import Scenario

CHUNK_SECONDS = 1.0  # target work per Dask task (s); assumed, keeps scheduler overhead small
CHUNK_DIR = "chunks"
CHUNK_BYTES_LIMIT = 2**30  # the largest chunk a store reads back (a chunk holds about a second
# of runs: kilobytes to a few megabytes); a larger file in its place is refused, not read
RUN_COLUMNS = ("run", "point", "replicate", "year")


def run_chunk(scenario: Scenario, changes: dict[int, dict], runs: list[tuple[int, int, int]],
              seed: int, scale: float, outputs: list[str]) -> pd.DataFrame:
    """Run ``runs`` ((run, point, replicate) triples) and return their kept annual rows.

    ``changes`` maps each point to its parameter changes. This is the unit of work sent to a
    worker; its small runs go in batches (:func:`povsim.engine.batch.iter_many`).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> t = run_chunk(load_scenario("scenarios/zhenbao.yaml"), {0: {}}, [(0, 0, 0)], 1,
        ...               50.0, ["incidence"])
        >>> t.columns.tolist()
        ['run', 'point', 'replicate', 'year', 'incidence']
    """
    from povsim.engine.batch import iter_many

    scenarios: dict[int, Scenario] = {}
    for _, point, _ in runs:
        if point not in scenarios:
            scenarios[point] = scenario.with_params(changes[point]) if changes[point] else scenario
    parts = []
    tables = iter_many([scenarios[point] for _, point, _ in runs], [seed] * len(runs),
                       [rep for _, _, rep in runs], scale)
    for (run, point, rep), t in zip(runs, tables, strict=True):
        annual = t["annual"]
        part = annual[["year", *outputs]].copy()
        part.insert(0, "replicate", rep)
        part.insert(0, "point", point)
        part.insert(0, "run", run)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def chunk_size_for(sweep: Sweep, design: Design, scale: float) -> int:
    """Runs per task: enough that a task holds about ``CHUNK_SECONDS`` of work (at least 1),
    from the time of one pilot run of the first design point in this process (its result is
    not kept; the compiled kernels are loaded before timing)."""
    from povsim.engine import kernels

    kernels.warm_up()
    t = time.perf_counter()
    run_chunk(sweep.scenario, {0: design.changes(0)}, [(0, 0, 0)], sweep.spec.seed, scale,
              list(sweep.spec.outputs))
    return max(1, math.ceil(CHUNK_SECONDS / max(time.perf_counter() - t, 1e-3)))


class SweepStore:
    """The folder of a sweep's results: manifest, design and finished chunks.

    Each chunk ``chunks/chunk-NNNNNN.parquet`` has a record ``chunk-NNNNNN.json`` (its rows and
    SHA-256), written after the chunk, both atomically. A chunk counts as done only when its
    record exists and matches the file: a resumed sweep reruns a chunk that is missing,
    truncated or changed, and ``summarize`` names it. A writer holds ``lock`` (its pid, host
    and start) while it writes: a second writer on the same store stops with a message.

    Example:
        >>> import tempfile
        >>> SweepStore(tempfile.mkdtemp()).done_chunks()
        set()
    """

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.chunks = self.out / CHUNK_DIR
        self.lock_path = self.out / "lock"

    def manifest(self) -> dict | None:
        """The stored manifest, or None for a new store."""
        path = self.out / "manifest.json"
        if not path.exists():
            return None
        try:
            return read_json(path)
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: not a readable sweep manifest "
                                f"({str(exc).removeprefix(f'{path}: ')})") from None

    def chunk_path(self, k: int) -> Path:
        return self.chunks / f"chunk-{k:06d}.parquet"

    def record_path(self, k: int) -> Path:
        return self.chunks / f"chunk-{k:06d}.json"

    def chunk_problem(self, k: int) -> str | None:
        """Why chunk ``k`` is not whole (no record, missing, other bytes, other rows than its
        record's), or None: checked against both its checksum and its record's rows, so that a
        rerun of the sweep reruns every chunk that disagrees."""
        import io

        import pyarrow.parquet as pq

        path, rec = self.chunk_path(k), self.record_path(k)
        if not rec.is_file():
            return "no record of it (not finished)"
        if not path.is_file():
            return "missing"
        try:
            want = read_json(rec)
            raw = read_bounded(path, limit=CHUNK_BYTES_LIMIT)
        except ScenarioError as exc:
            return f"unreadable ({str(exc).split(': ', 1)[-1]})"
        if not isinstance(want, dict):
            return "unreadable (its record is not a mapping)"
        if hashlib.sha256(raw).hexdigest() != want.get("sha256"):
            return "corrupt (its checksum differs from its record)"
        try:
            rows = pq.ParquetFile(io.BytesIO(raw)).metadata.num_rows
        except Exception as exc:  # any parquet pyarrow cannot read is a bad chunk
            return f"unreadable ({type(exc).__name__})"
        if rows != want.get("rows"):
            return f"{rows} rows, its record says {want.get('rows')}"
        return None

    def chunk_states(self) -> dict[int, str | None]:
        """Every chunk with a file or a record: None where it is whole, else why not (each
        chunk read and hashed once)."""
        if not self.chunks.is_dir():
            return {}
        ks = {int(p.stem.split("-")[1]) for p in self.chunks.glob("chunk-*.*")}
        return {k: self.chunk_problem(k) for k in sorted(ks)}

    def done_chunks(self) -> set[int]:
        """Numbers of the chunks written whole (their record matches the file)."""
        return {k for k, why in self.chunk_states().items() if why is None}

    def clean_partial(self, states: dict[int, str | None] | None = None) -> list[int]:
        """Remove temporary files a killed sweep left behind and every chunk that is not whole
        (so it is run again); return the numbers of the chunks removed. ``states`` are those
        of :meth:`chunk_states` when the caller has them already."""
        states = self.chunk_states() if states is None else states
        bad = sorted(k for k, why in states.items() if why is not None)
        if self.chunks.is_dir():
            for p in self.chunks.glob(".*.tmp*"):
                p.unlink(missing_ok=True)
        for k in bad:
            self.chunk_path(k).unlink(missing_ok=True)
            self.record_path(k).unlink(missing_ok=True)
        return bad

    def write_chunk(self, k: int, table: pd.DataFrame) -> Path:
        """Write chunk ``k``, then its record (rows and SHA-256): the record says it is whole."""
        path = atomic_write(self.chunk_path(k), lambda p: table.to_parquet(p, index=False))
        record = {"rows": len(table), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        atomic_write(self.record_path(k), lambda p: Path(p).write_text(json.dumps(record)))
        return path

    def read_runs(self) -> pd.DataFrame:
        """Every finished run's rows, sorted by run and year; a chunk that is not whole is a
        one-line error naming it."""
        states = self.chunk_states()
        bad = {k: why for k, why in states.items() if why and "not finished" not in why}
        if bad:
            k, why = next(iter(bad.items()))
            raise ScenarioError(f"{self.chunk_path(k)}: {why}; run the same povsim sweep "
                                f"command again to rerun it ({len(bad)} chunk(s) in all)")
        ks = [k for k, why in states.items() if why is None]
        if not ks:
            return pd.DataFrame(columns=list(RUN_COLUMNS))
        parts = []
        for k in ks:  # each whole by chunk_problem: its checksum and rows its record's
            parts.append(pd.read_parquet(regular_file(self.chunk_path(k))))
        runs = pd.concat(parts, ignore_index=True)
        return runs.sort_values(["run", "year"], ignore_index=True)

    def remove_own_files(self) -> list[Path]:
        """Delete the files this store writes (manifest, design, sweep file, chunks and their
        records, temporary files, and what ``summarize`` listed in ``summary/summary.json``),
        and nothing else; return them. A folder left empty is removed."""
        own = [self.out / n for n in ("manifest.json", "design.parquet", "design.csv",
                                      "sweep.yaml")]
        if self.chunks.is_dir():
            own += [*self.chunks.glob("chunk-*.parquet"), *self.chunks.glob("chunk-*.json"),
                    *self.chunks.glob(".chunk-*.tmp*")]
        summary = self.out / "summary"
        try:
            listed = read_json(summary / "summary.json").get("files", [])
        except (ScenarioError, AttributeError):
            listed = []
        own += [summary / Path(n).name for n in listed]
        own.append(summary / "summary.json")
        removed = [p for p in own if p.is_file()]
        for p in removed:
            p.unlink()
        for folder in (self.chunks, summary):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return removed

    @contextmanager
    def lock(self):
        """Hold the store's lock while writing: a second writer stops with a one-line error
        naming the first (pid, host, start); a lock left by a process of this host that is
        gone is taken over."""
        self.out.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        for _ in range(2):
            try:
                fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    other = json.loads(self.lock_path.read_text())
                except (OSError, ValueError):
                    other = {}
                if other.get("host") == me["host"] and not _alive(other.get("pid")):
                    self.lock_path.unlink(missing_ok=True)  # its writer is gone
                    continue
                raise ScenarioError(
                    f"{self.out}: another povsim sweep is writing here (pid "
                    f"{other.get('pid')} on {other.get('host')} since {other.get('started')}); "
                    f"wait for it, or remove {self.lock_path} if that process is gone") from None
            with os.fdopen(fd, "w") as f:
                json.dump(me, f)
            break
        try:
            yield
        finally:
            self.lock_path.unlink(missing_ok=True)


def _alive(pid) -> bool:
    """Whether a process ``pid`` runs on this host."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def identity(sweep: Sweep, design: Design, replicates: int, scale: float) -> dict:
    """What makes two sweeps the same runs (compared before appending to a store): the sweep
    file, the scenario, the design points themselves, seed, replicates, scale and outputs."""
    from povsim.schema.config import scenario_source

    points = hashlib.sha256(design.points.to_csv(index=False).encode()).hexdigest()
    return {"sweep_sha256": sweep.sha256, "scenario_sha256": scenario_source(sweep.scenario)[1],
            "design_sha256": points, "seed": sweep.spec.seed, "replicates": int(replicates),
            "scale": float(scale), "outputs": list(sweep.spec.outputs)}


def _prepare_store(store: SweepStore, sweep: Sweep, design: Design, ident: dict,
                   chunk_size: int | None, n_runs: int, overwrite: bool) -> int:
    """Create or check the store; return the chunk size to use."""
    old = store.manifest()
    if old is not None and not overwrite:
        diff = [k for k, v in ident.items() if old.get("identity", {}).get(k) != v]
        if diff:
            def short(v):  # hashes by their first 12 digits
                return f"{v[:12]}..." if isinstance(v, str) and len(v) == 64 else repr(v)

            what = ", ".join(f"{k} {short(old.get('identity', {}).get(k))} -> {short(ident[k])}"
                             for k in diff)
            raise ScenarioError(f"{store.out}: holds another sweep ({old.get('sweep')}; changed: "
                                f"{what}); run with --overwrite to start it afresh, or choose "
                                "another --out")
        if chunk_size is not None and chunk_size != old["chunk_size"]:
            raise ScenarioError(f"{store.out}: was chunked by {old['chunk_size']} runs, not "
                                f"{chunk_size}; resume without --chunk-size (or --overwrite)")
        if old.get("code") != code_version():
            print(f"povsim: warning: {store.out} was started with code {old.get('code')}; "
                  f"resuming with {code_version()}", file=sys.stderr)
        return int(old["chunk_size"])
    if store.out.exists() and not store.out.is_dir():
        raise ScenarioError(f"--out {store.out}: exists and is not a folder")
    if overwrite:
        store.remove_own_files()
    elif store.out.is_dir() and any(p != store.lock_path for p in store.out.iterdir()):
        raise ScenarioError(f"--out {store.out}: is a folder with other files and no sweep "
                            "manifest; choose an empty or new folder")
    size = chunk_size or chunk_size_for(sweep, design, ident["scale"])
    store.chunks.mkdir(parents=True, exist_ok=True)
    spec = sweep.spec
    manifest = {
        "sweep": spec.name, "description": spec.description, "sweep_file": sweep.path,
        "scenario": spec.scenario, "identity": ident, "code": code_version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "design": {"method": design.method, "points": len(design.points),
                   "sampled": design.sampled, "levels": design.levels,
                   "samples": spec.design.samples, "morris_levels": spec.design.levels},
        "outputs": spec.outputs, "runs": n_runs, "chunk_size": size,
        "chunks": math.ceil(n_runs / size),
        "seeds": (f"run = point x {ident['replicates']} + replicate; replicate r of every point "
                  f"uses SeedSequence({spec.seed}, spawn_key=(r,)) and its named streams"),
    }
    raw = Path(sweep.path).read_bytes()
    atomic_write(store.out / "sweep.yaml", lambda p: Path(p).write_bytes(raw))
    atomic_write(store.out / "design.parquet", lambda p: design.points.to_parquet(p, index=False))
    atomic_write(store.out / "design.csv", lambda p: design.points.to_csv(p, index=False))
    atomic_write(store.out / "manifest.json",
            lambda p: Path(p).write_text(json.dumps(manifest, indent=2, default=str)))
    return size


def run_sweep(sweep: Sweep, out: str | Path, workers: int | None = None,
              scheduler: str | None = None, serial: bool = False, scale: float | None = None,
              replicates: int | None = None, chunk_size: int | None = None,
              overwrite: bool = False, progress: bool = True, _chunk_fn=None) -> dict:
    """Run every missing chunk of a sweep into the store ``out``; return counts and timing.

    ``serial`` runs in this process without Dask; otherwise ``scheduler`` (an address) uses an
    existing Dask cluster, and by default a local cluster of ``workers`` processes (default: the CPU
    count) with one thread each is started and stopped here. ``scale`` and ``replicates`` override
    the file's.
    """
    spec = sweep.spec
    scale = float(scale if scale is not None else spec.scale)
    replicates = int(replicates if replicates is not None else spec.replicates)
    design = build_design(sweep)
    n_runs = len(design.points) * replicates
    store = SweepStore(out)
    ident = identity(sweep, design, replicates, scale)
    if store.out.exists() and not store.out.is_dir():
        raise ScenarioError(f"--out {store.out}: exists and is not a folder")
    if scheduler and not serial:
        check_address(scheduler)
    with store.lock():
        return _run_locked(store, sweep, design, ident, chunk_size, n_runs, overwrite,
                           replicates, scale, workers, scheduler, serial, progress, _chunk_fn)


def _run_locked(store: SweepStore, sweep: Sweep, design: Design, ident: dict,
                chunk_size: int | None, n_runs: int, overwrite: bool, replicates: int,
                scale: float, workers: int | None, scheduler: str | None, serial: bool,
                progress: bool, _chunk_fn) -> dict:
    """:func:`run_sweep` with the store's lock held."""
    spec = sweep.spec
    size = _prepare_store(store, sweep, design, ident, chunk_size, n_runs, overwrite)
    states = store.chunk_states()
    rerun = store.clean_partial(states)
    done = {k for k, why in states.items() if why is None}
    todo = [k for k in range(math.ceil(n_runs / size)) if k not in done]
    tasks = {}  # chunk: its (run, point, replicate) triples and its points' changes
    for k in todo:
        runs = [(r, r // replicates, r % replicates)
                for r in range(k * size, min((k + 1) * size, n_runs))]
        tasks[k] = (runs, {p: design.changes(p) for p in sorted({p for _, p, _ in runs})})
    ran = sum(len(runs) for runs, _ in tasks.values())
    bar = tqdm(total=n_runs, initial=n_runs - ran, unit="run", desc=spec.name,
               disable=not progress, smoothing=0.1)
    t0 = time.perf_counter()
    fn = _chunk_fn or run_chunk
    args = (spec.seed, scale, list(spec.outputs))
    try:
        if serial or not tasks:
            for k, (runs, changes) in tasks.items():
                store.write_chunk(k, fn(sweep.scenario, changes, runs, *args))
                bar.update(len(runs))
            n_workers = 1 if serial else 0
        else:
            n_workers = _run_dask(store, sweep, tasks, fn, args, workers, scheduler, bar)
    finally:
        bar.close()
    wall = time.perf_counter() - t0
    return {"runs": n_runs, "ran": ran, "skipped": n_runs - ran, "chunks": len(tasks),
            "rerun_chunks": rerun,
            "chunk_size": size, "workers": n_workers, "wall_seconds": wall,
            "runs_per_second": ran / wall if wall > 0 and ran else float("nan")}


def warm_worker(threads: int = 1) -> int:
    """Set up a worker process once, before its first task: the allocator's thresholds, the
    kernels' ``threads`` (default 1: the workers share the cores), the model's imports and its
    compiled kernels (so that tasks are not slowed by them); returns the process id."""
    from povsim.base import allocator
    from povsim.base.threads import available, set_threads
    from povsim.engine import kernels

    allocator.keep_freed_arrays()
    set_threads(min(threads, available()))
    kernels.warm_up()
    return os.getpid()


def check_address(scheduler: str) -> None:
    """Refuse a malformed scheduler address before anything is written (one line).

    Example:
        >>> check_address("tcp://10.0.0.5:8786") is None
        True
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        parse_host_port(parse_address(scheduler)[1])
    except (ValueError, TypeError) as exc:
        raise ScenarioError(f"--scheduler {scheduler}: cannot connect ({exc}); give the "
                            "scheduler's address, e.g. tcp://10.0.0.5:8786") from None


def connect(scheduler: str):
    """A Dask client of the scheduler at ``scheduler`` (``tcp://host:port``); an address that
    is malformed or does not answer within 20 s is a one-line :class:`ScenarioError`."""
    from dask.distributed import Client

    check_address(scheduler)
    try:
        return Client(scheduler, timeout="20s")
    except (OSError, ValueError, TypeError) as exc:
        raise ScenarioError(f"--scheduler {scheduler}: cannot connect ({exc}); give the "
                            "scheduler's address, e.g. tcp://10.0.0.5:8786") from None


def local_cluster(workers: int | None = None):
    """A local Dask cluster for sweeps: ``workers`` processes (default: the CPU count) of one
    thread each, without a dashboard, quiet, and without Dask's statistical profiler (it
    samples each worker's stack every few milliseconds, which slowed small (0.05 s) runs by
    15-80% here)."""
    import logging

    import dask
    from dask.distributed import LocalCluster

    with dask.config.set({"distributed.worker.profile.enabled": False}):
        return LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                            processes=True, dashboard_address=None, silence_logs=logging.ERROR)


def _run_dask(store: SweepStore, sweep: Sweep, tasks: dict, fn, args, workers: int | None,
              scheduler: str | None, bar) -> int:
    """Submit the chunks to Dask and write each as it finishes; return the worker count."""
    from dask.distributed import Client, as_completed

    cluster = None
    if scheduler:
        client = connect(scheduler)
    else:
        cluster = local_cluster(workers)
        client = Client(cluster)
    try:
        n_workers = len(client.run(warm_worker, threads.worker_threads))
        sc_future = client.scatter(sweep.scenario, broadcast=True)
        token = uuid.uuid4().hex[:8]
        futures = {}
        for k, (runs, changes) in tasks.items():
            fut = client.submit(fn, sc_future, changes, runs, *args, pure=False, retries=2,
                                key=f"povsim-{sweep.spec.name}-{token}-chunk-{k}")
            futures[fut] = k
        for fut in as_completed(futures):
            k = futures[fut]
            store.write_chunk(k, fut.result())
            bar.update(len(tasks[k][0]))
            fut.release()
        return n_workers
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
