"""The printed outputs the guides show are what their commands print today.

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
