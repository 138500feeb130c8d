"""One answer at every scale (issue 25): Xixiu at full scale (1:1), at 1:10 (its calibration
scale since the second fit of 2026-12-06), at 1:20 and at 1:50 (its calibration scale before)
gives the same outcomes within seed noise.

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
#:   (13% short at 1:10, 1,107 against 964, at the values of the second fit of 2026-12-06)
#: - mean income at 1:50: 1.0% short (12,474 against 12,604 yuan, z -5.0; 8 replicates, seed
#:   1) at the values of the third fit of 2026-12-06; 1:10 and 1:20 agree (-0.2%, -0.4%).
#:   Partners' jobs, 42% short at 1:50 (650 against 1,119; 2,551 yuan a month in 2013 grown 7.5%
#:   a year: about 41,000 yuan a job-year in 2017, 32 yuan per person of 592,600), account for
#:   a quarter of it at most; the rest is not traced. 1:50 is no case's calibration scale.
KNOWN = {(10.0, "enterprise_jobs"): 0.20, (20.0, "enterprise_jobs"): 0.30,
         (50.0, "enterprise_jobs"): 0.50, (50.0, "income_mean"): 0.02}
#: (scale, year) whose poor-village exits are known to disagree with full scale. Empty since the
#: second fit of 2026-12-06: until then 2014's disagreed at 1:20 (60-77 villages exited at full
#: scale, 10-30 at 1:20, z -6.6; the listed villages' few simulated households persistently
#: poorer), and at that fit's values they agree.
KNOWN_EXIT_YEARS: set[tuple[float, int]] = set()
#: (scale, output) whose end-year mean 8 replicates put beyond Z from full scale, and why: the
#: register exits in 2017 of households registered while not income-poor, at 1:50. At the third
#: fit of 2026-12-06 (8 replicates, seed 1): 244 people at full scale, 314 at 1:10, 263 at 1:20
#: (agreeing), 50 at 1:50 (z -6.9). At 1:50 the count is about one simulated household (of some
#: 200 people): 5 of the 8 runs exit none, and the spread of so few 0s and 1s, which shrinks
#: with their mean, understates the noise (a Poisson count of mean 1.2 gives 5 or more zeros in
#: 8 runs 6% of the time). Over more seeds (python -m benchmarks.scale_agreement
#: --error-households 1=4,10=8,50=16) those exits are 56.5 +- 5.6 households at full scale and
#: 46.9 +- 12.5 at 1:50 (z -0.7), 40.0 +- 6.3 at 1:10. What remains is a lean, about 2 standard
#: errors at each reduced scale and not traced: of such households, those still on the register
#: at the end are 57.0 +- 5.3 at full scale, 37.5 +- 5.9 at 1:10 and 34.4 +- 8.8 at 1:50. A
#: strict xfail below fails the suite once the 8 replicates agree.
KNOWN_OUTCOMES = {(50.0, "exits_people_registration_error")}


@pytest.fixture(scope="module")
def annual() -> dict[float, pd.DataFrame]:
    return agreement.annual_by_scale(R, seed=1)


@pytest.mark.parametrize("k", REDUCED)
@pytest.mark.parametrize("column", agreement.outcomes())
def test_end_year_outcomes_agree_at_full_and_reduced_scale(annual, column, k):
    year = int(annual[FULL]["year"].max())
    if (k, column) in KNOWN_OUTCOMES:
        pytest.skip("a known disagreement: test_the_known_disagreements_are_still_there")
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


@pytest.mark.xfail(strict=True, reason="KNOWN_OUTCOMES disagree with full scale; strict: it "
                   "fails the suite once they agree")
@pytest.mark.parametrize(("k", "column"), sorted(KNOWN_OUTCOMES))
def test_the_known_disagreements_are_still_there(annual, k, column):
    year = int(annual[FULL]["year"].max())
    assert abs(means_z(annual, k, column, year)[2]) < Z


def test_the_registration_error_households_are_followed_to_the_end():
    """``--error-households``: each registered household is an error's or a poor one's, every
    one counted in real households; a household's last exit is the one recorded, so a group's
    exits over the years are at most the group, and so are those still on the register at the
    end."""
    t = agreement.error_households(200.0, 2)
    assert list(t["seed"]) == [1, 2] and (t["error"] > 0).all()
    for group in ("error", "poor"):
        exits = t.filter(like=f"{group}_exit_").sum(axis=1)
        assert list(t.filter(like=f"{group}_exit_").columns) == [
            f"{group}_exit_{y}" for y in range(2014, 2018)]
        assert (exits <= t[group] + 1e-9).all()
        assert (t[f"{group}_on_register_at_end"] <= t[group] + 1e-9).all()
    with pytest.raises(SystemExit):
        agreement.main(["--error-households", "4x"])
