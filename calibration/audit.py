"""Consistency audit of the reported figures (``povsim audit``).

Each check is a function of the figure registry (:mod:`povsim.calibration.registry`) that returns
zero or more :class:`Finding` objects. A finding names its check, its case, the figure ids
involved, a severity and a message with the arithmetic written out:

- ``inconsistent``: two or more reported figures contradict each other;
- ``suspect``: a figure is implausible on its own scale (a probable misprint), or a calibration
  target cannot be met as reported;
- ``derived``: informational, a quantity implied by the figures (a ratio, a total).

A check whose figures agree returns nothing (``zhenbao_melon_share`` stays silent once the share
equals 5,800 / 7,100). A check whose figures are missing from the registry is skipped.

Example:
    >>> findings = run_audit()
    >>> f = next(f for f in findings if f.check == "zhenbao_melon_share")
    >>> f.severity, f.figures
    ('inconsistent', ('zhenbao.melon_mu', 'zhenbao.farmland_mu', 'zhenbao.melon_share'))
    >>> print(f.message.split(";")[0])
    5,800 / 7,100 = 81.69%, reported 87.76% (difference 6.07 points)
    >>> from povsim.calibration.findings import format_findings, summary
    >>> format_findings(findings).splitlines()[-1] == summary(findings)
    True
    >>> summary(findings).startswith(f"{len(findings)} findings: ")
    True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from povsim.calibration.findings import Finding, Severity
from povsim.calibration.registry import Registry, load_registry

XIXIU_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "xixiu.yaml"
# cited, not reported: the national rural poverty line (2,300 yuan per person per year at 2010
# prices) at 2017 current prices, as in scenarios/xixiu.yaml's poverty_line
POVERTY_LINE_2017 = 2952.0
# funds per person lifted out above this many years of the poverty line are implausible
FUNDS_PER_PERSON_MAX_LINES = 100
# a scenario population within this relative difference of the implied one is only reported
SCENARIO_POPULATION_TOLERANCE = 0.01


# --- number formatting ---------------------------------------------------------------------


def _n(x: float, digits: int = 0) -> str:
    """A number with thousands separators: ``_n(5800) == '5,800'``."""
    return f"{x:,.{digits}f}"


def _pct(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}%"


def _v(reg: Registry, fid: str, digits: int = 0) -> str:
    return _n(reg.value(fid), digits)


def _yi(yuan: float) -> str:
    """An amount in 亿 (1e8 yuan), as the reports write it: ``_yi(55.53e9) == '555.3亿'``."""
    return f"{yuan / 1e8:,.6g}亿"


def _have(reg: Registry, *fids: str) -> bool:
    return all(f in reg for f in fids)


# --- the checks ----------------------------------------------------------------------------

Check = Callable[[Registry], list[Finding]]
CHECKS: dict[str, Check] = {}


def check(fn: Check) -> Check:
    """Register ``fn`` as a named check (its name without ``check_``)."""
    CHECKS[fn.__name__.removeprefix("check_")] = fn
    return fn


@check
def check_zhenbao_melon_share(reg: Registry) -> list[Finding]:
    """The reported melon share of cultivated land against melon area / cultivated area."""
    ids = ("zhenbao.melon_mu", "zhenbao.farmland_mu", "zhenbao.melon_share")
    if not _have(reg, *ids):
        return []
    melon, land, share = (reg.value(i) for i in ids)
    computed = 100 * melon / land
    diff = share - computed
    if abs(diff) <= 0.05:  # two-decimal share of two rounded areas
        return []
    msg = (f"{_n(melon)} / {_n(land)} = {_pct(computed)}, reported {_pct(share)} "
           f"(difference {abs(diff):.2f} points); the report says the share is of the total "
           f"cultivated land ({reg['zhenbao.melon_share'].quote}).")
    coop_land, coop_melon = _coop_areas(reg)
    if coop_land is not None and coop_melon is not None:
        outside = 100 * (melon - coop_melon) / (land - coop_land)
        msg += (f" Outside the cooperative: ({_n(melon)} - {_n(coop_melon)}) / "
                f"({_n(land)} - {_n(coop_land)}) = {_n(melon - coop_melon)} / "
                f"{_n(land - coop_land)} = {_pct(outside)}")
        if abs(outside - share) <= 0.005:
            msg += (", exactly the reported share: the 87.76% is probably the melon share of the "
                    "households' own land, mislabelled as the share of all cultivated land")
        msg += "."
    msg += f" Use the areas ({_pct(computed)}), not the reported share."
    return [Finding("zhenbao_melon_share", "zhenbao", ids, "inconsistent", msg)]


def _coop_areas(reg: Registry) -> tuple[float | None, float | None]:
    """The cooperative's land and melon area, read from the quotes of the area figures.

    The report gives them only in brackets: "耕地面积7100亩(含合作社2200亩)",
    "种植蜜瓜5800亩(含合作社1500亩)".
    """
    out: list[float | None] = []
    for fid in ("zhenbao.farmland_mu", "zhenbao.melon_mu"):
        m = re.search(r"含合作社\s*([\d.]+)\s*亩", reg[fid].quote) if fid in reg else None
        out.append(float(m.group(1)) if m else None)
    return out[0], out[1]


@check
def check_zhenbao_registered_vs_resident(reg: Registry) -> list[Finding]:
    """Registered poor people cannot exceed the whole resident population of the village."""
    ids = ("zhenbao.poor_people", "zhenbao.resident_population")
    if not _have(reg, *ids):
        return []
    poor, resident = (reg.value(i) for i in ids)
    if poor <= resident:
        return []
    p, r = reg[ids[0]], reg[ids[1]]
    msg = (f"{_n(poor)} registered poor people ({p.period}) exceed the {_n(resident)} resident "
           f"people ({r.period}) of the whole village: {_n(poor)} - {_n(resident)} = "
           f"{_n(poor - resident)} more, {_n(poor)} / {_n(resident)} = "
           f"{_pct(100 * poor / resident, 1)} of the residents.")
    fig = ids
    if "zhenbao.poor_households" in reg:
        hh = reg.value("zhenbao.poor_households")
        msg += (f" With {_n(hh)} poor households that is {_n(poor)} / {_n(hh)} = "
                f"{poor / hh:.2f} persons per poor household.")
        fig = (*ids, "zhenbao.poor_households")
    msg += (" The registered (hukou) population includes people who have moved away; a model "
            "must say which population it simulates, and per-capita income (reported per "
            "resident) refers to the residents.")
    return [Finding("zhenbao_registered_vs_resident", "zhenbao", fig, "inconsistent", msg)]


@check
def check_xixiu_funds_per_person(reg: Registry) -> list[Finding]:
    """All poverty funds per person lifted out, against the poverty line."""
    ids = ("xixiu.poverty_funds", "xixiu.poor_people_exited")
    if not _have(reg, *ids):
        return []
    funds, people = (reg.value(i) for i in ids)
    per = funds / people
    lines = per / POVERTY_LINE_2017
    if lines <= FUNDS_PER_PERSON_MAX_LINES:
        return []
    fig = list(ids)
    msg = (f"{_yi(funds)} = {_n(funds)} yuan of funds ({reg[ids[0]].period}) / "
           f"{_n(people)} people lifted out = {_n(per)} yuan per person (about "
           f"{per / 1e6:.2f} million yuan), {_n(per)} / {_n(POVERTY_LINE_2017)} = {lines:.0f} "
           f"years of the 2017 rural poverty line of {_n(POVERTY_LINE_2017)} yuan per person "
           "(cited)")
    if "xixiu.poor_households_exited" in reg:
        hh = reg.value("xixiu.poor_households_exited")
        msg += f"; per household {_n(funds)} / {_n(hh)} = {_n(funds / hh)} yuan"
        fig.append("xixiu.poor_households_exited")
    if "sanba.per_capita_net_income" in reg:
        inc = reg.value("sanba.per_capita_net_income")
        msg += (f"; for scale, rural per-capita net income in the poor township of Sanba was "
                f"{_n(inc)} yuan a year: {_n(per)} / {_n(inc)} = {per / inc:.0f} times that")
        fig.append("sanba.per_capita_net_income")
    msg += ". Probable misprint: "
    alts = [f"{_yi(funds / d)} would give {_n(funds / d)} / "
            f"{_n(people)} = {_n(funds / d / people)} yuan per person "
            f"({funds / d / people / POVERTY_LINE_2017:.1f} poverty-line years)"
            for d in (100, 10)]
    msg += "; ".join(alts) + ". Do not calibrate to it."
    return [Finding("xixiu_funds_per_person", "xixiu", tuple(fig), "suspect", msg)]


def _xixiu_rural_population(reg: Registry) -> tuple[float, float, float] | None:
    """(implied rural population, lowest, highest) from the exits and the incidence drop."""
    ids = ("xixiu.poor_people_exited", "xixiu.poverty_incidence_start",
           "xixiu.poverty_incidence_end")
    if not _have(reg, *ids):
        return None
    people, start, end = (reg.value(i) for i in ids)
    drop = start - end
    if drop <= 0.01:
        return None
    # each incidence is given to two decimals: the drop is known to +-0.01 points
    return 100 * people / drop, 100 * people / (drop + 0.01), 100 * people / (drop - 0.01)


@check
def check_xixiu_implied_rural_population(reg: Registry) -> list[Finding]:
    """The rural population implied by the people lifted out and the incidence drop."""
    ids = ("xixiu.poor_people_exited", "xixiu.poverty_incidence_start",
           "xixiu.poverty_incidence_end")
    pop = _xixiu_rural_population(reg)
    if pop is None:
        return []
    total, low, high = pop
    people, start, end = (reg.value(i) for i in ids)
    msg = (f"{_n(people)} / ({_pct(start)} - {_pct(end)}) = {_n(people)} / "
           f"{(start - end) / 100:.4f} = {_n(total)} rural (registered) people, "
           f"{_n(low)} to {_n(high)} given the rounding of the two incidences; that is "
           f"{_n(total * start / 100)} poor people at {_pct(start)} in "
           f"{reg[ids[1]].period} and {_n(total * end / 100)} at {_pct(end)} in "
           f"{reg[ids[2]].period}")
    fig = ids
    if "xixiu.poor_households_exited" in reg:
        hh = reg.value("xixiu.poor_households_exited")
        size = people / hh
        msg += (f". With {_n(people)} / {_n(hh)} = {size:.3f} persons per household, "
                f"{_n(total)} / {size:.3f} = {_n(total / size)} rural households")
        fig = (*ids, "xixiu.poor_households_exited")
    msg += (". Approximate: it assumes one denominator for both years and ignores households "
            "entering poverty.")
    return [Finding("xixiu_implied_rural_population", "xixiu", fig, "derived", msg)]


@check
def check_xixiu_scenario_population(reg: Registry) -> list[Finding]:
    """The population of scenarios/xixiu.yaml against the implied rural population."""
    pop = _xixiu_rural_population(reg)
    if pop is None or not XIXIU_SCENARIO.exists():
        return []
    from povsim.base.inputs import ScenarioError
    from povsim.schema.config import load_scenario

    fig = ("xixiu.poor_people_exited", "xixiu.poverty_incidence_start",
           "xixiu.poverty_incidence_end")
    where = "scenarios/xixiu.yaml"
    try:
        sc = load_scenario(XIXIU_SCENARIO)
    except ScenarioError as exc:
        return [Finding("xixiu_scenario_population", "xixiu", fig, "derived",
                        f"{where} could not be loaded, comparison skipped: {exc}")]
    households = sc.population.total_households.value
    size = sc.population.household_size_mean.value
    people = households * size
    total, low, high = pop
    rel = people / total - 1
    msg = (f"{where}: population.total_households {_n(households)} x "
           f"population.household_size_mean {size:g} = {_n(people)} people, against "
           f"{_n(total)} implied by the exits and the incidence drop: {_n(people)} / "
           f"{_n(total)} - 1 = {100 * rel:+.2f}% ({_n(people - total, 0)} people)")
    if low <= people <= high:
        msg += f", within the rounding range {_n(low)} to {_n(high)}."
        return [Finding("xixiu_scenario_population", "xixiu", fig, "derived", msg)]
    msg += f", outside the rounding range {_n(low)} to {_n(high)} of the two incidences"
    if "xixiu.poor_households_exited" in reg:
        size_rep = reg.value("xixiu.poor_people_exited") / reg.value(
            "xixiu.poor_households_exited")
        msg += (f"; with household_size_mean {size:g}, {_n(total)} / {size:g} = "
                f"{_n(total / size)} households would match ({_n(total)} / {size_rep:.3f} = "
                f"{_n(total / size_rep)} with the reported persons per household)")
        fig = (*fig, "xixiu.poor_households_exited")
    if "xixiu.poor_people_exited" not in sc.population.total_households.source:
        msg += (". The scenario takes its population from a statistic, not from these figures "
                "(its source says which), so the gap compares a statistic with the report, "
                "reported, not flagged.")
        return [Finding("xixiu_scenario_population", "xixiu", fig, "derived", msg)]
    if abs(rel) <= SCENARIO_POPULATION_TOLERANCE:
        msg += (f". Within {100 * SCENARIO_POPULATION_TOLERANCE:g}%, less than the "
                "approximation of the implied population itself, so reported, not flagged.")
        return [Finding("xixiu_scenario_population", "xixiu", fig, "derived", msg)]
    msg += ". The scenario's population does not follow from the figures it cites."
    return [Finding("xixiu_scenario_population", "xixiu", fig, "inconsistent", msg)]


@check
def check_xixiu_hollow_villages(reg: Registry) -> list[Finding]:
    """The 2013 hollow-village share as a whole number of the district's villages."""
    ids = ("xixiu.hollow_village_share_start", "xixiu.villages")
    if not _have(reg, *ids):
        return []
    share, villages = reg.value(ids[0]), int(reg.value(ids[1]))
    tol = 0.005  # the share is given to two decimals
    k = share / 100 * villages
    lo, hi = int(k), int(k) + 1
    if any(abs(100 * j / villages - share) <= tol for j in (lo, hi)):
        return []
    fits = [n for n in range(1, 2 * villages)
            if abs(100 * round(share / 100 * n) / n - share) <= tol]
    near = sorted(fits, key=lambda n: abs(n - villages))[:2]
    f = reg[ids[0]]
    msg = (f"{_pct(share)} of {villages} villages ({reg[ids[1]].period}) = {k:.2f} villages, "
           f"not a whole number: {lo} / {villages} = {_pct(100 * lo / villages)} and "
           f"{hi} / {villages} = {_pct(100 * hi / villages)}")
    if near:
        msg += (f"; the village counts nearest {villages} that give " + _pct(share) + " are "
                + " and ".join(f"{round(share / 100 * n)} of {n}" for n in sorted(near)))
    msg += (f". Either the district had a different number of villages in {f.period} or the "
            "share is misreported")
    nearest = min(abs(100 * j / villages - share) for j in (lo, hi))
    if f.target is not None and f.target.precision < nearest:
        msg += (f"; with {villages} villages the calibration target "
                f"({f.target.metric} = {share:g} +- {f.target.precision:g} points) cannot be "
                f"met: the closest attainable share is {nearest:.2f} points away")
    msg += "."
    return [Finding("xixiu_hollow_villages", "xixiu", ids, "suspect", msg)]


