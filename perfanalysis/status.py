"""Measure status: the council's own rules, vectorised over a whole framework at once.

For a reporting period each measure gets one status. Statuses know their words, their symbol
(so a page never carries status by colour alone) and whether they count as achieving in the
strategy's "How is success measured?" box, as the seed report counts them.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from perfanalysis.errors import DataError, DatasetError
from perfanalysis.periods import FREQUENCIES, Period

__all__ = [
    "Status",
    "assess",
    "summarise",
    "status_words",
    "rag_disagreements",
    "box_columns",
    "DEFAULT_DECIMALS",
    "STATUS_WORDS",
]

#: The first columns of `assess()` output, in order (extra measure columns follow).
ASSESS_COLUMNS = [
    "measure_id",
    "strategy_id",
    "outcome_id",
    "title",
    "unit",
    "polarity",
    "targeted",
    "frequency",
    "decimals",
    "reporting_period",
    "period",
    "actual",
    "target",
    "tolerance",
    "gap",
    "status",
    "status_label",
    "status_symbol",
    "previous_period",
    "previous_actual",
    "direction",
    "last_year_period",
    "last_year_actual",
    "direction_last_year",
    "source",
    "reported_status",
]

#: Precision used when a measure's `decimals` is blank.
DEFAULT_DECIMALS = 2
#: The status words a council can choose in dataset.yaml (`status_words`); the first is default.
STATUS_WORDS = ("achieved", "rag")


class Status(StrEnum):
    """A measure's status for a period, with its words, symbol and counting rule."""

    ACHIEVED = "achieved"
    WITHIN_TOLERANCE = "within_tolerance"
    IMPROVING = "improving"
    NOT_ACHIEVED = "not_achieved"
    MEASURED = "measured"
    NO_TARGET = "no_target"
    NO_DATA = "no_data"

    @property
    def label(self) -> str:
        """The words a council report uses."""
        return _LABELS[self]

    @property
    def symbol(self) -> str:
        """A symbol shown beside the words, so status is never carried by colour alone."""
        return _SYMBOLS[self]

    @property
    def is_achieving(self) -> bool:
        """Counts as achieving the target (within tolerance counts, as the seed does)."""
        return self in (Status.ACHIEVED, Status.WITHIN_TOLERANCE)

    @property
    def is_exception(self) -> bool:
        """Needs a board's attention: the target was missed."""
        return self in (Status.IMPROVING, Status.NOT_ACHIEVED)

    def __str__(self) -> str:
        return self.value


_LABELS = {
    Status.ACHIEVED: "Achieved",
    Status.WITHIN_TOLERANCE: "Achieved (within tolerance)",
    Status.IMPROVING: "Improving but not achieved",
    Status.NOT_ACHIEVED: "Not achieved",
    Status.MEASURED: "Measured (no target)",
    Status.NO_TARGET: "No target set",
    Status.NO_DATA: "No data",
}
_SYMBOLS = {
    Status.ACHIEVED: "\u2714",  # heavy check mark
    Status.WITHIN_TOLERANCE: "\u2714",
    Status.IMPROVING: "\u2197",  # north-east arrow
    Status.NOT_ACHIEVED: "\u2718",  # heavy ballot x
    Status.MEASURED: "\u25cf",  # black circle
    Status.NO_TARGET: "\u25cb",  # white circle
    Status.NO_DATA: "\u2014",  # em dash
}
#: Green / Amber / Red words (dataset.yaml `status_words: rag`). A near miss within tolerance is
#: Amber; a miss beyond tolerance is Red even when the figure improved (the usual council
#: practice: the direction of travel column says it improved). Unjudged statuses keep their words.
_RAG_LABELS = {
    Status.ACHIEVED: "Green",
    Status.WITHIN_TOLERANCE: "Amber",
    Status.IMPROVING: "Red",
    Status.NOT_ACHIEVED: "Red",
}
_LABELS_BY_SCHEME = {
    "achieved": {s.value: s.label for s in Status},
    "rag": {s.value: _RAG_LABELS.get(s, s.label) for s in Status},
}
_SIGN = {"higher": 1, "lower": -1, "neutral": 0}


def status_words(meta: dict | None) -> str:
    """The council's status words from dataset.yaml (`achieved` when not given); checked."""
    value = str((meta or {}).get("status_words") or STATUS_WORDS[0]).strip().lower()
    if value not in STATUS_WORDS:
        raise DatasetError(
            f"dataset.yaml: status_words is '{value}'; write 'achieved' (Achieved / Improving "
            "but not achieved / Not achieved) or 'rag' (Green / Amber / Red)"
        )
    return value


