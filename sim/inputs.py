"""Reading input files: YAML through ``safe_load`` and one-line errors naming file and field.

Scenarios (:mod:`povsim.config`), sweep files (:mod:`povsim.sweepfile`) and the figure registry
(:mod:`povsim.calibration.registry`) are all read here and report every problem the same way:
one line, ``FILE: field 'a.b.0.c': what is wrong (got X)``, raised as :class:`ScenarioError`,
which the command line prints without a traceback.

Example:
    >>> from povsim.scenarios import scenario_path
    >>> data, raw = load_yaml(scenario_path("xixiu"))
    >>> data["name"]
    'xixiu'
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ValidationError

__all__ = ["ScenarioError", "format_validation_error", "load_yaml"]


class ScenarioError(ValueError):
    """A scenario (or other input) file is invalid; the message is one line for the user.

    Example:
        >>> str(ScenarioError("x.yaml: field 'a': bad"))
        "x.yaml: field 'a': bad"
    """


def _allowed_keys(model: Any, loc: tuple) -> list[str] | None:
    """Walk the schema along ``loc`` and return the field names allowed at its end."""
    tp: Any = model
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(part, int):
            args = typing.get_args(tp)
            tp = args[0] if args else None
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(part)
            if field is None:
                return None
            tp = field.annotation
        else:
            return None
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return None


def _unwrap(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else tp
    return tp


def _dotted(loc: tuple) -> str:
    """A field path as ``a.b.0.c``; a key with line breaks or other unprintables is quoted."""
    parts = [str(p) if str(p).isprintable() else repr(str(p)) for p in loc]
    return ".".join(parts) or "<top level>"


def format_validation_error(path: str | Path, err: ValidationError, model: Any) -> str:
    """Turn the first pydantic error into one line naming file, field path and what is allowed.

    Example:
        >>> from povsim.config import Scenario
        >>> try:
        ...     Scenario.model_validate({"name": 1})
        ... except ValidationError as e:
        ...     format_validation_error("x.yaml", e, Scenario).startswith("x.yaml: ")
        True
    """
    e = err.errors()[0]
    loc = tuple(e["loc"])
    field = _dotted(loc)
    kind = e["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1]) or []
        parent = _dotted(loc[:-1])
        msg = f"unknown key {loc[-1]!r} in '{parent}'; allowed keys: {', '.join(allowed)}"
    elif kind == "missing":
        msg = f"field '{field}' is missing (required)"
    else:
        text = e["msg"].removeprefix("Value error, ")
        got = e.get("input")
        got_s = "" if isinstance(got, dict | list) else f" (got {got!r})"
        msg = f"field '{field}': {text}{got_s}"
    more = len(err.errors()) - 1
    return f"{path}: {msg}" + (f" [and {more} more problem(s)]" if more else "")


def load_yaml(path: str | Path) -> tuple[dict, bytes]:
    """Read a YAML mapping with ``safe_load``; raise a one-line ScenarioError on any problem.

    Example:
        >>> data, raw = load_yaml("scenarios/xixiu.yaml")
        >>> data["name"]
        'xixiu'
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read file ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{p}: not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{p}: expected a mapping of fields at top level, got {type(data).__name__}")
    return data, raw


