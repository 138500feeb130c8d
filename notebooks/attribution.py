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
# # What drives the result? Attribution by channel, and what happens without the programme
#
# `povsim attribute` runs a scenario with each intervention channel switched off in turn, with
# the whole programme off ("programme off"), and with every channel off at once, all on the same replicates as
# the baseline (common random numbers). A channel's **effect** is the baseline minus the run
# without it, with a paired 90% interval. The run without the programme shows how many people
# would have left poverty anyway (income growth, migration, transfers already in place).
#
# Run it from the repository root (`make notebooks`). The test suite runs it at a small scale.

# %%
# parameters: one simulated household per SCALE real ones; paired replicates per channel
SCALE = 20
REPLICATES = 10
SEED = 1
CASE = "xixiu"

# %%
import os
from pathlib import Path

if not Path("scenarios").is_dir() and Path("../scenarios").is_dir():
    os.chdir("..")  # run from the repository root

import matplotlib.pyplot as plt

import povsim
from povsim.experiments.attribution import attribute

# %%
sc = povsim.load_scenario(CASE)
att = attribute(sc, replicates=REPLICATES, seed=SEED, scale=SCALE, progress=False)
print(att.format())

# %% [markdown]
# The table is tidy: one row per channel and outcome, with the baseline, the run without the
# channel, the effect and its interval.

# %%
lifted = att.table[att.table["outcome"] == "lifted_out"].set_index("channel")
lifted[["baseline", "without", "effect", "effect_lo", "effect_hi"]].round(0)

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
d = lifted.sort_values("effect")
ax.barh(d.index, d["effect"], xerr=[d["effect"] - d["effect_lo"], d["effect_hi"] - d["effect"]],
        capsize=3, alpha=0.7)
ax.axvline(0, color="k", lw=0.8)
ax.set_xlabel("people lifted out attributable to the channel (baseline minus without)")
ax.set_title(f"{sc.title}: attribution, 90% paired intervals")
fig.tight_layout()

# %% [markdown]
# The share of the baseline's exits that the programme as a whole accounts for; the rest
# happen without it. The row "regression to the mean" is the part of those exits that comes
# from registering households on one year's noisy measured income (they would have "exited"
# anyway, with no programme).

# %%
base = lifted.loc["programme off", "baseline"]
prog = lifted.loc["programme off", "effect"]
rtm = lifted.loc["regression to the mean", "effect"]
print(f"people lifted out: {base:,.0f}; attributable to the programme: {prog:,.0f} "
      f"({prog / base:.0%}); without the programme: {base - prog:,.0f}, of which regression "
      f"to the mean {rtm:,.0f}")

# %%
# the files povsim attribute writes: the table, every run, the manifest and the plot
written = att.write(Path("results") / f"notebook-{CASE}-attribution")
sorted(p.name for p in written)
