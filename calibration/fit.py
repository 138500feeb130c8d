"""Bayesian calibration of a case with pyabc's ABC-SMC: the problem, the model, the run.

:class:`Problem` holds what a fit of one case needs: the scenario, the prior of every parameter
it marks ``to calibrate`` (:mod:`povsim.calibration.priors`), its ``calibration`` figures (only
those are fitted; validation figures are predicted, never fitted), the scale and the seed. Its
:meth:`Problem.simulate` runs the scenario with a set of parameter values and returns the
figures' metrics; :meth:`Problem.noise` measures each metric's run-to-run sd at the priors'
medians, which with each figure's tolerance scales the distance
(:class:`povsim.calibration.distance.Distance`).

:func:`run_abc` runs ABC-SMC (``pyabc.ABCSMC``) with a resumable history database in the output
folder: rerunning the same command after a kill loads the database and runs only the
generations still missing. Each model run's seed is a pure function of the calibration seed and
the parameter values, so a run is reproducible whatever worker makes it; pyabc's own sampling
uses numpy's global generator, seeded from the calibration seed at the start (the library's
design: a multi-process sampler is not bit-reproducible).

Example:
    >>> from povsim.schema.config import load_scenario
    >>> pb = Problem.of(load_scenario("zhenbao"), scale=2, seed=1)
    >>> sorted(pb.reported)[:2]
    ['zhenbao.all_poor_exited_by', 'zhenbao.melon_income_per_mu']
    >>> x = pb.simulate({})  # the starting values
    >>> sorted(x) == sorted(pb.reported)
    True
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from povsim.base.inputs import ScenarioError
from povsim.calibration.distance import Distance
from povsim.calibration.metrics import METRIC_TABLES, metric_values
from povsim.calibration.priors import PRIORS_YAML, Prior, scenario_priors
from povsim.calibration.registry import Figure, Registry
from povsim.experiments.runner import run_scenario
from povsim.schema.config import Scenario, registry_for

NOISE_REPLICATES = 8  # replicates at the prior medians that measure the run-to-run sd


def key(path: str) -> str:
    """A parameter path as a pyabc parameter name (``.`` -> ``__``).

    Example:
        >>> key("cadre_groups.0.effectiveness")
        'cadre_groups__0__effectiveness'
    """
    return path.replace(".", "__")


def run_seed(seed: int, values: dict[str, float]) -> int:
    """The model seed of one run: a pure function of the calibration seed and the values.

    Example:
        >>> run_seed(1, {"a": 0.5}) == run_seed(1, {"a": 0.5}) != run_seed(2, {"a": 0.5})
        True
    """
    text = json.dumps({k: float(v) for k, v in sorted(values.items())}, sort_keys=True)
    return int(zlib.crc32(f"{seed}|{text}".encode()))


@dataclass
class Problem:
    """The calibration problem of one case (see the module docstring)."""

    scenario: Scenario
    priors: dict[str, Prior]
    figures: list[Figure]
    scale: float = 1.0
    seed: int = 1
    validation: list[Figure] = field(default_factory=list)
    fit: list[str] | None = None  # the parameters ABC fits (None: all); the rest are nuisance

    @property
    def fitted(self) -> list[str]:
        """The parameters ABC fits."""
        return sorted(self.fit if self.fit is not None else self.priors)

    @property
    def nuisance(self) -> list[str]:
        """The parameters not fitted: each run draws them from their priors, so their
        uncertainty stays in every prediction."""
        return sorted(set(self.priors) - set(self.fitted))

    def with_nuisance(self, values: dict[str, float], seed: int) -> dict[str, float]:
        """``values`` with every nuisance parameter not in them drawn from its prior (a named
        generator seeded by the run's seed)."""
        todo = [p for p in self.nuisance if p not in values]
        if not todo:
            return dict(values)
        u = np.random.default_rng([seed, 0x0CA1]).random(len(todo))
        return {**{p: float(self.priors[p].ppf(q)) for p, q in zip(todo, u, strict=True)},
                **values}

    @classmethod
    def of(cls, sc: Scenario, *, scale: float = 1.0, seed: int = 1,
           priors: str | Path = PRIORS_YAML, registry: Registry | None = None,
           only: list[str] | None = None, anchors: bool = True) -> Problem:
        """The problem of scenario ``sc``: its priors and its case's figures, the reported ones
        and (``anchors``) the public statistics of ``calibration/anchors.yaml``
        (:mod:`povsim.calibration.anchors`); ``only`` fits a subset of the parameters (the
        others stay at their starting values)."""
        from povsim.calibration.anchors import anchor_figures

        reg = registry or registry_for(sc)
        figs = reg.for_case(sc.case, roles=("calibration",))
        if anchors and figs:
            figs += [f for f in anchor_figures(sc.case) if f.id not in reg]
        if not figs:
            raise ScenarioError(f"case {sc.case!r} has no calibration figure in the registry")
        pri = scenario_priors(sc, priors)
        if only is not None:
            unknown = sorted(set(only) - set(pri))
            if unknown:
                raise ScenarioError(f"not 'to calibrate' in {sc.name}: {', '.join(unknown)}")
            pri = {p: pri[p] for p in only}
        return cls(sc, pri, figs, scale, seed, reg.for_case(sc.case, roles=("validation",)))

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def title(self) -> str:
        return self.scenario.title

    @property
    def reported(self) -> dict[str, float]:
        return {f.id: f.value for f in self.figures}

    @property
    def members(self) -> dict[str, dict[str, str]]:
        """case -> parameter name -> its path in the case's scenario (one case, names are
        paths; as :class:`~povsim.calibration.joint.JointProblem` gives for several)."""
        return {self.scenario.case: {p: p for p in self.priors}}

    @property
    def scales(self) -> dict[str, float]:
        """case -> run scale."""
        return {self.scenario.case: self.scale}

    def settings(self) -> dict:
        """What a resumed fit must share with the first one."""
        return {"scenario": self.scenario.name, "case": self.scenario.case,
                "scale": self.scale, "seed": self.seed, "fitted": self.fitted,
                "parameters": sorted(self.priors), "figures": sorted(self.reported)}

    def scenarios_with(self, values: dict[str, float]) -> dict[str, Scenario]:
        """The scenario with the values, by its name (as :class:`JointProblem` gives one per
        case)."""
        return {self.scenario.name: self.scenario_with(values)}

    @property
    def comparison(self) -> dict[str, str]:
        return {f.id: f.target.comparison for f in self.figures}

    def with_synthetic_figures(self, made: dict[str, np.ndarray],
                               rel_tolerance: float = 0.05) -> Problem:
        """A copy whose figures are what the model ``made`` (figure id -> replicate values,
        e.g. from :meth:`simulate` at known values), each compared as a value within
        ``rel_tolerance`` of their mean; a year bound stays a bound (parameter recovery)."""
        figs = []
        for f in self.figures:
            if f.target.metric == "year_no_poor":
                figs.append(f)
                continue
            v = float(np.mean(made[f.id]))
            figs.append(f.model_copy(update={"value": v, "target": f.target.model_copy(
                update={"comparison": "equal", "tolerance": rel_tolerance * abs(v)})}))
        return replace(self, figures=figs)

    def scenario_with(self, values: dict[str, float]) -> Scenario:
        """The scenario with parameter values by path (counts rounded)."""
        changes = {p: (round(v) if self.priors[p].integer else float(v))
                   for p, v in values.items()}
        return self.scenario.with_params(changes) if changes else self.scenario

    def simulate(self, values: dict[str, float], seed: int | None = None,
                 replicates: int = 1, figures: list[Figure] | None = None,
                 nuisance: bool = True) -> dict[str, float] | dict[str, np.ndarray]:
        """The figures' metrics for ``values`` (one replicate: floats; several: arrays), the
        nuisance parameters drawn from their priors unless ``nuisance=False`` (then at their
        starting values); NaN where the values make no valid scenario."""
        figs = figures if figures is not None else self.figures
        s = run_seed(self.seed, values) if seed is None else seed
        if nuisance:
            values = self.with_nuisance(values, s)
        try:
            sc = self.scenario_with(values)
        except ScenarioError:
            nan = math.nan if replicates == 1 else np.full(replicates, math.nan)
            return {f.id: nan for f in figs}
        res = run_scenario(sc, seed=s, replicates=replicates, scale=self.scale, progress=False)
        out = {}
        for f in figs:
            v = metric_values(res, f.target.metric, f.target.year, f.target.month).to_numpy(float)
            out[f.id] = float(v[0]) if replicates == 1 else v
        return out

    def simulate_many(self, values: list[dict[str, float]], seeds: list[int],
                      figures: list[Figure] | None = None,
                      nuisance: bool = True) -> list[dict[str, float]]:
        """:meth:`simulate` (one replicate) of many parameter sets, each with its seed, the
        runs in batches (:func:`povsim.engine.batch.iter_many`): the same figures as one by one.

        Example:
            >>> from povsim.schema.config import load_scenario
            >>> pb = Problem.of(load_scenario("zhenbao"), scale=20,
            ...                 only=["behaviour.join_prob_month"])
            >>> v = [{"behaviour.join_prob_month": 0.01}, {"behaviour.join_prob_month": 0.02}]
            >>> pb.simulate_many(v, [3, 4]) == [pb.simulate(v[0], 3), pb.simulate(v[1], 4)]
            True
        """
        from povsim.engine.batch import iter_many
        from povsim.reporting.results import Results

        figs = figures if figures is not None else self.figures
        scenarios: list[Scenario | None] = []
        for v, s in zip(values, seeds, strict=True):
            try:
                scenarios.append(self.scenario_with(self.with_nuisance(v, s) if nuisance
                                                    else v))
            except ScenarioError:
                scenarios.append(None)
        ok = [i for i, sc in enumerate(scenarios) if sc is not None]
        out: list[dict[str, float]] = [{f.id: math.nan for f in figs} for _ in values]
        runs = iter_many([scenarios[i] for i in ok], [seeds[i] for i in ok], [0] * len(ok),
                         self.scale, tables=METRIC_TABLES)
        for i, tables in zip(ok, runs, strict=True):
            res = Results(scenario=scenarios[i], tables=tables)
            out[i] = {f.id: float(metric_values(res, f.target.metric, f.target.year,
                                                f.target.month).to_numpy(float)[0])
                      for f in figs}
        return out

    def prior_medians(self) -> dict[str, float]:
        """Every parameter at its prior's median."""
        return {p: float(pr.ppf(0.5)) for p, pr in self.priors.items()}

    def noise(self, replicates: int = NOISE_REPLICATES) -> dict[str, float]:
        """Each figure's run-to-run sd with every parameter at its prior median (0 where not
        measurable): not at the scenario's starting values, so that a fit started from a
        calibrated scenario is the fit that calibrated it."""
        x = self.simulate(self.prior_medians(), seed=self.seed, replicates=replicates,
                          nuisance=False)
        return {f: float(np.nanstd(v, ddof=1)) if np.isfinite(v).sum() > 1 else 0.0
                for f, v in x.items()}

    def distance(self, noise: dict[str, float]) -> Distance:
        """The distance with each figure's scale: tolerance + run-to-run sd."""
        return Distance(self.reported, self.comparison,
                        {f.id: f.target.tolerance + noise.get(f.id, 0.0) for f in self.figures})

    def pyabc_prior(self):
        """The prior as a ``pyabc.Distribution`` over :func:`key` names, in latent space: each
        parameter is ``prior.ppf(Phi(z))`` with ``z`` standard normal (``Phi`` its cdf), which
        is exactly its prior; pyabc's proposals in ``z`` never leave the prior's support (in the
        bounded space most proposals of a many-dimensional kernel fall outside the box and are
        rejected before any run), and its Gaussian kernels match a Gaussian prior's tails (on
        Zhenbao, 8 parameters, 100 particles, the first generation after the prior kept an
        effective sample size of 36, against 19 with a logistic latent; by the sixth both had
        fallen to 5, which fitting fewer parameters cures: 43 with 4)."""
        import pyabc

        return pyabc.Distribution(**{key(p): pyabc.RV("norm", 0.0, 1.0) for p in self.fitted})

    def values_of(self, latent: dict[str, float]) -> dict[str, float]:
        """Parameter values by path from latent values by :func:`key` name.

        Example:
            >>> from povsim.schema.config import load_scenario
            >>> pb = Problem.of(load_scenario("zhenbao"), only=["income.farm_mu_per_labourer"])
            >>> pb.values_of({"income__farm_mu_per_labourer": 0.0})  # the prior's median
            {'income.farm_mu_per_labourer': 17.0}
        """
        paths = {key(p): p for p in self.fitted}
        out = {}
        for k, z in latent.items():
            p = paths[k]
            q = 0.5 * math.erfc(-float(z) / math.sqrt(2.0))  # the standard normal cdf
            out[p] = float(self.priors[p].ppf(q))
        return out

    def pyabc_model(self):
        """The model as pyabc calls it: latent parameters by :func:`key` name -> figures."""

        def model(par) -> dict[str, float]:
            return self.simulate(self.values_of(dict(par)))
        return model


def _sampler(workers: int, scheduler: str | None):
    """pyabc's sampler: one process, several processes on this machine, or a Dask cluster."""
    import pyabc

    if scheduler:
        from povsim.base.threads import worker_threads
        from povsim.experiments.sweeps import connect, warm_worker

        client = connect(scheduler)
        client.run(warm_worker, worker_threads)  # each worker's allocator, threads and kernels
        return pyabc.sampler.DaskDistributedSampler(dask_client=client)
    if workers > 1:  # forked workers inherit the allocator's thresholds (set at CLI start)
        # and one thread each (povsim.base.threads: a forked process runs the kernels on one thread)
        return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)
    return pyabc.sampler.SingleCoreSampler()


