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

__all__ = ["tqdm"]
