"""The policy calendar (ODD §7.1): what paired partners give their villages each month.

A partner's pairing runs from its group's ``start_year`` (not before the programme). In its
first month it invests ``investment_per_village`` once in each paired village's collective,
which becomes the collective's stake in the partner (on which it is paid share dividends in
December, :meth:`povsim.submodels.december.December.stake_dividends`);
every month it gives a twelfth of ``aid_per_village_year`` and, through its own party branch,
strengthens each paired village's branch by ``branch_gain_month``. Partners sharing a village
split these amounts by their sizes (``Enterprise.share``). A government unit's money is public
money (a public cost).

Example:
    >>> from povsim.model import PovertyModel
    >>> m = PovertyModel("jiangkou", seed=1, scale=50)
    >>> for _ in range(13):
    ...     m.step()
    >>> sum(e.invested for e in m.enterprises) > 0
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from povsim.clock import Clock
from povsim.ledger import Ledger
from povsim.submodels.base import PROGRAMME, Submodel

if TYPE_CHECKING:
    from povsim.world import World


class PolicyCalendar(Submodel):
    """Partners' investment, aid and branch strengthening in their paired villages."""

    name, odd, when = "policy calendar", "7.1", PROGRAMME

    def __init__(self, clock: Clock, world: World, ledger: Ledger):
        super().__init__(clock)
        self.world, self.ledger = world, ledger

    def step(self) -> None:
        coops, villages, year = self.world.coops, self.world.villages, self.clock.year
        for e in self.world.partners:
            if e.active(year) and not e.invested_once and e.villages:
                e.invested_once = True
                for v in e.villages:
                    amount = e.investment_per_village * e.share[v]
                    coops[v].receive_project(amount)
                    e.stake[v] = e.stake.get(v, 0.0) + amount
                    e.invested += amount
                    self.ledger.partner_pays(e, "cooperative", "investment", amount)
            if e.active(year) and e.villages:
                for v in e.villages:
                    aid = e.aid_per_village_year / 12.0 * e.share[v]
                    if aid:
                        coops[v].receive_project(aid)
                        e.aid_paid += aid
                        self.ledger.partner_pays(e, "cooperative", "aid", aid)
                    if e.branch_gain_month:
                        villages[v].strengthen(e.branch_gain_month * e.share[v])
