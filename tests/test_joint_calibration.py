"""The joint fit of several cases (issue 15): shared parameters take one value in every case,
case parameters stay in their case, and a left-out case's figures are predicted, not fitted."""

from __future__ import annotations

import pytest

from povsim.base.inputs import ScenarioError
from povsim.calibration.joint import JointProblem, joint_name
from povsim.calibration.posterior import calibrate_joint
from povsim.cli import main
from povsim.schema.config import load_scenario

SMALL = {"zhenbao": 8.0, "sanba": 40.0}


def two_cases(**kw) -> JointProblem:
    return JointProblem.of([load_scenario("zhenbao"), load_scenario("sanba")], scales=SMALL,
                           **kw)


def test_a_shared_parameter_takes_one_value_in_every_case_and_a_case_one_stays_home():
    jp = two_cases()
    shared = "behaviour.join_prob_month"
    own = "zhenbao:income.crops.0.yield_value_per_mu"
    assert jp.priors[shared].scope == "shared" and jp.priors[own].scope == "case"
    scs = jp.scenarios_with({shared: 0.031, own: 2500.0})
    assert scs["zhenbao"].get_param(shared) == scs["sanba"].get_param(shared) == 0.031
    assert scs["zhenbao"].get_param("income.crops.0.yield_value_per_mu") == 2500.0
    assert scs["sanba"].get_param("income.crops.0.yield_value_per_mu") == \
        load_scenario("sanba").get_param("income.crops.0.yield_value_per_mu")
    # one draw of a shared nuisance parameter serves both cases
    jp.fit = [own]
    full = jp.with_nuisance({}, seed=5)
    per_case = jp.split(full)
    assert per_case["zhenbao"][shared] == per_case["sanba"][shared] == full[shared]


def test_every_parameter_of_every_case_is_in_the_joint_problem_once():
    jp = two_cases()
    for case, pb in jp.problems.items():
        for path, pr in pb.priors.items():
            assert joint_name(case, path, pr.scope) in jp.priors
    # each shared parameter once, however many cases have it (a programme's mechanism may be
    # in one case only)
    users = {n: sum(n in m for m in jp.members.values())
             for n, pr in jp.priors.items() if pr.scope == "shared"}
    assert max(users.values()) == 2
    total = sum(len(pb.priors) for pb in jp.problems.values())
    assert len(jp.priors) == total - sum(k - 1 for k in users.values())


def test_leaving_a_case_out_neither_fits_its_figures_nor_its_own_parameters():
    jp = two_cases(leave_out="sanba")
    assert all(f.case == "zhenbao" for f in jp.figures)
    held = [f for f in jp.validation if f.role == "calibration"]
    assert held and all(f.case == "sanba" for f in held)
    assert not any(n.startswith("sanba:") for n in jp.fitted)
    assert "behaviour.join_prob_month" in jp.fitted  # shared: fitted from the other case
    # a fit's model runs only the fitted case
    x = jp.simulate({}, seed=3)
    assert set(x) == {f.id for f in jp.figures}


def test_a_joint_fit_with_a_case_left_out_reports_its_figures_as_held_out(tmp_path):
    post = calibrate_joint([load_scenario("zhenbao"), load_scenario("sanba")],
                           out=tmp_path, population=6, generations=1, scales=SMALL,
                           fit_top=3, leave_out="sanba", progress=False)
    assert len(post.problem.fitted) == 3
    report = post.fit_report(post.predictive(draws=3))
    roles = report.set_index("id")["role"]
    assert (roles[[i for i in roles.index if i.startswith("sanba.")
                   and i in {f.id for f in post.problem.problems["sanba"].figures}]]
            == "held out").all()
    assert (roles[[f.id for f in post.problem.figures]] == "calibration").all()
    # each case's screening is saved and reused; shared scores add up over the fitted cases
    assert (tmp_path / "screening-zhenbao.csv").exists()
    assert not (tmp_path / "screening-sanba.csv").exists()
    scenarios = post.scenarios()
    for n in post.problem.fitted:
        case, _, path = n.rpartition(":")
        for name, sc in scenarios.items():
            if (case and sc.case != case) or not path:
                continue
            node = sc.model_dump()
            for part in path.split("."):
                node = node[int(part)] if isinstance(node, list) else node[part]
            assert node["source"] == "calibrated", (name, n)


