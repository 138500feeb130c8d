"""povsim's version, read from the installed package's metadata (a light module: the command
line's ``--version`` and ``--help`` import it without numpy, pandas or pydantic).

Example:
    >>> from povsim.base.version import VERSION
    >>> VERSION is None or VERSION[0].isdigit()
    True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    #: povsim's version, from the installed package's metadata (None in a bare source tree)
    VERSION: str | None = version("povsim")
except PackageNotFoundError:  # pragma: no cover - the package is always installed to run
    VERSION = None
