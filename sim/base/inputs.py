"""Reading input files: YAML through ``safe_load`` and one-line errors naming file and field.

Scenarios (:mod:`povsim.schema.config`), sweep files (:mod:`povsim.experiments.sweepfile`) and the
figure registry (:mod:`povsim.calibration.registry`) are all read here and report every problem the
same way: one line, ``FILE: field 'a.b.0.c': what is wrong (got X)``, raised as
:class:`ScenarioError`, which the command line prints without a traceback.

Example:
    >>> from povsim.scenarios import scenario_path
    >>> data, raw = load_yaml(scenario_path("xixiu"))
    >>> data["name"]
    'xixiu'
"""

from __future__ import annotations

import os
import re
import stat
import types
import typing
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ValidationError

from povsim.base.errors import ScenarioError
from povsim.base.folders import file_kind

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_INPUT_BYTES", "SAFE_NAME", "ScenarioError",
           "format_validation_error", "load_yaml", "read_bounded", "read_json", "regular_file"]

#: a name that becomes part of a path (a scenario's or a sweep's): letters, digits, ``_``,
#: ``.`` and ``-``, starting with a letter or digit (no separator, no ``..``, not absolute)
SAFE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
#: the deepest nesting of mappings and lists an input file may have (a scenario has 5 levels)
MAX_DEPTH = 32
#: the most aliases (``*name``) an input file may use (the bundled files use none)
MAX_ALIASES = 64
#: the most values a file may hold once its aliases are expanded (a scenario holds about
#: 2,000): an alias chain that doubles at each step is refused before it is built
MAX_VALUES = 100_000
#: the largest input file povsim reads whole (a scenario is about 45 kB, a manifest a few kB):
#: a larger one is refused before it is read
MAX_INPUT_BYTES = 4 * 2**20

def _not_regular(p: Path, mode: int) -> ScenarioError:
    return ScenarioError(f"{str(p)[:200]}: cannot read file ({file_kind(mode)}; povsim reads "
                         "regular files only)")


def regular_file(path: str | Path) -> Path:
    """``path`` if it names a regular file (following links); else a one-line ScenarioError
    saying what it is: a pipe or a device is never read, so a read cannot wait forever.

    Example:
        >>> regular_file("/dev/null")
        Traceback (most recent call last):
        ...
        povsim.base.errors.ScenarioError: /dev/null: cannot read file (a device; povsim reads ...)
    """
    p = Path(path)
    try:
        mode = os.stat(p).st_mode
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        why = getattr(exc, "strerror", None) or exc
        raise ScenarioError(f"{str(p)[:200]}: cannot read file ({why})") from None
    if not stat.S_ISREG(mode):
        raise _not_regular(p, mode)
    return p