def test_the_command_refuses_leave_out_without_all_and_an_unknown_case(capsys):
    assert main(["calibrate", "zhenbao", "--leave-out", "sanba", "--out", "/nonexistent/x"]) == 2
    assert "--leave-out" in capsys.readouterr().err
    with pytest.raises(ScenarioError, match="--leave-out"):
        two_cases(leave_out="xixiu")


def test_the_pooled_distance_scales_each_figure_by_its_own_tolerance():
    jp = two_cases()
    d = jp.distance({})
    at_reported = dict(jp.reported)
    assert d(at_reported) == 0.0
    one_off = dict(at_reported)
    f0 = next(f for f in jp.figures if f.target.comparison == "equal")
    one_off[f0.id] = f0.value + f0.target.tolerance
    assert d(one_off) == pytest.approx((1 / len(jp.figures)) ** 0.5)


def test_publishing_writes_the_medians_into_scenarios_and_a_report(tmp_path):
    import shutil

    from povsim.calibration.document import calibration_doc
    from povsim.calibration.publish import apply_posterior
    from povsim.scenarios import scenario_path

    scs = [load_scenario("zhenbao"), load_scenario("sanba")]
    folders = {}
    for leave in (None, "sanba"):
        d = tmp_path / ("all" if leave is None else f"all-but-{leave}")
        post = calibrate_joint(scs, out=d, population=6, generations=1, scales=SMALL,
                               fit_top=3, leave_out=leave, progress=False)
        post.write(d, draws=3, plots=False)
        folders[leave] = (d, post)
    d, post = folders[None]
    sdir = tmp_path / "scenarios"
    sdir.mkdir()
    for c in ("zhenbao", "sanba"):
        shutil.copy(scenario_path(c), sdir / f"{c}.yaml")
    before = (sdir / "zhenbao.yaml").read_text(encoding="utf-8")
    changed = apply_posterior(d, sdir)
    assert changed
    summ = post.summary().set_index("parameter")
    for n in post.problem.fitted:
        case, _, path = n.rpartition(":")
        for c in ([case] if case else ["zhenbao", "sanba"]):
            sc = load_scenario(sdir / f"{c}.yaml")
            if path not in post.problem.members[c].values():
                continue
            assert sc.get_param(path) == pytest.approx(summ.loc[n, "median"], rel=1e-3, abs=0.5)
    after = (sdir / "zhenbao.yaml").read_text(encoding="utf-8")
    # comments and layout kept: only the lines of the fitted parameters, and of those an
    # earlier fit calibrated (back to 'to calibrate'), change
    from povsim.calibration.priors import scenario_priors

    bundled = load_scenario(scenario_path("zhenbao"))
    earlier = [p for p in scenario_priors(bundled) if _source(bundled, p) == "calibrated"]
    changed_lines = [a for a, b in zip(before.splitlines(), after.splitlines(), strict=True)
                     if a != b]
    # a parameter's value, source and note lines
    assert 0 < len(changed_lines) <= 3 * (len(post.problem.fitted) + len(earlier))
    assert "calibrated" in after and after.count("\n") == before.count("\n")
    # what is calibrated now is what this fit fitted
    mine = {path for n, path in post.problem.members["zhenbao"].items()
            if n in post.problem.fitted}
    sc = load_scenario(sdir / "zhenbao.yaml")
    now = {p for p in scenario_priors(sc) if _source(sc, p) == "calibrated"}
    assert now == mine
    text = calibration_doc(d, [folders["sanba"][0]])
    assert "## Fit report" in text and "## Leave one case out" in text
    held = [f.id for f in post.problem.problems["sanba"].figures]
    assert all(f"| sanba | `{i}` |" in text for i in held)


def _source(sc, path: str) -> str:
    node = sc.model_dump()
    for part in path.split("."):
        node = node[int(part)] if part.isdigit() else node[part]
    return node["source"]