def box_columns(words: str = "achieved", short: bool = False) -> list[tuple[str, str]]:
    """The count-box columns of `summarise()` a page shows for the status words, with headings."""
    if words == "rag":
        return [("green", "Green"), ("amber", "Amber (within tolerance)"), ("red", "Red")]
    target = "" if short else " the target"
    return [
        ("achieving", f"Achieving{target}"),
        ("improving", "Improving but not achieved"),
        ("not_achieving", f"Not achieving{target}"),
    ]


def _scaled(values: pd.Series, decimals: pd.Series) -> pd.Series:
    """Values as whole numbers of the measure's smallest reported unit, rounded half away from 0.

    Comparing integers at the stated precision is what makes target 0.7, tolerance 0.1 include an
    actual of 0.8, which plain float arithmetic gets wrong.
    """
    x = values.astype("float64").to_numpy() * np.power(10.0, decimals.to_numpy(dtype="float64"))
    x = np.round(x, 6)
    return pd.Series(np.sign(x) * np.floor(np.abs(x) + 0.5), index=values.index)


def _expected_period(frequency: str, reporting: Period) -> str:
    """The period of a measure's own kind that a report for `reporting` is due to show."""
    kind = FREQUENCIES[frequency][0]
    end = reporting.end
    if kind == "quarter":
        fy = end.year if end.month >= 4 else end.year - 1
        candidate = Period.quarter(fy, ((end.month - 4) % 12) // 3 + 1)
    elif kind == "month":
        candidate = Period.month(end.year, end.month)
    elif kind == "financial_year":
        candidate = Period.financial_year(end.year if end.month >= 4 else end.year - 1)
    else:
        candidate = Period.academic_year(end.year if end.month >= 9 else end.year - 1)
    return (candidate if candidate.end <= end else candidate.previous()).label


def _period_steps(labels: pd.Series) -> pd.DataFrame:
    """Previous period and same period last year for each distinct canonical label."""
    uniques = pd.unique(labels.dropna().astype(object))
    rows = []
    for label in uniques:
        p = Period.parse(label)
        prev = None if p.kind == "date" else p.previous().label
        rows.append((label, prev, p.same_period_last_year().label))
    return pd.DataFrame(rows, columns=["period", "previous_period", "last_year_period"])


def _kinds(labels: pd.Series) -> pd.Series:
    """The kind of each canonical period label (quarter, month, ...), parsed once per label."""
    uniques = pd.unique(labels.dropna().astype(object))
    return labels.map({label: Period.parse(label).kind for label in uniques})


def _latest_in_window(
    values: pd.DataFrame, measures: pd.DataFrame, reporting: Period, column: str
) -> pd.DataFrame:
    """Per measure, the latest row with a value whose period ends within one cycle of `reporting`.

    A cycle is the measure's frequency: an annual measure reported at Q4 2017/18 shows 2017/18; at
    Q3 2017/18 it shows 2016/17, the latest figure there is.
    A figure counts only for a period of the measure's own kind: an annual outturn never stands
    in for a quarterly measure's missing quarter.
    """
    end = pd.Timestamp(reporting.end)
    lower_by_frequency = {f: end - pd.DateOffset(months=m) for f, (_, m) in FREQUENCIES.items()}
    by_id = measures.drop_duplicates("measure_id").set_index("measure_id")["frequency"]
    lower = by_id.map(lower_by_frequency)
    own_kind = by_id.map({f: k for f, (k, _) in FREQUENCIES.items()})
    rows = values[values[column].notna() & (values["end"] <= end)]
    rows = rows[_kinds(rows["period"]) == rows["measure_id"].map(own_kind)]
    # A row for a measure that is not in the framework maps to NaT and drops out here.
    rows = rows[rows["end"] > rows["measure_id"].map(lower)]
    rows = rows.sort_values(["measure_id", "end", "start"], kind="stable")
    return rows.drop_duplicates("measure_id", keep="last")


def assess(
    measures: pd.DataFrame,
    targets: pd.DataFrame,
    actuals: pd.DataFrame,
    period: str | Period,
    words: str = "achieved",
) -> pd.DataFrame:
    """One row per measure with its figures and status for the reporting `period`.

    `targets` and `actuals` carry canonical period labels in `period` and the period's `start` and
    `end` dates (as the loader gives them). No measure is ever dropped: a measure with no actual
    is `no_data`. `status_label` carries the status in the council's `words` (`achieved` or
    `rag`). A `cumulative` (year-to-date) measure is compared with its year-to-date target, and
    its "previous" figure is the same period last year: its path restarts each April, so the
    previous quarter is a different point of the year.
    """
    if words not in _LABELS_BY_SCHEME:
        raise ValueError(f"status words must be one of {', '.join(STATUS_WORDS)}, not {words!r}")
    reporting = Period.parse(period)
    m = measures.copy()
    neutral_targeted = m["targeted"].astype(bool) & (m["polarity"] == "neutral")
    if neutral_targeted.any():
        row = m[neutral_targeted].iloc[0]
        raise DataError(
            "a targeted measure needs polarity 'higher' or 'lower' to be judged against its "
            "target; set polarity, or targeted=false for a contextual measure",
            table="measures",
            column="polarity",
            value=row["polarity"],
            row=int(row["_row"]) if "_row" in row else None,
        )

    latest = _latest_in_window(actuals, m, reporting, "actual")
    expected = {f: _expected_period(f, reporting) for f in m["frequency"].dropna().unique()}
    chosen = m["measure_id"].map(latest.set_index("measure_id")["period"]).astype(object)
    m["period"] = chosen.where(chosen.notna(), m["frequency"].map(expected))

    steps = _period_steps(m["period"])
    m = m.merge(steps, on="period", how="left")
    cumulative = _flag(m, "cumulative")
    m["previous_period"] = m["previous_period"].where(~cumulative, m["last_year_period"])
    # Only the few periods a report looks at are indexed, not the whole history.
    wanted = (
        set(m["period"].dropna())
        | set(m["previous_period"].dropna())
        | set(m["last_year_period"].dropna())
    )
    a = actuals[actuals["period"].isin(wanted)]
    actual_at = a.set_index(["measure_id", "period"])["actual"]
    actual_at = actual_at[~actual_at.index.duplicated(keep="last")]
    tg = targets[targets["period"].isin(wanted)]
    target_at = tg.set_index(["measure_id", "period"])[["target", "tolerance"]]
    target_at = target_at[~target_at.index.duplicated(keep="last")]

    key = pd.MultiIndex.from_arrays([m["measure_id"], m["period"]])
    m["actual"] = actual_at.reindex(key).to_numpy()
    m["target"] = target_at["target"].reindex(key).to_numpy()
    m["tolerance"] = target_at["tolerance"].reindex(key).to_numpy()
    prev_key = pd.MultiIndex.from_arrays([m["measure_id"], m["previous_period"]])
    m["previous_actual"] = actual_at.reindex(prev_key).to_numpy()
    ly_key = pd.MultiIndex.from_arrays([m["measure_id"], m["last_year_period"]])
    m["last_year_actual"] = actual_at.reindex(ly_key).to_numpy()
    m.loc[~m["targeted"].astype(bool), ["target", "tolerance"]] = np.nan
    if "reported_status" in a.columns:
        reported = a.set_index(["measure_id", "period"])["reported_status"]
        reported = reported[~reported.index.duplicated(keep="last")].replace("", None)
        m["reported_status"] = reported.reindex(key).to_numpy()
    else:
        m["reported_status"] = None

    decimals = m["decimals"].fillna(DEFAULT_DECIMALS).astype("int64")
    sign = m["polarity"].map(_SIGN).fillna(0).astype("int64")
    a = _scaled(m["actual"], decimals)
    t = _scaled(m["target"], decimals)
    tol = _scaled(m["tolerance"].fillna(0), decimals)
    p = _scaled(m["previous_actual"], decimals)
    gap = (a - t) * sign
    better_than_previous = ((a - p) * sign) > 0
    conditions = [
        m["actual"].isna(),
        ~m["targeted"].astype(bool),
        m["target"].isna(),
        gap >= 0,
        gap >= -tol,
        better_than_previous,
    ]
    choices = [
        Status.NO_DATA.value,
        Status.MEASURED.value,
        Status.NO_TARGET.value,
        Status.ACHIEVED.value,
        Status.WITHIN_TOLERANCE.value,
        Status.IMPROVING.value,
    ]
    m["status"] = np.select(conditions, choices, default=Status.NOT_ACHIEVED.value)
    m["status_label"] = m["status"].map(_LABELS_BY_SCHEME[words])
    m["status_symbol"] = m["status"].map({s.value: s.symbol for s in Status})
    m["gap"] = (gap / np.power(10.0, decimals)).where(m["target"].notna() & m["actual"].notna())
    m["direction"] = _direction(a, p, sign)
    m["direction_last_year"] = _direction(a, _scaled(m["last_year_actual"], decimals), sign)
    m["source"] = m["measure_id"].map(latest.set_index("measure_id").get("source", pd.Series()))
    m["reporting_period"] = reporting.label

    rest = [c for c in m.columns if c not in ASSESS_COLUMNS and not c.startswith("_")]
    return m[ASSESS_COLUMNS + rest].reset_index(drop=True)


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    """A boolean measure column that may be absent (False) or hold blanks (False)."""
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].fillna(False).astype(bool)


