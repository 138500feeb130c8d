"""Households as an array-backed population (one numpy array per attribute) and a view object.

Households are numerous (10^2 to 10^6 per run), so their state lives in flat arrays updated
vectorised each month; :class:`Household` is a read-only view of one row for inspection.

Example:
    >>> import numpy as np
    >>> pop = Households.empty(3)
    >>> pop.size[:] = [2, 4, 5]
    >>> Household(pop, 1).size
    4
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numba import njit

#: Income sources, the rows of ``Households.income`` (yuan, year to date, simulated units).
SOURCES = (
    "farming",  # own-account farming on land not leased out
    "local_wages",  # wages from a local job (outside market, paired enterprise or cooperative)
    "migrant_remittances",  # remittances of migrant workers
    "land_rent",  # rent for land leased to the cooperative
    "dividends",  # cooperative fixed and share dividends, enterprise fixed dividends
    "transfers",  # social-assistance transfers (minimum living allowance and the like)
    "other",  # pensions, agricultural subsidies and other small incomes
    "business",  # net income of a business financed by a programme loan
    "shocks",  # minus out-of-pocket illness costs and disaster losses (<= 0)
)
SRC = {name: i for i, name in enumerate(SOURCES)}

#: Binding constraints a cadre visit can address (the order is the need code).
NEEDS = ("farming", "jobs", "health", "finance")
NEED = {name: i for i, name in enumerate(NEEDS)}

#: Employer codes in ``Households.employer``: -1 none, 0 outside local market, then
#: 1..E enterprises, then E+1..E+V village cooperatives.
NO_JOB = -1
OUTSIDE_MARKET = 0


@njit(cache=True, nogil=True)
def idle_labourers(labourers, migrants, employed, sick):  # pragma: no cover - compiled
    """The household's idle labour (int16; <= 0: none): able labourers at home, neither away as
    migrants, nor in a local job (``employed``), nor ill (``sick``). The one statement of the
    rule: the compiled kernels call it per household, :meth:`Households.idle_labour` over
    arrays.

    Example:
        >>> int(idle_labourers(np.int8(3), np.int8(1), True, False))
        1
    """
    return np.int16(labourers) - (np.int16(migrants) + np.int16(employed) + np.int16(sick))


@njit(cache=True, nogil=True)
def farmed_land(land, leased, labourers, migrants, mu_per_labourer):  # pragma: no cover
    """Mu of its own land a household farms (float32): its land not leased to the cooperative,
    at most ``mu_per_labourer`` per labourer at home (labourers - migrants); the rest lies
    fallow.

    Example:
        >>> f32 = np.float32
        >>> float(farmed_land(f32(12.0), f32(2.0), np.int8(2), np.int8(1), f32(6.0)))
        6.0
        >>> float(farmed_land(f32(12.0), f32(2.0), np.int8(0), np.int8(0), f32(6.0)))
        0.0
    """
    own = land - leased
    if not own > np.float32(0.0):
        own = np.float32(0.0)
    home = np.int16(labourers) - np.int16(migrants)
    cap = np.float32(home if home > 0 else 0) * mu_per_labourer
    return own if own < cap else cap


@njit(cache=True, nogil=True)
def _idle_labour_all(labourers, migrants, employer, sick, out):  # pragma: no cover - compiled
    for i in range(labourers.shape[0]):
        idle = idle_labourers(labourers[i], migrants[i], employer[i] != NO_JOB, sick[i])
        out[i] = idle if idle > 0 else 0


@dataclass
class Households:
    """Household state, one array element per simulated household.

    Example:
        >>> pop = Households.empty(2)
        >>> pop.n, pop.income.shape
        (2, (9, 2))
    """

    hid: np.ndarray  # int32, the household's id (its row at creation): the counter of its draws
    village: np.ndarray  # int32, village index
    size: np.ndarray  # int16, persons
    labourers: np.ndarray  # int8, working-age able persons
    land: np.ndarray  # float32, mu of contracted farmland
    leased: np.ndarray  # float32, mu leased to the village cooperative
    skill: np.ndarray  # float32, 0..1 labour-market skill
    farm_prod: np.ndarray  # float32, own farming productivity multiplier (1 = village mean)
    earnings: np.ndarray  # float32, outside wage and remittance multiplier (1 = market mean)
    sick: np.ndarray  # bool, a member is seriously ill (costs, lost labour)
    cover: np.ndarray  # float32, 0..1 share of illness costs covered (insurance, assistance)
    registered: np.ndarray  # bool, identified as registered poor at baseline
    poor: np.ndarray  # bool, registered and currently counted poor
    exit_year: np.ndarray  # int16, year of (last) exit, -1 never
    reentered: np.ndarray  # bool, fell back into poverty after exiting at least once
    member: np.ndarray  # bool, member of the village cooperative
    shares: np.ndarray  # float32, cooperative shares held
    employer: np.ndarray  # int32, employer code (see module constants)
    migrants: np.ndarray  # int8, members working away as migrants
    away: np.ndarray  # bool, the whole household lives away (人户分离): no member resident
    cadre: np.ndarray  # int32, index of the paired cadre, -1 none
    near: np.ndarray  # bool, the pair's cadre lives in the household's village (§7.2)
    paired_since: np.ndarray  # int16, month index (12 x year + month) the pairing began, -1 none
    # (years <= 2100 by the config's `Year`: at most 25,211, within int16)
    referral: np.ndarray  # bool, holds a cadre's job referral not yet used
    enrolled: np.ndarray  # bool, receives social-assistance transfers
    trained: np.ndarray  # bool, had labour training and has not yet been transferred to work
    trained_migrants: np.ndarray  # int8, migrants when last trained (to detect a transfer)
    # float64 (len(SOURCES), n), income this year by source, yuan: one contiguous row per
    # source, so that adding a month's income of one source is a contiguous pass
    income: np.ndarray
    pc_income_last: np.ndarray  # float64, per-capita income of the last completed year, yuan

    @classmethod
    def empty(cls, n: int) -> Households:
        """Zeroed population of ``n`` households (every flag False, every index -1), with ids
        0..n-1."""
        return cls(
            hid=np.arange(n, dtype=np.int32),
            village=np.zeros(n, np.int32),
            size=np.ones(n, np.int16),
            labourers=np.zeros(n, np.int8),
            land=np.zeros(n, np.float32),
            leased=np.zeros(n, np.float32),
            skill=np.zeros(n, np.float32),
            farm_prod=np.ones(n, np.float32),
            earnings=np.ones(n, np.float32),
            sick=np.zeros(n, bool),
            cover=np.zeros(n, np.float32),
            registered=np.zeros(n, bool),
            poor=np.zeros(n, bool),
            exit_year=np.full(n, -1, np.int16),
            reentered=np.zeros(n, bool),
            member=np.zeros(n, bool),
            shares=np.zeros(n, np.float32),
            employer=np.full(n, NO_JOB, np.int32),
            migrants=np.zeros(n, np.int8),
            away=np.zeros(n, bool),
            cadre=np.full(n, -1, np.int32),
            near=np.zeros(n, bool),
            paired_since=np.full(n, -1, np.int16),
            referral=np.zeros(n, bool),
            enrolled=np.zeros(n, bool),
            trained=np.zeros(n, bool),
            trained_migrants=np.zeros(n, np.int8),
            income=np.zeros((len(SOURCES), n), np.float64),
            pc_income_last=np.zeros(n, np.float64),
        )

    @property
    def n(self) -> int:
        """Number of simulated households."""
        return int(self.village.shape[0])

    def idle_labour(self, idx: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Able labourers at home without a local job (int array), of households ``idx``
        (default: all)."""
        labourers = self.labourers[idx]
        out = np.empty(labourers.shape[0], np.int16)
        _idle_labour_all(labourers, self.migrants[idx], self.employer[idx], self.sick[idx], out)
        return out

    def farmed(self, mu_per_labourer: float, idx: np.ndarray | slice = slice(None)
               ) -> np.ndarray:
        """Mu of own land farmed by households ``idx`` (default: all), vectorised
        :func:`farmed_land` (float32).

        Example:
            >>> pop = Households.empty(2); pop.land[:] = 12.0; pop.labourers[:] = [2, 0]
            >>> pop.farmed(5.0).tolist()
            [10.0, 0.0]
        """
        own = np.maximum(self.land[idx] - self.leased[idx], np.float32(0.0))
        home = np.maximum(self.labourers[idx].astype(np.int16) - self.migrants[idx], 0)
        return np.minimum(own, home.astype(np.float32) * np.float32(mu_per_labourer))

    def binding_need(self, idx: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Code (see ``NEEDS``) of the binding constraint of households ``idx`` (default: all),
        for a cadre visit.

        Illness first; then idle labour without a job; then own land to farm; else finance
        (no labour and no land to work: credit and social assistance).

        Example:
            >>> pop = Households.empty(2); pop.sick[1] = True
            >>> [NEEDS[k] for k in pop.binding_need()]
            ['finance', 'health']
        """
        sick = self.sick[idx]
        need = np.full(sick.shape[0], NEED["finance"], np.int8)
        need[(self.land[idx] - self.leased[idx]) > 0.5] = NEED["farming"]
        need[(self.idle_labour(idx) > 0) & (self.employer[idx] == NO_JOB)] = NEED["jobs"]
        need[sick] = NEED["health"]
        return need

    def total_income(self) -> np.ndarray:
        """Income this year so far, all sources, per household (yuan): the sources' rows added
        in order.

        Example:
            >>> pop = Households.empty(1); pop.income[:, 0] = np.arange(9.0)
            >>> pop.total_income().tolist()
            [36.0]
        """
        return self.income.sum(axis=0)

    def per_capita_income(self) -> np.ndarray:
        """Income this year so far, all sources, per person (yuan)."""
        return self.total_income() / self.size

    def by_household(self, name: str) -> np.ndarray:
        """A state array with households on the first axis (``income`` transposed, a view).

        Example:
            >>> Households.empty(3).by_household("income").shape
            (3, 9)
        """
        arr = getattr(self, name)
        return arr.T if name == "income" else arr

    def nbytes(self) -> int:
        """Bytes of household state held in arrays."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))


class Household:
    """Read-only view of one household in a :class:`Households` population.

    Example:
        >>> pop = Households.empty(1)
        >>> Household(pop, 0).employer
        -1
    """

    def __init__(self, pop: Households, index: int):
        if not 0 <= index < pop.n:
            raise IndexError(f"household {index} out of range 0..{pop.n - 1}")
        self._pop = pop
        self.index = int(index)

    def __getattr__(self, name: str):
        pop = object.__getattribute__(self, "_pop")
        arr = getattr(pop, name)
        value = arr[self.index]
        if isinstance(value, np.ndarray):
            return dict(zip(SOURCES, value.tolist(), strict=True))
        return value.item()

    def as_dict(self) -> dict:
        """All attributes of this household as plain Python values."""
        return {f.name: getattr(self, f.name) for f in fields(self._pop)}

    def __repr__(self) -> str:
        return (
            f"Household({self.index}: village={self.village}, size={self.size}, "
            f"registered={self.registered}, poor={self.poor}, cadre={self.cadre})"
        )
