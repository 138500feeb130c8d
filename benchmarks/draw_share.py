"""What the households' random draws cost inside a run: the same run with the counter-based
Philox draws and with a draw that costs next to nothing.

Issue 26 asked for waiting-time draws (a draw per rare event instead of uniforms every month)
on the premise that the draws were 47 ns of a 127 ns household-step. This measures what any
cheaper way of drawing could save today: Xixiu with ``--households`` households for ``--months``
months on one thread, once with the kernels as they are and once with every kernel that draws
(the households' month, the labour market, the cadre visits) recompiled with
:func:`povsim.base.philox.uniform4` replaced by :func:`free_uniform4`, a multiply-xorshift hash of
the same counter (a few instructions, uniforms good enough for timing; its runs are not the
model's). The difference in time per household-step bounds the saving of waiting-time draws
from above: those still draw at each event and keep a clock per household and event.
Each way runs in a fresh process, ``--repeats`` times, the best taken. Rows go to
``benchmarks/results/draw_share.csv``.

Example (about two minutes on 2 cores)::

    .venv/bin/python -m benchmarks.draw_share --households 1000000 --months 24
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
from numba import njit
from numba.core.registry import CPUDispatcher

from benchmarks import write_rows

OUT = Path(__file__).with_name("results") / "draw_share.csv"

M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
TO_DOUBLE = 1.0 / 9007199254740992.0


@njit(nogil=True, inline="always")
def _mix(x):  # pragma: no cover - compiled
    x = (x ^ (x >> np.uint64(30))) * M1
    x = (x ^ (x >> np.uint64(27))) * M2
    return x ^ (x >> np.uint64(31))


@njit(nogil=True, inline="always")
def free_uniform4(key, stream, hid, month):  # pragma: no cover - compiled
    """Four uniforms from one splitmix64-style hash of the counter: a stand-in for
    :func:`povsim.base.philox.uniform4` that costs a few instructions (not the model's draws).

    Example:
        >>> u = free_uniform4(np.array([1, 2], np.uint64), 7, 5, 3)
        >>> len(u), all(0.0 <= x < 1.0 for x in u)
        (4, True)
    """
    x = _mix(key[0] ^ np.uint64(hid) * M1 ^ np.uint64(month) * M2 ^ np.uint64(stream))
    out = (x, x * M1, x * M2, (x ^ key[1]) * M1)
    s = np.uint64(11)
    return (np.float64(np.int64(out[0] >> s)) * TO_DOUBLE,
            np.float64(np.int64(out[1] >> s)) * TO_DOUBLE,
            np.float64(np.int64(out[2] >> s)) * TO_DOUBLE,
            np.float64(np.int64(out[3] >> s)) * TO_DOUBLE)


def recompiled(fn: CPUDispatcher, swap: dict, done: dict) -> CPUDispatcher:
    """``fn`` compiled again with the names of ``swap`` replaced in its globals, and every
    compiled povsim function it calls compiled again the same way (``done``: those made)."""
    if fn in done:
        return done[fn]
    py = fn.py_func
    g = dict(py.__globals__)
    for name, value in list(g.items()):
        if name in swap:
            g[name] = swap[name]
        elif (isinstance(value, CPUDispatcher) and value is not fn
              and value.py_func.__module__.startswith("povsim")
              and name in py.__code__.co_names):
            g[name] = recompiled(value, swap, done)
    new = types.FunctionType(py.__code__, g, py.__name__, py.__defaults__, py.__closure__)
    opts = {k: v for k, v in fn.targetoptions.items() if k in ("nogil", "parallel", "inline")}
    done[fn] = njit(**opts)(new)
    return done[fn]


def free_draws() -> None:
    """Swap the drawing kernels of :mod:`povsim.engine.kernels` for ones drawing with
    :func:`free_uniform4` (in this process only)."""
    import importlib
    import pkgutil

    from povsim.engine import kernels

    done: dict = {}
    parts = [kernels, *(importlib.import_module(f"{kernels.__name__}.{m.name}")
                        for m in pkgutil.iter_modules(kernels.__path__))]
    for part in parts:  # each part's wrappers call the kernels of their own module
        for name, value in list(vars(part).items()):
            if isinstance(value, CPUDispatcher) and "uniform4" in _called(value, set()):
                setattr(part, name, recompiled(value, {"uniform4": free_uniform4}, done))


def _called(fn: CPUDispatcher, seen: set) -> set:
    """Names ``fn`` and the compiled povsim functions it calls refer to."""
    if fn in seen:
        return set()
    seen.add(fn)
    py = fn.py_func
    names = set(py.__code__.co_names)
    for name in list(names):
        value = py.__globals__.get(name)
        if isinstance(value, CPUDispatcher) and value.py_func.__module__.startswith("povsim"):
            names |= _called(value, seen)
    return names


def child(way: str, households: int, months: int) -> dict:
    """One run in this process (``way``: ``philox`` or ``free``): its time per household-step."""
    from benchmarks.__main__ import measure

    if way == "free":
        free_draws()
    r = measure("engine", households, months, threads=1)
    return {"way": way, "ns": r["run_s"] / (r["households"] * r["months"]) * 1e9,
            "households": r["households"], "months": r["months"]}


def main(argv: list[str] | None = None) -> int:
    """Time both ways, each in fresh processes; write the CSV."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--households", type=int, default=1_000_000)
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--child", nargs=1, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.child[0], a.households, a.months)))
        return 0
    best = {}
    for _ in range(a.repeats):
        for way in ("philox", "free"):
            out = subprocess.run([sys.executable, "-m", "benchmarks.draw_share", "--child", way,
                                  "--households", str(a.households), "--months", str(a.months)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            best[way] = min(best.get(way, np.inf), r["ns"])
    saving = best["philox"] - best["free"]
    rows = [{"households": r["households"], "months": r["months"], "threads": 1,
             "philox_ns_per_household_step": round(best["philox"], 1),
             "free_draws_ns_per_household_step": round(best["free"], 1),
             "draws_ns_per_household_step": round(saving, 1),
             "draws_share": round(saving / best["philox"], 3)}]
    write_rows(OUT, rows)
    print(f"{best['philox']:.1f} ns per household-step with Philox draws, {best['free']:.1f} "
          f"with draws that cost next to nothing: the draws are {saving:.1f} ns "
          f"({saving / best['philox']:.0%}); wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
