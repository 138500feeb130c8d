"""The benchmark suite: engine speed, scaling, memory, bandwidth and set-up, against targets.

``python -m benchmarks`` (``make bench``) runs the full suite, ``python -m benchmarks --quick``
a shorter one (under two minutes, the same columns). Every measurement runs in a fresh
subprocess, so its peak memory is its own. Results are printed and written to
``benchmarks/results/bench[-quick].csv`` (one row per measurement: ``benchmark``, ``households``,
``months``, ``metric``, ``value``, ``unit``, ``target``, ``meets``) with a plot
``bench[-quick].png``. Measurements, on Xixiu (``scenarios/xixiu.yaml``, its household count
set by ``population.total_households``):

- ``reference``: household-steps (household x month) per second of the engine on one thread
  (the median of three runs) and of the per-agent Mesa reference (:mod:`benchmarks.reference`, one
  run) on the same scenario, seed and months, in the same run, and their ratio (target >= 100);
- ``scaling``: the engine's time per household-step (one thread) and peak memory per household
  at 10k, 100k, 1M and (full suite) 10M households (targets: time within 1.5x of the 10k
  figure; 1M households under 1 GB; 10M under 300 bytes per household);
- ``bandwidth``: bytes of household state (every household array) per month divided by the
  time of a month, as a fraction of the machine's memory-copy bandwidth measured here with
  numpy (target >= 0.25); beside it, the time of one block of the kernels' counter-based draws
  (Philox, measured), at most three per household-step, and the fraction the engine would
  reach if everything but those draws took no time;
- ``threads``: the 1M-household run on every thread numba has against one thread: speed-up
  and efficiency (speed-up / threads);
- ``setup``: the time to build a model (population synthesis, cadres, partners) plus the
  identification and pairing at the end of the baseline year, against the time of the monthly
  steps without them (target <= 0.2); the once-per-process loading of the compiled kernels
  (numba's cache) is reported apart (``kernel_load_time``).

Targets are goals reported beside the figures, never asserted: timings belong here, not in tests.

Example:
    .venv/bin/python -m benchmarks --quick
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import write_rows

RESULTS = Path(__file__).with_name("results")
SCENARIO = "scenarios/xixiu.yaml"
#: sizes (households) and months of the scaling runs; households and months of the reference
#: comparison: Xixiu at its own size (170,000 households) in the full suite, 40,000 in the quick
#: one (the engine's fixed per-month work over Xixiu's 3,732 cadres, 182 villages and 116
#: enterprises weighs more per household in smaller runs)
FULL = {"sizes": [10_000, 100_000, 1_000_000, 10_000_000], "months": 60,
        "ref_households": 170_000, "ref_months": 24, "threads_households": 1_000_000}
QUICK = {"sizes": [10_000, 100_000, 1_000_000], "months": 60, "ref_households": 40_000,
         "ref_months": 18, "threads_households": 1_000_000}


def _rss_now() -> int:
    """Current resident memory of this process in bytes (Linux), else the peak so far."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4096
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _peak_rss() -> int:
    """Peak resident memory of this process in bytes: ``VmHWM`` on Linux (reset by exec,
    unlike ``ru_maxrss``, which a child inherits from its parent), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def measure(kind: str, households: int, months: int, seed: int = 1, threads: int = 1) -> dict:
    """Build and step one model (``engine`` or ``reference``) in this process on ``threads``
    threads; time its parts.

    The set-up is the construction plus the identification and pairing (timed apart inside
    the December of the baseline year); the run is every monthly step without the latter.
    """
    from povsim.engine.model import PovertyModel
    from povsim.schema.config import load_scenario

    try:
        from povsim.base.threads import set_threads

        set_threads(threads)
    except ImportError:  # an engine without threads (an older commit)
        pass

    cls = PovertyModel
    if kind == "reference":
        from benchmarks.reference import ReferenceModel as cls
    sc = load_scenario(SCENARIO).with_params({"population.total_households": households})
    tk = time.perf_counter()
    try:  # once per process: compile or load the compiled kernels (reported apart)
        from povsim.engine import kernels

        kernels.warm_up()
    except ImportError:  # an engine without compiled kernels (e.g. an older commit)
        pass
    kernel_load = time.perf_counter() - tk
    base_rss = _rss_now()
    t0 = time.perf_counter()
    m = cls(sc, seed=seed, scale=1.0)
    build = time.perf_counter() - t0
    ident = [0.0]
    from povsim.engine.submodels import december

    inner = december.identify  # the December close calls it in the baseline year

    def timed(*a, **k):
        s = time.perf_counter()
        inner(*a, **k)
        ident[0] += time.perf_counter() - s

    december.identify = timed
    months = min(months, 12 * (sc.end_year - sc.start_year + 2))
    t1 = time.perf_counter()
    for _ in range(months):
        m.step()
    steps = time.perf_counter() - t1
    run = steps - ident[0]
    return {"kind": kind, "households": int(m.households.n), "months": months,
            "kernel_load_s": kernel_load, "build_s": build, "identify_s": ident[0], "run_s": run,
            "sync_s": float(getattr(m, "sync_s", 0.0)),
            "state_bytes": int(m.households.nbytes()),
            "base_rss": base_rss, "peak_rss": _peak_rss()}


def copy_bandwidth(nbytes: int = 512 * 2**20, repeat: int = 5) -> float:
    """The machine's memory-copy bandwidth in bytes per second: best numpy copy of a large
    array, counting the bytes read and written."""
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2 * src.nbytes / best


def uniform_draw_time(n: int = 2**20, repeat: int = 5) -> float:
    """Seconds per block of four uniforms of the kernels' counter-based draws
    (:func:`povsim.base.philox.uniforms` into an array already in memory, one thread, best of
    ``repeat``)."""
    from povsim.base import philox
    from povsim.base.threads import set_threads

    set_threads(1)
    ids, key, out = np.arange(n), np.array([1, 2], np.uint64), np.empty((n, 4))
    philox.uniforms(key, 1, ids, 0, out)  # compiled, and the output's pages touched
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        philox.uniforms(key, 1, ids, 0, out)
        best = min(best, time.perf_counter() - t)
    return best / n


def _child(kind: str, households: int = 0, months: int = 0, threads: int = 1) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks", "--child", kind, str(households),
                          str(months), str(threads)], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child {kind} {households} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_suite(cfg: dict, progress=print) -> list[dict]:
    """Run every measurement of a suite configuration and return the CSV rows."""
    rows: list[dict] = []

    def add(bench, r, metric, value, unit, target="", meets=""):
        rows.append({"benchmark": bench, "households": r.get("households", ""),
                     "months": r.get("months", ""), "metric": metric,
                     "value": float(f"{value:.6g}"), "unit": unit, "target": target,
                     "meets": meets})

    # engine against the per-agent reference, same scenario, seed and months
    n_ref, m_ref = cfg["ref_households"], cfg["ref_months"]
    progress(f"reference: engine and per-agent Mesa reference, {n_ref:,} households, "
             f"{m_ref} months")
    # the engine's run is short (under a second) and so more exposed to a busy machine: it is
    # run three times, each in a fresh process, and the median taken; the reference (about a
    # minute) runs once
    def steps_per_s(r):
        return r["households"] * r["months"] / (r["run_s"] + r["identify_s"])

    eng = sorted((_child("engine", n_ref, m_ref) for _ in range(3)), key=steps_per_s)[1]
    ref = _child("reference", n_ref, m_ref)
    rate = {}
    for r in (eng, ref):
        rate[r["kind"]] = steps_per_s(r)
        add("reference", r, f"{r['kind']}_household_steps_per_s", rate[r["kind"]], "1/s")
    add("reference", ref, "reference_sync_share", ref["sync_s"] / ref["run_s"], "share of run",
        "", "")
    ratio = rate["engine"] / rate["reference"]
    add("reference", eng, "speedup_engine_over_reference", ratio, "x", ">= 100", ratio >= 100)
    # the reference's copying between agents and arrays left out (its rules alone)
    rules = ref["households"] * ref["months"] / (ref["run_s"] + ref["identify_s"] - ref["sync_s"])
    add("reference", eng, "speedup_over_reference_rules_only", rate["engine"] / rules, "x")
    # scaling, bandwidth and set-up at every size
    machine = _child("bandwidth")
    bw, draw_s = machine["bytes_per_s"], machine["draw_s"]
    add("bandwidth", {}, "memory_copy_bandwidth", bw / 1e9, "GB/s")
    add("bandwidth", {}, "philox_block_time", draw_s * 1e9, "ns (4 uniforms, 1 thread)")
    per_step = {}
    for n in cfg["sizes"]:
        progress(f"scaling: engine, {n:,} households, {cfg['months']} months")
        r = _child("engine", n, cfg["months"])
        hs = r["households"] * r["months"]
        per_step[n] = r["run_s"] / hs
        first = per_step[cfg["sizes"][0]]
        add("scaling", r, "time_per_household_step", per_step[n] * 1e9, "ns",
            "<= 1.5 x the smallest size", per_step[n] <= 1.5 * first)
        add("scaling", r, "household_steps_per_s", hs / r["run_s"], "1/s")
        add("scaling", r, "peak_rss", r["peak_rss"] / 2**20, "MiB",
            "< 1024 at 1M households" if r["households"] == 1_000_000 else "",
            r["peak_rss"] < 2**30 if r["households"] == 1_000_000 else "")
        add("scaling", r, "peak_memory_per_household",
            (r["peak_rss"] - r["base_rss"]) / r["households"], "B",
            "", "")
        add("scaling", r, "household_state_per_household", r["state_bytes"] / r["households"],
            "B")
        if r["households"] >= 10_000_000:  # a province: the whole process's peak per household
            per = r["peak_rss"] / r["households"]
            add("scaling", r, "peak_rss_per_household", per, "B", "<= 300 at 10M households",
                per <= 300)
        frac = r["state_bytes"] / (r["run_s"] / r["months"]) / bw
        add("bandwidth", r, "state_bytes_per_step_time", r["state_bytes"] /
            (r["run_s"] / r["months"]) / 1e9, "GB/s")
        add("bandwidth", r, "fraction_of_copy_bandwidth", frac, "share", ">= 0.25", frac >= 0.25)
        # the random draws alone: at most three Philox blocks per household-step (the
        # households' month, the labour market, visits), their time, and the share of the copy
        # bandwidth the engine could reach if everything but the draws took no time
        add("bandwidth", r, "draw_time_per_household_step_at_most", 3 * draw_s * 1e9, "ns")
        add("bandwidth", r, "fraction_of_copy_bandwidth_if_only_draws",
            r["state_bytes"] / r["households"] / (3 * draw_s) / bw, "share")
        setup = r["build_s"] + r["identify_s"]
        add("setup", r, "kernel_load_time", r["kernel_load_s"], "s")
        add("setup", r, "build_time", r["build_s"], "s")
        add("setup", r, "identification_and_pairing_time", r["identify_s"], "s")
        add("setup", r, "run_time_without_setup", r["run_s"], "s")
        add("setup", r, "setup_over_run", setup / r["run_s"], "ratio", "<= 0.2",
            setup / r["run_s"] <= 0.2)
    # threads: the same run on every thread against one thread (the results are the same bits)
    from povsim.base.threads import available

    n_t, most = cfg["threads_households"], available()
    progress(f"threads: engine, {n_t:,} households, {cfg['months']} months, 1 and {most} "
             "threads")
    one = _child("engine", n_t, cfg["months"], 1)
    if most > 1:
        many = _child("engine", n_t, cfg["months"], most)
        speedup = one["run_s"] / many["run_s"]
        add("threads", many, f"speedup_{most}_threads", speedup, "x")
        add("threads", many, f"thread_efficiency_{most}_threads", speedup / most, "share")
        add("threads", many, f"time_per_household_step_{most}_threads",
            many["run_s"] / (many["households"] * many["months"]) * 1e9, "ns")
    return rows


def write(rows: list[dict], name: str) -> tuple[Path, Path]:
    """Write the rows as CSV and draw the plot; return both paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    csv_path = write_rows(RESULTS / f"{name}.csv", rows)
    png = RESULTS / f"{name}.png"
    sc = [r for r in rows if r["benchmark"] == "scaling"]

    def series(metric):
        pts = [(r["households"], r["value"]) for r in sc if r["metric"] == metric]
        return [p[0] for p in pts], [p[1] for p in pts]

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), dpi=110)
    x, y = series("time_per_household_step")
    axes[0].plot(x, y, marker="o")
    axes[0].axhline(1.5 * y[0], ls="--", c="grey", label="1.5 x smallest (target)")
    axes[0].set(xscale="log", xlabel="households", ylabel="ns per household-step",
                title="engine time per household-step", ylim=(0, None))
    axes[0].legend(fontsize=7)
    x, y = series("peak_memory_per_household")
    axes[1].plot(x, y, marker="o")
    axes[1].set(xscale="log", xlabel="households", ylabel="bytes",
                title="peak memory per household (above start)", ylim=(0, None))
    goals = [(r["metric"].replace("_", " "), r["value"], t) for r in rows
             for m, t in (("speedup_engine_over_reference", 100.0),
                          ("fraction_of_copy_bandwidth", 0.25), ("setup_over_run", 0.2))
             if r["metric"] == m and (m == "speedup_engine_over_reference"
                                      or r["households"] == max(x))]
    axes[2].barh([g[0] for g in goals], [g[1] / g[2] for g in goals])
    axes[2].axvline(1.0, c="k", lw=0.8)
    axes[2].set(xlabel="value / target (speedup, bandwidth: >= 1 meets; setup: <= 1 meets)",
                title="against the targets (largest size)")
    axes[2].tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)
    return csv_path, png


