"""Every bundled notebook runs end to end at a small scale (code cells executed in order)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

NOTEBOOKS = sorted(p.resolve() for p in Path("notebooks").glob("*.ipynb"))
#: parameter cell overrides: small enough for the test suite
SMALL = {"SCALE": 500, "REPLICATES": 2}
#: the same for parameters that only some notebooks have (Sobol samples, Dask workers)
SMALL_IF_PRESENT = {"SAMPLES": 4, "WORKERS": 0}


def code_of(path: Path) -> str:
    """The notebook's code cells joined in order, with the parameters made small."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for name, value in SMALL.items():
        code, n = re.subn(rf"^{name} = .*$", f"{name} = {value}", code, count=1,
                          flags=re.MULTILINE)
        assert n == 1, f"{path}: no parameter line '{name} = ...'"
    for name, value in SMALL_IF_PRESENT.items():
        code = re.sub(rf"^{name} = .*$", f"{name} = {value}", code, count=1, flags=re.MULTILINE)
    return code


def test_notebooks_are_bundled():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path, monkeypatch):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), \
        "commit notebooks without outputs"
    root = Path.cwd()
    work = tmp_path / "repo"
    work.mkdir()
    (work / "scenarios").symlink_to(root / "scenarios")
    monkeypatch.chdir(work)  # results/ goes to a temporary folder
    ns: dict = {}
    exec(compile(code_of(path), str(path), "exec"), ns)
    import matplotlib.pyplot as plt

    plt.close("all")
    assert list((work / "results").rglob("manifest.json")), "the notebook wrote no results"
