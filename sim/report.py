"""One self-contained HTML page of an output folder: ``povsim report DIR``.

The page reads offline: the plots are embedded as PNG images (``data:`` URLs), the styles are
inline, nothing is fetched. It shows, for the folder of ``povsim run``, ``compare``,
``attribute``, ``sweep`` (after ``summarize``) or ``calibrate``:

- what the folder holds and what its bands or intervals include;
- whether the scenario's parameters are calibrated (counts by kind of source);
- the main tables (a run's summary and its case's reported figures beside the simulated
  band; a comparison's headline differences; an attribution's effects; a sweep's point bands
  and indices; a calibration's fit report and posterior);
- every plot of the folder;
- the manifest (provenance: versions, seeds, files and hashes).

Example:
    >>> import tempfile
    >>> from povsim.schema.config import load_scenario
    >>> from povsim.experiments.runner import run_scenario
    >>> out = tempfile.mkdtemp()
    >>> _ = run_scenario(load_scenario("xixiu"), replicates=2, scale=200,
    ...                  progress=False).write(out, plots=False)
    >>> page = write_report(out)
    >>> page.name, "reported" in page.read_text(encoding="utf-8")
    ('report.html', True)
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from povsim.base.folders import output_folder
from povsim.base.inputs import ScenarioError, read_json, regular_file
from povsim.base.outputs import atomic_write
from povsim.reporting.results import EFFECT_NOTE, Results, band_cell

#: rows shown of a long table (the CSV beside the page has them all)
MAX_ROWS = 60

KINDS = ("run", "comparison", "attribution", "sweep", "calibration")


@dataclass
class Section:
    """One part of the page: a heading, paragraphs, tables (title, frame) and images. A table's
    cells are text, escaped on the page, except those of the columns named in ``markup``
    (already HTML: a figure's name with its id as a tooltip)."""

    title: str
    text: list[str] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)
    markup: tuple[str, ...] = ()


#: what each column of a run's summary means, in one sentence (shown under the table)
SUMMARY_COLUMNS = {
    "outcome": "what is measured, with its unit; money in yuan, as the reports give it",
    "baseline": "the identification year, before the programme: median over the runs with "
                "the 10% and 90% quantiles in brackets",
    "end": "the last simulated year, median [10%, 90%] over the runs",
    "without": "the last year of the same runs (the same households, shocks and seeds) with "
               "the programme off, median [10%, 90%]",
    "effect": "with the programme minus without it, run by run: the mean and its 90% t "
              "interval; an interval that excludes 0 is an effect the runs can tell from seed "
              "noise",
}
#: what each column of the reported-figures table means, in one sentence
FIGURE_COLUMNS = {
    "figure": "the reported quantity (point at it for its id in calibration/targets.yaml)",
    "role": "calibration: fitted by povsim calibrate; validation: never fitted, a test of "
            "the model out of sample",
    "when": "the year (and month) the figure is for",
    "reported": "the value the case report gives; >= or <= where it is a bound",
    "unit": "the unit of the reported value and of the simulated band beside it",
    "simulated median [p10, p90]": "the median over the runs with the 10% and 90% "
                                   "quantiles",
    "inside 10-90%": "whether the reported value lies inside the simulated band (for a bound: "
                     "whether some runs satisfy it)",
    "standardised error": "the simulated median's distance from the reported value over the "
                          "figure's tolerance plus the runs' standard deviation (0 on the "
                          "allowed side of a bound; within about 2 is a fit)",
    "within precision": "whether the simulated median is within the reported value's stated "
                        "precision (its rounding)",
}


def band_html(cell: str) -> str:
    """A band cell ``median [lo, hi]`` as HTML on two lines, the band smaller, so that wide
    numbers do not widen the table (any other text escaped as it is).

    Example:
        >>> band_html("1,234 [1,000, 1,500]"), band_html("-")
        ('1,234<br><small>[1,000, 1,500]</small>', '-')
    """
    head, sep, band = str(cell).partition(" [")
    if not sep:
        return html.escape(str(cell))
    return f"{html.escape(head)}<br><small>[{html.escape(band)}</small>"


