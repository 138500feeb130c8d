"""Interrupts that no library can swallow: an interrupt (Ctrl-C) is remembered as well as
raised, so a command whose interrupt was caught somewhere inside a library (a bare ``except``
around an import, a pool's shutdown) still ends with status 130, and long loops stop at their
next check (issue 29: one interrupt in four was swallowed in calibrate).

Example:
    >>> requested()
    False
"""

from __future__ import annotations

import signal

_SEEN: list[bool] = []


def _handler(signum, frame) -> None:
    _SEEN.append(True)
    raise KeyboardInterrupt


def requested() -> bool:
    """Whether an interrupt came since :func:`install`."""
    return bool(_SEEN)


def check() -> None:
    """Raise ``KeyboardInterrupt`` if an interrupt came (and was swallowed since): the loops
    of long commands call it between their parts.

    Example:
        >>> check() is None
        True
    """
    if _SEEN:
        raise KeyboardInterrupt


def install():
    """Remember every interrupt from now on (and raise it, as Python does); return the
    previous handler, for :func:`restore` (None where this is not the main thread, which
    cannot set a handler: there nothing changes)."""
    import threading

    _SEEN.clear()
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, _handler)


def restore(previous) -> None:
    """Put back the handler :func:`install` replaced; forget the interrupts seen."""
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
    _SEEN.clear()
