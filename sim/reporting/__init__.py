"""Reporting: a run's results and what is drawn and printed from them.

``results`` holds the tables of a scenario's replicates, their summary (with the programme's
own effect) and their files; ``outcomes`` every output column's label, unit and display scale;
``plots`` the figures; ``progress`` the progress bar. It may import the engine and below, and
the metrics a reported figure reads off a run (:mod:`povsim.calibration.metrics`), which the
run plots draw beside the simulation.

Example:
    >>> from povsim.reporting.outcomes import outcome
    >>> outcome("incidence").unit
    '%'
"""
