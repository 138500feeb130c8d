"""Publish a calibration: the posterior medians into the bundled scenarios, the report as docs.

``make calibration`` fits the five cases jointly and once per left-out case
(``calibration/posteriors/all`` and ``all-but-<case>``), then runs::

    python -m povsim.calibration.publish --apply calibration/posteriors/all \\
        --doc docs/calibration.md

``--apply FOLDER`` writes each fitted parameter's posterior median into the bundled scenario
files (``scenarios/<case>.yaml``) with ``source: calibrated`` and a note giving the fit, the
90% interval, the prior and the contraction; a YAML round trip (``ruamel.yaml``) keeps every
comment and the files' layout. ``--doc FILE`` writes the calibration report: settings and wall
times, the fit report of every figure, the prior predictive check, the posterior of the fitted
parameters with their contraction, the parameters the figures do not identify, and the
leave-one-case-out table.

Example:
    >>> rows = [{"a": 1.5, "b": "x"}]
    >>> print(markdown_table(rows, ["a", "b"]))
    | a | b |
    |---|---|
    | 1.5 | x |
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pandas as pd

from povsim.base.inputs import ScenarioError
from povsim.base.outputs import atomic_write
from povsim.calibration.metrics import censored
from povsim.calibration.posterior import effective_sample_size
from povsim.calibration.targets import format_band, format_number
from povsim.scenarios import CASES, scenario_path

#: a parameter contracting less than this is named as not identified by the figures
WEAK = 0.2
POSTERIORS = Path("calibration/posteriors")


#: the hand-written part of docs/calibration.md: which figures are within the model's reach
#: (``python -m povsim.calibration.prior_check``) and the scale check, with their reasons
REACH = Path(__file__).with_name("reach.md")


def markdown_table(rows: list[dict], columns: list[str]) -> str:
    """A Markdown table of ``rows`` (dicts) in ``columns`` order."""
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(str(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(out)


def _settings(folder: Path) -> dict:
    f = folder / "calibration.json"
    if not f.is_file():
        raise ScenarioError(f"{folder}: no calibration.json there (the output folder of "
                            "povsim calibrate)")
    return json.loads(f.read_text(encoding="utf-8"))


def _targets(name: str, cases: list[str]) -> list[tuple[str, str]]:
    """(case, path) of a fitted parameter's name: a shared path names every case of the fit."""
    case, sep, path = name.partition(":")
    if sep:
        return [(case, path)]
    return [(c, name) for c in cases]


def _sig(x: float, integer: bool):
    return round(float(x)) if integer else float(f"{x:.4g}")


def apply_posterior(folder: str | Path, scenario_dir: Path | None = None) -> list[Path]:
    """Write the posterior medians of a fit in ``folder`` into the scenario files (the bundled
    ones unless ``scenario_dir``); return the files changed."""
    import ruamel.yaml

    folder = Path(folder)
    settings = _settings(folder)
    summ = pd.read_csv(folder / "summary.csv")
    fitted = summ[summ["fitted"]]
    yaml = ruamel.yaml.YAML()
    yaml.preserve_quotes = True
    yaml.width = 100000
    yaml.indent(mapping=2, sequence=4, offset=2)
    single = settings.get("case")
    docs: dict[str, object] = {}
    files: dict[str, Path] = {}
    for r in fitted.itertuples():
        where = ([(single, r.parameter)] if single
                 else _targets(r.parameter, settings.get("cases", list(CASES))))
        for case, path in where:
            if case not in docs:
                files[case] = (scenario_dir / f"{case}.yaml" if scenario_dir
                               else scenario_path(case))
                docs[case] = yaml.load(files[case].read_text(encoding="utf-8"))
            node = docs[case]
            try:
                for part in path.split("."):
                    node = node[int(part)] if part.isdigit() else node[part]
            except (KeyError, IndexError, TypeError):
                if single or ":" in r.parameter:
                    raise ScenarioError(f"{files[case]}: no parameter {path!r} (from "
                                        f"{folder}/summary.csv)") from None
                continue  # a shared parameter this case does not have
            old = node.get("note")
            was = f"; before calibration: {old}" if old and "posterior median" not in old else ""
            integer = isinstance(node["value"], int) and not isinstance(node["value"], bool)
            node["value"] = _sig(r.median, integer)
            node["source"] = "calibrated"
            node["note"] = (f"posterior median of povsim calibrate {settings['scenario']}; "
                            f"90% interval [{r.p05:.4g}, {r.p95:.4g}]; prior {r.prior} "
                            f"[{r.low:g}, {r.high:g}]; contraction {r.contraction:.2f}{was}")
    _uncalibrate_the_rest(settings, set(fitted["parameter"]), docs, files, yaml,
                          scenario_dir)
    changed = []
    for case, data in docs.items():
        buf = io.StringIO()
        yaml.dump(data, buf)
        text = buf.getvalue()
        atomic_write(files[case], lambda p, t=text: Path(p).write_text(t, encoding="utf-8"))
        changed.append(files[case])
    return changed


