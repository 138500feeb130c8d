"""povsim: agent-based simulation of party-building-led poverty-alleviation interventions.

Example:
    >>> import povsim
    >>> sc = povsim.load_scenario("scenarios/xixiu.yaml")
    >>> res = povsim.run_scenario(sc, seed=1, replicates=2, scale=1000, progress=False)
    >>> bool(res.annual["year"].min() == sc.start_year - 1)
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from povsim.base.version import VERSION as __version__

#: where each public name lives: imported on first use (PEP 562), so ``import povsim`` and the
#: command line's ``--help`` load neither numba, pandas, scipy nor pyabc until a name needs them
_LAZY = {
    "Posterior": "povsim.calibration.posterior",
    "calibrate": "povsim.calibration.posterior",
    "calibrate_joint": "povsim.calibration.posterior",
    "Comparison": "povsim.experiments.comparison",
    "compare": "povsim.experiments.comparison",
    "variants_from_files": "povsim.experiments.comparison",
    "variants_from_levers": "povsim.experiments.comparison",
    "Scenario": "povsim.schema.config",
    "load_scenario": "povsim.schema.config",
    "ScenarioError": "povsim.base.inputs",
    "PovertyModel": "povsim.engine.model",
    "Results": "povsim.reporting.results",
    "run_replicate": "povsim.engine.replicate",
    "run_scenario": "povsim.experiments.runner",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from povsim.base.inputs import ScenarioError
    from povsim.calibration.posterior import Posterior, calibrate, calibrate_joint
    from povsim.engine.model import PovertyModel
    from povsim.engine.replicate import run_replicate
    from povsim.experiments.comparison import (
        Comparison,
        compare,
        variants_from_files,
        variants_from_levers,
    )
    from povsim.experiments.runner import run_scenario
    from povsim.reporting.results import Results
    from povsim.schema.config import Scenario, load_scenario

__all__ = ["Comparison", "Posterior", "PovertyModel", "Results", "Scenario", "ScenarioError",
           "__version__", "calibrate", "calibrate_joint", "compare", "load_scenario",
           "run_replicate", "run_scenario", "variants_from_files", "variants_from_levers"]


def __getattr__(name: str):
    """A public name of povsim, imported from its module on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'povsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
