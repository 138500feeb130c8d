"""The staged calibration: screening by emulators, history matching in waves, a neural posterior
inside the region not ruled out (issue 27; ``povsim calibrate``'s default method).

1. **Screening.** Each fitted case runs a scrambled Sobol' design over *every* parameter it
   marks ``to calibrate`` (shared and its own, in prior-quantile space); a Gaussian-process
   emulator per calibration figure gives each parameter's share of the figure's variance
   (total-order Sobol' index of the emulator mean,
   :meth:`povsim.calibration.history_matching.Wave.variance_shares`). Every parameter with a
   share of at least :data:`SHARE` (5%) of any figure's variance is **fitted**; the rest are
   drawn from their priors in every run, so their uncertainty stays in every prediction.
2. **History matching.** Over the fitted parameters (a shared one once for all cases), waves of
   runs and emulators rule out the values whose implausibility exceeds 3 for some figure
   (observation sd: the figure's tolerance; run sd: the scatter of runs at the priors' medians or
   the emulator's white noise, whichever is larger; model discrepancy: :data:`DISCREPANCY` of the
   reported value). The screening's runs are the first wave (each figure's emulator reads the
   shared parameters and its case's own). A figure no point can match is out of reach: it leaves
   the cut and is reported with the run that came closest.
3. **Posterior.** Runs drawn from the region left (the prior truncated to it) train a neural
   posterior (:mod:`povsim.calibration.neural`, sbi's NPE) conditioned on every figure within
   reach, each observed with error (tolerance and discrepancy): an equality figure as the log
   of its value, a bound (at least, at most) as a censored observation (:func:`bounded`: a run
   meeting it reads as the bound) acting on the posterior, not only through the region.
   In each later round (``Stages.rounds``, default 2) half as many new runs come from
   the region truncated to the last posterior's highest-density region given the reported
   figures (all but 0.1% of its mass), and a posterior is trained on all runs so far
   (truncated sequential NPE, Deistler et al. 2022): the first round's posterior, trained on
   the whole region, is calibrated but broad; the later ones spend their runs where the
   posterior is. Posterior draws outside the region (or outside the last round's
   highest-density region) are dropped (the truncated prior gives them no mass). Runs held
   out of each round's training, in proportion to its runs, check the coverage
   (simulation-based calibration, ``sbc.csv``).

Every stage's runs are kept in the output folder (``stages/*.npz``) and reused by a rerun of
the same command, which is deterministic: each run's seed is a function of the calibration
seed, the stage and the run's number.

Example (a tiny fit of one case):
    >>> import tempfile
    >>> from povsim.schema.config import load_scenario
    >>> from povsim.calibration.fit import Problem
    >>> pb = Problem.of(load_scenario("zhenbao"), scale=20, only=[
    ...     "behaviour.join_prob_month", "income.crops.0.yield_value_per_mu"])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     fit = fit_staged(pb, d, Stages(screening_runs=32, waves=2, wave_runs=32,
    ...                      training_runs=64, draws=50, holdout=8, max_epochs=20))
    ...     len(fit.posterior.samples), fit.waves[-1].plausible_share <= 1.0
    (50, True)
"""

from __future__ import annotations

import json
import math
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from povsim.base.inputs import ScenarioError
from povsim.calibration.evaluate import evaluate
from povsim.calibration.fit import check_settings, kept_noise
from povsim.calibration.history_matching import CUTOFF, Emulator, Target, Wave, history_match
from povsim.calibration.metrics import censored
from povsim.calibration.neural import (
    all_uniform,
    coverage,
    latent,
    log_floors,
    rank_uniformity_by_parameter,
    train,
)
from povsim.calibration.posterior import Posterior

#: a parameter whose share of some calibration figure's variance is at least this is fitted
SHARE = 0.05
#: the stated model discrepancy: its sd as a share of each reported value
DISCREPANCY = 0.10


@dataclass(frozen=True)
class Stages:
    """How many runs each stage makes, and the stated discrepancy (the defaults of
    ``povsim calibrate``)."""

    screening_runs: int = 512  # per fitted case, a power of 2 (Sobol' balance)
    waves: int = 3  # the screening's runs are the first
    wave_runs: int = 256  # per later wave
    training_runs: int = 2048  # the neural posterior's first round (from the region left)
    rounds: int = 2  # neural posterior rounds; each later one adds training_runs / 2 runs
    draws: int = 1000  # posterior draws kept
    holdout: int = 100  # training runs held out for the coverage check
    discrepancy: float = DISCREPANCY
    share: float = SHARE
    max_epochs: int = 300


