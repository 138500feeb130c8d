"""Every docstring example of the installed ``povsim`` package runs and prints what it shows.

The examples are collected by import name (``povsim.engine.model``, ``povsim.agents.households``
...),
so each module is the one the package imports, never a second copy loaded from its file path.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import tomllib
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _modules() -> list[str]:
    """Every module of every package the wheel installs (pyproject's package list): an editable
    install maps ``povsim.agents`` and the others from their own folders, so each package is
    walked by itself."""
    packages = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["packages"]
    names = set(packages)
    for pkg in packages:
        path = importlib.import_module(pkg).__path__
        names.update(f"{pkg}.{info.name}" for info in pkgutil.iter_modules(path)
                     if info.name != "__main__")  # running it is the command line itself
    return sorted(names)


MODULES = _modules()


def test_every_subpackage_is_found():
    """The walk reaches the subpackages mapped from other folders (agents, calibration)."""
    for name in ("povsim.agents.households", "povsim.calibration.registry",
                 "povsim.strategies.cadres", "povsim.scenarios"):
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS, verbose=False)
    failures = []
    for test in finder.find(module, name):
        out: list[str] = []
        result = runner.run(test, out=out.append)
        if result.failed:
            failures.append("".join(out))
    assert not failures, "\n".join(failures)