def _uncalibrate_the_rest(settings: dict, fitted: set[str], docs: dict, files: dict, yaml,
                          scenario_dir: Path | None) -> None:
    """A parameter an earlier fit calibrated that this fit does not fit goes back to
    ``to calibrate`` (keeping its value, which the note names), so that the files say which
    values this fit earned."""
    from povsim.calibration.joint import joint_name
    from povsim.calibration.priors import scenario_priors
    from povsim.schema.config import load_scenario

    for case in settings.get("cases", [settings.get("case")]):
        path_file = scenario_dir / f"{case}.yaml" if scenario_dir else scenario_path(case)
        for path, pr in scenario_priors(load_scenario(path_file)).items():
            if joint_name(case, path, pr.scope) in fitted or (
                    settings.get("case") and path in fitted):
                continue
            if case not in docs:
                files[case] = path_file
                docs[case] = yaml.load(path_file.read_text(encoding="utf-8"))
            node = docs[case]
            for part in path.split("."):
                node = node[int(part)] if part.isdigit() else node[part]
            if node.get("source") == "calibrated":
                node["source"] = "to calibrate"
                node["note"] = (f"not fitted by povsim calibrate {settings['scenario']} (drawn "
                                f"from its prior there); value from an earlier fit: "
                                f"{node.get('note', '')}")


def _ess(folder: Path) -> float:
    return effective_sample_size(pd.read_parquet(folder / "posterior.parquet")["weight"])


def _wall(folder: Path) -> str:
    f = folder / "timing.json"
    if not f.is_file():
        return "not recorded"
    runs = json.loads(f.read_text(encoding="utf-8"))
    how = ", ".join(sorted({f"{r['workers']} worker(s) on {r['cpus']} CPUs" for r in runs}))
    each = " + ".join(f"{r['wall_seconds'] / 60:.1f}" for r in runs)
    if len(runs) == 1:
        return f"{each} min ({how})"
    return (f"{each} min ({len(runs)} invocations, the later ones resuming or rewriting a "
            f"finished fit; {how})")


#: the comparison signs as Markdown shows them
MD_SIGNS = {"equal": "", "at_least": "≥ ", "at_most": "≤ "}


def _reported(r) -> str:
    """A fit-report row's reported value with its comparison."""
    return MD_SIGNS[r.comparison] + format_number(r.reported, r.unit)


def _predicted(r) -> str:
    """A fit-report row's predicted median and 90% interval."""
    return format_band(r.predicted_median, r.predicted_p05, r.predicted_p95, r.unit)


def _report_rows(report: pd.DataFrame) -> list[dict]:
    rows = []
    for r in report.itertuples():
        rows.append({"figure": f"`{r.id}`", "role": r.role,
                     "reported": _reported(r),
                     "predicted median [5%, 95%]": _predicted(r),
                     "inside": "yes" if r.inside_90 else "**no**"})
    return rows


