"""Reference implementation of the household rules, written the idiomatic Mesa way.

The engine (:class:`povsim.engine.model.PovertyModel`) keeps households in flat numpy arrays and
applies every household rule to all of them at once. This module restates the same rules one
household at a time: :class:`HouseholdAgent` is a ``mesa.Agent`` holding one household's state as
Python scalars, with its own methods and its own ``step()``; :class:`ReferenceModel` is the engine
with its household-level step methods replaced by loops over those agents (``AgentSet.do`` /
``shuffle_do``). It is a yardstick, not part of the product: for checking that the vectorised engine
implements the rules it documents (``tests/test_reference.py`` compares the two over many seeds) and
for measuring what vectorising buys (:func:`household_steps_per_second`).

Per agent (rewritten here, one household at a time, scalar draws):

- **cadre visits** (engine :class:`povsim.engine.submodels.cadre_visits.CadreVisits`): a paired
household
  still counted poor is visited with probability ``visit_prob_month`` (x
  ``other_village_visit_factor`` when its cadre lives in another village); the visit's effect
  (cadre effectiveness x specialty match with the household's binding need x familiarity ramp / (1
  + cadre load / ``load_half``)) raises skill and gives a referral (jobs), raises farm
  productivity and may make it join the cooperative (farming), raises illness-cost cover (health),
  or raises productivity and may enrol a household without labour in transfers (finance). The
  cadres' loads and the visit counts stay model-level.
- **labour market** (engine :class:`povsim.engine.submodels.labour_market.LabourMarket`): each
household
  with a job loses it with probability ``job_separation_prob_month``; then, in random order, each
  household with idle labour and no job tries a paired employer (enterprise or its cooperative)
  with probability ``paired_hire_prob_month`` x the reach-weighted share of its village's
  vacancies, picking one in proportion to reach-weighted vacancies and getting the job if a
  vacancy is still left, or else finds an outside-market job with probability
  the case's search rate (:mod:`povsim.engine.job_finding`) x (0.5 + skill) x (1 +
  ``referral_boost`` x
  referral). The vacancies
  (capacities less jobs held) are counted by the model; hiring stops at capacity (first come,
  first served in the random order, where the engine ranks candidates by their draw: the same in
  distribution).
- **income, shocks and decisions** (engine
  :class:`povsim.engine.submodels.households_month.HouseholdsMonth`, compiled in
  :func:`povsim.engine.kernels.household_month`), in :meth:`HouseholdAgent.step`: the month's farm
  income, wage, remittances, land rent, transfers and other income; illness onset and recovery (a
  sole labourer at home falling ill loses the job), out-of-pocket illness costs, the household's
  loss when its village suffers a disaster; migrating, returning, joining the cooperative (shares,
  leased land) and claiming transfers. Nothing in the engine between these three phases depends on
  other households, so one agent ``step()`` doing all three is the same rule as three passes. The
  disaster draw is per village (model-level, stream ``"reference:disaster"``); money flows (wages
  by employer, transfers, health cover) are summed by the model and booked in the ledger and costs
  as the engine does.

Inherited unchanged (model-level, on the household arrays): the policy calendar, cadre
rotation and pairing, village cadres and projects, cadre training, the household programmes of
:mod:`povsim.engine.submodels.programmes` (labour training, loans, demonstration fields, transfer
tracking), branch decay, the cooperatives' production, wages, rent and activation, December
(dividends, identification, exits and re-entries, hollowing out, poor-village exits), and every
record (the ``DataCollector``'s monthly reporters and yearly tables, the ledger), so the tables
are the engine's own. The three per-agent phases take the place of the engine's submodels in the
model's schedule (:class:`PerAgent`).

Synchronisation: between the per-agent phases the arrays in ``model.households`` are the state
the inherited code reads and writes. Each per-agent phase first copies into the agents what
inherited code changed in the arrays since the last synchronisation (December, pairing,
programmes, hollowing out: :meth:`ReferenceModel._pull` finds it by comparison with a mirror of
the arrays) and ends by writing the fields it may have changed back into the arrays
(:meth:`ReferenceModel._push`). Between synchronisations an agent's floats are Python floats
(float64), where the arrays round some fields to float32. The time spent synchronising is kept in
``model.sync_s`` so that it can be told apart from the rules themselves.

Random numbers: every draw is a scalar from a numpy Generator owned by the model, one per purpose,
named ``"reference:<purpose>"`` in the run's :class:`povsim.base.streams.Streams` (so never the
engine's draws, and never the global random state); the random order of job seekers uses Mesa's
``model.random``. The population, cadres, partners and every inherited model-level draw use the
engine's streams, so a reference run and an engine run of the same seed start from the same
households but then draw differently: they agree in distribution only.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> m = ReferenceModel(load_scenario("scenarios/sanba.yaml"), seed=1, scale=100)
    >>> m.run()
    >>> len(m.agents_by_type[HouseholdAgent]) == m.households.n, int(m.annual["year"].iloc[-1])
    (True, 2018)
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import mesa
import numpy as np

from povsim.agents.households import NEED, NO_JOB, OUTSIDE_MARKET, SRC
from povsim.engine import job_finding
from povsim.engine.model import PovertyModel
from povsim.engine.submodels.base import Submodel
from povsim.engine.submodels.cadre_visits import CadreVisits
from povsim.engine.submodels.households_month import (
    DISASTER_QUARTER,
    HouseholdsMonth,
    farm_yield_per_mu,
)
from povsim.engine.submodels.labour_market import (
    LabourMarket,
    capacities,
    employer_wages,
    market_wages,
    month_wages,
)
from povsim.engine.world import update_land
from povsim.schema.config import Scenario, load_scenario

FARMING, JOBS, HEALTH, FINANCE = NEED["farming"], NEED["jobs"], NEED["health"], NEED["finance"]
I_FARM, I_WAGES, I_REMIT = SRC["farming"], SRC["local_wages"], SRC["migrant_remittances"]
I_RENT, I_TRANSFERS, I_OTHER, I_SHOCKS = (SRC["land_rent"], SRC["transfers"], SRC["other"],
                                          SRC["shocks"])

#: Household fields fixed after synthesis: copied into each agent once, at build.
CONSTANT_FIELDS = ("village", "size", "labourers", "land")
#: Household fields the agents' rules read or write (``Households`` attributes of the same name),
#: copied from the arrays, where inherited code changed them, at the start of a per-agent phase.
STATE_FIELDS = ("leased", "skill", "farm_prod", "sick", "cover", "registered", "poor", "member",
                "shares", "employer", "migrants", "cadre", "paired_since", "referral",
                "enrolled", "income")
#: Fields each per-agent phase may change, written back to the arrays when it ends.
VISIT_WRITES = ("skill", "referral", "farm_prod", "cover", "member", "shares", "leased",
                "enrolled")
MARKET_WRITES = ("employer", "referral")
STEP_WRITES = ("income", "sick", "employer", "migrants", "member", "shares", "leased",
               "enrolled")


@dataclass(frozen=True)
class HouseholdParams:
    """The scenario's household-rule parameters as plain floats (read by every agent).

    Attributes:
        visit_prob: probability a paired poor household is visited in a month.
        other_village_factor: visit-probability multiplier when the cadre lives elsewhere.
        familiarity_months: months for a new pairing to reach full effect (0: at once).
        load_half: households per cadre at which a visit's effect halves.
        skill_gain: share of the way to skill 1 per jobs visit x effect.
        productivity_gain: relative farm-productivity gain per farming visit x effect.
        loan_productivity_gain: relative farm-productivity gain per finance visit x effect.
        productivity_cap: ceiling of farm productivity.
        health_cover_gain: share of the way to full illness-cost cover per health visit x effect.
        separation_prob: probability a job ends in a month.
        search_prob: monthly outside-market job-finding probability (x (0.5 + skill)).
        referral_boost: relative increase of outside-market job finding with a referral.
        paired_hire_prob: monthly probability of trying a paired employer with vacancies.
        remittance: yuan per migrant per month at baseline prices.
        rent_month: land rent, yuan per leased mu per month.
        transfer: social-assistance transfer, yuan per person per month.
        other_income: other income, yuan per person per month at baseline prices.
        illness_prob: monthly probability a healthy household falls ill.
        recovery_prob: monthly probability an ill household recovers.
        illness_cost: yuan per month of illness (before cover).
        disaster_share: share of a year's farm income lost in a village disaster
            (``DISASTER_QUARTER`` x ``disaster_severity``).
        migrate_prob: monthly probability a household with idle labour sends a migrant
            (x (0.5 + skill)).
        return_prob: monthly probability a migrant household has one migrant return.
        join_prob: monthly probability of joining an active cooperative (x branch strength).
        claim_prob: monthly probability a poor household without labour or ill claims transfers.
        lease_share: share of its land a joining household leases to the cooperative.
        farm_mu_per_labourer: land one labourer at home can farm (mu).
        poor_member_shares: extra cooperative shares of a registered poor member.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> HouseholdParams.from_scenario(load_scenario("scenarios/sanba.yaml")).lease_share
        0.2
    """

    visit_prob: float
    other_village_factor: float
    familiarity_months: float
    load_half: float
    skill_gain: float
    productivity_gain: float
    loan_productivity_gain: float
    productivity_cap: float
    health_cover_gain: float
    separation_prob: float
    search_prob: float
    referral_boost: float
    paired_hire_prob: float
    remittance: float
    rent_month: float
    transfer: float
    other_income: float
    illness_prob: float
    recovery_prob: float
    illness_cost: float
    disaster_share: float
    migrate_prob: float
    return_prob: float
    join_prob: float
    claim_prob: float
    lease_share: float
    poor_member_shares: float
    farm_mu_per_labourer: float

    @classmethod
    def from_scenario(cls, sc: Scenario) -> HouseholdParams:
        """Read the parameters from a validated scenario."""
        ce, b, i, s = sc.cadre_effects, sc.behaviour, sc.income, sc.shocks
        return cls(
            visit_prob=ce.visit_prob_month.value,
            other_village_factor=ce.other_village_visit_factor.value,
            familiarity_months=ce.familiarity_months.value, load_half=ce.load_half.value,
            skill_gain=ce.skill_gain.value, productivity_gain=ce.productivity_gain.value,
            loan_productivity_gain=ce.loan_productivity_gain.value,
            productivity_cap=ce.productivity_cap.value,
            health_cover_gain=ce.health_cover_gain.value,
            separation_prob=b.job_separation_prob_month.value,
            search_prob=job_finding.scenario_rate(sc), referral_boost=ce.referral_boost.value,
            paired_hire_prob=b.paired_hire_prob_month.value,
            remittance=i.migrant_remittance_month.value, rent_month=i.land_rent_per_mu.value / 12,
            transfer=i.transfer_per_person_month.value,
            other_income=i.other_income_per_person_month.value,
            illness_prob=s.illness_prob_month.value,
            recovery_prob=s.illness_recovery_prob_month.value,
            illness_cost=s.illness_cost_month.value,
            disaster_share=DISASTER_QUARTER * s.disaster_severity.value,
            migrate_prob=b.migrate_prob_month.value, return_prob=b.return_prob_month.value,
            join_prob=b.join_prob_month.value, claim_prob=b.transfer_claim_prob_month.value,
            lease_share=b.lease_share.value,
            poor_member_shares=sc.cooperatives.poor_member_shares.value,
            farm_mu_per_labourer=i.farm_mu_per_labourer.value)


class HouseholdAgent(mesa.Agent):
    """One household as a Mesa agent: scalar state and the monthly household rules.

    Its state attributes have the names and meanings of the
    :class:`povsim.agents.households.Households` fields (``CONSTANT_FIELDS`` and
    ``STATE_FIELDS``); ``income`` is a list of yuan this year by source (indexed like
    ``SOURCES``). Model-level context of the month (prices, wages, village
    technology, cooperative activity, disaster hits, vacancies) is read from the model.

    Args:
        model: the :class:`ReferenceModel` it belongs to.
        index: its row in ``model.households`` (the engine's household index).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> m = ReferenceModel(load_scenario("scenarios/sanba.yaml"), seed=1, scale=100)
        >>> a = m.household_agents[0]
        >>> a.index, a.size == int(m.households.size[0])
        (0, True)
    """

    def __init__(self, model: ReferenceModel, index: int):
        super().__init__(model)
        self.index = int(index)
        hh = model.households
        for f in CONSTANT_FIELDS:
            setattr(self, f, getattr(hh, f)[index].item())
        for f in STATE_FIELDS:
            value = hh.by_household(f)[index]
            setattr(self, f, value.tolist())

    # ------------------------------------------------------------------ derived state
    def idle_labour(self) -> int:
        """Able labourers at home without a local job (neither migrant nor ill)."""
        return max(self.labourers - self.migrants - (self.employer != NO_JOB) - self.sick, 0)

    def binding_need(self) -> int:
        """Code (``NEED``) of the binding constraint: illness, then idle labour without a job,
        then own land to farm (over half a mu not leased), else finance."""
        if self.sick:
            return HEALTH
        if self.employer == NO_JOB and self.idle_labour() > 0:
            return JOBS
        if self.land - self.leased > 0.5:
            return FARMING
        return FINANCE

    def own_land(self) -> float:
        """Mu of own land farmed by the household (not leased to the cooperative), at most
        ``farm_mu_per_labourer`` per labourer at home."""
        return min(max(self.land - self.leased, 0.0),
                   max(self.labourers - self.migrants, 0) * self.model.hp.farm_mu_per_labourer)

    def join(self) -> None:
        """Join the village cooperative: one share (plus the poor members' extra shares if
        registered) and lease ``lease_share`` of the land to it."""
        p = self.model.hp
        self.member = True
        self.shares += 1.0 + p.poor_member_shares * self.registered
        self.leased = p.lease_share * self.land
        self.model.coop_land_changed = True

    # ------------------------------------------------------------------ 2. cadre visits
    def cadre_visit(self) -> None:
        """This month's visit of the paired cadre, if any, and its effect.

        Only paired households still counted poor are visited. The effect
        ``eff = effectiveness x match(specialty, need) x familiarity / (1 + load / load_half)``
        (familiarity ramps from 1/``familiarity_months`` to 1 over the first months of the
        pairing) acts on the binding need: jobs (skill, referral), farming (productivity, join
        the cooperative with probability ``eff`` if active), health (cover), finance
        (productivity; a household without labourers enrols in transfers with probability
        ``eff``).
        """
        m, p = self.model, self.model.hp
        c = self.cadre
        if c < 0 or not self.poor:
            return
        p_visit = p.visit_prob * (p.other_village_factor if m.cadre_home[c] != self.village
                                  else 1.0)
        if m.draws["visits"].random() >= p_visit:
            return
        need = self.binding_need()
        fm = p.familiarity_months
        months = m.clock.month_index - self.paired_since + 1
        familiar = min(months / fm, 1.0) if fm > 0 else 1.0
        eff = (m.cadre_eff[c] * m.cadre_match[c][need] * familiar
               / (1.0 + m.cadre_load[c] / p.load_half))
        m.world.cadres.visits_year[c] += 1
        if need == JOBS:
            self.skill += p.skill_gain * eff * (1.0 - self.skill)
            self.referral = True
        elif need == FARMING:
            self.farm_prod = min(self.farm_prod * (1.0 + p.productivity_gain * eff),
                                 p.productivity_cap)
            if (m.draws["visit_effect"].random() < eff and m.coop_active[self.village]
                    and not self.member):
                self.join()
        elif need == HEALTH:
            self.cover += p.health_cover_gain * eff * (1.0 - self.cover)
        else:
            self.farm_prod = min(self.farm_prod * (1.0 + p.loan_productivity_gain * eff),
                                 p.productivity_cap)
            if m.draws["visit_effect"].random() < eff and self.labourers == 0:
                self.enrolled = True

    # ------------------------------------------------------------------ 3. labour market
    def separate(self) -> None:
        """A job held ends with probability ``separation_prob``."""
        if (self.employer != NO_JOB
                and self.model.draws["separation"].random() < self.model.hp.separation_prob):
            self.employer = NO_JOB

    def seek_job(self) -> None:
        """Look for a job if some labour is idle and none is held.

        With probability ``p_in`` (the village's, from the month's vacancies) try a paired
        employer picked in proportion to reach-weighted vacancies, hired if a vacancy is left;
        otherwise find an outside-market job with probability
        ``search_prob x (0.5 + skill) x (1 + referral_boost x referral)``.
        """
        if self.employer != NO_JOB or self.idle_labour() <= 0:
            return
        m, p = self.model, self.model.hp
        codes, cum_w, p_in = m.job_options[self.village]
        u = m.draws["jobs"].random()
        if u < p_in:
            target = m.draws["jobs_choice"].random() * cum_w[-1]
            code = next((c for c, w in zip(codes, cum_w, strict=True) if w > target), codes[-1])
            if m.take_vacancy(code):
                self.employer = code
                self.referral = False
            return
        p_out = p.search_prob * (0.5 + self.skill) * (1.0 + p.referral_boost * self.referral)
        if u < p_in + p_out:
            self.employer = OUTSIDE_MARKET
            self.referral = False

    # ------------------------------------------------------------------ 5. the household month
    def step(self) -> None:
        """The household's month: earn, suffer shocks, decide (in the engine's order)."""
        self.earn()
        self.suffer_shocks()
        self.decide()

    def earn(self) -> None:
        """Add this month's income by source; report wages and transfers to the model."""
        m, p, inc = self.model, self.model.hp, self.income
        inc[I_FARM] += (self.own_land() * m.farm_value_month * self.farm_prod
                        * m.village_tech[self.village])
        if self.employer >= 0:
            pay = m.wages[self.employer]
            inc[I_WAGES] += pay
            m.wage_bill[self.employer] += pay
        inc[I_REMIT] += self.migrants * p.remittance * m.growth_index
        inc[I_RENT] += self.leased * p.rent_month
        if self.enrolled:
            transfer = self.size * p.transfer * m.transfer_index
            inc[I_TRANSFERS] += transfer
            m.transfers_paid += transfer
        inc[I_OTHER] += self.size * p.other_income * m.growth_index

    def suffer_shocks(self) -> None:
        """Illness onset or recovery, illness costs net of cover, and the village's disaster."""
        m, p = self.model, self.model.hp
        u = m.draws["illness"].random()
        if not self.sick and u < p.illness_prob:
            self.sick = True
            if self.employer != NO_JOB and self.labourers - self.migrants <= 1:
                self.employer = NO_JOB  # the only labourer at home falls ill
        elif self.sick and u > 1.0 - p.recovery_prob:
            self.sick = False
        if self.sick:
            self.income[I_SHOCKS] -= p.illness_cost * (1.0 - self.cover)
            m.health_cover_paid += p.illness_cost * self.cover
        if m.disaster_hit[self.village]:
            self.income[I_SHOCKS] -= (p.disaster_share * self.own_land() * m.farm_value_year
                                      * self.farm_prod * m.village_tech[self.village])

    def decide(self) -> None:
        """Send or bring back a migrant, join the cooperative, claim transfers."""
        m, p = self.model, self.model.hp
        u = m.draws["migrate"].random()
        go = self.idle_labour() > 0 and u < p.migrate_prob * (0.5 + self.skill)
        back = self.migrants > 0 and u > 1.0 - p.return_prob
        self.migrants += go - back
        if (not self.member and m.coop_active[self.village]
                and m.draws["join"].random() < p.join_prob * m.branch[self.village]):
            self.join()
        if (self.poor and not self.enrolled and (self.labourers == 0 or self.sick)
                and m.draws["claims"].random() < p.claim_prob):
            self.enrolled = True


