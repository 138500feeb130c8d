"""Hostile inputs get one-line errors before any work: non-finite numbers, repeated keys, deep
nesting and alias bombs (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from povsim.base.inputs import (
    MAX_DEPTH,
    MAX_VALUES,
    ScenarioError,
    load_yaml,
)
from povsim.cli import main
from povsim.experiments.sweepfile import load_sweep
from povsim.schema.config import load_scenario

XIXIU = Path("scenarios/xixiu.yaml")
SWEEP = Path("scenarios/sweeps/xixiu_pairing.yaml")


def _edited(tmp_path: Path, pattern: str, repl: str, src: Path = XIXIU) -> Path:
    text, n = re.subn(pattern, repl, src.read_text(encoding="utf-8"), count=1, flags=re.M)
    assert n == 1, pattern
    out = tmp_path / src.name
    out.write_text(text, encoding="utf-8")
    return out


@pytest.mark.parametrize("field, pattern, value", [
    ("income.income_growth", r"(income_growth: \{value: )[^,]+", ".nan"),
    ("income.local_wage_month", r"(local_wage_month: \{value: )[^,]+", ".inf"),
    ("population.household_size_mean", r"(household_size_mean: \{value: )[^,]+", ".inf"),
    ("population.land_sigma", r"(land_sigma: \{value: )[^,]+", "-.inf"),
    ("poverty_line", r"(values: \{2013: )\d+", ".inf"),
])
def test_a_non_finite_number_is_refused_naming_the_field(tmp_path, field, pattern, value):
    path = _edited(tmp_path, pattern, rf"\g<1>{value}")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and field in msg
    assert "finite" in msg


def test_compare_vary_refuses_nan(capsys):
    assert main(["compare", "xixiu", "--vary", "income.income_growth=.nan", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "income.income_growth" in err and "finite" in err


def test_a_repeated_key_is_refused_with_its_line(tmp_path):
    path = _edited(tmp_path, r"^(end_year: .*)$", r"\1\nend_year: 2030")
    with pytest.raises(ScenarioError, match=r"line \d+, column 1: duplicate key 'end_year'"):
        load_scenario(path)


def test_a_repeated_section_is_refused_not_reported_missing(tmp_path):
    text = XIXIU.read_text(encoding="utf-8")
    policy = text[text.index("\npolicy:"):]
    path = tmp_path / "x.yaml"
    path.write_text(text + policy, encoding="utf-8")
    with pytest.raises(ScenarioError, match="duplicate key 'policy'"):
        load_scenario(path)


def test_deep_nesting_is_refused_without_recursion(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ScenarioError, match=f"nested deeper than {MAX_DEPTH} levels"):
        load_yaml(path)


def test_an_alias_bomb_in_a_sweep_is_refused_at_once(tmp_path):
    lines = ["lol0: &l0 [a, a, a, a, a, a, a, a, a, a]"]
    lines += [f"lol{i}: &l{i} [*l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}]"
              for i in range(1, 10)]
    text = SWEEP.read_text(encoding="utf-8")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n" + text.replace("values: [", "values: [*l9, ", 1))
    # the loader refuses it from the composed nodes, before any object is built (it took
    # 62 s and 3.5 GB in the sweep's repeated-values check)
    with pytest.raises(ScenarioError, match="values once its aliases are expanded"):
        load_yaml(path)
    with pytest.raises(ScenarioError, match=f"{path}: not valid YAML"):
        load_sweep(path)


def test_the_bundled_files_pass_the_stricter_loader():
    for p in [*Path("scenarios").glob("*.yaml"), *Path("scenarios/sweeps").glob("*.yaml"),
              Path("calibration/targets.yaml"), Path("calibration/priors.yaml")]:
        load_yaml(p)


@pytest.mark.parametrize("field, value", [("name", "/abs/path"), ("name", "../../x"),
                                          ("name", ".."), ("name", "a/b"), ("case", "../c")])
def test_a_name_used_in_paths_cannot_leave_the_output_folder(tmp_path, capsys, monkeypatch,
                                                            field, value):
    path = _edited(tmp_path, rf"^{field}: .*$", f'{field}: "{value}"')
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert main(["run", str(path), "--scale", "2000", "--replicates", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"field '{field}'" in err and value in err
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert written == [Path("a"), Path("a/b"), Path(path.name)]  # nothing written


def test_a_sweep_named_dot_dot_is_refused(tmp_path):
    path = _edited(tmp_path, r"^name: .*$", "name: ..", src=SWEEP)
    with pytest.raises(ScenarioError, match="field 'name'"):
        load_sweep(path)


def test_an_output_folder_under_a_file_is_one_line_and_status_1(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for cmd in (["run", "xixiu"], ["compare", "xixiu", "--vary", "cadre_pairing=random"]):
        rc = main([*cmd, "--scale", "1000", "--replicates", "2", "--quiet",
                   "--out", str(blocker / "sub")])
        err = capsys.readouterr().err
        assert rc == 1 and err.count("\n") == 1, err
        assert f"cannot write to {blocker}" in err and "not a directory" in err
    assert blocker.read_text() == "x"


def test_debug_shows_the_traceback(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(NotADirectoryError):
        main(["run", "xixiu", "--scale", "2000", "--replicates", "1", "--quiet", "--no-plots",
              "--out", str(blocker / "sub"), "--debug"])


@pytest.mark.parametrize("cmd", [["sweep", str(SWEEP)], ["calibrate", "xixiu"]])
def test_a_malformed_scheduler_address_is_bad_input(tmp_path, capsys, cmd):
    assert main([*cmd, "--scheduler", "not-an-address", "--out", str(tmp_path / "o"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--scheduler not-an-address: cannot connect" in err


def test_a_scale_above_the_population_warns_on_stderr(tmp_path, capsys):
    assert main(["run", "zhenbao", "--scale", "1000", "--replicates", "1", "--quiet",
                 "--no-plots", "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("povsim: warning: --scale 1000 leaves 1 simulated household of 420")


def test_compare_with_one_replicate_warns_that_intervals_are_empty(tmp_path, capsys):
    assert main(["compare", "xixiu", "--vary", "cadre_pairing=random", "--replicates", "1",
                 "--scale", "1000", "--quiet", "--no-plots", "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "povsim: warning: --replicates 1: a paired interval needs two replicates" in err


def test_a_sensible_run_prints_no_warning(tmp_path, capsys):
    assert main(["run", "zhenbao", "--scale", "2", "--replicates", "1", "--quiet",
                 "--no-plots", "--out", str(tmp_path / "o")]) == 0
    assert "warning" not in capsys.readouterr().err


ZHENBAO = Path("scenarios/zhenbao.yaml").resolve()


def _sweep_text(method: str, samples: str, params: str) -> str:
    return (f"name: s\nscenario: {ZHENBAO}\nreplicates: 2\n"
            f"design: {{method: {method}{samples}}}\nparameters:\n{params}"
            "outputs: [incidence]\n")


@pytest.mark.parametrize("method, samples", [("grid", ""), ("lhs", ", samples: 5"),
                                             ("sobol", ", samples: 4"),
                                             ("morris", ", samples: 3")])
def test_the_design_size_is_counted_before_it_is_built(tmp_path, method, samples):
    from povsim.experiments.design import build_design

    sampled = ("  behaviour.migrate_prob_month: {range: [0.005, 0.02]"
               + (", steps: 3}\n" if method == "grid" else "}\n"))
    params = ("  cadre_pairing: {values: [same_village, random]}\n" + sampled
              + "  behaviour.return_prob_month: {range: [0.01, 0.03]"
              + (", steps: 2}\n" if method == "grid" else "}\n"))
    path = tmp_path / "s.yaml"
    path.write_text(_sweep_text(method, samples, params))
    sweep = load_sweep(path)
    assert sweep.spec.points == len(build_design(sweep).points)


@pytest.mark.parametrize("method, samples, params", [
    ("sobol", ", samples: 1099511627776",
     "  behaviour.migrate_prob_month: {range: [0.005, 0.02]}\n"),
    ("grid", "", "  behaviour.migrate_prob_month: {range: [0.005, 0.02], steps: 1000000000}\n"),
    ("lhs", ", samples: 6000000", "  behaviour.migrate_prob_month: {range: [0.005, 0.02]}\n"),
])
def test_a_huge_design_is_refused_at_load_naming_the_file(tmp_path, method, samples, params):
    path = tmp_path / "huge.yaml"
    path.write_text(_sweep_text(method, samples, params))
    with pytest.raises(ScenarioError, match=r"runs; one sweep holds at most 10,000,000") as e:
        load_sweep(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def test_a_billion_households_is_refused_with_the_estimate(tmp_path, capsys):
    path = _edited(tmp_path, r"(total_households: \{value: )\d+", r"\g<1>1000000000")
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "GiB of memory and this machine has" in err
    assert not (tmp_path / "o").exists()


def test_a_trillion_households_is_not_a_place(tmp_path, capsys):
    path = _edited(tmp_path, r"(total_households: \{value: )\d+", r"\g<1>1000000000000")
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "population.total_households: 1e+12 households is not " \
        "plausible" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("cmd", [["run", "xixiu"], ["targets", "xixiu"],
                                 ["compare", "xixiu", "--vary", "cadre_pairing=random"],
                                 ["attribute", "xixiu"]])
def test_a_run_of_years_is_refused_before_any_work(tmp_path, capsys, cmd):
    assert main([*cmd, "--replicates", "1000000000000", "--quiet",
                 *(["--out", str(tmp_path / "o")] if cmd[0] != "targets" else [])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "days (the limit is 24.0 hours)" in err
    assert "--force" in err


def test_a_sweep_too_long_for_its_workers_is_refused(tmp_path, capsys):
    assert main(["sweep", str(SWEEP), "--replicates", "2000000", "--serial", "--quiet",
                 "--out", str(tmp_path / "o")]) == 2
    assert "the limit is 24.0 hours" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("dist", ["{name: normal, mean: 0.02, sd: 0.01}",
                                  "{name: lognormal, median: 0.5, sigma: 1.0}"])
def test_a_distribution_that_leaves_the_allowed_range_is_refused_at_load(tmp_path, dist):
    path = tmp_path / "s.yaml"
    path.write_text(_sweep_text("lhs", ", samples: 8",
                                f"  behaviour.migrate_prob_month: {{distribution: {dist}}}\n"))
    with pytest.raises(ScenarioError) as e:
        load_sweep(path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: field 'parameters.behaviour.migrate_prob_month': value ")
    assert "\n" not in msg


def test_a_bounded_distribution_inside_the_range_loads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(_sweep_text(
        "lhs", ", samples: 8", "  behaviour.migrate_prob_month: {distribution: {name: normal, "
        "mean: 0.02, sd: 0.01, low: 0.0, high: 0.05}}\n"))
    assert load_sweep(path).spec.points == 8


def test_a_run_with_nobody_registered_poor_warns(tmp_path, capsys):
    path = _edited(tmp_path, r"(values: \{2013: )\d+", r"\g<1>1")  # a poverty line of 1 yuan
    # and no illness costs, so that no household's income is negative
    _edited(tmp_path, r"(illness_cost_month: \{value: )\d+", r"\g<1>0", src=path)
    assert main(["run", str(path), "--scale", "1000", "--replicates", "1", "--quiet",
                 "--no-plots", "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "povsim: warning: no household was registered poor at identification" in err


def test_a_leading_zero_is_decimal_as_yaml_1_2_reads_it(tmp_path):
    """YAML 1.1 reads ``035`` as octal 29; povsim reads YAML 1.2's numbers: 35."""
    from povsim.schema.config import load_scenario

    path = _edited(tmp_path, r"(villages:\n  count: \{value: )\d+", r"\g<1>0182")
    assert load_scenario(path).villages.count.value == 182


