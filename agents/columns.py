"""Agents as views of arrays: an agent's attribute kept in its element of a column of its
kind's state arrays (issue 26), so that submodels update every agent of a kind at once while
each agent stays a Mesa agent whose attributes read and write its element.

Example:
    >>> import numpy as np
    >>> class State:
    ...     level = np.zeros(3)
    >>> class Agent:
    ...     level = column("level", float)
    ...     def __init__(self, row):
    ...         self.arrays, self.row = State, row
    >>> a = Agent(1); a.level = 2.5
    >>> a.level, State.level.tolist()
    (2.5, [0.0, 2.5, 0.0])
"""

from __future__ import annotations

import mesa


def column(name: str, kind: type) -> property:
    """An attribute kept in element ``self.row`` of the array ``self.arrays.<name>``, read as
    a Python ``kind`` (``float``, ``bool`` or ``int``)."""

    def get(self):
        return kind(getattr(self.arrays, name)[self.row])

    def put(self, value) -> None:
        getattr(self.arrays, name)[self.row] = value

    return property(get, put, doc=f"its element of the {name} array")


def year_or_none(name: str) -> property:
    """A year attribute that may be None (not yet), kept as 0 in the int array ``name``."""

    def get(self) -> int | None:
        return int(getattr(self.arrays, name)[self.row]) or None

    def put(self, year: int | None) -> None:
        getattr(self.arrays, name)[self.row] = year or 0

    return property(get, put, doc=f"its element of the {name} array (0 stored for None)")


def registered_view(cls: type, model: mesa.Model, arrays, row: int):
    """An agent of ``cls`` viewing element ``row`` of ``arrays`` as they stand, registered with
    ``model`` as a Mesa agent, without running ``cls.__init__`` (which would set a new agent's
    state over the element's): the one way the engine's agents are made from its arrays.

    Example:
        >>> import numpy as np
        >>> class State:
        ...     level = np.array([0.0, 4.0])
        >>> class Thing(mesa.Agent):
        ...     level = column("level", float)
        >>> registered_view(Thing, mesa.Model(rng=1), State, 1).level
        4.0
    """
    agent = cls.__new__(cls)
    mesa.Agent.__init__(agent, model)
    agent.arrays, agent.row = arrays, int(row)
    return agent