def cases_of(pb) -> dict:
    """case -> its single-case problem (a joint problem's, or the one)."""
    return pb.problems if hasattr(pb, "problems") else {pb.scenario.case: pb}


def fitted_cases_of(pb) -> list[str]:
    return pb.fitted_cases if hasattr(pb, "fitted_cases") else [pb.scenario.case]


def censor(y: np.ndarray, figures: list) -> np.ndarray:
    """A year a run never reaches (no poor left by the figure's year: NaN) as the year after:
    history matching and the posterior read "not by then", not a missing run.

    Example:
        >>> from types import SimpleNamespace as N
        >>> f = N(target=N(metric="year_no_poor", year=2021))
        >>> censor(np.array([[2019.0], [np.nan]]), [f]).ravel().tolist()
        [2019.0, 2022.0]
    """
    y = np.array(y, float)
    for j, f in enumerate(figures):
        y[:, j] = censored(y[:, j], f.target)
    return y


def bounded(y: np.ndarray, targets: list) -> np.ndarray:
    """The figures ``y`` (runs x figures) as the posterior reads them: a bound's (at most, at
    least) censored at its value, so that every run meeting it reads as the bound itself,
    which is what is observed (a censored observation: Xixiu's mean income at most Guizhou's
    reads as "Guizhou's or below"); an equality figure as it is.

    Example:
        >>> from types import SimpleNamespace as T
        >>> ts = [T(observed=10.0, comparison="at_most"), T(observed=5.0, comparison="at_least"),
        ...       T(observed=1.0, comparison="equal")]
        >>> bounded(np.array([[8.0, 7.0, 3.0], [12.0, 4.0, 0.5]]), ts).tolist()
        [[10.0, 5.0, 3.0], [12.0, 4.0, 0.5]]
    """
    x = np.array(y, float)
    for j, t in enumerate(targets):
        if t.comparison == "at_most":
            x[:, j] = np.maximum(x[:, j], t.observed)
        elif t.comparison == "at_least":
            x[:, j] = np.minimum(x[:, j], t.observed)
    return x


def _stage_seed(seed: int, stage: str) -> int:
    return int(zlib.crc32(f"{stage}|{seed}".encode()))


@dataclass
class _Runs:
    """Runs of one stage kept in ``folder/stages/<name>.npz`` and reused on a rerun."""

    folder: Path | None
    name: str

    def get(self, u: np.ndarray, make) -> np.ndarray:
        path = None if self.folder is None else self.folder / "stages" / f"{self.name}.npz"
        if path is not None and path.exists():
            kept = np.load(path)
            if kept["u"].shape == u.shape and np.array_equal(kept["u"], u):
                return kept["y"]
        y = make(u)
        if path is not None:
            from povsim.base.outputs import atomic_write

            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, lambda p: _savez(p, u, y))
        return y


def _savez(path, u: np.ndarray, y: np.ndarray) -> None:
    with open(path, "wb") as f:  # a file object: numpy would add ".npz" to a temporary name
        np.savez(f, u=u, y=y)


