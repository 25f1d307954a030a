"""A pack's data, prepared once and handed to every notebook: `prepare` and `open_pack`.

Internal (the shipped notebooks and the runner call it; it may change between versions).
`prepare` assesses the dataset once and builds the figures table (`perfanalysis.figures`);
`open_pack` is the one call a notebook makes to get it. The pages are in `perfanalysis.pages`,
their words in `perfanalysis.narrative`, the charts in `perfanalysis.charts`; the names below
are re-exported here so that `report.StrategyPage`, `report.render_charts`, ... keep working.
"""

from __future__ import annotations

import os
import pickle
import tempfile
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
from perfanalysis.dataset import Dataset, load
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

#: Where `perfanalysis run` leaves the prepared figures for its notebooks (named by content hash).
#: Set PERFANALYSIS_PREPARED_DIR to a shared folder when notebooks run on other machines (Dask).
PREPARED_DIR = Path(
    os.environ.get("PERFANALYSIS_PREPARED_DIR")
    or Path(tempfile.gettempdir()) / "perfanalysis-prepared"
)


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
    """The pack's data: from the runner's prepared file when given, else from the dataset itself.

    The runner loads and checks the data once and hands every notebook the same prepared file;
    an analyst running a notebook on its own gets the same figures straight from the dataset.
    """
    if prepared:
        path = Path(prepared)
        if not path.is_absolute() and not path.exists():
            path = PREPARED_DIR / path
        with open(path, "rb") as fh:
            return pickle.load(fh)
    return prepare(load(dataset), period)
