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
# # Which pairing strategy lifts the most people out of poverty?
#
# This notebook compares policy variants with a baseline on **common random numbers**: every
# variant runs the same replicates (same households, same shocks) as the baseline scenario, so
# each difference is paired and comes with a paired interval over replicates. It uses the Python
# API behind `povsim compare` (see the README, "Comparing strategies").
#
# Run it from the repository root (`jupyter lab notebooks/compare_strategies.ipynb` after
# `make setup`, with `.venv` as the kernel). The test suite runs it at a small scale.

# %%
# parameters: one simulated household per SCALE real ones; paired replicates per variant
SCALE = 20
REPLICATES = 10
SEED = 1

# %%
import os
from pathlib import Path

if not Path("scenarios").is_dir() and Path("../scenarios").is_dir():
    os.chdir("..")  # run from the repository root

import matplotlib.pyplot as plt
import pandas as pd

import povsim
from povsim.experiments.comparison import compare, variants_from_levers

# %% [markdown]
# ## Xixiu: cadre-to-household pairing strategies
#
# The baseline is `scenarios/xixiu.yaml` as it is (`cadre_pairing: same_village`); each variant
# changes only `policy.cadre_pairing`.

# %%
xixiu = povsim.load_scenario("scenarios/xixiu.yaml")
strategies = ["random", "poorest_first", "need_matched", "balanced", "optimal"]
cmp = compare(xixiu, variants_from_levers(xixiu, {"cadre_pairing": strategies}),
              replicates=REPLICATES, seed=SEED, scale=SCALE, progress=False)
print(cmp.format())

# %% [markdown]
# The tables come back as pandas data frames: `headline` (one row per variant and outcome),
# `by_year`, `deciles`, `runs` (every run) and `annual` (every run's annual table).

# %%
key = ["incidence_end", "lifted_out", "income_mean_registered_end", "public_cost",
       "cost_per_person_lifted", "better_off", "worse_off"]
h = cmp.headline[cmp.headline["metric"].isin(key)]
h.pivot(index="variant", columns="metric", values="diff").loc[strategies, key].round(3)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
inc = cmp.annual.groupby(["variant", "year"])["incidence"].mean().unstack("variant") * 100
inc.plot(ax=ax, marker="o")
ax.set_ylabel("poverty incidence (%)")
ax.set_title("Xixiu: mean incidence by cadre-pairing strategy")
fig.tight_layout()

# %%
# income change by decile of identification-year income (1 = poorest), with 90% intervals
cmp.deciles.pivot(index="decile", columns="variant", values="diff")[strategies].round(1)

# %% [markdown]
# ## Yushu: partner-to-village pairing strategies
#
# Government units, organisations and enterprises paired with villages (`policy.village_pairing`;
# the baseline is `random`).

# %%
yushu = povsim.load_scenario("scenarios/yushu.yaml")
vp = ["industry_match", "neediest_first", "nearest", "by_capacity"]
cmp_y = compare(yushu, variants_from_levers(yushu, {"village_pairing": vp}),
                replicates=REPLICATES, seed=SEED, scale=SCALE, progress=False)
cmp_y.headline.query("metric in ['incidence_end', 'collective_revenue_end', 'better_off']")[
    ["variant", "metric", "baseline", "value", "diff", "diff_lo", "diff_hi"]]

# %%
# the files povsim compare writes: tables (Parquet + CSV), manifest and plots
written = cmp_y.write(Path("results") / "notebook-yushu-compare")
sorted(p.name for p in written)
