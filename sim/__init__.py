"""povsim: agent-based simulation of party-building-led poverty-alleviation interventions.

Example:
    >>> import sim
    >>> sc = sim.load_scenario("scenarios/xixiu.yaml")
    >>> res = sim.run_scenario(sc, seed=1, replicates=2, scale=1000, progress=False)
    >>> bool(res.annual["year"].min() == sc.start_year - 1)
    True
"""

__version__ = "0.1.0"

from sim.comparison import Comparison, compare, variants_from_files, variants_from_levers
from sim.config import Scenario, ScenarioError, load_scenario
from sim.model import PovertyModel
from sim.results import Results
from sim.runner import run_replicate, run_scenario

__all__ = ["Comparison", "PovertyModel", "Results", "Scenario", "ScenarioError", "__version__",
           "compare", "load_scenario", "run_replicate", "run_scenario", "variants_from_files",
           "variants_from_levers"]
