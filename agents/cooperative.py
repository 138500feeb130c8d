"""Village collective economy / cooperative: production, wages, rent, dividends and assets.

One collective per village. It is "hollow" while it has no operating activity (zero operating
revenue) and "breaks zero" when it starts operating. Its books are kept for the year and closed
in December, when fixed dividends (to registered poor members) and share dividends are paid and
the rest is retained as collective assets.

Example:
    >>> import mesa
    >>> m = mesa.Model(rng=1)
    >>> c = Cooperative(m, village=0, capital=1000.0, active=True)
    >>> c.receive_project(500.0); c.capital
    1500.0
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import mesa
import numpy as np
from numba import njit

from povsim.agents.columns import column, registered_view, year_or_none
from povsim.base.scaling import post


@dataclass(frozen=True)
class Earning:
    """How a collective earns: its collective-economy model (ODD §7.7).

    Attributes:
        services: it sells services on its facilities (``service_yield`` per yuan of capital a
            year, x growth) instead of producing from its capital.
        service_yield: services revenue per yuan of capital per year.
        market_access: its own share of produce sold on the open market (None: the scenario's).
        stake: shares it holds in enterprises (yuan, simulated units), outside its capital.
        stake_dividend_rate: yearly dividend per yuan of stake.

    Example:
        >>> Earning().services, Earning(services=True, service_yield=0.2).service_yield
        (False, 0.2)
    """

    services: bool = False
    service_yield: float = 0.0
    market_access: float | None = None
    stake: float = 0.0
    stake_dividend_rate: float = 0.0


@njit(cache=True, nogil=True)
def produce(active, capital, capital_yield, leased_land, yield_per_mu, management,
            multiplier):  # pragma: no cover - compiled
    """A collective's output of a month (yuan at market prices) from its capital and leased land,
    scaled by management and its model's multiplier; 0 when hollow (the rule of
    :meth:`Cooperative.monthly_output` and of the compiled month).

    Example:
        >>> produce(True, 1200.0, 0.1, 0.0, 0.0, 1.0, 1.0)
        10.0
    """
    if not active:
        return 0.0
    annual = capital * capital_yield + leased_land * yield_per_mu
    return annual * management * multiplier / 12.0


@njit(cache=True, nogil=True)
def serve(active, services, capital, service_yield, growth, management,
          multiplier):  # pragma: no cover - compiled
    """A services collective's revenue of a month (yuan): capital x ``service_yield`` x growth,
    scaled by management and its model's multiplier; 0 when hollow or not a services collective
    (the rule of :meth:`Cooperative.service_output` and of the compiled month).

    Example:
        >>> serve(True, True, 1.2e6, 0.1, 1.0, 1.0, 1.0)
        10000.0
    """
    if not active or not services:
        return 0.0
    return capital * service_yield * growth * management * multiplier / 12.0


@njit(cache=True, nogil=True)
def sell(output, market_access, demand, premium):  # pragma: no cover - compiled
    """A collective's sales of a month's ``output`` (yuan at market prices): ``market_access``
    of it sells on the open market; purchase contracts buy from the rest, up to the partners'
    ``demand`` (yuan, at their price), paying ``1 + premium`` times the market price. Returns
    (open-market sales, contract sales). What neither buys is not sold.

    Example:
        >>> sell(1000.0, 0.7, 0.0, 0.1)      # no buyer: 30% of the output unsold
        (700.0, 0.0)
        >>> sell(1000.0, 0.7, 200.0, 0.1)    # a buyer takes 200 yuan of it, at its price
        (700.0, 200.0)
        >>> market, contracts = sell(1000.0, 0.5, 900.0, 0.1)  # at most the rest, 500 x 1.1
        >>> market, round(contracts, 6)
        (500.0, 550.0)
    """
    market = market_access * output
    room = (1.0 - market_access) * output * (1.0 + premium)
    return market, (room if room < demand else demand)  # Python's min(demand, room)


@njit(cache=True, nogil=True)
def close_books(revenue, wages, rent, other_costs, capital, active, fixed_due,
                share_payout):  # pragma: no cover - compiled
    """The rule of :meth:`Cooperative.close_year` on a collective's books: (fixed dividends,
    share dividends, retained, loss cover, capital after). The one statement of the rule: the
    agent's method and the compiled December (:mod:`povsim.engine.village_kernels`) call it.

    Example:
        >>> close_books(1000.0, 300.0, 100.0, 100.0, 50.0, True, 200.0, 0.5)
        (200.0, 150.0, 150.0, 0.0, 200.0)
    """
    surplus = revenue - wages - rent - other_costs
    fixed = 0.0
    if active:  # min(fixed_due, max(surplus, 0.0) + capital), Python's min and max
        room = (0.0 if 0.0 > surplus else surplus) + capital
        fixed = room if room < fixed_due else fixed_due
    after_fixed = surplus - fixed
    shares = share_payout * after_fixed if after_fixed > 0 else 0.0
    retained = after_fixed - shares
    short = -(capital + retained)
    loss_cover = 0.0 if 0.0 > short else short  # max(short, 0.0)
    return fixed, shares, retained, loss_cover, capital + retained + loss_cover


#: a collective's books of the year, zeroed in January (:meth:`CoopArrays.reset_year`)
YEAR_BOOKS = ("revenue", "sales_to_enterprises", "stake_dividends", "non_operating", "wages",
              "rent", "other_costs", "fixed_dividends", "share_dividends")


@dataclass
class CoopArrays:
    """Every village collective's state, one array element per collective (issue 26: the
    collectives' month runs over these arrays at once; :class:`Cooperative` agents are views of
    one element each). Money in yuan, simulated units; the fields are :class:`Cooperative`'s
    attributes of the same names.

    Example:
        >>> s = CoopArrays.empty(3); s.capital[:] = [1.0, 2.0, 3.0]; s.revenue[:] = 5.0
        >>> s.reset_year(); s.revenue.tolist(), s.capital.tolist()
        ([0.0, 0.0, 0.0], [1.0, 2.0, 3.0])
    """

    capital: np.ndarray
    active: np.ndarray  # bool
    leased_land: np.ndarray
    jobs: np.ndarray
    fill: np.ndarray
    revenue: np.ndarray
    sales_to_enterprises: np.ndarray
    stake_dividends: np.ndarray
    non_operating: np.ndarray
    wages: np.ndarray
    rent: np.ndarray
    other_costs: np.ndarray
    fixed_dividends: np.ndarray
    share_dividends: np.ndarray
    retained: np.ndarray
    loss_cover: np.ndarray
    ever_active_year: np.ndarray  # int32, 0: never active yet
    revenue_multiplier: np.ndarray
    services: np.ndarray  # bool: Earning.services
    service_yield: np.ndarray  # Earning.service_yield
    market_access: np.ndarray  # Earning.market_access (NaN: the scenario's)

    @classmethod
    def empty(cls, n: int) -> CoopArrays:
        """``n`` hollow collectives without capital, land or books (fill 1, multiplier 1)."""
        kinds = {"active": bool, "services": bool, "ever_active_year": np.int32}
        ones = ("fill", "revenue_multiplier")
        out = {f.name: (np.ones(n) if f.name in ones else np.zeros(n, kinds.get(f.name, float)))
               for f in fields(cls)}
        out["market_access"] = np.full(n, np.nan)
        return cls(**out)

    def reset_year(self, row: int | slice = slice(None)) -> None:
        """Open a new year's books (of collective ``row``; default all)."""
        for name in YEAR_BOOKS:
            getattr(self, name)[row] = 0.0

    def set_earning(self, row, earning: Earning) -> None:
        """How collective ``row`` earns (:class:`Earning`'s services, yield and access)."""
        self.services[row], self.service_yield[row] = earning.services, earning.service_yield
        self.market_access[row] = np.nan if earning.market_access is None else (
            earning.market_access)

    def set_land(self, row, land: float, jobs_per_100mu: float) -> None:
        """Collective ``row``'s leased land (mu) and its posts (:meth:`Cooperative.set_land`)."""
        self.leased_land[row] = land
        self.jobs[row], self.fill[row] = post(jobs_per_100mu * land / 100.0)

    def receive_transfer(self, row, amount: float) -> None:
        """A fiscal subsidy to collective ``row`` (:meth:`Cooperative.receive_transfer`)."""
        self.non_operating[row] += amount

    def receive_stake_dividend(self, row, amount: float) -> None:
        """A share dividend to collective ``row``
        (:meth:`Cooperative.receive_stake_dividend`)."""
        self.revenue[row] += amount
        self.stake_dividends[row] += amount