def main(argv: list[str] | None = None) -> int:
    """Run the suite (or, with ``--child``, one measurement) and print the table."""
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="the short suite (under two minutes)")
    p.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    from povsim.base import allocator

    allocator.keep_freed_arrays()  # as the povsim command line does, once per process
    if a.child:
        kind, n, months, threads = a.child
        if kind == "bandwidth":
            print(json.dumps({"bytes_per_s": copy_bandwidth(), "draw_s": uniform_draw_time()}))
        else:
            print(json.dumps(measure(kind, int(n), int(months), threads=int(threads))))
        return 0
    cfg, name = (QUICK, "bench-quick") if a.quick else (FULL, "bench")
    t0 = time.perf_counter()
    rows = run_suite(cfg)
    csv_path, png = write(rows, name)
    print(f"\n{'benchmark':<10} {'households':>10} {'months':>6}  {'metric':<36} "
          f"{'value':>14} {'unit':<12} {'target':<28} meets")
    for r in rows:
        hh = f"{r['households']:,}" if r["households"] != "" else ""
        print(f"{r['benchmark']:<10} {hh:>10} {r['months']!s:>6}  {r['metric']:<36} "
              f"{r['value']:>14,.4g} {r['unit']:<12} {r['target']:<28} {r['meets']}")
    print(f"\n{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{time.perf_counter() - t0:.0f} s; wrote {csv_path} and {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
