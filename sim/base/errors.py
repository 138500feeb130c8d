"""The error of bad input, in a module of its own so that the command line can catch it without
importing the readers (pydantic, PyYAML) before a command needs them.

Example:
    >>> str(ScenarioError("x.yaml: field 'a': bad"))
    "x.yaml: field 'a': bad"
"""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario (or other input) file is invalid; the message is one line for the user.

    Example:
        >>> isinstance(ScenarioError("bad"), ValueError)
        True
    """


def did_you_mean(word: str, choices) -> str:
    """A hint naming the closest of ``choices`` to a mistyped ``word`` (difflib's ratio 0.6 or
    more, letter case ignored), or ``""`` when none is close.

    Example:
        >>> did_you_mean("randon", ["random", "optimal"])
        " (did you mean 'random'?)"
        >>> did_you_mean("zzz", ["random"])
        ''
    """
    import difflib

    choices = [str(c) for c in choices]
    by_lower = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[hits[0]]!r}?)" if hits else ""
