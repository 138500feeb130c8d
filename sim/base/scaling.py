"""Rules that keep a run's answer the same at every scale (ODD §2, "scale rules").

A run at scale ``k`` simulates one household for every ``k`` real ones (:mod:`povsim.engine.world`).
Sums over households scale back by ``k``; what does not is anything lumpy or chosen on a few
households: jobs in lumps of ``k`` real jobs (:func:`posts`), cadres living in one village
for ``k`` real ones (:func:`systematic_choice`), villages ranked or passed on the count of
their few simulated households (:func:`full_village_share`, :func:`exit_probability`).
``tests/test_scale_consistency.py`` runs Xixiu at 1:1 and 1:20.

Example:
    >>> import numpy as np
    >>> jobs, fill = posts(np.array([0.5]))
    >>> jobs.tolist(), fill.tolist()
    ([1.0], [0.5])
"""

from __future__ import annotations

import numpy as np
from numba import njit


def posts(jobs: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Jobs (simulated units, any fraction) as whole posts and each post's share of a full job:
    ``ceil(jobs)`` posts of ``fill = jobs / ceil(jobs)`` (no posts, fill 1, for no jobs).

    A simulated worker stands for ``k`` real ones: a collective of 10 real jobs at 1:20 has half
    a simulated job, one post the collective fills part-time (it pays ``fill x`` the wage)
    instead of one full post half the time, so that its wage bill stays in proportion to its
    land. The post holder works the rest of the month in the outside market, which pays the
    rest of the wage (:func:`povsim.engine.submodels.labour_market.market_wages`): of the ``k`` real
    workers a post stands for, ``fill`` hold the collective's job and the others outside jobs.

    Example:
        >>> jobs, fill = posts(np.array([0.0, 0.5, 2.0, 2.5]))
        >>> jobs.tolist(), fill.tolist()
        ([0.0, 1.0, 2.0, 3.0], [1.0, 0.5, 1.0, 0.8333333333333334])
    """
    jobs = np.asarray(jobs, float)
    n, fill = np.empty(jobs.size), np.empty(jobs.size)
    _posts(jobs.ravel(), n, fill)
    return n.reshape(jobs.shape), fill.reshape(jobs.shape)


@njit(cache=True, nogil=True)
def post(jobs):  # pragma: no cover - compiled
    """:func:`posts` of one employer's jobs: (posts, fill), the one statement of the rule.

    Example:
        >>> post(2.5)
        (3.0, 0.8333333333333334)
    """
    n = np.ceil(jobs)
    return n, (jobs / n if n > 0 else 1.0)


@njit(cache=True, nogil=True)
def _posts(jobs, n, fill):  # pragma: no cover - compiled
    for i in range(jobs.shape[0]):
        n[i], fill[i] = post(jobs[i])


def systematic_choice(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws from categories with probabilities ``p`` by systematic sampling, in random
    order: category ``i`` is drawn ``floor(n p_i)`` or ``ceil(n p_i)`` times (the expected count
    ``n p_i`` exactly, in expectation), instead of a multinomial's spread.

    Used where a scaled-down run must keep the real allocation's evenness: with few draws, a
    multinomial leaves many categories empty that the real, larger allocation fills.

    Example:
        >>> import numpy as np
        >>> d = systematic_choice(np.array([0.5, 0.25, 0.25]), 4, np.random.default_rng(0))
        >>> np.bincount(d, minlength=3).tolist()
        [2, 1, 1]
    """
    p = np.asarray(p, float)
    cum = np.cumsum(p / p.sum())
    cum[-1] = 1.0
    points = (rng.random() + np.arange(n)) / n
    return rng.permutation(np.searchsorted(cum, points, side="right").astype(np.int64))


def village_share_prior(share: np.ndarray, n: np.ndarray, k: float = 1.0
                        ) -> tuple[float, float]:
    """A beta prior ``(a, b)`` of the villages' shares simulated in full, fitted by moments to
    their observed ``share`` among ``n`` simulated households each (each standing for ``k``
    real ones): mean ``m``, and variance :func:`share_variances` (the villages' own chances'
    spread plus the binomial spread of a village of ``n k`` real households).

    Example:
        >>> import numpy as np
        >>> a, b = village_share_prior(np.array([0.1, 0.2, 0.3]), np.array([100, 100, 100]))
        >>> round(a / (a + b), 6)
        0.2
        >>> a, b = village_share_prior(np.full(3, 0.03), np.full(3, 35.0), k=20.0)
        >>> round(a + b)  # villages alike: only the binomial spread of 35 x 20 real households
        699
    """
    share = np.asarray(share, float)
    if share.size == 0:
        return 1.0, 1.0
    m = min(max(float(share.mean()), 1e-4), 1.0 - 1e-4)
    own, draw = share_variances(share, n, k)
    total = max(m * (1.0 - m) / max(own + draw, 1e-6) - 1.0, 1e-3)
    return m * total, (1.0 - m) * total


def share_variances(share: np.ndarray, n: np.ndarray, k: float = 1.0) -> tuple[float, float]:
    """The two parts of the spread of the villages' shares simulated in full: ``own``, the
    spread of the villages' own chances (the observed variance less the binomial noise of
    ``n`` simulated households, at least 0), which persists from year to year; and ``draw``,
    the binomial variance ``m (1 - m) / (n k)`` of a village of ``n k`` real households, drawn
    afresh each year as its households' incomes change.

    Both matter to a village's exit
    (:meth:`povsim.engine.submodels.december.December.village_exits`):
    at full scale in Xixiu the villages are alike (in December 2014 their incidences spread by
    0.66 points against 0.74 of binomial noise) and a village above the threshold one year may
    be below it the next by its households' draw alone.

    Example:
        >>> import numpy as np
        >>> own, draw = share_variances(np.full(3, 0.03), np.full(3, 35.0), k=20.0)
        >>> own, round(draw, 7)
        (0.0, 4.16e-05)
    """
    share, n = np.asarray(share, float), np.asarray(n, float)
    m = min(max(float(share.mean()), 1e-4), 1.0 - 1e-4)
    noise = float(np.mean(share * (1.0 - share) / np.maximum(n, 1.0)))
    own = max(float(share.var()) - noise, 0.0)
    draw = m * (1.0 - m) / max(float(np.mean(n)) * k, 1.0)
    return own, draw


def full_village_share(share: np.ndarray, n: np.ndarray, k: float, rng: np.random.Generator
                       ) -> np.ndarray:
    """A draw of each village's share simulated in full, from the share ``share`` of its ``n``
    simulated households (each standing for ``k`` real ones): ``(share + (k - 1) theta) / k``,
    ``theta ~ Beta(a + n share, b + n (1 - share))`` (:func:`village_share_prior`); ``share``
    itself at ``k = 1``.

    Ranking villages on this draw, not on ``share``, keeps the households of the villages
    ranked first what they are at full scale: on ``share`` a reduced-scale run picks the
    villages whose few households happen to be poorer (the winner's curse), and the totals
    over the picked villages grow with the scale.

    Example:
        >>> import numpy as np
        >>> s = np.array([0.0, 0.5])
        >>> full_village_share(s, np.array([10, 10]), 1.0, np.random.default_rng(0)).tolist()
        [0.0, 0.5]
        >>> d = full_village_share(s, np.array([10, 10]), 20.0, np.random.default_rng(0))
        >>> bool(0 < d[0] < d[1] < 1)
        True
    """
    share, n = np.asarray(share, float), np.asarray(n, float)
    if k <= 1.0 + 1e-12:
        return share.copy()
    a, b = village_share_prior(share, n, k)
    theta = rng.beta(a + n * share, b + n * (1.0 - share))
    return (share + (k - 1.0) * theta) / k


def exit_probability(share: np.ndarray, n: np.ndarray, k: float, threshold: float
                     ) -> np.ndarray:
    """The chance that a village whose ``n`` simulated households (each standing for ``k`` real
    ones) have incidence ``share`` would, simulated in full, have incidence below
    ``threshold``: the finite-population predictive of a beta-binomial model whose prior is fitted
    across the villages given (by moments).

    At ``k = 1`` the village is simulated in full and the answer is ``share < threshold``
    (0 or 1); at ``k > 1`` the ``(k - 1) n`` households not simulated have a poor share
    ``theta ~ Beta(a + n share, b + n (1 - share))`` and the village's incidence is
    ``(share + (k - 1) theta) / k``, so a threshold rule applied to a few households' count
    does not make a village's exit depend on the scale.

    Example:
        >>> import numpy as np
        >>> exit_probability(np.array([0.0, 0.1]), np.array([800, 800]), 1.0, 0.03).tolist()
        [1.0, 0.0]
        >>> p = exit_probability(np.array([0.0, 0.025, 0.1]), np.array([40, 40, 40]), 20.0, 0.03)
        >>> bool(p[0] > p[1] > p[2])
        True
    """
    from scipy.special import betainc  # the Beta CDF (scipy.stats.beta's own), a lighter import

    share, n = np.asarray(share, float), np.asarray(n, float)
    if k <= 1.0 + 1e-12:
        return (share < threshold).astype(float)
    a, b = village_share_prior(share, n, k)
    cut = (threshold * k - share) / (k - 1.0)
    p = betainc(a + n * share, b + n * (1.0 - share), np.clip(cut, 0.0, 1.0))
    return np.where(cut <= 0.0, 0.0, np.where(cut >= 1.0, 1.0, p))
