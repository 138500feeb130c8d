"""Schema: what a scenario file may say, and the scenario as the model reads it.

``config`` holds the pydantic schema of every section and the loader (``load_scenario``),
``plausible`` the plausible range of every money, count and size, ``variants`` the variants a
comparison runs (levers or files) and ``paramdoc`` the ODD's generated parameter tables. It may
import :mod:`povsim.base`, the pairing strategies' names (:mod:`povsim.strategies`) and the
figure registry (:mod:`povsim.calibration.registry`), which a scenario's figure references are
checked against; nothing of the engine.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> load_scenario("xixiu").start_year
    2014
"""