def _direction(current: pd.Series, earlier: pd.Series, sign: pd.Series) -> pd.Series:
    """'better', 'worse' or 'no change' by polarity; 'higher'/'lower' for neutral; NA if unknown."""
    diff = current - earlier
    known = current.notna() & earlier.notna()
    good = diff * sign
    out = np.select(
        [~known, diff == 0, (sign == 0) & (diff > 0), (sign == 0) & (diff < 0), good > 0],
        [None, "no change", "higher", "lower", "better"],
        default="worse",
    )
    return pd.Series(out, index=current.index, dtype=object)


def summarise(assessed: pd.DataFrame, strategies: pd.DataFrame) -> pd.DataFrame:
    """The "How is success measured?" box for every strategy, including those with no measures."""
    s = assessed["status"]
    counts = pd.DataFrame(
        {
            "strategy_id": assessed["strategy_id"],
            "measures": 1,
            "targeted": assessed["targeted"].astype(bool).astype(int),
            "measured": (~assessed["targeted"].astype(bool)).astype(int),
            "achieving": s.isin([Status.ACHIEVED.value, Status.WITHIN_TOLERANCE.value]).astype(int),
            "achieved": (s == Status.ACHIEVED.value).astype(int),
            "within_tolerance": (s == Status.WITHIN_TOLERANCE.value).astype(int),
            "improving": (s == Status.IMPROVING.value).astype(int),
            "not_achieving": (s == Status.NOT_ACHIEVED.value).astype(int),
            "no_target": (s == Status.NO_TARGET.value).astype(int),
            "no_data": (s == Status.NO_DATA.value).astype(int),
            # The same judged measures in Green / Amber / Red words (status_words: rag).
            "green": (s == Status.ACHIEVED.value).astype(int),
            "amber": (s == Status.WITHIN_TOLERANCE.value).astype(int),
            "red": s.isin([Status.IMPROVING.value, Status.NOT_ACHIEVED.value]).astype(int),
        }
    )
    totals = counts.groupby("strategy_id", sort=False).sum()
    out = strategies[["strategy_id", "theme_id", "title"]].merge(
        totals, left_on="strategy_id", right_index=True, how="left"
    )
    number_cols = [c for c in counts.columns if c != "strategy_id"]
    out[number_cols] = out[number_cols].fillna(0).astype("int64")
    return out.reset_index(drop=True)


