"""The povsim model: a monthly Mesa model of party-building-led poverty alleviation.

One run simulates one case from January of the baseline year (the year before the programme,
whose incomes identify the registered poor) to December of the scenario's end year. Each month,
in this order (``docs/ODD.md`` has the full description):

1. policy calendar (enterprise investment when a pairing starts);
2. cadres act: paired cadres visit households, village cadres strengthen branches and bring
   projects, training raises effectiveness;
3. labour market: separations, paired enterprises and cooperatives hire up to capacity, the
   outside market hires the rest;
4. cooperatives activate, produce, sell (partly to paired enterprises), pay wages and rent;
5. households earn, suffer shocks (illness, village disasters) and decide (migrate, return,
   join the cooperative and lease land, claim transfers);
6. December: dividends, per-capita income against the year's poverty line, identification
   (baseline year) or exits and re-entries, poor-village exits, annual records.

Example:
    >>> from povsim.config import load_scenario
    >>> m = PovertyModel(load_scenario("scenarios/xixiu.yaml"), seed=1, scale=200)
    >>> m.run()
    >>> bool(0.0 <= m.annual[-1]["incidence"] <= 1.0)
    True
"""

from __future__ import annotations

import mesa
import numpy as np

from povsim import allocator, kernels, programmes, strategies
from povsim.agents.cadre import Cadre
from povsim.agents.cooperative import Cooperative
from povsim.agents.enterprise import Enterprise
from povsim.agents.households import NEED, NO_JOB, OUTSIDE_MARKET, SRC
from povsim.agents.village import Village
from povsim.config import INDUSTRIES, SPECIALTIES, Scenario
from povsim.kernels import MonthParams, household_month_arrays
from povsim.population import synthesize
from povsim.stats import sorted_gini, sorted_weighted_quantiles, stable_argsort

DISASTER_QUARTER = 0.25  # a disaster hits a quarter of a year's farm income; assumed
INITIAL_CAPITAL_SIGMA = 0.8  # log-sd of initial collective capital across villages; assumed
DECILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
#: the numeric outcome columns of the ``annual`` table (besides ``year`` and ``stage``), in order;
#: the outputs a sweep may keep (ODD §7.13 describes them)
ANNUAL_OUTPUTS = (
    "poverty_line", "incidence", "poor_households", "poor_people", "registered_households",
    "registered_people", "exits_households", "exits_people", "reentries_households",
    "reentries_people", "net_exits_people_cumulative", "income_poor_share", "poverty_gap_index",
    "poor_villages_listed", "poor_villages_exited", "income_mean", "income_median",
    "income_mean_registered", "income_median_registered", "gini", "collective_operating_revenue",
    "collective_revenue_total", "collective_operating_min_village",
    "collective_revenue_total_min_village", "hollow_village_share", "collective_assets",
    "villages_assets_over_threshold", "dividends_paid", "coop_members", "enterprise_jobs",
    "migrants", "resident_people", "labour_trained_cumulative", "labour_transferred_cumulative",
    "loans_households", "branch_strength_mean", "public_cost", "public_cost_cumulative",
    "cost_per_person_lifted",
)


