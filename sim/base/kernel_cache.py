"""The compiled kernels' cache: a corrupt or stale one detected and rebuilt once (issue 29).

numba keeps each compiled kernel (``@njit(cache=True)``) in an index (``.nbi``) and data
(``.nbc``) file beside its module (``sim/__pycache__``) or under ``NUMBA_CACHE_DIR``. A file cut
short (a disk filled up, a kill while it was written) or left by another numba made every run
stop with ``UnpicklingError`` until it was deleted by hand. :func:`from_cache` recognises such an
error by where it was raised (numba's cache loader), :func:`clear` deletes the cache files of
povsim's kernels, and the command line then runs the command once more, compiling afresh.

Example:
    >>> from_cache(ValueError("not from a cache"))
    False
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

#: the module of numba that loads a cached kernel: an error raised in it is the cache's
_LOADER = ("numba", "core", "caching.py")


def from_cache(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while numba loaded a cached compiled kernel.

    Example:
        >>> from_cache(RuntimeError("boom"))
        False
    """
    frames = traceback.extract_tb(exc.__traceback__)
    return any(Path(f.filename).parts[-3:] == _LOADER for f in frames)


def cache_folders() -> set[Path]:
    """The folders holding the cache of every compiled kernel of povsim's imported modules.

    Example:
        >>> import povsim.engine.kernels
        >>> all(p.is_absolute() for p in cache_folders())
        True
    """
    folders = set()
    for name, module in list(sys.modules.items()):
        if not (name == "povsim" or name.startswith("povsim.")) or module is None:
            continue
        for obj in list(vars(module).values()):
            path = getattr(getattr(obj, "_cache", None), "_cache_path", None)
            if isinstance(path, str):
                folders.add(Path(path).resolve())
    return folders


def clear() -> list[Path]:
    """Delete the cache files (``*.nbi``, ``*.nbc``) of povsim's compiled kernels; return them.

    Only files named after a kernel of an imported povsim module are deleted: a cache folder
    shared with other code keeps that code's files.
    """
    prefixes = set()
    for name, module in list(sys.modules.items()):
        if name == "povsim" or name.startswith("povsim."):
            stem = Path(getattr(module, "__file__", None) or "x").stem
            prefixes.add(f"{stem}.")
    removed = []
    for folder in cache_folders():
        for f in [*folder.glob("*.nbi"), *folder.glob("*.nbc")]:
            if any(f.name.startswith(p) for p in prefixes):
                f.unlink(missing_ok=True)
                removed.append(f)
    return removed