@check
def check_xixiu_poor_villages_exited(reg: Registry) -> list[Finding]:
    """Poor villages leaving the list against the poor villages receiving enterprise pairing."""
    ids = ("xixiu.poor_villages_exited", "xixiu.villages_paired_with_enterprises",
           "xixiu.villages")
    if not _have(reg, *ids):
        return []
    exited, paired, villages = (reg.value(i) for i in ids)
    msg = (f"{_n(exited)} poor villages exited of the {_n(paired)} poor villages paired with "
           f"enterprises: {_n(exited)} / {_n(paired)} = {_pct(100 * exited / paired, 1)}, "
           f"{_n(paired)} - {_n(exited)} = {_n(paired - exited)} still on the list if the "
           f"{_n(paired)} are all the poor villages (the report does not give their number); "
           f"at least {_n(paired)} / {_n(villages)} = {_pct(100 * paired / villages, 1)} of all "
           "villages were poor villages.")
    sev: Severity = "derived"
    if exited > paired:
        sev = "suspect"
        msg += " More villages exited than were paired: the poor villages were not all paired."
    return [Finding("xixiu_poor_villages_exited", "xixiu", ids, sev, msg)]


@check
def check_xixiu_paired_cadre_load(reg: Registry) -> list[Finding]:
    """Poor households lifted out per district cadre paired one-to-one with poor households."""
    ids = ("xixiu.poor_households_exited", "xixiu.paired_cadres")
    if not _have(reg, *ids):
        return []
    hh, cadres = (reg.value(i) for i in ids)
    msg = (f"{_n(hh)} poor households lifted out / {_n(cadres)} paired district cadres = "
           f"{hh / cadres:.2f} households per cadre, a lower bound on each cadre's load "
           "(the registered poor households were more than those that exited, and township and "
           "village cadres paired households too).")
    return [Finding("xixiu_paired_cadre_load", "xixiu", ids, "derived", msg)]


