"""Household programmes a scenario may switch on: labour training, business loans, demo fields.

Each is optional (``programmes:`` in the scenario file) and runs in programme months only:

- **labour training** (Sanba: 1,371 person-times trained, 1,111 registered-poor labourers
  transferred): registered poor households with idle labour and no job are trained at the
  scenario's yearly rate; training raises skill and gives a job referral. A trained household is
  *transferred* when it next takes a local job or sends a migrant; transfers are counted, not
  forced, so the transfer rate is an outcome.
- **business loans** (Sanba: 300,000 yuan to 43 households): in January of the loan year,
  households drawn at random get a loan that raises farm productivity; the principal is a public
  cost.
- **demonstration fields** (Zhenbao: 260 mu): village farming technology grows each month in
  proportion to the share of land under demonstration fields.

Every draw comes from the programme's own stream, one value per household per month, so
common random numbers hold across policy levers.

Example:
    >>> from povsim.config import load_scenario
    >>> from povsim.model import PovertyModel
    >>> m = PovertyModel(load_scenario("scenarios/sanba.yaml"), seed=1, scale=20)
    >>> m.run()
    >>> m.labour_transferred <= m.labour_trained
    True
"""

from __future__ import annotations

import numpy as np

from povsim.agents.households import NO_JOB


def run_month(m) -> None:
    """Run this month's programmes of model ``m`` (called in programme months)."""
    pg = m.sc.programmes
    if pg.labour_training is not None:
        _labour_training(m, pg.labour_training)
    if pg.loans is not None and m.month == 0 and m.year == pg.loans.year.value:
        _loans(m, pg.loans)
    if pg.demonstration_fields is not None:
        _demonstration(m, pg.demonstration_fields)


def _labour_training(m, cfg) -> None:
    hh = m.households
    u = m.streams["labour_training"].random(hh.n)
    eligible = hh.registered & ~hh.trained & (hh.employer == NO_JOB) & (hh.idle_labour() > 0)
    n_el = int(eligible.sum())
    if n_el == 0:
        return
    p = min(1.0, cfg.person_times_per_year.value / 12.0 / m.k / n_el)
    idx = np.flatnonzero(eligible & (u < p))
    hh.skill[idx] += (cfg.skill_gain.value * (1.0 - hh.skill[idx])).astype(np.float32)
    hh.referral[idx] = True
    hh.trained[idx] = True
    hh.trained_migrants[idx] = hh.migrants[idx]
    m.labour_trained += idx.size
    m._cost("labour_training", idx.size * cfg.cost_per_person_time.value)


def track_transfers(m) -> None:
    """Count trained households that took a local job or sent a migrant since training."""
    hh = m.households
    if not hh.trained.any():
        return
    done = hh.trained & ((hh.employer != NO_JOB) | (hh.migrants > hh.trained_migrants))
    m.labour_transferred += int(done.sum())
    hh.trained[done] = False


def _loans(m, cfg) -> None:
    hh = m.households
    rng = m.streams["loans"]
    want = cfg.households.value / m.k
    n = int(np.floor(want) + (rng.random() < want - np.floor(want)))
    idx = rng.choice(hh.n, size=min(n, hh.n), replace=False)
    cap = m.sc.cadre_effects.productivity_cap.value
    hh.farm_prod[idx] = np.minimum(hh.farm_prod[idx] * (1.0 + cfg.productivity_gain.value), cap)
    m.loans_households += idx.size
    # the principal is invested in the households' farming (productivity), not paid as income
    m._cost("loans", cfg.amount_total.value / m.k)


def _demonstration(m, cfg) -> None:
    land_real = float(m.households.land.sum()) * m.k
    share = cfg.area_mu.value / land_real if land_real > 0 else 0.0
    gain = cfg.tech_gain_per_share_year.value * share / 12.0
    cap = m.sc.cadre_effects.productivity_cap.value
    for v in m.villages:
        v.tech = min(v.tech * (1.0 + gain), cap)