class Cooperative(mesa.Agent):
    """A village collective economy (cooperative).

    Attributes (money in yuan, simulated units; year-to-date unless said otherwise):
        village: its village index.
        collective_model: the collective-economy model it runs (``standard`` unless the scenario
            lists ``cooperatives.models``); ``revenue_multiplier`` scales its operating output
            and ``earning`` (:class:`Earning`) says how it earns.
        active: operating (not hollow).
        capital: accumulated collective assets (stock).
        leased_land: mu leased from member households (stock).
        jobs: the posts it offers (simulated workers), from its leased land (:meth:`set_land`).
        fill: the share of a full job each post is (0-1]: ``jobs x fill`` are its jobs.
        revenue: operating revenue (sales on the open market and to paired partners).
        sales_to_enterprises: the part of revenue bought by paired enterprises.
        stake_dividends: the part of revenue that is share dividends on its stakes in partners
            (investment income, counted as operating revenue as village accounts do).
        non_operating: project funds, enterprise investment and fiscal subsidies received.
        wages, rent, other_costs: costs paid.
        fixed_dividends, share_dividends: paid to households in December.
        retained: last December's retained surplus (negative for a loss).
        loss_cover: last December's loss beyond capital, covered by the township (public cost).
    """

    capital = column("capital", float)
    active = column("active", bool)
    leased_land = column("leased_land", float)
    jobs = column("jobs", float)
    fill = column("fill", float)
    revenue = column("revenue", float)
    sales_to_enterprises = column("sales_to_enterprises", float)
    stake_dividends = column("stake_dividends", float)
    non_operating = column("non_operating", float)
    wages = column("wages", float)
    rent = column("rent", float)
    other_costs = column("other_costs", float)
    fixed_dividends = column("fixed_dividends", float)
    share_dividends = column("share_dividends", float)
    retained = column("retained", float)
    loss_cover = column("loss_cover", float)
    revenue_multiplier = column("revenue_multiplier", float)
    ever_active_year = year_or_none("ever_active_year")

    def __init__(self, model: mesa.Model, village: int, capital: float, active: bool,
                 collective_model: str = "standard", revenue_multiplier: float = 1.0,
                 earning: Earning | None = None, arrays: CoopArrays | None = None):
        super().__init__(model)
        #: the arrays holding its state (its world's, element ``village``; else its own)
        self.arrays = arrays if arrays is not None else CoopArrays.empty(1)
        self.row = int(village) if arrays is not None else 0
        self.earning = earning or Earning()
        self.village = int(village)
        self.collective_model = collective_model
        self.revenue_multiplier = float(revenue_multiplier)
        self.capital = float(capital)
        self.active = bool(active)
        self.arrays.set_earning(self.row, self.earning)

    @classmethod
    def view(cls, model: mesa.Model, arrays: CoopArrays, village: int,
             collective_model: str = "standard", earning: Earning | None = None
             ) -> Cooperative:
        """The Mesa agent of collective ``village`` of ``arrays`` as it stands (its state
        left as it is), registered with ``model``.

        Example:
            >>> import mesa
            >>> s = CoopArrays.empty(2); s.capital[1] = 7.0
            >>> Cooperative.view(mesa.Model(rng=1), s, 1).capital
            7.0
        """
        self = registered_view(cls, model, arrays, village)
        self.village = int(village)
        self.earning, self.collective_model = earning or Earning(), collective_model
        return self

    def reset_year(self) -> None:
        """Open a new year's books."""
        self.arrays.reset_year(self.row)

    def set_land(self, land: float, jobs_per_100mu: float) -> None:
        """Its leased land (mu) and the jobs that land gives, ``jobs_per_100mu x land / 100``:
        as whole posts (rounded up), each post ``fill`` of a full job.

        A simulated worker stands for ``k`` real ones; part-time posts
        (:func:`povsim.base.scaling.posts`; the collective pays ``fill`` of the wage, the outside
        market the rest) keep a collective's wage bill in proportion to its land at any scale,
        where whole posts would make a few mu pay ``k`` real wages (issue 25: at 1:20 such lumpy
        first jobs hollowed Xixiu's collectives out: 212 real collective jobs at the end against
        377 at 1:1, 8 replicates).

        Example:
            >>> import mesa
            >>> c = Cooperative(mesa.Model(rng=1), village=0, capital=0.0, active=True)
            >>> c.set_land(150.0, 1.0); c.jobs, c.fill
            (2.0, 0.75)
        """
        self.arrays.set_land(self.row, land, jobs_per_100mu)

    def receive_transfer(self, amount: float) -> None:
        """A fiscal subsidy for running the village (non-operating income, spent, not capital).

        Example:
            >>> import mesa
            >>> c = Cooperative(mesa.Model(rng=1), village=0, capital=5.0, active=False)
            >>> c.receive_transfer(2.0); (c.non_operating, c.capital, c.revenue)
            (2.0, 5.0, 0.0)
        """
        self.arrays.receive_transfer(self.row, amount)

    def receive_project(self, amount: float) -> None:
        """Project funds (public) or enterprise investment added to collective capital."""
        self.capital += amount
        self.non_operating += amount

    def monthly_output(self, capital_yield: float, yield_per_mu: float,
                       management: float) -> float:
        """This month's output (yuan at market prices) from capital and leased land, scaled by
        management and the collective-economy model's multiplier; 0 when hollow."""
        return produce(self.active, self.capital, float(capital_yield), self.leased_land,
                       float(yield_per_mu), float(management), self.revenue_multiplier)

    def service_output(self, growth: float, management: float) -> float:
        """This month's services revenue (yuan): capital x ``service_yield`` x growth, scaled by
        management and the model's multiplier; 0 when hollow or not a services collective.

        Example:
            >>> import mesa
            >>> c = Cooperative(mesa.Model(rng=1), village=0, capital=1.2e6, active=True,
            ...                 earning=Earning(services=True, service_yield=0.1))
            >>> c.service_output(1.0, 1.0)
            10000.0
        """
        return serve(self.active, self.earning.services, self.capital,
                     self.earning.service_yield, float(growth), float(management),
                     self.revenue_multiplier)

    def receive_stake_dividend(self, amount: float) -> None:
        """A partner's share dividend on the collective's stake: operating revenue (investment
        income) without input costs, whether or not the collective operates itself.

        Example:
            >>> import mesa
            >>> c = Cooperative(mesa.Model(rng=1), village=0, capital=0.0, active=False)
            >>> c.receive_stake_dividend(800.0); c.revenue, c.surplus()
            (800.0, 800.0)
        """
        self.arrays.receive_stake_dividend(self.row, amount)

    def book_month(self, revenue: float, from_enterprises: float, wages: float, rent: float,
                   cost_share: float) -> None:
        """Record a month's revenue and costs; other costs are ``cost_share`` of revenue."""
        self.revenue += revenue
        self.sales_to_enterprises += from_enterprises
        self.wages += wages
        self.rent += rent
        self.other_costs += cost_share * revenue

    def surplus(self) -> float:
        """This year's operating surplus before dividends (yuan)."""
        return self.revenue - self.wages - self.rent - self.other_costs

    def close_year(self, fixed_due: float, share_payout: float) -> tuple[float, float]:
        """December: pay fixed then share dividends, retain the rest in capital.

        Fixed dividends are paid from the surplus and, if it falls short, from capital (never
        below zero); share dividends are ``share_payout`` of what surplus is left. Returns
        (fixed paid, share dividends paid). A loss reduces capital; a loss beyond capital is
        covered by the township and kept in ``loss_cover`` so that money flows balance.
        """
        fixed, shares, self.retained, self.loss_cover, self.capital = close_books(
            self.revenue, self.wages, self.rent, self.other_costs, self.capital, self.active,
            float(fixed_due), float(share_payout))
        self.fixed_dividends, self.share_dividends = fixed, shares
        return fixed, shares
