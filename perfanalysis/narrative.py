"""Figures as a council writes them, and one plain-English sentence per measure.

"70% against a target of 72% (bigger is better): not achieved, 2 points short; down from 71% in
2016/17." The sentence says only what the figures table says: it is built from one row of
`assess()` output, never from the files.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from perfanalysis.framework import UNIT_SUFFIX
from perfanalysis.status import DEFAULT_DECIMALS, Status

__all__ = ["format_value", "format_difference", "polarity_words", "measure_sentence", "sentences"]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _decimals(decimals: Any) -> int:
    return DEFAULT_DECIMALS if _missing(decimals) else int(decimals)


def _number(value: float, decimals: int) -> str:
    text = f"{abs(value):,.{decimals}f}"
    return ("-" if value < 0 and float(text.replace(",", "")) != 0 else "") + text


def format_value(value: Any, unit: str, decimals: Any = None) -> str:
    """A figure with its unit: '70%', '45.9 per 10,000', '346 days', '£1,250', 'no data'."""
    if _missing(value):
        return "no data"
    d = _decimals(decimals)
    if unit == "gbp":
        return ("-£" if value < 0 else "£") + _number(abs(float(value)), d)
    return _number(float(value), d) + UNIT_SUFFIX.get(unit, "")


def format_difference(diff: float, unit: str, decimals: Any = None) -> str:
    """A gap between two figures: '2 points' for percentages, '3 days', '£200', '1.5'."""
    d = _decimals(decimals)
    size = abs(float(diff))
    if unit in ("percent", "milestone"):
        word = "point" if round(size, d) == 1 else "points"
        return f"{_number(size, d)} {word}"
    if unit == "gbp":
        return "£" + _number(size, d)
    if unit == "days":
        return f"{_number(size, d)} day" + ("" if round(size, d) == 1 else "s")
    return _number(size, d)


def polarity_words(polarity: str) -> str:
    """'bigger is better', 'smaller is better' or 'neither bigger nor smaller is better'."""
    return {
        "higher": "bigger is better",
        "lower": "smaller is better",
    }.get(polarity, "neither bigger nor smaller is better")


def measure_sentence(row: pd.Series | dict[str, Any]) -> str:
    """One sentence that says what a measure's figures say, from a row of `assess()`."""
    r = dict(row)
    unit, d = r.get("unit", "count"), r.get("decimals")
    actual, target, tol = r.get("actual"), r.get("target"), r.get("tolerance")
    status = Status(r["status"])
    period = r.get("period") or r.get("reporting_period")
    fmt = lambda v: format_value(v, unit, d)  # noqa: E731

    if status is Status.NO_DATA:
        text = f"No figure has been received for {period}"
        if not _missing(target):
            text += f"; the target is {fmt(target)} ({polarity_words(r['polarity'])})"
        return text + "."
    if status is Status.MEASURED:
        text = f"{fmt(actual)} in {period}: measured only, with no target"
    elif status is Status.NO_TARGET:
        text = f"{fmt(actual)} in {period}: no target has been set for this period"
    else:
        gap = float(r.get("gap") or 0.0)
        text = (
            f"{fmt(actual)} against a target of {fmt(target)} ({polarity_words(r['polarity'])}): "
        )
        if status is Status.ACHIEVED:
            text += "achieved" + (
                f", {format_difference(gap, unit, d)} better than target"
                if round(gap, _decimals(d)) != 0
                else ", exactly on target"
            )
        elif status is Status.WITHIN_TOLERANCE:
            text += (
                f"achieved within the tolerance of {format_difference(tol, unit, d)}, "
                f"{format_difference(gap, unit, d)} short"
            )
        elif status is Status.IMPROVING:
            text += f"improving but not achieved, {format_difference(gap, unit, d)} short"
        else:
            text += f"not achieved, {format_difference(gap, unit, d)} short"
    previous = r.get("previous_actual")
    if not _missing(previous) and not _missing(actual):
        prev_period = r.get("previous_period")
        if round(float(actual) - float(previous), _decimals(d)) == 0:
            text += f"; the same as in {prev_period}"
        else:
            word = "up" if actual > previous else "down"
            text += f"; {word} from {fmt(previous)} in {prev_period}"
    return text + "."


def sentences(assessed: pd.DataFrame) -> pd.Series:
    """The sentence for every measure of an `assess()` frame, aligned with its index."""
    return pd.Series(
        [measure_sentence(r) for r in assessed.to_dict("records")],
        index=assessed.index,
        dtype=object,
    )
