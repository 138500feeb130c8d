"""A small structured fuzzer of povsim's input files (used by tests/test_fuzz.py).

Every scalar leaf of a file (a scenario's or a sweep's) is replaced in turn by hostile values
(wrong types, non-finite and huge numbers, empty or huge strings, containers), the file is
written back as YAML and loaded the way the command line loads it. Each attempt is classified:

- ``clean``: refused with a one-line :class:`ScenarioError` naming the file;
- ``accepted``: loaded, and the value is one the field may hold (same kind, finite);
- ``wrong accept``: loaded although the value is non-finite or of another kind than the
  original (a string where a number was, a number where a string was);
- ``traceback``: any other exception;
- ``hang``: still loading after :data:`HANG_SECONDS`.
"""

from __future__ import annotations

import copy
import math
import random
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from povsim.base.inputs import ScenarioError

HANG_SECONDS = 10
HOSTILE: list[Any] = [None, "text", "", -1, 0, 10**30, -1e308, 1e308, float("nan"),
                      float("inf"), [], {}, True, "x" * 5000, [1, 2], {"value": 1}]


def leaves(data: Any, prefix: tuple = ()) -> list[tuple]:
    """The paths of every scalar in a parsed YAML document.

    Example:
        >>> leaves({"a": 1, "b": [{"c": "x"}]})
        [('a',), ('b', 0, 'c')]
    """
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in leaves(v, (*prefix, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in leaves(v, (*prefix, i))]
    return [prefix]


def replaced(data: Any, path: tuple, value: Any) -> Any:
    """A deep copy of ``data`` with the leaf at ``path`` replaced by ``value``."""
    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "str"
    return type(v).__name__


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


def attempt(load: Callable[[Path], Any], file: Path, original: Any, value: Any) -> str:
    """Load ``file`` and classify the outcome (see the module docstring)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        load(file)
    except ScenarioError as exc:
        msg = str(exc)
        return "clean" if "\n" not in msg and str(file) in msg else "traceback"
    except _Hang:
        return "hang"
    except Exception:
        return "traceback"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    if value is None:  # an optional field left out (a required one is refused)
        return "accepted"
    non_finite = isinstance(value, float) and not math.isfinite(value)
    if non_finite or _kind(original) != _kind(value):
        return "wrong accept"
    return "accepted"


def fuzz(base: Path, load: Callable[[Path], Any], work: Path, per_leaf: int | None = None,
         seed: int = 1) -> tuple[Counter, list[str]]:
    """Mutate every leaf of ``base`` with ``per_leaf`` hostile values (all when None), load
    each mutant from ``work``, and return the counts and a description of every bad outcome.

    A mutant keeps ``base``'s name, so that files it names relative to itself are found
    (they are linked beside it by the caller).
    """
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    counts: Counter = Counter()
    bad: list[str] = []
    file = work / base.name
    for path in leaves(data):
        original = _get(data, path)
        values = HOSTILE if per_leaf is None else rng.sample(HOSTILE, per_leaf)
        for value in values:
            if value == original and _kind(value) == _kind(original):
                continue
            file.write_text(yaml.safe_dump(replaced(data, path, value), allow_unicode=True),
                            encoding="utf-8")
            outcome = attempt(load, file, original, value)
            counts[outcome] += 1
            if outcome in ("traceback", "hang", "wrong accept"):
                bad.append(f"{base.name}: {'.'.join(map(str, path))} = {str(value)[:40]!r}: "
                           f"{outcome}")
    return counts, bad


def prepare(given: list[dict], folder: Path, root: Path) -> None:
    """Make, in ``folder``, what a corpus entry's command line is given (its ``given:`` list).

    Each item is one of:

    - ``{pipe: NAME}``: a named pipe with no writer (an input that never ends);
    - ``{file: NAME, size: N}``: a sparse file of N bytes;
    - ``{file: NAME, text: T, repeat: R, times: N, end: E}``: ``T + R * N + E``;
    - ``{file: NAME, copy: SRC, sub: [PATTERN, REPLACEMENT]}``: the repository's file SRC with
      its first match of PATTERN replaced (a bundled scenario with one hostile value);
    - ``{store: NAME, damage: record_rows}``: a small finished store of the bundled pairing
      sweep whose second chunk's record gives one row more than the chunk holds.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> prepare([{"file": "a.yaml", "text": "v: [", "repeat": "1, ", "times": 2,
        ...           "end": "1]"}], d, d)
        >>> (d / "a.yaml").read_text()
        'v: [1, 1, 1]'
    """
    import json
    import os
    import re

    for item in given:
        if "pipe" in item:
            os.mkfifo(folder / item["pipe"])
        elif "store" in item:
            from povsim.experiments.sweepfile import load_sweep
            from povsim.experiments.sweeps import SweepStore, run_sweep

            out = folder / item["store"]
            run_sweep(load_sweep(root / "scenarios/sweeps/xixiu_pairing.yaml"), out,
                      serial=True, progress=False, scale=2000.0, replicates=1, chunk_size=3)
            assert item["damage"] == "record_rows", item
            record = SweepStore(out).record_path(1)
            rec = json.loads(record.read_text())
            record.write_text(json.dumps({**rec, "rows": rec["rows"] + 1}))
        elif "size" in item:
            with (folder / item["file"]).open("wb") as f:
                f.truncate(item["size"])
        elif "copy" in item:
            pattern, replacement = item["sub"]
            text, n = re.subn(pattern, replacement, (root / item["copy"]).read_text("utf-8"),
                              count=1, flags=re.M)
            assert n == 1, pattern
            (folder / item["file"]).write_text(text, encoding="utf-8")
        else:
            (folder / item["file"]).parent.mkdir(parents=True, exist_ok=True)
            (folder / item["file"]).write_text(
                item["text"] + item.get("repeat", "") * item.get("times", 0)
                + item.get("end", ""), encoding="utf-8")


def snapshot(folder: Path) -> dict[str, tuple]:
    """What each path under ``folder`` is (its kind, and the bytes of a regular file), to show
    that a refused command left everything it was given as it was.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "a").write_text("x")
        >>> snapshot(d)
        {'a': ('file', b'x')}
    """
    import stat

    out = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            out[str(path.relative_to(folder))] = ("file", path.read_bytes())
        elif stat.S_ISDIR(mode):
            out[str(path.relative_to(folder))] = ("folder", b"")
        elif not stat.S_ISLNK(mode):
            out[str(path.relative_to(folder))] = (stat.S_IFMT(mode), b"")
    return out
