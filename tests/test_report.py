"""``povsim report DIR``: one self-contained HTML page for every kind of output folder, opened
in a real headless Chromium with every network request blocked."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from povsim.base.inputs import ScenarioError
from povsim.cli import main
from povsim.report import folder_kind, render, write_report

SWEEP = "scenarios/sweeps/xixiu_pairing.yaml"
POSTERIOR = Path("calibration/posteriors/all")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """One small output folder of each kind."""
    d = tmp_path_factory.mktemp("outputs")
    q = ["--quiet", "--replicates", "2"]
    assert main(["run", "xixiu", "--scale", "100", "--out", str(d / "run"), *q]) == 0
    assert main(["compare", "xixiu", "--vary", "cadre_pairing=random", "--scale", "200",
                 "--out", str(d / "compare"), *q]) == 0
    assert main(["attribute", "zhenbao", "--scale", "2", "--out", str(d / "attribute"), *q]) == 0
    assert main(["sweep", SWEEP, "--scale", "400", "--workers", "1", "--out", str(d / "sweep"),
                 *q]) == 0
    assert main(["summarize", str(d / "sweep"), "--quiet"]) == 0
    shutil.copytree(POSTERIOR, d / "calibrate", ignore=shutil.ignore_patterns("*.db"))
    return d


KIND = {"run": "run", "compare": "comparison", "attribute": "attribution", "sweep": "sweep",
        "calibrate": "calibration"}


@pytest.mark.parametrize("name", list(KIND))
def test_report_of_each_folder_is_self_contained(folders, name):
    out = folders / name
    assert folder_kind(out) == KIND[name]
    page = render(out)
    # every image inlined, no address outside the page
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert page.count("<img") >= 1 and page.count("<table") >= 1
    assert "Manifest" in page or name == "calibrate"


def test_run_report_shows_figures_bands_and_calibration(folders):
    page = render(folders / "run")
    assert "Reported figures beside the simulation" in page
    assert "xixiu.poverty_incidence_end" in page
    assert "seed noise only" in page and "calibrated at posterior medians" in page
    assert "poverty incidence, register-based (%)" in page


def test_report_of_a_folder_that_is_not_an_output_is_one_line(tmp_path, capsys):
    with pytest.raises(ScenarioError, match="not an output folder of povsim"):
        render(tmp_path)
    assert main(["report", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such folder" in err


def test_report_command_prints_the_page_path(folders, capsys, tmp_path):
    target = tmp_path / "page.html"
    assert main(["report", str(folders / "run"), "--out", str(target)]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def _browser():
    """Debian's chromium and playwright, or a skip (a failure where CI requires them)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if exe and sync_playwright:
        return exe, sync_playwright
    why = "needs Debian's chromium and playwright (make test installs playwright)"
    if os.environ.get("POVSIM_REQUIRE_BROWSER"):
        pytest.fail(why)
    pytest.skip(why)


@pytest.mark.parametrize("name", ["run", "sweep", "calibrate"])
def test_report_renders_in_headless_chromium_offline(folders, name, tmp_path):
    exe, sync_playwright = _browser()
    page_path = write_report(folders / name, tmp_path / "report.html")
    asked = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-quic"])
        try:
            page = browser.new_page()

            def block(route):
                url = route.request.url
                if url.startswith(("file:", "data:")):
                    return route.continue_()
                asked.append(url)
                return route.abort()

            page.route("**/*", block)
            page.goto(page_path.resolve().as_uri())
            page.wait_for_load_state("load")
            tables = page.locator("table")
            assert tables.count() >= 1 and tables.first.is_visible()
            assert tables.first.locator("td").count() > 0
            images = page.locator("img")
            assert images.count() >= 1
            for i in range(images.count()):
                img = images.nth(i)
                img.scroll_into_view_if_needed()
                assert img.is_visible()
                assert img.evaluate("e => e.complete && e.naturalWidth > 100")
        finally:
            browser.close()
    assert asked == [], f"the page asked for {asked}"


@pytest.mark.slow
def test_the_readme_screenshot_shows_what_the_demo_gives_today():
    """The numbers of the README's screenshot (``make screenshot`` writes them beside it:
    docs/images/report-xixiu.csv, the demo's summary) are today's model's: the demo's run
    (Xixiu at full scale, 8 replicates, seed 1, with the counterfactual: about 20 s) gives
    every end-year median and band of the summary again, to the digits the file keeps (a run
    is deterministic). (Until 2026-12-06 this compared a run at 1:20 within 4 standard errors;
    at that day's second fit the mean income at 1:20 lay 1% below full scale's, 4.1 of the
    demo's narrow standard errors.)"""
    from povsim.experiments.runner import run_scenario
    from povsim.schema.config import load_scenario

    root = Path(__file__).resolve().parents[1]
    assert "docs/images/report-xixiu.png" in (root / "README.md").read_text(encoding="utf-8")
    assert (root / "docs" / "images" / "report-xixiu.png").is_file()
    shown = pd.read_csv(root / "docs" / "images" / "report-xixiu.csv")
    res = run_scenario(load_scenario("xixiu"), seed=1, replicates=8, scale=1, progress=False,
                       counterfactual=True)
    today = res.summary()
    assert list(today.columns) == list(shown.columns)
    assert list(today["outcome"]) == list(shown["outcome"])
    num = [c for c in shown.columns if c != "outcome" and pd.api.types.is_numeric_dtype(shown[c])]
    checked = 0
    for c in num:
        a, b = today[c].to_numpy(float), shown[c].to_numpy(float)
        assert np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True), (c, a, b)
        checked += int(np.isfinite(b).sum())
    assert checked >= 20


def test_screenshot_section_names_the_sections_in_one_line(folders, capsys, tmp_path):
    """``--section`` needs ``--screenshot``, and an unknown section lists the page's sections;
    both in one line, before anything is printed."""
    run = str(folders / "run")
    assert main(["report", run, "--out", str(tmp_path / "p.html"), "--section", "plots"]) == 2
    assert "give --screenshot PNG with it" in capsys.readouterr().err
    assert main(["report", run, "--out", str(tmp_path / "p.html"), "--screenshot",
                 str(tmp_path / "s.png"), "--section", "tables"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "its sections: summary, reported-figures-beside-the-simulation, plots, manifest" in err
    assert not (tmp_path / "s.png").exists()


def test_screenshot_of_a_section_starts_at_it(folders, tmp_path):
    """The screenshot of a section shows that section at its top: a page with only the plots
    (every other part hidden) differs from the top of the page."""
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        if os.environ.get("POVSIM_REQUIRE_BROWSER"):
            pytest.fail("needs Debian's chromium")
        pytest.skip("needs Debian's chromium")
    from povsim.report import screenshot

    page = write_report(folders / "run", tmp_path / "report.html")
    top = screenshot(page, tmp_path / "top.png", "600x400")
    plots = screenshot(page, tmp_path / "plots.png", "600x400", section="plots")
    assert top.read_bytes()[:8] == plots.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert top.read_bytes() != plots.read_bytes()
