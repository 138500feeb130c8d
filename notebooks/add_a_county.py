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
# # Adding your own county
#
# A county of your own is a scenario (a copy of the closest bundled case, edited) and a
# figures file in the registry's format that the scenario names in its `figures:` field. Its
# figures then join the registry for that scenario: `povsim targets` compares with them and
# `povsim calibrate` fits to them, without editing the project. `docs/add-a-county.md` walks
# through the files; this notebook uses its worked example in `docs/examples/` (an
# illustrative county, not a report's figures).
#
# Run it from the repository root (`make notebooks`). The test suite runs it at a small scale.

# %%
# parameters: scale, replicates and seed of the runs; the calibration's particles and
# generations (ABC-SMC, `povsim calibrate --method abc`: its defaults are 100 and 6; the
# command's default method, the staged fit, is in docs/add-a-county.md)
SCALE = 5
REPLICATES = 8
SEED = 1
POPULATION = 40
GENERATIONS = 3

# %%
import os
from pathlib import Path

if not Path("scenarios").is_dir() and Path("../scenarios").is_dir():
    os.chdir("..")  # run from the repository root

import yaml

import povsim
from povsim.calibration.targets import format_targets, targets_table
from povsim.schema.config import registry_for

# %% [markdown]
# ## The figures file
#
# One entry per reported figure: its id (`<case>.<name>`), value, unit, role and, for a
# calibration or validation figure, the simulated metric and year it is compared with.

# %%
figures = yaml.safe_load(Path("docs/examples/mycounty_figures.yaml").read_text())["figures"]
[(f["id"], f["role"], f["value"], f["unit"]) for f in figures]

# %%
sc = povsim.load_scenario("docs/examples/mycounty.yaml")
reg = registry_for(sc)
print(sc.title, "|", len(reg.for_case(sc.case)), "figures of", sc.case, "| total households",
      sc.population.total_households.value, "cited as", sc.population.total_households.source)

# %% [markdown]
# ## The county against its figures, before calibration

# %%
res = povsim.run_scenario(sc, seed=SEED, replicates=REPLICATES, scale=SCALE, progress=False)
print(format_targets(targets_table(res)))

# %% [markdown]
# ## Calibrate
#
# The scenario's most influential `to calibrate` parameters (a Morris screening chooses four)
# are fitted to the calibration figures by ABC-SMC; the validation figure is only predicted.

# %%
post = povsim.calibrate(sc, out=Path("results") / "notebook-mycounty-calibration",
                        population=POPULATION, generations=GENERATIONS, scale=SCALE,
                        seed=SEED, progress=False)
post.fit_report(post.predictive(10)).round(3)

# %%
post.summary().query("fitted")[["parameter", "prior", "median", "p05", "p95",
                                "contraction"]].round(4)

# %% [markdown]
# The calibrated scenario (posterior medians) runs like any other:

# %%
fitted = post.scenarios()[sc.name]
res2 = povsim.run_scenario(fitted, seed=SEED, replicates=REPLICATES, scale=SCALE, progress=False)
targets_table(res2)[["id", "role", "reported", "sim_median", "sim_p10", "sim_p90"]].round(3)
