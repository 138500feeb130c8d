"""One answer at every scale (issue 25): Xixiu at full scale (1:1), at 1:20 and at 1:50 (its
calibration scale) gives the same outcomes within seed noise.

Each end-year output's mean over replicates at a reduced scale and at full scale must differ by
less than ``Z`` standard errors of the difference (two-sample, the replicates independent), and
so must the poor villages exited in every year (the village-level outcome a few simulated
households made noisy). The rules that make it so are in :mod:`povsim.base.scaling` (ODD §2, "scale
rules"); the biases left are in :data:`KNOWN`, bounded. The figures are measured by
``benchmarks/scale_agreement.py`` (``python -m benchmarks.scale_agreement``).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))
agreement = importlib.import_module("benchmarks.scale_agreement")
means_z = agreement.means_z

pytestmark = pytest.mark.slow

R, FULL, REDUCED, Z = 8, agreement.FULL, agreement.REDUCED, 4.0
#: (scale, output) -> the largest relative difference from full scale allowed, with the measured
#: cause (docs/calibration.md, "One answer at every scale"):
#: - partners' jobs: a simulated job is k real ones that fall vacant at once when its holder
#:   leaves, while applicants come at the real rate from the partner's few villages: at full
#:   scale a partner's ~9 jobs fall vacant one at a time and fill within the month; at 1:20 a
#:   partner holds 0 or 1 simulated job (20 real ones) and waits months for one applicant
#:   (21% short at 1:20, 40% at 1:50 at the values of 2026-12-05, with local jobs held at their
#:   steady state: fewer seekers than when the start decayed, 17-26% short at 1:50)
KNOWN = {(20.0, "enterprise_jobs"): 0.30, (50.0, "enterprise_jobs"): 0.50}
#: (scale, year) whose poor-village exits are known to disagree with full scale, and why: in
#: 2014, the year Xixiu's poor villages' register incidence crosses the 3% threshold (2.9-3.0% at
#: full scale, seeds 1-3), the listed villages' simulated households at 1:20 are poorer (3.2-3.6%)
#: and the others richer (2.2-2.3% against 2.4-2.6%), with the programme and without it alike
#: (measured 2026-12-06 at that day's fit): at 1:20 the listing keeps villages whose few
#: simulated households are persistently poor, which the exit rule's prior (the listed
#: villages' mean) carries into the households not simulated. 60-77 villages exit in 2014 at
#: full scale, 10-30 at 1:20 (z -6.6 over 8 replicates); every later year agrees. Not mended.
KNOWN_EXIT_YEARS = {(20.0, 2014)}


@pytest.fixture(scope="module")
def annual() -> dict[float, pd.DataFrame]:
    return agreement.annual_by_scale(R, seed=1)


@pytest.mark.parametrize("k", REDUCED)
@pytest.mark.parametrize("column", agreement.outcomes())
def test_end_year_outcomes_agree_at_full_and_reduced_scale(annual, column, k):
    year = int(annual[FULL]["year"].max())
    full, scaled, z = means_z(annual, k, column, year)
    if (k, column) in KNOWN:  # a known bias, bounded
        assert abs(scaled / full - 1.0) <= KNOWN[k, column], (full, scaled)
        return
    assert abs(z) < Z, f"{column} {year}: {full:.6g} at 1:1, {scaled:.6g} at 1:{k:g} (z = {z:.2f})"


@pytest.mark.parametrize("k", REDUCED)
def test_poor_villages_exited_agree_every_year(annual, k):
    z = {int(y): means_z(annual, k, "poor_villages_exited", y)[2]
         for y in sorted(annual[FULL]["year"].unique()) if (k, int(y)) not in KNOWN_EXIT_YEARS}
    assert all(abs(v) < Z for v in z.values()), z


@pytest.mark.xfail(strict=True, reason="2014's poor-village exits at 1:20 fall short of full "
                   "scale's (KNOWN_EXIT_YEARS); strict: it fails the suite once they agree")
@pytest.mark.parametrize(("k", "year"), sorted(KNOWN_EXIT_YEARS))
def test_the_known_disagreement_of_poor_village_exits_is_still_there(annual, k, year):
    assert abs(means_z(annual, k, "poor_villages_exited", year)[2]) < Z
