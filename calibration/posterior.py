"""A calibration's posterior: samples, summary, posterior predictive, calibrated scenario, report.

:func:`calibrate` runs (or resumes) the ABC-SMC fit of one case
(:func:`povsim.calibration.fit.run_abc`) and returns a :class:`Posterior`, the final generation's
weighted particles. ``Posterior.samples`` has one row per particle (``draw``, ``weight``,
``generation``, then each parameter by dotted path); :meth:`Posterior.summary` gives each
parameter's prior, posterior median and 90% interval and its **contraction** (1 - posterior
variance / prior variance, in the prior's quantile space: near 0, the figures do not identify
it); :meth:`Posterior.predictive`
runs posterior draws and gives every calibration and validation figure's predicted values;
:meth:`Posterior.scenario` is the scenario with the posterior median (``source: calibrated``);
:meth:`Posterior.write` writes ``posterior.parquet``, ``summary.csv``, the calibrated scenario,
the fit report and the plots.

Example (a tiny fit; real ones use the defaults of ``povsim calibrate``):
    >>> import tempfile
    >>> from povsim.schema.config import load_scenario
    >>> with tempfile.TemporaryDirectory() as d:
    ...     post = calibrate(load_scenario("zhenbao"), out=d, population=8, generations=1,
    ...                      scale=4, progress=False)
    ...     len(post.samples), round(float(post.samples["weight"].sum()), 6)
    (8, 1.0)
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from povsim.base.inputs import ScenarioError
from povsim.base.outputs import atomic_write, write_tables
from povsim.calibration.fit import Problem, run_abc, run_seed, screen_cached
from povsim.calibration.metrics import censored
from povsim.calibration.priors import PRIORS_YAML
from povsim.calibration.targets import SIGNS, format_band, format_number, inside_band
from povsim.schema.config import Scenario, figures_file

META = ("draw", "weight", "generation")


def weighted_draws(samples: pd.DataFrame, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` rows of ``samples`` drawn by their ``weight`` (with replacement, a named generator
    of ``seed``), each as parameter values by path.

    Example:
        >>> s = pd.DataFrame({"draw": [0, 1], "weight": [0.0, 1.0], "generation": 0,
        ...                   "a.b": [1.0, 2.0]})
        >>> weighted_draws(s, 2, seed=1)
        [{'a.b': 2.0}, {'a.b': 2.0}]
    """
    w = samples["weight"].to_numpy(float)
    paths = [c for c in samples.columns if c not in META]
    idx = np.random.default_rng([seed, 0xD7A]).choice(len(w), size=n, p=w / w.sum())
    return [{p: float(samples[p].iloc[i]) for p in paths} for i in idx]


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size of importance weights, (sum w)^2 / sum w^2.

    Example:
        >>> effective_sample_size(np.array([1.0, 1.0, 0.0, 0.0]))
        2.0
    """
    w = np.asarray(w, float)
    return float(w.sum() ** 2 / np.sum(w * w))


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Weighted quantiles (numpy's inverted-CDF method with weights).

    Example:
        >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([0.2, 0.2, 0.6]), [0.5])
        array([3.])
    """
    return np.quantile(x, q, weights=w, method="inverted_cdf")


def contraction(prior, x: np.ndarray, w: np.ndarray) -> float:
    """1 - posterior variance / prior variance of a parameter, both in its prior's quantile
    space (the parameter through the prior's cdf, uniform with variance 1/12 under the prior):
    for a uniform prior the plain variance ratio; for a log-uniform one a ratio that its upper
    tail does not dominate. ``w`` are normalised weights.

    Example:
        >>> from povsim.calibration.priors import Prior
        >>> pr = Prior("a", "case", "loguniform", 1.0, 100.0, "", 10.0)
        >>> x = pr.ppf(np.linspace(0.005, 0.995, 100))  # the prior itself
        >>> round(contraction(pr, x, np.full(100, 0.01)), 2)
        0.0
        >>> round(contraction(pr, np.full(100, 10.0), np.full(100, 0.01)), 2)  # a point
        1.0
    """
    u = prior.rv.cdf(x)
    mean = float(np.sum(w * u))
    return 1.0 - float(np.sum(w * (u - mean) ** 2)) * 12.0


