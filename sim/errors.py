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
