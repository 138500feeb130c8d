"""What every submodel is: a named step of the monthly schedule, with its ODD section and when
it runs.

A submodel is built once per run with the state it reads and changes passed in explicitly (the
world, the clock, the scenario section it needs, its random streams, the ledger it books money
in); the model's ``step()`` runs the declared schedule (``PovertyModel.SCHEDULE``), calling
``step()`` on each submodel that is due this month.

Example:
    >>> from povsim.base.clock import Clock
    >>> c = Clock(baseline_year=2013, programme_start=2014, end_year=2017, income_growth=0.0)
    >>> [w for w in (EVERY_MONTH, PROGRAMME, DECEMBER) if due(w, c)]
    ['every month']
"""

from __future__ import annotations

from typing import ClassVar

from povsim.base.clock import Clock

EVERY_MONTH = "every month"
PROGRAMME = "programme months"  # from identification on, in the programme's years
DECEMBER = "december"


def due(when: str, clock: Clock) -> bool:
    """Whether a submodel that runs ``when`` is due in the clock's month."""
    if when == EVERY_MONTH:
        return True
    if when == PROGRAMME:
        return clock.in_programme
    if when == DECEMBER:
        return clock.december
    raise ValueError(f"unknown schedule {when!r}; known: {EVERY_MONTH}, {PROGRAMME}, {DECEMBER}")


class Submodel:
    """A step of the monthly schedule; subclasses set ``name``, ``odd`` and ``when`` and
    implement :meth:`step`."""

    name: ClassVar[str] = ""
    odd: ClassVar[str] = ""  # its section of docs/ODD.md, e.g. "7.6"
    when: ClassVar[str] = EVERY_MONTH

    def __init__(self, clock: Clock):
        self.clock = clock

    def due(self) -> bool:
        """Whether it runs this month."""
        return due(self.when, self.clock)

    def step(self) -> None:  # pragma: no cover - every submodel defines it
        """Run this month's rule."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, ODD §{self.odd}, {self.when})"
