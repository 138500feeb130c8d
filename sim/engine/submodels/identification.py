"""Identification and pairing (ODD §7.10 identification, §7.11 pairing strategies).

In December of the baseline year the households whose *measured* per-capita income is below the
poverty line (or, under a reported quota, the lowest measured incomes) are registered as poor and
the poorest villages listed. Measured income is the year's true income times a mean-one
log-normal error of log-sd ``population.registration_error_sigma`` (:func:`measured_income`):
households registered on a low measured income earn more than it on average the next year,
which is regression to the mean, an exit the programme did not cause. Then then the
programme's pairings are made, each by its policy lever (:mod:`povsim.strategies`), each lever
with its own random stream so that changing one leaves the others' draws unchanged:

- village-role cadres to villages: first secretaries by ``first_secretary_assignment``, the
  other village-role kinds to the poor villages;
- household-role cadres: a home village each, drawn in proportion to the registered poor people
  (a resident group's among the listed poor villages), then paired with the registered
  households by ``cadre_pairing`` (capacity ``cadre_capacity``);
- partners to villages, group by group, by ``village_pairing``; each pair's reach and industry
  fit set the partner's hiring and purchases there.

Under ``cadre_tenure: rotating`` the still-poor households are paired afresh every January
(:class:`CadreRotation`).

Example:
    >>> from povsim.engine.model import PovertyModel
    >>> m = PovertyModel("sanba", seed=1, scale=50)
    >>> for _ in range(12):
    ...     m.step()
    >>> m.clock.identified, bool(m.households.registered.any())
    (True, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim import strategies
from povsim.agents.cadre import Placement
from povsim.agents.enterprise import PartnerLinks
from povsim.base.clock import Clock
from povsim.base.scaling import full_village_share, systematic_choice
from povsim.base.streams import Streams
from povsim.engine.submodels.base import PROGRAMME, Submodel
from povsim.schema.config import Scenario

if TYPE_CHECKING:
    from povsim.engine.world import World


def poverty_by_village(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Each village's poor people (registered and still poor) and poverty incidence (poor
    people / people)."""
    hh, n_v = world.households, world.n_villages
    poor_people = np.bincount(hh.village, weights=hh.size * hh.poor, minlength=n_v)
    people = np.bincount(hh.village, weights=hh.size, minlength=n_v)
    return poor_people, np.divide(poor_people, people, out=np.zeros(n_v), where=people > 0)


def effective_households(world: World) -> np.ndarray:
    """Each village's effective number of simulated households for its incidence (a share of
    people): Kish's ``(sum size)^2 / sum size^2``, fewer than its households as sizes differ.

    Example:
        >>> from povsim.engine.model import PovertyModel
        >>> w = PovertyModel("zhenbao", seed=1, scale=2).world
        >>> bool(0 < effective_households(w)[0] <= w.village_rows[0].size)
        True
    """
    size = world.households.size.astype(np.float64)
    n_v = world.n_villages
    s1 = np.bincount(world.households.village, weights=size, minlength=n_v)
    s2 = np.bincount(world.households.village, weights=size * size, minlength=n_v)
    return np.divide(s1 * s1, s2, out=np.zeros(n_v), where=s2 > 0)


def measured_income(pc: np.ndarray, sigma: float, z: np.ndarray) -> np.ndarray:
    """Per-capita income as measured at registration: ``pc x exp(sigma z - sigma^2 / 2)``, a
    mean-one multiplicative error for standard-normal ``z`` (one per household).

    Example:
        >>> measured_income(np.array([1000.0, 2000.0]), 0.0, np.array([1.0, -1.0])).tolist()
        [1000.0, 2000.0]
        >>> bool(measured_income(np.array([1000.0]), 0.5, np.array([1.0]))[0] > 1000.0)
        True
    """
    return pc * np.exp(sigma * z - 0.5 * sigma * sigma)


