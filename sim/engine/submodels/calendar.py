"""The policy calendar (ODD §7.1): what paired partners give their villages each month.

A partner's pairing runs from its group's ``start_year`` (not before the programme). In its
first month it invests ``investment_per_village`` once in each paired village's collective,
which becomes the collective's stake in the partner (on which it is paid share dividends in
December, :meth:`povsim.engine.submodels.december.December.stake_dividends`);
every month it gives a twelfth of ``aid_per_village_year`` and, through its own party branch,
strengthens each paired village's branch by ``branch_gain_month``. Partners sharing a village
split these amounts by their sizes (``Enterprise.share``). A government unit's money is public
money (a public cost).

Example:
    >>> from povsim.engine.model import PovertyModel
    >>> m = PovertyModel("jiangkou", seed=1, scale=50)
    >>> for _ in range(13):
    ...     m.step()
    >>> sum(e.invested for e in m.enterprises) > 0
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from povsim.base.clock import Clock
from povsim.engine.ledger import Ledger
from povsim.engine.submodels.base import PROGRAMME, Submodel
from povsim.engine.village_kernels import partners_calendar

if TYPE_CHECKING:
    from povsim.engine.world import World


class PolicyCalendar(Submodel):
    """Partners' investment, aid and branch strengthening in their paired villages."""

    name, odd, when = "policy calendar", "7.1", PROGRAMME

    def __init__(self, clock: Clock, world: World, ledger: Ledger):
        super().__init__(clock)
        self.world, self.ledger = world, ledger
        self._links: tuple = (None,)

    def links_by_partner(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The partner links sorted by partner, stably (each partner's villages in pairing
        order, as ``Enterprise.villages``): each partner's first link (``ptr``, partners + 1),
        the villages and the shares; made again when the pairs change."""
        links = self.world.partner_links
        if self._links[0] is not links:
            order = np.argsort(links.e, kind="stable")
            ptr = np.searchsorted(links.e[order], np.arange(len(self.world.partners) + 1))
            self._links = (links, ptr.astype(np.int64), links.v[order],
                           np.ascontiguousarray(links.share[order]))
        return self._links[1:]

    def step(self) -> None:
        """The month's investments, aid and strengthening in one compiled pass
        (:func:`povsim.engine.village_kernels.partners_calendar`), then booked: each investment as
        the collective's stake in its partner, and every payment in the ledger (investment, then
        aid, each in the order paid)."""
        w = self.world
        ptr, link_v, share = self.links_by_partner()
        if not link_v.size:
            return
        pa, cs = w.partner_arrays, w.coop_arrays
        n = 2 * link_v.size
        partner, village = np.empty(n, np.int64), np.empty(n, np.int64)
        amount, aid = np.empty(n), np.empty(n, bool)
        k = partners_calendar(ptr, link_v, share, pa.start_year, pa.invested_once,
                              pa.investment_per_village, pa.aid_per_village_year,
                              pa.branch_gain_month, self.clock.year, cs.capital,
                              cs.non_operating, w.village_arrays.branch_strength, pa.invested,
                              pa.aid_paid, partner, village, amount, aid)
        partner, village, amount, aid = partner[:k], village[:k], amount[:k], aid[:k]
        inv = ~aid
        for e, v, x in zip(partner[inv].tolist(), village[inv].tolist(), amount[inv].tolist(),
                           strict=True):
            stake = w.partners[e].stake
            stake[v] = stake.get(v, 0.0) + x
        self.ledger.partners_pay(pa.kind[partner[inv]].tolist(), "cooperative", "investment",
                                 amount[inv])
        self.ledger.partners_pay(pa.kind[partner[aid]].tolist(), "cooperative", "aid",
                                 amount[aid])
