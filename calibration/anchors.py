"""Public statistics a case is calibrated to beside its reported figures (``anchors.yaml``).

An anchor is a statistic of the place, or of a larger area holding it (the province's or the
prefecture's rural income, the nation's median-to-mean ratio), with its source (``cited:`` or
``derived:``) and the tolerance a fit may leave. The prior predictive check shows each beside
its band (:mod:`povsim.calibration.prior_check`); :meth:`Anchor.figure` makes it a calibration
figure, which :meth:`povsim.calibration.fit.Problem.of` adds to the case's reported ones (issue
27: the joint fit uses every public statistic the project holds). Where the statistic is for a
larger area whose mean the place lies below (a poor township in its prefecture), the anchor says
so with ``comparison: at_most``, and ``at_least`` where the place lies above it (a district with
a smaller share of registered poor than its province): the statistic bounds the place, it does
not measure it; the anchor's note gives the statistic that says which.

Example:
    >>> [a.id for a in load_anchors("xixiu")]
    ['xixiu.income_level_2014', 'xixiu.income_spread_2013']
    >>> f = load_anchors("xixiu")[0].figure()
    >>> f.role, f.target.comparison, f.target.tolerance
    ('calibration', 'at_least', 667.0)
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from povsim.base.inputs import ScenarioError, format_validation_error, load_yaml
from povsim.calibration.registry import UNITS, Figure, Target

#: the public statistics the cases are anchored to
ANCHORS = Path(__file__).with_name("anchors.yaml")


class Anchor(BaseModel):
    """A public statistic a case's simulated metric is compared with (``anchors.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    id: str
    case: str
    metric: str
    year: int
    value: float
    unit: Literal[UNITS]  # type: ignore[valid-type]  # the registry's units
    tolerance: float
    area: str
    source: str
    comparison: Literal["equal", "at_least", "at_most"] = "equal"
    """``at_most`` where the statistic is of a larger area whose mean the place lies below,
    ``at_least`` where above"""
    note: str | None = None

    @property
    def quantity(self) -> str:
        """The statistic in words: its metric and the area it is of (the area's first clause;
        the rest says why that area), the year apart.

        Example:
            >>> load_anchors("xixiu")[0].quantity
            'income mean (statistic of Guizhou Province)'
        """
        return f"{self.metric.replace('_', ' ')} (statistic of {self.area.split(' (', 1)[0]})"

    @property
    def target(self) -> Target:
        """How the simulation is compared with it (the registry's :class:`Target`)."""
        return Target(metric=self.metric, year=self.year, comparison=self.comparison,
                      precision=0.0, tolerance=float(self.tolerance),
                      how=f"a public statistic of {self.area}")

    def figure(self) -> Figure:
        """The anchor as a calibration figure (role ``calibration``, seed file
        ``anchors.yaml``), as :meth:`povsim.calibration.fit.Problem.of` fits it."""
        return Figure(id=self.id, case=self.case, seed_file=ANCHORS.name,
                      quantity=self.quantity, value=self.value,
                      unit=self.unit, period=str(self.year),
                      kind="context", role="calibration", target=self.target,
                      quote=self.source, note=self.note)


class _AnchorFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    anchors: list[Anchor]


def load_anchors(case: str | None = None, path: str | Path = ANCHORS) -> list[Anchor]:
    """The anchors of ``case`` (default: all); a bad file is a one-line error.

    Example:
        >>> [a.metric for a in load_anchors("xixiu")]
        ['income_mean', 'income_median_over_mean']
    """
    data, _ = load_yaml(path)
    try:
        anchors = _AnchorFile.model_validate(data).anchors
    except ValueError as err:
        raise ScenarioError(format_validation_error(path, err, _AnchorFile)) from None
    bad = [a.id for a in anchors if not a.source.startswith(("cited:", "derived:"))]
    if bad:
        raise ScenarioError(f"{path}: field 'source' of {', '.join(bad)}: must begin with "
                            "'cited:' or 'derived:'")
    return [a for a in anchors if case is None or a.case == case]


def anchor_figures(case: str, path: str | Path = ANCHORS) -> list[Figure]:
    """The anchors of ``case`` as calibration figures.

    Example:
        >>> [f.target.metric for f in anchor_figures("sanba")]
        ['income_mean']
    """
    return [a.figure() for a in load_anchors(case, path)]