@check
def check_xixiu_training_per_session(reg: Registry) -> list[Finding]:
    """Cadre-training attendances per training session."""
    ids = ("xixiu.training_person_times", "xixiu.training_sessions")
    if not _have(reg, *ids):
        return []
    times, sessions = (reg.value(i) for i in ids)
    msg = (f"{_n(times)} person-times / {_n(sessions)} sessions = {times / sessions:.1f} "
           f"attendances per session ({reg[ids[0]].period}); over five years "
           f"{_n(times)} / 5 = {_n(times / 5)} attendances and {_n(sessions)} / 5 = "
           f"{sessions / 5:g} sessions a year.")
    return [Finding("xixiu_training_per_session", "xixiu", ids, "derived", msg)]


@check
def check_xixiu_collective_economy(reg: Registry) -> list[Finding]:
    """Collective revenue and accumulation per village, and the growth they imply."""
    ids = ("xixiu.collective_operating_revenue_start", "xixiu.collective_operating_revenue_end",
           "xixiu.villages")
    if not _have(reg, *ids):
        return []
    r0, r1, villages = (reg.value(i) for i in ids)
    years = [re.search(r"\d{4}", reg[i].period) for i in ids[:2]]
    if not all(years) or r0 <= 0:
        return []
    y0, y1 = (int(m.group(0)) for m in years if m)
    if y1 <= y0:
        return []
    growth = (r1 / r0) ** (1 / (y1 - y0)) - 1
    msg = (f"operating revenue {_n(r0)} yuan ({y0}) / {_n(villages)} villages = "
           f"{_n(r0 / villages)} yuan per village; {_n(r1)} yuan ({y1}) / {_n(villages)} = "
           f"{_n(r1 / villages)} yuan per village; {_n(r1)} / {_n(r0)} = {r1 / r0:.2f} times in "
           f"{y1 - y0} years, ({r1 / r0:.3f})^(1/{y1 - y0}) - 1 = {_pct(100 * growth, 1)} a "
           "year")
    fig: tuple[str, ...] = ids
    more = ("xixiu.collective_assets_end", "xixiu.villages_collective_over_1m")
    if _have(reg, *more):
        assets, rich = (reg.value(i) for i in more)
        msg += (f". Accumulated collective assets {_n(assets)} yuan / {_n(villages)} = "
                f"{_n(assets / villages)} yuan per village on average; the {_n(rich)} villages "
                f"above 1 million ({_n(rich)} / {_n(villages)} = "
                f"{_pct(100 * rich / villages, 1)} of villages) hold at least {_n(rich * 1e6)} "
                f"yuan, {_pct(100 * rich * 1e6 / assets, 1)} of the total")
        fig = (*ids, *more)
        if rich * 1e6 > assets:
            msg += ", more than the reported total."
            return [Finding("xixiu_collective_economy", "xixiu", fig, "inconsistent", msg)]
    msg += ". The village count is the 2017 one, applied to both years."
    return [Finding("xixiu_collective_economy", "xixiu", fig, "derived", msg)]