def _explained(columns: dict[str, str]) -> str:
    return "Columns: " + "; ".join(f"{k}: {v}" for k, v in columns.items()) + "."


def folder_kind(out: Path) -> str:
    """What wrote the folder: ``run``, ``comparison``, ``attribution``, ``sweep`` or
    ``calibration``; a one-line error for any other folder.

    Example:
        >>> folder_kind(Path("calibration/posteriors/all"))
        'calibration'
    """
    if (out / "calibration.json").is_file():
        return "calibration"
    man = _manifest(out)
    if man is None:
        raise ScenarioError(f"{out}: not an output folder of povsim (no manifest.json or "
                            "calibration.json); give the --out folder of run, compare, "
                            "attribute, sweep or calibrate")
    if "sweep" in man:
        return "sweep"
    return man.get("kind") or "run"


def _manifest(out: Path) -> dict | None:
    path = out / "manifest.json"
    if not path.is_file():
        return None
    return read_json(path)


def _table(out: Path, name: str) -> pd.DataFrame | None:
    for suffix, read in ((".parquet", pd.read_parquet), (".csv", pd.read_csv)):
        if (out / f"{name}{suffix}").is_file():
            return read(regular_file(out / f"{name}{suffix}"))
    return None


def _parameters_line(counts: dict | None) -> str:
    if not counts:
        return "Parameter sources: not recorded in this folder."
    n = sum(counts.values())
    names = {"figure": "from a reported figure", "to calibrate": "'to calibrate'"}
    kinds = ", ".join(f"{v} {names.get(k, k)}" for k, v in counts.items() if v)
    calibrated = counts.get("calibrated", 0)
    todo = counts.get("to calibrate", 0)
    verdict = ("none calibrated yet" if not calibrated else
               f"{calibrated} calibrated at posterior medians"
               + (f", {todo} still 'to calibrate' at their starting values" if todo else ""))
    return f"Parameters: {verdict} ({n} in all: {kinds})."


def _scenario_counts(file: str | None) -> dict | None:
    if not file or not Path(file).is_file():
        return None
    from povsim.schema.config import load_scenario, source_counts

    try:
        return source_counts(load_scenario(file))
    except ScenarioError:
        return None


def _run_sections(out: Path, man: dict) -> list[Section]:
    from povsim.reporting.plots import band_what

    res = Results.read(out)
    run = man.get("run", {})
    counts = run.get("parameters") or _scenario_counts(man["scenario"].get("file"))
    s = Section("Summary", [
        f"Scenario {man['scenario'].get('name')} ({man['scenario'].get('file')}), seed "
        f"{run.get('seed')}, {run.get('replicates')} replicate(s), scale 1:{run.get('scale'):g}.",
        "Bands: " + band_what(res) + ".", _parameters_line(counts)])
    summary = res.summary()
    if "effect_mean" in summary:
        s.text.append("What the programme did: " + EFFECT_NOTE + ".")
    else:
        s.text.append("No no-programme counterfactual in this folder (run without "
                      "--no-counterfactual to see the programme's own effect).")
    banded = _banded(summary)
    bands = [c for c in banded.columns if c != "outcome"]
    banded[bands] = banded[bands].map(band_html)
    s.tables.append(("Start and end year, median [10%, 90%] over runs", banded))
    s.markup = tuple(bands)
    s.text.append(_explained({k: v for k, v in SUMMARY_COLUMNS.items()
                              if k not in ("without", "effect") or "effect_mean" in summary}))
    sections = [s]
    fig = _reported_section(res, man)
    if fig is not None:
        sections.append(fig)
    return sections


