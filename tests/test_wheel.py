"""The installed package is what the checkout is: the wheel holds every subpackage and data file
under one namespace, and works from a fresh virtual environment outside the checkout.

The wheel is built by pip (``pip wheel --no-deps``) and installed without its dependencies into
a new virtual environment in a temporary folder; the dependencies are made visible to it by a
path file naming this environment's site-packages (a plain path entry: its ``.pth`` files, the
editable install's finder among them, are not run), so ``import povsim`` can only find the
installed wheel. ``pip check`` there confirms that the wheel's declared dependencies are met.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd, cwd, env=None, timeout=600):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{cmd}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # built from a copy, so that setuptools' build/ folder is not written into the checkout
    src = tmp_path_factory.mktemp("src") / "povsim"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "build", "results", "*.egg-info", "__pycache__", ".hypothesis",
        ".pytest_cache", ".ruff_cache"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, src],
         cwd=out)
    (whl,) = out.glob("povsim-*.whl")
    return whl


def test_wheel_holds_one_namespace_and_every_data_file(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"povsim"}, top  # no generic top-level names (sim, agents, calibration)
    for source in sorted((ROOT / "sim").rglob("*.py")):  # every module of every subpackage
        if "__pycache__" not in source.parts:
            assert f"povsim/{source.relative_to(ROOT / 'sim').as_posix()}" in names, source
    for path in ("povsim/engine/model.py", "povsim/engine/submodels/december.py",
                 "povsim/strategies/cadres.py",
                 "povsim/agents/households.py", "povsim/calibration/registry.py",
                 "povsim/calibration/targets.yaml", "povsim/calibration/reported_figures.csv",
                 "povsim/scenarios/__init__.py", "povsim/scenarios/xixiu.yaml",
                 "povsim/scenarios/sweeps/xixiu_pairing.yaml"):
        assert path in names, path
    for case in ("yushu", "xixiu", "jiangkou", "sanba", "zhenbao"):
        assert f"povsim/scenarios/{case}.yaml" in names


@pytest.mark.slow
def test_wheel_runs_from_a_fresh_environment_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "--quiet", wheel],
         cwd=tmp_path)
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp_path).strip())
    (site / "povsim-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba-cache")
    where = _run([py, "-c", "import povsim; print(povsim.__file__)"], cwd=work, env=env)
    assert Path(where.strip()).is_relative_to(env_dir), where
    _run([sys.executable, "-m", "pip", "--python", py, "check"], cwd=work, env=env)
    povsim = env_dir / "bin" / "povsim"
    assert _run([povsim, "--version"], cwd=work, env=env).startswith("povsim 0.")
    assert "inconsistent" in _run([povsim, "audit"], cwd=work, env=env)
    _run([povsim, "run", "zhenbao", "--replicates", "2", "--out", "out", "--quiet",
          "--no-plots"], cwd=work, env=env)
    assert (work / "out" / "annual.parquet").exists() and (work / "out" / "manifest.json").exists()
    assert sorted(p.name for p in work.iterdir()) == ["out"]  # nothing written elsewhere