#: The council's own status words (lower case, spaces collapsed) -> the computed statuses that
#: agree with it. "Achieved" covers a near miss within tolerance, as the seed counts it.
_AGREES = {
    "green": ("achieved",),
    "g": ("achieved",),
    "amber": ("within_tolerance",),
    "a": ("within_tolerance",),
    "red": ("improving", "not_achieved"),
    "r": ("improving", "not_achieved"),
    "achieved": ("achieved", "within_tolerance"),
    "achieved (within tolerance)": ("within_tolerance",),
    "within tolerance": ("within_tolerance",),
    "improving but not achieved": ("improving",),
    "improving": ("improving",),
    "not achieved": ("not_achieved",),
    "measured": ("measured",),
    "measured (no target)": ("measured",),
    "no target set": ("no_target",),
    "no target": ("no_target",),
    "no data": ("no_data",),
}
_AGREEING_PAIRS = {f"{word}|{code}" for word, codes in _AGREES.items() for code in codes}

#: Columns of `rag_disagreements()`.
DISAGREEMENT_COLUMNS = [
    "measure_id",
    "strategy_id",
    "title",
    "period",
    "reported_status",
    "status_label",
    "status",
    "actual",
    "target",
    "tolerance",
]


def rag_disagreements(assessed: pd.DataFrame) -> pd.DataFrame:
    """Every measure whose council-reported status differs from the computed one, both shown.

    `assessed` is `assess()` output. A measure with no reported status is not listed. Words are
    compared case-insensitively: Green is Achieved, Amber is a near miss within tolerance, Red is
    a miss beyond tolerance (improving or not); the seed's words compare with their own status.
    """
    if "reported_status" not in assessed.columns:
        return pd.DataFrame(columns=DISAGREEMENT_COLUMNS)
    reported = assessed["reported_status"].astype("string").str.strip()
    given = reported.notna() & (reported != "")
    words = reported.str.lower().str.replace(r"\s+", " ", regex=True)
    agree = (words + "|" + assessed["status"].astype(str)).isin(_AGREEING_PAIRS)
    out = assessed[given & ~agree.fillna(False).astype(bool)]
    return out[DISAGREEMENT_COLUMNS].reset_index(drop=True)
