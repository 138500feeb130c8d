"""Direction and dose of every attribution channel on common random numbers (issue 14).

For each channel of :data:`povsim.experiments.attribution.CHANNELS`, its dose parameters are scaled
by a factor ``d`` (0: none of it, which is the channel switched off; 1: the scenario; 2: twice as
much, probabilities capped at 1), and the same seed is run at two doses ``d1 < d2``: what the
channel's beneficiaries receive through it never falls (more of it, never less), and none of it
gives nothing where the channel pays money directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from povsim.agents.households import SRC
from povsim.engine.model import PovertyModel
from povsim.experiments.attribution import CHANNELS, channel_changes
from povsim.schema.config import Scenario, load_scenario

PROBABILITIES = ("visit_prob_month", "share_payout", "lecture_skill_gain_month",
                 "branch_gain_month")


def flows(m: PovertyModel, payee: str, item: str, payer: str | None = None) -> float:
    """A run's ledger flows to ``payee`` for ``item`` (real yuan)."""
    return m.k * sum(v for key, v in m.ledger.flows.items()
                     if key.split("->")[1] == f"{payee}:{item}"
                     and (payer is None or key.startswith(f"{payer}->")))


def end(col: str) -> Callable[[PovertyModel], float]:
    return lambda m: float(m.annual[col].iloc[-1])


@dataclass(frozen=True)
class Dose:
    """A channel's dose: the case it is tried on, the parameters scaled, what its
    beneficiaries receive, and whether none of it means nothing received."""

    case: str
    scale: float
    paths: Callable[[Scenario], list[str]]
    received: Callable[[PovertyModel], float]
    zero_at_none: bool = False


def numeric_paths(channel: str) -> Callable[[Scenario], list[str]]:
    """The numeric parameters the channel's switch-off sets to zero."""
    return lambda sc: [p for p, v in channel_changes(sc)[channel].items()
                       if isinstance(v, float) and v == 0.0]


DOSES = {
    "cadre_visits": Dose("xixiu", 20, numeric_paths("cadre_visits"),
                         end("income_mean_registered")),
    "village_cadres": Dose("xixiu", 20, numeric_paths("village_cadres"),
                           lambda m: float(m.annual["collective_revenue_total"].sum())),
    "cadre_training": Dose("jiangkou", 20, numeric_paths("cadre_training"),
                           lambda m: float(m.world.cadres.effectiveness.mean())),
    "partner_jobs": Dose("xixiu", 20, numeric_paths("partner_jobs"),
                         lambda m: flows(m, "households", "wages", "enterprise"), True),
    "partner_purchases": Dose("jiangkou", 20, numeric_paths("partner_purchases"),
                              lambda m: float(m.annual["collective_operating_revenue"].sum())),
    "partner_investment_dividends": Dose(
        "jiangkou", 20, numeric_paths("partner_investment_dividends"),
        lambda m: flows(m, "households", "dividends") + flows(m, "cooperative", "investment")
        + flows(m, "cooperative", "stake_dividends")),
    "cooperative_payments": Dose(
        "xixiu", 20, numeric_paths("cooperative_payments"),
        lambda m: flows(m, "households", "land_rent", "cooperative")
        + flows(m, "households", "dividends", "cooperative")
        + flows(m, "households", "wages", "cooperative"), True),
    "programme_crops": Dose("zhenbao", 2, numeric_paths("programme_crops"),
                            lambda m: float(m.ledger.receipts[SRC["farming"]])),
    "labour_training": Dose("sanba", 2, lambda sc: [
        "programmes.labour_training.person_times_per_year",
        "programmes.labour_training.skill_gain"],
        lambda m: m.world.programmes.labour_trained
        + float(m.households.skill[m.households.registered].sum())),
    "loans": Dose("sanba", 1, lambda sc: ["programmes.loans.return_rate"],
                  lambda m: float(m.ledger.receipts[SRC["business"]]), True),
    "technology": Dose("zhenbao", 2, lambda sc: [
        "programmes.demonstration_fields.tech_gain_per_share_year",
        "cadre_effects.expert_productivity_gain_month"],
        lambda m: float(m.ledger.receipts[SRC["farming"]])),
    "transfers": Dose("xixiu", 20, numeric_paths("transfers"),
                      lambda m: float(m.ledger.receipts[SRC["transfers"]]), True),
}


def test_every_channel_has_a_dose():
    assert set(DOSES) == set(CHANNELS)


def dosed(sc: Scenario, paths: list[str], d: float) -> Scenario:
    changes = {}
    for p in paths:
        v = sc.get_param(p) * d
        changes[p] = min(v, 1.0) if p.rsplit(".", 1)[-1] in PROBABILITIES else v
    return sc.with_params(changes)


def received(channel: str, d: float, seed: int) -> float:
    dose = DOSES[channel]
    sc = load_scenario(dose.case)
    paths = dose.paths(sc)
    assert paths, f"{channel} has no dose parameters in {dose.case}"
    m = PovertyModel(dosed(sc, paths, d), seed=seed, scale=dose.scale)
    m.run()
    return dose.received(m)


@pytest.mark.parametrize("channel", sorted(DOSES))
@settings(max_examples=3, deadline=None)
@given(doses=st.sampled_from([(0.0, 0.5), (0.5, 1.0), (1.0, 2.0), (0.0, 2.0)]),
       seed=st.integers(1, 3))
def test_more_of_a_channel_never_gives_its_beneficiaries_less(channel, doses, seed):
    lo, hi = doses
    got_lo, got_hi = received(channel, lo, seed), received(channel, hi, seed)
    assert got_hi >= got_lo - 1e-6 * max(abs(got_lo), 1.0), (channel, doses, got_lo, got_hi)
    if lo == 0.0 and DOSES[channel].zero_at_none:
        assert got_lo == pytest.approx(0.0, abs=1e-6), (channel, got_lo)