@dataclass
class Posterior:
    """The weighted particles of a fit and what follows from them (module docstring)."""

    problem: Problem
    samples: pd.DataFrame

    @property
    def paths(self) -> list[str]:
        return [c for c in self.samples.columns if c not in META]

    def summary(self) -> pd.DataFrame:
        """Per parameter: scope, prior bounds and start, posterior median and 5-95% interval,
        contraction."""
        w = self.samples["weight"].to_numpy(float)
        rows = []
        for p in self.paths:
            pr = self.problem.priors[p]
            x = self.samples[p].to_numpy(float)
            q05, q50, q95 = weighted_quantile(x, w, [0.05, 0.5, 0.95])
            fitted = p in self.problem.fitted
            rows.append({"parameter": p, "fitted": fitted,
                         "scope": pr.scope, "prior": pr.dist,
                         "low": pr.low, "high": pr.high, "start": float(pr.start),
                         "median": float(q50), "p05": float(q05), "p95": float(q95),
                         # a parameter not fitted is drawn from its prior: no contraction
                         "contraction": contraction(pr, x, w) if fitted else 0.0})
        return pd.DataFrame(rows)

    def draws(self, n: int, seed: int | None = None) -> list[dict[str, float]]:
        """``n`` parameter sets drawn from the posterior by weight (a named generator)."""
        return weighted_draws(self.samples, n, self.problem.seed if seed is None else seed)

    def predictive(self, draws: int = 40, seed: int | None = None) -> pd.DataFrame:
        """Every calibration and validation figure under ``draws`` posterior draws (one run
        each, its seed a function of the draw): one row per draw and figure."""
        pb = self.problem
        figs = [*pb.figures, *pb.validation]
        rows = []
        values = self.draws(draws, seed)
        seeds = [run_seed(pb.seed + i, v) for i, v in enumerate(values)]
        for i, x in enumerate(pb.simulate_many(values, seeds, figures=figs)):
            rows += [{"draw": i, "id": f, "value": v} for f, v in x.items()]
        return pd.DataFrame(rows)

    def fit_report(self, predictive: pd.DataFrame) -> pd.DataFrame:
        """For every calibration and validation figure: reported value, the posterior
        predictive median and 90% interval, whether the reported value is inside it."""
        pb = self.problem
        rows = []
        for f in [*pb.figures, *pb.validation]:
            v = censored(predictive.loc[predictive["id"] == f.id, "value"], f.target)
            v = v.dropna().to_numpy(float)
            lo, med, hi = (np.quantile(v, [0.05, 0.5, 0.95]) if v.size
                           else (math.nan,) * 3)
            role = ("held out" if f.role == "calibration" and f.id not in pb.reported
                    else f.role)
            rows.append({"id": f.id, "role": role, "unit": f.unit,
                         "comparison": f.target.comparison, "reported": f.value,
                         "predicted_median": float(med), "predicted_p05": float(lo),
                         "predicted_p95": float(hi),
                         "inside_90": inside_band(f.value, float(lo), float(hi),
                                                  f.target.comparison)})
        return pd.DataFrame(rows)

    def scenarios(self) -> dict[str, Scenario]:
        """Each scenario of the fit (one, or one per case of a joint fit) with every fitted
        parameter at its posterior median (``source: calibrated``, the 90% interval, prior and
        contraction in its note); parameters not fitted keep their starting values."""
        s = self.summary().set_index("parameter")
        values: dict[str, float] = {}
        notes: dict[str, str] = {}
        for p, r in s[s["fitted"]].iterrows():
            values[p] = float(r["median"])
            notes[p] = (f"posterior median of povsim calibrate {self.problem.name}; 90% interval "
                        f"[{r['p05']:.4g}, {r['p95']:.4g}]; prior {r['prior']} "
                        f"[{r['low']:g}, {r['high']:g}]; contraction {r['contraction']:.2f}")
        out = {}
        for name, sc in self.problem.scenarios_with(values).items():
            out[name] = _mark_calibrated(sc, self.problem, values, notes)
        return out

    def scenario(self, which: str = "median", case: str | None = None) -> Scenario:
        """The scenario with each fitted parameter at its posterior median
        (``source: calibrated``); a joint fit names the ``case``."""
        if which != "median":
            raise ValueError("only the posterior median is offered: which='median'")
        scs = self.scenarios()
        if case is None and len(scs) == 1:
            return next(iter(scs.values()))
        hits = [sc for sc in scs.values() if sc.case == case]
        if not hits:
            raise ValueError(f"case={case!r}: one of {', '.join(sc.case for sc in scs.values())}")
        return hits[0]

    def write(self, out: str | Path, draws: int = 40, plots: bool = True) -> list[Path]:
        """Write the posterior, its summary, the calibrated scenario, the fit report and the
        plots into ``out``."""
        out = Path(out)
        summ = self.summary()
        pred = self.predictive(draws)
        report = self.fit_report(pred)
        prior = prior_sample(self.problem, 10 * draws)  # drawn with replacement: few repeats
        prior_report = prior.fit_report(prior.predictive(draws))
        written = write_tables(out, {"posterior": self.samples, "summary": summ,
                                     "fit_report": report, "predictive": pred,
                                     "prior_predictive": prior_report})
        for sc in self.scenarios().values():
            data = sc.model_dump(mode="json")
            if sc.figures:  # the county's own figures file, from beside the new file
                data["figures"] = os.path.relpath(figures_file(sc), out)
            text = (f"# {sc.title}: the bundled scenario with the posterior median of every "
                    f"fitted parameter\n# (povsim calibrate {self.problem.name}; posterior in "
                    "posterior.parquet beside this file)\n"
                    + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
            written.append(atomic_write(out / f"{sc.name}_calibrated.yaml",
                                        lambda p, t=text: Path(p).write_text(t, encoding="utf-8")))
        if plots:
            from povsim.calibration import plots as cplots

            written += cplots.write_plots(self, report, out)
        return written


def prior_sample(pb, n: int, seed: int | None = None) -> Posterior:
    """``n`` equally weighted draws of every parameter from its prior, as a
    :class:`Posterior` of ``pb`` (for the prior predictive check: do the prior's predicted
    figures cover the reported ones?).

    Example:
        >>> from povsim.schema.config import load_scenario
        >>> pb = Problem.of(load_scenario("zhenbao"), scale=4)
        >>> s = prior_sample(pb, 5).samples
        >>> len(s), float(s["weight"].sum()), int(s["generation"].iloc[0])
        (5, 1.0, -1)
    """
    rng = np.random.default_rng([pb.seed if seed is None else seed, 0x9819])
    cols = {"draw": np.arange(n), "weight": np.full(n, 1.0 / n), "generation": np.full(n, -1)}
    for p in sorted(pb.priors):
        cols[p] = pb.priors[p].ppf(rng.random(n))
    return Posterior(pb, pd.DataFrame(cols))


def _mark_calibrated(sc: Scenario, pb, values: dict[str, float],
                     notes: dict[str, str]) -> Scenario:
    """``sc`` (already holding the values) with ``source: calibrated`` and a note on each
    fitted parameter it has."""
    changes: dict[str, object] = {}
    for n, p in pb.members[sc.case].items():
        if n in values:
            changes[f"{p}.source"] = "calibrated"
            changes[f"{p}.note"] = notes[n]
    return sc.with_params(changes) if changes else sc


def load_posterior(pb: Problem, history) -> Posterior:
    """The last generation of a pyabc History as a :class:`Posterior` of ``pb``."""
    t = history.max_t
    df, w = history.get_distribution(m=0, t=t)
    cols: dict[str, object] = {"draw": np.arange(len(w)), "weight": np.asarray(w, float),
                               "generation": np.full(len(w), t)}
    values = [pb.values_of(row) for row in df.to_dict("records")]
    # nuisance parameters: drawn from their priors, as every run of the fit drew them
    rng = np.random.default_rng([pb.seed, 0x5A])
    for p in pb.nuisance:
        cols[p] = pb.priors[p].ppf(rng.random(len(values)))
    for p in pb.fitted:
        cols[p] = [v[p] for v in values]
    return Posterior(pb, pd.DataFrame(cols)[["draw", "weight", "generation",
                                             *sorted(pb.priors)]])


#: default parameters fitted (the rest drawn from their priors) and particles per generation,
#: of one case and of the joint fit: pyabc's weights degenerate as dimensions grow (Zhenbao,
#: 100 particles, 6 generations: effective sample size 43 of 100 fitting 4 parameters, 5
#: fitting 8), and 1-5 figures per case cannot identify more than a few
FIT_TOP, POPULATION = 4, 100
FIT_TOP_JOINT, POPULATION_JOINT = 10, 200


def calibrate(sc: Scenario, *, out: str | Path, population: int = POPULATION,
              generations: int = 6, scale: float = 1.0, seed: int = 1, workers: int = 1,
              scheduler: str | None = None, priors: str | Path = PRIORS_YAML, registry=None,
              fit_top: int | None = FIT_TOP, progress: bool = True) -> Posterior:
    """Fit scenario ``sc``'s case to its calibration figures (resumable in ``out``).

    With ``fit_top`` K, a Morris screening (:func:`povsim.calibration.fit.screen`, saved as
    ``screening.csv`` and reused on a rerun) picks the K parameters that move the figures most;
    ABC fits those, and every run draws the others from their priors (``None`` or 0: fit all,
    which pyabc's kernel density cannot do beyond about 15 dimensions: its densities
    underflow).
    """
    pb = Problem.of(sc, scale=scale, seed=seed, priors=priors, registry=registry)
    if fit_top and fit_top < len(pb.priors):
        ranking = screen_cached(pb, Path(out) / "screening.csv")
        pb.fit = ranking["parameter"].tolist()[:fit_top]
    return _fit(pb, out, population, generations, workers, scheduler, progress)


def calibrate_joint(scenarios: list[Scenario], *, out: str | Path,
                    population: int = POPULATION_JOINT, generations: int = 6,
                    scales: dict[str, float] | None = None, seed: int = 1, workers: int = 1,
                    scheduler: str | None = None, priors: str | Path = PRIORS_YAML,
                    registry=None, fit_top: int | None = FIT_TOP_JOINT,
                    leave_out: str | None = None, progress: bool = True) -> Posterior:
    """Fit several cases together, shared parameters once for all
    (:class:`povsim.calibration.joint.JointProblem`; resumable in ``out``); ``leave_out``
    predicts one case's figures from the others' fit.

    ``fit_top`` K fits K joint parameters: each fitted case's most influential own parameter,
    then those that move the pooled figures most (each case's Morris screening,
    ``screening-<case>.csv``, shared scores summed over the cases;
    :meth:`~povsim.calibration.joint.JointProblem.choose`).

    Example (a tiny fit):
        >>> import tempfile
        >>> from povsim.schema.config import load_scenario
        >>> with tempfile.TemporaryDirectory() as d:
        ...     post = calibrate_joint([load_scenario("zhenbao"), load_scenario("sanba")],
        ...                            out=d, population=6, generations=1, fit_top=None,
        ...                            scales={"zhenbao": 8, "sanba": 40}, progress=False)
        ...     sorted(post.scenarios())
        ['sanba', 'zhenbao']
    """
    from povsim.calibration.joint import JointProblem

    pb = JointProblem.of(scenarios, scales=scales, seed=seed, priors=priors,
                         registry=registry, leave_out=leave_out)
    if fit_top and fit_top < len(pb.fitted):
        ranking = pb.screen(Path(out))
        pb.fit = pb.choose(ranking, fit_top)
    return _fit(pb, out, population, generations, workers, scheduler, progress)


def _fit(pb, out, population, generations, workers, scheduler, progress) -> Posterior:
    history = run_abc(pb, out, population=population, generations=generations,
                      workers=workers, scheduler=scheduler, progress=progress)
    return load_posterior(pb, history)


def format_report(post: Posterior, out: str | Path) -> str:
    """The fit report and the best identified parameters as text (what the CLI prints)."""
    report = pd.read_csv(Path(out) / "fit_report.csv")
    summ = post.summary().sort_values("contraction", ascending=False)
    pb = post.problem
    ess = effective_sample_size(post.samples["weight"].to_numpy(float))
    where = (f"scale {', '.join(f'{c} 1:{k:g}' for c, k in pb.scales.items())}, "
             f"seed {pb.seed}")
    staged = Path(out) / "staged.json"
    if staged.exists():  # the staged method (povsim.calibration.staged)
        import json

        info = json.loads(staged.read_text(encoding="utf-8"))
        waves = pd.read_csv(Path(out) / "waves.csv")
        lines = [f"{pb.title}: {len(post.samples)} posterior draws (neural posterior on "
                 f"{info['training_runs']} runs from the region {len(waves)} waves of history "
                 f"matching left), {where}",
                 f"screening: {len(info['fitted'])} of {len(pb.priors)} parameters fitted "
                 "(a share of at least 5% of some figure's variance, screening.csv)"]
        for w in waves.itertuples():
            gone = w.out_of_reach if isinstance(w.out_of_reach, str) and w.out_of_reach else ""
            lines.append(f"  wave {w.wave}: {w.runs} runs, {w.plausible_share:.3%} of the "
                         f"parameter space plausible" + (f"; out of reach: {gone}" if gone
                                                         else ""))
        if info.get("sbc_coverage_90") is not None:
            lines.append(f"coverage: the 90% interval holds {info['sbc_coverage_90']:.1%} of "
                         f"{info['holdout_runs']} held-out truths x parameters (sbc.csv; rank "
                         f"uniformity p = {info['sbc_rank_uniformity_p']:.2f})")
        lines += ["", "figure (role): reported | posterior predictive median [5%, 95%] | inside"]
    else:
        lines = [f"{pb.title}: {len(post.samples)} particles of generation "
                 f"{int(post.samples['generation'].iloc[0])} (effective sample size "
                 f"{ess:.1f}), {where}",
                 "", "figure (role): reported | posterior predictive median [5%, 95%] | inside"]
    for r in report.itertuples():
        band = format_band(r.predicted_median, r.predicted_p05, r.predicted_p95, r.unit)
        lines.append(f"  {r.id} ({r.role}): {SIGNS[r.comparison]}"
                     f"{format_number(r.reported, r.unit)} | {band} | "
                     f"{'yes' if r.inside_90 else 'no'}")
    pfile = Path(out) / "prior_predictive.csv"
    if pfile.exists():
        prior = pd.read_csv(pfile)
        held = int(prior["inside_90"].sum())
        lines.append(f"prior predictive check: the prior's 90% band holds {held} of "
                     f"{len(prior)} reported figures (prior_predictive.csv)")
    lines += ["", "most identified parameters (contraction = 1 - posterior / prior variance, in "
                  "the prior's quantile space):"]
    for r in summ[summ["fitted"]].head(8).itertuples():
        lines.append(f"  {r.parameter}: {r.median:.4g} [{r.p05:.4g}, {r.p95:.4g}], "
                     f"contraction {r.contraction:.2f}")
    fit = summ[summ["fitted"]]
    weak = int((fit["contraction"] < 0.2).sum())
    caveat = (" - with so few effective particles every contraction is unreliable"
              if ess < 20 else "")
    lines += [f"{weak} of the {len(fit)} fitted parameters contract by less than 0.2 (not "
              f"identified by these figures); {len(summ) - len(fit)} more are not fitted "
              f"(drawn from their priors){caveat}",
              f"wrote {out}/ (posterior.parquet, summary, fit_report, "
              f"{', '.join(f'{n}_calibrated.yaml' for n in pb.scenarios_with({}))}, plots)"]
    return "\n".join(lines)


def posterior_draws(folder: str | Path, n: int, seed: int = 1, case: str | None = None,
                    scenario: Scenario | None = None) -> list[dict[str, float]]:
    """``n`` parameter sets drawn by weight from a calibration's ``posterior.parquet`` (a named
    generator of ``seed``), for projections with parameter uncertainty
    (``povsim run|compare|attribute --posterior DIR --draws N``). A joint fit's posterior
    (``<case>:<path>`` columns beside the shared paths) gives ``case``'s parameters: the shared
    ones and its own.

    Example:
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> pd.DataFrame({"draw": [0, 1], "weight": [1.0, 0.0], "generation": 3,
        ...               "behaviour.join_prob_month": [0.01, 0.02],
        ...               "sanba:loans.return_rate": [0.2, 0.3]}).to_parquet(
        ...     Path(d) / "posterior.parquet")
        >>> posterior_draws(d, 1, case="zhenbao")
        [{'behaviour.join_prob_month': 0.01}]
        >>> posterior_draws(d, 1, case="sanba")[0]["loans.return_rate"]
        0.2
    """
    from povsim.base.folders import posterior_file
    from povsim.base.inputs import ScenarioError

    samples = pd.read_parquet(posterior_file(folder))
    joint = [c for c in samples.columns if ":" in c]
    if joint:
        own = {c: c.partition(":")[2] for c in joint if c.startswith(f"{case}:")}
        if case is None:
            raise ScenarioError(f"--posterior {folder}: a joint fit; say which case")
        samples = samples.drop(columns=[c for c in joint if c not in own]).rename(columns=own)
    if scenario is not None:  # a shared mechanism the scenario lacks (e.g. a programme it
        samples = samples[[c for c in samples.columns  # does not run) is left out
                           if c in META or _has(scenario, c)]]
    return weighted_draws(samples, n, seed)


def _has(sc: Scenario, path: str) -> bool:
    try:
        sc.get_param(path)
    except (ScenarioError, KeyError, IndexError, TypeError, AttributeError):
        return False
    return True
