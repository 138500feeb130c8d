"""Writing output files: atomic writes, tables as Parquet and CSV, manifests and the version.

Every file povsim writes goes through :func:`atomic_write` (a temporary name in the same folder,
renamed into place), so an interrupted run never leaves a half-written file under a final name.
The version is read once, from the installed package's metadata.

Example:
    >>> import tempfile
    >>> import pandas as pd
    >>> out = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_tables(out, {"t": pd.DataFrame({"a": [1]})})]
    ['t.parquet', 't.csv']
    >>> write_manifest(out, {"x": 1}).read_text()
    '{\\n  "x": 1\\n}'
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from povsim.base.version import VERSION


def atomic_write(path: Path, writer: Callable[[Path], object]) -> Path:
    """Write ``path`` by calling ``writer(tmp)`` on a temporary name, flushing it to disk, then
    renaming it into place.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "a.txt"
        >>> atomic_write(p, lambda t: t.write_text("hi")).read_text()
        'hi'
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        writer(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:  # on disk before the rename: a crash leaves the old file or the whole new one
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_tables(out: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write each table as ``NAME.parquet`` and ``NAME.csv`` in ``out`` (atomically); return
    the paths."""
    written = []
    for name, df in tables.items():
        written.append(atomic_write(out / f"{name}.parquet",
                                    lambda p, d=df: d.to_parquet(p, index=False)))
        written.append(atomic_write(out / f"{name}.csv", lambda p, d=df: d.to_csv(p, index=False)))
    return written


def write_manifest(out: Path, manifest: dict, name: str = "manifest.json") -> Path:
    """Write ``manifest`` as indented JSON to ``out/name`` (atomically)."""
    text = json.dumps(manifest, indent=2, default=str)
    return atomic_write(Path(out) / name, lambda p: Path(p).write_text(text))


def table_entries(tables: dict[str, pd.DataFrame],
                  descriptions: dict[str, str] | None = None) -> dict[str, dict]:
    """The manifest's description of written tables: rows, columns, files (and a description).

    Example:
        >>> table_entries({"t": pd.DataFrame({"a": [1, 2]})})["t"]["rows"]
        2
    """
    out = {}
    for name, df in tables.items():
        entry = {"rows": len(df), "columns": list(map(str, df.columns)),
                 "files": [f"{name}.parquet", f"{name}.csv"]}
        if descriptions is not None:
            entry["description"] = descriptions.get(name, "")
        out[name] = entry
    return out


def git_commit() -> str | None:
    """The git commit of the povsim source tree, or None outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False)
        if out.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5, check=False).stdout
        return out.stdout.strip() + ("-dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def code_version() -> dict:
    """povsim's version and git commit (None outside a git checkout).

    Example:
        >>> sorted(code_version())
        ['git_commit', 'povsim']
    """
    return {"povsim": VERSION, "git_commit": git_commit()}


def software() -> dict:
    """The versions a manifest records: Python, numpy, pandas and Mesa.

    Example:
        >>> sorted(software())
        ['mesa', 'numpy', 'pandas', 'python']
    """
    import mesa
    import numpy as np

    return {"python": platform.python_version(), "numpy": np.__version__,
            "pandas": pd.__version__, "mesa": mesa.__version__}
