"""The package's import graph, drawn from the source (issue 30): no import circle, and no
import from a lower layer up to a higher one.

Every ``import`` and ``from ... import`` statement of every module counts, wherever it stands:
at the top, inside a function (a lazy import is still a dependency) or under
``TYPE_CHECKING`` (a type is a dependency too). A package's ``__init__`` is a facade over its
members and sits in the layer of its highest member.

The layers, lowest first (:data:`LAYERS`):

1. **base** (``povsim.base``, and the bundled cases' names): input reading, output writing,
   one-line errors, the process's state, random streams, exact sums, the scaling rules, the
   clock; nothing of the model.
2. **arrays**: the households', villages', cooperatives' and partners' state arrays
   (``povsim.agents``) and the pairing strategies (``povsim.strategies``, functions of arrays).
3. **scenario** (``povsim.schema``, and the figure registry a scenario is checked against).
4. **engine** (``povsim.engine``, and the Mesa agents): the world, the kernels, the
   submodels, the model, one run and stacked runs.
5. **results** (``povsim.reporting``, and the metrics a figure reads off a run).
6. **experiments** (``povsim.experiments``): replicates with and without the programme,
   comparisons, attribution, sweeps.
7. **calibration** (``povsim.calibration``): priors, the staged fit, posteriors.
8. **interface**: the report page, the command line and the package root.
"""

from __future__ import annotations

import ast
import graphlib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the package's folders: ``sim/`` is ``povsim``, the others its subpackages
FOLDERS = {"sim": "povsim", "agents": "povsim.agents", "calibration": "povsim.calibration",
           "scenarios": "povsim.scenarios"}
#: module name patterns by layer, lowest first (the module docstring says what each holds); a
#: module's own name, where listed, wins over a pattern
LAYERS: list[tuple[str, list[str]]] = [
    ("base", ["povsim.base", "povsim.base.*", "povsim.scenarios"]),
    ("arrays", ["povsim.agents.columns", "povsim.agents.households", "povsim.agents.cooperative",
                "povsim.agents.enterprise", "povsim.agents.village", "povsim.strategies",
                "povsim.strategies.*"]),
    ("scenario", ["povsim.schema", "povsim.schema.*", "povsim.calibration.registry"]),
    ("engine", ["povsim.engine", "povsim.engine.*", "povsim.agents", "povsim.agents.cadre"]),
    ("results", ["povsim.reporting", "povsim.reporting.*", "povsim.calibration.metrics"]),
    ("experiments", ["povsim.experiments", "povsim.experiments.*"]),
    ("calibration", ["povsim.calibration", "povsim.calibration.*"]),
    ("interface", ["povsim.report", "povsim.commands", "povsim.arguments", "povsim.cli",
                   "povsim.__main__", "povsim"]),
]


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name.

    Example:
        >>> m = modules()
        >>> m["povsim.schema.config"].name, m["povsim.agents"].name
        ('config.py', '__init__.py')
    """
    out = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if "__pycache__" in parts or (folder == "sim" and parts[0] in FOLDERS):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports.

    Example:
        >>> g = import_graph()
        >>> world, model = "povsim.engine.world", "povsim.engine.model"
        >>> world in g[model], model in g[world]
        (True, False)
    """
    mods = modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        graph[name] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # a relative import
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                members = [f"{base}.{a.name}" for a in node.names]
                # ``from pkg import module`` names the module; ``from mod import name`` the module
                targets = members if all(m in mods for m in members) else [base, *members]
            else:
                continue
            graph[name].update(t for t in targets if t in mods and t != name)
    return graph


def layer_of(module: str) -> int:
    """The layer (0 lowest) a module is declared in.

    Example:
        >>> [LAYERS[layer_of(m)][0] for m in ("povsim.base.inputs", "povsim.calibration.metrics")]
        ['base', 'results']
    """
    hits = [i for i, (_, patterns) in enumerate(LAYERS)
            if any(module == p or fnmatch(module, p) for p in patterns)]
    exact = [i for i, (_, patterns) in enumerate(LAYERS) if module in patterns]
    assert hits, f"{module}: in no layer; add it to LAYERS in tests/test_layers.py"
    return (exact or hits)[0]


def test_every_module_has_a_layer():
    missing = []
    for m in modules():
        try:
            layer_of(m)
        except AssertionError:
            missing.append(m)
    assert not missing, f"modules in no layer: {missing}"


def test_there_is_no_import_circle():
    try:
        list(graphlib.TopologicalSorter(import_graph()).static_order())
    except graphlib.CycleError as circle:
        raise AssertionError(f"an import circle: {' -> '.join(circle.args[1])}") from None


def test_no_module_imports_from_a_higher_layer():
    upward = [f"{a} ({LAYERS[layer_of(a)][0]}) -> {b} ({LAYERS[layer_of(b)][0]})"
              for a, targets in import_graph().items() for b in targets
              if layer_of(b) > layer_of(a)]
    assert not upward, "imports up the layers:\n" + "\n".join(sorted(upward))


def test_the_graph_sees_lazy_and_type_only_imports():
    """The test would pass on a graph that missed them: check that it has both kinds."""
    g = import_graph()
    assert "povsim.engine.world" in g["povsim.engine.submodels.cooperatives"]  # under TYPE_CHECKING
    assert "povsim.engine.batch" in g["povsim.reporting.progress"]  # inside a function


#: the most lines a source file of the package may have (issue 30: a file a reader takes in whole)
MAX_LINES = 600


def test_no_source_file_is_over_the_limit():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"over {MAX_LINES} lines: {long}"