def _draw_industry(mix: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` industry codes (indices into ``INDUSTRIES``) drawn from a mix of weights."""
    w = np.array([mix.get(name, 0.0) for name in INDUSTRIES], float)
    return rng.choice(len(INDUSTRIES), size=n, p=w / w.sum()).astype(np.int64)


class PovertyModel(mesa.Model):
    """Monthly agent-based model of one case; households array-backed, others Mesa agents.

    Args:
        scenario: a validated :class:`povsim.config.Scenario`.
        seed: run seed; every draw comes from a named stream derived from it.
        replicate: replicate number (a separate, reproducible set of streams).
        scale: one simulated household stands for ``scale`` real ones (>= 1).

    Example:
        >>> from povsim.config import load_scenario
        >>> m = PovertyModel(load_scenario("scenarios/xixiu.yaml"), seed=2, scale=500)
        >>> m.households.n > 0, len(m.villages)
        (True, 182)
    """

    def __init__(self, scenario: Scenario, seed: int = 0, replicate: int = 0,
                 scale: float = 1.0):
        from povsim.streams import Streams

        if scale < 1:
            raise ValueError(f"scale must be >= 1 (one simulated household per k), got {scale}")
        self.streams = Streams(seed, replicate)
        super().__init__(rng=self.streams.mesa_rng_seed())
        self.sc = sc = scenario
        self.seed, self.replicate, self.scale = int(seed), int(replicate), float(scale)
        self.baseline_year = sc.start_year - 1
        self.programme_start = sc.policy.programme_start_year or sc.start_year
        self.year, self.month = self.baseline_year, 0
        self.identified = False
        self.pc_income_baseline = np.zeros(0)  # set at identification (end of baseline year)
        self._draws: np.ndarray | None = None  # the households' monthly uniforms (a buffer)
        self._placed: tuple | None = None  # cadre placements, once made (_placed_cadres)
        self._job_buffers: tuple | None = None  # labour-market uniforms, applicants (buffers)
        self._visit_draws: tuple | None = None  # cadre-visit uniforms and visited (buffers)
        self.annual: list[dict] = []
        self.monthly: list[dict] = []
        self.deciles: list[dict] = []
        self.by_source: list[dict] = []
        self.cadre_loads: list[dict] = []
        self.crop_rows: list[dict] = []
        self.collective_rows: list[dict] = []
        self.costs: list[dict] = []
        self.ledger: dict[str, float] = {}
        self.household_receipts = np.zeros(len(SRC))
        self._cost_year: dict[str, float] = {}
        self._cost_cum = 0.0
        self._net_exits_people = 0.0
        self._build()

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        sc, rng = self.sc, self.streams["population"]
        n_v = sc.villages.count.value
        n_h = max(1, round(sc.population.total_households.value / self.scale))
        # one factor for money and counts: a simulated household stands for exactly k real ones
        self.k = self.hh_weight = sc.population.total_households.value / n_h
        self.villages = [
            Village(self, i, b) for i, b in enumerate(
                rng.beta(sc.villages.branch_strength_alpha.value,
                         sc.villages.branch_strength_beta.value, n_v))
        ]
        co = sc.cooperatives
        active = rng.random(n_v) < co.initial_active_share.value
        sig = INITIAL_CAPITAL_SIGMA
        cap = rng.lognormal(-0.5 * sig**2, sig, n_v) * co.initial_capital_mean.value / self.k
        cap = np.where(active, cap, 0.0)
        # collective-economy models (e.g. Yushu's five) run by villages drawn at random
        names, mult = ["standard"] * n_v, np.ones(n_v)
        order = self.streams["collective_models"].permutation(n_v)
        first = 0
        for cm in co.models:
            for v in order[first:first + cm.villages.value]:
                names[v], mult[v] = cm.name, cm.revenue_multiplier.value
                cap[v] = cm.initial_capital.value / self.k
                active[v] = active[v] or cm.active_from_start
            first += cm.villages.value
        self.coops = [Cooperative(self, v, cap[v], bool(active[v]), names[v], mult[v])
                      for v in range(n_v)]
        # geography: villages at random in a square of the scenario's area, each with a main
        # industry (used by the village-pairing strategies and the partner effects)
        geo = self.streams["geography"]
        self.side_km = float(np.sqrt(sc.villages.area_km2.value))
        self.v_xy = geo.random((n_v, 2)) * self.side_km
        self.v_industry = _draw_industry(sc.villages.industry_mix.value, n_v, geo)
        for v in self.villages:
            v.xy = (float(self.v_xy[v.index, 0]), float(self.v_xy[v.index, 1]))
            v.industry = int(self.v_industry[v.index])
        self.households = synthesize(sc, n_h, active, rng)
        kernels.warm_up()  # compile or load the compiled household kernel now, not in month 1
        allocator.keep_freed_arrays()  # monthly temporaries reuse memory (no page faults)
        # the households of each village, ascending (a household never changes village), so
        # per-village work touches its own rows instead of scanning every household
        by_v = np.argsort(self.households.village, kind="stable")
        cuts = np.searchsorted(self.households.village[by_v], np.arange(n_v + 1))
        self._village_rows = [by_v[cuts[v]:cuts[v + 1]] for v in range(n_v)]
        self._build_cadres(self.streams["cadres"])
        self._build_partners(self.streams["enterprises"])
        # cash crops: each takes the same share of every household's own land (area / all land)
        land_real = float(self.households.land.sum()) * self.k
        self._crops = [(c, c.area_mu.value / land_real if land_real > 0 else 0.0)
                       for c in sc.income.crops]
        total_share = sum(sh for _, sh in self._crops)
        if total_share > 1.0:  # drawn land fell short of the crops' area: shrink proportionally
            self._crops = [(c, sh / total_share) for c, sh in self._crops]
        self.labour_trained = self.labour_transferred = self.loans_households = 0
        # stochastic rounding of cooperative jobs (fixed per village) keeps small villages'
        # expected jobs right at any scale
        self._coop_jobs_u = self.streams["coop_jobs"].random(n_v)
        self.coop_code0 = 1 + len(self.enterprises)
        self._season = np.asarray(sc.income.farm_seasonality.value, float)
        self._season = self._season / self._season.sum()
        m = self.sc.cadre_effects
        self._match = np.full((len(SPECIALTIES), len(NEED)), m.match_other.value)
        for s in range(len(NEED)):
            self._match[s, s] = m.match_same.value
        self._match[SPECIALTIES.index("general"), :] = m.match_general.value
        # before identification each village's only local employer is its own cooperative
        self._village_employers = (self.coop_code0 + np.arange(n_v, dtype=np.int32))[:, None]
        self._village_reach = np.ones((n_v, 1))
        self._update_coop_land()

    def _build_cadres(self, rng: np.random.Generator) -> None:
        self.cadres: list[Cadre] = []
        for g in self.sc.cadre_groups:
            n = g.count.value
            if g.role == "households" and n > 0:
                n = max(1, round(n / self.k))
            if n == 0:
                continue
            names = list(g.specialty_mix)
            w = np.array([g.specialty_mix[s] for s in names], float)
            spec = rng.choice(len(names), size=n, p=w / w.sum())
            for i in range(n):
                self.cadres.append(Cadre(
                    self, len(self.cadres), g.kind, g.role, g.capacity.value,
                    g.effectiveness.value, names[spec[i]], g.count.value / n,
                    g.monthly_cost.value, g.branch_gain_month.value, g.projects_per_year.value))
        self.c_spec = np.array([SPECIALTIES.index(c.specialty) for c in self.cadres], np.int8)
        self.c_eff = np.array([c.effectiveness for c in self.cadres], float)
        self.c_cap = np.array([c.capacity for c in self.cadres], np.int32)
        self.c_hh = np.array([c.role == "households" for c in self.cadres], bool)
        self.c_visits = np.zeros(len(self.cadres), np.int64)
        self.c_home = np.full(len(self.cadres), -1, np.int64)

    def _build_partners(self, rng: np.random.Generator) -> None:
        """Partner agents (enterprises, government units, organisations, zones), group by group.

        Each partner has a size (LogNormal, mean 1, log-sd ``partner_effects.size_sigma``), a
        location in the scenario's square and an industry (from the group's ``industry_mix``;
        -1, buys any produce, without one); sizes, places and industries come from the stream
        ``partner_traits``.
        """
        self.enterprises: list[Enterprise] = []
        traits = self.streams["partner_traits"]
        ss = self.sc.partner_effects.size_sigma.value
        for gi, g in enumerate(self.sc.partners):
            n = g.count.value
            size = traits.lognormal(-0.5 * ss**2, ss, n)
            xy = traits.random((n, 2)) * self.side_km
            ind = (_draw_industry(g.industry_mix.value, n, traits) if g.industry_mix is not None
                   else np.full(n, -1))
            jobs = g.jobs_per_partner.value * size / self.k
            jobs_i = np.floor(jobs) + (rng.random(n) < jobs - np.floor(jobs))
            for i in range(n):
                self.enterprises.append(Enterprise(
                    self, len(self.enterprises), jobs_i[i], g.wage_month.value,
                    g.purchase_per_village_year.value / self.k,
                    g.investment_per_village.value / self.k,
                    g.fixed_dividend_per_poor_household.value,
                    max(g.start_year.value, self.programme_start), kind=g.kind, group=gi,
                    price_premium=g.price_premium.value,
                    aid_per_village_year=g.aid_per_village_year.value / self.k,
                    branch_gain_month=g.branch_gain_month.value, size=float(size[i]),
                    xy=(float(xy[i, 0]), float(xy[i, 1])), industry=int(ind[i])))

    # ------------------------------------------------------------------ helpers
    @property
    def in_programme(self) -> bool:
        """Whether the programme (cadres, pairing, projects) runs this month."""
        return self.identified and self.year >= self.programme_start

    def growth(self) -> float:
        """Background growth index of prices and wages relative to the baseline year."""
        return (1.0 + self.sc.income.income_growth.value) ** (self.year - self.baseline_year)

    def farm_yield_per_mu(self) -> float:
        """Net farm income per mu of own land this year at baseline prices (crop mix, maturity).

        Land under a cash crop yields the base value before the crop is planted, nothing while it
        matures, and the crop's value once mature.
        """
        base = self.sc.income.yield_value_per_mu.value
        y = base * (1.0 - sum(sh for _, sh in self._crops))
        for c, sh in self._crops:
            if self.year < c.planted_year.value:
                y += sh * base
            elif self.year >= c.planted_year.value + c.maturity_years.value:
                y += sh * c.yield_value_per_mu.value
        return y

    def _partner_pays(self, e: Enterprise, payee: str, item: str, yuan: float) -> None:
        """Book a partner's payment; a government unit's is public money (a public cost)."""
        if e.kind == "government_unit":
            self._flow("government", payee, item, yuan)
            self._cost(f"partner_{item}", yuan)
        else:
            self._flow(e.kind, payee, item, yuan)

    def _cost(self, item: str, yuan: float) -> None:
        self._cost_year[item] = self._cost_year.get(item, 0.0) + yuan * self.k

    def _flow(self, payer: str, payee: str, item: str, yuan: float) -> None:
        key = f"{payer}->{payee}:{item}"
        self.ledger[key] = self.ledger.get(key, 0.0) + yuan

    def _update_coop_land(self, villages=None) -> None:
        """Each cooperative's leased land (mu) and the jobs it gives, from the households'
        leased land; only ``villages`` (default: all) are recounted."""
        hh = self.households
        todo = np.zeros(len(self.villages), bool)
        todo[slice(None) if villages is None else np.asarray(villages, np.intp)] = True
        land = np.zeros(len(self.villages))
        kernels.sum_by_group(hh.leased, hh.village, todo, land)  # np.bincount's sums and bits
        for v in np.flatnonzero(todo).tolist():
            self._set_coop_land(self.coops[v], float(land[v]))

    def _set_coop_land(self, c: Cooperative, land: float) -> None:
        """A cooperative's leased land (mu) and the jobs it gives (stochastic rounding)."""
        c.leased_land = land
        c.jobs = float(np.floor(self.sc.cooperatives.jobs_per_100mu.value * land / 100.0
                                + self._coop_jobs_u[c.village]))

    def _employer_wages(self) -> np.ndarray:
        g = self.growth()
        local = self.sc.income.local_wage_month.value * g
        ent = [e.wage_month * g for e in self.enterprises]
        return np.array([local, *ent, *([local] * len(self.coops))], float)

    def _capacities(self) -> np.ndarray:
        cap = np.zeros(self.coop_code0 + len(self.coops), float)
        cap[OUTSIDE_MARKET] = np.inf
        for e in self.enterprises:
            cap[e.code] = e.jobs if (self.in_programme and e.active(self.year)) else 0.0
        for c in self.coops:
            cap[self.coop_code0 + c.village] = c.jobs if c.active else 0.0
        return cap

    # ------------------------------------------------------------------ the monthly step
    def step(self) -> None:
        """Advance one month."""
        if self.in_programme:
            if (self.month == 0 and self.sc.policy.cadre_tenure == "rotating"
                    and self.year > max(self.programme_start, self.baseline_year + 1)):
                self._rotate_cadres()
            self._policy_calendar()
            self._cadre_visits()
            self._village_cadres()
            self._training()
            programmes.run_month(self)
        for v in self.villages:
            v.decay(self.sc.villages.branch_decay_month.value)
        self._labour_market()
        self._cooperatives()
        self._households_month()
        programmes.track_transfers(self)
        self._record_month()
        if self.month == 11:
            self._december()
            self.year += 1
            self.month = 0
        else:
            self.month += 1
        self.running = self.year <= self.sc.end_year

    def run(self) -> None:
        """Run every month from the baseline year to December of the end year."""
        while self.running:
            self.step()

    def release(self) -> None:
        """Free this model now; it cannot be used afterwards.

        Mesa 3.3 keeps every model as a key of the class-level id counter ``Agent._ids``, so a
        finished model (with all its household arrays) would stay in memory for the life of
        the process (mesa issue #3179, fixed upstream by PR #3180); and a model's agents and
        wrapped ``step`` refer back to it, so without help only the cyclic garbage collector
        frees it, at some later time. This forgets the model in Mesa's counter and drops
        everything it holds, so its memory returns at once: runners call it after collecting
        a run's tables, and a long series of runs then stays flat in memory.

        Example:
            >>> import gc, weakref
            >>> from povsim.config import load_scenario
            >>> m = PovertyModel(load_scenario("scenarios/sanba.yaml"), scale=500)
            >>> ref = weakref.ref(m); m.release(); del m
            >>> ref() is None
            True
        """
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)
        self.__dict__.clear()

    # 1. policy calendar ------------------------------------------------
    def _policy_calendar(self) -> None:
        for e in self.enterprises:
            if e.active(self.year) and not e.invested_once and e.villages:
                e.invested_once = True
                for v in e.villages:
                    amount = e.investment_per_village * e.share[v]
                    self.coops[v].receive_project(amount)
                    e.invested += amount
                    self._partner_pays(e, "cooperative", "investment", amount)
            if e.active(self.year) and e.villages:
                for v in e.villages:
                    aid = e.aid_per_village_year / 12.0 * e.share[v]
                    if aid:
                        self.coops[v].receive_project(aid)
                        e.aid_paid += aid
                        self._partner_pays(e, "cooperative", "aid", aid)
                    if e.branch_gain_month:
                        self.villages[v].strengthen(e.branch_gain_month * e.share[v])

    # 2. cadres ---------------------------------------------------------
    def _cadre_visits(self) -> None:
        hh, ce = self.households, self.sc.cadre_effects
        if self._visit_draws is None:
            self._visit_draws = (np.empty((2, hh.n)), np.empty(hh.n, np.int64))
        (u, u2), visited = self._visit_draws
        self.streams["visits"].random(out=u)
        self.streams["visit_effect"].random(out=u2)
        # loads, and the paired poor households visited (a cadre living in another village
        # visits less often), in one compiled pass
        load = np.zeros(len(self.cadres), np.int64)
        k = kernels.visits_due(hh.cadre, hh.poor, hh.village, self.c_home, u,
                               ce.visit_prob_month.value, ce.other_village_visit_factor.value,
                               load, visited)
        if k == 0:
            return
        idx = visited[:k].copy()
        c = hh.cadre[idx]
        need = hh.binding_need(idx)
        # a new pairing ramps up to full effect over familiarity_months
        fm = ce.familiarity_months.value
        months = 12 * self.year + self.month - hh.paired_since[idx] + 1
        familiar = np.minimum(months / fm, 1.0) if fm > 0 else 1.0
        eff = self.c_eff[c] * self._match[self.c_spec[c], need] * familiar / (
            1.0 + load[c] / ce.load_half.value)
        self.c_visits += np.bincount(c, minlength=len(self.cadres))
        cap = ce.productivity_cap.value
        # jobs: skills and a referral
        j = need == NEED["jobs"]
        ij = idx[j]
        hh.skill[ij] += (ce.skill_gain.value * eff[j] * (1.0 - hh.skill[ij])).astype(np.float32)
        hh.referral[ij] = True
        # farming: technique, and joining the cooperative
        f = need == NEED["farming"]
        i_f = idx[f]
        hh.farm_prod[i_f] = np.minimum(hh.farm_prod[i_f] * (1.0 + ce.productivity_gain.value
                                                            * eff[f]), cap)
        active = np.array([c_.active for c_ in self.coops])
        join = i_f[(u2[i_f] < eff[f]) & active[hh.village[i_f]] & ~hh.member[i_f]]
        self._join(join)
        # health: cover of illness costs
        h = need == NEED["health"]
        ih = idx[h]
        hh.cover[ih] += (ce.health_cover_gain.value * eff[h] * (1.0 - hh.cover[ih])).astype(
            np.float32)
        # finance: a small loan into farming; social assistance for households without labour
        fi = need == NEED["finance"]
        ifi = idx[fi]
        hh.farm_prod[ifi] = np.minimum(
            hh.farm_prod[ifi] * (1.0 + ce.loan_productivity_gain.value * eff[fi]), cap)
        claim = ifi[(u2[ifi] < eff[fi]) & (hh.labourers[ifi] == 0)]
        hh.enrolled[claim] = True

    def _village_cadres(self) -> None:
        ce = self.sc.cadre_effects
        draws = self.streams["projects"].random(len(self.cadres)).tolist()
        eff = self.c_eff.tolist()
        cap = ce.productivity_cap.value
        size, gain = ce.project_size.value / self.k, ce.expert_productivity_gain_month.value
        for c in self._placed_cadres()[3]:
            c.effectiveness = eff[c.index]
            v = self.villages[c.village]
            amount = c.act_on_village(v, self.coops[c.village], draws[c.index], size, gain)
            v.tech = min(v.tech, cap)
            if amount:
                self._cost("projects", amount)
                self._flow("government", "cooperative", "projects", amount)

    def _placed_cadres(self) -> tuple[np.ndarray, np.ndarray, float, list[Cadre]]:
        """Cadres placed in a village (mask), the real cadres each stands for (0 if not
        placed), their monthly cost (yuan, simulated units) and the placed village-role cadres.

        Placements are made at identification and do not change afterwards, so this is worked
        out once, at the first programme month.
        """
        if self._placed is None:
            placed = np.array([c.village >= 0 for c in self.cadres], bool)
            reps = np.array([c.represents for c in self.cadres]) * placed
            cost = float(sum(c.monthly_cost * c.represents for c in self.cadres
                             if c.village >= 0))
            village_role = [c for c in self.cadres if c.role == "village" and c.village >= 0]
            self._placed = (placed, reps, cost, village_role)
        return self._placed

    def _training(self) -> None:
        ce = self.sc.cadre_effects
        placed, reps, cadre_cost, _ = self._placed_cadres()
        u = self.streams["training"].random(len(self.cadres))
        if reps.sum() == 0:
            return
        p = min(1.0, ce.training_person_times_per_year.value / 12.0 / reps.sum())
        trained = placed & (u < p)
        g = ce.training_gain.value
        self.c_eff[trained] += g * (1.0 - self.c_eff[trained])
        for i in np.flatnonzero(trained):
            self.cadres[i].effectiveness = float(self.c_eff[i])
        self._cost("training", float(reps[trained].sum()) * ce.training_cost_per_person_time.value
                   / self.k)
        self._cost("cadre_time", cadre_cost / self.k)

    # 3. labour market ----------------------------------------------------
    def _labour_market(self) -> None:
        """Separations, then job search against the month's vacancies (ODD §7.6).

        A local job ends with ``job_separation_prob_month``. A household with idle labour and no
        local job applies to a paired employer of its village (its cooperative, paired
        partners) with ``paired_hire_prob_month`` x the reach-weighted share of their
        vacancies, picking one in proportion to reach-weighted vacancies; otherwise it finds an
        outside-market job with ``job_search_prob_month`` x (0.5 + skill) x (1 +
        ``referral_boost`` x referral). Applicants to an employer are served in random order
        until its vacancies are filled. The per-household rules run compiled
        (:func:`povsim.kernels.separate_and_count`, :func:`povsim.kernels.seek_jobs`).
        """
        hh, b = self.households, self.sc.behaviour
        n = hh.n
        if self._job_buffers is None:  # uniforms and applicants, kept between months
            self._job_buffers = (np.empty((3, n)), np.empty(n, np.int64), np.empty(n, np.int32),
                                 np.empty(n))
        (u_sep, u, c), cand, cand_emp, cand_key = self._job_buffers
        self.streams["separation"].random(out=u_sep)
        self.streams["jobs"].random(out=u)
        self.streams["jobs_choice"].random(out=c)
        cap = self._capacities()
        filled = np.zeros(len(cap), np.int64)
        kernels.separate_and_count(hh.employer, u_sep, b.job_separation_prob_month.value, filled)
        vac = np.maximum(cap - filled, 0.0)
        vac[OUTSIDE_MARKET] = 0.0
        row_w, tot_w, p_in_v = self._paired_vacancies(vac)
        k = kernels.seek_jobs(
            hh.village, hh.labourers, hh.migrants, hh.sick, hh.skill, hh.referral, hh.employer,
            u, c, p_in_v, row_w, tot_w, self._village_employers,
            np.float32(b.job_search_prob_month.value),
            float(self.sc.cadre_effects.referral_boost.value), cand, cand_emp, cand_key)
        if k == 0:
            return
        cand, cand_emp, key = cand[:k], cand_emp[:k], cand_key[:k]
        # applicants to an employer are served in random order: the key u / p_in is uniform on
        # (0, 1) for every applicant whatever its village's chance of applying (ranking by u
        # itself would favour the villages least likely to apply, the most distant ones)
        order = np.lexsort((key, cand_emp))
        cand, cand_emp = cand[order], cand_emp[order]
        starts = np.searchsorted(cand_emp, cand_emp, "left")
        rank = np.arange(cand.size) - starts
        ok = rank < vac[cand_emp]
        hh.employer[cand[ok]] = cand_emp[ok]
        hh.referral[cand[ok]] = False

    def _paired_vacancies(self, vac: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per village, from the vacancies ``vac`` by employer code: the reach-weighted
        vacancies of each paired employer (villages x employer slots), their sum, and the
        chance that a job seeker applies to a paired employer.

        They depend on the village only, so they are computed per village, not per seeker.
        """
        ve = self._village_employers
        row_vac = np.where(ve >= 0, vac[np.maximum(ve, 0)], 0.0)
        # a distant partner's vacancies are less within reach (exp(-distance / reach_km))
        row_w = row_vac * self._village_reach
        tot, tot_w = row_vac.sum(axis=1), row_w.sum(axis=1)
        p_in = self.sc.behaviour.paired_hire_prob_month.value * np.divide(
            tot_w, tot, out=np.zeros_like(tot), where=tot > 0)
        return row_w, tot_w, p_in

    # 4. cooperatives -----------------------------------------------------
    def _cooperatives(self) -> None:
        hh, co = self.households, self.sc.cooperatives
        g = self.growth()
        u = self.streams["coop"].random(len(self.coops))
        wages = self._employer_wages()
        emp = hh.employer[hh.employer >= self.coop_code0] - self.coop_code0
        staff = np.bincount(emp, minlength=len(self.coops))
        self._demand = np.zeros((len(self.enterprises), len(self.coops)))
        demand = np.zeros(len(self.coops))
        premium = np.zeros(len(self.coops))
        if self.in_programme:
            for e in self.enterprises:
                if e.active(self.year) and e.purchase_per_village_year > 0:
                    for v in e.villages:
                        w = e.reach[v] * e.fit[v]
                        self._demand[e.index, v] = e.purchase_per_village_year * g / 12.0 * (
                            e.share[v] * w)
                        premium[v] = max(premium[v], e.price_premium * w)
            demand = self._demand.sum(axis=0)
            # each village's buyers (ascending), their demand and its total, as Python numbers
            # for _book_purchase; a contiguous row's sum has the bits of the column view's sum
            by_village = np.ascontiguousarray(self._demand.T)
            vv, ee = np.nonzero(by_village > 0)
            self._buyers = (np.searchsorted(vv, np.arange(len(self.coops) + 1)).tolist(),
                            ee.tolist(), by_village[vv, ee].tolist(),
                            by_village.sum(axis=1).tolist())
        rent_rate = self.sc.income.land_rent_per_mu.value / 12.0
        # the four per-cooperative flows, added to the ledger one cooperative after another as
        # _flow would (the same additions in the same order), without a call per flow
        keys = ("market->cooperative:sales", "cooperative->households:wages",
                "cooperative->households:land_rent", "cooperative->market:other_costs")
        sales, wages_paid, rents, other = (self.ledger.setdefault(key, 0.0) for key in keys)
        # per-village values as Python numbers (the same doubles; faster in this loop)
        u, staff, premium, demand = u.tolist(), staff.tolist(), premium.tolist(), demand.tolist()
        coop_wages = wages[self.coop_code0:].tolist()
        activation, capital_yield = co.activation_prob_month.value, co.capital_yield.value
        yield_per_mu, cost_share = co.coop_yield_per_mu.value * g, co.cost_share.value
        for c in self.coops:
            i = c.village
            v = self.villages[i]
            if not c.active and c.capital > 0 and u[i] < (
                    activation * v.branch_strength * (1.0 + v.first_secretary)):
                c.active = True
                c.ever_active_year = c.ever_active_year or self.year
            rev = c.monthly_revenue(capital_yield, yield_per_mu, 0.5 + v.branch_strength,
                                    1.0 + premium[i])
            from_ent = min(rev, demand[i])
            wage_bill = staff[i] * coop_wages[i]
            rent = c.leased_land * rent_rate
            c.book_month(rev, from_ent, wage_bill, rent, cost_share)
            sales += rev - from_ent
            wages_paid += wage_bill
            rents += rent
            other += cost_share * rev
            if from_ent:
                self._book_purchase(c.village, from_ent)
        for key, total in zip(keys, (sales, wages_paid, rents, other), strict=True):
            self.ledger[key] = total

    def _book_purchase(self, village: int, amount: float) -> None:
        """Book ``amount`` of purchases from a village's cooperative to its buyers, in
        proportion to each buyer's demand there."""
        cuts, ents, want, total = self._buyers
        a, b = cuts[village], cuts[village + 1]
        for i, w in zip(ents[a:b], want[a:b], strict=True):
            part = amount * w / total[village]
            e = self.enterprises[i]
            e.purchases += part
            self._partner_pays(e, "cooperative", "purchases", part)

    # 5. households -------------------------------------------------------
    def _households_month(self) -> None:
        """Every household's month: income, then shocks, then decisions.

        Income: farm income on own (not leased) land (land x net yield per mu x growth x own
        productivity x village technology x the month's seasonal share), the wage of a local
        job, migrants' remittances, rent for land leased to the cooperative, transfers of the
        enrolled (per person) and other income (per person, x growth). Shocks: a healthy
        household falls ill with ``illness_prob_month`` and a sick one recovers with
        ``illness_recovery_prob_month`` (one draw); a sole labourer at home falling ill loses
        the job; a sick household pays ``illness_cost_month``, the uncovered part (1 - cover)
        out of pocket; a disaster in a village destroys ``disaster_severity`` of a quarter of
        its households' yearly farm income. Decisions: an idle labourer migrates with
        ``migrate_prob_month`` x (0.5 + skill), a migrant returns with ``return_prob_month``
        (one draw); a non-member joins an active cooperative with ``join_prob_month`` x branch
        strength; a poor household without labour or with illness claims transfers with
        ``transfer_claim_prob_month``. The per-household rules run compiled in one pass
        (:func:`povsim.kernels.household_month`); the money flows are booked here.
        """
        hh, sc, s, b = self.households, self.sc, self.sc.shocks, self.sc.behaviour
        g = self.growth()
        n = hh.n
        if self._draws is None:  # buffers kept between months: no fresh pages every month
            self._draws = np.empty((4, n))
        draws = self._draws
        self.streams["illness"].random(out=draws[0])
        ud = self.streams["disaster"].random(len(self.villages))
        self.streams["migrate"].random(out=draws[1])
        self.streams["join"].random(out=draws[2])
        self.streams["claims"].random(out=draws[3])
        tech = np.array([v.tech for v in self.villages])
        active = np.array([c.active for c in self.coops])
        branch = np.array([v.branch_strength for v in self.villages])
        # a village's joining probability, -1 (never) where its cooperative is not active
        p_join = np.where(active, b.join_prob_month.value * branch, -1.0)
        wages = self._employer_wages()
        farm_yield = self.farm_yield_per_mu()
        p = MonthParams(
            farm_yield=farm_yield, growth=g, season=self._season[self.month],
            remittance=sc.income.migrant_remittance_month.value * g,
            rent_per_mu=sc.income.land_rent_per_mu.value / 12.0,
            transfer_per_person=sc.income.transfer_per_person_month.value,
            other_per_person=sc.income.other_income_per_person_month.value,
            illness_prob=s.illness_prob_month.value,
            recovery_prob=s.illness_recovery_prob_month.value,
            illness_cost=s.illness_cost_month.value, migrate_prob=b.migrate_prob_month.value,
            return_prob=b.return_prob_month.value, claim_prob=b.transfer_claim_prob_month.value)
        _pay, transfers, covered, join, by_emp = household_month_arrays(hh, wages, tech, p_join,
                                                                        draws, p)
        # money flows, in the order the rules pay them
        self._flow("market", "households", "wages", float(by_emp[OUTSIDE_MARKET]))
        for e in self.enterprises:
            if by_emp[e.code]:
                e.wages_paid += by_emp[e.code]
                self._partner_pays(e, "households", "wages", float(by_emp[e.code]))
        paid = float(transfers.sum())
        self._cost("transfers", paid)
        self._flow("government", "households", "transfers", paid)
        self._cost("health_cover", float(covered.sum()))
        hit = ud < s.disaster_prob_month.value
        if hit.any():  # only the households of the villages hit lose anything
            rows = np.concatenate([self._village_rows[v] for v in np.flatnonzero(hit)])
            own = np.maximum(hh.land[rows] - hh.leased[rows], 0.0)
            annual = (own * farm_yield * g * hh.farm_prod[rows]
                      * tech[hh.village[rows]])
            loss = DISASTER_QUARTER * s.disaster_severity.value * annual
            hh.income[SRC["shocks"], rows] -= loss
        self._join(np.flatnonzero(join))

    def _join(self, idx: np.ndarray) -> None:
        """Households ``idx`` join their cooperative, take shares and lease part of their land."""
        if idx.size == 0:
            return
        hh, co = self.households, self.sc.cooperatives
        hh.member[idx] = True
        hh.shares[idx] += 1.0 + co.poor_member_shares.value * hh.registered[idx]
        hh.leased[idx] = (self.sc.behaviour.lease_share.value * hh.land[idx]).astype(np.float32)
        self._update_coop_land(np.unique(hh.village[idx]))

    # 6. December ---------------------------------------------------------
    def _december(self) -> None:
        hh, co = self.households, self.sc.cooperatives
        div = np.zeros(hh.n)
        for c in self.coops:
            rows = self._village_rows[c.village]
            m_idx = rows[hh.member[rows]]
            fixed_idx = m_idx[hh.registered[m_idx]]
            tot = float(hh.shares[m_idx].sum())
            fixed, shares = c.close_year(co.fixed_dividend_poor_member.value * fixed_idx.size,
                                         co.share_payout.value if tot > 0 else 0.0)
            if fixed:
                div[fixed_idx] += fixed / fixed_idx.size
            if shares:
                # in float64 whatever the scalar's type (a Python float times a float32 array
                # would stay float32 under numpy 2's promotion rules)
                div[m_idx] += shares * hh.shares[m_idx].astype(np.float64) / tot
            self._flow("cooperative", "households", "dividends", fixed + shares)
            if c.loss_cover:
                self._cost("coop_loss_cover", c.loss_cover)
                self._flow("government", "cooperative", "loss_cover", c.loss_cover)
            if c.active and c.capital <= 0 and c.retained < 0:
                self._hollow_out(c)
        if self.in_programme:
            for e in self.enterprises:
                if not e.active(self.year):
                    continue
                if not e.fixed_dividend or not e.villages:
                    continue
                share = np.zeros(len(self.villages))
                share[list(e.share)] = list(e.share.values())
                rows = np.sort(np.concatenate(
                    [self._village_rows[v] for v in np.flatnonzero(share > 0)] or [[]]
                )).astype(np.intp)
                idx = rows[hh.registered[rows]]
                each = e.fixed_dividend * share[hh.village[idx]]
                pay = float(each.sum())
                div[idx] += each
                e.dividends_paid += pay
                self._partner_pays(e, "households", "dividends", pay)
        hh.income[SRC["dividends"]] += div
        pc = hh.per_capita_income()
        line = self.sc.poverty_line.values[self.year]
        exits = reentries = np.zeros(hh.n, bool)
        if not self.identified:
            self._identify(pc, line)
        else:
            exits = hh.poor & (pc >= line * (1.0 + self.sc.household_exit_margin.value))
            reentries = hh.registered & ~hh.poor & (hh.exit_year >= 0) & (pc < line)
            hh.poor[exits] = False
            hh.exit_year[exits] = self.year
            hh.poor[reentries] = True
            hh.reentered[reentries] = True
        self._village_exits()
        self._record_year(pc, line, exits, reentries)
        self.household_receipts += hh.income.sum(axis=1)
        hh.pc_income_last[:] = pc
        hh.income[:] = 0.0
        for c in self.coops:
            c.reset_year()
        for e in self.enterprises:
            e.reset_year()
        for c, visits in zip(self.cadres, self.c_visits.tolist(), strict=True):
            c.visits += visits
        self.c_visits[:] = 0

    def _hollow_out(self, coop: Cooperative) -> None:
        """A collective that lost all its capital stops: staff laid off, leased land returned."""
        hh = self.households
        coop.active = False
        rows = self._village_rows[coop.village]
        hh.employer[rows[hh.employer[rows] == self.coop_code0 + coop.village]] = NO_JOB
        hh.leased[rows] = 0.0
        self._set_coop_land(coop, 0.0)

    def _identify(self, pc: np.ndarray, line: float) -> None:
        """Baseline identification: register the poor, list poor villages, set up the pairings."""
        # each lever draws from its own stream, so changing one lever leaves the others' draws
        # (and every shock) unchanged: common random numbers across strategies
        hh, sc, st = self.households, self.sc, self.streams
        quota = sc.population.registered_households
        if quota is None:  # every household below the line is registered
            hh.registered[:] = pc < line
        else:  # a reported quota of registered households: the lowest incomes are registered
            u = st["identification"].random(hh.n + 1)
            want = quota.value / self.k
            n_reg = min(hh.n, int(np.floor(want) + (u[-1] < want - np.floor(want))))
            hh.registered[:] = False
            hh.registered[np.lexsort((u[:-1], pc))[:n_reg]] = True
        hh.poor[:] = hh.registered
        self.identified = True
        self.pc_income_baseline = pc.copy()  # identification-year income, the same under any policy
        n_v = len(self.villages)
        poor_people = np.bincount(hh.village, weights=hh.size * hh.poor, minlength=n_v)
        people = np.bincount(hh.village, weights=hh.size, minlength=n_v)
        inc = np.divide(poor_people, people, out=np.zeros(n_v), where=people > 0)
        order = np.lexsort((st["poor_villages"].random(n_v), -inc))
        poor_v = np.zeros(n_v, bool)
        poor_v[order[:sc.villages.poor_villages.value]] = True
        for v in self.villages:
            v.poor = bool(poor_v[v.index])
        branch = np.array([v.branch_strength for v in self.villages])
        # village-role cadres: first secretaries by the chosen strategy, the others to poor villages
        fs_fn = strategies.get("first_secretary_assignment", sc.policy.first_secretary_assignment)
        groups: dict[str, list[Cadre]] = {}
        for c in self.cadres:
            if c.role == "village":
                groups.setdefault(c.kind, []).append(c)
        for kind, members in groups.items():
            fn = fs_fn if kind == "first_secretary" else strategies.fs_all_poor
            placed = fn(len(members), poor_v, branch, st[f"village_cadres:{kind}"])
            for c, v in zip(members, placed, strict=True):
                c.village = int(v)
                if v >= 0 and kind == "first_secretary":
                    self.villages[v].first_secretary = True
        # household-role cadres: home villages in proportion to registered poor, then pairing
        hcad = np.flatnonzero(self.c_hh)
        if hcad.size and poor_people.sum() > 0:
            home = st["cadre_homes"].choice(n_v, size=hcad.size,
                                            p=poor_people / poor_people.sum())
            for i, v in zip(hcad, home, strict=True):
                self.cadres[i].village = int(v)
            self.c_home[hcad] = home
            self._pair_cadres(np.flatnonzero(hh.registered), line - pc, 12 * (self.year + 1))
        # partners -> villages, group by group, each group with its own stream
        self._pair_villages(inc, poor_v)

    def _pair_cadres(self, idx: np.ndarray, gap: np.ndarray, start: int) -> None:
        """Pair households ``idx`` (income gaps ``gap``, over all households) with cadres;
        new pairings begin in month index ``start`` (12 x year + month).

        Uses the ``cadre_pairing`` strategy with each cadre's capacity (1 under
        ``cadre_capacity: one_to_one``); a household keeping its cadre keeps its familiarity.
        """
        hh, sc = self.households, self.sc
        hcad = np.flatnonzero(self.c_hh)
        cap = self.c_cap[hcad]
        if sc.policy.cadre_capacity == "one_to_one":
            cap = np.minimum(cap, 1)
        pair_fn = strategies.get("cadre_pairing", sc.policy.cadre_pairing)
        local = pair_fn(hh_village=hh.village[idx], hh_gap=gap[idx],
                        cadre_village=self.c_home[hcad], capacity=cap,
                        effectiveness=self.c_eff[hcad], rng=self.streams["cadre_pairing"],
                        hh_need=hh.binding_need(idx), cadre_specialty=self.c_spec[hcad],
                        match=self._match,
                        other_village_factor=sc.cadre_effects.other_village_visit_factor.value)
        new = np.where(local >= 0, hcad[np.maximum(local, 0)], -1).astype(np.int32)
        changed = new != hh.cadre[idx]
        hh.paired_since[idx[changed]] = np.where(new[changed] >= 0, start, -1)
        hh.cadre[idx] = new

    def _rotate_cadres(self) -> None:
        """January re-pairing under ``cadre_tenure: rotating``: the currently poor households
        are paired afresh (by the same strategy); households no longer poor are released."""
        hh = self.households
        if not self.c_hh.any():
            return
        line = self.sc.poverty_line.values[self.year - 1]
        released = ~hh.poor & (hh.cadre >= 0)
        hh.cadre[released] = -1
        hh.paired_since[released] = -1
        self._pair_cadres(np.flatnonzero(hh.poor), line - hh.pc_income_last, 12 * self.year)

    def _pair_villages(self, incidence: np.ndarray, poor_v: np.ndarray) -> None:
        """Pair partners with villages by the ``village_pairing`` strategy, group by group.

        A group's per-village amounts (purchases, investment, aid, fixed dividends, branch
        gain) go to each paired village once: partners sharing a village split them in
        proportion to their sizes. Each pair's reach ``exp(-distance / reach_km)`` scales
        hiring and purchases; an industry mismatch scales purchases.
        """
        sc, n_v = self.sc, len(self.villages)
        pe = sc.partner_effects
        vp_fn = strategies.get("village_pairing", sc.policy.village_pairing)
        pairs, offset = [], 0
        for gi, g in enumerate(sc.partners):
            members = self.enterprises[offset:offset + g.count.value]
            ctx = dict(need=incidence, village_xy=self.v_xy,
                       partner_xy=np.array([e.xy for e in members]).reshape(-1, 2),
                       village_industry=self.v_industry,
                       partner_industry=np.array([e.industry for e in members], np.int64),
                       partner_capacity=np.array([e.size * max(g.jobs_per_partner.value, 1.0)
                                                  for e in members]))
            pairs += [(offset + e, v) for e, v in vp_fn(g.count.value, g.paired_villages.value,
                                                         poor_v, self.streams[
                                                             f"village_pairing:{gi}"], **ctx)]
            offset += g.count.value
        total: dict[tuple[int, int], float] = {}
        for e, v in pairs:
            ent = self.enterprises[e]
            ent.villages.append(v)
            total[ent.group, v] = total.get((ent.group, v), 0.0) + ent.size
            d = float(np.hypot(*(np.asarray(ent.xy) - self.v_xy[v])))
            ent.reach[v] = float(np.exp(-d / pe.reach_km.value))
            ent.fit[v] = 1.0 if ent.industry < 0 or ent.industry == self.v_industry[v] else (
                pe.industry_mismatch_factor.value)
        for e, v in pairs:
            ent = self.enterprises[e]
            ent.share[v] = ent.size / total[ent.group, v]
        emp_lists = [[(self.coop_code0 + v, 1.0)] for v in range(n_v)]
        for e, v in pairs:
            emp_lists[v].append((self.enterprises[e].code, self.enterprises[e].reach[v]))
        width = max(len(x) for x in emp_lists)
        self._village_employers = np.full((n_v, width), -1, np.int32)
        self._village_reach = np.zeros((n_v, width))
        for v, lst in enumerate(emp_lists):
            self._village_employers[v, :len(lst)] = [c for c, _ in lst]
            self._village_reach[v, :len(lst)] = [r for _, r in lst]

    def _village_exits(self) -> None:
        hh = self.households
        n_v = len(self.villages)
        poor_people = np.bincount(hh.village, weights=hh.size * hh.poor, minlength=n_v)
        people = np.bincount(hh.village, weights=hh.size, minlength=n_v)
        inc = np.divide(poor_people, people, out=np.zeros(n_v), where=people > 0)
        if self.year < self.programme_start:
            return
        for v in self.villages:
            threshold = self.sc.village_exit_threshold.value
            if v.poor and v.exit_year is None and inc[v.index] < threshold:
                v.exit_year = self.year

    # ------------------------------------------------------------------ records
    def _record_month(self) -> None:
        hh = self.households
        w = self.hh_weight
        local, enterprise, coop, n_migrants, n_sick, n_member = kernels.month_counts(
            hh.employer, hh.migrants, hh.sick, hh.member, self.coop_code0)
        self.monthly.append({
            "year": self.year, "month": self.month + 1,
            "income_per_capita_ytd": float(hh.income.sum() / hh.size.sum()) if hh.n else 0.0,
            "employed_local": float(local * w),
            "enterprise_jobs": float(enterprise * w),
            "cooperative_jobs": float(coop * w),
            "migrants": float(n_migrants * w),
            "sick_households": float(n_sick * w),
            "coop_members": float(n_member * w),
            "active_cooperatives": int(sum(c.active for c in self.coops)),
            "branch_strength_mean": float(np.mean([v.branch_strength for v in self.villages])),
            "collective_operating_revenue_ytd": float(sum(c.revenue for c in self.coops) * self.k),
            "labour_trained_cumulative": self.labour_trained * w,
            "labour_transferred_cumulative": self.labour_transferred * w,
        })

    def _record_collectives_and_crops(self, operating: np.ndarray, total: np.ndarray) -> None:
        """Collective revenue by collective-economy model; cash-crop income per mu and in total."""
        models = np.array([c.collective_model for c in self.coops])
        for name in dict.fromkeys(models.tolist()):
            m = models == name
            self.collective_rows.append({
                "year": self.year, "model": name, "villages": int(m.sum()),
                "operating_revenue": float(operating[m].sum()),
                "revenue_total": float(total[m].sum()),
                "revenue_total_per_village": float(total[m].mean()),
                "active": int(sum(c.active for c, x in zip(self.coops, m, strict=True) if x)),
            })
        if not self._crops:
            return
        hh = self.households
        tech = np.array([v.tech for v in self.villages])
        own = np.maximum(hh.land - hh.leased, 0.0)
        w_own = own.sum()
        prod = float((own * hh.farm_prod * tech[hh.village]).sum() / w_own) if w_own > 0 else 0.0
        for c, sh in self._crops:
            mature = self.year >= c.planted_year.value + c.maturity_years.value
            per_mu = c.yield_value_per_mu.value * self.growth() * prod * mature
            self.crop_rows.append({
                "year": self.year, "crop": c.name, "area_mu": float(sh * own.sum() * self.k),
                "mature": bool(mature), "income_per_mu": per_mu,
                "income_total": per_mu * sh * float(own.sum()) * self.k,
            })

    def _record_year(self, pc: np.ndarray, line: float, exits: np.ndarray,
                     reentries: np.ndarray) -> None:
        hh, w, k, y = self.households, self.hh_weight, self.k, self.year
        size = hh.size.astype(float)
        people = size.sum()
        reg = hh.registered
        poor_people = size[hh.poor].sum()
        ex_people = size[exits].sum()
        re_people = size[reentries].sum()
        self._net_exits_people += (ex_people - re_people) * w
        for item, yuan in self._cost_year.items():
            self.costs.append({"year": y, "item": item, "yuan": yuan})
        cost_year = sum(self._cost_year.values())
        self._cost_cum += cost_year
        self._cost_year = {}
        gap = np.maximum(line - pc, 0.0) / line
        # one stable sort serves every quantile and the Gini (a subset of a stable order is the
        # subset's own stable order), instead of one sort per statistic
        order = stable_argsort(pc)
        s_pc, s_size, s_reg = pc[order], size[order], reg[order]
        threshold = self.sc.cooperatives.asset_threshold.value
        operating = np.array([c.revenue for c in self.coops]) * k
        total = operating + np.array([c.non_operating for c in self.coops]) * k
        row = {
            "year": y,
            "stage": "baseline" if y < self.programme_start else "programme",
            "poverty_line": line,
            "incidence": poor_people / people,
            "poor_households": float(hh.poor.sum() * w),
            "poor_people": poor_people * w,
            "registered_households": float(reg.sum() * w),
            "registered_people": size[reg].sum() * w,
            "exits_households": float(exits.sum() * w),
            "exits_people": ex_people * w,
            "reentries_households": float(reentries.sum() * w),
            "reentries_people": re_people * w,
            "net_exits_people_cumulative": self._net_exits_people,
            "income_poor_share": size[pc < line].sum() / people,
            "poverty_gap_index": float((gap * size).sum() / people),
            "poor_villages_listed": int(sum(v.poor and v.exit_year is None for v in self.villages)),
            "poor_villages_exited": int(sum(v.exit_year is not None for v in self.villages)),
            "income_mean": float((pc * size).sum() / people),
            "income_median": float(sorted_weighted_quantiles(s_pc, s_size, [0.5])[0]),
            "income_mean_registered": float((pc[reg] * size[reg]).sum() / max(size[reg].sum(), 1)),
            "income_median_registered": float(sorted_weighted_quantiles(
                s_pc[s_reg], s_size[s_reg], [0.5])[0]) if reg.any() else float("nan"),
            "gini": sorted_gini(s_pc, s_size),
            "collective_operating_revenue": float(operating.sum()),
            "collective_revenue_total": float(total.sum()),
            "collective_operating_min_village": float(operating.min()),
            "collective_revenue_total_min_village": float(total.min()),
            "hollow_village_share": float(np.mean([c.revenue <= 0 for c in self.coops])),
            "collective_assets": sum(c.capital for c in self.coops) * k,
            "villages_assets_over_threshold": int(sum(c.capital * k >= threshold
                                                     for c in self.coops)),
            "dividends_paid": float(hh.income[SRC["dividends"]].sum() * w),
            "coop_members": float(hh.member.sum() * w),
            "enterprise_jobs": float(((hh.employer >= 1) & (hh.employer < self.coop_code0)).sum()
                                     * w),
            "migrants": float(hh.migrants.sum() * w),
            "resident_people": float((size - hh.migrants).sum() * w),
            "labour_trained_cumulative": self.labour_trained * w,
            "labour_transferred_cumulative": self.labour_transferred * w,
            "loans_households": self.loans_households * w,
            "branch_strength_mean": float(np.mean([v.branch_strength for v in self.villages])),
            "public_cost": cost_year,
            "public_cost_cumulative": self._cost_cum,
            "cost_per_person_lifted": (self._cost_cum / self._net_exits_people
                                       if self._net_exits_people > 0 else float("nan")),
        }
        self.annual.append(row)
        self._record_collectives_and_crops(operating, total)
        for group, mask, s_mask in (("all", np.ones(hh.n, bool), np.ones(hh.n, bool)),
                                    ("registered", reg, s_reg)):
            if not mask.any():
                continue
            qs = sorted_weighted_quantiles(s_pc[s_mask], s_size[s_mask], DECILES)
            for q, val in zip(DECILES, qs, strict=True):
                self.deciles.append({"year": y, "group": group, "quantile": q, "income": val})
            tot = np.zeros(len(SRC))
            kernels.masked_row_sums(hh.income, mask, tot)  # = hh.income[:, mask].sum(axis=1)
            tot /= size[mask].sum()
            for s, i in SRC.items():
                self.by_source.append({"year": y, "group": group, "source": s,
                                       "income_per_capita": float(tot[i])})
        if self.identified:
            paired = hh.cadre >= 0
            load_all = np.bincount(hh.cadre[paired], minlength=len(self.cadres))
            load_poor = np.bincount(hh.cadre[paired & hh.poor], minlength=len(self.cadres))
            kinds = np.array([c.kind for c in self.cadres])
            for kind in sorted(set(kinds[self.c_hh].tolist())):
                m = self.c_hh & (kinds == kind)
                self.cadre_loads.append({
                    "year": y, "kind": kind, "cadres": float(sum(c.represents for c in
                                                               np.array(self.cadres)[m])),
                    "capacity": int(self.c_cap[m].max()),
                    "paired_mean": float(load_all[m].mean()), "paired_max": int(load_all[m].max()),
                    "poor_paired_mean": float(load_poor[m].mean()),
                    "visits_per_cadre": float(self.c_visits[m].mean()),
                    "effectiveness_mean": float(self.c_eff[m].mean()),
                })
