"""The ``povsim`` commands, one function each (``cmd_run``, ``cmd_compare`` ...): each checks
its output folder and its budget before any work, runs, prints and writes;
:func:`povsim.cli.main` turns their errors into one line.

Example:
    >>> from povsim.arguments import build_parser
    >>> build_parser().parse_args(["audit"]).func is cmd_audit
    True
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from povsim.base.errors import ScenarioError
from povsim.scenarios import CALIBRATION_SCALE

# Heavy modules (pydantic's scenario schema, numba's kernels, pandas, scipy, pyabc, dask,
# matplotlib) are imported inside the commands that use them: `povsim --help` and a mistyped
# option answer at once (tests/test_cli.py measures it).


def _set_threads(args: argparse.Namespace, in_process: bool) -> None:
    """The kernels' threads: ``--threads`` (default every core) for runs in this process;
    ``--threads`` (default 1) for each worker process otherwise."""
    from povsim.base import threads

    if in_process:
        threads.set_threads(args.threads)
    else:
        threads.set_worker_threads(args.threads)


def _before_runs(args: argparse.Namespace, sc, runs: int, paired: bool = False) -> None:
    """Before any work: refuse runs whose estimated memory or time is over the limit, and
    warn of a scale or replicate count that makes the outputs mean little."""
    from povsim.engine.budget import check, estimate
    from povsim.experiments.runner import size_warnings

    draws = args.draws if getattr(args, "posterior", None) else 1
    _warn(sc._warnings)  # values a real place could have, but few do (povsim.schema.plausible)
    check(estimate(sc, args.scale, runs * draws), force=args.force)
    _warn(size_warnings(sc, args.scale, args.replicates, paired=paired))


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
    from povsim.calibration.audit import run_audit
    from povsim.calibration.findings import FLAGGED, format_findings
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
                            "takes --screening-runs, --waves, --wave-runs, --training-runs, "
                            "--rounds)")
    require_sbi()
    given = {k: getattr(args, k) for k in ("screening_runs", "waves", "wave_runs",
                                            "training_runs", "rounds")
             if getattr(args, k) is not None}
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
    fresh = started_fresh(out)
    fit = fit_staged(pb, out, stages, workers=args.workers, scheduler=args.scheduler,
                     progress=not args.quiet)
    fit.write(out, draws=args.draws, plots=not args.no_plots)
    record_wall_time(out, time.perf_counter() - start, args.workers, args.scheduler, fresh)
    if not args.quiet:
        print(format_report(fit.posterior, out))
    return 0


def started_fresh(out: Path) -> bool:
    """Whether a staged fit into ``out`` starts anew: no runs of history matching or training
    kept (``stages/wave-*.npz``, ``stages/training.npz``; screening runs copied in, as
    ``make calibration`` gives each leave-one-case-out fit, do not make it a resumed fit)."""
    stages = out / "stages"
    return not (any(stages.glob("wave-*.npz")) or (stages / "training.npz").exists())


def record_wall_time(out: Path, seconds: float, workers: int, scheduler: str | None,
                     fresh: bool | None = None) -> None:
    """Append this command's wall time to ``OUT/timing.json`` (one entry per invocation: a
    resumed fit adds its own; ``fresh`` marks an invocation that began the fit anew, from which
    on the report counts a fit's time)."""
    import json
    import os

    from povsim.base.outputs import atomic_write

    f = out / "timing.json"
    runs = json.loads(f.read_text(encoding="utf-8")) if f.exists() else []
    runs.append({"wall_seconds": round(seconds, 1), "workers": workers,
                 "scheduler": scheduler, "cpus": os.cpu_count(),
                 **({} if fresh is None else {"fresh": fresh})})
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
    elif args.section:
        raise ScenarioError("--section names the part of the page --screenshot shows; "
                            "give --screenshot PNG with it")
    from povsim.report import only_section, screenshot, write_report

    page = write_report(args.folder, args.out)
    if args.screenshot and args.section:  # a wrong section answers before anything is printed
        only_section(page.read_text(encoding="utf-8"), args.section, str(page))
    print(page)
    if args.screenshot:
        print(screenshot(page, args.screenshot, args.size, args.section))
    return 0