def calibration_doc(main: str | Path, loco: list[Path] | None = None) -> str:
    """The text of ``docs/calibration.md`` from a joint fit's folder and its leave-one-out
    folders."""
    main = Path(main)
    s = _settings(main)
    report = pd.read_csv(main / "fit_report.csv")
    prior = pd.read_csv(main / "prior_predictive.csv")
    summ = pd.read_csv(main / "summary.csv")
    fitted = summ[summ["fitted"]].sort_values("contraction", ascending=False)
    cal = report[report["role"] == "calibration"]
    lines = [
        "# Calibration: the fit of the five cases",
        "",
        "Generated by `make calibration` (the fits, then `python -m povsim.calibration.publish "
        "--apply calibration/posteriors/all --doc docs/calibration.md`); every figure below "
        "comes from the files in `calibration/posteriors/`. Do not edit by hand.",
        "",
        "## Settings",
        "",
        *(_staged_settings(main, s) if s.get("method") == "staged" else _abc_settings(main, s)),
        "",
        *(_staged_sections(main) if s.get("method") == "staged" else []),
        *_goals(main, report, loco or []),
        "## Fit report",
        "",
        f"{int(cal['inside_90'].sum())} of {len(cal)} calibration figures lie inside the "
        "posterior predictive 90% interval; validation figures are predicted, never fitted. "
        + _anchor_line(cal),
        "",
        markdown_table(_report_rows(report),
                       ["figure", "role", "reported", "predicted median [5%, 95%]", "inside"]),
        "",
        "## Prior predictive check",
        "",
        f"Under the priors alone, {int(prior['inside_90'].sum())} of {len(prior)} reported "
        "figures lie inside the predicted 90% band.",
        "",
        markdown_table(_report_rows(prior),
                       ["figure", "role", "reported", "predicted median [5%, 95%]", "inside"]),
        "",
        "## Posterior of the fitted parameters",
        "",
        "Contraction is 1 - posterior variance / prior variance, in the prior's quantile "
        "space (a log-uniform parameter's upper tail does not dominate it): near 1 the figures "
        "pin a parameter down, near 0 (or below, with few effective particles) they say little.",
        "",
        markdown_table([{"parameter": f"`{r.parameter}`", "scope": r.scope,
                         "prior": f"{r.prior} [{r.low:g}, {r.high:g}]",
                         "median [5%, 95%]": f"{r.median:.4g} [{r.p05:.4g}, {r.p95:.4g}]",
                         "contraction": f"{r.contraction:.2f}"}
                        for r in fitted.itertuples()],
                       ["parameter", "scope", "prior", "median [5%, 95%]", "contraction"]),
        "",
        "## What the figures do not identify",
        "",
    ]
    weak = fitted[fitted["contraction"] < WEAK]["parameter"].tolist()
    nuis = summ[~summ["fitted"]]["parameter"].tolist()
    lines += [
        f"- Fitted but contracting by less than {WEAK}: "
        + (", ".join(f"`{p}`" for p in weak) if weak else "none") + ".",
        f"- Not fitted: {len(nuis)} parameters, drawn from their priors in every run (the "
        "screening found them less influential on these figures than the fitted ones); their "
        "spread is in every predicted interval above.",
        "",
        "<details><summary>The parameters not fitted</summary>",
        "",
        ", ".join(f"`{p}`" for p in nuis),
        "",
        "</details>",
        "",
    ]
    if loco:
        lines += _loco_section(main, report, loco)
    # the figures' reach and the scale check, written by hand from their commands' output
    lines += ["", REACH.read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines) + "\n"


def _anchor_line(cal: pd.DataFrame) -> str:
    """Which calibration figures are public statistics (``calibration/anchors.yaml``).

    Example:
        >>> line = _anchor_line(pd.DataFrame({"id": ["sanba.income_level_2016", "sanba.x"]}))
        >>> line.startswith("Of them, 1 is a public statistic"), line.endswith("_2016`.")
        (True, True)
    """
    from povsim.calibration.anchors import load_anchors

    ids = [a.id for a in load_anchors() if a.id in set(cal["id"])]
    if not ids:
        return ""
    return (f"Of them, {len(ids)} {'is a' if len(ids) == 1 else 'are'} public "
            f"statistic{'' if len(ids) == 1 else 's'} of the place or a larger area holding it "
            "(`calibration/anchors.yaml`, fitted as a calibration figure): "
            + ", ".join(f"`{i}`" for i in ids) + ".")


