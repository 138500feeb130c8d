"""povsim: agent-based simulation of party-building-led poverty-alleviation interventions.

Example:
    >>> import povsim
    >>> sc = povsim.load_scenario("scenarios/xixiu.yaml")
    >>> res = povsim.run_scenario(sc, seed=1, replicates=2, scale=1000, progress=False)
    >>> bool(res.annual["year"].min() == sc.start_year - 1)
    True
"""

from povsim.calibration.posterior import Posterior, calibrate, calibrate_joint
from povsim.comparison import Comparison, compare, variants_from_files, variants_from_levers
from povsim.config import Scenario, load_scenario
from povsim.inputs import ScenarioError
from povsim.model import PovertyModel
from povsim.outputs import VERSION as __version__
from povsim.results import Results
from povsim.runner import run_replicate, run_scenario

__all__ = ["Comparison", "Posterior", "PovertyModel", "Results", "Scenario", "ScenarioError",
           "__version__", "calibrate", "calibrate_joint", "compare", "load_scenario",
           "run_replicate", "run_scenario", "variants_from_files", "variants_from_levers"]