def identify(world: World, clock: Clock, sc: Scenario, streams: Streams, pc: np.ndarray,
             line: float) -> None:
    """Baseline identification: register the poor on measured income, list poor villages, set
    up the pairings."""
    hh = world.households
    quota = sc.population.registered_households
    # one normal per household whatever sigma, so that its value changes no other draw
    z = streams["registration_error"].standard_normal(hh.n)
    measured = measured_income(pc, sc.population.registration_error_sigma.value, z)
    world.pc_income_measured = measured
    if quota is None:  # every household measured below the line is registered
        hh.registered[:] = measured < line
    else:  # a reported quota of registered households: the lowest incomes are registered
        u = streams["identification"].random(hh.n + 1)
        want = quota.value / world.k
        n_reg = min(hh.n, int(np.floor(want) + (u[-1] < want - np.floor(want))))
        hh.registered[:] = False
        hh.registered[np.lexsort((u[:-1], measured))[:n_reg]] = True
    hh.poor[:] = hh.registered
    clock.identified = True
    world.pc_income_baseline = pc.copy()  # identification-year income, the same under any policy
    world.poor_at_registration = pc < line
    world.income_poor_people_baseline = float(hh.size[world.poor_at_registration].sum())
    n_v = world.n_villages
    poor_people, inc = poverty_by_village(world)
    if world.k > 1.0:
        # rank on the villages' incidence simulated in full (a draw given their simulated
        # households), not on a few households' count: that would pick the villages whose
        # simulated households happen to be poor, and totals over the listed and paired
        # villages would grow with the scale (issue 25)
        n = effective_households(world)
        inc = full_village_share(inc, n, world.k, streams["village_ranking"])
    order = np.lexsort((streams["poor_villages"].random(n_v), -inc))
    poor_v = np.zeros(n_v, bool)
    poor_v[order[:sc.villages.poor_villages.value]] = True
    world.village_arrays.poor[:] = poor_v
    place_village_cadres(world, sc, streams, poor_v)
    # household-role cadres: home villages in proportion to registered poor, then pairing
    cadres = world.cadres
    hcad = np.flatnonzero(cadres.pairs_households)
    if hcad.size and poor_people.sum() > 0:
        # systematic sampling: each village gets its share of the cadres up to rounding, as
        # the real allocation of thousands of cadres does; a multinomial of the few cadres of
        # a scaled-down run would leave villages without one and pair across villages
        # (issue 25: 33% of pairs at 1:20 against 9% at 1:1)
        cadres.village[hcad] = systematic_choice(poor_people, hcad.size, streams["cadre_homes"])
        # resident groups live in the listed poor villages (their homes drawn afresh, from
        # their own stream, so that the other cadres' homes stay as drawn)
        res = np.flatnonzero(cadres.pairs_households & cadres.resident)
        in_poor = poor_people * poor_v
        if res.size and in_poor.sum() > 0:
            cadres.village[res] = systematic_choice(in_poor, res.size,
                                                    streams["resident_homes"])
        if world.k > 1.0:
            world.slot_homes = slot_homes(world, sc, streams, poor_people, in_poor)
            world.lecturer_homes = lecturer_homes(world, streams, in_poor)
        pair_cadres(world, sc, streams, np.flatnonzero(hh.registered), line - measured,
                    12 * (clock.year + 1))
    world.placement = Placement.of(cadres)
    pair_villages(world, sc, streams, inc, poor_v)


def place_village_cadres(world: World, sc: Scenario, streams: Streams,
                         poor_v: np.ndarray) -> None:
    """Village-role cadres to villages, kind by kind: first secretaries by the
    ``first_secretary_assignment`` strategy, the other kinds to the poor villages."""
    cadres = world.cadres
    fs_fn = strategies.get("first_secretary_assignment", sc.policy.first_secretary_assignment)
    branch = world.village_arrays.branch_strength.copy()
    village_role = cadres.role == "village"
    for kind in dict.fromkeys(cadres.kind[village_role].tolist()):
        members = np.flatnonzero(village_role & (cadres.kind == kind))
        fn = fs_fn if kind == "first_secretary" else strategies.fs_all_poor
        placed = fn(members.size, poor_v, branch, streams[f"village_cadres:{kind}"])
        cadres.village[members] = placed
        if kind == "first_secretary":
            placed = np.asarray(placed)
            world.village_arrays.first_secretary[placed[placed >= 0]] = True


