"""The ``povsim`` command line.

``povsim run SCENARIO [--seed N] [--replicates R] [--scale K] [--out DIR]`` runs a scenario,
shows a progress bar, prints a summary with 10-90% bands and writes tables, manifest and plots.
``povsim audit [--strict]`` checks the reported figures against each other; ``povsim targets
CASE [--replicates N] [--format text|md|csv]`` compares a case with its reported figures.
``povsim compare SCENARIO --vary LEVER=V1,V2 [--against ALT.yaml] [--replicates R]`` runs
policy variants on common random numbers and reports paired differences with intervals.
``povsim attribute SCENARIO [--replicates R] [--scale K] [--out DIR]`` switches each intervention
channel off in turn (and the whole programme) and reports what each adds.
``povsim sweep SWEEP.yaml [--workers N | --scheduler ADDRESS | --serial] [--out DIR]`` runs a
sweep (design points x replicates) on Dask into a resumable store; ``povsim summarize DIR``
writes its bands per point, Sobol or Morris indices and plots.

Example:
    >>> main(["run", "scenarios/does-not-exist.yaml", "--quiet"])
    2
"""

from __future__ import annotations

import argparse
import errno
import math
import os
import sys
from pathlib import Path

from povsim.base.errors import ScenarioError
from povsim.base.version import VERSION
from povsim.scenarios import CALIBRATION_SCALE

#: the policy levers of a scenario (``PolicyCfg``'s fields; tests/test_cli.py checks they agree),
#: named here so that ``--help`` answers without loading the schema
POLICY_LEVERS = ("cadre_pairing", "first_secretary_assignment", "village_pairing",
                 "cadre_tenure", "cadre_capacity", "programme_start_year", "programme")