def _deviation_lines(main: Path, rows: list[dict]) -> list[str]:
    """Whether the figures support a case-level deviation of the shared mechanisms: a case
    whose held-out figures the other four cases' mechanisms miss, and the figures each case has
    against its own fitted parameters."""
    summ = pd.read_csv(main / "summary.csv")
    report = pd.read_csv(main / "fit_report.csv")
    cal = report[report["role"] == "calibration"]
    missed = sorted({r["left out"] for r in rows if r["inside"] != "yes"})
    per_case = []
    for case in _settings(main).get("cases", []):
        own = int((summ["fitted"] & summ["parameter"].str.startswith(case + ":")).sum())
        figs = int(cal["id"].str.startswith(case + ".").sum())
        per_case.append(f"{case} {figs} figures, {own} own parameters fitted")
    return [
        "Case-level deviations of the shared mechanisms (issue 27: \"where the data support "
        "it\"): the test is whether the mechanisms fitted on four cases predict the fifth "
        "case's figures. "
        + (f"They miss some of {', '.join(missed)}'s, where a deviation would be supported; "
           if missed else "They predict every case's figures, so no deviation is supported; ")
        + "none is fitted, for no case has figures to spare beyond its own circumstances ("
        + "; ".join(per_case) + "): a deviation per case and mechanism would be identified by "
        "its prior alone.", ""]


def _scales(s: dict) -> str:
    return ", ".join(f"{c} 1:{k:g}" for c, k in (s["scale"].items()
                                                 if isinstance(s["scale"], dict)
                                                 else [(s.get("case"), s["scale"])]))


def _abc_settings(main: Path, s: dict) -> list[str]:
    return [
        f"- Joint ABC-SMC fit (`povsim calibrate {s['scenario']} --method abc`): cases "
        f"{', '.join(s.get('cases', [s.get('case', '')]))}; scale {_scales(s)}; seed "
        f"{s['seed']}; {s['population']} particles per generation.",
        f"- {len(s['fitted'])} parameters fitted of {len(s['parameters'])}; every run draws the "
        "others from their priors, so their uncertainty stays in every prediction.",
        f"- Effective sample size of the final generation: {_ess(main):.1f} of "
        f"{s['population']}.",
        f"- Wall time: {_wall(main)}."]


def _staged_info(folder: Path) -> dict:
    return json.loads((folder / "staged.json").read_text(encoding="utf-8"))


def _staged_settings(main: Path, s: dict) -> list[str]:
    info = _staged_info(main)
    st = info["stages"]
    return [
        f"- Joint staged fit (`povsim calibrate {s['scenario']}`, "
        "`calibration/staged.py`): cases "
        f"{', '.join(s.get('cases', [s.get('case', '')]))}; scale {_scales(s)}; seed "
        f"{s['seed']}.",
        f"- Screening: {st['screening_runs']} runs per case over every parameter it marks to "
        "calibrate; a Gaussian-process emulator per figure gives each parameter's share of "
        f"the figure's variance; {len(info['fitted'])} of {len(s['parameters'])} parameters "
        f"have a share of at least {st['share']:.0%} of some figure's and are fitted, the "
        "rest drawn from their priors in every run.",
        f"- History matching: {st['waves']} waves (the screening's runs the first, then "
        f"{st['wave_runs']} runs each), cut-off 3, model discrepancy "
        f"{st['discrepancy']:.0%} of each reported value (sd).",
        f"- Posterior: sbi's neural posterior estimation trained on "
        f"{info['training_runs']} runs from the region left ({info['epochs']} epochs), "
        f"conditioned on {len(info['conditioned'])} figures (a bound as a censored "
        f"observation: a run meeting it reads as the bound); "
        f"{info['draws_inside_region']:.1%} of its draws fell inside the region (the rest "
        "are dropped: the truncated prior gives them no mass); "
        f"{len(pd.read_parquet(main / 'posterior.parquet')):,} draws kept, weighted back to "
        f"the prior truncated to the region (effective sample size {_ess(main):.0f}).",
        f"- Wall time: {_wall(main)}; by stage in the last invocation (s from its start; "
        "a stage whose runs were kept costs only its emulators): "
        + ", ".join(f"{k} {v:g}" for k, v in info["seconds"].items()) + "."]