def read_bounded(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of the input file ``path``, read through one bounded reader: a regular file
    only (:func:`regular_file`; opened without waiting, so a pipe swapped in is never waited
    on), at most ``limit`` bytes (:data:`MAX_INPUT_BYTES`), refused in one line before it is
    read when larger, and refused if it grows past the limit while read.

    Example:
        >>> len(read_bounded("scenarios/xixiu.yaml")) < MAX_INPUT_BYTES
        True
        >>> read_bounded("scenarios/xixiu.yaml", limit=100)
        Traceback (most recent call last):
        ...
        povsim.base.errors.ScenarioError: scenarios/xixiu.yaml: cannot read file (... bytes, ...)
    """
    p = regular_file(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ScenarioError(f"{str(p)[:200]}: cannot read file ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):  # swapped for a pipe or device since the check
            raise _not_regular(p, st.st_mode)
        if st.st_size > limit:
            raise ScenarioError(f"{str(p)[:200]}: cannot read file ({st.st_size:,} bytes, more "
                                f"than the {limit:,} an input file may hold)")
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise ScenarioError(f"{str(p)[:200]}: cannot read file ({exc.strerror})") from None
    if len(data) > limit:
        raise ScenarioError(f"{str(p)[:200]}: cannot read file (grew past the {limit:,} bytes "
                            "an input file may hold while it was read)")
    return data


def read_json(path: str | Path, limit: int = MAX_INPUT_BYTES):
    """A JSON file (a manifest, a chunk's record) read through :func:`read_bounded`; a file
    that is not JSON is a one-line ScenarioError.

    Example:
        >>> import json, tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "m.json"; _ = f.write_text(json.dumps({"a": 1}))
        >>> read_json(f)
        {'a': 1}
    """
    import json

    raw = read_bounded(path, limit)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"{str(path)[:200]}: not valid JSON ({str(exc)[:120]})") from None


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
        >>> from povsim.schema.config import Scenario
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
    elif kind == "invalid_key":  # a key YAML reads as a number, a date or a flag
        key = e.get("input")
        allowed = _allowed_keys(model, loc[:-1])
        msg = (f"unknown key {key!r} in '{_dotted(loc[:-1])}' (YAML reads it as a "
               f"{type(key).__name__}; keys are text)"
               + (f"; allowed keys: {', '.join(allowed)}" if allowed else ""))
    elif kind == "missing":
        msg = f"field '{field}' is missing (required)"
    else:
        text = e["msg"].removeprefix("Value error, ")
        got = e.get("input")
        got_s = "" if isinstance(got, dict | list) else f" (got {got!r})"
        msg = f"field '{field}': {text}{got_s}"
    more = len(err.errors()) - 1
    return f"{path}: {msg}" + (f" [and {more} more problem(s)]" if more else "")


class _Loader(yaml.SafeLoader):
    """``safe_load``'s loader with four more refusals: a key repeated in one mapping (YAML
    1.2 forbids it; PyYAML keeps the last), nesting deeper than :data:`MAX_DEPTH`, more than
    :data:`MAX_ALIASES` aliases, and more than :data:`MAX_VALUES` values once the aliases are
    expanded (counted on the composed node graph, before any object is built)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_ALIASES} aliases (*name)",
                    self.peek_event().start_mark)
        else:  # counted as composed, so a file of too many values stops while it is parsed
            self._nodes += 1
            if self._nodes > MAX_VALUES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_VALUES:,} values",
                    self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_document(self, node):
        sizes: dict[int, int] = {}

        def size(n) -> int:  # expanded count; an aliased node is shared, so memoised by id
            if id(n) not in sizes:
                if isinstance(n, yaml.MappingNode):
                    sizes[id(n)] = 1 + sum(size(k) + size(v) for k, v in n.value)
                elif isinstance(n, yaml.SequenceNode):
                    sizes[id(n)] = 1 + sum(size(v) for v in n.value)
                else:
                    sizes[id(n)] = 1
            return sizes[id(n)]

        if size(node) > MAX_VALUES:
            raise yaml.composer.ComposerError(
                None, None, f"more than {MAX_VALUES:,} values once its aliases are expanded",
                node.start_mark)
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value!r} (each key once)",
                        key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


#: YAML 1.2's core schema for booleans and numbers, in place of PyYAML's YAML 1.1 readings:
#: ``035`` is 35 (1.1: octal 29), ``yes``/``no``/``on``/``off`` are text (1.1: booleans; the
#: schema then names the field), ``1:30`` is text (1.1: sexagesimal 90), ``1e5`` is a number
#: (1.1: text)
_CORE_12 = {
    "tag:yaml.org,2002:bool": (r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    "tag:yaml.org,2002:int": (r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    "tag:yaml.org,2002:float": (r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                                r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in rules if tag not in _CORE_12]
    for first, rules in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for _tag, (_rx, _first) in _CORE_12.items():
    _Loader.add_implicit_resolver(_tag, re.compile(_rx), list(_first))


def _construct_int(loader: _Loader, node) -> int:
    """A YAML 1.2 integer: decimal whatever its leading zeros, ``0o`` octal, ``0x`` hex."""
    text = loader.construct_scalar(node)
    sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
    for prefix, base in (("0o", 8), ("0x", 16)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)
    return sign * int(digits, 10)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_yaml(path: str | Path) -> tuple[dict, bytes]:
    """Read a YAML mapping with ``safe_load`` (booleans and numbers read as YAML 1.2 reads
    them: :data:`_CORE_12`) through :func:`read_bounded`, its limits (:data:`MAX_VALUES`,
    :data:`MAX_DEPTH`, :data:`MAX_ALIASES`) checked while it is parsed; raise a one-line
    ScenarioError on any problem.

    Example:
        >>> data, raw = load_yaml("scenarios/xixiu.yaml")
        >>> data["name"]
        'xixiu'
        >>> [yaml.load(f"v: {s}", Loader=_Loader)["v"]
        ...  for s in ("035", "yes", "1:30", "1e5", "0o17", "true")]
        [35, 'yes', '1:30', 100000.0, 15, True]
    """
    p = Path(path)
    raw = read_bounded(p)
    try:
        data = yaml.load(raw, Loader=_Loader)  # a SafeLoader with more refusals
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{p}: not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{p}: expected a mapping of fields at top level, got {type(data).__name__}")
    return data, raw


