"""One answer at every scale (issue 25): Xixiu at full scale (1:1) and at 1:20, near the scales
calibration uses, give the same headline outcomes within seed noise.

Each end-year outcome's mean over replicates at the two scales must differ by less than
``Z`` standard errors of the difference (two-sample, the replicates independent). The outputs
that still change with the scale are listed in :data:`SCALE_BIASED` with the reason, and a
strict ``xfail`` keeps the list honest: an output that becomes consistent fails it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from povsim.config import load_scenario
from povsim.runner import run_scenario

pytestmark = pytest.mark.slow

R, SCALES, Z = 8, (1.0, 20.0), 4.0
HEADLINE = ("incidence", "poor_people", "lifted_out_people", "net_exits_people_cumulative",
            "income_mean", "income_mean_registered", "collective_operating_revenue",
            "hollow_village_share", "migrants", "public_cost_cumulative")
#: end-year outputs measured to change with the scale (docs/calibration.md, "Scale")
SCALE_BIASED = {
    "poor_villages_exited": "a village's incidence from 1/20 of its households is noisy: some "
                            "villages stay above the 3% threshold by chance (122.75 of 131 exit "
                            "at 1:20 against all 131 at 1:1)",
    "dividends_paid": "a collective's first simulated job (20 real wages at 1:20) comes on a "
                      "few mu of leased land; the loss hollows it out and returns its land, so "
                      "collective jobs end at about a third of full scale's (133 against 380 "
                      "real, Xixiu, seeds 1-3): fewer wages, more surplus paid out",
    "collective_assets": "the same lumpy first jobs: less paid in wages, more retained",
    "income_poor_share": "a third of the pairs cross villages at 1:20 against a tenth at 1:1 "
                         "(too few simulated cadres to live in every village), and a cadre from "
                         "another village visits less",
}


@pytest.fixture(scope="module")
def ends() -> dict[float, pd.DataFrame]:
    sc = load_scenario("xixiu")
    out = {}
    for k in SCALES:
        a = run_scenario(sc, seed=1, replicates=R, scale=k, progress=False).annual
        out[k] = a[a["year"] == a["year"].max()]
    return out


def _z(ends: dict[float, pd.DataFrame], column: str) -> float:
    a, b = (ends[k][column].astype(float) for k in SCALES)
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return float((b.mean() - a.mean()) / se) if se > 0 else 0.0


@pytest.mark.parametrize("column", HEADLINE)
def test_headline_outcomes_agree_at_full_scale_and_1_20(ends, column):
    assert abs(_z(ends, column)) < Z, (
        f"{column}: {ends[SCALES[0]][column].mean():.6g} at 1:1 against "
        f"{ends[SCALES[1]][column].mean():.6g} at 1:20")


@pytest.mark.parametrize("column", sorted(SCALE_BIASED))
@pytest.mark.xfail(strict=True, reason="measured scale bias, issue 25 (SCALE_BIASED)")
def test_known_scale_biases_are_still_there(ends, column):
    assert abs(_z(ends, column)) < Z