def _staged_sections(main: Path) -> list[str]:
    """History matching's waves and reach, the coverage check, the method comparison."""
    info = _staged_info(main)
    waves = pd.read_csv(main / "waves.csv")
    reach = pd.read_csv(main / "reach.csv")
    last = reach[reach["wave"] == reach["wave"].max()]
    sbc = pd.read_csv(main / "sbc_summary.csv")
    out = ["## History matching", "",
           "Each wave: its runs and the share of the parameter space (the fitted parameters' "
           "prior quantiles) that it and the waves before it leave plausible; a figure no point "
           "can match is out of reach and leaves the cut.", "",
           markdown_table([{"wave": int(r.wave), "runs": int(r.runs),
                            "plausible share": f"{r.plausible_share:.4%}",
                            "out of reach": r.out_of_reach if isinstance(r.out_of_reach, str)
                            and r.out_of_reach else "none"} for r in waves.itertuples()],
                          ["wave", "runs", "plausible share", "out of reach"]),
           "", "Per figure at the last wave: the run that came closest (in sds of observation, "
           "run-to-run scatter and discrepancy) and the share of the region its own cut keeps:",
           "",
           markdown_table([{"figure": f"`{r.figure}`", "reached by a run": "yes" if r.reached
                            else "**no**", "closest run": f"{r.closest:,.4g}",
                            "distance (sd)": f"{r.distance_sd:.2f}",
                            "share its cut keeps": f"{r.alone_share:.1%}",
                            "in the cut": "yes" if r.in_cut else "**no (out of reach)**"}
                           for r in last.itertuples()],
                          ["figure", "reached by a run", "closest run", "distance (sd)",
                           "share its cut keeps", "in the cut"]),
           "", "## Coverage (simulation-based calibration)", "",
           f"{info['holdout_runs']} runs from the region, held out of the training, are "
           "synthetic truths: for each, 200 posterior draws given its figures (observed with the "
           "same error). The 90% interval holds the truth for "
           f"{info['sbc_coverage_90']:.1%} of (truth, parameter) pairs (goal 80-98%); the "
           "ranks' uniformity test (chi-squared, 10 bins, all parameters pooled) gives p = "
           f"{info['sbc_rank_uniformity_p']:.3f}. Per parameter (mean rank 0.5 is centred):",
           "",
           markdown_table([{"parameter": f"`{r.parameter}`", "truths": int(r.truths),
                            "coverage of the 90% interval": f"{r.coverage_90:.0%}",
                            "mean rank": f"{r.mean_rank:.2f}"} for r in sbc.itertuples()],
                          ["parameter", "truths", "coverage of the 90% interval",
                           "mean rank"]), ""]
    methods = main.parent / "posterior_methods.csv"  # python -m benchmarks.posterior_methods
    if methods.is_file():
        m = pd.read_csv(methods)
        r0 = m.iloc[0]
        out += ["## Which posterior method", "",
                f"Measured by `python -m benchmarks.posterior_methods` ({int(r0.truths)} "
                f"synthetic truths drawn from the prior, {int(r0.parameters)} Zhenbao "
                f"parameters, scale 1:{r0.scale:g}, {int(r0.workers)} workers; recovery error: "
                "mean |posterior median - truth| in the prior's quantile space):", "",
                markdown_table([{"method": r.method,
                                 "recovery error": f"{r.recovery_error:.3f}",
                                 "coverage of the 90% interval": f"{r.coverage_90:.0%}",
                                 "model runs": f"{int(r.model_runs):,}",
                                 "wall (s)": f"{r.wall_seconds:.0f}"} for r in m.itertuples()],
                               ["method", "recovery error", "coverage of the 90% interval",
                                "model runs", "wall (s)"]), ""]
    return out


#: the point scenario's replicates in its check against the posterior predictive
POINT_REPLICATES = 4


def point_check(main: str | Path, replicates: int = POINT_REPLICATES) -> pd.DataFrame:
    """Run each bundled scenario (as the files now hold it: the posterior medians applied) at
    its calibration scale and compare the mean of its figures over ``replicates`` seeds with
    the joint fit's posterior predictive 90% interval (``fit_report.csv``); written to
    ``point_check.csv`` in ``main``."""
    import numpy as np

    from povsim.calibration.fit import Problem
    from povsim.calibration.targets import inside_band
    from povsim.scenarios import CALIBRATION_SCALE
    from povsim.schema.config import load_scenario

    main = Path(main)
    report = pd.read_csv(main / "fit_report.csv").set_index("id")
    rows = []
    for case in _settings(main).get("cases", list(CASES)):
        sc = load_scenario(scenario_path(case))
        pb = Problem.of(sc, scale=CALIBRATION_SCALE.get(case, 1.0), seed=1)
        figs = [*pb.figures, *pb.validation]
        x = pb.simulate({}, seed=1, replicates=replicates, figures=figs, nuisance=False)
        for f in figs:
            if f.id not in report.index:
                continue
            r = report.loc[f.id]
            xs = censored(np.asarray(x[f.id], float), f.target)
            v = float(np.nanmean(xs)) if np.isfinite(xs).any() else float("nan")
            rows.append({"id": f.id, "role": r["role"], "unit": f.unit,
                         "comparison": f.target.comparison, "reported": f.value,
                         "point": v, "predicted_p05": r["predicted_p05"],
                         "predicted_p95": r["predicted_p95"],
                         "point_inside_90": inside_band(v, r["predicted_p05"],
                                                        r["predicted_p95"], "equal")})
    table = pd.DataFrame(rows)
    atomic_write(main / "point_check.csv", lambda q: table.to_csv(q, index=False))
    return table


