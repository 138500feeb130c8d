"""The printed outputs the guides show are what their commands print today: add-a-county's
targets table, the README's table of parameter sources (the end of ``povsim audit``), its
examples of a bad scenario file's and a bad sweep file's one-line errors, and its table of
``mesa.batch_run`` rows (``tests/test_mesa_api.py``).

A guide's printed block (a plain ````` block right after the ``bash`` block that holds the
command) is compared with the output of the command run exactly as written, in process: the
runs are deterministic (a seed, any number of threads), so the text must be equal. When the
model changes, the failure shows the new output to paste into the guide.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from povsim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def printed_after(doc: Path, command: str) -> str:
    """The plain block the guide shows after the ``bash`` block holding ``command``.

    Example:
        >>> printed_after(ROOT / "docs" / "add-a-county.md",
        ...               "povsim targets docs/examples/mycounty.yaml --replicates 8 --scale 5"
        ...               ).splitlines()[0].startswith("My County")
        True
    """
    lines = doc.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == command)
    close = next(i for i in range(at + 1, len(lines)) if lines[i].strip() == "```")
    start = next(i for i in range(close + 1, len(lines)) if lines[i].startswith("```")) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
    return "\n".join(lines[start:end])


GUIDED = [
    ("docs/add-a-county.md",
     "povsim targets docs/examples/mycounty.yaml --replicates 8 --scale 5"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("doc", "command"), GUIDED)
def test_the_guide_prints_what_its_command_prints(doc, command, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    shown = printed_after(ROOT / doc, command)
    assert main(shlex.split(command)[1:]) == 0
    out = capsys.readouterr().out.rstrip("\n")
    assert out == shown, f"{doc}: `{command}` now prints:\n{out}"


def block_after(doc: Path, marker: str) -> str:
    """The first plain block after the line holding ``marker``.

    Example:
        >>> block_after(ROOT / "README.md", "ends with the table of all five").split()[0]
        'case'
    """
    lines = doc.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if marker in line)
    start = next(i for i in range(at + 1, len(lines)) if lines[i].startswith("```")) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
    return "\n".join(lines[start:end])


def test_the_readme_s_source_table_is_what_audit_ends_with(capsys):
    shown = block_after(ROOT / "README.md", "ends with the table of all five")
    assert main(["audit"]) == 0
    out = capsys.readouterr().out.rstrip("\n").splitlines()
    assert out[-len(shown.splitlines()):] == shown.splitlines(), "\n".join(out[-6:])


def test_the_readme_s_bad_input_line_is_what_povsim_prints(tmp_path, monkeypatch, capsys):
    """The README's example of a bad scenario file: illness probability 1.5 in a copy of a
    case, ``scenarios/bad.yaml``; the line povsim prints is the README's."""
    shown = block_after(ROOT / "README.md", "A bad scenario file stops with one line")
    (tmp_path / "scenarios").mkdir()
    text = (ROOT / "scenarios" / "xixiu.yaml").read_text(encoding="utf-8")
    start = text.index("illness_prob_month: {value: ") + len("illness_prob_month: {value: ")
    end = text.index(",", start)
    (tmp_path / "scenarios" / "bad.yaml").write_text(text[:start] + "1.5" + text[end:],
                                                     encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "scenarios/bad.yaml"]) == 2
    assert capsys.readouterr().err.strip() == shown


def test_the_readme_s_bad_sweep_line_is_what_povsim_prints(tmp_path, monkeypatch, capsys):
    """The README's example of a bad sweep file: the bundled pairing sweep asking for a
    pairing strategy 'telepathy', ``scenarios/sweeps/bad.yaml``; nothing is written."""
    shown = block_after(ROOT / "README.md", "A bad file stops with one line naming the file")
    sweeps = tmp_path / "scenarios" / "sweeps"
    sweeps.mkdir(parents=True)
    (tmp_path / "scenarios" / "xixiu.yaml").write_text(
        (ROOT / "scenarios" / "xixiu.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    text = (ROOT / "scenarios" / "sweeps" / "xixiu_pairing.yaml").read_text(encoding="utf-8")
    assert "values: [same_village, need_matched," in text
    (sweeps / "bad.yaml").write_text(
        text.replace("values: [same_village, need_matched,", "values: [same_village, telepathy,"),
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(["sweep", "scenarios/sweeps/bad.yaml", "--out", "results/bad"]) == 2
    assert capsys.readouterr().err.strip() == shown
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
