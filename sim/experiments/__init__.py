"""Experiments: what is run to answer a planner's question, over many runs.

A scenario's replicates with and without the programme (``runner``), comparisons of variants
on common random numbers (``comparison``), the attribution of the people lifted out to the
programme's channels (``attribution``), and sweeps: their files, designs, resumable stores and
summaries (``sweepfile``, ``design``, ``sweeps``, ``sweep_summary``). It may import
:mod:`povsim.reporting` and below; the calibration and the command line build on it.

Example:
    >>> from povsim import load_scenario
    >>> from povsim.experiments.runner import run_scenario
    >>> res = run_scenario(load_scenario("zhenbao"), replicates=2, scale=20, progress=False)
    >>> sorted(res.annual["replicate"].unique().tolist())
    [0, 1]
"""
