"""History matching in waves: Gaussian-process emulators of the calibration figures rule out the
parameter values that cannot give the reported figures (issue 27, the first stage of the fit).

The parameters live in the unit cube (each coordinate a prior quantile: a caller maps ``u`` to
values with the priors' ``ppf``). A wave runs the model at points of the region not yet ruled
out, fits one emulator per figure (scikit-learn's ``GaussianProcessRegressor``: a constant times
an anisotropic RBF kernel plus white noise, on standardised outputs) and keeps the points whose
**implausibility** stays at most the cut-off (3, Pukelsheim's three-sigma rule) for every figure::

    I_f(u) = |z_f - E[f(u)]| / sqrt(Var_emulator(u) + Var_observation + Var_run + Var_discrepancy)

with ``z_f`` the reported figure, its observation variance from the figure's tolerance, the
run-to-run variance of the simulator at that scale (or, if larger, the emulator's fitted white
noise: the scatter of the parameters left out of the cube, drawn from their priors in every run)
and a stated model discrepancy. Each wave reports the share of the cube still plausible (the
share of a fixed set of uniform test points that every wave so far keeps) and, per figure,
whether any run came within the cut-off of it. A figure that no point of the region can match by
its own emulator, and no run so far came within the cut-off of, is **out of reach**: it is
dropped from the cut from that wave on (else one figure would rule out everything) and reported,
with the run that came closest, as the model's misspecification.

A figure's emulator may read only some of the cube's coordinates (``columns``: e.g. a case's
figures read the shared parameters and that case's own), and the first wave may be runs made
before (``start``: e.g. the screening's).

Example (a toy simulator with two parameters and two figures):
    >>> import numpy as np
    >>> def toy(u):
    ...     return np.column_stack([u[:, 0] + u[:, 1], u[:, 0]])
    >>> figs = [Target("sum", 1.0, 0.05), Target("first", 0.3, 0.05)]
    >>> waves = history_match(toy, figs, dims=2, waves=2, runs=40, seed=1)
    >>> bool(waves[-1].plausible_share < 0.3), bool(waves[-1].keeps(np.array([[0.3, 0.7]]))[0])
    (True, True)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: the implausibility above which a point is ruled out (Pukelsheim's three-sigma rule)
CUTOFF = 3.0


@dataclass(frozen=True)
class Target:
    """A reported figure as history matching reads it: its value, the sd of its observation
    (from its tolerance), the run-to-run sd of the simulator and a stated model discrepancy (sd,
    in the figure's units)."""

    name: str
    observed: float
    observation_sd: float
    run_sd: float = 0.0
    discrepancy_sd: float = 0.0
    comparison: str = "equal"  # or "at_least", "at_most": only a shortfall, or an excess, counts

    @property
    def variance(self) -> float:
        """The variance the emulator's does not include: observation, runs, discrepancy."""
        return self.observation_sd ** 2 + self.run_sd ** 2 + self.discrepancy_sd ** 2


class Emulator:
    """A Gaussian-process emulator of one figure over the unit cube.

    Two choices make it learn in the 20-60 dimensions of a case's parameters (issue 27: with
    neither, Yushu's one figure was emulated with a cross-validated R^2 of -0.02, and its
    screening shares summed to 4.5):

    - the RBF's length-scales start at ``sqrt(d / 6)``, where the mean squared distance between
      two uniform points of the d-cube (``d / 6``) is one length-scale squared, and the white
      noise at 0.3 of the standardised variance: started at 0.5 in 61 dimensions every pair of
      runs is uncorrelated, the likelihood is flat and the optimiser stops where it starts, and
      started with noise 0.01 it falls to a fit that is all noise (Sanba's labour transferred:
      cross-validated R^2 -0.01, against 0.86 from noise 0.3);
    - a positive figure that spans more than a factor of 10 over the runs (a collective's income
      from 0.3 to 334 million yuan) is emulated on its logarithm (:attr:`log`), where its
      parameters act additively (Yushu's: R^2 0.98 against 0.83 on the raw values); the mean and
      variance then are the log-normal's.

    Example:
        >>> u = np.random.default_rng(0).random((30, 1))
        >>> em = Emulator().fit(u, np.sin(3 * u[:, 0]) - 0.5)
        >>> mean, var = em.predict(np.array([[0.5]]))
        >>> bool(abs(mean[0] - (np.sin(1.5) - 0.5)) < 0.05), bool(var[0] >= 0), em.log
        (True, True, False)
        >>> Emulator().fit(u, np.exp(8 * u[:, 0])).log
        True
    """

    def __init__(self, seed: int = 0, restarts: int = 0, max_runs: int | None = 400):
        self.seed = seed
        # restarts from random hyperparameters: drawn from the bounds, in many dimensions they
        # start where the likelihood is flat, as 0.5 did; the scaled start serves alone
        self.restarts = restarts
        # runs it learns from at most (a random subset beyond): its predictions cost the square
        # of it per point, and history matching predicts at millions of points
        self.max_runs = max_runs
        self.log = False

    def fit(self, u: np.ndarray, y: np.ndarray) -> Emulator:
        """Fit to runs at points ``u`` (n x d, in the cube) giving ``y`` (n; at most
        ``max_runs`` of them, drawn by the emulator's seed)."""
        if self.max_runs is not None and len(u) > self.max_runs:
            pick = np.sort(np.random.default_rng([self.seed, 0xE3]).choice(
                len(u), self.max_runs, replace=False))
            u, y = u[pick], np.asarray(y)[pick]
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        y = np.asarray(y, float)
        self.log = bool(y.size and y.min() > 0 and y.max() > 10.0 * y.min())
        z = np.log(y) if self.log else y
        self.mean_, self.sd_ = float(z.mean()), float(z.std()) or 1.0
        d = u.shape[1]
        start = float(np.clip(np.sqrt(d / 6.0), 0.05, 50.0))
        kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(d, start), (1e-2, 1e2))
                  + WhiteKernel(0.3, (1e-6, 1.0)))
        self.gp_ = GaussianProcessRegressor(kernel, normalize_y=False,
                                            n_restarts_optimizer=self.restarts,
                                            random_state=self.seed)
        with warnings.catch_warnings():  # a figure the runs give without scatter takes the
            warnings.simplefilter("ignore", ConvergenceWarning)  # noise's lower bound: fine
            self.gp_.fit(u, (z - self.mean_) / self.sd_)
        return self

    @property
    def latent_noise(self) -> float:
        """The fitted white noise on the scale the emulator models (the figure, or its log):
        the runs' scatter at a point (run to run, and from whatever the cube's coordinates
        leave out)."""
        return float(self.gp_.kernel_.k2.noise_level) * self.sd_ ** 2

    def noise_at(self, mean: np.ndarray) -> np.ndarray:
        """The fitted white noise in the figure's units squared, at points whose emulated
        mean is ``mean`` (a constant unless the emulator models the log).

        Example:
            >>> u = np.random.default_rng(0).random((30, 1))
            >>> em = Emulator().fit(u, 1.0 + u[:, 0])
            >>> em.noise_at(np.array([0.5]))[0] == em.latent_noise
            np.True_
        """
        mean = np.asarray(mean, float)
        if self.log:  # a log-normal scatter of sd s: variance mean^2 (e^(s^2) - 1)
            return mean ** 2 * np.expm1(self.latent_noise)
        return np.full(mean.shape, self.latent_noise)

    def latent(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The emulator's mean and variance on the scale it models (the figure, or its log),
        its white noise left out."""
        chunks = [self.gp_.predict(u[i:i + 16_384], return_std=True)
                  for i in range(0, len(u), 16_384)] or [(np.zeros(0), np.zeros(0))]
        mean = np.concatenate([c[0] for c in chunks])
        sd = np.concatenate([c[1] for c in chunks])
        noise = float(self.gp_.kernel_.k2.noise_level)
        var = np.maximum(sd ** 2 - noise, 0.0)
        return self.mean_ + self.sd_ * mean, (self.sd_ ** 2) * var

    def predict(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The emulator's mean and variance of the figure at points ``u`` (its white noise,
        the runs' own scatter, left out: that is the target's ``run_sd``)."""
        mean, var = self.latent(u)
        if self.log:  # the log-normal's moments
            return np.exp(mean + var / 2.0), np.expm1(var) * np.exp(2.0 * mean + var)
        return mean, var


def implausibility(mean: np.ndarray, var: np.ndarray, target: Target) -> np.ndarray:
    """Each point's implausibility for ``target`` from its emulator's ``mean`` and ``var``.

    Example:
        >>> implausibility(np.array([1.0, 2.0]), np.array([0.0, 0.0]), Target("x", 1.0, 0.5))
        array([0., 2.])
        >>> above = Target("x", 1.0, 0.5, comparison="at_least")
        >>> implausibility(np.array([2.0]), np.zeros(1), above)
        array([0.])
    """
    gap = target.observed - mean
    if target.comparison == "at_least":
        gap = np.maximum(gap, 0.0)
    elif target.comparison == "at_most":
        gap = np.minimum(gap, 0.0)
    return np.abs(gap) / np.sqrt(var + target.variance)


@dataclass
class Wave:
    """One wave of history matching: the runs it made (``u``, ``y``: points x figures), its
    emulators (each reading the cube's ``columns`` of its figure; None: all), the waves before
    it, and what it found (``active``: the figures still in the cut)."""

    number: int
    u: np.ndarray
    y: np.ndarray
    targets: list[Target]
    emulators: list[Emulator]
    before: list[Wave] = field(default_factory=list, repr=False)
    plausible_share: float = 1.0
    columns: list[np.ndarray] | None = None
    active: list[bool] | None = None
    alone_share: list[float] | None = None  # per figure: the share its own cut keeps

    def _columns(self, j: int) -> np.ndarray | slice:
        return slice(None) if self.columns is None else self.columns[j]

    def figure_implausibility(self, j: int, u: np.ndarray) -> np.ndarray:
        """Figure ``j``'s implausibility at points ``u`` by this wave's emulator (its white
        noise counts where it exceeds the target's run-to-run variance)."""
        em, t = self.emulators[j], self.targets[j]
        mean, var = em.predict(u[:, self._columns(j)])
        return implausibility(mean, var + np.maximum(em.noise_at(mean) - t.run_sd ** 2, 0.0), t)

    def max_implausibility(self, u: np.ndarray, only=None) -> np.ndarray:
        """Each point's largest implausibility over the figures still in the cut (``only``:
        over those of these figure indices)."""
        out = np.zeros(len(u))
        for j in range(len(self.targets)) if only is None else only:
            if self.active is None or self.active[j]:
                out = np.maximum(out, self.figure_implausibility(j, u))
        return out

    def keeps(self, u: np.ndarray, cutoff: float = CUTOFF, only=None) -> np.ndarray:
        """Which points this wave and every wave before it leave plausible (``only``: by the
        cuts of these figure indices alone)."""
        keep = np.ones(len(u), bool)
        for w in [*self.before, self]:  # figure by figure: a point ruled out is not asked again
            for j in range(len(w.targets)) if only is None else only:
                if not keep.any():
                    return keep
                if w.active is None or w.active[j]:
                    keep[keep] = w.figure_implausibility(j, u[keep]) <= cutoff
        return keep

    @property
    def out_of_reach(self) -> list[str]:
        """The figures no point of the region can match (dropped from the cut)."""
        return [t.name for t, a in zip(self.targets, self.active or [], strict=False) if not a]

    def variance_shares(self, n: int = 512, seed: int = 0) -> np.ndarray:
        """Each parameter's share of each figure's variance over the cube (figures x
        parameters): the total-order Sobol' index of the figure's emulator mean, on the scale it
        models (the figure's log where :attr:`Emulator.log`; SALib's Saltelli design, ``n``
        base points), so a parameter whose share is small for every
        figure can be left at its prior without changing what the figures say (issue 27: a
        share of 5% or more for any figure is fitted). Read it from the first wave, whose runs
        cover the whole cube (a later wave's emulators know only the region still plausible).

        Example:
            >>> u = np.random.default_rng(0).random((40, 3))
            >>> w = Wave(1, u, u[:, :1] + 0.1 * u[:, 1:2], [Target("y", 0.5, 0.1)],
            ...          [Emulator().fit(u, u[:, 0] + 0.1 * u[:, 1])])
            >>> (w.variance_shares()[0] > 0.05).tolist()
            [True, False, False]
        """
        from SALib.analyze import sobol
        from SALib.sample import sobol as sobol_sample

        d = self.u.shape[1]
        space = {"num_vars": d, "names": [f"u{i}" for i in range(d)], "bounds": [[0, 1]] * d}
        x = sobol_sample.sample(space, n, calc_second_order=False, seed=seed)
        out = np.zeros((len(self.emulators), d))
        for j, em in enumerate(self.emulators):
            mean, _ = em.latent(x[:, self._columns(j)])
            st = sobol.analyze(space, mean, calc_second_order=False, seed=seed)["ST"]
            out[j] = np.clip(np.nan_to_num(st), 0.0, None)
        return out

    def reached(self, cutoff: float = CUTOFF) -> list[dict]:
        """Per figure: whether a run of this wave came within ``cutoff`` observation-and-run
        sds of it, and the run that came closest (its point and value)."""
        out = []
        for j, t in enumerate(self.targets):
            dist = implausibility(self.y[:, j], np.zeros(len(self.y)), t)
            dist = np.where(np.isfinite(dist), dist, np.inf)
            best = int(np.argmin(dist))
            out.append({"figure": t.name, "reached": bool(dist[best] <= cutoff),
                        "closest": float(self.y[best, j]), "at": self.u[best].tolist(),
                        "distance_sd": float(dist[best])})
        return out


def plausible_points(wave: Wave | None, n: int, dims: int, rng: np.random.Generator,
                     tries: int = 200) -> np.ndarray:
    """``n`` points of the cube that ``wave`` (and the waves before it) keeps: a scrambled
    Sobol' design over the cube, thinned by the waves, drawn again until there are enough (or
    ``tries`` designs have run; then what was found)."""
    from scipy.stats import qmc

    found: list[np.ndarray] = []
    have = 0
    for _ in range(tries):
        m = int(np.ceil(np.log2(max(4 * n, 256))))  # Sobol' points come in powers of 2
        u = qmc.Sobol(dims, scramble=True, seed=rng).random_base2(m)
        if wave is not None:
            u = u[wave.keeps(u)]
        found.append(u)
        have += len(u)
        if have >= n:
            break
    u = np.concatenate(found) if found else np.zeros((0, dims))
    return u[:n]


def history_match(simulate: Callable[[np.ndarray], np.ndarray], targets: list[Target],
                  dims: int, waves: int = 3, runs: int = 100, seed: int = 1,
                  test_points: int = 20_000, columns: list[np.ndarray] | None = None,
                  start: tuple[np.ndarray, np.ndarray] | None = None,
                  sampler: Callable | None = None,
                  share: Callable[[Wave], float] | None = None,
                  workers: int = 1) -> list[Wave]:
    """Run ``waves`` waves of ``runs`` simulations each (``simulate(u)``: points x figures, in
    the order of ``targets``; a figure a run lacks is NaN); return the waves, each with the share
    of the cube it and the waves before it keep (on ``test_points`` fixed uniform points, or by
    ``share(wave)``).

    Each wave's emulators learn from every run so far that the waves before it keep (the first
    wave's from ``start``, runs already made, if given); its new points come from
    ``sampler(wave, n, rng)`` (default :func:`plausible_points`: a Sobol' design thinned by the
    waves). A figure whose own cut keeps no point of the region is out of reach
    (:attr:`Wave.out_of_reach`) and leaves the cut. The waves stop early when no point is
    left. Each wave's emulators are fitted on ``workers`` processes (joblib; the same
    emulators whatever their number)."""
    from joblib import Parallel, delayed

    rng = np.random.default_rng(seed)
    test = rng.random((test_points, dims))
    sample = sampler or (lambda w, n, r: plausible_points(w, n, dims, r))
    share_of = share or (lambda w: float(w.keeps(test).mean()))
    done: list[Wave] = []
    all_u = np.zeros((0, dims))
    all_y = np.zeros((0, len(targets)))
    active = [True] * len(targets)
    for k in range(waves):
        last = done[-1] if done else None
        if k == 0 and start is not None:
            u, y = np.asarray(start[0], float), np.asarray(start[1], float)
        else:
            u = sample(last, runs, rng)
            if len(u) == 0:
                break
            y = np.asarray(simulate(u), float).reshape(len(u), len(targets))
        all_u, all_y = np.concatenate([all_u, u]), np.concatenate([all_y, y])
        inside = last.keeps(all_u) if last is not None else np.ones(len(all_u), bool)
        jobs = []
        for j in range(len(targets)):
            ok = inside & np.isfinite(all_y[:, j])  # a run a figure lacks
            if ok.sum() < 8:  # too few runs kept to learn from: every run of the figure
                ok = np.isfinite(all_y[:, j])
            cols = slice(None) if columns is None else columns[j]
            jobs.append(delayed(Emulator(seed + k).fit)(all_u[ok][:, cols], all_y[ok, j]))
        ems = Parallel(n_jobs=max(1, min(workers, len(jobs))))(jobs)  # 1: in this process
        wave = Wave(k + 1, u, y, targets, ems, before=list(done), columns=columns,
                    active=list(active))
        region = (test if last is None else test[last.keeps(test)] if sampler is None
                  else sample(last, min(test_points, 256), rng))
        wave.alone_share = [float((wave.figure_implausibility(j, region) <= CUTOFF).mean())
                            if len(region) else 0.0 for j in range(len(targets))]
        # a figure that nothing left can match, by its emulator or by a run, leaves the cut
        # (reported as out of reach)
        ran = [bool((implausibility(all_y[:, j], np.zeros(len(all_y)), t) <= CUTOFF).any())
               for j, t in enumerate(targets)]
        wave.active = [a and (s > 0.0 or r)
                       for a, s, r in zip(active, wave.alone_share, ran, strict=True)]
        active = wave.active
        wave.plausible_share = share_of(wave)
        done.append(wave)
        if wave.plausible_share == 0.0 and sampler is None:  # a sampler may still find some
            break
    return done


def match_problem(pb, waves: int = 3, runs: int = 64, seed: int = 1,
                  discrepancy: float = 0.0) -> list[Wave]:
    """History matching of a calibration problem (:class:`povsim.calibration.fit.Problem` or
    :class:`~povsim.calibration.joint.JointProblem`): its fitted parameters as the cube's
    coordinates (prior quantiles), its calibration figures as targets (observation sd: the
    figure's tolerance; run sd: the runs' scatter at the priors' medians, ``pb.noise()``; model
    discrepancy: ``discrepancy`` x the reported value, stated by the caller), each wave's runs
    in batches (``pb.simulate_many``, nuisance parameters drawn from their priors).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> from povsim.calibration.fit import Problem
        >>> pb = Problem.of(load_scenario("zhenbao"), scale=20,
        ...                 only=["behaviour.join_prob_month", "income.farm_mu_per_labourer"])
        >>> w = match_problem(pb, waves=1, runs=12, seed=2)
        >>> len(w[0].reached()) == len(pb.figures), 0.0 <= w[0].plausible_share <= 1.0
        (True, True)
    """
    params = list(pb.fitted)
    noise = pb.noise()
    targets = [Target(f.id, f.value, f.target.tolerance, noise.get(f.id, 0.0),
                      discrepancy * abs(f.value), f.target.comparison) for f in pb.figures]
    base = 1_000_000 * seed

    def simulate(u: np.ndarray) -> np.ndarray:
        values = [{p: float(pb.priors[p].ppf(q)) for p, q in zip(params, row, strict=True)}
                  for row in u]
        seeds = [base + simulate.calls + i for i in range(len(values))]
        simulate.calls += len(values)
        out = pb.simulate_many(values, seeds)
        return np.array([[x.get(t.name, np.nan) for t in targets] for x in out], float)

    simulate.calls = 0
    return history_match(simulate, targets, dims=len(params), waves=waves, runs=runs, seed=seed)