class PerAgent(Submodel):
    """A step of the schedule done one household agent at a time: it takes the place of the
    engine's submodel ``engine`` (same name, ODD section and timing) and runs ``phase``."""

    def __init__(self, engine: type[Submodel], clock, phase):
        super().__init__(clock)
        self.name, self.odd, self.when, self.phase = engine.name, engine.odd, engine.when, phase

    def step(self) -> None:
        self.phase()


class ReferenceModel(PovertyModel):
    """The engine with one :class:`HouseholdAgent` per household doing the household rules.

    Same constructor and tables as :class:`povsim.engine.model.PovertyModel`; the module docstring
    lists what runs per agent and what is inherited. ``agent_class`` may be overridden by a subclass
    (e.g. to test a deliberately altered rule).

    Args:
        scenario: a validated :class:`povsim.schema.config.Scenario`.
        seed: run seed (the engine's population, cadres and partners for this seed).
        replicate: replicate number.
        scale: one simulated household stands for ``scale`` real ones (>= 1).

    Attributes:
        household_agents: the agents in household order (``household_agents[i].index == i``).
        hp: the :class:`HouseholdParams` of the scenario.
        draws: the scalar random streams of the household rules, by purpose.
        sync_s: seconds spent copying state between the arrays and the agents.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> m = ReferenceModel(load_scenario("scenarios/sanba.yaml"), seed=3, scale=100)
        >>> m.run()
        >>> e = PovertyModel(m.sc, seed=3, scale=100)
        >>> e.run()
        >>> list(m.annual.columns) == list(e.annual.columns), len(m.monthly) == len(e.monthly)
        (True, True)
    """

    agent_class: type[HouseholdAgent] = HouseholdAgent
    #: purposes of the household rules' scalar draws (streams ``"reference:<purpose>"``)
    DRAW_PURPOSES = ("visits", "visit_effect", "separation", "jobs", "jobs_choice", "illness",
                     "migrate", "join", "claims")

    def __init__(self, scenario: Scenario | str | Path, seed: int = 0, replicate: int = 0,
                 scale: float = 1.0, **overrides):
        super().__init__(scenario, seed=seed, replicate=replicate, scale=scale, **overrides)
        self.hp = HouseholdParams.from_scenario(self.sc)
        self.draws = {k: self.streams[f"reference:{k}"] for k in self.DRAW_PURPOSES}
        self.sync_s = 0.0
        self.coop_land_changed = False
        self.household_agents = [self.agent_class(self, i) for i in range(self.households.n)]
        self._mirror = {f: self.households.by_household(f).copy() for f in STATE_FIELDS}
        self.season = next(s for s in self.schedule if isinstance(s, HouseholdsMonth)).season
        for engine, phase in ((CadreVisits, self.cadre_visits),
                              (LabourMarket, self.labour_market),
                              (HouseholdsMonth, self.households_month)):
            self.replace_submodel(engine, PerAgent(engine, self.clock, phase))

    @property
    def agent_set(self) -> mesa.agent.AgentSet:
        """The Mesa ``AgentSet`` of the household agents."""
        return self.agents_by_type[self.agent_class]

    # ------------------------------------------------------------------ synchronisation
    def _pull(self) -> None:
        """Copy into the agents what inherited code changed in the arrays since the last sync.

        A mirror of each ``STATE_FIELDS`` array as last synchronised is kept; households whose
        row differs from it (changed by December, pairing, programmes, hollowing out...) get
        the array's values. Comparing with the mirror catches every change, whatever code made
        it, and costs a few vector comparisons when nothing changed.
        """
        t0 = time.perf_counter()
        hh, agents = self.households, self.household_agents
        for f in STATE_FIELDS:
            arr, mirror = hh.by_household(f), self._mirror[f]
            diff = arr != mirror
            rows = np.flatnonzero(diff.any(axis=1) if diff.ndim > 1 else diff)
            if rows.size:
                for i, value in zip(rows.tolist(), arr[rows].tolist(), strict=True):
                    setattr(agents[i], f, value)
                mirror[rows] = arr[rows]
        self.sync_s += time.perf_counter() - t0

    def _push(self, fields: tuple[str, ...]) -> None:
        """Write the agents' ``fields`` back into the household arrays (and the mirror)."""
        t0 = time.perf_counter()
        hh, agents = self.households, self.household_agents
        for f in fields:
            arr = hh.by_household(f)
            arr[:] = [getattr(a, f) for a in agents]
            self._mirror[f][:] = arr
        self.sync_s += time.perf_counter() - t0

    def _village_context(self) -> None:
        """Month context the agents read: cooperative activity, branch strength, technology."""
        self.coop_active = [c.active for c in self.coops]
        self.branch = [v.branch_strength for v in self.villages]
        self.village_tech = [v.tech for v in self.villages]

    # ------------------------------------------------------------------ 2. cadre visits
    def update_coop_land(self) -> None:
        """Recount the cooperatives' leased land if an agent joined since the last count."""
        if self.coop_land_changed:
            update_land(self.world, self.sc.cooperatives)
            self.coop_land_changed = False

    def cadre_visits(self) -> None:
        """Each household agent receives its cadre's visit (``HouseholdAgent.cadre_visit``)."""
        self._pull()
        self._village_context()
        self.cadre_load = Counter(a.cadre for a in self.household_agents
                                  if a.cadre >= 0 and a.poor)
        cadres = self.world.cadres
        self.cadre_home = cadres.village.tolist()
        self.cadre_eff = cadres.effectiveness.tolist()
        self.cadre_match = self.world.match[cadres.specialty].tolist()
        self.agent_set.do("cadre_visit")
        self._push(VISIT_WRITES)
        self.update_coop_land()

    # ------------------------------------------------------------------ 3. labour market
    def labour_market(self) -> None:
        """Separations, then job search in random order against the month's vacancies."""
        self._pull()
        agents = self.agent_set
        agents.do("separate")
        cap = capacities(self.world, self.clock)
        filled = Counter(a.employer for a in self.household_agents if a.employer >= 0)
        vac = [max(c - filled.get(code, 0), 0.0) for code, c in enumerate(cap.tolist())]
        vac[OUTSIDE_MARKET] = 0.0
        self.vacancies, self.hired = vac, Counter()
        # per village: its paired employers, cumulative reach-weighted vacancies, and p_in
        self.job_options = []
        for codes, reach in zip(self.world.employers.codes.tolist(),
                                self.world.employers.reach.tolist(),
                                strict=True):
            row = [(c, vac[c], vac[c] * r) for c, r in zip(codes, reach, strict=True) if c >= 0]
            tot, tot_w = sum(v for _, v, _ in row), sum(w for _, _, w in row)
            p_in = self.hp.paired_hire_prob * tot_w / tot if tot > 0 else 0.0
            cum, acc = [], 0.0
            for _, _, w in row:
                acc += w
                cum.append(acc)
            self.job_options.append(([c for c, _, _ in row], cum, p_in))
        agents.shuffle_do("seek_job")
        self._push(MARKET_WRITES)
        # each employer's workers, read by the cooperatives' wage bills (as the engine's)
        emp = self.households.employer
        self.world.staff = np.bincount(emp[emp >= 0], minlength=len(cap)).astype(np.int64)

    def take_vacancy(self, code: int) -> bool:
        """Hire for employer ``code`` if fewer have been hired this month than its vacancies
        (the engine's rule: the candidate ranked ``r`` is hired while ``r < vacancies``)."""
        if self.hired[code] < self.vacancies[code]:
            self.hired[code] += 1
            return True
        return False

    # ------------------------------------------------------------------ 5. households
    def households_month(self) -> None:
        """Every household agent's month (``HouseholdAgent.step``: income, shocks, decisions);
        then the model books the money flows as the engine does."""
        g = self.clock.growth()
        self._village_context()
        self.growth_index = g
        self.transfer_index = self.clock.transfer_index()
        self.farm_value_year = farm_yield_per_mu(
            self.world.crops, self.sc.income.yield_value_per_mu.value, self.clock.year) * g
        self.farm_value_month = self.farm_value_year * self.season[self.clock.month]
        share = self.sc.population.local_job_share.value
        self.wages = month_wages(employer_wages(self.world, self.clock, self.sc.income),
                                 self.world.coop_arrays.fill, self.world.coop_code0,
                                 share).tolist()
        self.wage_bill = [0.0] * len(self.wages)
        self.transfers_paid = self.health_cover_paid = 0.0
        self.disaster_hit = (self.streams["reference:disaster"].random(len(self.villages))
                             < self.sc.shocks.disaster_prob_month.value).tolist()
        self.agent_set.do("step")
        led = self.ledger
        led.flow("market", "households", "wages",
                 market_wages(self.world, np.array(self.wage_bill), share))
        for e in self.enterprises:
            if self.wage_bill[e.code]:
                e.wages_paid += self.wage_bill[e.code]
                led.partner_pays(e, "households", "wages", self.wage_bill[e.code])
        led.cost("transfers", self.transfers_paid)
        led.flow("government", "households", "transfers", self.transfers_paid)
        led.cost("health_cover", self.health_cover_paid)
        self._push(STEP_WRITES)
        self.update_coop_land()



