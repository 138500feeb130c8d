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

The report itself is written by :mod:`povsim.calibration.document`.

Example:
    >>> _targets("xixiu:income.local_wage_month", ["xixiu", "yushu"])[0][0]
    'xixiu'
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import pandas as pd

from povsim.base.inputs import ScenarioError
from povsim.base.outputs import atomic_write
from povsim.calibration.document import calibration_doc, fit_settings, point_check
from povsim.scenarios import CASES, scenario_path

POSTERIORS = Path("calibration/posteriors")


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
    settings = fit_settings(folder)
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
