"""The figures of a pack, as DataFrames: assess() output enriched, and the attention ranking.

Internal (used by the pack's pages; may change between versions). One row per measure in
`figures` (published as figures.csv, the single source of every number a page shows): the SPC
icons and the rank among comparators are added here; `attention_table` ranks what needs a
board's attention. No HTML here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from perfanalysis.intervals import INTERVAL_COLUMNS
from perfanalysis.spc import dataset_spc
from perfanalysis.status import ASSESS_COLUMNS, Status

if TYPE_CHECKING:
    from perfanalysis.dataset import Dataset
    from perfanalysis.report import PackData

__all__ = ["FIGURE_COLUMNS", "SPC_FREQUENCIES", "SPC_MIN_POINTS", "attention_table"]

#: The columns of figures.csv, in order: every figure a page shows.
FIGURE_COLUMNS = [c for c in ASSESS_COLUMNS if c not in ("decimals", "status_symbol")] + [
    "spc_points",
    "variation_icon",
    "assurance_icon",
    "comparator_group",
    "rank",
    "rank_of",
    "quartile",
    "comparator_median",
    *INTERVAL_COLUMNS,
    "sentence",
]
#: Measures reported this often get an XmR chart once they have enough points.
SPC_FREQUENCIES = ("monthly", "quarterly")
SPC_MIN_POINTS = 12


def _with_spc(dataset: Dataset, figures: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Variation and assurance for every monthly or quarterly measure with 12 points or more."""
    counts = dataset.actuals[dataset.actuals["actual"].notna()].groupby("measure_id").size()
    figures["spc_points"] = figures["measure_id"].map(counts).fillna(0).astype("int64")
    eligible = figures["frequency"].isin(SPC_FREQUENCIES) & (
        figures["spc_points"] >= SPC_MIN_POINTS
    )
    results = dataset_spc(dataset, figures.loc[eligible, "measure_id"])  # one pass, all measures
    figures["variation_icon"] = figures["measure_id"].map(
        {k: r.variation_icon for k, r in results.items()}
    )
    figures["assurance_icon"] = figures["measure_id"].map(
        {k: r.assurance_icon for k, r in results.items()}
    )
    return figures, results


def _with_comparisons(dataset: Dataset, figures: pd.DataFrame) -> pd.DataFrame:
    """Rank and quartile among comparator councils for the figure's own period."""
    c = dataset.comparisons()
    c = c.rename(
        columns={"group": "comparator_group", "n": "rank_of", "median": "comparator_median"}
    )
    keep = [
        "measure_id",
        "period",
        "comparator_group",
        "rank",
        "rank_of",
        "quartile",
        "comparator_median",
    ]
    c = c[keep].drop_duplicates(["measure_id", "period"])
    return figures.merge(c, on=["measure_id", "period"], how="left")


def attention_table(pack: PackData, summary: pd.DataFrame) -> pd.DataFrame:
    """What needs attention, ranked by kind; one row per item with the reason in words."""
    f = pack.figures[pack.figures["strategy_id"].isin(pack.strategies)]
    titles = dict(zip(summary["strategy_id"], summary["title"]))
    missed = f["status"].isin([Status.NOT_ACHIEVED.value, Status.IMPROVING.value])
    parts = []
    worsening = f[missed & (f["direction"] == "worse")]
    parts.append(
        worsening.assign(
            rank=1,
            reason=lambda d: (
                "Not achieved and worse than "
                + d["previous_period"].astype(str)
                + ": "
                + d["sentence"]
            ),
        )
    )
    concern = f[f["variation_icon"].astype(str).str.startswith("concern")]
    parts.append(
        concern.assign(
            rank=2,
            reason="Special-cause concern: the latest point is a "
            "signal of real change for the worse, not noise.",
        )
    )
    fail = f[f["assurance_icon"] == "fail"]
    parts.append(
        fail.assign(
            rank=3,
            reason="Assurance fail: the target lies beyond the process "
            "limits, so it will not be met without a change in the system.",
        )
    )
    rows = pd.concat(parts, ignore_index=True)
    out = pd.DataFrame(
        {
            "rank": rows["rank"],
            "item": rows["title"],
            "strategy": rows["strategy_id"].map(titles),
            "reason": rows["reason"],
        }
    )
    poor = pack.poor_contracts()
    out = pd.concat(
        [
            out,
            pd.DataFrame(
                {
                    "rank": 4,
                    "item": poor["service"] + " (" + poor["provider"] + ")",
                    "strategy": poor["strategy_id"].map(titles),
                    "reason": "Contract performance rated Poor; corrective measures: "
                    + poor["corrective_measures"].replace("", "none given"),
                }
            ),
        ],
        ignore_index=True,
    )
    red = (
        summary[summary.get("rag", pd.Series(dtype=object)) == "Red"]
        if "rag" in summary
        else summary.iloc[0:0]
    )
    out = pd.concat(
        [
            out,
            pd.DataFrame(
                {
                    "rank": 5,
                    "item": red["title"],
                    "strategy": red["title"],
                    "reason": "The commissioner rates this strategy Red.",
                }
            ),
        ],
        ignore_index=True,
    )
    return out.sort_values("rank", kind="stable").reset_index(drop=True)


def _with_notes(dataset: Dataset, figures: pd.DataFrame) -> pd.DataFrame:
    """The actuals' note on each figure (`figure_note`), so pages show it beside the figure.

    The measure's own `notes` column comes with assess() output already.
    """
    a = dataset.actuals
    note = a["note"] if "note" in a.columns else pd.Series("", index=a.index)
    at = pd.Series(note.to_numpy(), index=pd.MultiIndex.from_arrays([a["measure_id"], a["period"]]))
    at = at[~at.index.duplicated(keep="last")]
    key = pd.MultiIndex.from_arrays([figures["measure_id"], figures["period"].astype(object)])
    figures["figure_note"] = at.reindex(key).to_numpy()
    return figures