def _goals(main: Path, report: pd.DataFrame, loco: list[Path]) -> list[str]:
    """Issue 27's goals, each with what was measured."""
    cal = report[report["role"] == "calibration"]
    out_of_reach: set[str] = set()
    if (main / "waves.csv").is_file():
        w = pd.read_csv(main / "waves.csv")
        for x in w["out_of_reach"].dropna():
            out_of_reach.update(t.strip() for t in str(x).split(";") if t.strip())
    eq = cal[cal["comparison"] == "equal"]
    rel = (eq["predicted_median"] - eq["reported"]).abs() / eq["reported"].abs()
    close = int((rel <= 0.15).sum())
    missed = [f"`{r.id}`" for r in cal.itertuples()
              if not r.inside_90 and r.id not in out_of_reach]
    far = [f"`{i}` ({v:.0%})" for i, v in zip(eq["id"], rel, strict=True)
           if v > 0.15 and i not in out_of_reach]
    lines = ["## Goals (issue 27)", "",
             f"- Every calibration figure inside its 90% posterior predictive interval, or out "
             f"of reach: {int(cal['inside_90'].sum())} of {len(cal)} inside; "
             f"{len(out_of_reach)} named out of reach by history matching"
             + (f" ({', '.join(f'`{x}`' for x in sorted(out_of_reach))})" if out_of_reach
                else "") + "; "
             + ("**not met**: " + ", ".join(missed) if missed else "met") + ".",
             f"- Equality figures' posterior predictive median within 15% of the reported "
             f"value: {close} of {len(eq)}; "
             + ("**not met**: " + ", ".join(far) if far else "met") + "."]
    pc = main / "point_check.csv"
    if pc.is_file():
        p = pd.read_csv(pc)
        pcal = p[p["role"] == "calibration"]
        outside = [f"`{i}`" for i, ok in zip(pcal["id"], pcal["point_inside_90"], strict=True)
                   if not ok]
        lines.append(
            f"- The point scenario (the bundled files: posterior medians of the fitted "
            f"parameters; mean of {POINT_REPLICATES} seeds) inside the posterior predictive "
            f"interval of every calibration figure: {len(pcal) - len(outside)} of {len(pcal)}"
            + ("; **not met**: " + ", ".join(outside) if outside else "; met")
            + " (`point_check.csv`).")
    if loco:
        held = []
        for f in loco:
            r = pd.read_csv(f / "fit_report.csv")
            held += r.loc[r["role"] == "held out", "inside_90"].tolist()
        lines.append(f"- At least 10 of 14 held-out figures inside their leave-one-case-out "
                     f"interval: {sum(held)} of {len(held)}"
                     + (" (met)." if sum(held) >= 10 else " (**not met**)."))
    val = report[report["role"] == "validation"]
    lines.append(f"- Validation figures predicted out of sample, never fitted: {len(val)} "
                 f"predicted, {int(val['inside_90'].sum())} inside their interval.")
    t = main / "timing.json"
    if t.is_file():
        mins = sum(r["wall_seconds"] for r in json.loads(t.read_text(encoding="utf-8"))) / 60
        lines.append(f"- The joint fit within 60 minutes on 2 cores: {mins:.1f} min"
                     + (" (met)." if mins <= 60 else " (**not met**)."))
    return [*lines, ""]