@check
def check_yushu_households_per_cadre(reg: Registry) -> list[Finding]:
    """Poor households per paired cadre, and pairing aid per household and per cadre."""
    ids = ("yushu.poor_households_paired", "yushu.paired_cadres")
    if not _have(reg, *ids):
        return []
    hh, cadres = (reg.value(i) for i in ids)
    msg = f"{_n(hh)} poor households / {_n(cadres)} cadres = {hh / cadres:.2f} households per cadre"
    fig: tuple[str, ...] = ids
    if "yushu.pairing_aid" in reg:
        aid = reg.value("yushu.pairing_aid")
        msg += (f"; pairing aid {_n(aid)} yuan ({reg['yushu.pairing_aid'].period}, five "
                f"quarters) / {_n(hh)} households = {_n(aid / hh)} yuan per household "
                f"({_n(aid / hh / 1.25)} a year), / {_n(cadres)} cadres = {_n(aid / cadres)} "
                "yuan per cadre")
        fig = (*ids, "yushu.pairing_aid")
    msg += "."
    return [Finding("yushu_households_per_cadre", "yushu", fig, "derived", msg)]


@check
def check_yushu_funds_per_project(reg: Registry) -> list[Finding]:
    """Project funds per project brought in by the pairing units."""
    ids = ("yushu.project_funds", "yushu.projects_introduced")
    if not _have(reg, *ids):
        return []
    funds, projects = (reg.value(i) for i in ids)
    msg = (f"{_n(funds)} yuan / {_n(projects)} projects = {_n(funds / projects)} yuan per "
           "project")
    if "yushu.villages" in reg:
        v = reg.value("yushu.villages")
        msg += (f"; {_n(projects)} / {_n(v)} villages = {projects / v:.1f} projects and "
                f"{_n(funds)} / {_n(v)} = {_n(funds / v)} yuan per village")
        ids = (*ids, "yushu.villages")
    msg += "."
    return [Finding("yushu_funds_per_project", "yushu", ids, "derived", msg)]


