"""Statistical process control (XmR charts) by the NHS "Making Data Count" rules.

A board should react to signals, not noise. `spc()` computes an individuals (XmR) chart for one
measure, flags special-cause points and chooses the variation and assurance icons, following
docs/SPC.md (the rules of the reference implementation, NHSRplotthedots 0.2.2).

Rules in brief (docs/SPC.md has every boundary):

* limits are computed within each rebase group from its baseline (all points, or the first
  `fix_after_n_points`): mean +/- 2.66 x average moving range, with moving ranges of 3.267 x AMR
  or more screened out once;
* special causes, in order of precedence: outside the limits, a trend of 7 points, two of three
  points close to a limit, a shift of 7 points on one side of the mean;
* the variation icon comes from the last point, the assurance icon compares the target with the
  limits of the latest group.

Where docs/SPC.md is silent or loose, this module does what the reference code does or what an
auditor would expect: a point exactly on a process limit is not outside (strict) and counts as
close to it; a trend point's direction is its trend's, and only a point shared by two opposite
trends takes the step to its right; a flat baseline (AMR 0) is not screened, so its limits equal
its mean (with a warning).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "ASSURANCE_WORDS",
    "dataset_spc",
    "spc_grouped",
    "IMPROVEMENTS",
    "SPCResult",
    "VARIATION_WORDS",
    "polarity_to_improvement",
    "spc",
]

Improvement = Literal["increase", "decrease", "neutral"]

IMPROVEMENTS: tuple[str, ...] = ("increase", "decrease", "neutral")

#: Multiplier of the average moving range for the process limits (3 sigma).
LIMIT = 2.66
#: Multiplier for the "close to the limits" lines (2 sigma), as the reference computes it.
LIMIT_2SIGMA = 2 * (LIMIT / 3)
#: Moving ranges of at least this multiple of the AMR are screened out (once).
SCREEN = 3.267
#: Fewest baseline points for limits we trust, and the smallest allowed `fix_after_n_points`.
MIN_POINTS = 12
#: Points in a trend (6 steps) and in a shift.
RUN = 7

_POLARITY_TO_IMPROVEMENT = {"higher": "increase", "lower": "decrease", "neutral": "neutral"}

#: Plain English for each variation icon: shown as text and as the icon's accessible name.
VARIATION_WORDS: dict[str, str] = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_high": "Special cause improvement: higher values",
    "improvement_low": "Special cause improvement: lower values",
    "concern_high": "Special cause concern: higher values",
    "concern_low": "Special cause concern: lower values",
    "neutral_high": "Special cause variation (neither better nor worse): higher values",
    "neutral_low": "Special cause variation (neither better nor worse): lower values",
}

#: Plain English for each assurance icon.
ASSURANCE_WORDS: dict[str, str] = {
    "pass": "Target consistently achieved",
    "fail": "Target consistently missed",
    "inconsistent": "Target hit and miss: may or may not be achieved",
}


def polarity_to_improvement(polarity: str) -> Improvement:
    """Map a measure's polarity ('higher', 'lower', 'neutral') to an SPC improvement direction.

    The framework stores polarity ("bigger is better"); SPC speaks of improvement direction.
    """
    key = str(polarity).strip().lower()
    try:
        return _POLARITY_TO_IMPROVEMENT[key]  # type: ignore[return-value]
    except KeyError:
        raise ValueError(
            f"unknown polarity {polarity!r}: expected 'higher', 'lower' or 'neutral'"
        ) from None


@dataclass(frozen=True, eq=False)
class SPCResult:
    """The outcome of `spc()`: one row per point, the icons, a summary per group, warnings.

    `points` columns: value, rebase_group, mean, lpl, upl, lower_2sigma, upper_2sigma,
    relative_to_mean (1 above / -1 below / 0 on the mean), outside_limits, close_to_limits,
    special_cause_type ('common_cause', 'outside_limits', 'trend', 'two_of_three', 'shift'),
    special_cause_direction (1 high / -1 low / 0 common cause) and point_type ('common_cause',
    'special_cause_improvement', 'special_cause_concern', 'special_cause_neutral_high',
    'special_cause_neutral_low', as docs/SPC.md names them); its index is
    the index of the (non-missing) values and rebase groups are numbered from 0.

    `summary` has one row per rebase group: start and end (index labels), n, baseline_n, mean,
    amr, lpl, upl and the number of points of each point type.
    """

    points: pd.DataFrame
    variation_icon: str
    assurance_icon: str | None
    summary: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    improvement: Improvement = "increase"
    target: float | None = None
    #: The measure charted (measure_id, title, unit, decimals), when `Dataset.spc` made it.
    measure: dict[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        from perfanalysis.display import spc_text

        return spc_text(self)

    def _repr_html_(self) -> str:
        from perfanalysis.display import spc_html

        return spc_html(self)

    def chart(self, title: str | None = None) -> Any:
        """The XmR chart (values, mean, process limits, target, special causes) as inline SVG.

        Returns a `ChartView` (Jupyter shows it offline; `.altair` is the Altair chart).
        """
        from perfanalysis.charts import xmr_chart
        from perfanalysis.display import ChartView

        about = {"title": "the values", "unit": "count", **self.measure}
        if title is not None:
            about["title"] = title
        key = about.get("measure_id") or "values"
        return ChartView(xmr_chart(self, about), f"xmr-{key}")

    @property
    def variation_words(self) -> str:
        """The variation icon in plain English."""
        return VARIATION_WORDS[self.variation_icon]

    @property
    def assurance_words(self) -> str | None:
        """The assurance icon in plain English (None when there is no assurance icon)."""
        return None if self.assurance_icon is None else ASSURANCE_WORDS[self.assurance_icon]


def spc(
    values: Sequence[float] | pd.Series | np.ndarray,
    improvement: Improvement = "increase",
    target: float | None = None,
    rebase: Iterable[Hashable] | Hashable | None = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
) -> SPCResult:
    """Compute a Making Data Count XmR chart, its special causes and icons (docs/SPC.md).

    `values` are in time order (a Series keeps its index, e.g. period labels). Missing values
    (NaN) are dropped before anything is calculated: they get no row, and the moving range runs
    from the point before the gap to the point after it. `rebase` lists where new groups start,
    as index labels or 0-based positions in `values` (a label is tried first); nothing crosses a
    rebase. `fix_after_n_points` (at least 12) bases each group's limits on its first n points.
    `screen_outliers` drops moving ranges of 3.267 x AMR or more once (off matches the Making
    Data Count Excel tool).
    """
    if improvement not in IMPROVEMENTS:
        raise ValueError(
            f"improvement must be one of {IMPROVEMENTS}, not {improvement!r} "
            "(polarity_to_improvement() maps 'higher'/'lower'/'neutral')"
        )
    _check_fix(fix_after_n_points)
    target = _clean_target(target)

    series = _as_series(values)
    starts = _rebase_flags(series, rebase)
    # Group ids over the original positions, so a rebase on a missing value starts the group at
    # the next value that is present; then drop missing values and number groups 0, 1, 2, ...
    group_all = np.cumsum(starts)
    keep = series.notna().to_numpy()
    if not keep.any():
        raise ValueError("spc() needs at least one non-missing value")
    y = series.to_numpy(dtype=float)[keep]
    group = pd.factorize(group_all[keep])[0]
    index = series.index[keep]

    pts = _limits(y, group, fix_after_n_points, screen_outliers)
    sc_type, direction = _special_causes(y, group, pts)
    point_type = _point_types(sc_type, direction, improvement)

    points = pd.DataFrame(
        {
            "value": y,
            "rebase_group": group,
            "mean": pts["mean"],
            "lpl": pts["lpl"],
            "upl": pts["upl"],
            "lower_2sigma": pts["lower_2sigma"],
            "upper_2sigma": pts["upper_2sigma"],
            "relative_to_mean": pts["relative_to_mean"],
            "outside_limits": pts["outside_limits"],
            "close_to_limits": pts["close_to_limits"],
            "special_cause_type": sc_type,
            "special_cause_direction": direction,
            "point_type": point_type,
        },
        index=index,
    )

    summary = _summary(points, pts)
    return SPCResult(
        points=points,
        variation_icon=_variation_icon(point_type[-1], direction[-1], improvement),
        assurance_icon=_assurance_icon(points, improvement, target),
        summary=summary,
        warnings=_warnings(summary),
        improvement=improvement,
        target=target,
    )


# --------------------------------------------------------------------------------------------
# inputs


def _check_fix(fix_after_n_points: Any) -> None:
    if fix_after_n_points is None:
        return
    if isinstance(fix_after_n_points, bool) or not isinstance(fix_after_n_points, int | np.integer):
        raise ValueError(f"fix_after_n_points must be a whole number, not {fix_after_n_points!r}")
    if fix_after_n_points < MIN_POINTS:
        raise ValueError(
            f"fix_after_n_points must be at least {MIN_POINTS}, not {fix_after_n_points}"
        )


def _clean_target(target: Any) -> float | None:
    if target is None:
        return None
    value = float(target)
    return None if np.isnan(value) else value


def _as_series(values: Any) -> pd.Series:
    if isinstance(values, pd.Series):
        series = values
    else:
        series = pd.Series(np.asarray(values, dtype=object).ravel())
    if series.index.has_duplicates:
        raise ValueError("the index of values has duplicate labels")
    return pd.to_numeric(series, errors="raise").astype(float)


def _rebase_flags(series: pd.Series, rebase: Any) -> np.ndarray:
    """0/1 per original position: 1 where a rebase starts a new group."""
    flags = np.zeros(len(series), dtype=np.int64)
    if rebase is None:
        return flags
    if isinstance(rebase, str) or not isinstance(rebase, Iterable):
        rebase = [rebase]
    for item in rebase:
        if item in series.index:
            pos = series.index.get_loc(item)
        elif isinstance(item, int | np.integer) and not isinstance(item, bool):
            pos = int(item)
            if not 0 <= pos < len(series):
                raise ValueError(
                    f"rebase position {pos} is outside the series (0..{len(series) - 1})"
                )
        else:
            raise ValueError(f"rebase {item!r} is neither a label of values nor a position")
        flags[pos] = 1
    flags[0] = 0  # a rebase at the first point starts no new group
    return flags


# --------------------------------------------------------------------------------------------
# limits


def _limits(
    y: np.ndarray, group: np.ndarray, fix_after_n_points: int | None, screen_outliers: bool
) -> dict[str, np.ndarray]:
    """Mean, limits and the closeness flags for every point, from its group's baseline."""
    frame = pd.DataFrame({"y": y, "g": group})
    by_group = frame.groupby("g", sort=False)
    position = by_group.cumcount().to_numpy()
    baseline = (
        np.ones(len(y), bool) if fix_after_n_points is None else position < fix_after_n_points
    )
    base_y = frame["y"].where(baseline)
    mean = base_y.groupby(group).transform("mean").to_numpy()

    # moving range between consecutive baseline points of the same group
    mr = (base_y - base_y.shift(1)).abs().where(position > 0)
    amr = mr.groupby(group).transform("mean")
    if screen_outliers:
        # once, not repeatedly; a flat baseline (AMR 0) has nothing to screen
        screened = mr.where((mr < SCREEN * amr) | (amr == 0))
        amr = screened.groupby(group).transform("mean")
    amr = amr.to_numpy()

    lpl, upl = mean - LIMIT * amr, mean + LIMIT * amr
    lower_2sigma, upper_2sigma = mean - LIMIT_2SIGMA * amr, mean + LIMIT_2SIGMA * amr
    outside = (y > upl) | (y < lpl)
    # As the reference code has it: close = not outside and beyond a 2-sigma line, so a point
    # exactly on a process limit is close; one exactly on a 2-sigma line is not.
    close = ~outside & ((y > upper_2sigma) | (y < lower_2sigma))
    return {
        "mean": mean,
        "amr": amr,
        "baseline": baseline,
        "lpl": lpl,
        "upl": upl,
        "lower_2sigma": lower_2sigma,
        "upper_2sigma": upper_2sigma,
        "relative_to_mean": np.sign(y - mean).astype(np.int64),
        "outside_limits": outside,
        "close_to_limits": close,
    }