def pair_cadres(world: World, sc: Scenario, streams: Streams, idx: np.ndarray,
                gap: np.ndarray, start: int) -> None:
    """Pair households ``idx`` (income gaps ``gap``, over all households) with household-role
    cadres; new pairings begin in month index ``start`` (12 x year + month).

    Uses the ``cadre_pairing`` strategy with each cadre's capacity (1 under
    ``cadre_capacity: one_to_one``); a household keeping its cadre keeps its familiarity.
    """
    hh, cadres = world.households, world.cadres
    hcad, cap = household_cadres(world, sc)
    # the strategy pairs households with cadres, or at a reduced scale with the cadres'
    # capacity slots, each with its own home (slot_homes)
    if world.slot_homes is None:
        owner, home, cap_in = hcad, cadres.village[hcad], cap
    else:
        owner = np.repeat(hcad, cap)
        home, cap_in = world.slot_homes, np.ones(owner.size, np.int64)
    pair_fn = strategies.get("cadre_pairing", sc.policy.cadre_pairing)
    local = pair_fn(hh_village=hh.village[idx], hh_gap=gap[idx], cadre_village=home,
                    capacity=cap_in, effectiveness=cadres.effectiveness[owner],
                    rng=streams["cadre_pairing"], hh_need=hh.binding_need(idx),
                    cadre_specialty=cadres.specialty[owner], match=world.match,
                    other_village_visit_factor=sc.cadre_effects.other_village_visit_factor.value)
    paired = local >= 0
    new = np.where(paired, owner[np.maximum(local, 0)], -1).astype(np.int32)
    changed = new != hh.cadre[idx]
    hh.paired_since[idx[changed]] = np.where(new[changed] >= 0, start, -1)
    hh.cadre[idx] = new
    hh.near[idx] = paired & (home[np.maximum(local, 0)] == hh.village[idx])