@check
def check_yushu_paired_units(reg: Registry) -> list[Finding]:
    """The paired government units: the sum of the levels in the quote, and units per village."""
    ids = ("yushu.paired_units", "yushu.villages")
    if not _have(reg, *ids):
        return []
    units, villages = (reg.value(i) for i in ids)
    parts = [int(x) for x in re.findall(r"(\d+)\s*个[^，,]*?级单位", reg[ids[0]].quote)]
    per = f"{_n(units)} units / {_n(villages)} villages = {units / villages:.2f} units per village"
    if not parts:
        return [Finding("yushu_paired_units", "yushu", ids, "derived", per + ".")]
    sum_text = " + ".join(_n(x) for x in parts) + f" = {_n(sum(parts))}"
    if sum(parts) != units:
        msg = (f"the quote's levels add up to {sum_text} units, but {_n(units)} are reported "
               f"({reg[ids[0]].quote}).")
        return [Finding("yushu_paired_units", "yushu", (ids[0],), "inconsistent", msg)]
    msg = f"{sum_text} paired units (provincial + prefectural + city), as reported; {per}."
    return [Finding("yushu_paired_units", "yushu", ids, "derived", msg)]


@check
def check_jiangkou_implied_cadres(reg: Registry) -> list[Finding]:
    """The village cadres in all implied by the young cadres and their share."""
    ids = ("jiangkou.young_cadres", "jiangkou.young_cadre_share")
    if not _have(reg, *ids):
        return []
    young, share = (reg.value(i) for i in ids)
    total = young / (share / 100)
    fits = [n for n in range(int(young), int(10 * total) + 2)
            if abs(100 * young / n - share) <= 0.005]
    if not fits:
        msg = (f"{_n(young)} / {_pct(share)} = {total:.1f} cadres, and no whole number n gives "
               f"{_n(young)} / n = {_pct(share)}: the count and the share disagree.")
        return [Finding("jiangkou_implied_cadres", "jiangkou", ids, "inconsistent", msg)]
    n = min(fits, key=lambda m: abs(m - total))
    msg = (f"{_n(young)} / {_pct(share)} = {total:.1f}, so {_n(n)} village cadres in all "
           f"({_n(young)} / {_n(n)} = {_pct(100 * young / n, 3)})")
    if "jiangkou.villages" in reg:
        v = reg.value("jiangkou.villages")
        msg += f"; {_n(n)} / {_n(v)} villages = {n / v:.2f} cadres per village"
        ids = (*ids, "jiangkou.villages")
    msg += "."
    return [Finding("jiangkou_implied_cadres", "jiangkou", ids, "derived", msg)]