def test_the_programme_switch_keeps_its_words(tmp_path):
    """``policy.programme: off`` (the documented switch) still turns the programme off."""
    from povsim.schema.config import load_scenario

    path = _edited(tmp_path, r"^policy:\n", "policy:\n  programme: off\n")
    assert load_scenario(path).policy.programme is False


def test_too_many_values_are_refused_while_parsing(tmp_path, monkeypatch):
    """Issue 29: a 2 MB file of 500,000 values took 77 s to be refused, its values counted only
    after parsing; now composing stops at the limit, before the document is composed whole."""
    from povsim.base import inputs

    path = tmp_path / "many.yaml"
    path.write_text("v: [" + ", ".join(["1"] * (5 * MAX_VALUES)) + "]\n")

    def never(self, node):
        raise AssertionError("composed whole before the refusal")

    monkeypatch.setattr(inputs._Loader, "construct_document", never)
    with pytest.raises(ScenarioError, match=f"more than {MAX_VALUES:,} values"):
        load_yaml(path)


PROBE = '''
from numba import njit


@njit(cache=True)
def plus_one(x):
    return x + 1
'''


def _probe(folder: Path, name: str):
    """A povsim module (by name) with a cached compiled kernel, loaded afresh from ``folder``."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(name, folder / "probe.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_a_corrupt_kernel_cache_is_rebuilt_once_with_a_notice(tmp_path, capsys):
    """Issue 29: a corrupt compiled-kernel cache stopped every run with UnpicklingError until it
    was deleted by hand; now the command deletes povsim's cache files, says so in one line and
    runs again, compiling afresh."""
    import sys
    from types import SimpleNamespace

    from povsim import cli
    from povsim.base import kernel_cache

    (tmp_path / "probe.py").write_text(PROBE)
    first = _probe(tmp_path, "povsim._probe_a")
    assert first.plus_one(1) == 2  # compiled and cached
    cache = Path(first.plus_one._cache._cache_path)
    data = list(cache.glob("probe.plus_one-*.nbc"))
    assert data
    for f in data:
        f.write_bytes(f.read_bytes()[:40])  # cut short, as by a full disk
    second = _probe(tmp_path, "povsim._probe_b")  # a new process would load the cut file
    try:
        with pytest.raises(Exception) as err:
            second.plus_one(1)
        assert kernel_cache.from_cache(err.value)
        third = _probe(tmp_path, "povsim._probe_c")
        args = SimpleNamespace(func=lambda a: int(third.plus_one(41)))
        assert cli._with_a_sound_kernel_cache(args) == 42
        notice = capsys.readouterr().err
        assert notice.count("\n") == 1
        assert "povsim: notice: the compiled-kernel cache could not be read" in notice
        assert all(f.stat().st_size > 40 for f in cache.glob("probe.plus_one-*.nbc"))  # anew
        # an error of the command itself is not the cache's: it passes through
        with pytest.raises(ZeroDivisionError):
            cli._with_a_sound_kernel_cache(SimpleNamespace(func=lambda a: 1 / 0))
    finally:
        for name in ("povsim._probe_a", "povsim._probe_b", "povsim._probe_c"):
            sys.modules.pop(name, None)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(villages=st.integers(182, 10**9), cadres=st.integers(0, 10**8),
       partners=st.integers(1, 10**6))
def test_a_run_is_refused_before_it_allocates_or_it_finishes(villages, cadres, partners):
    """Issue 29: the budget counted households only, so 10^9 villages or 10^8 village-role
    cadres died with a MemoryError instead of the refusal. Now every agent counts: over
    generated sizes, a run is refused up front (a small machine: 96 MiB above the process,
    2 seconds), or it runs to its end within the memory it was estimated to need."""
    import gc
    import tracemalloc

    from povsim.engine import budget
    from povsim.engine.model import PovertyModel

    sc = load_scenario(XIXIU).with_params({"villages.count": villages,
                                           "cadre_groups.0.count": cadres,
                                           "partners.0.count": partners})
    e = budget.estimate(sc, scale=2000.0, runs=1)
    limit = budget.BASE_BYTES + 96 * 2**20
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(budget, "MAX_SECONDS", 2.0)
            budget.check(e, memory=limit)
    except ScenarioError as refused:
        assert "\n" not in str(refused) and f"{villages:,} villages" in str(refused)
        return
    PovertyModel(XIXIU, seed=1, scale=20000.0).step()  # imports and caches, not the run's
    gc.collect()
    tracemalloc.start()  # the world and the submodels' state: built, then a first month
    try:
        m = PovertyModel(sc, seed=1, scale=2000.0)
        m.step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= e.memory_bytes - budget.BASE_BYTES
    m.run()
    assert m.clock.year > sc.end_year  # ran to its end
