"""Speed, memory and accuracy measurements of povsim (``python -m benchmarks``; see the README).

Example:
    >>> import tempfile, pathlib
    >>> p = write_rows(pathlib.Path(tempfile.mkdtemp()) / "r" / "x.csv", [{"a": 1}])
    >>> p.read_text().split()
    ['a', '1']
"""

from __future__ import annotations

import csv
from pathlib import Path


def write_rows(path: Path, rows: list[dict]) -> Path:
    """Write ``rows`` (dicts with the same keys) as a CSV file at ``path``, its folder made if
    missing; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path
