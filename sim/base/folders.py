"""Checks of the folders commands read, in a light module: the command line runs them before
loading pandas, numba or Dask, so a wrong folder answers at once, and the readers run them too.

Example:
    >>> try:
    ...     output_folder("/no/such/folder")
    ... except ScenarioError as e:
    ...     print(str(e).split(";")[0])
    /no/such/folder: no such folder
"""

from __future__ import annotations

from pathlib import Path

from povsim.base.errors import ScenarioError


def output_folder(out: str | Path) -> Path:
    """``out`` as a path if it is a folder, else a one-line :class:`ScenarioError`."""
    out = Path(out)
    if not out.is_dir():
        raise ScenarioError(f"{out}: no such folder; give the --out folder of run, compare, "
                            "attribute, sweep or calibrate")
    return out


def page_file(path: str | Path, option: str) -> Path:
    """``path`` as the file a command writes (``report --out``, ``--screenshot``): where it
    exists it must be a regular file (a link to one is followed), which is replaced; a folder, a
    pipe or a device is refused in one line, never replaced by a regular file or written into.

    Example:
        >>> try:
        ...     page_file("/dev/null", "--out")
        ... except ScenarioError as e:
        ...     print(e)
        --out /dev/null: not a regular file (a device); give the path of a file to write
    """
    import os
    import stat

    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return path  # none there (or the write will say why, as any other that cannot be made)
    if stat.S_ISREG(mode):
        return path
    raise ScenarioError(f"{option} {path}: not a regular file ({file_kind(mode)}); give the "
                        "path of a file to write")


def file_kind(mode: int) -> str:
    """What a path that is not a regular file is, from its ``st_mode``, as the one-line errors
    name it.

    Example:
        >>> import os
        >>> file_kind(os.stat("/dev/null").st_mode), file_kind(os.stat("/").st_mode)
        ('a device', 'a folder')
    """
    import stat

    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a pipe"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def sweep_store(out: str | Path) -> Path:
    """``out`` as a path if it holds a sweep (its ``manifest.json``), else a one-line
    :class:`ScenarioError`."""
    out = Path(out)
    if not (out / "manifest.json").exists():
        raise ScenarioError(f"{out}: no sweep here (no manifest.json); run povsim sweep first")
    return out


#: ``--posterior`` without a folder: the joint fit the bundled scenarios carry
BUNDLED = "bundled"


def bundled_posterior() -> Path:
    """The folder of the joint fit whose posterior medians the bundled scenarios hold
    (``calibration/posteriors/all``, written by ``make calibration``).

    Example:
        >>> bundled_posterior().parts[-2:]
        ('posteriors', 'all')
    """
    from importlib.util import find_spec

    where = Path(find_spec("povsim.calibration").submodule_search_locations[0])
    return where / "posteriors" / "all"


def posterior_file(folder: str | Path) -> Path:
    """The ``posterior.parquet`` of a ``povsim calibrate`` output folder (``bundled``: the
    bundled joint fit's), else a one-line :class:`ScenarioError` naming the ``--posterior``
    option."""
    if str(folder) == BUNDLED:
        folder = bundled_posterior()
    path = Path(folder) / "posterior.parquet"
    if not path.is_file():
        raise ScenarioError(f"--posterior {folder}: no posterior.parquet there (the output "
                            "folder of povsim calibrate)")
    return path