def _banded(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary's bands as cells; with a counterfactual, the end year without the programme
    and the programme's effect beside them."""
    y0, y1 = int(summary["start_year"].iloc[0]), int(summary["end_year"].iloc[0])
    summary = _in_yuan(summary)

    def cells(prefix: str, sign: bool = False) -> list[str]:
        names = ([f"{prefix}_mean", f"{prefix}_lo", f"{prefix}_hi"] if prefix == "effect" else
                 [f"{prefix}_median", f"{prefix}_p10", f"{prefix}_p90"])
        return [band_cell(*r, sign=sign) for r in summary[names].itertuples(False)]

    out = pd.DataFrame({"outcome": summary["outcome"], f"{y0} (baseline)": cells("start"),
                        f"{y1}": cells("end")})
    if "effect_mean" in summary:
        out[f"{y1} without the programme"] = cells("without")
        out["programme's effect, mean [90% interval]"] = cells("effect", sign=True)
    return out


def _in_yuan(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary's rows in million yuan in yuan, the unit of the reported money figures, so
    that a quantity has one unit on the page.

    Example:
        >>> s = pd.DataFrame({"outcome": ["revenue (million yuan)"], "unit": ["million yuan"],
        ...                   "end_median": [19.4]})
        >>> _in_yuan(s)[["outcome", "end_median"]].values.tolist()
        [['revenue (yuan)', 19400000.0]]
    """
    if "unit" not in summary:
        return summary
    s = summary.copy()
    m = s["unit"] == "million yuan"
    values = [c for c in s.columns if c.split("_")[-1] in ("median", "p10", "p90", "mean", "lo",
                                                            "hi")]
    s.loc[m, values] = s.loc[m, values] * 1e6
    s.loc[m, "outcome"] = s.loc[m, "outcome"].str.replace("(million yuan)", "(yuan)",
                                                         regex=False)
    s.loc[m, "unit"] = "yuan"
    return s


def _reported_section(res, man: dict) -> Section | None:
    """The case's reported figures beside the simulated bands, when the scenario file is here."""
    file = man["scenario"].get("file")
    if not file or not Path(file).is_file():
        return None
    from povsim.calibration.targets import targets_table, targets_view
    from povsim.schema.config import load_scenario

    try:
        res.scenario = load_scenario(file)
        t = targets_table(res)
    except (ScenarioError, KeyError):
        return None
    if t.empty:
        return None
    view = targets_view(t).astype(str)
    view["figure"] = [f'<span title="{html.escape(i)}">{html.escape(q)}</span>'
                      for i, q in zip(t["id"], t["quantity"], strict=True)]
    band = "simulated median [p10, p90]"
    view[band] = view[band].map(band_html)
    inside = int(t["inside_band"].sum())
    return Section("Reported figures beside the simulation", [
        f"The case's calibration and validation figures (calibration/targets.yaml or the "
        f"scenario's own figures file): the reported value lies inside the simulated 10-90% "
        f"band for {inside} of {len(t)}. Validation figures are never fitted. The run plots "
        "draw the figures that read an annual column, with their tolerance.",
        _explained(FIGURE_COLUMNS)],
        [("Reported and simulated", view)], markup=("figure", band))


def _comparison_sections(out: Path, man: dict) -> list[Section]:
    h = _table(out, "headline")
    level = round(100 * man.get("level", 0.9))
    run = man.get("run", {})
    base = man["baseline"]
    counts = base.get("parameters") or _scenario_counts(base.get("file"))
    cols = ["variant", "label", "unit", "baseline", "value", "diff", "diff_lo", "diff_hi"]
    s = Section("Headline differences", [
        f"Baseline {base.get('name')} ({base.get('file')}) against "
        f"{len(man.get('variants', []))} variant(s) on common random numbers, "
        f"{run.get('replicates')} replicate(s), seed {run.get('seed')}.",
        f"Differences are variant minus baseline, the mean over paired runs with its {level}% "
        "paired t interval; with --posterior the runs also span the parameters' posterior.",
        _parameters_line(counts), *[f"Note: {n}" for n in man.get("notes", [])]])
    if h is not None:
        s.tables.append(("Variant minus baseline", _rounded(h[[c for c in cols if c in h]])))
    return [s]


def _attribution_sections(out: Path, man: dict) -> list[Section]:
    t = _table(out, "attribution")
    level = round(100 * man.get("level", 0.9))
    s = Section("Attribution by channel", [
        f"Scenario {man['scenario'].get('name')}: each channel switched off in turn on common "
        f"random numbers; an effect is the baseline minus the run without the channel, with "
        f"its {level}% paired interval. 'without_programme' is the whole programme switched "
        "off: what happens without it.",
        _parameters_line(_scenario_counts(man["scenario"].get("file")))])
    if man.get("not_in_case"):
        s.text.append("Not in this case: " + ", ".join(man["not_in_case"]))
    if t is not None:
        cols = ["channel", "label", "unit", "baseline", "without", "effect", "effect_lo",
                "effect_hi"]
        s.tables.append(("Effects", _rounded(t[[c for c in cols if c in t]])))
    return [s]


def _sweep_sections(out: Path, man: dict) -> list[Section]:
    summ = out / "summary"
    s = Section("Sweep", [
        f"{man['sweep']}: {man['design']['method']} design, {man['design']['points']} points x "
        f"{man['identity']['replicates']} replicate(s) = {man['runs']} runs; outputs "
        f"{', '.join(man['outputs'])}. Bands are 10-90% over replicates at each point."])
    if not (summ / "points.parquet").is_file():
        s.text.append(f"No summary yet: run povsim summarize {out} first.")
        return [s]
    info = read_json(summ / "summary.json") if (summ / "summary.json").is_file() else {}
    if info.get("year"):
        s.text.append(f"Values at {info['year']}.")
    s.text.extend(f"Note: {n}" for n in info.get("notes", []))
    from povsim.reporting.outcomes import outcome

    p = pd.read_parquet(summ / "points.parquet")
    if info.get("year"):
        p = p[p["year"] == info["year"]]
    p = p.assign(unit=[outcome(o).unit for o in p["output"]],
                 **{c: [v * outcome(o).scale for v, o in zip(p[c], p["output"], strict=True)]
                    for c in ("mean", "median", "p10", "p90")})
    s.tables.append(("Point bands (shown units)", _rounded(p.drop(columns=["level_set",
                                                                          "sample"],
                                                                 errors="ignore"))))
    if (summ / "indices.parquet").is_file():
        s.tables.append(("Sensitivity indices (95% bootstrap half-width: conf)",
                         _rounded(pd.read_parquet(summ / "indices.parquet"))))
    return [s]


def _calibration_sections(out: Path) -> list[Section]:
    info = read_json(out / "calibration.json")
    fitted = info.get("fitted", [])
    s = Section("Calibration", [
        f"ABC-SMC fit of {info.get('scenario')} (case {info.get('case')}), seed "
        f"{info.get('seed')}: {len(fitted)} parameter(s) fitted ({', '.join(fitted)}); the "
        "others are drawn from their priors in every run.",
        "Predicted bands are the posterior predictive 5-95%: parameter uncertainty and seed "
        "noise. Validation figures are never fitted."])
    fr = _table(out, "fit_report")
    if fr is not None:
        inside = int(fr["inside_90"].sum())
        s.text.append(f"{inside} of {len(fr)} reported figures lie inside the posterior "
                      "predictive 90% interval.")
        s.tables.append(("Reported figures against the posterior predictive", _rounded(fr)))
    summ = _table(out, "summary")
    if summ is not None:
        s.tables.append(("Posterior (median, 5-95%) and contraction", _rounded(summ)))
    return [s]


def _rounded(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:
        if pd.api.types.is_float_dtype(df[c]):
            df[c] = [("" if pd.isna(v) else f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}")
                     for v in df[c]]
    return df


def sections(out: str | Path) -> tuple[str, list[Section], dict | None]:
    """The page's kind, sections and manifest for the folder ``out``."""
    out = output_folder(out)
    kind = folder_kind(out)
    man = _manifest(out)
    build = {"run": lambda: _run_sections(out, man),
             "comparison": lambda: _comparison_sections(out, man),
             "attribution": lambda: _attribution_sections(out, man),
             "sweep": lambda: _sweep_sections(out, man),
             "calibration": lambda: _calibration_sections(out)}
    if kind not in build:
        raise ScenarioError(f"{out}: unknown kind {kind!r} in manifest.json; known: "
                            f"{', '.join(KINDS)}")
    parts = build[kind]()
    images = sorted(out.glob("*.png"))
    if kind == "sweep":
        images += sorted((out / "summary").glob("*.png"))
    if images:
        parts.append(Section("Plots", images=images))
    return kind, parts, man


CSS = """
body{font:15px/1.45 system-ui,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;
color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;font-size:13px;margin:.5em 0 1.5em}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;white-space:nowrap}
th{background:#f3f3f3;white-space:normal}td:first-child{white-space:normal;min-width:14em}
td span[title]{border-bottom:1px dotted #888}
.manifest td{white-space:normal;text-align:left;font-size:12px}
td:first-child,th:first-child{text-align:left}
figure{display:inline-block;margin:.5em;vertical-align:top}
figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:12px;color:#555}
pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:12px}
"""


def page_title(kind: str, out: Path, man: dict | None) -> str:
    """The page's title: a run's scenario title (from its scenario file, where it is at hand),
    else what wrote the folder and its name.

    Example:
        >>> page_title("run", Path("results/x"), {"scenario": {"file": "scenarios/xixiu.yaml"}})
        'Xixiu District, Anshun, Guizhou (2014-2017): povsim run'
    """
    scenario = (man or {}).get("scenario") if kind in ("run", "attribution") else None
    file = scenario.get("file") if isinstance(scenario, dict) else None
    if file and Path(file).is_file():
        from povsim.schema.config import load_scenario

        try:
            return f"{load_scenario(file).title}: povsim {kind}"
        except ScenarioError:
            pass
    return f"povsim {kind}: {out.resolve().name}"


def _cell(v) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)


def html_table(df: pd.DataFrame, markup: tuple[str, ...] = ()) -> str:
    """A frame as an HTML table, every cell escaped but those of the ``markup`` columns.

    Example:
        >>> html_table(pd.DataFrame({"a": ["<b>"], "b": ["<i>x</i>"]}), markup=("b",))
        '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>&lt;b&gt;</td><td><i>x</i></td></tr></tbody></table>'
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = ["<tr>" + "".join(
        f"<td>{_cell(v) if c in markup else html.escape(_cell(v))}</td>"
        for c, v in zip(df.columns, row, strict=True)) + "</tr>" for row in df.itertuples(False)]
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def manifest_table(man: dict) -> pd.DataFrame:
    """The manifest as rows of (entry, value): nested entries by their dotted path, lists of
    files by their count, the tables by name.

    Example:
        >>> manifest_table({"seed": 1, "run": {"scale": 20.0}, "plots": ["a.png"]}).values.tolist()
        [['seed', '1'], ['run.scale', '20.0'], ['plots', 'a.png']]
    """
    rows = []

    def walk(prefix: str, v) -> None:
        if isinstance(v, dict) and prefix.endswith("tables"):
            rows.append((prefix, ", ".join(v)))
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)
        elif isinstance(v, list):
            rows.append((prefix, ", ".join(map(str, v)) if len(v) <= 12 else f"{len(v)} items"))
        else:
            rows.append((prefix, "" if v is None else str(v)))

    walk("", man)
    return pd.DataFrame(rows, columns=["entry", "value"])


def render(out: str | Path) -> str:
    """The report page of folder ``out`` as one HTML string."""
    out = Path(out)
    kind, parts, man = sections(out)
    title = page_title(kind, out, man)
    body = [f"<h1>{html.escape(title)}</h1>",
            f"<p>Folder <code>{html.escape(str(out))}</code>. Tables as Parquet and CSV and "
            "the plots as PNG are beside this page.</p>"]
    for s in parts:
        body.append(f'<section class="{html.escape(s.title.lower().replace(" ", "-"))}">'
                    f"<h2>{html.escape(s.title)}</h2>")
        body += [f"<p>{html.escape(t)}</p>" for t in s.text]
        for caption, df in s.tables:
            more = len(df) - MAX_ROWS
            body.append(f"<h3>{html.escape(caption)}</h3>")
            body.append(html_table(df.head(MAX_ROWS), s.markup))
            if more > 0:
                body.append(f"<p>... {more} more rows in the CSV files.</p>")
        for img in s.images:
            data = base64.b64encode(img.read_bytes()).decode("ascii")
            rel = img.relative_to(out)
            body.append(f'<figure><img src="data:image/png;base64,{data}" '
                        f'alt="{html.escape(str(rel))}"><figcaption>{html.escape(str(rel))}'
                        "</figcaption></figure>")
        body.append("</section>")
    if man is not None:
        raw = base64.b64encode(json.dumps(man, indent=1, ensure_ascii=False).encode()).decode()
        body.append('<section class="manifest"><h2>Manifest</h2><p>Provenance of this folder: '
                    "versions, seeds, files and hashes (the raw "
                    f'<a download="manifest.json" href="data:application/json;base64,{raw}">'
                    "manifest.json</a>, also beside this page).</p>"
                    + html_table(manifest_table(man)) + "</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def write_report(out: str | Path, path: str | Path | None = None) -> Path:
    """Write the report of folder ``out`` to ``path`` (default ``out/report.html``)."""
    page = render(out)
    target = Path(path) if path else Path(out) / "report.html"
    atomic_write(target, lambda p: Path(p).write_text(page, encoding="utf-8"))
    return target


def page_sections(page: str) -> list[str]:
    """The sections of a report page, by the class :func:`render` gives each (its heading in
    lower case, words joined by hyphens).

    Example:
        >>> page_sections('<section class="summary"><h2>Summary</h2></section>')
        ['summary']
    """
    return re.findall(r'<section class="([^"]+)">', page)


def only_section(page: str, name: str, where: str = "the page") -> str:
    """The page with every part but its section ``name`` hidden (``name``: the section's class or
    its first word, e.g. ``reported`` for "Reported figures beside the simulation"), so that a
    screenshot of its top shows that section; an unknown name is a one-line error listing them.

    Example:
        >>> page = ('<html><head></head><body><h1>T</h1><section class="summary"></section>'
        ...         '<section class="plots"></section></body></html>')
        >>> "section:not(.plots)" in only_section(page, "plots")
        True
        >>> only_section(page, "tables")
        Traceback (most recent call last):
        ...
        povsim.base.errors.ScenarioError: --section 'tables': ... its sections: summary, plots
    """
    have = page_sections(page)
    key = name.strip().lower().replace(" ", "-")
    match = [c for c in have if c == key] or [c for c in have if c.split("-")[0] == key]
    if not match:
        raise ScenarioError(f"--section {name!r}: {where} has no such section; its sections: "
                            f"{', '.join(have)}")
    style = (f"<style>body > :not(section), section:not(.{match[0]}) "
             "{ display: none !important; }</style>")
    return page.replace("</head>", style + "</head>", 1)


def screenshot(page: str | Path, png: str | Path, size: str = "1200x1400",
               section: str | None = None) -> Path:
    """Save the top ``size`` (``WxH`` pixels) of the HTML ``page`` as ``png`` with headless
    Chromium (Debian's ``chromium``), or the top of its ``section`` (:func:`only_section`); a
    one-line error where chromium is missing or fails.

    Example (needs chromium):
        screenshot("results/xixiu/report.html", "docs/images/report-xixiu.png")
        screenshot("results/xixiu/report.html", "plots.png", section="plots")
    """
    import shutil
    import subprocess
    import tempfile

    w, sep, h = size.lower().partition("x")
    if not (sep and w.isdigit() and h.isdigit() and int(w) > 0 and int(h) > 0):
        raise ScenarioError(f"--size {size!r}: give width x height in pixels, e.g. 1200x1400")
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise ScenarioError("a screenshot needs Debian's chromium (apt-get install chromium); "
                            "none found on the PATH")
    text = Path(page).read_text(encoding="utf-8") if section else None
    if section:
        text = only_section(text, section, str(page))
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)

    def shoot(tmp: Path) -> None:
        with tempfile.TemporaryDirectory() as d:  # chromium names its format by the suffix
            shot = Path(d) / "shot.png"
            target = Path(page)
            if text is not None:  # the page with the other parts hidden, beside the shot
                target = Path(d) / "page.html"
                target.write_text(text, encoding="utf-8")
            run = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                                  "--hide-scrollbars", "--no-first-run",
                                  f"--window-size={int(w)},{int(h)}", f"--screenshot={shot}",
                                  target.resolve().as_uri()], capture_output=True,
                                 timeout=120)
            if run.returncode != 0 or not shot.is_file():
                raise ScenarioError(f"chromium could not take the screenshot of {page} "
                                    f"(exit status {run.returncode})")
            shutil.move(shot, tmp)

    atomic_write(png, shoot)
    return png
