"""What povsim audit finds and how it is shown: a finding (its check, case, figures, severity
and message), a one-line summary, and the findings as text, Markdown or CSV.

Example:
    >>> summary([])
    '0 findings: 0 inconsistent, 0 suspect, 0 derived'
"""

from __future__ import annotations

import csv
import io
import textwrap
from dataclasses import dataclass
from typing import Literal

Severity = Literal["inconsistent", "suspect", "derived"]


SEVERITIES: tuple[Severity, ...] = ("inconsistent", "suspect", "derived")


# the severities that make ``povsim audit --strict`` exit 1
FLAGGED: tuple[Severity, ...] = ("inconsistent", "suspect")


@dataclass(frozen=True)
class Finding:
    """One result of one check."""

    check: str
    case: str
    figures: tuple[str, ...]
    severity: Severity
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")


def summary(findings: list[Finding]) -> str:
    """One line: how many findings of each severity.

    Example:
        >>> summary([Finding("c", "zhenbao", ("zhenbao.melon_share",), "derived", "m")])
        '1 finding: 0 inconsistent, 0 suspect, 1 derived'
    """
    counts = ", ".join(f"{sum(f.severity == s for f in findings)} {s}" for s in SEVERITIES)
    return f"{len(findings)} finding{'' if len(findings) == 1 else 's'}: {counts}"


def format_findings(findings: list[Finding], fmt: str = "text") -> str:
    """The findings as plain text (default), Markdown (``md``) or CSV (``csv``).

    Text and Markdown number each finding and end with :func:`summary`; CSV has one row per
    finding (columns n, check, case, severity, figures, message).

    Example:
        >>> f = Finding("zhenbao_melon_share", "zhenbao", ("zhenbao.melon_mu",), "inconsistent",
        ...             "5,800 / 7,100 = 81.69%, reported 87.76%.")
        >>> print(format_findings([f]), end="")
        1. [inconsistent] zhenbao_melon_share (zhenbao)
           figures: zhenbao.melon_mu
           5,800 / 7,100 = 81.69%, reported 87.76%.
        <BLANKLINE>
        1 finding: 1 inconsistent, 0 suspect, 0 derived
    """
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["n", "check", "case", "severity", "figures", "message"])
        for i, f in enumerate(findings, 1):
            w.writerow([i, f.check, f.case, f.severity, " ".join(f.figures), f.message])
        return buf.getvalue()
    if fmt == "md":
        lines = ["# povsim audit: consistency of the reported figures", ""]
        for i, f in enumerate(findings, 1):
            figs = ", ".join(f"`{x}`" for x in f.figures)
            lines.append(f"{i}. **{f.check}** ({f.case}, *{f.severity}*; {figs}): {f.message}")
        lines += ["", summary(findings)]
        return "\n".join(lines) + "\n"
    if fmt != "text":
        raise ValueError(f"format must be text, md or csv, got {fmt!r}")
    lines = []
    for i, f in enumerate(findings, 1):
        indent = " " * (len(str(i)) + 2)
        lines.append(f"{i}. [{f.severity}] {f.check} ({f.case})")
        lines.append(f"{indent}figures: {', '.join(f.figures)}")
        lines += textwrap.wrap(f.message, width=100, initial_indent=indent,
                               subsequent_indent=indent, break_on_hyphens=False)
        lines.append("")
    lines.append(summary(findings))
    return "\n".join(lines) + "\n"