@check
def check_sanba_transfer_rate(reg: Registry) -> list[Finding]:
    """Labourers transferred into work per labour-training attendance."""
    ids = ("sanba.labour_transferred", "sanba.labour_trained")
    if not _have(reg, *ids):
        return []
    moved, trained = (reg.value(i) for i in ids)
    msg = (f"{_n(moved)} labourers transferred / {_n(trained)} training person-times = "
           f"{moved / trained:.3f} ({_pct(100 * moved / trained, 1)}) transfers per training "
           f"attendance ({reg[ids[1]].period}). The units differ (people against person-times): "
           "if some people trained more than once the transfers per person trained are higher, "
           "and not every labourer transferred need have been trained.")
    return [Finding("sanba_transfer_rate", "sanba", ids, "derived", msg)]


@check
def check_zhenbao_cooperative_melon(reg: Registry) -> list[Finding]:
    """The cooperative's share of land and of melon, and the melon share inside and outside it."""
    ids = ("zhenbao.melon_mu", "zhenbao.farmland_mu")
    if not _have(reg, *ids):
        return []
    coop_land, coop_melon = _coop_areas(reg)
    if coop_land is None or coop_melon is None:
        return []
    melon, land = (reg.value(i) for i in ids)
    msg = (f"cooperative: {_n(coop_melon)} / {_n(coop_land)} mu = "
           f"{_pct(100 * coop_melon / coop_land)} in melon; outside it "
           f"{_n(melon - coop_melon)} / {_n(land - coop_land)} mu = "
           f"{_pct(100 * (melon - coop_melon) / (land - coop_land))}; the cooperative holds "
           f"{_n(coop_land)} / {_n(land)} = {_pct(100 * coop_land / land, 1)} of the land and "
           f"{_n(coop_melon)} / {_n(melon)} = {_pct(100 * coop_melon / melon, 1)} of the melon "
           "(areas from the bracketed parts of the quotes).")
    return [Finding("zhenbao_cooperative_melon", "zhenbao", ids, "derived", msg)]


