"""The ``povsim`` command line's options: one parser with a subcommand per command, each
option's type checked as it is read (a count of at least 1, a scale, a level), and the levers
named without loading the schema.

Example:
    >>> build_parser().parse_args(["run", "xixiu", "--replicates", "2"]).replicates
    2
"""

from __future__ import annotations

import argparse
import math

from povsim.base.version import VERSION
from povsim.commands import (
    cmd_attribute,
    cmd_audit,
    cmd_calibrate,
    cmd_compare,
    cmd_report,
    cmd_run,
    cmd_summarize,
    cmd_sweep,
    cmd_targets,
)
from povsim.scenarios import CALIBRATION_SCALE

#: the policy levers of a scenario (``PolicyCfg``'s fields; tests/test_cli.py checks they agree),
#: named here so that ``--help`` answers without loading the schema
POLICY_LEVERS = ("cadre_pairing", "first_secretary_assignment", "village_pairing",
                 "cadre_tenure", "cadre_capacity", "programme_start_year", "programme")


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


def _force_option(p: argparse.ArgumentParser, out: bool = False) -> None:
    p.add_argument("--force", action="store_true",
                   help="run even where the up-front estimate of memory or time is over the "
                        "limit (this machine's memory, 24 hours)"
                        + (", or where --out holds another scenario's results (they are "
                           "replaced)" if out else ""))


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
    c.add_argument("--rounds", type=_positive_int, default=None, metavar="N",
                   help="staged: neural posterior rounds; each after the first adds half as "
                        "many runs from the last posterior's highest-density region (default 2)")
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
    r.add_argument("--section", default=None, metavar="NAME",
                   help="the screenshot shows the top of this section, the rest hidden: its "
                        "heading's first word, e.g. summary, reported, plots, manifest")
    r.set_defaults(func=cmd_report)
    for cmd in sub.choices.values():
        cmd.add_argument("--debug", action="store_true",
                         help="on an error, show Python's traceback as well")
    return p


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


def subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The parser of one command of ``povsim``."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[command]
