"""Engine: the simulation itself, from a scenario to one run's tables.

The world built from a scenario (``population``, ``job_finding``, ``world``), the compiled
household and village kernels (``kernels``, ``village_kernels``), the monthly submodels
(``submodels/``, one module per ODD submodel), the money ledger, the recorded tables
(``recording``, ``stats``), the Mesa model and its schedule (``model``), one run
(``replicate``), many runs stacked into one set of arrays (``batch``) and the up-front budget
of a run's memory and time (``budget``). It may import :mod:`povsim.base`,
:mod:`povsim.schema`, :mod:`povsim.strategies` and the agents (:mod:`povsim.agents`); nothing
that reads its results.

Example:
    >>> from povsim.engine.model import PovertyModel
    >>> PovertyModel("zhenbao", seed=1, scale=20).clock.year  # January of the baseline year
    2014
"""
