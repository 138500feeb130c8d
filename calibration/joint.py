"""The joint calibration of the five cases: shared behaviour, per-case circumstances.

A parameter whose prior has ``scope: shared`` (how people act: job search, migration, transfer
claims, ..., ``calibration/priors.yaml``) takes one value in every case; a ``scope: case``
parameter (a case's circumstances) is fitted per case and named ``<case>:<path>``. One ABC-SMC
run fits them together: each model evaluation runs every case at its calibration scale with the
same values and the distance pools all cases' calibration figures (each scaled by its own
tolerance and run-to-run noise, :mod:`povsim.calibration.distance`).

With ``leave_out`` a case's figures are not fitted: its case parameters stay at their priors and
the shared ones come from the other cases' figures, so the posterior predictive of its figures
is an out-of-sample test of the shared parameters (leave-one-case-out).

:class:`JointProblem` offers what :func:`povsim.calibration.fit.run_abc`,
:func:`povsim.calibration.posterior.load_posterior` and
:class:`povsim.calibration.posterior.Posterior` use of a single case's
:class:`~povsim.calibration.fit.Problem`, so the same fitting, posterior and report code serve
both.

Example:
    >>> from povsim.schema.config import load_scenario
    >>> jp = JointProblem.of([load_scenario("zhenbao"), load_scenario("sanba")],
    ...                      scales={"zhenbao": 4, "sanba": 20})
    >>> "behaviour.join_prob_month" in jp.priors, "zhenbao:income.crops.0.yield_value_per_mu" \\
    ...     in jp.priors
    (True, True)
    >>> sorted(jp.split({"behaviour.join_prob_month": 0.01}))
    ['sanba', 'zhenbao']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from povsim.base.inputs import ScenarioError
from povsim.calibration.fit import Problem, run_seed, screen_cached
from povsim.calibration.priors import PRIORS_YAML, Prior
from povsim.calibration.registry import Figure, Registry
from povsim.scenarios import CALIBRATION_SCALE
from povsim.schema.config import Scenario


def joint_name(case: str, path: str, scope: str) -> str:
    """A parameter's name in the joint fit: the path if shared, ``case:path`` otherwise.

    Example:
        >>> joint_name("sanba", "behaviour.join_prob_month", "shared")
        'behaviour.join_prob_month'
        >>> joint_name("sanba", "loans.return_rate", "case")
        'sanba:loans.return_rate'
    """
    return path if scope == "shared" else f"{case}:{path}"


@dataclass
class JointProblem:
    """Several cases fitted together (see the module docstring)."""

    problems: dict[str, Problem]  # case -> its single-case problem (scenario, scale, figures)
    seed: int = 1
    leave_out: str | None = None
    fit: list[str] | None = None
    priors: dict[str, Prior] = field(default_factory=dict)
    # case -> joint name -> the case's path
    members: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, scenarios: list[Scenario], *, scales: dict[str, float] | None = None,
           seed: int = 1, priors: str | Path = PRIORS_YAML, registry: Registry | None = None,
           leave_out: str | None = None) -> JointProblem:
        """The joint problem of ``scenarios`` (one per case); ``leave_out`` names a case whose
        figures are predicted only."""
        scales = {**CALIBRATION_SCALE, **(scales or {})}
        problems = {sc.case: Problem.of(sc, scale=scales.get(sc.case, 1.0), seed=seed,
                                        priors=priors, registry=registry)
                    for sc in scenarios}
        if leave_out is not None and leave_out not in problems:
            raise ScenarioError(f"--leave-out {leave_out}: not one of the fitted cases "
                                f"({', '.join(problems)})")
        joint: dict[str, Prior] = {}
        members: dict[str, dict[str, str]] = {}
        for case, pb in problems.items():
            members[case] = {}
            for path, pr in pb.priors.items():
                name = joint_name(case, path, pr.scope)
                joint.setdefault(name, replace(pr, path=name))
                members[case][name] = path
        return cls(problems, seed, leave_out, None, joint, members)

    # -- what run_abc, load_posterior and Posterior use ------------------------------------
    @property
    def name(self) -> str:
        return "all" if self.leave_out is None else f"all-but-{self.leave_out}"

    @property
    def title(self) -> str:
        cases = ", ".join(self.problems)
        held = f", {self.leave_out} left out" if self.leave_out else ""
        return f"Joint fit ({cases}{held})"

    @property
    def fitted_cases(self) -> list[str]:
        return [c for c in self.problems if c != self.leave_out]

    @property
    def fitted(self) -> list[str]:
        if self.fit is not None:
            return sorted(self.fit)
        return sorted(n for n in self.priors if self._fittable(n))

    @property
    def nuisance(self) -> list[str]:
        return sorted(set(self.priors) - set(self.fitted))

    def _fittable(self, name: str) -> bool:
        """A parameter some fitted case uses (the left-out case's own ones are not)."""
        return any(name in self.members[c] for c in self.fitted_cases)

    @property
    def figures(self) -> list[Figure]:
        return [f for c in self.fitted_cases for f in self.problems[c].figures]

    @property
    def validation(self) -> list[Figure]:
        """Figures predicted, never fitted: the left-out case's calibration figures first."""
        held = self.problems[self.leave_out].figures if self.leave_out else []
        return [*held, *(f for pb in self.problems.values() for f in pb.validation)]

    @property
    def scales(self) -> dict[str, float]:
        """case -> run scale."""
        return {c: pb.scale for c, pb in self.problems.items()}

    def settings(self) -> dict:
        """What a resumed fit must share with the first one."""
        return {"scenario": self.name, "cases": list(self.problems),
                "leave_out": self.leave_out,
                "scale": self.scales,
                "seed": self.seed, "fitted": self.fitted, "parameters": sorted(self.priors),
                "figures": sorted(self.reported)}

    def split(self, values: dict[str, float]) -> dict[str, dict[str, float]]:
        """Joint values -> each case's values by its own paths."""
        return {c: {path: values[n] for n, path in m.items() if n in values}
                for c, m in self.members.items()}

    def simulate(self, values: dict[str, float], seed: int | None = None,
                 replicates: int = 1, figures: list[Figure] | None = None,
                 nuisance: bool = True):
        """The figures' metrics (every case with a figure asked for runs once, on the same
        seed and the same shared values)."""
        figs = figures if figures is not None else self.figures
        s = run_seed(self.seed, values) if seed is None else seed
        if nuisance:
            values = self.with_nuisance(values, s)
        per_case = self.split(values)
        out: dict = {}
        for case, pb in self.problems.items():
            mine = [f for f in figs if f.case == case]
            if mine:
                out.update(pb.simulate(per_case[case], seed=s, replicates=replicates,
                                       figures=mine, nuisance=False))
        return out

    def simulate_many(self, values: list[dict[str, float]], seeds: list[int],
                      figures: list[Figure] | None = None,
                      nuisance: bool = True) -> list[dict[str, float]]:
        """:meth:`simulate` of many parameter sets, each with its seed, each case's runs in
        batches (:meth:`Problem.simulate_many`): the same figures as one by one."""
        figs = figures if figures is not None else self.figures
        full = [self.with_nuisance(v, s) if nuisance else v
                for v, s in zip(values, seeds, strict=True)]
        out: list[dict] = [{} for _ in values]
        for case, pb in self.problems.items():
            mine = [f for f in figs if f.case == case]
            if mine:
                per_case = [self.split(v)[case] for v in full]
                for o, x in zip(out, pb.simulate_many(per_case, seeds, figures=mine,
                                                      nuisance=False), strict=True):
                    o.update(x)
        return out

    def noise(self) -> dict[str, float]:
        """Each fitted figure's run-to-run sd at the priors' medians."""
        out: dict[str, float] = {}
        for c in self.fitted_cases:
            out.update(self.problems[c].noise())
        return out

    # as for one case, over the fitted cases' figures and the joint parameters (a shared
    # parameter is one name, so one nuisance draw of it serves every case)
    reported = Problem.reported
    comparison = Problem.comparison
    distance = Problem.distance
    with_nuisance = Problem.with_nuisance
    pyabc_prior = Problem.pyabc_prior
    values_of = Problem.values_of
    pyabc_model = Problem.pyabc_model

    def scenarios_with(self, values: dict[str, float]) -> dict[str, Scenario]:
        """Each case's scenario with the values (by scenario name)."""
        per_case = self.split(values)
        out = {}
        for c, pb in self.problems.items():
            sc = pb.scenario_with(per_case[c])
            out[sc.name] = sc
        return out

    def choose(self, ranking: pd.DataFrame, k: int) -> list[str]:
        """The ``k`` parameters to fit from a screening ``ranking``: each fitted case's most
        influential own (``case``) parameter first, so that no case's figures are left to
        parameters drawn from their priors alone, then the most influential of the rest.

        Example:
            >>> from povsim.schema.config import load_scenario
            >>> jp = JointProblem.of([load_scenario("zhenbao"), load_scenario("sanba")])
            >>> r = pd.DataFrame({"parameter": ["behaviour.join_prob_month",
            ...     "sanba:programmes.loans.return_rate",
            ...     "zhenbao:income.farm_mu_per_labourer"],
            ...     "score": [9.0, 2.0, 1.0]})
            >>> jp.choose(r, 2)
            ['sanba:programmes.loans.return_rate', 'zhenbao:income.farm_mu_per_labourer']
        """
        fittable = set(self.fitted)
        order = [n for n in ranking["parameter"] if n in fittable]
        first = []
        for c in self.fitted_cases:
            own = [n for n in order if n.startswith(f"{c}:")]
            if own:
                first.append(own[0])
        first = first[:k]
        return sorted(first + [n for n in order if n not in first][:k - len(first)])

    def screen(self, out: Path | None = None) -> pd.DataFrame:
        """Rank the joint parameters by influence: each fitted case's Morris screening
        (:func:`povsim.calibration.fit.screen`, saved as ``screening-<case>.csv`` in ``out``
        and reused) gives its parameters' scores; a shared parameter's score is the sum over
        the cases, as its figures' terms add up in the pooled distance."""
        score: dict[str, float] = {}
        for c in self.fitted_cases:
            ranking = screen_cached(self.problems[c],
                                    out / f"screening-{c}.csv" if out is not None else None)
            names = {path: n for n, path in self.members[c].items()}
            for path, s in zip(ranking["parameter"], ranking["score"], strict=True):
                n = names[path]
                score[n] = score.get(n, 0.0) + float(s)
        return (pd.DataFrame({"parameter": list(score), "score": list(score.values())})
                .sort_values(["score", "parameter"], ascending=[False, True], kind="stable")
                .reset_index(drop=True))
