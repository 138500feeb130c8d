"""Neural posterior estimation inside the plausible region (sbi's NPE on CPU torch; issue 27).

The parameters are in a **latent** space: each is its prior quantile ``u`` through the standard
normal's inverse cdf, ``z = Phi^-1(u)``, so that the prior is a standard normal (a normalising
flow's natural base) and no draw leaves the prior's support. :func:`train` fits a masked
autoregressive flow ``q(z | x)`` to runs ``(z, x)``; when the runs are drawn from the region
history matching keeps (the prior truncated to it), ``q`` is the posterior truncated to the same
region, which holds the whole posterior if the region does (truncated sequential NPE, Deistler et
al. 2022). The reported figures are observed with error: each training run's figures get that
error added (a normal with the figure's observation sd, from a named generator), so the
posterior counts it as the likelihood would. A figure given a positive **floor** is conditioned
on as its logarithm (after the error is added; values below the floor read as the floor): the
flow then learns relative differences, the scale on which the fit's goal (a median within 15%)
and these figures' spread (incomes, revenues, incidences: right-skewed, positive) are stated.

:func:`coverage` is simulation-based calibration (Talts et al. 2018) of a trained posterior on
held-out runs: the rank of each truth among posterior draws, and whether the central 90%
interval holds it. A neural posterior is amortised: one training serves every truth, so the
check costs runs that were made anyway.

torch's generator is global; every call here runs inside ``torch.random.fork_rng`` seeded by
its own seed, on one thread, so the same runs and seed give the same posterior, and the
caller's torch state is left as it was.

Example (a toy with one parameter observed with noise):
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((600, 1))
    >>> x = z + 0.1 * rng.standard_normal((600, 1))
    >>> post = train(z, x, seed=1, max_epochs=60)
    >>> draws = post.sample(np.array([1.0]), 400, seed=2)
    >>> bool(abs(np.median(draws) - 1.0) < 0.25)
    True
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: the coverage the simulation-based calibration reads (issue 27: 80-98% for a 90% interval)
LEVEL = 0.90


def require_sbi() -> None:
    """Refuse, in one line, a neural fit where sbi or torch is missing."""
    from povsim.base.inputs import ScenarioError

    try:
        import sbi  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        raise ScenarioError("the staged calibration's posterior needs sbi and torch (CPU): "
                            "pip install 'povsim[calibrate]' (or make setup)") from e


@contextlib.contextmanager
def _torch_seeded(seed: int):
    """torch on one thread with its global generator seeded, restored afterwards."""
    import torch

    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed) % 2**63)
        torch.set_num_threads(1)
        try:
            yield torch
        finally:
            torch.set_num_threads(threads)


class _NoTracker:
    """sbi's training tracker that keeps nothing (its default writes TensorBoard logs into
    ``./sbi-logs``: nothing may be written outside the output folder)."""

    log_dir = None

    def log_metric(self, name, value, step=None) -> None:
        pass

    def log_metrics(self, metrics, step=None) -> None:
        pass

    def log_params(self, params) -> None:
        pass

    def add_figure(self, name, figure, step=None) -> None:
        pass

    def flush(self) -> None:
        pass


@dataclass
class NeuralPosterior:
    """A trained ``q(z | x)`` (sbi's ``DirectPosterior``) and what it was trained on."""

    posterior: object
    dims: int
    figures: int
    epochs: int
    runs: int
    #: per figure, the floor of a figure conditioned on as its log (0: as it is); None: none
    floors: np.ndarray | None = None

    def features(self, x: np.ndarray) -> np.ndarray:
        """Figures ``x`` (one row, or runs x figures) as the flow reads them: each figure with
        a floor as the log of itself or its floor, whichever is larger."""
        return features(x, self.floors)

    def sample(self, x: np.ndarray, n: int, seed: int) -> np.ndarray:
        """``n`` latent draws (n x dims) from the posterior given figures ``x``."""
        with _torch_seeded(seed) as torch:
            xo = torch.as_tensor(self.features(np.asarray(x, float).reshape(1, -1)),
                                 dtype=torch.float32)
            z = self.posterior.sample((n,), x=xo, show_progress_bars=False)
        return z.numpy().astype(float)

    def log_prob(self, z: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The flow's log density of latent points ``z`` (n x dims) given figures ``x``."""
        import torch

        with torch.no_grad():
            lp = self.posterior.log_prob(torch.as_tensor(np.asarray(z, np.float32)),
                                         x=torch.as_tensor(self.features(
                                             np.asarray(x, float).reshape(1, -1)),
                                             dtype=torch.float32))
        return lp.numpy().astype(float)

    def threshold(self, x: np.ndarray, seed: int, n: int = 4000,
                  quantile: float = 1e-3) -> float:
        """The log density above which the flow's highest-density region given ``x`` holds
        all but ``quantile`` of its mass (the ``quantile`` of its own draws' log densities;
        truncated sequential NPE's region, Deistler et al. 2022)."""
        z = self.sample(x, n, seed)
        return float(np.quantile(self.log_prob(z, x), quantile))


def latent(u: np.ndarray) -> np.ndarray:
    """Prior quantiles ``u`` as the neural posterior's latent ``z = Phi^-1(u)``, the cube's
    faces kept finite.

    Example:
        >>> latent(np.array([0.5, 0.0])).round(2).tolist()
        [0.0, -6.0]
    """
    from scipy.special import ndtri

    return ndtri(np.clip(u, 1e-9, 1 - 1e-9))


def features(x: np.ndarray, floors: np.ndarray | None) -> np.ndarray:
    """Figures ``x`` (runs x figures) with each figure whose floor is positive replaced by the
    log of itself or its floor, whichever is larger; the others as they are.

    Example:
        >>> features(np.array([[2.0, -1.0], [0.0, 3.0]]), np.array([0.5, 0.0])).round(3).tolist()
        [[0.693, -1.0], [-0.693, 3.0]]
    """
    x = np.array(x, float)
    if floors is None:
        return x
    floors = np.asarray(floors, float)
    logged = floors > 0
    x[:, logged] = np.log(np.maximum(x[:, logged], floors[logged]))
    return x


def log_floors(targets: list, share: float = 0.05) -> np.ndarray:
    """The floors of the figures (``targets``: each with ``observed`` and ``comparison``)
    conditioned on as logs: every equality figure with a positive reported value, floored at
    ``share`` of it (a run at zero reads as 5% of the figure); a bound (censored at its value)
    or a figure that can be negative as it is (floor 0).

    Example:
        >>> from types import SimpleNamespace as T
        >>> log_floors([T(observed=9.13, comparison="equal"),
        ...             T(observed=2000.0, comparison="at_least"),
        ...             T(observed=-1.0, comparison="equal")]).round(4).tolist()
        [0.4565, 0.0, 0.0]
    """
    return np.array([share * t.observed if t.comparison == "equal" and t.observed > 0 else 0.0
                     for t in targets], float)


def train(z: np.ndarray, x: np.ndarray, *, seed: int, noise_sd: np.ndarray | None = None,
          floors: np.ndarray | None = None, max_epochs: int = 300,
          batch: int = 128) -> NeuralPosterior:
    """Train NPE (a masked autoregressive flow) on latent parameters ``z`` (runs x dims) and
    the runs' figures ``x`` (runs x figures; rows with a missing figure are left out), each
    figure with observation error of sd ``noise_sd`` added, then those with a positive
    ``floors`` entry as logs (:func:`features`)."""
    require_sbi()
    from sbi.inference import NPE

    z = np.asarray(z, float)
    x = np.asarray(x, float)
    ok = np.isfinite(x).all(axis=1) & np.isfinite(z).all(axis=1)
    z, x = z[ok], x[ok]
    if noise_sd is not None:
        err = np.random.default_rng([seed, 0x0B5E]).standard_normal(x.shape)
        x = x + err * np.asarray(noise_sd, float)[None, :]
    x = features(x, floors)
    d = z.shape[1]
    # sbi prints "converged" and warns of one-dimensional flows and of the epoch cap: the
    # epochs trained are kept instead (``NeuralPosterior.epochs``)
    with _torch_seeded(seed) as torch, warnings.catch_warnings(), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore", UserWarning)
        prior = torch.distributions.MultivariateNormal(torch.zeros(d), torch.eye(d))
        inference = NPE(prior=prior, density_estimator="maf", show_progress_bars=False,
                        tracker=_NoTracker())
        inference.append_simulations(torch.as_tensor(z, dtype=torch.float32),
                                     torch.as_tensor(x, dtype=torch.float32))
        estimator = inference.train(training_batch_size=batch, max_num_epochs=max_epochs,
                                    show_train_summary=False)
        posterior = inference.build_posterior(estimator)
        epochs = int(inference.summary["epochs_trained"][-1])
    return NeuralPosterior(posterior, d, x.shape[1], epochs, len(z),
                           None if floors is None else np.asarray(floors, float))


def coverage(post: NeuralPosterior, z: np.ndarray, x: np.ndarray, names: list[str], *,
             seed: int, draws: int = 200, noise_sd: np.ndarray | None = None,
             level: float = LEVEL) -> pd.DataFrame:
    """Simulation-based calibration on held-out runs (truths ``z``, figures ``x``, observed
    with error of sd ``noise_sd``): one row per truth and parameter with the truth's rank among
    ``draws`` posterior draws and whether the central ``level`` interval holds it.

    Example:
        >>> rng = np.random.default_rng(3)
        >>> z = rng.standard_normal((500, 1)); x = z + 0.3 * rng.standard_normal((500, 1))
        >>> post = train(z[:450], x[:450], seed=1, max_epochs=40)
        >>> sbc = coverage(post, z[450:], x[450:], ["a"], seed=2, draws=100)
        >>> len(sbc), bool(0.7 <= sbc["covered"].mean() <= 1.0)
        (50, True)
    """
    x = np.asarray(x, float)
    if noise_sd is not None:
        err = np.random.default_rng([seed, 0x5BC]).standard_normal(x.shape)
        x = x + err * np.asarray(noise_sd, float)[None, :]
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for i in range(len(z)):
        if not np.isfinite(x[i]).all():
            continue
        s = post.sample(x[i], draws, seed=seed + i)
        for j, name in enumerate(names):
            q = np.quantile(s[:, j], [lo, hi])
            rows.append({"truth": i, "parameter": name,
                         "rank": int((s[:, j] < z[i, j]).sum()), "draws": draws,
                         "covered": bool(q[0] <= z[i, j] <= q[1])})
    return pd.DataFrame(rows)


def rank_uniformity_by_parameter(sbc: pd.DataFrame) -> pd.Series:
    """Each parameter's p-value that its SBC ranks are uniform: sbi's Kolmogorov-Smirnov test
    over its truths (``sbi.diagnostics.sbc.check_uniformity_frequentist``; the truths are
    independent, a parameter's ranks one sample). Small: the posterior is too narrow, too wide
    or biased for that parameter.

    Example:
        >>> r = pd.DataFrame({"truth": np.arange(200), "parameter": "a",
        ...                   "rank": np.arange(200) % 100, "draws": 100})
        >>> bool(rank_uniformity_by_parameter(r)["a"] > 0.9)
        True
    """
    if sbc.empty:  # no held-out truths
        return pd.Series(dtype=float, name="uniformity_p")
    import torch
    from sbi.diagnostics.sbc import check_uniformity_frequentist

    wide = sbc.pivot(index="truth", columns="parameter", values="rank")
    draws = int(sbc["draws"].iloc[0])
    p = check_uniformity_frequentist(torch.tensor(wide.to_numpy(np.float32)), draws)
    return pd.Series(p.numpy().astype(float), index=wide.columns, name="uniformity_p")


def rank_uniformity(sbc: pd.DataFrame) -> float:
    """The p-value that every parameter's SBC ranks are uniform (a flat rank histogram): the
    smallest of :func:`rank_uniformity_by_parameter`'s p-values times the number of parameters
    (Bonferroni's correction, at most 1), valid however the parameters' ranks depend on each
    other. (Pooling every parameter's ranks in one histogram is not: the ranks of one truth's
    parameters are not independent.)

    Example:
        >>> r = pd.DataFrame({"truth": np.arange(200), "parameter": "a",
        ...                   "rank": np.arange(200) % 100, "draws": 100})
        >>> rank_uniformity(r) > 0.9
        True
        >>> r["rank"] = 0  # every truth below every draw: a biased posterior
        >>> rank_uniformity(r) < 1e-6
        True
    """
    return all_uniform(rank_uniformity_by_parameter(sbc))


def all_uniform(p: pd.Series) -> float:
    """Bonferroni's combination of per-parameter uniformity p-values (:func:`rank_uniformity`'s
    rule, for p-values already computed).

    Example:
        >>> all_uniform(pd.Series([0.01, 0.5, 0.9]))
        0.03
    """
    return float(min(1.0, p.min() * len(p)))
