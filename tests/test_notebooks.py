"""Every bundled notebook runs end to end in a real Jupyter kernel (nbclient), at a small scale.

``POVSIM_NOTEBOOKS=full`` runs them as committed (full size). The notebooks are committed
without outputs, with cell ids, and paired with jupytext percent scripts (``notebooks/*.py``)
that must hold the same cells, so that a diff of a notebook reads as code.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
jupytext = pytest.importorskip("jupytext")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: parameter-cell overrides at CI size; each notebook must have the first two
SMALL = {"SCALE": 500, "REPLICATES": 2}
#: the same for parameters that only some notebooks have
SMALL_IF_PRESENT = {"SAMPLES": 4, "WORKERS": 0, "POPULATION": 8, "GENERATIONS": 1}
#: the inputs a notebook reads, linked into its working folder
INPUTS = ("scenarios", "calibration", "docs")
FULL = os.environ.get("POVSIM_NOTEBOOKS", "").lower() == "full"
#: a stray repr printed for a cell's last expression (a plot call's return value)
STRAY = re.compile(r"^(Text\(|<matplotlib|\[<matplotlib|<Axes|<Figure)")


def test_notebooks_are_bundled():
    names = {p.stem for p in NOTEBOOKS}
    assert {"five_cases", "compare_strategies", "sweep_sensitivity", "attribution",
            "add_a_county"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean_and_paired(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)  # cell ids present and well formed (nbformat >= 4.5)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    assert all(c.get("id") for c in nb.cells)
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"
    script = path.with_suffix(".py")
    assert script.is_file(), f"{path.name}: no jupytext pair; run jupytext --set-formats " \
                             "ipynb,py:percent on it"
    paired = jupytext.read(script)
    assert [(c.cell_type, c.source) for c in paired.cells] == \
           [(c.cell_type, c.source) for c in nb.cells], \
        f"{path.name} and {script.name} differ; run jupytext --sync {script}"


def parameterised(nb):
    """The notebook with its parameter lines made small (unless FULL)."""
    if FULL:
        return nb
    code = [c for c in nb.cells if c.cell_type == "code"]
    for name, value in {**SMALL, **SMALL_IF_PRESENT}.items():
        hits = [c for c in code if re.search(rf"^{name} = ", c.source, flags=re.MULTILINE)]
        if name in SMALL:
            assert hits, f"no parameter line '{name} = ...'"
        for c in hits[:1]:
            c.source = re.sub(rf"^{name} = .*$", f"{name} = {value}", c.source, count=1,
                              flags=re.MULTILINE)
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_a_kernel(path, tmp_path):
    from nbclient import NotebookClient

    nb = parameterised(nbformat.read(path, as_version=4))
    for name in INPUTS:
        (tmp_path / name).symlink_to(ROOT / name)
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - t0
    print(f"{path.name}: {wall:.1f} s in the kernel")  # shown with pytest -s
    for c in nb.cells:
        for o in c.get("outputs", []):
            assert o.output_type != "error", f"{path.name}: {o.get('ename')}: {o.get('evalue')}"
            text = o.get("text", "") if o.output_type == "stream" else \
                o.get("data", {}).get("text/plain", "")
            assert "IProgress not found" not in text, f"{path.name}: tqdm without ipywidgets"
            assert "Traceback" not in text, f"{path.name}: {text[-500:]}"
            if o.output_type == "execute_result":
                assert not STRAY.match(text), f"{path.name}: stray output {text[:80]!r}"
    wrote = [p for p in (tmp_path / "results").rglob("*") if p.is_file()]
    assert wrote or path.stem == "five_cases", f"{path.name} wrote no results"