def settings_file(out: Path) -> Path:
    return out / "calibration.json"


def check_settings(out: Path, settings: dict) -> None:
    """Create ``out`` and record a fit's ``settings`` there (``calibration.json``); refuse, in
    one line, a folder holding a calibration with other settings."""
    out.mkdir(parents=True, exist_ok=True)
    sfile = settings_file(out)
    if sfile.exists():
        old = json.loads(sfile.read_text(encoding="utf-8"))
        diff = sorted(k for k in settings if old.get(k) != settings[k])
        if diff:
            raise ScenarioError(f"{out}: holds a calibration with other settings "
                                f"({', '.join(diff)}); use another --out")
    else:
        sfile.write_text(json.dumps(settings, indent=1), encoding="utf-8")


def kept_noise(pb, out: Path | None) -> dict[str, float]:
    """``pb.noise()``, kept in ``out/noise.json`` and read from there on a rerun."""
    nfile = None if out is None else out / "noise.json"
    if nfile is not None and nfile.exists():
        return json.loads(nfile.read_text(encoding="utf-8"))
    noise = pb.noise()
    if nfile is not None:
        nfile.write_text(json.dumps(noise, indent=1), encoding="utf-8")
    return noise


def run_abc(pb, out: str | Path, *, population: int = 100, generations: int = 6,
            workers: int = 1, scheduler: str | None = None, progress: bool = True):
    """Run (or resume) ABC-SMC for ``pb`` (a :class:`Problem` or a
    :class:`~povsim.calibration.joint.JointProblem`) into folder ``out``; return the pyabc
    History.

    ``out`` keeps ``history.db`` (pyabc's database), ``noise.json`` (run-to-run sd per figure)
    and ``calibration.json`` (the settings); rerunning with the same settings after a kill runs
    only the generations still missing, and other settings in a used folder are refused.
    """
    import logging

    import pyabc

    out = Path(out)
    check_settings(out, {**pb.settings(), "population": population})
    noise = kept_noise(pb, out)
    logging.getLogger("ABC").setLevel(logging.INFO if progress else logging.WARNING)
    np.random.seed(pb.seed % 2**32)  # noqa: NPY002 - pyabc samples from the global generator
    abc = pyabc.ABCSMC(pb.pyabc_model(), pb.pyabc_prior(), pb.distance(noise),
                       population_size=population, sampler=_sampler(workers, scheduler))
    db_path = out / "history.db"
    db = f"sqlite:///{db_path}"
    done = 0
    if db_path.exists():
        history = abc.load(db, 1)
        done = history.max_t + 1
    else:
        abc.new(db, pb.reported)
    if generations > done:
        abc.run(max_nr_populations=generations - done)
    return pyabc.History(db)


