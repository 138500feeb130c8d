"""Partners paired with villages: enterprises, government units, organisations, industrial zones.

Each partner offers local jobs, buys from its villages' cooperatives, invests once, gives yearly
aid, pays fixed dividends to registered poor households and, through its own party branch,
strengthens its villages' branches; a scenario sets which of these each partner group does.

Example:
    >>> import mesa
    >>> m = mesa.Model(rng=1)
    >>> e = Enterprise(m, index=0, jobs=30, wage_month=2000.0, purchase_per_village_year=1e5,
    ...                investment_per_village=5e4, fixed_dividend=300.0, start_year=2015)
    >>> e.active(2014), e.active(2015), e.kind
    (False, True, 'enterprise')
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from povsim.agents.columns import column, registered_view

#: a partner's accounts of the year (yuan, simulated units), zeroed in January
ACCOUNTS = ("wages_paid", "purchases", "household_premium_paid", "invested", "dividends_paid",
            "aid_paid", "stake_dividends_paid")


@dataclass
class PartnerArrays:
    """Every partner's jobs, wage, investment, aid, branch gain, first year and accounts, one
    array element per partner (issue 26: the month's wages, jobs, payments and aid are read and
    booked for every partner at once; :class:`Enterprise` agents are views of one element
    each). ``kind`` holds each partner's kind (a string array), the ledger's payer.

    Example:
        >>> s = PartnerArrays.empty(2); s.start_year[:] = [2015, 2017]
        >>> s.active(2016).tolist()
        [True, False]
        >>> s.wages_paid[:] = 5.0; s.reset_year(); s.wages_paid.tolist()
        [0.0, 0.0]
    """

    jobs: np.ndarray
    wage_month: np.ndarray
    investment_per_village: np.ndarray
    aid_per_village_year: np.ndarray
    branch_gain_month: np.ndarray
    start_year: np.ndarray  # int64
    kind: np.ndarray  # str
    invested_once: np.ndarray  # bool, has made its one-off investment
    wages_paid: np.ndarray
    purchases: np.ndarray
    household_premium_paid: np.ndarray
    invested: np.ndarray
    dividends_paid: np.ndarray
    aid_paid: np.ndarray
    stake_dividends_paid: np.ndarray

    @classmethod
    def empty(cls, n: int) -> PartnerArrays:
        """``n`` partners without jobs, wage or accounts, kind ``enterprise``."""
        return cls(*(np.zeros(n) for _ in range(5)), np.zeros(n, np.int64),
                   np.full(n, "enterprise", dtype=object), np.zeros(n, bool),
                   *(np.zeros(n) for _ in ACCOUNTS))

    def active(self, year: int) -> np.ndarray:
        """Whose pairing runs in ``year`` (:meth:`Enterprise.active`, element-wise)."""
        return self.start_year <= year

    def reset_year(self, row: int | slice = slice(None)) -> None:
        """Open a new year's accounts of partners ``row`` (default: all)."""
        for name in ACCOUNTS:
            getattr(self, name)[row] = 0.0


@dataclass
class PartnerLinks:
    """The partner-village pairs, one array element per pair, in pairing order (issue 26: the
    monthly purchases and December's fixed dividends run over these arrays): the partner's
    index and the village; the pair's reach, industry fit and share (:class:`Enterprise`'s
    ``reach``, ``fit`` and ``share`` for that village); the partner's purchases per village a
    year, the share of them it buys from households, its price premium and its first year. Made
    once, when the pairs are made (:meth:`of_partners`).

    Example:
        >>> import mesa
        >>> e = Enterprise(mesa.Model(rng=1), index=0, jobs=0, wage_month=0.0,
        ...                purchase_per_village_year=1200.0, investment_per_village=0.0,
        ...                fixed_dividend=0.0, start_year=2015)
        >>> e.reach[3], e.fit[3], e.share[3] = 0.5, 1.0, 1.0
        >>> links = PartnerLinks.of_partners([e], [(0, 3)])
        >>> links.v.tolist(), links.reach.tolist(), links.start_year.tolist()
        ([3], [0.5], [2015])
    """

    e: np.ndarray  # int64
    v: np.ndarray  # int64
    reach: np.ndarray
    fit: np.ndarray
    share: np.ndarray
    purchase_per_village_year: np.ndarray
    household_purchase_share: np.ndarray
    price_premium: np.ndarray
    start_year: np.ndarray  # int64

    @classmethod
    def of_partners(cls, partners: list[Enterprise], pairs: list[tuple[int, int]]
                    ) -> PartnerLinks:
        """The links of ``pairs`` (partner index, village) of ``partners``."""
        by_pair = [np.array([getattr(partners[e], name)[v] for e, v in pairs], np.float64)
                   for name in ("reach", "fit", "share")]
        e, v = (np.array([x[i] for x in pairs], np.int64).reshape(-1) for i in (0, 1))
        return cls.of_arrays(partners, e, v, *by_pair)

    @classmethod
    def of_arrays(cls, partners: list[Enterprise], e: np.ndarray, v: np.ndarray,
                  reach: np.ndarray, fit: np.ndarray, share: np.ndarray) -> PartnerLinks:
        """The links of pairs (partner ``e[j]``, village ``v[j]``) with their reach, fit and
        share; the partners' amounts from ``partners``.

        Example:
            >>> import mesa
            >>> e = Enterprise(mesa.Model(rng=1), index=0, jobs=0, wage_month=0.0,
            ...                purchase_per_village_year=1200.0, investment_per_village=0.0,
            ...                fixed_dividend=0.0, start_year=2015)
            >>> one = np.ones(1)
            >>> PartnerLinks.of_arrays([e], np.zeros(1, np.int64), np.array([3]), one / 2, one,
            ...                        one).purchase_per_village_year.tolist()
            [1200.0]
        """
        def per_partner(name: str, dtype=np.float64) -> np.ndarray:
            return np.array([getattr(p, name) for p in partners], dtype).reshape(-1)[e]

        return cls(np.asarray(e, np.int64), np.asarray(v, np.int64),
                   *(np.asarray(x, np.float64) for x in (reach, fit, share)),
                   per_partner("purchase_per_village_year"),
                   per_partner("household_purchase_share"), per_partner("price_premium"),
                   per_partner("start_year", np.int64))

    def cells(self, partners: int, villages: int) -> PairCells:
        """The distinct (partner, village) pairs of the links (:class:`PairCells`), made once
        per links."""
        if getattr(self, "_cells", None) is None:
            self._cells = PairCells.of(self.e, self.v, partners, villages)
        return self._cells

    @classmethod
    def empty(cls) -> PartnerLinks:
        """No pairs."""
        return cls.of_partners([], [])


