# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Which household behaviours drive Xixiu's poverty outcomes? A Sobol sensitivity study
#
# Six household behaviour parameters of `scenarios/xixiu.yaml` are still "to calibrate": job
# search and separation, hiring by paired employers, migration and return, and claims for
# transfers. This notebook runs the bundled sweep `scenarios/sweeps/xixiu_behaviour_sobol.yaml`,
# where each parameter ranges from half to twice its scenario value (log-uniform). It then reports
# first-order (S1) and total (ST) Sobol indices: the share of an outcome's variance due to one
# parameter alone, and including its interactions.
#
# The same study runs from the command line:
#
# ```bash
# povsim sweep scenarios/sweeps/xixiu_behaviour_sobol.yaml --workers 2 --out results/sobol
# povsim summarize results/sobol
# ```

# %%
# parameters: one simulated household per SCALE real ones; Sobol base sample N (a power of two,
# N x (6 + 2) runs); Dask worker processes (0: run in this process); run seed
SCALE = 20
SAMPLES = 64
WORKERS = 2
SEED = 1
REPLICATES = 1

# %%
import os
from pathlib import Path

if not Path("scenarios").is_dir() and Path("../scenarios").is_dir():
    os.chdir("..")  # run from the repository root

import matplotlib.pyplot as plt

from povsim.experiments.design import build_design
from povsim.experiments.sweep_summary import summarize
from povsim.experiments.sweepfile import load_sweep
from povsim.experiments.sweeps import run_sweep

# %% [markdown]
# ## The design
#
# `load_sweep` validates the file and its base scenario. `build_design` draws Saltelli's design:
# N × (D + 2) points for D parameters, seeded from the sweep seed, so the file always gives the
# same points.

# %%
sweep = load_sweep("scenarios/sweeps/xixiu_behaviour_sobol.yaml").with_design(samples=SAMPLES)
design = build_design(sweep)
print(f"{len(design.points)} design points x {REPLICATES} replicate(s), scale 1:{SCALE}")
design.points[design.sampled].describe().loc[["min", "50%", "max"]]

# %% [markdown]
# ## Run it
#
# On a local Dask cluster of `WORKERS` processes, or in this process when `WORKERS` is 0. The
# store in `results/` can be resumed: running the cell again runs only what is missing. Replicate
# r of every design point shares its random streams (common random numbers). A run's result
# therefore does not depend on the number of workers.

# %%
out = Path("results") / f"sobol-notebook-{SCALE}-{SAMPLES}"
res = run_sweep(sweep, out, workers=WORKERS or None, serial=WORKERS == 0, scale=SCALE,
                replicates=REPLICATES, progress=True)
print(f"ran {res['ran']} of {res['runs']} runs in {res['wall_seconds']:.1f} s "
      f"({res['skipped']} already in {out})")

# %% [markdown]
# ## Sobol indices at the end year
#
# `summarize` averages each design point over its replicates and calls SALib's Sobol analysis.
# Each index comes with a 95% bootstrap half-width (`conf`). With N = 64 these half-widths are
# about 0.1-0.3 for S1 and smaller for ST; a larger N narrows them.

# %%
s = summarize(out, plots=True)
idx = s.indices.pivot_table(index=["output", "parameter"], columns="index",
                            values=["value", "conf"])
idx.round(3)

# %%
fig, axes = plt.subplots(1, len(s.manifest["outputs"]), figsize=(16, 3.6), sharey=True)
for ax, output in zip(axes, s.manifest["outputs"]):
    sub = s.indices[(s.indices["output"] == output) & (s.indices["index"] == "ST")]
    ax.barh([p.split(".")[-1] for p in sub["parameter"]], sub["value"], xerr=sub["conf"])
    ax.set_title(f"ST of {output}", fontsize=9)
    ax.axvline(0, color="k", lw=0.5)
fig.tight_layout()

# %% [markdown]
# ## An outcome against the parameters
#
# Each dot is one run's 2017 incidence. A steep, tight cloud means the parameter matters on its
# own; a wide cloud at every value means other parameters or chance matter more.

# %%
at = s.runs[s.runs["year"] == s.year].merge(s.design, on="point")
fig, axes = plt.subplots(2, 3, figsize=(12, 6), sharey=True)
for ax, p in zip(axes.flat, design.sampled):
    ax.scatter(at[p], at["incidence"] * 100, s=6, alpha=0.5)
    ax.set_xscale("log")
    ax.set_xlabel(p.split(".")[-1], fontsize=8)
axes[0, 0].set_ylabel("incidence 2017 (%)")
axes[1, 0].set_ylabel("incidence 2017 (%)")
fig.tight_layout()