# Heavy modules (pydantic's scenario schema, numba's kernels, pandas, scipy, pyabc, dask,
# matplotlib) are imported inside the commands that use them: `povsim --help` and a mistyped
# option answer at once (tests/test_cli.py measures it).


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def _scale(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (v >= 1 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 1 (one simulated household "
                                         f"per K), got {v}")
    return v


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {v}")
    return v


def _level(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (e.g. 0.9), got {v}")
    return v


def _run_options(p: argparse.ArgumentParser, replicates: int, out: str, quiet: str,
                 what: str = "number of replicates") -> None:
    """The options every command that runs a scenario shares: seed, replicates, scale, out,
    plots and quiet."""
    p.add_argument("--seed", type=_nonneg_int, default=1, help="run seed (default 1)")
    p.add_argument("--replicates", type=_positive_int, default=replicates,
                   help=f"{what} (default {replicates})")
    p.add_argument("--scale", type=_scale, default=1.0,
                   help="one simulated household stands for K real ones (default 1: full scale)")
    p.add_argument("--out", default=None, help=f"output folder (default {out})")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--quiet", action="store_true", help=f"no progress bar and {quiet}")
    _force_option(p, out=True)
    _threads_option(p)


def _threads_option(p: argparse.ArgumentParser, workers: bool = False,
                    serial: bool = False) -> None:
    if workers:
        text = ("threads of each worker process (default 1: the workers share the cores); "
                "in this process with " + ("--serial or " if serial else "")
                + "one worker (default: every core)")
    else:
        text = "threads of the household kernels (default: every core)"
    p.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                   help=text + "; the results are the same for any number")


def _set_threads(args: argparse.Namespace, in_process: bool) -> None:
    """The kernels' threads: ``--threads`` (default every core) for runs in this process;
    ``--threads`` (default 1) for each worker process otherwise."""
    from povsim.base import threads

    if in_process:
        threads.set_threads(args.threads)
    else:
        threads.set_worker_threads(args.threads)


def _force_option(p: argparse.ArgumentParser, out: bool = False) -> None:
    p.add_argument("--force", action="store_true",
                   help="run even where the up-front estimate of memory or time is over the "
                        "limit (this machine's memory, 24 hours)"
                        + (", or where --out holds another scenario's results (they are "
                           "replaced)" if out else ""))


def _before_runs(args: argparse.Namespace, sc, runs: int, paired: bool = False) -> None:
    """Before any work: refuse runs whose estimated memory or time is over the limit, and
    warn of a scale or replicate count that makes the outputs mean little."""
    from povsim.engine.budget import check, estimate
    from povsim.experiments.runner import size_warnings

    draws = args.draws if getattr(args, "posterior", None) else 1
    _warn(sc._warnings)  # values a real place could have, but few do (povsim.schema.plausible)
    check(estimate(sc, args.scale, runs * draws), force=args.force)
    _warn(size_warnings(sc, args.scale, args.replicates, paired=paired))


DESCRIPTION = ("Simulate party-building-led poverty alleviation in five county cases, compare "
               "pairing strategies and fit the model to the reported figures.")
EXAMPLES = """examples:
  povsim run xixiu --replicates 8                 a case, its summary, tables and plots
  povsim targets sanba                            a case against its reported figures
  povsim compare xixiu --vary cadre_pairing=random,optimal --scale 10
  povsim attribute zhenbao --replicates 10        what each intervention channel adds
  povsim calibrate all --workers 2                fit the five cases jointly
  povsim sweep scenarios/sweeps/xixiu_pairing.yaml --workers 2
  povsim summarize results/xixiu_pairing

each command's --help lists its options."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``povsim``."""
    p = argparse.ArgumentParser(prog="povsim", description=DESCRIPTION, epilog=EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a scenario for several replicates and write results")
    r.add_argument("scenario", help="a bundled case (yushu, xixiu, jiangkou, sanba, zhenbao) or "
                                    "a scenario YAML file, e.g. scenarios/xixiu.yaml")
    _run_options(r, replicates=8, out="results/<scenario name>", quiet="no summary")
    r.add_argument("--households", type=_positive_int, default=None, metavar="N",
                   help="simulate N households in all (population.total_households), e.g. a "
                        "province: 10000000; the villages, cadres and partners as the scenario "
                        "says")
    r.add_argument("--no-counterfactual", action="store_true",
                   help="skip the paired no-programme runs (by default every run also runs "
                        "with the programme off, on the same seeds, so the summary shows the "
                        "programme's own effect; half the time without)")
    _posterior_options(r)
    r.set_defaults(func=cmd_run)
    a = sub.add_parser("audit", help="check the reported figures against each other",
                       description="Cross-check the reported figures of the registry "
                                   "(calibration/targets.yaml): sums, shares and totals that "
                                   "the reports state twice; each finding consistent, "
                                   "inconsistent or suspect, with the figures it reads.")
    a.add_argument("--strict", action="store_true",
                   help="exit 1 if any finding is inconsistent or suspect")
    a.add_argument("--format", choices=("text", "md", "csv"), default="text",
                   help="output format (default text)")
    a.set_defaults(func=cmd_audit)
    t = sub.add_parser("targets", help="run a case and compare it with its reported figures")
    t.add_argument("case", help="case name (yushu, xixiu, jiangkou, sanba, zhenbao) or a "
                                "scenario YAML file")
    t.add_argument("--replicates", type=_positive_int, default=8,
                   help="number of replicates (default 8)")
    t.add_argument("--seed", type=_nonneg_int, default=1, help="run seed (default 1)")
    t.add_argument("--scale", type=_scale, default=1.0,
                   help="one simulated household stands for K real ones (default 1)")
    t.add_argument("--format", choices=("text", "md", "csv"), default="text",
                   help="output format (default text)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    _force_option(t)
    _threads_option(t)
    t.set_defaults(func=cmd_targets)
    c = sub.add_parser("compare", help="compare policy variants with a baseline on common "
                                       "random numbers (paired differences, 90%% intervals)")
    c.add_argument("scenario", help="the baseline: a bundled case (yushu, xixiu, jiangkou, "
                                    "sanba, zhenbao) or a scenario YAML file, e.g. "
                                    "scenarios/xixiu.yaml")
    c.add_argument("--vary", action="append", default=[], metavar="LEVER=V1,V2",
                   help="a policy lever (" + ", ".join(POLICY_LEVERS) + ") or a parameter "
                        "by dotted path, with the values to compare; repeat for a grid of "
                        "several levers")
    c.add_argument("--against", action="append", default=[], metavar="ALT.yaml",
                   help="an alternative scenario file to compare with the baseline (repeatable)")
    _run_options(c, replicates=20, out="results/<scenario name>-compare", quiet="no table",
                 what="paired replicates per variant")
    _paired_options(c)
    c.set_defaults(func=cmd_compare)
    at = sub.add_parser("attribute", help="what each intervention channel adds: the scenario "
                                          "with each channel off in turn, on common random "
                                          "numbers (paired differences, 90%% intervals)")
    at.add_argument("scenario", help="a bundled case or a scenario YAML file")
    _run_options(at, replicates=10, out="results/<scenario name>-attribution", quiet="no table",
                 what="paired replicates per variant")
    _paired_options(at)
    at.set_defaults(func=cmd_attribute)
    c = sub.add_parser("calibrate", help="fit a case (or all five jointly) to its "
                                         "calibration figures (history matching and a neural "
                                         "posterior, or pyabc ABC-SMC); resumable")
    c.add_argument("case", help="a bundled case, a scenario YAML file, or 'all' (the five "
                                "cases in one joint fit: shared parameters once for all)")
    c.add_argument("--leave-out", default=None, metavar="CASE",
                   help="with 'all': fit the other cases and predict this one's figures "
                        "(leave-one-case-out validation of the shared parameters)")
    c.add_argument("--priors", default=None, metavar="FILE",
                   help="priors file (default: the bundled calibration/priors.yaml)")
    c.add_argument("--targets", default=None, metavar="FILE",
                   help="figure registry (default: the bundled calibration/targets.yaml)")
    c.add_argument("--method", choices=("staged", "abc"), default="staged",
                   help="staged (default): screening by emulators, history matching in "
                        "waves, a neural posterior (sbi) inside the region left; abc: pyabc's "
                        "ABC-SMC over the --fit-top parameters a Morris screening ranks first")
    c.add_argument("--screening-runs", type=_positive_int, default=None, metavar="N",
                   help="staged: runs per case over every parameter (default 512)")
    c.add_argument("--waves", type=_positive_int, default=None,
                   help="staged: history-matching waves, the screening's runs the first "
                        "(default 3)")
    c.add_argument("--wave-runs", type=_positive_int, default=None, metavar="N",
                   help="staged: runs per later wave (default 256)")
    c.add_argument("--training-runs", type=_positive_int, default=None, metavar="N",
                   help="staged: runs from the region left that train the neural posterior "
                        "(default 2048)")
    c.add_argument("--population", type=_positive_int, default=None,
                   help="abc: particles per generation (default 100; 200 for 'all')")
    c.add_argument("--generations", type=_positive_int, default=None,
                   help="abc: ABC-SMC generations (default 6)")
    c.add_argument("--scale", type=_scale, default=None,
                   help="one simulated household per K real ones, every case (default per "
                        "case: "
                        + ", ".join(f"{k} {v:g}" for k, v in CALIBRATION_SCALE.items()) + ")")
    chow = c.add_mutually_exclusive_group()
    chow.add_argument("--workers", type=_positive_int, default=1,
                      help="processes on this machine (default 1)")
    chow.add_argument("--scheduler", default=None, metavar="ADDRESS",
                      help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    _threads_option(c, workers=True)
    c.add_argument("--fit-top", type=int, default=None, metavar="K",
                   help="abc: fit the K parameters a Morris screening finds most influential; the "
                        "others are drawn from their priors in every run (default 4; 10 for "
                        "'all', each case's own most influential first; 0: all)")
    c.add_argument("--seed", type=int, default=1, help="calibration seed (default 1)")
    c.add_argument("--draws", type=_positive_int, default=40,
                   help="posterior-predictive draws of the fit report (default 40)")
    c.add_argument("--out", default=None,
                   help="folder (default results/<case>-calibration, results/all-calibration"
                        " or results/all-but-<case>-calibration); rerun the same command to "
                        "resume")
    c.add_argument("--force", action="store_true",
                   help="write into an --out that holds another command's outputs (a run, a "
                        "comparison, a sweep store)")
    c.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    c.add_argument("--quiet", action="store_true", help="no progress and no report")
    c.set_defaults(func=cmd_calibrate)
    w = sub.add_parser("sweep", help="run a sweep file (design points x replicates) on Dask "
                                     "into a resumable store")
    w.add_argument("sweep", help="sweep YAML file, e.g. scenarios/sweeps/xixiu_pairing.yaml")
    w.add_argument("--out", default=None, help="store folder (default results/<sweep name>); "
                                               "run the same command again to resume")
    how = w.add_mutually_exclusive_group()
    how.add_argument("--workers", type=_positive_int, default=None,
                     help="worker processes of the local Dask cluster (default: CPU count)")
    how.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    how.add_argument("--serial", action="store_true", help="run in this process, without Dask")
    w.add_argument("--scale", type=_scale, default=None,
                   help="override the file's scale (one simulated household per K real ones)")
    w.add_argument("--samples", type=_positive_int, default=None, metavar="N",
                   help="override the sweep file's design.samples (lhs points, sobol base N, "
                        "morris trajectories), e.g. a quick look at a large design")
    w.add_argument("--replicates", type=_positive_int, default=None,
                   help="override the file's replicates per design point")
    w.add_argument("--chunk-size", type=_positive_int, default=None,
                   help="runs per Dask task (default: about a second of work, from a pilot run)")
    w.add_argument("--overwrite", action="store_true",
                   help="start afresh in a store that holds another sweep (its runs are deleted)")
    w.add_argument("--quiet", action="store_true", help="no progress bar and no summary line")
    _force_option(w)
    _threads_option(w, workers=True, serial=True)
    w.set_defaults(func=cmd_sweep)
    m = sub.add_parser("summarize", help="summarise a sweep store: bands per design point, "
                                         "Sobol/Morris indices, plots")
    m.add_argument("store", help="the sweep's --out folder, e.g. results/sweep1")
    m.add_argument("--year", type=int, default=None,
                   help="year of the indices and plots (default: the last simulated year)")
    m.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    m.add_argument("--quiet", action="store_true", help="write the files, print nothing")
    m.set_defaults(func=cmd_summarize)
    r = sub.add_parser("report", help="one self-contained HTML page of an output folder "
                                      "(plots, tables, reported figures, manifest)")
    r.add_argument("folder", help="the --out folder of run, compare, attribute, sweep (after "
                                  "summarize) or calibrate, e.g. results/xixiu")
    r.add_argument("--out", default=None, metavar="FILE",
                   help="the page (default: FOLDER/report.html)")
    r.add_argument("--screenshot", default=None, metavar="PNG",
                   help="also save the top of the page as a PNG image (headless chromium, "
                        "which must be installed: apt-get install chromium)")
    r.add_argument("--size", default="1200x1400", metavar="WxH",
                   help="the screenshot's width and height in pixels (default 1200x1400)")
    r.set_defaults(func=cmd_report)
    for cmd in sub.choices.values():
        cmd.add_argument("--debug", action="store_true",
                         help="on an error, show Python's traceback as well")
    return p


def _warn(lines: list[str]) -> None:
    """Print each warning on stderr, one line each."""
    for line in lines:
        print(f"povsim: warning: {line}", file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario, print its summary and write its files."""
    from povsim.schema.config import format_source_counts, load_scenario

    sc = load_scenario(args.scenario)  # bad input answers before the model's modules load
    _posterior_first(args)
    from povsim.experiments.runner import outcome_warnings, run_scenario
    from povsim.reporting.plots import band_note

    if args.households is not None:
        sc = sc.with_params({"population.total_households": args.households})
    out = Path(args.out or Path("results") / sc.name)
    _check_folder(out, sc, args.force, kind="run")
    counterfactual = not args.no_counterfactual and sc.policy.programme
    _before_runs(args, sc, args.replicates * (2 if counterfactual else 1))
    _set_threads(args, in_process=True)
    res = run_scenario(sc, seed=args.seed, replicates=args.replicates, scale=args.scale,
                       progress=not args.quiet, draws=_draws(args, sc),
                       counterfactual=counterfactual)
    written = res.write(out, plots=not args.no_plots)
    _warn(outcome_warnings(res))
    if not args.quiet:
        info = res.run_info
        draws = (f"{info['posterior_draws']} posterior draws x " if info["posterior_draws"]
                 else "")
        print(f"\n{sc.title}: {draws}{args.replicates} replicate(s)"
              + (" with and without the programme" if counterfactual else "")
              + f", seed {args.seed}, scale 1:{args.scale:g}, {info['wall_seconds']:.1f} s, "
              f"peak memory {info['peak_rss_bytes'] / 2**20:,.0f} MiB")
        print(res.format_summary())
        print(format_source_counts(info["parameters"]))
        print(f"bands: {band_note(res)}" + (
            f"\nparameters: {info['posterior_draws']} draws of the posterior of "
            f"{_posterior_name(args.posterior)}" if draws else
            "\nparameters: the scenario's values (a bundled case: the posterior medians of "
            "its fitted parameters); --posterior runs over the joint posterior's draws"))
        print(f"\nwrote {len(written)} files to {out}/ (tables as .parquet and .csv, "
              "manifest.json, plots as .png)")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Print every finding of the consistency audit of calibration/targets.yaml."""
    from povsim.calibration.audit import FLAGGED, format_findings, run_audit
    from povsim.schema.config import inputs_by_source

    findings = run_audit()
    print(format_findings(findings, fmt=args.format), end="")
    if args.format != "csv":
        print("\nThe bundled cases' parameters by source (`assumed`: no statistic found, each "
              "with its reason in the scenario file):\n")
        table = inputs_by_source()
        print(f"```\n{table}\n```" if args.format == "md" else table)
    return 1 if args.strict and any(f.severity in FLAGGED for f in findings) else 0


def cmd_targets(args: argparse.Namespace) -> int:
    """Run a case and print each calibration/validation figure beside the simulated band."""
    from povsim.schema.config import load_scenario

    sc = load_scenario(args.case)
    from povsim.calibration.targets import format_targets, targets_table
    from povsim.experiments.runner import run_scenario

    _before_runs(args, sc, args.replicates)
    _set_threads(args, in_process=True)
    res = run_scenario(sc, seed=args.seed, replicates=args.replicates, scale=args.scale,
                       progress=not args.quiet)
    table = targets_table(res)
    if args.format == "text":
        inside = int(table["inside_band"].sum())
        fit = int((table["std_error"].abs() <= 1.0).sum())
        print(f"{sc.title}: {args.replicates} replicate(s), seed {args.seed}, scale "
              f"1:{args.scale:g}; the reported value inside the simulated 10-90% band for "
              f"{inside} of {len(table)} figures, |standardised error| <= 1 for {fit}")
    print(format_targets(table, args.format))
    return 0


def _posterior_first(args: argparse.Namespace) -> None:
    """A wrong ``--posterior`` folder answers before the model's modules load."""
    if getattr(args, "posterior", None):
        from povsim.base.folders import posterior_file

        posterior_file(args.posterior)


def _posterior_name(posterior: str) -> str:
    """How a summary names the posterior it ran over."""
    from povsim.base.folders import BUNDLED, bundled_posterior

    return (f"the bundled joint fit ({bundled_posterior().relative_to(Path.cwd())})"
            if posterior == BUNDLED and bundled_posterior().is_relative_to(Path.cwd())
            else "the bundled joint fit" if posterior == BUNDLED else posterior)


def _posterior_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--posterior", default=None, metavar="DIR", nargs="?", const="bundled",
                   help="run every variant under --draws posterior draws, so the intervals "
                        "include parameter uncertainty: alone, the joint fit the bundled "
                        "scenarios carry (calibration/posteriors/all); or a povsim calibrate "
                        "output folder")
    p.add_argument("--draws", type=_positive_int, default=10,
                   help="posterior draws with --posterior (default 10), each x --replicates")


def _paired_options(p: argparse.ArgumentParser) -> None:
    """Options of the paired commands (compare, attribute): the interval level and the
    posterior draws."""
    p.add_argument("--level", type=_level, default=0.9,
                   help="confidence level of the paired intervals (default 0.9)")
    _posterior_options(p)


def _draws(args: argparse.Namespace, sc) -> list[dict] | None:
    if not args.posterior:
        return None
    from povsim.calibration.posterior import posterior_draws

    return posterior_draws(args.posterior, args.draws, args.seed, case=sc.case, scenario=sc)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run the baseline and its variants on common random numbers; print and write the table."""
    from povsim.schema.config import load_scenario
    from povsim.schema.variants import parse_vary, variants_from_files, variants_from_levers

    sc = load_scenario(args.scenario)
    _posterior_first(args)
    vary: dict[str, list] = {}
    for text in args.vary:
        lever, values = parse_vary(text)
        if lever in vary:
            raise ScenarioError(f"--vary {lever}: given twice; list all its values once")
        vary[lever] = values
    variants = (variants_from_levers(sc, vary) if vary else []) + variants_from_files(
        args.against)
    if not variants:
        raise ScenarioError("nothing to compare: give --vary LEVER=V1,V2 (e.g. "
                            "cadre_pairing=random,optimal) or --against ALT.yaml")
    from povsim.experiments.comparison import compare

    out = Path(args.out or Path("results") / f"{sc.name}-compare")
    _check_folder(out, sc, args.force, kind="comparison")
    _before_runs(args, sc, (len(variants) + 1) * args.replicates, paired=True)
    _set_threads(args, in_process=True)
    cmp = compare(sc, variants, replicates=args.replicates, seed=args.seed, scale=args.scale,
                  level=args.level, progress=not args.quiet, draws=_draws(args, sc))
    written = cmp.write(out, plots=not args.no_plots)
    if not args.quiet:
        print(cmp.format())
        print(f"\n{cmp.run_info['runs']} runs in {cmp.run_info['wall_seconds']:.1f} s; wrote "
              f"{len(written)} files to {out}/ (tables as .parquet and .csv, manifest.json"
              f"{', plots as .png' if not args.no_plots else ''})")
    return 0


def cmd_attribute(args: argparse.Namespace) -> int:
    """Attribute a scenario's outcomes to its channels; print and write the table."""
    from povsim.schema.config import load_scenario

    sc = load_scenario(args.scenario)
    _posterior_first(args)
    from povsim.experiments.attribution import CHANNELS, attribute

    out = Path(args.out or Path("results") / f"{sc.name}-attribution")
    _check_folder(out, sc, args.force, kind="attribution")
    # every channel off in turn, the programme off, all off, and the register on true income
    _before_runs(args, sc, (len(CHANNELS) + 3) * args.replicates, paired=True)
    _set_threads(args, in_process=True)
    att = attribute(sc, replicates=args.replicates, seed=args.seed, scale=args.scale,
                    level=args.level, progress=not args.quiet, draws=_draws(args, sc))
    written = att.write(out, plots=not args.no_plots)
    if not args.quiet:
        print(att.format())
        print(f"\nwrote {len(written)} files to {out}/ (attribution and runs as .parquet and "
              f".csv, manifest.json{', attribution.png' if not args.no_plots else ''})")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit one case, or the five jointly, and write the posterior, calibrated scenarios and
    report."""
    import time

    from povsim.scenarios import CASES
    from povsim.schema.config import load_scenario

    start = time.perf_counter()
    if args.case.lower() == "all":  # names in any letter case
        args.case = "all"
    if args.leave_out is not None and args.leave_out.lower() in CASES:
        args.leave_out = args.leave_out.lower()
    if args.case != "all":  # bad input answers before pyabc and the model's modules load
        if args.leave_out is not None:
            raise ScenarioError("--leave-out: only with 'all' (a joint fit of the five cases)")
        load_scenario(args.case)
    from povsim.calibration.posterior import calibrate, calibrate_joint, format_report
    from povsim.calibration.priors import PRIORS_YAML
    from povsim.calibration.registry import load_registry

    if args.scheduler:
        from povsim.experiments.sweeps import check_address

        check_address(args.scheduler)  # before anything is written
    registry = load_registry(args.targets) if args.targets else None
    _set_threads(args, in_process=args.workers == 1 and not args.scheduler)
    if args.method == "staged":
        return _calibrate_staged(args, registry, start)
    common = dict(generations=args.generations or 6, seed=args.seed, workers=args.workers,
                  scheduler=args.scheduler, priors=args.priors or PRIORS_YAML,
                  registry=registry, progress=not args.quiet)
    # the function's defaults where the option is not given
    common.update({k: v for k, v in (("population", args.population),
                                     ("fit_top", args.fit_top)) if v is not None})
    if args.case == "all":
        name = "all" if args.leave_out is None else f"all-but-{args.leave_out}"
        out = Path(args.out or Path("results") / f"{name}-calibration")
        _check_folder(out, force=args.force, kind="calibration")
        scales = {c: args.scale for c in CASES} if args.scale else None
        post = calibrate_joint([load_scenario(c) for c in CASES], out=out, scales=scales,
                               leave_out=args.leave_out, **common)
    else:
        sc = load_scenario(args.case)
        out = Path(args.out or Path("results") / f"{sc.name}-calibration")
        _check_folder(out, force=args.force, kind="calibration")
        post = calibrate(sc, out=out, scale=args.scale or CALIBRATION_SCALE.get(sc.case, 1.0),
                         **common)
    post.write(out, draws=args.draws, plots=not args.no_plots)
    record_wall_time(out, time.perf_counter() - start, args.workers, args.scheduler)
    if not args.quiet:
        print(format_report(post, out))
    return 0


def _calibrate_staged(args: argparse.Namespace, registry, start: float) -> int:
    """``povsim calibrate --method staged`` (the default): screening, history matching and a
    neural posterior (:mod:`povsim.calibration.staged`)."""
    import time

    from povsim.calibration.joint import JointProblem
    from povsim.calibration.neural import require_sbi
    from povsim.calibration.posterior import format_report
    from povsim.calibration.priors import PRIORS_YAML
    from povsim.calibration.staged import Stages, fit_staged
    from povsim.scenarios import CASES
    from povsim.schema.config import load_scenario

    abc_only = [o for o, v in (("--population", args.population),
                               ("--generations", args.generations),
                               ("--fit-top", args.fit_top)) if v is not None]
    if abc_only:
        raise ScenarioError(f"{', '.join(abc_only)}: only with --method abc (the staged method "
                            "takes --screening-runs, --waves, --wave-runs, --training-runs)")
    require_sbi()
    given = {k: getattr(args, k) for k in ("screening_runs", "waves", "wave_runs",
                                            "training_runs") if getattr(args, k) is not None}
    stages = Stages(**given)
    priors = args.priors or PRIORS_YAML
    if args.case == "all":
        name = "all" if args.leave_out is None else f"all-but-{args.leave_out}"
        out = Path(args.out or Path("results") / f"{name}-calibration")
        scales = {c: args.scale for c in CASES} if args.scale else None
        pb = JointProblem.of([load_scenario(c) for c in CASES], scales=scales, seed=args.seed,
                             priors=priors, registry=registry, leave_out=args.leave_out)
    else:
        from povsim.calibration.fit import Problem

        sc = load_scenario(args.case)
        out = Path(args.out or Path("results") / f"{sc.name}-calibration")
        pb = Problem.of(sc, scale=args.scale or CALIBRATION_SCALE.get(sc.case, 1.0),
                        seed=args.seed, priors=priors, registry=registry)
    _check_folder(out, force=args.force, kind="calibration")
    fit = fit_staged(pb, out, stages, workers=args.workers, scheduler=args.scheduler,
                     progress=not args.quiet)
    fit.write(out, draws=args.draws, plots=not args.no_plots)
    record_wall_time(out, time.perf_counter() - start, args.workers, args.scheduler)
    if not args.quiet:
        print(format_report(fit.posterior, out))
    return 0


def record_wall_time(out: Path, seconds: float, workers: int, scheduler: str | None) -> None:
    """Append this command's wall time to ``OUT/timing.json`` (one entry per invocation: a
    resumed fit adds its own)."""
    import json
    import os

    from povsim.base.outputs import atomic_write

    f = out / "timing.json"
    runs = json.loads(f.read_text(encoding="utf-8")) if f.exists() else []
    runs.append({"wall_seconds": round(seconds, 1), "workers": workers,
                 "scheduler": scheduler, "cpus": os.cpu_count()})
    atomic_write(f, lambda p: Path(p).write_text(json.dumps(runs, indent=1), encoding="utf-8"))


def _held(out: Path) -> tuple[str | None, dict]:
    """What an existing output folder holds, ``run``, ``comparison``, ``attribution``,
    ``sweep`` or ``calibration`` (by its manifest or calibration.json), else None; and its
    manifest ({} where none is readable)."""
    if (out / "calibration.json").is_file():
        return "calibration", {}
    manifest = out / "manifest.json"
    if not manifest.is_file():
        return None, {}
    from povsim.base.inputs import read_json

    try:
        man = read_json(manifest)
    except ScenarioError:
        return None, {}
    if not isinstance(man, dict):
        return None, {}
    return ("sweep" if "sweep" in man else man.get("kind") or "run"), man


def _check_folder(out: Path, sc=None, force: bool = False, kind: str | None = None) -> None:
    """Before any work: refuse an --out that exists and is not a folder; a folder holding
    another command's outputs (a sweep store, a calibration, a comparison: ``kind`` is what
    this command writes) or another scenario file's run (its ``manifest.json``) unless
    ``force`` (bad input, one line); and a folder that cannot be created or written (a
    failure, one line). A second command never silently replaces another's outputs, and a typo
    in --out costs no run."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    held, man = _held(out) if out.is_dir() else (None, {})
    if kind is not None and held is not None and held != kind and not force:
        raise ScenarioError(f"--out {out}: holds the outputs of povsim's {held}, not of a "
                            f"{kind}; give another --out, or --force to write over them")
    if sc is not None and not force and held == "run":
        scenario = man.get("scenario")
        theirs = scenario.get("file") if isinstance(scenario, dict) else None
        mine = str(Path(sc._path).resolve()) if sc._path else None
        if isinstance(theirs, str) and mine and str(Path(theirs).resolve()) != mine:
            raise ScenarioError(f"--out {out}: holds the results of another scenario "
                                f"({theirs}); give another --out, or --force to replace them")
    if kind is not None:
        _writable(out)


def _writable(out: Path) -> None:
    """Whether the run could write ``out``, without leaving anything behind: a file created and
    removed in it where it exists, else the nearest existing folder above it writable. A folder
    that cannot be written is a failure (exit status 1, :func:`failure_line`), found before the
    work, not after it."""
    import errno
    import os
    import tempfile

    if out.is_dir():
        with tempfile.NamedTemporaryFile(dir=out, prefix=".povsim-check-"):
            return
    above = next((p for p in out.absolute().parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(above))
    if above is not None and not os.access(above, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "Permission denied", str(above))


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the missing runs of a sweep into its store and print what was done."""
    from povsim.experiments.sweepfile import load_sweep

    sweep = load_sweep(args.sweep)
    from povsim.experiments.sweeps import run_sweep

    if args.samples is not None:
        sweep = sweep.with_design(samples=args.samples)
    out = Path(args.out or Path("results") / sweep.spec.name)
    _check_folder(out, force=args.force or args.overwrite, kind="sweep")
    from povsim.engine.budget import check, estimate

    runs = sweep.spec.points * (args.replicates or sweep.spec.replicates)
    workers = 1 if args.serial else (args.workers or os.cpu_count() or 1)
    check(estimate(sweep.scenario, args.scale or sweep.spec.scale, runs, workers=workers),
          force=args.force)
    _set_threads(args, in_process=args.serial)
    res = run_sweep(sweep, out, workers=args.workers, scheduler=args.scheduler,
                    serial=args.serial, scale=args.scale, replicates=args.replicates,
                    chunk_size=args.chunk_size, overwrite=args.overwrite,
                    progress=not args.quiet)
    if res["rerun_chunks"]:
        _warn([f"{out}: {len(res['rerun_chunks'])} chunk(s) were not whole (killed or "
               f"corrupted: {', '.join(map(str, res['rerun_chunks'][:5]))}"
               f"{'...' if len(res['rerun_chunks']) > 5 else ''}) and were run again"])
    if not args.quiet:
        how = ("serially" if args.serial else f"on {res['workers']} Dask worker(s)")
        rate = (f", {res['runs_per_second']:.2f} runs/s" if res["ran"] else "")
        print(f"{sweep.spec.name}: ran {res['ran']} of {res['runs']} runs {how} in "
              f"{res['wall_seconds']:.1f} s{rate} ({res['skipped']} already in {out}/, "
              f"{res['chunk_size']} runs per task); next: povsim summarize {out}")
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    """Summarise a sweep store, write summary/ and print the main table."""
    from povsim.base.folders import sweep_store

    sweep_store(args.store)  # a wrong folder answers before pandas and Dask load
    from povsim.experiments.sweep_summary import summarize

    s = summarize(args.store, year=args.year, plots=not args.no_plots)
    if not args.quiet:
        print(s.format())
        print(f"\nwrote {Path(args.store) / 'summary'}/ (points"
              f"{', indices' if not s.indices.empty else ''} as .parquet and .csv"
              f"{', plots as .png' if not args.no_plots else ''})")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML report of an output folder and print its path."""
    from povsim.base.folders import output_folder, page_file

    output_folder(args.folder)  # a wrong folder answers before pandas loads
    page_file(args.out or Path(args.folder) / "report.html", "--out")
    if args.screenshot:
        page_file(args.screenshot, "--screenshot")
    from povsim.report import screenshot, write_report

    page = write_report(args.folder, args.out)
    print(page)
    if args.screenshot:
        print(screenshot(page, args.screenshot, args.size))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``povsim`` console script; returns the exit status.

    Called as the command (``argv`` None: the process's own arguments), an interrupt that
    comes after the command has finished, while the interpreter shuts down its libraries'
    threads (joblib's, torch's), also ends with status 130 and one line
    (:func:`guard_shutdown`), not with status 0 and a traceback.
    """
    status = _main(argv)
    if argv is None:
        guard_shutdown(status)
    return status


def guard_shutdown(status: int) -> None:
    """From now on, an interrupt ends the process at once with status 130 and one line saying
    the command had finished with ``status`` (its files are complete): what the command wrote
    was written before it returned, and no library's exit hook can swallow the interrupt.

    Example (in a process of its own: it replaces the interrupt's handler)::

        guard_shutdown(0)  # then Ctrl-C: "povsim: interrupted after the command finished
                           # (status 0); its files are complete", exit status 130
    """
    import signal

    def stop(signum, frame) -> None:  # pragma: no cover - runs in the shutting-down process
        try:
            sys.stdout.flush()
            print(f"povsim: interrupted after the command finished (status {status}); its "
                  "files are complete", file=sys.stderr, flush=True)
        finally:
            os._exit(130)

    signal.signal(signal.SIGINT, stop)


def _main(argv: list[str] | None) -> int:
    """:func:`main`'s work: parse, run the command, turn its errors into one line."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # an unknown option of a command: that command's usage, not povsim's
        _subparser(parser, args.command).error(f"unrecognized arguments: {' '.join(extra)}")
    from povsim.base import allocator

    allocator.keep_freed_arrays()  # once per process, at its start
    # povsim draws every figure with matplotlib's file backend (Agg, povsim.reporting.plots): a
    # display
    # backend named in the environment, or a name matplotlib does not know, which stopped a
    # run at its first plot after all its work, plays no part in a command
    os.environ.pop("MPLBACKEND", None)
    from povsim.base import interrupts

    previous = interrupts.install()
    try:
        check_environment(os.environ)
        status = _with_a_sound_kernel_cache(args)
        interrupts.check()  # an interrupt a library swallowed still ends the command with 130
        return status
    except ScenarioError as exc:  # bad input: exit status 2
        if args.debug:
            raise
        print(f"povsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("povsim: interrupted; files already written are complete", file=sys.stderr)
        return 130
    except Exception as exc:  # a failure (I/O, or a bug): one line, exit status 1
        if interrupts.requested():  # the interrupt surfaced as another error
            print("povsim: interrupted; files already written are complete", file=sys.stderr)
            return 130
        if args.debug:
            raise
        print(f"povsim: error: {failure_line(exc)}", file=sys.stderr)
        return 1
    finally:
        interrupts.restore(previous)


def _with_a_sound_kernel_cache(args) -> int:
    """Run the command; if it stops on a corrupt or stale compiled-kernel cache, delete the
    cache of povsim's kernels, say so in one line, and run it once more (compiling afresh)."""
    from povsim.base import kernel_cache

    try:
        return args.func(args)
    except Exception as exc:
        if not kernel_cache.from_cache(exc):
            raise
        removed = kernel_cache.clear()
        print(f"povsim: notice: the compiled-kernel cache could not be read "
              f"({type(exc).__name__}); deleted its {len(removed)} file(s) and compiling "
              "afresh (this run takes a minute longer)", file=sys.stderr)
        return args.func(args)


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The parser of one command of ``povsim``."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[command]


#: the errors of a file or folder that cannot be written
_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR,
                 errno.ENOSPC, errno.EDQUOT, errno.EEXIST}


#: environment variables povsim's libraries read as a number of threads (numba's kernels,
#: OpenMP, the BLAS libraries under numpy and torch)
THREAD_VARIABLES = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "OPENBLAS_NUM_THREADS")
#: the threading layers numba accepts in NUMBA_THREADING_LAYER (its documentation's list)
THREADING_LAYERS = ("default", "safe", "forksafe", "threadsafe", "tbb", "omp", "workqueue")


def check_environment(env) -> None:
    """Refuse, in one line, a thread-count environment variable that is set but not a whole
    number of at least 1 (before numba or the BLAS libraries read it and fail with a traceback
    or a warning half-way through a run).

    Example:
        >>> check_environment({"NUMBA_NUM_THREADS": "2", "HOME": "/root"})
        >>> try:
        ...     check_environment({"NUMBA_NUM_THREADS": "0"})
        ... except ScenarioError as err:
        ...     print(str(err)[:50])
        environment variable NUMBA_NUM_THREADS='0': must b
    """
    for name in THREAD_VARIABLES:
        value = env.get(name)
        if value is not None and not (value.strip().isdigit() and int(value) >= 1):
            raise ScenarioError(f"environment variable {name}={value[:40]!r}: must be a whole "
                                "number of threads, 1 or more (or unset)")
    layer = env.get("NUMBA_THREADING_LAYER")
    if layer is not None and layer.strip().lower() not in THREADING_LAYERS:
        raise ScenarioError(f"environment variable NUMBA_THREADING_LAYER={layer[:40]!r}: must "
                            f"be one of {', '.join(THREADING_LAYERS)} (or unset)")


def failure_line(exc: BaseException) -> str:
    """One line for an error that is not bad input: an I/O failure names its path, anything
    else its type and message and the --debug option.

    Example:
        >>> failure_line(PermissionError(13, "Permission denied", "/ro/out"))
        'cannot write to /ro/out: permission denied'
        >>> failure_line(RuntimeError("boom"))
        'RuntimeError: boom (run again with --debug for the traceback)'
    """
    if isinstance(exc, OSError) and exc.filename is not None:
        what = "cannot write to" if exc.errno in _WRITE_ERRNOS else "cannot use"
        return f"{what} {exc.filename}: {(exc.strerror or str(exc)).lower()}"
    text = " ".join(str(exc).split()) or "no message"
    return f"{type(exc).__name__}: {text[:300]} (run again with --debug for the traceback)"


if __name__ == "__main__":
    raise SystemExit(main())
