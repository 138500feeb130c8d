"""Population synthesis: draw the households of a scenario into a :class:`Households` array.

All draws come from the generator passed in (the model's ``"population"`` stream), so the same
seed gives the same population whatever the policy levers.

Example:
    >>> import numpy as np
    >>> from povsim.schema.config import load_scenario
    >>> sc = load_scenario("scenarios/xixiu.yaml")
    >>> pop = synthesize(sc, 100, np.ones(182, bool), np.random.default_rng(0))
    >>> pop.n, int(pop.size.min()) >= 1
    (100, True)
"""

from __future__ import annotations

import numpy as np

from povsim.agents.households import NO_JOB, OUTSIDE_MARKET, Households
from povsim.engine.job_finding import baseline_chance
from povsim.schema.config import Scenario

VILLAGE_SIZE_SIGMA = 0.5  # log-sd of village population weights; assumed


def synthesize(sc: Scenario, n: int, coop_active: np.ndarray,
               rng: np.random.Generator) -> Households:
    """Draw ``n`` households spread over the scenario's villages.

    A household's share of persons able to work is drawn from a Beta distribution of mean
    ``labourers_share`` and concentration ``labourers_concentration``, and its labourers are
    binomial given that share.

    A household with a labourer at home holds an outside-market local job with its chance in
    the labour market's steady state (:func:`povsim.engine.job_finding.baseline_chance`: on average
    ``population.local_job_share``, more for the more skilled).

    A share ``population.away_household_share`` (when set) of households lives away as a whole
    household (人户分离): every labourer of theirs is a migrant, none holds a local job.

    Where ``population.earnings_sigma`` is set, each household's outside wage and remittances
    are its multiplier (log-normal, mean 1, that log-sd) times the market's.

    Households in villages whose cooperative is active start as members with probability
    ``population.coop_member_share`` and lease ``behaviour.lease_share`` of their land.
    """
    p = sc.population
    n_v = sc.villages.count.value
    pop = Households.empty(n)
    weights = rng.lognormal(0.0, VILLAGE_SIZE_SIGMA, n_v)
    pop.village[:] = rng.choice(n_v, size=n, p=weights / weights.sum())
    pop.size[:] = 1 + np.minimum(rng.poisson(max(p.household_size_mean.value - 1.0, 0.0), n), 11)
    m, kappa = p.labourers_share.value, p.labourers_concentration.value
    share = rng.beta(m * kappa, (1.0 - m) * kappa, n) if 0.0 < m < 1.0 else np.full(n, m)
    pop.labourers[:] = rng.binomial(pop.size, share)
    ls = p.land_sigma.value
    pop.land[:] = rng.lognormal(np.log(max(p.land_mu_mean.value, 1e-9)) - 0.5 * ls**2, ls, n)
    pop.skill[:] = rng.beta(p.skill_alpha.value, p.skill_beta.value, n)
    vs = p.village_productivity_sigma.value
    village_effect = rng.lognormal(-0.5 * vs**2, vs, n_v)
    fs = p.farm_productivity_sigma.value
    pop.farm_prod[:] = np.minimum(rng.lognormal(-0.5 * fs**2, fs, n) * village_effect[pop.village],
                                  sc.cadre_effects.productivity_cap.value)
    pop.migrants[:] = rng.binomial(pop.labourers, p.migrant_share.value)
    at_home = pop.labourers > pop.migrants
    pop.employer[:] = np.where(at_home & (rng.random(n) < baseline_chance(sc, pop.skill)),
                               OUTSIDE_MARKET, NO_JOB)
    member = coop_active[pop.village] & (rng.random(n) < p.coop_member_share.value)
    pop.member[:] = member
    pop.shares[:] = member.astype(np.float32)
    pop.leased[:] = np.where(member, sc.behaviour.lease_share.value * pop.land, 0.0)
    if p.away_household_share is not None:  # drawn last: the draws above are the same with it
        away = rng.random(n) < p.away_household_share.value
        pop.away[:] = away
        pop.migrants[away] = pop.labourers[away]
        pop.employer[away] = NO_JOB
    if p.earnings_sigma is not None:  # drawn after the rest, as the away households
        es = p.earnings_sigma.value
        pop.earnings[:] = rng.lognormal(-0.5 * es**2, es, n)
    return pop
