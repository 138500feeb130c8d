"""Measure the cost of each cadre-pairing strategy on a case's real identification instance.

Builds the case at full scale, runs its baseline year (identification), takes the registered
households and the household-role cadres as the model sees them, and times every strategy of
``povsim.strategies.CADRE_PAIRING`` on that instance (best of ``--repeat``), with its expected gain.
Writes one row per strategy to ``benchmarks/results/pairing_cost.csv``. Usage::

    .venv/bin/python -m benchmarks.pairing_cost [scenarios/xixiu.yaml ...] [--repeat 3]

Example (not run in the tests; takes about a minute per case at full scale):
    python -m benchmarks.pairing_cost scenarios/yushu.yaml --repeat 1
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks import write_rows

OUT = Path(__file__).with_name("results") / "pairing_cost.csv"


def instance(scenario_path: str, scale: float = 1.0) -> dict:
    """The cadre-pairing instance of a case at identification (keyword arguments)."""
    from povsim.engine.model import PovertyModel
    from povsim.schema.config import load_scenario

    m = PovertyModel(load_scenario(scenario_path), seed=1, scale=scale)
    for _ in range(12):
        m.step()
    hh = m.households
    reg = np.flatnonzero(hh.registered)
    cadres = m.world.cadres
    hcad = np.flatnonzero(cadres.pairs_households)
    line = m.sc.poverty_line.values[m.clock.baseline_year]
    return dict(hh_village=hh.village[reg], hh_gap=line - hh.pc_income_last[reg],
                cadre_village=cadres.village[hcad], capacity=cadres.capacity[hcad],
                effectiveness=cadres.effectiveness[hcad], hh_need=hh.binding_need()[reg],
                cadre_specialty=cadres.specialty[hcad], match=m.world.match,
                other_village_visit_factor=m.sc.cadre_effects.other_village_visit_factor.value)


def measure(scenario_path: str, repeat: int = 3) -> list[dict]:
    """Time every cadre strategy on the case's instance; one row per strategy."""
    from povsim.strategies import CADRE_PAIRING, expected_gain

    inst = instance(scenario_path)
    rows = []
    for name, fn in sorted(CADRE_PAIRING.items()):
        best = float("inf")
        for r in range(repeat):
            t0 = time.perf_counter()
            out = fn(**inst, rng=np.random.default_rng(r))
            best = min(best, time.perf_counter() - t0)
        gain = expected_gain(out, inst["hh_village"], inst["cadre_village"],
                             inst["effectiveness"], inst["hh_need"], inst["cadre_specialty"],
                             inst["match"], inst["other_village_visit_factor"])
        rows.append({"scenario": scenario_path, "strategy": name,
                     "households": len(inst["hh_village"]), "cadres": len(inst["capacity"]),
                     "seconds": round(best, 4), "paired": int((out >= 0).sum()),
                     "expected_gain": round(gain, 3)})
    base = next(r for r in rows if r["strategy"] == "same_village")
    for r in rows:
        r["seconds_vs_same_village"] = round(r["seconds"] / max(base["seconds"], 1e-9), 1)
        r["gain_vs_same_village"] = round(r["expected_gain"] / max(base["expected_gain"], 1e-9),
                                          3)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Measure the given cases (default: Xixiu and Yushu) and write the CSV."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*",
                    default=["scenarios/xixiu.yaml", "scenarios/yushu.yaml"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rows = [r for s in args.scenarios for r in measure(s, args.repeat)]
    write_rows(OUT, rows)
    for r in rows:
        print(f"{r['scenario']:24s} {r['strategy']:14s} {r['households']:6d} hh {r['cadres']:5d} "
              f"cadres {r['seconds']:8.4f} s (x{r['seconds_vs_same_village']:<6}) gain "
              f"{r['expected_gain']:9.1f} (x{r['gain_vs_same_village']})")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