@check
def check_zhenbao_melon_revenue(reg: Registry) -> list[Finding]:
    """Melon income per mu times melon area, against the residents' income lower bound."""
    ids = ("zhenbao.melon_income_per_mu", "zhenbao.melon_mu", "zhenbao.resident_population",
           "zhenbao.per_capita_income")
    if not _have(reg, *ids):
        return []
    per_mu, melon, residents, income = (reg.value(i) for i in ids)
    revenue = per_mu * melon
    floor = income * residents
    msg = (f"{_n(per_mu)} yuan per mu x {_n(melon)} mu = {_n(revenue)} yuan of melon income a "
           f"year, {_n(revenue)} / {_n(residents)} residents = {_n(revenue / residents)} yuan "
           f"per resident; the residents' income of at least {_n(income)} x {_n(residents)} = "
           f"{_n(floor)} yuan is {_pct(100 * floor / revenue, 1)} of it: consistent, the more "
           "so as the income per mu is probably gross output and part of the melon land is the "
           "cooperative's")
    sev: Severity = "derived"
    if floor > revenue:
        sev = "suspect"
        msg += "; the income floor exceeds the whole melon income, check the per-mu figure"
    if "zhenbao.farmland_mu" in reg and reg.value("zhenbao.farmland_mu") == per_mu:
        msg += (f"; note that {_n(per_mu)} yuan per mu is the same number as the "
                f"{_n(per_mu)} mu of cultivated land, worth checking against the source")
    msg += "."
    return [Finding("zhenbao_melon_revenue", "zhenbao", ids, sev, msg)]


# --- running and formatting ----------------------------------------------------------------


def run_audit(registry: Registry | None = None) -> list[Finding]:
    """Run every check on ``registry`` (default: calibration/targets.yaml), in order.

    Example:
        >>> from povsim.calibration.findings import SEVERITIES
        >>> sorted({f.severity for f in run_audit()}) == sorted(SEVERITIES)
        True
    """
    reg = load_registry() if registry is None else registry
    findings: list[Finding] = []
    for fn in CHECKS.values():
        findings.extend(fn(reg))
    return findings