def _loco_section(main: Path, full: pd.DataFrame, loco: list[Path]) -> list[str]:
    rows = []
    shared_rows = []
    full_summ = pd.read_csv(main / "summary.csv").set_index("parameter")
    for folder in loco:
        s = _settings(folder)
        rep = pd.read_csv(folder / "fit_report.csv")
        held = rep[rep["role"] == "held out"]
        for r in held.itertuples():
            f = next(full[full["id"] == r.id].itertuples())
            rows.append({
                "left out": s["leave_out"], "figure": f"`{r.id}`",
                "reported": _reported(r),
                "fitted without it": _predicted(r),
                "inside": "yes" if r.inside_90 else "**no**",
                "fitted with it": _predicted(f),
                "inside ": "yes" if f.inside_90 else "**no**"})
        summ = pd.read_csv(folder / "summary.csv").set_index("parameter")
        for p in summ.index:
            if ":" in p or not summ.loc[p, "fitted"]:
                continue
            fr = full_summ.loc[p] if p in full_summ.index else None
            shared_rows.append({
                "left out": s["leave_out"], "shared parameter": f"`{p}`",
                "median [5%, 95%] without the case": (
                    f"{summ.loc[p, 'median']:.4g} [{summ.loc[p, 'p05']:.4g}, "
                    f"{summ.loc[p, 'p95']:.4g}]"),
                "with all five": ("not fitted" if fr is None or not fr["fitted"] else
                                  f"{fr['median']:.4g} [{fr['p05']:.4g}, {fr['p95']:.4g}]")})
    n_in = sum(r["inside"] == "yes" for r in rows)
    budget = _settings(loco[0])
    if budget.get("method") == "staged":
        how = ("Each leave-one-out fit is the staged fit without the case's figures (its "
               "screening, history matching and neural posterior, with two waves and 1,024 "
               "training runs). Wall time, effective sample size of its weighted draws and "
               "coverage of the 90% interval on its held-out runs (simulation-based "
               "calibration): "
               + "; ".join(f"{_settings(f)['leave_out']} {_wall(f)}, effective sample size "
                           f"{_ess(f):.0f}, coverage "
                           f"{_staged_info(f)['sbc_coverage_90']:.0%}" for f in loco) + ".")
    else:
        how = ("Budget of each leave-one-out fit: "
               f"{budget['population']} particles per generation; wall time and effective "
               "sample size of the final generation: "
               + "; ".join(f"{_settings(f)['leave_out']} {_wall(f)}, {_ess(f):.1f}"
                           for f in loco) + ".")
    out = [
        "## Leave one case out",
        "",
        "Each case's calibration figures predicted by a joint fit of the other four (its own "
        "parameters drawn from their priors, the shared ones from the other cases' fit), "
        "beside the fit that used them. " + how,
        "",
        f"{n_in} of {len(rows)} held-out figures lie inside the 90% interval predicted "
        "without them.",
        "",
        markdown_table(rows, ["left out", "figure", "reported", "fitted without it", "inside",
                              "fitted with it", "inside "]),
        "",
        "The shared parameters each leave-one-out fit estimates, beside the joint fit:",
        "",
        markdown_table(shared_rows, ["left out", "shared parameter",
                                     "median [5%, 95%] without the case", "with all five"]),
        "",
        *_deviation_lines(main, rows),
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    """Apply a fit's posterior medians to the bundled scenarios and/or write the report."""
    p = argparse.ArgumentParser(prog="python -m povsim.calibration.publish",
                                description="Publish a calibration: posterior medians into "
                                            "the bundled scenarios, the report as Markdown.")
    p.add_argument("--apply", metavar="FOLDER", help="write this fit's posterior medians into "
                                                     "the bundled scenario files")
    p.add_argument("--doc", metavar="FILE", help="write the calibration report here")
    p.add_argument("--from", dest="main", default=str(POSTERIORS / "all"), metavar="FOLDER",
                   help="the joint fit the report describes (default %(default)s)")
    args = p.parse_args(argv)
    try:
        if args.apply:
            for f in apply_posterior(args.apply):
                print(f"wrote {f}")
            point_check(args.apply)
            print(f"wrote {Path(args.apply) / 'point_check.csv'}")
        if args.doc:
            main_dir = Path(args.main)
            loco = sorted(d for d in main_dir.parent.glob("all-but-*")
                          if (d / "fit_report.csv").is_file())
            text = calibration_doc(main_dir, loco)
            atomic_write(Path(args.doc), lambda q: Path(q).write_text(text, encoding="utf-8"))
            print(f"wrote {args.doc}")
    except (ScenarioError, OSError) as exc:
        print(f"python -m povsim.calibration.publish: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