# --------------------------------------------------------------------------------------------
# special-cause rules


def _run_lengths(key: np.ndarray) -> np.ndarray:
    """For each element, the length of the run of equal consecutive keys it belongs to."""
    if len(key) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[True, key[1:] != key[:-1]]
    run_id = np.cumsum(starts) - 1
    return np.bincount(run_id)[run_id]


def _special_causes(
    y: np.ndarray, group: np.ndarray, pts: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The rule that flags each point (by precedence) and its direction (1 high, -1 low, 0)."""
    n = len(y)
    rtm = pts["relative_to_mean"]
    outside = pts["outside_limits"]
    close = pts["close_to_limits"]
    # A combined key so that no run crosses a group boundary.
    stride = 3  # rtm and step signs are in -1..1

    # Trend: step k joins point k and k+1; steps across a rebase are not steps (0).
    same_group_step = group[1:] == group[:-1]
    step = np.where(same_group_step, np.sign(np.diff(y)), 0).astype(np.int64)
    step_run = _run_lengths(step)
    trend_step = np.where((step != 0) & (step_run >= RUN - 1), step, 0)
    left = np.r_[0, trend_step]  # trend step arriving at each point
    right = np.r_[trend_step, 0]  # trend step leaving each point
    # a point shared by two trends (a peak or trough) takes the direction of the step to its right
    trend_dir = np.where(right != 0, right, left)
    trend = trend_dir != 0

    # Two of three close to a limit: windows of 3 inside one group, >= 2 close, all 3 strictly
    # on one side of the mean; only the close points of such a window are flagged.
    if n >= 3:
        same_group_win = group[2:] == group[:-2]
        n_close = close[:-2].astype(int) + close[1:-1] + close[2:]
        side = rtm[:-2] + rtm[1:-1] + rtm[2:]
        window = same_group_win & (n_close >= 2) & (np.abs(side) == 3)
        padded = np.r_[False, False, window, False, False]
        # point i belongs to windows starting at i-2, i-1 and i
        in_window = padded[:-2] | padded[1:-1] | padded[2:]
        two_of_three = close & in_window
    else:
        two_of_three = np.zeros(n, dtype=bool)

    # Shift: runs of at least 7 points strictly on the same side of the mean, within a group.
    shift = (rtm != 0) & (_run_lengths(group * stride + rtm) >= RUN)

    sc_type = np.select(
        [outside, trend, two_of_three, shift],
        ["outside_limits", "trend", "two_of_three", "shift"],
        default="common_cause",
    ).astype(object)
    direction = np.select(
        [outside, trend, two_of_three | shift], [rtm, trend_dir, rtm], default=0
    ).astype(np.int64)
    return sc_type, direction


def _point_types(sc_type: np.ndarray, direction: np.ndarray, improvement: str) -> np.ndarray:
    if improvement == "neutral":
        special = np.where(direction > 0, "special_cause_neutral_high", "special_cause_neutral_low")
    else:
        better = direction * (1 if improvement == "increase" else -1)
        special = np.where(better > 0, "special_cause_improvement", "special_cause_concern")
    return np.where(sc_type == "common_cause", "common_cause", special).astype(object)


# --------------------------------------------------------------------------------------------
# icons, summary, warnings


def _variation_icon(point_type: str, direction: int, improvement: str) -> str:
    """The Making Data Count variation icon for the last point of the series."""
    if point_type == "common_cause":
        return "common_cause"
    side = "high" if direction > 0 else "low"
    if improvement == "neutral":
        return f"neutral_{side}"
    kind = "improvement" if point_type == "special_cause_improvement" else "concern"
    return f"{kind}_{side}"


def _assurance_icon(points: pd.DataFrame, improvement: str, target: float | None) -> str | None:
    """pass / fail / inconsistent from the target and the latest group's limits (strict)."""
    if target is None or improvement == "neutral":
        return None
    return _assurance(improvement, target, points["lpl"].iat[-1], points["upl"].iat[-1])


def _assurance(improvement: str, target: float, lpl: float, upl: float) -> str:
    increase = improvement == "increase"
    if target > upl:
        return "fail" if increase else "pass"
    if target < lpl:
        return "pass" if increase else "fail"
    return "inconsistent"


def _summary(points: pd.DataFrame, pts: dict[str, np.ndarray]) -> pd.DataFrame:
    frame = points.assign(label=points.index, baseline=pts["baseline"], amr=pts["amr"]).reset_index(
        drop=True
    )
    summary = frame.groupby("rebase_group").agg(
        start=("label", "first"),
        end=("label", "last"),
        n=("value", "size"),
        baseline_n=("baseline", "sum"),
        mean=("mean", "first"),
        amr=("amr", "first"),
        lpl=("lpl", "first"),
        upl=("upl", "first"),
    )
    counts = pd.crosstab(frame["rebase_group"], frame["point_type"])
    kinds = [
        "common_cause",
        "special_cause_improvement",
        "special_cause_concern",
        "special_cause_neutral_high",
        "special_cause_neutral_low",
    ]
    counts = counts.reindex(index=summary.index, columns=kinds, fill_value=0).astype(np.int64)
    return summary.join(counts)


def _warnings(summary: pd.DataFrame) -> list[str]:
    messages = []
    for row in summary.itertuples():  # one row per rebase group, not per point
        where = f"rebase group {row.Index} ({row.start} to {row.end})"
        if row.baseline_n < MIN_POINTS:
            messages.append(
                f"{where}: limits based on fewer than {MIN_POINTS} points ({row.baseline_n})"
            )
        if np.isnan(row.amr):
            messages.append(f"{where}: a single point has no moving range, so no limits")
        elif row.amr == 0:
            messages.append(f"{where}: the baseline does not vary, so the limits equal the mean")
    return messages


# --------------------------------------------------------------------------------------------
# many measures at once


def spc_grouped(
    values: pd.DataFrame,
    improvement: pd.Series | dict[str, str],
    target: pd.Series | dict[str, float] | None = None,
    rebase: pd.DataFrame | None = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    index_name: str | None = None,
) -> dict[str, SPCResult]:
    """`spc()` for many series in one pass: the same results, computed together.

    `values` has columns key, label and value, rows in time order within each key (keys need not
    be contiguous); missing values are dropped as `spc()` drops them. `improvement` maps each key
    to 'increase' / 'decrease' / 'neutral'; `target` maps keys to their target (missing: none);
    `rebase` has columns key and label, one row per point where a new group starts (labels of
    present values, as `Dataset.spc` passes them; others are ignored). Limits,
    special causes and point types are computed for all rows at once (every rule already works
    within a group, and each key's groups are groups of their own); only the result objects are
    assembled per key. Each result's points are indexed by label (named `index_name`). Returns
    {key: SPCResult}, equal to calling `spc()` on each series.
    """
    _check_fix(fix_after_n_points)
    v = values.loc[values["value"].notna(), ["key", "label", "value"]]
    if v.empty:
        return {}
    # stable sort by key keeps each series' own order
    v = v.iloc[np.argsort(pd.factorize(v["key"])[0], kind="stable")].reset_index(drop=True)
    key_code, keys = pd.factorize(v["key"])
    first = np.r_[True, key_code[1:] != key_code[:-1]]
    starts = np.zeros(len(v), dtype=np.int64)
    if rebase is not None and len(rebase):
        marks = pd.MultiIndex.from_frame(rebase[["key", "label"]].astype(object))
        here = pd.MultiIndex.from_arrays([v["key"].astype(object), v["label"].astype(object)])
        starts = here.isin(marks).astype(np.int64)
    starts[first] = 1
    group = np.cumsum(starts) - 1  # one group per (key, rebase group), numbered in row order
    local = group - pd.Series(group).groupby(key_code).transform("min").to_numpy()
    y = v["value"].to_numpy(dtype=float)

    imp = pd.Series(improvement)
    bad = sorted(set(imp.reindex(keys).fillna("?")) - set(IMPROVEMENTS))
    if bad:
        raise ValueError(f"improvement must be one of {IMPROVEMENTS}, not {bad}")
    row_imp = imp.reindex(keys).to_numpy()[key_code]

    pts = _limits(y, group, fix_after_n_points, screen_outliers)
    sc_type, direction = _special_causes(y, group, pts)
    sign = np.select([row_imp == "increase", row_imp == "decrease"], [1, -1], 0)
    neutral = np.where(direction > 0, "special_cause_neutral_high", "special_cause_neutral_low")
    special = np.where(
        sign == 0,
        neutral,
        np.where(direction * sign > 0, "special_cause_improvement", "special_cause_concern"),
    )
    point_type = np.where(sc_type == "common_cause", "common_cause", special).astype(object)

    points = pd.DataFrame(
        {
            "value": y,
            "rebase_group": local,
            "mean": pts["mean"],
            "lpl": pts["lpl"],
            "upl": pts["upl"],
            "lower_2sigma": pts["lower_2sigma"],
            "upper_2sigma": pts["upper_2sigma"],
            "relative_to_mean": pts["relative_to_mean"],
            "outside_limits": pts["outside_limits"],
            "close_to_limits": pts["close_to_limits"],
            "special_cause_type": sc_type,
            "special_cause_direction": direction,
            "point_type": point_type,
        },
        index=pd.Index(v["label"].to_numpy(), name=index_name),
    )
    summaries = _summary_grouped(points, pts, key_code)
    targets = pd.Series(dtype=float) if target is None else pd.Series(target, dtype=object)
    bounds = np.flatnonzero(np.r_[first[1:], True])  # last row of each key
    begin = np.flatnonzero(first)
    lpl, upl = pts["lpl"], pts["upl"]
    imp_of = imp.to_dict()
    target_of = targets.to_dict()
    results = {}
    for code, key in enumerate(keys):  # one result object per series; no work per point here
        last = bounds[code]
        part = points.iloc[begin[code] : last + 1]
        how = str(imp_of[key])
        tgt = _clean_target(target_of.get(key))
        summary, warnings = summaries[code]
        results[key] = SPCResult(
            points=part,
            variation_icon=_variation_icon(point_type[last], direction[last], how),
            assurance_icon=None
            if tgt is None or how == "neutral"
            else _assurance(how, tgt, lpl[last], upl[last]),
            summary=summary,
            warnings=warnings,
            improvement=how,  # type: ignore[arg-type]
            target=tgt,
        )
    return results


def _summary_grouped(
    points: pd.DataFrame, pts: dict[str, np.ndarray], key_code: np.ndarray
) -> list[tuple[pd.DataFrame, list[str]]]:
    """`_summary` and `_warnings` for every key at once, split per key (in key order)."""
    frame = points.assign(
        label=points.index, baseline=pts["baseline"], amr=pts["amr"], key=key_code
    ).reset_index(drop=True)
    summary = frame.groupby(["key", "rebase_group"]).agg(
        start=("label", "first"),
        end=("label", "last"),
        n=("value", "size"),
        baseline_n=("baseline", "sum"),
        mean=("mean", "first"),
        amr=("amr", "first"),
        lpl=("lpl", "first"),
        upl=("upl", "first"),
    )
    kinds = [
        "common_cause",
        "special_cause_improvement",
        "special_cause_concern",
        "special_cause_neutral_high",
        "special_cause_neutral_low",
    ]
    counts = pd.crosstab([frame["key"], frame["rebase_group"]], frame["point_type"])
    counts = counts.reindex(index=summary.index, columns=kinds, fill_value=0).astype(np.int64)
    whole = summary.join(counts)
    whole.columns.name = None
    key = whole.index.get_level_values("key").to_numpy()
    flat = whole.droplevel("key")
    warnings = _warnings_by_row(flat)
    cuts = np.r_[0, np.flatnonzero(key[1:] != key[:-1]) + 1, len(key)]
    return [
        (flat.iloc[a:b], [w for ws in warnings[a:b] for w in ws])
        for a, b in zip(cuts[:-1], cuts[1:], strict=True)
    ]


def _warnings_by_row(summary: pd.DataFrame) -> list[list[str]]:
    """`_warnings` for every row of a summary at once: the messages of each rebase group."""
    where = (
        "rebase group "
        + summary.index.astype(str)
        + " ("
        + summary["start"].astype(str)
        + " to "
        + summary["end"].astype(str)
        + ")"
    ).to_numpy()
    few = (summary["baseline_n"] < MIN_POINTS).to_numpy()
    amr = summary["amr"].to_numpy(dtype=float)
    baseline_n = summary["baseline_n"].to_numpy()
    out: list[list[str]] = [[] for _ in range(len(summary))]
    for i in np.flatnonzero(few | np.isnan(amr) | (amr == 0)):  # only the groups with a warning
        if few[i]:
            out[i].append(
                f"{where[i]}: limits based on fewer than {MIN_POINTS} points ({baseline_n[i]})"
            )
        if np.isnan(amr[i]):
            out[i].append(f"{where[i]}: a single point has no moving range, so no limits")
        elif amr[i] == 0:
            out[i].append(f"{where[i]}: the baseline does not vary, so the limits equal the mean")
    return out


def dataset_spc(dataset: Any, measure_ids: Iterable[str], **options: Any) -> dict[str, SPCResult]:
    """`Dataset.spc(m)` for many measures in one pass (the pack's `_with_spc`).

    The same inputs as `Dataset.spc`: each measure's actuals in time order, its direction from
    its polarity, its target the latest one given for a period with an actual (targeted measures
    only), its rebase points from the `rebases` table.
    """
    ids = list(dict.fromkeys(measure_ids))
    if not ids:
        return {}
    m = dataset.framework.measures.set_index("measure_id")
    a = dataset.actuals
    a = a[a["measure_id"].isin(ids) & a["actual"].notna()]
    t = dataset.targets[["measure_id", "period", "target"]]
    a = a[["measure_id", "period", "start", "end", "actual"]].merge(
        t, on=["measure_id", "period"], how="left"
    )
    a = a.sort_values(["measure_id", "end", "start"], kind="stable")
    targeted = a["measure_id"].map(m["targeted"]).astype(bool)
    latest = a[targeted & a["target"].notna()].groupby("measure_id")["target"].last()
    improvement = m.loc[ids, "polarity"].map(polarity_to_improvement)
    r = dataset.rebases
    rebase = r.loc[r["measure_id"].isin(ids), ["measure_id", "period"]]
    return spc_grouped(
        a.rename(columns={"measure_id": "key", "period": "label", "actual": "value"}),
        improvement,
        latest,
        rebase.rename(columns={"measure_id": "key", "period": "label"}),
        index_name="period",
        **options,
    )