@dataclass
class PairCells:
    """The distinct (partner, village) pairs of a :class:`PartnerLinks`, the cells of a
    partners x villages table that are not always zero: each link's cell (``of_link``), each
    cell's partner and village, and the cells of each village by partner (``by_village`` from
    ``village_ptr[v]``) and of each partner by village (``by_partner`` from
    ``partner_ptr[e]``), both ascending.

    Example:
        >>> c = PairCells.of(np.array([1, 0, 1]), np.array([2, 2, 2]), 2, 3)
        >>> c.of_link.tolist(), c.e.tolist(), c.by_village.tolist(), c.village_ptr.tolist()
        ([1, 0, 1], [0, 1], [0, 1], [0, 0, 0, 2])
    """

    of_link: np.ndarray
    e: np.ndarray
    v: np.ndarray
    by_village: np.ndarray
    village_ptr: np.ndarray
    by_partner: np.ndarray
    partner_ptr: np.ndarray

    @classmethod
    def of(cls, e: np.ndarray, v: np.ndarray, partners: int, villages: int) -> PairCells:
        """The cells of links (partner ``e[j]``, village ``v[j]``)."""
        key = np.asarray(e, np.int64) * villages + np.asarray(v, np.int64)
        cells, of_link = np.unique(key, return_inverse=True)
        ce, cv = cells // villages, cells % villages
        by_village = np.lexsort((ce, cv))
        by_partner = np.lexsort((cv, ce))
        return cls(of_link.astype(np.int64).reshape(-1), ce, cv, by_village,
                   np.searchsorted(cv[by_village], np.arange(villages + 1)), by_partner,
                   np.searchsorted(ce[by_partner], np.arange(partners + 1)))