def household_steps_per_second(model_cls: type[PovertyModel], scenario: Scenario | str | Path,
                               scale: float, seed: int = 1, months: int | None = None) -> dict:
    """Time building and running one model; household-months simulated per second of run.

    Args:
        model_cls: :class:`povsim.engine.model.PovertyModel`, :class:`ReferenceModel` or another
        class
            with their constructor.
        scenario: a validated scenario or the path of a scenario file.
        scale: households scale (one simulated household per ``scale`` real ones).
        seed: run seed (replicate 0).
        months: months to run (None: to December of the scenario's end year).

    Returns:
        ``households`` (simulated), ``months`` (run), ``build_s`` and ``run_s``
        (``time.perf_counter`` seconds) and ``household_steps_per_s``
        (households x months / run_s).

    Example:
        >>> r = household_steps_per_second(ReferenceModel, "scenarios/sanba.yaml", 100, months=3)
        >>> r["months"], r["household_steps_per_s"] > 0
        (3, True)
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    t0 = time.perf_counter()
    model = model_cls(sc, seed=seed, scale=scale)
    t1 = time.perf_counter()
    done = 0
    while model.running and (months is None or done < months):
        model.step()
        done += 1
    t2 = time.perf_counter()
    n = model.households.n
    model.release()
    run_s = t2 - t1
    return {"households": n, "months": done, "build_s": t1 - t0, "run_s": run_s,
            "household_steps_per_s": n * done / run_s if run_s > 0 else float("inf")}


if __name__ == "__main__":  # quick comparison: python -m benchmarks.reference [scenario] [scale]
    import sys

    path = sys.argv[1] if len(sys.argv) > 1 else "scenarios/sanba.yaml"
    k = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    for cls in (PovertyModel, ReferenceModel):
        r = household_steps_per_second(cls, path, k)
        print(f"{cls.__name__:<15} {r['households']} households x {r['months']} months: "
              f"build {r['build_s']:.3f} s, run {r['run_s']:.3f} s, "
              f"{1e6 / r['household_steps_per_s']:.2f} us per household-month")
