"""Attribution: what each intervention channel adds, switched off one at a time.

Each channel (:data:`CHANNELS`) is switched off by parameter changes that leave every random
stream drawing as before, so a run without it differs from the baseline run of the same
replicate by the channel alone (common random numbers, as in
:func:`povsim.experiments.comparison.compare`).
For every channel the case has, and for the whole programme off (``policy.programme: off``) and
for every channel off at once, :func:`attribute` runs the same replicates and reports each
channel's **effect**, the baseline minus the run without it (positive: the channel adds), for
people lifted out of income poverty (the fall in people below the line since the baseline
year), people exited from the register, end-year incidence, registered households' income and
collective revenue, with paired intervals; the row "sum of single channels" adds the single
channels' effects replicate by replicate, so that beside "all channels off" it shows how much
the channels interact. The row "regression to the mean" is what the registration error
(``population.registration_error_sigma``) adds with the programme off: the programme-off run
minus the programme-off run that registers on true income, on the same replicates. It counts the
exits of households registered on a transiently low measured income, which need no programme:
they move the register, not anyone's income, so they show in the register column only.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> sc = load_scenario("zhenbao")
    >>> [c for c, changes in channel_changes(sc).items() if not changes]  # Zhenbao lacks them
    ['partner_investment_dividends', 'labour_training', 'loans']
    >>> channel_changes(sc)["transfers"]
    {'income.transfer_per_person_month': 0.0}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from povsim.base.inputs import ScenarioError
from povsim.base.outputs import (
    VERSION,
    atomic_write,
    git_commit,
    software,
    write_manifest,
    write_tables,
)
from povsim.engine.stats import paired_interval
from povsim.experiments.comparison import Comparison, Variant, compare
from povsim.schema.config import Scenario, scenario_source

#: the outcomes attributed: comparison metric, label, unit
OUTCOMES = (
    ("lifted_out", "people lifted out of income poverty (net, since the baseline)", "people"),
    ("register_exits", "people exited the register (net, cumulative)", "people"),
    ("incidence_end", "poverty incidence, end year", "percentage points"),
    ("income_mean_registered_end", "per-capita income of registered households, end year",
     "yuan"),
    ("collective_revenue_end", "collective operating revenue, end year", "million yuan"),
)
PROGRAMME_OFF = "programme off"
RTM = "regression to the mean"
TRUE_OFF = "programme off, registered on true income"
ALL_OFF = "all channels off"
SUM = "sum of single channels"


@dataclass(frozen=True)
class Channel:
    """An intervention channel and how it is switched off.

    Attributes:
        name: its short name (a row of the table).
        what: what switching it off means.
        switch_off: the scenario's parameter changes (dotted path -> value) that switch it off;
            empty where the case does not have the channel.
    """

    name: str
    what: str
    switch_off: Callable[[Scenario], dict[str, Any]] = field(repr=False)


def _groups(sc: Scenario, role: str | None = None, exclude: tuple[str, ...] = ()) -> list[int]:
    return [i for i, g in enumerate(sc.cadre_groups) if g.count.value > 0
            and (role is None or g.role == role) and g.kind not in exclude]


def _partners(sc: Scenario, fields: dict[str, Any]) -> dict[str, Any]:
    # a channel a group leaves out (none) is not the group's: nothing to switch off
    return {f"partners.{i}.{f}": v for i, g in enumerate(sc.partners) if g.count.value > 0
            for f, v in fields.items() if getattr(g, f) is not None}


def _cadre_visits(sc: Scenario) -> dict[str, Any]:
    out: dict[str, Any] = ({"cadre_effects.visit_prob_month": 0.0}
                           if _groups(sc, "households") else {})
    for i in _groups(sc, "households"):
        if sc.cadre_groups[i].resident is not None:
            out[f"cadre_groups.{i}.resident.visit_prob_month"] = 0.0
            out[f"cadre_groups.{i}.resident.lecture_skill_gain_month"] = 0.0
    return out


def _village_cadres(sc: Scenario) -> dict[str, Any]:
    out: dict[str, Any] = {}
    groups = _groups(sc, "village", exclude=("expert",))
    if any(sc.cadre_groups[i].kind == "first_secretary" for i in groups):
        out["first_secretary_assignment"] = "none"
    for i in groups:
        g = sc.cadre_groups[i]
        if g.kind != "first_secretary":
            for f in ("branch_gain_month", "projects_per_year"):
                if getattr(g, f) is not None:
                    out[f"cadre_groups.{i}.{f}"] = 0.0
    return out


def _cadre_training(sc: Scenario) -> dict[str, Any]:
    return ({"cadre_effects.training_person_times_per_year": 0.0}
            if sc.cadre_effects.training_person_times_per_year.value > 0 and _groups(sc) else {})


def _technology(sc: Scenario) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if any(sc.cadre_groups[i].kind == "expert" for i in _groups(sc, "village")):
        out["cadre_effects.expert_productivity_gain_month"] = 0.0
    if sc.programmes.demonstration_fields is not None:
        out["programmes.demonstration_fields"] = None
    return out


def _programme(name: str) -> Callable[[Scenario], dict[str, Any]]:
    def switch_off(sc: Scenario) -> dict[str, Any]:
        return {f"programmes.{name}": None} if getattr(sc.programmes, name) is not None else {}
    return switch_off


#: the channels, in the order of the table
CHANNELS: dict[str, Channel] = {c.name: c for c in (
    Channel("cadre_visits", "household-role cadres' visits have no effect (visit probability 0; "
            "the pairings are still made) and resident teams give no lectures", _cadre_visits),
    Channel("village_cadres", "no first secretaries are sent; the other village-role cadres "
            "(experts apart) strengthen no branch and bring no project", _village_cadres),
    Channel("cadre_training", "no cadre training (effectiveness stays at its initial level)",
            _cadre_training),
    Channel("partner_jobs", "partners offer no jobs", lambda sc: _partners(
        sc, {"jobs_per_partner": 0.0})),
    Channel("partner_purchases", "partners buy nothing and pay no price premium",
            lambda sc: _partners(sc, {"purchase_per_village_year": 0.0, "price_premium": 0.0})),
    Channel("partner_investment_dividends", "partners invest nothing, give no aid, pay no fixed "
            "dividends to households nor share dividends to collectives, and strengthen no "
            "branch", lambda sc: _partners(
                sc, {"investment_per_village": 0.0, "aid_per_village_year": 0.0,
                     "collective_dividend_rate": 0.0,
                     "fixed_dividend_per_poor_household": 0.0, "branch_gain_month": 0.0})),
    Channel("cooperative_payments", "collectives pay households no wages (no jobs), no land "
            "rent and no dividends (members still lease land to them)", lambda sc: {
                "cooperatives.jobs_per_100mu": 0.0, "income.land_rent_per_mu": 0.0,
                "cooperatives.fixed_dividend_poor_member": 0.0,
                "cooperatives.share_payout": 0.0}),
    Channel("programme_crops", "the crops the programme's industry drive plants (产业扶贫; "
            "crops with by_programme) are not planted", lambda sc: {
                f"income.crops.{i}.area_mu": 0.0 for i, c in enumerate(sc.income.crops)
                if c.by_programme}),
    Channel("labour_training", "no labour training and transfer", _programme("labour_training")),
    Channel("loans", "no business loans", _programme("loans")),
    Channel("technology", "no demonstration fields; experts raise no farming technology",
            _technology),
    Channel("transfers", "no social-assistance transfers", lambda sc: {
        "income.transfer_per_person_month": 0.0}),
)}


def channel_changes(sc: Scenario) -> dict[str, dict[str, Any]]:
    """Each channel's parameter changes for scenario ``sc``, without those that change nothing
    (a value already off); empty: the case lacks the channel."""
    return {name: {path: value for path, value in c.switch_off(sc).items()
                   if sc.get_param(path) != value}
            for name, c in CHANNELS.items()}


def attribution_variants(sc: Scenario, channels: list[str] | None = None) -> list[Variant]:
    """One variant per channel the case has (or per channel named), then the whole programme
    off and every channel off at once."""
    changes = channel_changes(sc)
    names = [c for c in (channels or CHANNELS) if changes[c]]
    out = [Variant(c, sc.with_params(changes[c]), changes[c]) for c in names]
    off = {"programme": False}
    out.append(Variant(PROGRAMME_OFF, sc.with_params(off), off))
    if sc.population.registration_error_sigma.value > 0:
        true = {**off, "population.registration_error_sigma": 0.0}
        out.append(Variant(TRUE_OFF, sc.with_params(true), true))
    every = {k: v for c in names for k, v in changes[c].items()}
    out.append(Variant(ALL_OFF, sc.with_params(every), every))
    return out


@dataclass
class Attribution:
    """The attribution of one scenario: the comparison it rests on and the effects table.

    ``table`` has one row per channel (and for the programme off, every channel off and the sum of
    the single channels) and outcome: ``effect`` (baseline minus the run without it; mean over
    replicates), its interval ``effect_lo``, ``effect_hi``, the baseline's value and the value
    without the channel.
    """

    comparison: Comparison
    skipped: list[str]
    table: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        self.table = self._table()

    @property
    def scenario(self) -> Scenario:
        return self.comparison.baseline.scenario

    def _effects(self, outcome: str) -> pd.DataFrame:
        """Per variant and replicate, baseline minus variant (in the comparison's units:
        incidence in percent, so its effect is in percentage points)."""
        runs = self.comparison.runs
        wide = runs.pivot(index="replicate", columns="variant", values=outcome)
        base = wide[self.comparison.baseline.name]
        eff = wide.drop(columns=self.comparison.baseline.name).rsub(base, axis=0)
        if TRUE_OFF in wide:  # with the registration error minus without, programme off
            eff[RTM] = wide[PROGRAMME_OFF] - wide.pop(TRUE_OFF)
            eff = eff.drop(columns=TRUE_OFF)
        return eff

    def _table(self) -> pd.DataFrame:
        level = self.comparison.level
        runs = self.comparison.runs
        base = runs[runs["variant"] == self.comparison.baseline.name]
        singles = [v.name for v in self.comparison.variants if v.name in CHANNELS]
        rows = []
        for outcome, label, unit in OUTCOMES:
            eff = self._effects(outcome)
            eff[SUM] = eff[singles].sum(axis=1) if singles else 0.0
            extra = [RTM] if RTM in eff else []
            for name in [*singles, PROGRAMME_OFF, *extra, ALL_OFF, SUM]:
                m, lo, hi = paired_interval(eff[name].to_numpy(), level)
                variant = TRUE_OFF if name == RTM else name
                without = (runs.loc[runs["variant"] == variant, outcome].mean()
                           if name != SUM else float("nan"))
                rows.append({"channel": name, "outcome": outcome, "label": label, "unit": unit,
                             "baseline": float(base[outcome].mean()),
                             "without": float(without), "effect": m, "effect_lo": lo,
                             "effect_hi": hi, "replicates": int(eff[name].notna().sum()),
                             "what": CHANNELS[name].what if name in CHANNELS else _WHAT[name]})
        return pd.DataFrame(rows)

    def format(self) -> str:
        """The table as text: one row per channel, one column per outcome (effect [interval])."""
        t = self.table
        names = list(dict.fromkeys(t["channel"]))
        heads = [f"{label} ({unit})" for _, label, unit in OUTCOMES]
        cells = []
        for name in names:
            row = [name]
            for outcome, *_ in OUTCOMES:
                r = t[(t["channel"] == name) & (t["outcome"] == outcome)].iloc[0]
                d = 3 if outcome in ("incidence_end", "collective_revenue_end") else 0
                lo, mid, hi = (_signed(x, d) for x in (r.effect_lo, r.effect, r.effect_hi))
                row.append(f"{mid} [{lo}, {hi}]")
            cells.append(row)
        header = ["channel (effect = with - without)", *heads]
        widths = [max(len(str(r[i])) for r in [header, *cells]) for i in range(len(header))]
        lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True))
                 for r in [header, *cells]]
        lines.insert(1, "  ".join("-" * w for w in widths))
        info = self.comparison.run_info
        lines.append(f"\n{self.scenario.title}: {info['replicates']} replicates, seed "
                     f"{info['seed']}, scale 1:{info['scale']:g}; means over replicates with "
                     f"{self.comparison.level:.0%} paired intervals. effect = with the channel "
                     "- without it: a channel that lifts people out has a positive effect on "
                     "people lifted out and a negative one on incidence (percentage points)")
        if self.skipped:
            lines.append("not in this case: " + ", ".join(self.skipped))
        return "\n".join(lines)

    def manifest(self) -> dict:
        path, sha = scenario_source(self.scenario)
        sw = software()
        return {"povsim_version": VERSION, "git_commit": git_commit(), "kind": "attribution",
                "scenario": {"name": self.scenario.name, "file": path, "sha256": sha},
                "run": self.comparison.run_info, "level": self.comparison.level,
                "channels": {v.name: v.changes for v in self.comparison.variants},
                "not_in_case": self.skipped, **sw}

    def write(self, out: str | Path, plots: bool = True) -> list[Path]:
        """Write ``attribution`` and the per-run ``runs`` table (Parquet and CSV), the
        manifest and (optionally) the plot ``attribution.png``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = write_tables(out, {"attribution": self.table, "runs": self.comparison.runs})
        if plots:
            written.append(atomic_write(out / "attribution.png", self.plot))
        written.append(write_manifest(out, self.manifest()))
        return written

    def plot(self, path: str | Path) -> None:
        """Bars of each channel's effect on every outcome, with their intervals."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        t = self.table
        names = list(dict.fromkeys(t["channel"]))
        fig, axes = plt.subplots(1, len(OUTCOMES), figsize=(4.2 * len(OUTCOMES), 0.4 * len(names)
                                                            + 1.6), sharey=True)
        for ax, (outcome, label, unit) in zip(axes, OUTCOMES, strict=True):
            sub = t[t["outcome"] == outcome].set_index("channel").loc[names]
            y = np.arange(len(names))
            err = np.vstack([sub["effect"] - sub["effect_lo"], sub["effect_hi"] - sub["effect"]])
            colors = ["#888888" if n in (PROGRAMME_OFF, RTM, ALL_OFF, SUM) else "#1f77b4"
                      for n in names]
            ax.barh(y, sub["effect"], xerr=np.nan_to_num(err), color=colors, capsize=2)
            ax.axvline(0, color="black", lw=0.8)
            ax.set_title(f"{label}\n({unit}, with - without)", fontsize=9)
            ax.set_yticks(y, names, fontsize=8)
        axes[0].invert_yaxis()  # the table's order, top down (the axes share y)
        fig.suptitle(f"{self.scenario.title}: what each channel adds "
                     f"({self.comparison.run_info['replicates']} replicates, "
                     f"{self.comparison.level:.0%} intervals)", fontsize=10)
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=110)
        plt.close(fig)


def _signed(x: float, digits: int) -> str:
    return "nan" if x != x else f"{x:+,.{digits}f}"


_WHAT = {PROGRAMME_OFF: "policy.programme: off (no cadre, partner or household programme acts)",
         RTM: "with the programme off: registration on measured income (error log-sd "
              "population.registration_error_sigma) minus registration on true income",
         ALL_OFF: "every channel of the table off at once",
         SUM: "the single channels' effects added, replicate by replicate"}


def attribute(sc: Scenario, *, replicates: int = 10, seed: int = 1, scale: float = 1.0,
              level: float = 0.9, channels: list[str] | None = None,
              progress: bool = True, draws: list[dict[str, float]] | None = None
              ) -> Attribution:
    """Attribute a scenario's outcomes to its channels (see the module docstring).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> a = attribute(load_scenario("zhenbao"), replicates=2, scale=5, progress=False)
        >>> sorted(set(a.table["channel"]))[:3]
        ['all channels off', 'cadre_training', 'cadre_visits']
    """
    unknown = sorted(set(channels or ()) - set(CHANNELS))
    if unknown:
        raise ScenarioError(f"unknown channel(s) {', '.join(unknown)}; known: "
                            f"{', '.join(CHANNELS)}")
    changes = channel_changes(sc)
    skipped = [c for c in (channels or CHANNELS) if not changes[c]]
    cmp = compare(sc, attribution_variants(sc, channels), replicates=replicates, seed=seed,
                  scale=scale, level=level, progress=progress, draws=draws)
    return Attribution(cmp, skipped)