def lecturer_homes(world: World, streams: Streams, in_poor: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """At a reduced scale, the real lecturers of each scaled lecturing cadre (resident
    household-role groups) and their home villages: ``round(represents)`` per cadre, homed by
    systematic sampling among the listed poor villages (stream ``lecturer_homes``).

    Lectures saturate (each moves skill a share of the way to 1): the 20 real lecturers of one
    simulated cadre at 1:20 lecturing in one village would give it far more than its share and
    leave the other villages none (:func:`povsim.engine.submodels.cadre_visits.lectures`).
    Returns (cadre index per real lecturer, home village per real lecturer).
    """
    cadres = world.cadres
    on = np.flatnonzero((cadres.lecture_gain > 0) & cadres.pairs_households & cadres.resident)
    owner = np.repeat(on, np.maximum(np.rint(cadres.represents[on]), 1).astype(np.int64))
    if owner.size == 0 or in_poor.sum() <= 0:
        return owner, cadres.village[owner]
    return owner, systematic_choice(in_poor, owner.size, streams["lecturer_homes"])


def household_cadres(world: World, sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """The household-role cadres (indices) and their capacities (households each; 1 under
    ``cadre_capacity: one_to_one``)."""
    cadres = world.cadres
    hcad = np.flatnonzero(cadres.pairs_households)
    cap = cadres.capacity[hcad].astype(np.int64)
    if sc.policy.cadre_capacity == "one_to_one":
        cap = np.minimum(cap, 1)
    return hcad, cap


def slot_homes(world: World, sc: Scenario, streams: Streams, poor_people: np.ndarray,
               in_poor: np.ndarray) -> np.ndarray:
    """At a reduced scale, a home village for every capacity slot of the household-role cadres
    (in cadre order), by systematic sampling: in proportion to each village's registered poor
    people, resident groups' slots among the listed poor villages only.

    A simulated cadre stands for ``k`` real ones, who live in many villages; its ``capacity``
    slots (each ``k`` real households) get homes of their own, so that a village's share of
    the pairs with a cadre of the village is the full-scale one (issue 25: with one home per
    simulated cadre, 26% of Xixiu's pairs crossed villages at 1:20 against 7% at 1:1).
    """
    cadres = world.cadres
    hcad, cap = household_cadres(world, sc)
    resident = np.repeat(cadres.resident[hcad], cap)
    homes = np.full(resident.size, -1, np.int64)
    rng = streams["slot_homes"]
    for mask, weight in ((~resident, poor_people), (resident, in_poor)):
        if mask.any() and weight.sum() > 0:
            homes[mask] = systematic_choice(weight, int(mask.sum()), rng)
    return homes


def pair_villages(world: World, sc: Scenario, streams: Streams, incidence: np.ndarray,
                  poor_v: np.ndarray) -> None:
    """Pair partners with villages by the ``village_pairing`` strategy, group by group.

    A group's per-village amounts (purchases, investment, aid, fixed dividends, branch
    gain) go to each paired village once: partners sharing a village split them in
    proportion to their sizes. Each pair's reach ``exp(-distance / reach_km)`` scales
    hiring and purchases; an industry mismatch scales purchases. The villages' employer table
    (their cooperative, then their partners) is rebuilt.
    """
    n_v, pe = world.n_villages, sc.partner_effects
    v_xy, v_industry = world.village_xy(), world.village_industry()
    vp_fn = strategies.get("village_pairing", sc.policy.village_pairing)
    pairs, offset = [], 0
    for gi, g in enumerate(sc.partners):
        members = world.partners[offset:offset + g.count.value]
        ctx = dict(need=incidence, village_xy=v_xy,
                   partner_xy=np.array([e.xy for e in members]).reshape(-1, 2),
                   village_industry=v_industry,
                   partner_industry=np.array([e.industry for e in members], np.int64),
                   partner_capacity=np.array([e.size * max(g.amount("jobs_per_partner"), 1.0)
                                              for e in members]))
        pairs += [(offset + e, v) for e, v in vp_fn(g.count.value, g.paired_villages.value,
                                                     poor_v, streams[f"village_pairing:{gi}"],
                                                     **ctx)]
        offset += g.count.value
    partners = world.partners
    pe_, pv = (np.array([x[i] for x in pairs], np.int64).reshape(-1) for i in (0, 1))
    xy = np.array([e.xy for e in partners], np.float64).reshape(-1, 2)
    size = np.array([e.size for e in partners], np.float64)
    d = np.hypot(xy[pe_, 0] - v_xy[pv, 0], xy[pe_, 1] - v_xy[pv, 1])
    reach = np.exp(-d / pe.reach_km.value)
    industry = np.array([e.industry for e in partners], np.int64)[pe_]
    fit = np.where((industry < 0) | (industry == v_industry[pv]), 1.0,
                   pe.industry_mismatch_factor.value)
    # partners of a group sharing a village split its amounts by size (sums in pairing order)
    key = np.array([e.group for e in partners], np.int64)[pe_] * n_v + pv
    total = np.zeros(len(sc.partners) * n_v)
    np.add.at(total, key, size[pe_])
    share = size[pe_] / total[key]
    for e, v, r, f, sh in zip(pe_.tolist(), pv.tolist(), reach.tolist(), fit.tolist(),
                              share.tolist(), strict=True):
        ent = partners[e]
        ent.villages.append(v)
        ent.reach[v], ent.fit[v], ent.share[v] = r, f, sh
    world.partner_links = PartnerLinks.of_arrays(partners, pe_, pv, reach, fit, share)
    # each village's employers: its cooperative, then its partners in pairing order
    order = np.argsort(pv, kind="stable")
    per_village = np.bincount(pv, minlength=n_v)
    slot = np.arange(order.size) - (np.cumsum(per_village) - per_village)[pv[order]] + 1
    codes = np.full((n_v, 1 + int(per_village.max(initial=0))), -1, np.int32)
    codes[:, 0] = world.coop_code0 + np.arange(n_v)
    reach_t = np.zeros(codes.shape)
    reach_t[:, 0] = 1.0
    codes[pv[order], slot] = pe_[order] + 1  # a partner's employer code: its index + 1
    reach_t[pv[order], slot] = reach[order]
    world.employers.codes, world.employers.reach = codes, reach_t


class CadreRotation(Submodel):
    """January re-pairing under ``cadre_tenure: rotating`` (ODD §7.11): the currently poor
    households are paired afresh by the same strategy; households no longer poor are released.
    It runs from the second programme year on."""

    name, odd, when = "cadre rotation", "7.11", PROGRAMME

    def __init__(self, clock: Clock, world: World, sc: Scenario, streams: Streams):
        super().__init__(clock)
        self.world, self.sc, self.streams = world, sc, streams

    def due(self) -> bool:
        c = self.clock
        return (super().due() and c.month == 0 and self.sc.policy.cadre_tenure == "rotating"
                and c.year > max(c.programme_start, c.baseline_year + 1))

    def step(self) -> None:
        hh = self.world.households
        if not self.world.cadres.pairs_households.any():
            return
        line = self.sc.poverty_line.values[self.clock.year - 1]
        released = ~hh.poor & (hh.cadre >= 0)
        hh.cadre[released] = -1
        hh.near[released] = False
        hh.paired_since[released] = -1
        pair_cadres(self.world, self.sc, self.streams, np.flatnonzero(hh.poor),
                    line - hh.pc_income_last, 12 * self.clock.year)