def _sobol(dims: int, n: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.Sobol(dims, scramble=True, seed=seed).random_base2(math.ceil(math.log2(n)))


def screening_runs(pb, case: str, n: int, seed: int, *, folder: Path | None = None,
                   workers: int = 1, scheduler: str | None = None):
    """Case ``case``'s screening: a scrambled Sobol' design of ``n`` points over all its
    parameters (prior quantiles) and its figures' values there; (names, u, y)."""
    sub = cases_of(pb)[case]
    names = sorted(sub.priors)
    u = _sobol(len(names), n, _stage_seed(seed, f"screen-{case}"))

    def make(u):
        values = [{p: float(sub.priors[p].ppf(q)) for p, q in zip(names, row, strict=True)}
                  for row in u]
        base = _stage_seed(seed, f"screen-runs-{case}")
        out = evaluate(sub, values, [(base + i) % 2**31 for i in range(len(u))],
                       workers=workers, scheduler=scheduler)
        return censor([[x[f.id] for f in sub.figures] for x in out], sub.figures)

    return names, u, _Runs(folder, f"screening-{case}").get(u, make)


def screening(pb, runs: int, seed: int, *, folder: Path | None = None, workers: int = 1,
              scheduler: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Each parameter's share of each fitted case's figures' variance (one row per case,
    figure and parameter, by its joint name), and the runs (case -> (names, u, y))."""
    members = pb.members
    rows, made = [], {}
    for case in fitted_cases_of(pb):
        sub = cases_of(pb)[case]
        names, u, y = screening_runs(pb, case, runs, seed, folder=folder, workers=workers,
                                     scheduler=scheduler)
        made[case] = (names, u, y)
        joint = {path: n for n, path in members[case].items()}
        kept = None if folder is None else folder / "stages" / f"shares-{case}.csv"
        if kept is not None and kept.exists():  # the same runs (the design is the seed's)
            table = pd.read_csv(kept)
        else:
            table = case_shares(sub, names, u, y, seed, workers)
            if kept is not None:
                from povsim.base.outputs import atomic_write

                atomic_write(kept, lambda p, t=table: t.to_csv(p, index=False))
        rows += [{"case": case, "figure": r.figure, "parameter": joint[r.path],
                  "share": float(r.share)} for r in table.itertuples()]
    return pd.DataFrame(rows), made


def _figure_shares(u: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """One figure's parameters' shares of its variance: total-order Sobol' indices of its
    emulator's mean, times the mean's share of the runs' variance (the rest is the runs'
    scatter at a point)."""
    ok = np.isfinite(y)
    # one optimisation: in some 50 dimensions each restart costs half a minute
    em = Emulator(seed, restarts=0, max_runs=None).fit(u[ok], y[ok])
    targets = [Target("figure", 0.0, 1.0)]
    st = Wave(1, u, y[:, None], targets, [em]).variance_shares(seed=seed)[0]
    mean_var = float(np.var(em.latent(u[ok])[0]))  # on the scale emulated (the log, or not)
    return st * (mean_var / (mean_var + em.latent_noise) if mean_var > 0 else 0.0)


def case_shares(sub, names: list[str], u: np.ndarray, y: np.ndarray, seed: int,
                workers: int = 1) -> pd.DataFrame:
    """Each parameter's (by its path) share of each of one case's figures' variance, from its
    screening runs; one emulator per figure, on ``workers`` processes (joblib)."""
    from joblib import Parallel, delayed

    shares = Parallel(n_jobs=min(max(workers, 1), y.shape[1]))(
        delayed(_figure_shares)(u, y[:, j], seed) for j in range(y.shape[1]))
    return pd.DataFrame([{"figure": f.id, "path": p, "share": float(shares[j][k])}
                         for j, f in enumerate(sub.figures) for k, p in enumerate(names)])


@dataclass
class Blocks:
    """The cube's coordinates by who reads them: ``shared``, read by the figures of several
    cases, and each case's ``own``, read by its figures alone (``figures``: the case's figure
    indices). Given the shared coordinates the cases' regions are independent, so the region
    is sampled case by case: the joint region is the product of five, far too small a share of
    the whole cube for rejection sampling (the first wave of the five cases kept about 1 in
    20,000 uniform points)."""

    dims: int
    shared: np.ndarray
    own: dict[str, np.ndarray]
    figures: dict[str, list[int]]
    candidates: int = 64  # per case and shared point: the estimate of its share

    def volumes(self, wave: Wave, u: np.ndarray, rng: np.random.Generator,
                pick: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per point of ``u`` (its shared coordinates) and case, the share of the case's own
        coordinates that the waves keep (case by case, ``candidates`` uniform points); with
        ``pick`` the points get, per case, one kept candidate's own coordinates."""
        u = np.array(u, float)
        vols = np.ones((len(u), len(self.own)))
        for k, (case, own) in enumerate(self.own.items()):
            m = self.candidates if len(own) else 1
            cand = np.repeat(u, m, axis=0)
            if len(own):
                cand[:, own] = rng.random((len(cand), len(own)))
            kept = wave.keeps(cand, only=self.figures[case]).reshape(len(u), m)
            vols[:, k] = kept.mean(axis=1)
            if pick and len(own):
                first = np.argmax(kept, axis=1)  # the candidates are in random order
                u[:, own] = cand.reshape(len(u), m, -1)[np.arange(len(u)), first][:, own]
        return u, vols

    def sample(self, wave: Wave | None, n: int, rng: np.random.Generator,
               batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """``n`` points and their weights to the prior truncated to the region: shared
        coordinates uniform over the whole cube, each case's own uniform among those its waves
        keep (uniform over the whole cube where they keep none: such a point lies outside the
        region and its weight is 0). Its density on the region is 1 / the product of the
        cases' shares at its shared coordinates, so its weight is that product."""
        if wave is None:
            return rng.random((n, self.dims)), np.ones(n)
        got_u, got_w = [], []
        for i in range(0, n, batch):
            u, vols = self.volumes(wave, rng.random((min(batch, n - i), self.dims)), rng,
                                   pick=True)
            got_u.append(u)
            got_w.append(vols.prod(axis=1))
        return np.concatenate(got_u), np.concatenate(got_w)

    def design(self, wave: Wave | None, n: int, rng: np.random.Generator) -> np.ndarray:
        """A wave's ``n`` new points: :meth:`sample`'s, those inside the region first (twice
        as many drawn; the rest fill up)."""
        u, w = self.sample(wave, 2 * n, rng)
        order = np.argsort(w <= 0, kind="stable")
        return u[order][:n]

    def share(self, wave: Wave, rng: np.random.Generator, points: int = 128) -> float:
        """The share of the cube the waves keep: the mean over uniform shared coordinates of
        the product of the cases' shares."""
        _, vols = self.volumes(wave, rng.random((points, self.dims)), rng)
        return float(vols.prod(axis=1).mean())


def _highest_density(blocks: Blocks, wave: Wave, net, observed: np.ndarray, tau: float, n: int,
                     rng: np.random.Generator, batch: int = 512,
                     most: int = 64) -> tuple[np.ndarray, int]:
    """Up to ``n`` points of the region's sampler (:meth:`Blocks.sample`) inside the region
    whose log density under ``net`` given ``observed`` is at least ``tau``, and how many
    candidates were drawn (at most ``most`` x ``n``)."""
    got, tried = [], 0
    while sum(len(g) for g in got) < n and tried < most * n:
        u, w = blocks.sample(wave, batch, rng)
        tried += len(u)
        ok = w > 0
        ok[ok] = net.log_prob(latent(u[ok]), observed) >= tau
        got.append(u[ok])
    u = np.concatenate(got) if got else np.zeros((0, blocks.dims))
    return u[:n], tried


def blocks_of(pb, fitted: list[str]) -> Blocks:
    """The :class:`Blocks` of ``pb``'s fitted parameters over its fitted cases' figures."""
    figs = pb.figures
    cases = fitted_cases_of(pb)
    readers = {n: [c for c in cases if n in pb.members[c]] for n in fitted}
    shared = np.array([i for i, n in enumerate(fitted) if len(readers[n]) > 1], int)
    own = {c: np.array([i for i, n in enumerate(fitted) if readers[n] == [c]], int)
           for c in cases}
    return Blocks(len(fitted), shared, own,
                  {c: [j for j, f in enumerate(figs) if f.case == c] for c in cases})


@dataclass
class StagedFit:
    """What the staged calibration found (module docstring)."""

    problem: object
    stages: Stages
    shares: pd.DataFrame
    waves: list[Wave]
    posterior: Posterior
    sbc: pd.DataFrame
    conditioned: list[str]  # the figures the neural posterior reads
    info: dict = field(default_factory=dict)
    blocks: Blocks | None = None  # the region's sampler

    def waves_table(self) -> pd.DataFrame:
        """Per wave: its runs, the share of the cube still plausible, figures out of reach."""
        return pd.DataFrame([{"wave": w.number, "runs": len(w.u),
                              "plausible_share": w.plausible_share,
                              "out_of_reach": "; ".join(w.out_of_reach)} for w in self.waves])

    def reach_table(self) -> pd.DataFrame:
        """Per wave and figure: reached by a run, the closest run's value and its distance in
        sds, the share of the region the figure's own cut keeps, whether it is in the cut."""
        rows = []
        for w in self.waves:
            for r, alone, act in zip(w.reached(), w.alone_share, w.active, strict=True):
                rows.append({"wave": w.number, "figure": r["figure"], "reached": r["reached"],
                             "closest": r["closest"], "distance_sd": r["distance_sd"],
                             "alone_share": alone, "in_cut": act})
        return pd.DataFrame(rows)

    def sbc_table(self) -> pd.DataFrame:
        """Per fitted parameter: truths, the 90% interval's coverage, mean rank (0.5 flat) and
        the ranks' uniformity p-value (``neural.rank_uniformity_by_parameter``)."""
        g = self.sbc.groupby("parameter", sort=True)
        return pd.DataFrame({"truths": g["truth"].nunique(), "coverage_90": g["covered"].mean(),
                             "mean_rank": g.apply(lambda d: float(
                                 (d["rank"] / d["draws"]).mean()), include_groups=False),
                             "uniformity_p": rank_uniformity_by_parameter(self.sbc)}
                            ).reset_index()

    def write(self, out: str | Path, draws: int = 40, plots: bool = True) -> list[Path]:
        """The stages' tables and plots, then the posterior's (:meth:`Posterior.write`)."""
        from povsim.base.outputs import atomic_write, write_tables

        out = Path(out)
        shares = self.shares.assign(fitted=self.shares["parameter"].isin(
            self.problem.fitted))
        summary = self.sbc_table()
        written = write_tables(out, {"screening": shares, "waves": self.waves_table(),
                                     "reach": self.reach_table(), "sbc": self.sbc,
                                     "sbc_summary": summary})
        info = {**self.info, "stages": asdict(self.stages), "conditioned": self.conditioned,
                "fitted": list(self.problem.fitted),
                "sbc_coverage_90": float(self.sbc["covered"].mean()) if len(self.sbc) else None,
                "sbc_rank_uniformity_p": (all_uniform(summary["uniformity_p"])
                                          if len(self.sbc) else None)}
        text = json.dumps(info, indent=1)
        written.append(atomic_write(out / "staged.json",
                                    lambda p: Path(p).write_text(text, encoding="utf-8")))
        if plots:
            from povsim.calibration import plots as cplots

            written.append(atomic_write(out / "waves.png",
                                        lambda p: cplots.waves(self, p)))
            for case in cplots.cases_of(self.problem):
                names = cplots.case_parameters(self.problem, case)
                if names:
                    written.append(atomic_write(
                        out / f"waves-{case}.png", lambda p, n=names, c=case: cplots.waves(
                            self, p, among=n, title=f"{self.problem.title}, {c}")))
        return written + self.posterior.write(out, draws=draws, plots=plots)


def fit_staged(pb, out: str | Path | None, stages: Stages = Stages(), *, workers: int = 1,
               scheduler: str | None = None, progress: bool = False) -> StagedFit:
    """Run (or resume, in ``out``) the three stages for ``pb`` (a
    :class:`~povsim.calibration.fit.Problem` or a
    :class:`~povsim.calibration.joint.JointProblem`); ``pb.fit`` becomes the parameters the
    screening finds influential."""
    out = None if out is None else Path(out)
    seed = pb.seed
    say = print if progress else (lambda *a, **k: None)
    clock = {"start": time.perf_counter()}
    pb.fit = None
    if out is not None:
        check_settings(out, {**pb.settings(), "method": "staged", **asdict(stages)})
    # 1. screening over every parameter
    shares, made = screening(pb, stages.screening_runs, seed, folder=out, workers=workers,
                             scheduler=scheduler)
    best = shares.groupby("parameter")["share"].max()
    fitted = sorted(best[best >= stages.share].index)
    if not fitted:
        raise ScenarioError(f"{pb.name}: no parameter moves any figure by {stages.share:.0%} "
                            "of its variance; nothing to fit")
    pb.fit = fitted
    clock["screening"] = time.perf_counter()
    say(f"screening: {len(fitted)} of {len(best)} parameters fitted (a share of at least "
        f"{stages.share:.0%} of some figure's variance)")
    # 2. history matching over the fitted parameters, the screening's runs the first wave
    noise = kept_noise(pb, out)
    figs = pb.figures
    targets = [Target(f.id, f.value, f.target.tolerance, noise.get(f.id, 0.0),
                      stages.discrepancy * abs(f.value), f.target.comparison) for f in figs]
    index = {n: i for i, n in enumerate(fitted)}
    columns = [np.array([index[n] for n in fitted if n in pb.members[f.case]], int)
               for f in figs]
    rng = np.random.default_rng([seed, 0x57A6])
    start_u, start_y = [], []
    for case, (names, u, y) in made.items():
        ju = rng.random((len(u), len(fitted)))  # other cases' coordinates: read by no emulator
        path_col = {p: k for k, p in enumerate(names)}
        for n, path in pb.members[case].items():
            if n in index:
                ju[:, index[n]] = u[:, path_col[path]]
        jy = np.full((len(u), len(figs)), np.nan)
        own = [j for j, f in enumerate(figs) if f.case == case]
        sub_ids = [f.id for f in cases_of(pb)[case].figures]
        for j in own:
            jy[:, j] = y[:, sub_ids.index(figs[j].id)]
        start_u.append(ju)
        start_y.append(jy)
    calls = [0]

    def simulate(u: np.ndarray, name: str | None = None) -> np.ndarray:
        calls[0] += 1
        tag = name or f"wave-{calls[0] + 1}"

        def make(u):
            values = [{n: float(pb.priors[n].ppf(q)) for n, q in zip(fitted, row, strict=True)}
                      for row in u]
            base = _stage_seed(seed, tag)
            res = evaluate(pb, values, [(base + i) % 2**31 for i in range(len(u))],
                           workers=workers, scheduler=scheduler)
            return censor([[x.get(f.id, np.nan) for f in figs] for x in res], figs)

        return _Runs(out, tag).get(u, make)

    blocks = blocks_of(pb, fitted)
    share_rng = np.random.default_rng([seed, 0x5AE])
    waves = history_match(simulate, targets, dims=len(fitted), waves=stages.waves,
                          runs=stages.wave_runs, seed=seed, columns=columns,
                          start=(np.concatenate(start_u), np.concatenate(start_y)),
                          sampler=blocks.design,
                          share=lambda w: blocks.share(w, share_rng), workers=workers)
    last = waves[-1]
    clock["history matching"] = time.perf_counter()
    for w in waves:
        say(f"wave {w.number}: {len(w.u)} runs, {w.plausible_share:.3%} of the cube plausible"
            + (f"; out of reach: {', '.join(w.out_of_reach)}" if w.out_of_reach else ""))
    # 3. the neural posterior on runs from the region left
    # the training runs: the sampler's points (density 1 / the product of the cases' shares
    # of the region at their shared coordinates; the posterior draws are weighted back)
    u_all, w_all = blocks.sample(last, stages.training_runs,
                                 np.random.default_rng([seed, 0x7EA1]))
    if not (w_all > 0).any():
        raise ScenarioError(f"{pb.name}: history matching ruled out every point; the figures "
                            "cannot be matched together (reach.csv)")
    y_all = simulate(u_all, "training")
    active = [j for j, a in enumerate(last.active) if a]
    if not any(targets[j].comparison == "equal" for j in active):
        raise ScenarioError(f"{pb.name}: no equality figure within reach to condition on")
    x_all = bounded(y_all[:, active], [targets[j] for j in active])
    noise_sd = np.array([math.sqrt(targets[j].observation_sd ** 2
                                   + targets[j].discrepancy_sd ** 2) for j in active])
    observed = np.array([targets[j].observed for j in active])
    floors = log_floors([targets[j] for j in active])  # equality figures read as logs
    z_all = latent(u_all)
    hold = min(stages.holdout, len(z_all) // 5)
    z_hold, x_hold, z_fit, x_fit = z_all[:hold], x_all[:hold], z_all[hold:], x_all[hold:]
    net = train(z_fit, x_fit, seed=seed, noise_sd=noise_sd, floors=floors,
                max_epochs=stages.max_epochs)
    # later rounds: new runs from the region truncated to the last flow's highest-density
    # region given the reported figures, and a flow trained on every run so far (truncated
    # sequential NPE: inside that region the runs' density is still the sampler's, so the flow
    # is still the posterior there, and its draws are kept only there). Each round holds out
    # its share of runs, so the coverage check's truths come from the runs' own mixture.
    hpd, rounds = None, [{"round": 1, "runs": len(z_fit), "candidates": None, "share_kept": None}]
    for r in range(2, stages.rounds + 1):
        tau = net.threshold(observed, seed=seed + 7919 * r)
        u_new, tried = _highest_density(blocks, last, net, observed, tau,
                                        stages.training_runs // 2,
                                        np.random.default_rng([seed, 0x7EA1, r]))
        if not len(u_new):
            say(f"round {r}: none of {tried} candidates in the flow's highest-density region")
            break
        y_new = simulate(u_new, f"round-{r}")
        z_new = latent(u_new)
        x_new = bounded(y_new[:, active], [targets[j] for j in active])
        h = round(hold * len(z_new) / len(z_all))
        z_hold, x_hold = np.concatenate([z_hold, z_new[:h]]), np.concatenate([x_hold, x_new[:h]])
        z_fit, x_fit = np.concatenate([z_fit, z_new[h:]]), np.concatenate([x_fit, x_new[h:]])
        rounds.append({"round": r, "runs": int(len(z_new) - h), "candidates": tried,
                       "share_kept": len(z_new) / max(tried, 1)})
        say(f"round {r}: {len(z_new)} runs from the flow's highest-density region "
            f"({len(z_new) / max(tried, 1):.1%} of {tried} candidates from the region)")
        hpd = (net, tau)
        net = train(z_fit, x_fit, seed=seed, noise_sd=noise_sd, floors=floors,
                    max_epochs=stages.max_epochs)
    clock["training"] = time.perf_counter()
    sbc = coverage(net, z_hold, x_hold, fitted, seed=seed, noise_sd=noise_sd)
    # the flow's draws outside the region are dropped: draw in rounds (at most 56 x the draws
    # asked for) until enough are kept; none kept (a flow trained on too few runs): its draws
    u, inside, drawn, first = np.zeros((0, len(fitted))), 0, 0, None
    for k in range(3):
        uk = ndtr(net.sample(observed, 8 * stages.draws * 2 ** k, seed=seed + k))
        first = uk if first is None else first
        keep = last.keeps(uk)
        if hpd is not None:  # the last flow is the posterior inside its runs' region only
            keep &= hpd[0].log_prob(latent(uk), observed) >= hpd[1]
        u = np.concatenate([u, uk[keep]])
        inside, drawn = inside + int(keep.sum()), drawn + len(uk)
        if len(u) >= stages.draws:
            break
    u = (u if len(u) else first)[:stages.draws]
    n = len(u)
    # back from the sampler's density to the prior truncated to the region: each draw weighted
    # by the product of its cases' shares at its shared coordinates
    _, vols = blocks.volumes(last, u, np.random.default_rng([seed, 0x0AE1]))
    weight = vols.prod(axis=1)
    if len(blocks.shared) == 0 or weight.sum() <= 0:  # one block: the weights are all equal
        weight = np.ones(n)
    weight = weight / weight.sum()
    cols: dict[str, object] = {"draw": np.arange(n), "weight": weight,
                               "generation": np.full(n, len(waves))}
    for k, p in enumerate(fitted):
        cols[p] = pb.priors[p].ppf(u[:, k])
    prng = np.random.default_rng([seed, 0x5A])
    for p in pb.nuisance:  # drawn from their priors, as every run of the fit drew them
        cols[p] = pb.priors[p].ppf(prng.random(n))
    samples = pd.DataFrame(cols)[["draw", "weight", "generation", *sorted(pb.priors)]]
    clock["posterior"] = time.perf_counter()
    from povsim.calibration.posterior import effective_sample_size

    info = {"training_runs": len(z_fit), "holdout_runs": len(z_hold),
            "epochs": net.epochs, "rounds": rounds, "draws_inside_region": inside / max(drawn, 1),
            "effective_sample_size": effective_sample_size(weight),
            "case_shares": {c: float(v) for c, v in zip(
                blocks.own, blocks.volumes(last, np.random.default_rng([seed, 1]).random(
                    (128, len(fitted))), np.random.default_rng([seed, 2]))[1].mean(axis=0),
                strict=True)},
            "seconds": {k: round(clock[k] - clock["start"], 1) for k in clock if k != "start"}}
    say(f"posterior: {n} draws, effective sample size {info['effective_sample_size']:.0f} "
        f"(NPE on {len(z_fit)} runs from the region, {net.epochs} epochs; "
        f"{inside / max(drawn, 1):.1%} of its draws inside the region); coverage of the 90% "
        f"interval on {len(z_hold)} held-out runs: {sbc['covered'].mean():.1%}")
    return StagedFit(pb, stages, shares, waves, Posterior(pb, samples), sbc,
                     [targets[j].name for j in active], info, blocks)


__all__ = ["CUTOFF", "DISCREPANCY", "SHARE", "StagedFit", "Stages", "bounded", "fit_staged",
           "screening"]
