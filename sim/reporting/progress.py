"""The progress bar: tqdm's notebook widget where ipywidgets is installed, its text bar
elsewhere (a terminal, or a kernel without ipywidgets, where ``tqdm.auto`` would warn
"IProgress not found" at import).

Example:
    >>> bar = tqdm(total=3, disable=True)
    >>> bar.update(3); bar.close()
"""

from __future__ import annotations

from importlib.util import find_spec

if find_spec("ipywidgets") is not None:
    from tqdm.auto import tqdm
else:
    from tqdm import tqdm

__all__ = ["month_bar", "tqdm"]


def month_bar(total: int, desc: str, progress: bool = True):
    """A bar of simulated months, made after the model's kernels (and a batch's) are compiled
    or loaded (:func:`povsim.engine.batch.warm_up`): a first compile's notice gets its own line
    before the bar, and its minutes are no month's, so the bar's first time estimate is not hours
    off.

    Example:
        >>> bar = month_bar(12, "xixiu x1", progress=False)
        >>> bar.update(12); bar.close()
    """
    if progress:
        from povsim.engine import batch

        batch.warm_up()  # a run's kernels and a batch's
    return tqdm(total=total, unit="month", desc=desc, disable=not progress, leave=False)
