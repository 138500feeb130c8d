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
# # The five cases and how well the model fits them
#
# Each bundled scenario is one county (or township) report. This notebook runs the five cases
# at the calibrated parameters they ship with, puts every calibration and validation figure of
# each case beside the simulated band (what `povsim targets CASE` prints), and reads the joint
# calibration's fit report from `calibration/posteriors/all` (what `docs/calibration.md`
# shows). Validation figures are never fitted.
#
# Run it from the repository root (`make notebooks`). The test suite runs it at a small scale.

# %%
# parameters: one simulated household per SCALE real ones (Zhenbao, one village, always at 1:1)
SCALE = 20
REPLICATES = 8
SEED = 1

# %%
import os
from pathlib import Path

if not Path("scenarios").is_dir() and Path("../scenarios").is_dir():
    os.chdir("..")  # run from the repository root

import matplotlib.pyplot as plt
import pandas as pd

import povsim
from povsim.calibration.targets import targets_table
from povsim.schema.config import source_counts
from povsim.scenarios import CASES

# %% [markdown]
# ## The cases, their parameters and their figures
#
# Every parameter carries a source: a reported figure, a derivation, a cited statistic,
# `assumed`, `to calibrate` or `calibrated` (a posterior median of the joint fit).

# %%
scenarios = {c: povsim.load_scenario(c) for c in CASES}
pd.DataFrame({c: source_counts(sc) for c, sc in scenarios.items()}).T

# %%
tables = []
for case, sc in scenarios.items():
    scale = 1 if case == "zhenbao" else SCALE
    res = povsim.run_scenario(sc, seed=SEED, replicates=REPLICATES, scale=scale, progress=False)
    tables.append(targets_table(res))
targets = pd.concat(tables, ignore_index=True)
targets[["id", "role", "when", "reported", "sim_median", "sim_p10", "sim_p90", "inside_band",
         "std_error"]].round(3)

# %%
share = targets.groupby("role")["inside_band"].agg(["sum", "count"])
share.columns = ["inside the 10-90% band", "figures"]
share

# %% [markdown]
# ## The joint calibration
#
# `povsim calibrate all` fitted the shared and case parameters to the 15 calibration figures
# of the five cases together (the staged calibration: screening, history matching and a neural
# posterior; `docs/calibration.md`). Its fit report gives each figure's posterior-predictive
# median and 90% interval: parameter uncertainty and run-to-run noise together.

# %%
post = Path("calibration/posteriors/all")
fit = pd.read_csv(post / "fit_report.csv")
print(f"{int(fit['inside_90'].sum())} of {len(fit)} figures inside the posterior-predictive "
      "90% interval")
fit.round(3)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
rel = fit.assign(lo=fit["predicted_p05"] / fit["reported"], mid=fit["predicted_median"]
                 / fit["reported"], hi=fit["predicted_p95"] / fit["reported"])
y = range(len(rel))
ax.errorbar(rel["mid"], y, xerr=[rel["mid"] - rel["lo"], rel["hi"] - rel["mid"]], fmt="o",
            capsize=3)
ax.axvline(1, color="k", lw=0.8)
ax.set_xscale("log")
ax.set_yticks(list(y), rel["id"], fontsize=7)
ax.set_xlabel("predicted / reported (median and 90% interval; 1 = the reported value)")
ax.set_title("Joint calibration: posterior predictive against the reports")
fig.tight_layout()

# %%
summary = pd.read_csv(post / "summary.csv")
summary[summary["fitted"]][["parameter", "prior", "low", "high", "median", "p05", "p95",
                            "contraction"]].round(4)
