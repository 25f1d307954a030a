"""A pack's data, prepared once and handed to every notebook: `prepare` and `open_pack`.

Internal (the shipped notebooks and the runner call it; it may change between versions).
`prepare` assesses the dataset once and builds the figures table (`perfanalysis.figures`);
`open_pack` is the one call a notebook makes to get it. The pages are in `perfanalysis.pages`,
their words in `perfanalysis.narrative`, the charts in `perfanalysis.charts`; the names below
are re-exported here so that `report.StrategyPage`, `report.render_charts`, ... keep working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from perfanalysis.charts import (
    chart_keys,
    measure_svg,
    render_chart_keys,
    render_charts,
    status_svg,
    xmr_svg,
)
from perfanalysis.dataset import Dataset
from perfanalysis.figures import (
    FIGURE_COLUMNS,
    SPC_FREQUENCIES,
    SPC_MIN_POINTS,
    _with_comparisons,
    _with_notes,
    _with_spc,
    attention_table,
)
from perfanalysis.intervals import with_intervals
from perfanalysis.narrative import (
    _box_sentence,
    _comparison_line,
    _direction,
    _last_year_line,
    icon_badges,
    performance_cell,
    sentences,
)
from perfanalysis.pages import CollatedPage, StrategyPage
from perfanalysis.periods import Period
from perfanalysis.status import summarise

__all__ = [
    "PackData",
    "prepare",
    "open_pack",
    "StrategyPage",
    "CollatedPage",
    "FIGURE_COLUMNS",
    "SPC_FREQUENCIES",
    "SPC_MIN_POINTS",
    "attention_table",
    "chart_keys",
    "render_chart_keys",
    "render_charts",
    "measure_svg",
    "xmr_svg",
    "status_svg",
    "icon_badges",
    "performance_cell",
    "_box_sentence",
    "_comparison_line",
    "_direction",
    "_last_year_line",
    "_with_comparisons",
    "_with_notes",
    "_with_spc",
]


@dataclass
class PackData:
    """Everything a pack's pages show, prepared once per run and handed to every notebook."""

    dataset: Dataset
    period: Period
    figures: pd.DataFrame
    summary: pd.DataFrame
    strategies: list[str]
    title: str
    quality: dict[str, Any] | None = None
    charts: dict[str, str] = field(default_factory=dict)  # chart key -> inline SVG, drawn once
    spc: dict[str, Any] = field(default_factory=dict)  # measure_id -> SPCResult (>= 12 points)

    @property
    def organisation(self) -> str:
        return self.dataset.organisation

    def poor_contracts(self) -> pd.DataFrame:
        """Contracts of the pack's strategies rated Poor for the period."""
        c = self.dataset.contracts
        return c[
            (c["period"] == self.period.label)
            & (c["performance"] == "Poor")
            & c["strategy_id"].isin(self.strategies)
        ]

    def figures_for(self, strategy_id: str) -> pd.DataFrame:
        return self.figures[self.figures["strategy_id"] == strategy_id]


def prepare(
    dataset: Dataset,
    period: str | Period,
    strategies: str | list[str] = "all",
    title: str | None = None,
    quality: dict[str, Any] | None = None,
) -> PackData:
    """Assess the dataset for the period and choose the strategies the pack covers."""
    p = Period.parse(period)
    figures = dataset.assess(p)  # the one assessment of the run: pages read only these frames
    summary = summarise(figures, dataset.framework.strategies)
    figures["sentence"] = sentences(figures)
    known = list(dataset.framework.strategies["strategy_id"])
    if strategies == "all" or strategies is None:
        chosen = known
    else:
        unknown = [s for s in strategies if s not in known]
        if unknown:
            from perfanalysis.errors import ParameterError

            raise ParameterError(
                f"strategies {', '.join(unknown)} are not in the dataset; known: {', '.join(known)}"
            )
        chosen = list(strategies)
    title = title or f"{dataset.organisation}: collated highlight report, {p.label}"
    figures, spc_results = _with_spc(dataset, figures)
    figures = _with_comparisons(dataset, figures)
    figures = _with_notes(dataset, figures)
    figures = with_intervals(dataset, figures)
    return PackData(dataset, p, figures, summary, chosen, title, quality, spc=spc_results)


def open_pack(dataset: str | Path, period: str, prepared: str | Path | None = "") -> PackData:
    """The pack's data: from the pack's prepared folder when given, else from the dataset itself.

    With `prepared` (a pack's `prepared/` folder, written by `perfanalysis run`), the figures are
    read from it; when `dataset` exists too, its files must be the ones the figures were made
    from. With `prepared` blank (a notebook run on its own), the dataset goes through the same
    gate, preparation and charts as `perfanalysis run`, so the page is the page published.
    """
    from perfanalysis import prepared as prep

    if prepared:
        folder = Path(prepared)
        if Path(dataset).exists():
            prep.check_inputs(folder, Path(dataset))
        pack = prep.read_prepared(folder)
        if Period.parse(period).label != pack.period.label:
            raise prep.PreparedError(
                f"the prepared figures in {folder} are for {pack.period.label}, not {period}"
            )
        return pack
    return prep.build_pack(dataset, period)[1]
