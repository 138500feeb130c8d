"""Building the world of one run: villages, cooperatives, households, cadres and partners.

:func:`build_world` draws everything a run starts from (ODD §5, Initialization), each kind of
draw from its own named stream, so the same seed gives the same world whatever the policy
levers; :class:`World` holds it, and the submodels change it month by month.

Example:
    >>> import mesa
    >>> from povsim.schema.config import load_scenario
    >>> from povsim.base.streams import Streams
    >>> w = build_world(mesa.Model(rng=1), load_scenario("xixiu"), Streams(1), scale=500)
    >>> w.n_villages, w.households.n > 0, w.cadres.n > 0
    (182, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np

from povsim.agents.cadre import Cadre, Cadres, Placement
from povsim.agents.cooperative import CoopArrays, Cooperative, Earning
from povsim.agents.enterprise import Enterprise, PartnerArrays, PartnerLinks
from povsim.agents.households import NEED, Households
from povsim.agents.village import Village, VillageArrays
from povsim.base.scaling import posts
from povsim.base.streams import Streams
from povsim.engine import kernels
from povsim.engine.population import synthesize
from povsim.schema.cadres import CadreEffectsCfg
from povsim.schema.collectives import CooperativesCfg
from povsim.schema.config import Scenario
from povsim.schema.households import CropCfg
from povsim.schema.params import INDUSTRIES, SPECIALTIES, value_or

INITIAL_CAPITAL_SIGMA = 0.8  # log-sd of initial collective capital across villages; assumed


@dataclass
class EmployerTable:
    """Each village's local employers a job seeker can apply to, by employer code (see
    ``povsim.agents.households``), with their reach ``exp(-distance / reach_km)``.

    Before the partners are paired (identification), a village's only local employer is its
    own cooperative, at reach 1.

    Attributes:
        codes: villages x slots, employer codes, -1 for an empty slot.
        reach: villages x slots, the reach of each (0 for an empty slot).
    """

    codes: np.ndarray
    reach: np.ndarray

    @classmethod
    def own_cooperatives(cls, n_villages: int, coop_code0: int) -> EmployerTable:
        """Each village with its own cooperative only."""
        return cls((coop_code0 + np.arange(n_villages, dtype=np.int32))[:, None],
                   np.ones((n_villages, 1)))


@dataclass
class ProgrammeCounts:
    """Running counts of the household programmes (simulated households)."""

    labour_trained: int = 0
    labour_transferred: int = 0
    loans_households: int = 0


@dataclass
class World:
    """The simulated world of one run (ODD §2): agents, geography and pairings.

    Attributes:
        households: every household, array-backed.
        village_arrays: every village's state, array-backed (``villages`` are its views).
        coop_arrays: every collective's state, array-backed (``coops`` are its Mesa agent
            views, element ``v`` village ``v``'s).
        partners: the partners' Mesa agents (enterprises, government units, organisations
            and industrial zones, in group order).
        village_agents, coop_agents: the villages' and collectives' Mesa agents (views of
            ``village_arrays`` and ``coop_arrays``), made on first use
            (:attr:`povsim.engine.model.PovertyModel.villages`, ``coops``; None before): the engine
            works on the arrays.
        coop_models, coop_earnings: each collective's economy model (its name) and how it
            earns (:class:`povsim.agents.cooperative.Earning`), fixed for the run.
        partner_arrays: every partner's jobs, wage, first year and accounts, array-backed
            (``partners`` are its views).
        cadres: every cadre, array-backed; ``cadre_agents`` are their Mesa agent views, made
            on first use (:attr:`povsim.engine.model.PovertyModel.cadres`; None before).
        k: real households per simulated household (counts and money are scaled back by it).
        side_km: side of the square the villages and partners lie in.
        crops: the cash crops, each with the share of every household's own land it takes.
        match: cadre specialty x household need -> match factor of a visit's effect.
        village_rows: each village's households (row indices, ascending).
        rows_by_village, village_cuts: the same as two arrays: every household's row, village
            after village, village ``v``'s from ``village_cuts[v]`` to ``village_cuts[v + 1]``
            (for the compiled loops; ``village_rows`` are views of ``rows_by_village``).
        employers: each village's local employers and their reach.
        coop_code0: employer code of village 0's cooperative (village v's is ``coop_code0 + v``).
        programmes: the household programmes' running counts.
        pc_income_baseline: identification-year per-capita income (yuan), set at identification.
        pc_income_measured: that income as measured at registration (yuan; §7.10).
        poor_at_registration: whose true identification-year income was below that year's
            line (set at identification); a registered household outside it was registered by
            the registration error, and its exit is the register's, not an income's.
        income_poor_people_baseline: simulated people below the line in the identification
            year, from which the people lifted out of income poverty are counted.
        placement: where the cadres were placed, set at identification.
        slot_homes: at a reduced scale, each household-role cadre's capacity slots' home
            villages (set at identification; None at full scale, where a cadre's home is its
            slots'), see :func:`povsim.engine.submodels.identification.slot_homes`.
        lecturer_homes: at a reduced scale, the real lecturers of the scaled lecturing cadres
            (cadre index, home village), see
            :func:`povsim.engine.submodels.identification.lecturer_homes`.
        partner_links: the partner-village pairs as arrays (set when partners are paired).
        staff: each employer's workers (simulated households, by employer code) after this
            month's labour market (outside-market hires not counted).
    """

    households: Households
    village_arrays: VillageArrays
    coop_arrays: CoopArrays
    coop_models: list[str]
    coop_earnings: list[Earning]
    cadres: Cadres
    partners: list[Enterprise]
    partner_arrays: PartnerArrays
    k: float
    side_km: float
    crops: list[tuple[CropCfg, float]]
    match: np.ndarray
    village_rows: list[np.ndarray]
    rows_by_village: np.ndarray
    village_cuts: np.ndarray
    employers: EmployerTable
    coop_code0: int
    programmes: ProgrammeCounts = field(default_factory=ProgrammeCounts)
    pc_income_baseline: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pc_income_measured: np.ndarray = field(default_factory=lambda: np.zeros(0))
    poor_at_registration: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    income_poor_people_baseline: float = 0.0
    placement: Placement | None = None
    slot_homes: np.ndarray | None = None
    lecturer_homes: tuple[np.ndarray, np.ndarray] | None = None
    staff: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    partner_links: PartnerLinks = field(default_factory=PartnerLinks.empty)
    cadre_agents: list[Cadre] | None = None
    village_agents: list[Village] | None = None
    coop_agents: list[Cooperative] | None = None

    @property
    def n_villages(self) -> int:
        """The number of villages (each with its collective)."""
        return self.village_arrays.branch_strength.shape[0]

    def village_xy(self) -> np.ndarray:
        """Village locations (km), villages x 2."""
        return self.village_arrays.xy.copy()

    def employer_fill(self) -> np.ndarray:
        """Each employer's posts' share of a full job, by employer code: a cooperative's
        ``fill`` (:func:`povsim.base.scaling.posts`), 1 for the outside market and the partners.

        Example:
            >>> import mesa
            >>> from povsim.schema.config import load_scenario
            >>> from povsim.base.streams import Streams
            >>> w = build_world(mesa.Model(rng=1), load_scenario("xixiu"), Streams(1), scale=20)
            >>> f = w.employer_fill()
            >>> f.size == w.coop_code0 + w.n_villages, bool(((f > 0) & (f <= 1)).all())
            (True, True)
        """
        return np.concatenate((np.ones(1 + len(self.partners)), self.coop_arrays.fill))

    def village_industry(self) -> np.ndarray:
        """Village main industries (indices into ``INDUSTRIES``)."""
        return self.village_arrays.industry.copy()


def draw_industry(mix: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` industry codes (indices into ``INDUSTRIES``) drawn from a mix of weights.

    Example:
        >>> draw_industry({"crops": 1.0}, 2, np.random.default_rng(0)).tolist()
        [0, 0]
    """
    w = np.array([mix.get(name, 0.0) for name in INDUSTRIES], float)
    return rng.choice(len(INDUSTRIES), size=n, p=w / w.sum()).astype(np.int64)


def match_matrix(ce: CadreEffectsCfg) -> np.ndarray:
    """Cadre specialty x household need -> the match factor of a visit's effect: ``match_same``
    where they agree, ``match_general`` for a general cadre, ``match_other`` otherwise.

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> match_matrix(load_scenario("xixiu").cadre_effects).shape
        (5, 4)
    """
    m = np.full((len(SPECIALTIES), len(NEED)), ce.match_other.value)
    for s in range(len(NEED)):
        m[s, s] = ce.match_same.value
    m[SPECIALTIES.index("general"), :] = ce.match_general.value
    return m


def simulated_households(sc: Scenario, scale: float) -> int:
    """How many households a run of ``sc`` at ``scale`` simulates (at least one).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> simulated_households(load_scenario("zhenbao"), 2.0)
        210
    """
    return max(1, round(sc.population.total_households.value / scale))


def build_world(model: mesa.Model, sc: Scenario, streams: Streams, scale: float) -> World:
    """Draw the world of scenario ``sc`` at ``scale`` (one simulated household per ``scale``
    real ones); ``model`` is the Mesa model its agents belong to."""
    rng = streams["population"]
    n_v = sc.villages.count.value
    n_h = simulated_households(sc, scale)
    # one factor for money and counts: a simulated household stands for exactly k real ones
    k = sc.population.total_households.value / n_h
    village_arrays = VillageArrays.empty(n_v)
    village_arrays.branch_strength[:] = rng.beta(sc.villages.branch_strength_alpha.value,
                                                 sc.villages.branch_strength_beta.value, n_v)
    co = sc.cooperatives
    active = rng.random(n_v) < co.initial_active_share.value
    sig = INITIAL_CAPITAL_SIGMA
    cap = rng.lognormal(-0.5 * sig**2, sig, n_v) * co.initial_capital_mean.value / k
    cap = np.where(active, cap, 0.0)
    # collective-economy models (e.g. Yushu's five) run by villages drawn at random
    names, mult = ["standard"] * n_v, np.ones(n_v)
    earning = [Earning()] * n_v
    order = streams["collective_models"].permutation(n_v)
    first = 0
    for cm in co.models:
        how = Earning(services=cm.earns == "services",
                      service_yield=value_or(cm.service_yield),
                      market_access=value_or(cm.market_access, None),
                      stake=value_or(cm.stake) / k,
                      stake_dividend_rate=value_or(cm.stake_dividend_rate))
        for v in order[first:first + cm.villages.value]:
            names[v], mult[v], earning[v] = cm.name, cm.revenue_multiplier.value, how
            cap[v] = cm.initial_capital.value / k
            active[v] = active[v] or cm.active_from_start
        first += cm.villages.value
    coop_arrays = CoopArrays.empty(n_v)
    coop_arrays.capital[:], coop_arrays.active[:] = cap, active
    coop_arrays.revenue_multiplier[:] = mult
    for v in range(n_v):
        coop_arrays.set_earning(v, earning[v])
    # geography: villages at random in a square of the scenario's area, each with a main
    # industry (used by the village-pairing strategies and the partner effects)
    geo = streams["geography"]
    side_km = float(np.sqrt(sc.villages.area_km2.value))
    xy = geo.random((n_v, 2)) * side_km
    industry = draw_industry(sc.villages.industry_mix.value, n_v, geo)
    village_arrays.xy[:], village_arrays.industry[:] = xy, industry
    households = synthesize(sc, n_h, active, rng)
    # the households of each village, ascending (a household never changes village), so
    # per-village work touches its own rows instead of scanning every household
    by_v = np.argsort(households.village, kind="stable")
    cuts = np.searchsorted(households.village[by_v], np.arange(n_v + 1))
    village_rows = [by_v[cuts[v]:cuts[v + 1]] for v in range(n_v)]
    cadres = Cadres.from_groups(sc.cadre_groups, k, streams["cadres"])
    partners, partner_arrays = build_partners(model, sc, k, side_km, streams)
    # cash crops: each takes the same share of every household's own land (area / all land)
    land_real = float(households.land.sum()) * k
    crops = [(c, c.area_mu.value / land_real if land_real > 0 else 0.0) for c in sc.income.crops]
    total_share = sum(sh for _, sh in crops)
    if total_share > 1.0:  # drawn land fell short of the crops' area: shrink proportionally
        crops = [(c, sh / total_share) for c, sh in crops]
    coop_code0 = 1 + len(partners)
    world = World(households=households, village_arrays=village_arrays,
                  coop_arrays=coop_arrays, coop_models=names, coop_earnings=earning,
                  cadres=cadres,
                  partners=partners,
                  partner_arrays=partner_arrays, k=k, side_km=side_km,
                  crops=crops, match=match_matrix(sc.cadre_effects), village_rows=village_rows,
                  rows_by_village=by_v, village_cuts=cuts,
                  employers=EmployerTable.own_cooperatives(n_v, coop_code0),
                  coop_code0=coop_code0)
    update_land(world, co)
    return world


def build_partners(model: mesa.Model, sc: Scenario, k: float, side_km: float,
                   streams: Streams) -> tuple[list[Enterprise], PartnerArrays]:
    """Partner agents (enterprises, government units, organisations, zones), group by group,
    and the arrays they are views of.

    Each partner has a size (LogNormal, mean 1, log-sd ``partner_effects.size_sigma``), a
    location in the scenario's square and an industry (from the group's ``industry_mix``;
    -1, buys any produce, without one); sizes, places and industries come from the stream
    ``partner_traits``, the rounding of jobs from ``enterprises``.
    """
    partners: list[Enterprise] = []
    arrays = PartnerArrays.empty(sum(g.count.value for g in sc.partners))
    traits, rng = streams["partner_traits"], streams["enterprises"]
    ss = sc.partner_effects.size_sigma.value
    programme_start = sc.policy.programme_start_year or sc.start_year
    for gi, g in enumerate(sc.partners):
        n = g.count.value
        size = traits.lognormal(-0.5 * ss**2, ss, n)
        xy = traits.random((n, 2)) * side_km
        ind = (draw_industry(g.industry_mix.value, n, traits) if g.industry_mix is not None
               else np.full(n, -1))
        jobs = g.amount("jobs_per_partner") * size / k
        jobs_i = np.floor(jobs) + (rng.random(n) < jobs - np.floor(jobs))
        rows = slice(len(partners), len(partners) + n)
        # the group's amounts, the same for each of its partners, into the arrays at once
        arrays.jobs[rows] = jobs_i
        arrays.wage_month[rows] = g.amount("wage_month")
        arrays.investment_per_village[rows] = g.amount("investment_per_village") / k
        arrays.aid_per_village_year[rows] = g.amount("aid_per_village_year") / k
        arrays.branch_gain_month[rows] = g.amount("branch_gain_month")
        arrays.start_year[rows] = max(g.start_year.value, programme_start)
        arrays.kind[rows] = g.kind
        same = dict(group=gi, price_premium=g.amount("price_premium"),
                    household_purchase_share=g.amount("household_purchase_share"),
                    purchase_per_village_year=g.amount("purchase_per_village_year") / k,
                    fixed_dividend=g.amount("fixed_dividend_per_poor_household"),
                    collective_dividend_rate=g.amount("collective_dividend_rate"))
        for i in range(n):
            partners.append(Enterprise.view(
                model, arrays, len(partners), size=float(size[i]),
                xy=(float(xy[i, 0]), float(xy[i, 1])), industry=int(ind[i]), **same))
    return partners, arrays


def update_land(world: World, co: CooperativesCfg) -> None:
    """Each cooperative's leased land (mu) and the jobs it gives, from the households' leased
    land (when the world is built; later joins recount theirs in
    :func:`povsim.engine.submodels.cooperatives.join`)."""
    hh = world.households
    land = np.zeros(world.n_villages)
    kernels.sum_by_group(hh.leased, hh.village, np.ones(world.n_villages, bool),
                         land)  # np.bincount's sums and bits
    s = world.coop_arrays
    s.leased_land[:] = land
    s.jobs[:], s.fill[:] = posts(co.jobs_per_100mu.value * land / 100.0)
