"""The money flows of a run: who paid whom for what, the public cost, household receipts.

Every payment a submodel makes is booked here, and only here: a flow ``payer->payee:item``
(yuan, simulated units; scaled back by the run's household weight ``k`` in the ``ledger``
table), and, for public money, a public cost by item (yuan, real units) that December closes
into the ``costs`` table. The ledger is passed explicitly to the submodels that pay.

Example:
    >>> led = Ledger(k=10.0)
    >>> led.flow("government", "households", "transfers", 5.0)
    >>> led.cost("transfers", 5.0)
    >>> led.close_year(2014)
    ([{'year': 2014, 'item': 'transfers', 'yuan': 50.0}], 50.0)
    >>> led.table()["yuan"].tolist()
    [50.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from povsim.agents.households import SOURCES


def _added_in_turn(start: float, parts: np.ndarray) -> float:
    """``start`` plus ``parts`` added one after another (a running sum, not numpy's pairwise
    one), as repeated ``+=`` would.

    Example:
        >>> _added_in_turn(1.0, np.array([1e16, 1.0, -1e16]))
        0.0
    """
    if len(parts) > 256:
        return float(np.add.accumulate(np.concatenate(([start], parts)))[-1])
    total = float(start)
    for x in np.asarray(parts, np.float64).tolist():  # a few: Python's float adds, the same
        total += x
    return total


class Ledger:
    """Money flows and public cost of one run.

    Attributes:
        k: real households per simulated household (flows are kept in simulated units).
        flows: ``"payer->payee:item"`` -> yuan over the run (simulated units).
        cost_year: public cost this year by item (yuan, real units), in booking order.
        cost_cumulative: public cost of the years closed so far (yuan, real units).
        receipts: households' income by source over the closed years (simulated units).
    """

    def __init__(self, k: float, sources: int = len(SOURCES)):
        self.k = float(k)
        self.flows: dict[str, float] = {}
        self.cost_year: dict[str, float] = {}
        self.cost_cumulative = 0.0
        self.receipts = np.zeros(sources)

    def flow(self, payer: str, payee: str, item: str, yuan: float) -> None:
        """Book a payment of ``yuan`` (simulated units)."""
        key = f"{payer}->{payee}:{item}"
        self.flows[key] = self.flows.get(key, 0.0) + yuan

    def cost(self, item: str, yuan: float) -> None:
        """Book a public cost of ``yuan`` (simulated units; kept in real units)."""
        self.cost_year[item] = self.cost_year.get(item, 0.0) + yuan * self.k

    def flows_in_turn(self, payer: str, payee: str, item: str, yuan: np.ndarray) -> None:
        """:meth:`flow` once per payment of ``yuan``, in order: the same running sum.

        Example:
            >>> led = Ledger(k=1.0); led.flows_in_turn("a", "b", "c", np.array([1.0, 2.0]))
            >>> led.flows
            {'a->b:c': 3.0}
        """
        if len(yuan):
            key = f"{payer}->{payee}:{item}"
            self.flows[key] = _added_in_turn(self.flows.get(key, 0.0), yuan)

    def costs_in_turn(self, item: str, yuan: np.ndarray) -> None:
        """:meth:`cost` once per amount of ``yuan``, in order: the same running sum."""
        if len(yuan):
            self.cost_year[item] = _added_in_turn(self.cost_year.get(item, 0.0),
                                                  np.asarray(yuan, np.float64) * self.k)

    def partner_pays(self, partner, payee: str, item: str, yuan: float) -> None:
        """Book a partner's payment; a government unit's is public money (a public cost)."""
        if partner.kind == "government_unit":
            self.flow("government", payee, item, yuan)
            self.cost(f"partner_{item}", yuan)
        else:
            self.flow(partner.kind, payee, item, yuan)

    def partners_pay(self, payers: list[str], payee: str, item: str, yuan: np.ndarray) -> None:
        """Book payments ``yuan`` in turn, payment ``j`` by a partner of kind ``payers[j]``:
        the same sums, key by key, as :meth:`partner_pays` called once per payment (each key's
        running total added one payment after another, keys made in the order first paid).

        Example:
            >>> a, b = Ledger(k=2.0), Ledger(k=2.0)
            >>> kinds = ["enterprise", "government_unit", "enterprise"]
            >>> a.partners_pay(kinds, "cooperative", "purchases", np.array([1.0, 2.0, 3.0]))
            >>> from types import SimpleNamespace as NS
            >>> for kind, y in zip(kinds, [1.0, 2.0, 3.0]):
            ...     b.partner_pays(NS(kind=kind), "cooperative", "purchases", y)
            >>> a.flows == b.flows and a.cost_year == b.cost_year
            True
        """
        if not len(payers):
            return
        yuan = np.asarray(yuan, np.float64)
        kinds = dict.fromkeys(payers)
        if len(kinds) == 1:  # one kind of payer (the usual case): its payments in turn
            payer = next(iter(kinds))
            payer = "government" if payer == "government_unit" else payer
            self.flows_in_turn(payer, payee, item, yuan)
            if payer == "government":
                self.costs_in_turn(f"partner_{item}", yuan)
            return
        who = np.array(["government" if p == "government_unit" else p for p in payers])
        for payer in dict.fromkeys(who.tolist()):
            paid = yuan[who == payer]
            self.flows_in_turn(payer, payee, item, paid)
            if payer == "government":
                self.costs_in_turn(f"partner_{item}", paid)

    def close_year(self, year: int) -> tuple[list[dict], float]:
        """December: the year's cost rows (year, item, yuan) and total; the year starts again."""
        rows = [{"year": year, "item": item, "yuan": yuan} for item, yuan in
                self.cost_year.items()]
        total = sum(self.cost_year.values())
        self.cost_cumulative += total
        self.cost_year = {}
        return rows, total

    def table(self) -> pd.DataFrame:
        """Money flows over the run, one row per ``flow`` (payer->payee:item), in yuan."""
        return pd.DataFrame([{"flow": key, "yuan": v * self.k}
                             for key, v in sorted(self.flows.items())])
