"""Base: what every layer of povsim may use, and nothing of the model.

The bounded reader of input files and its one-line errors (``inputs``, ``errors``,
``folders``), atomic writes of output files and manifests (``outputs``), the version, the
process's own state (``interrupts``, ``kernel_cache``, ``threads``, ``allocator``), and the
numerical building blocks the model's arrays use: named random streams and the kernels'
counter-based numbers (``streams``, ``philox``), exact sums (``sums``), the rules that keep an
answer the same at every ``--scale`` (``scaling``) and the monthly clock. It imports nothing
of povsim outside itself.

Example:
    >>> from povsim.base.inputs import ScenarioError
    >>> issubclass(ScenarioError, ValueError)
    True
"""
