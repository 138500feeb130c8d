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

from povsim.inputs import ScenarioError

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