class Enterprise(mesa.Agent):
    """An enterprise (or organisation) in enterprise-village pairing.

    Attributes:
        index: enterprise index; its employer code in ``Households.employer`` is ``index + 1``.
        villages: indices of the villages it is paired with.
        jobs: local jobs it offers to its paired villages (simulated units).
        wage_month: monthly wage of those jobs (yuan, base-year prices).
        purchase_per_village_year: purchases from each paired village cooperative (yuan/year).
        investment_per_village: one-off investment in each paired cooperative (yuan).
        collective_dividend_rate: yearly share dividend per yuan of a village collective's
            stake (its part of the investment), paid to the collective in December.
        stake: paired village -> the collective's stake in the partner (yuan invested there).
        fixed_dividend: yearly fixed dividend per registered poor household of its villages.
        start_year: first year of the pairing.
        kind: enterprise, government_unit, organisation or industrial_zone.
        group: index of its partner group in the scenario.
        price_premium: share above the market price paid for its purchases.
        household_purchase_share: share of its purchases bought from households' own produce
            under contract (the rest from the collective).
        aid_per_village_year: yearly aid to each paired village collective (yuan).
        branch_gain_month: monthly strengthening of each paired village's party branch.
        size: size multiplier (mean 1 over partners): scales its jobs, and its part of a
            village's purchases, investment, aid and dividends when partners share a village.
        xy: location (km); industry: index into ``povsim.schema.params.INDUSTRIES`` or -1 (buys
        any).
        share: paired village -> its part of the group's per-village amounts (sizes, sum 1).
        reach: paired village -> exp(-distance / reach_km), scaling hiring and purchases there.
        fit: paired village -> 1, or the industry mismatch factor, scaling purchases there.
        Accounts (yuan, year to date): ``wages_paid``, ``purchases``,
        ``household_premium_paid``, ``invested``, ``dividends_paid``, ``aid_paid``,
        ``stake_dividends_paid``.
        arrays, row: the :class:`PartnerArrays` holding its jobs, wage, first year and
            accounts (its world's, element ``index``; else its own).
    """

    jobs = column("jobs", float)
    wage_month = column("wage_month", float)
    investment_per_village = column("investment_per_village", float)
    aid_per_village_year = column("aid_per_village_year", float)
    branch_gain_month = column("branch_gain_month", float)
    start_year = column("start_year", int)
    kind = column("kind", str)
    invested_once = column("invested_once", bool)
    wages_paid = column("wages_paid", float)
    purchases = column("purchases", float)
    household_premium_paid = column("household_premium_paid", float)
    invested = column("invested", float)
    dividends_paid = column("dividends_paid", float)
    aid_paid = column("aid_paid", float)
    stake_dividends_paid = column("stake_dividends_paid", float)

    def __init__(self, model: mesa.Model, index: int, jobs: float, wage_month: float,
                 purchase_per_village_year: float, investment_per_village: float,
                 fixed_dividend: float, start_year: int, kind: str = "enterprise",
                 group: int = 0, price_premium: float = 0.0, aid_per_village_year: float = 0.0,
                 branch_gain_month: float = 0.0, size: float = 1.0,
                 xy: tuple[float, float] = (0.0, 0.0), industry: int = -1,
                 collective_dividend_rate: float = 0.0, household_purchase_share: float = 0.0,
                 arrays: PartnerArrays | None = None):
        super().__init__(model)
        self.arrays = arrays if arrays is not None else PartnerArrays.empty(1)
        self.row = int(index) if arrays is not None else 0
        self._describe(index, group, size, xy, industry, price_premium,
                       household_purchase_share, purchase_per_village_year, fixed_dividend,
                       collective_dividend_rate)
        self.kind = kind
        self.aid_per_village_year = float(aid_per_village_year)
        self.branch_gain_month = float(branch_gain_month)
        self.jobs = float(jobs)
        self.wage_month = float(wage_month)
        self.investment_per_village = float(investment_per_village)
        self.start_year = int(start_year)
        self.invested_once = False
        self.reset_year()

    def _describe(self, index: int, group: int, size: float, xy: tuple[float, float],
                  industry: int, price_premium: float, household_purchase_share: float,
                  purchase_per_village_year: float, fixed_dividend: float,
                  collective_dividend_rate: float) -> None:
        """Its attributes outside the arrays; no villages yet."""
        self.index, self.group = int(index), int(group)
        self.size = float(size)
        self.xy = (float(xy[0]), float(xy[1]))
        self.industry = int(industry)
        self.price_premium = float(price_premium)
        self.household_purchase_share = float(household_purchase_share)
        self.purchase_per_village_year = float(purchase_per_village_year)
        self.fixed_dividend = float(fixed_dividend)
        self.collective_dividend_rate = float(collective_dividend_rate)
        self.villages: list[int] = []
        self.share: dict[int, float] = {}
        self.stake: dict[int, float] = {}
        self.reach: dict[int, float] = {}
        self.fit: dict[int, float] = {}

    @classmethod
    def view(cls, model: mesa.Model, arrays: PartnerArrays, index: int, **attributes
             ) -> Enterprise:
        """The Mesa agent of partner ``index`` whose jobs, wage, investment, aid, branch
        gain, first year, kind and accounts ``arrays`` already hold; ``attributes`` are the
        others (``group``, ``size``, ``xy``, ``industry``, ``price_premium``,
        ``household_purchase_share``, ``purchase_per_village_year``, ``fixed_dividend``,
        ``collective_dividend_rate``).

        Example:
            >>> s = PartnerArrays.empty(2); s.jobs[1] = 4.0
            >>> e = Enterprise.view(mesa.Model(rng=1), s, 1, group=0, size=1.0, xy=(0, 0),
            ...                     industry=-1, price_premium=0.0, household_purchase_share=0.0,
            ...                     purchase_per_village_year=0.0, fixed_dividend=0.0,
            ...                     collective_dividend_rate=0.0)
            >>> e.jobs, e.code
            (4.0, 2)
        """
        self = registered_view(cls, model, arrays, index)
        self._describe(index, **attributes)
        return self

    @property
    def code(self) -> int:
        """Employer code in ``Households.employer``."""
        return self.index + 1

    def active(self, year: int) -> bool:
        """Whether the pairing is running in ``year``."""
        return year >= self.start_year

    def reset_year(self) -> None:
        """Open a new year's accounts."""
        self.arrays.reset_year(self.row)