def screen(pb: Problem, trajectories: int = 4, levels: int = 4) -> pd.DataFrame:
    """Rank the parameters by their influence on the fit: Morris elementary effects (SALib)
    over the priors (in quantile space) of each figure's scaled gap (its term of the distance,
    the gap over its tolerance; a missing value counts as 10). One column per figure gives each
    parameter's mu* (the mean absolute elementary effect); ``score`` adds, over the figures,
    each parameter's share of the figure's total mu*, so that every figure has the same say
    (a figure the model cannot reach has large gaps and would otherwise choose alone).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> pb = Problem.of(load_scenario("zhenbao"), scale=8, only=[
        ...     "income.crops.0.yield_value_per_mu", "behaviour.join_prob_month"])
        >>> sorted(screen(pb, trajectories=2)["parameter"])  # ranked by score, first first
        ['behaviour.join_prob_month', 'income.crops.0.yield_value_per_mu']
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    names = sorted(pb.priors)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    rng_seed = int(zlib.crc32(f"screen|{pb.seed}".encode()))
    u = morris_sample.sample(problem, trajectories, num_levels=levels, seed=rng_seed)
    u = np.clip(u, 0.02, 0.98)  # the priors' 2-98% range
    dist = pb.distance({})
    outs: dict[str, list[float]] = {f.id: [] for f in pb.figures}
    values = [{p: float(pb.priors[p].ppf(q)) for p, q in zip(names, row, strict=True)}
              for row in u]
    seeds = [run_seed(pb.seed, {"screen": float(i)}) for i in range(len(u))]
    for x in pb.simulate_many(values, seeds, nuisance=False):
        for f, g in dist.gaps(x).items():
            outs[f].append(g)
    score = np.zeros(len(names))
    per_figure = {}
    for f, y in outs.items():
        y = np.nan_to_num(np.asarray(y, float))
        res = morris_analyze.analyze(problem, u, y, num_levels=levels, seed=rng_seed)
        mu = np.nan_to_num(np.asarray(res["mu_star"], float))
        per_figure[f] = mu
        if mu.sum() > 0:
            score += mu / mu.sum()
    return (pd.DataFrame({"parameter": names, "score": score, **per_figure})
            .sort_values(["score", "parameter"], ascending=[False, True], kind="stable")
            .reset_index(drop=True))


def screen_cached(pb: Problem, path: Path | None) -> pd.DataFrame:
    """:func:`screen` of ``pb``, read from ``path`` if an earlier run saved it there, else
    computed and saved (``None``: computed, not saved)."""
    if path is not None and path.exists():
        return pd.read_csv(path)
    ranking = screen(pb)
    if path is not None:
        from povsim.base.outputs import atomic_write

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda p: ranking.to_csv(p, index=False))
    return ranking
