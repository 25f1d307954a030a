"""Figures as a council writes them, and one plain-English sentence per measure.

"70% against a target of 72% (bigger is better): not achieved, 2 points short; down from 71% in
2016/17." The sentence says only what the figures table says: it is built from one row of
`assess()` output, never from the files.

Below the sentences are the words the pages put beside the figures (direction of travel, the
comparison with comparators, the same period last year, the Making Data Count icons, contract
performance, the count-box sentence), as data: a `Cell` is the words with the code a page's
template needs for its symbol and class. The markup is in templates/pages. Internal except
`format_value` and `measure_sentence`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from perfanalysis.framework import UNIT_SUFFIX
from perfanalysis.render import Cell, render_macro, slug, text
from perfanalysis.status import DEFAULT_DECIMALS, Status, box_columns

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


# --------------------------------------------------------------------------- words on the pages
# The words the pages put beside the figures, as plain values and `Cell`s; the templates in
# templates/pages lay them out (the page sections are in `perfanalysis.pages`).


def _fmt(row: pd.Series | dict[str, Any], column: str) -> str:
    """A figure of a figures row as the council writes it ('70%', 'no data')."""
    return format_value(row[column], row["unit"], row["decimals"])


def status_cell(row: pd.Series | dict[str, Any]) -> Cell:
    """A measure's status in the council's words, with its code (the symbol and class)."""
    s = Status(row["status"])
    return Cell(row["status_label"] or s.label, "status", s.value, s.symbol)


_RAG_SYMBOL = {"Red": "\u25a0", "Amber": "\u25b2", "Green": "\u25cf"}


def rag_cell(value: Any) -> Cell:
    """A commissioner's RAG rating as its word; 'Not given' when blank."""
    word = text(value).title()
    if not word:
        return Cell("Not given", "rag", "none")
    return Cell(word, "rag", slug(word), _RAG_SYMBOL.get(word, ""))


_PERF = {
    "Poor": ("\u2718", "perf-poor"),
    "Average": ("\u25b2", "perf-average"),
    "Good": ("\u2714", "perf-good"),
}


def performance_words(value: Any, as_written: Any = None) -> Cell:
    """A contract's performance rating: 'Poor: needs action', 'Average: watch', ... and the
    council's own words when they differ (`note`)."""
    word = "" if value is None or pd.isna(value) else str(value).strip()
    symbol, css = _PERF.get(word, ("", "perf-none"))
    label = {"Poor": "Poor: needs action", "Average": "Average: watch"}.get(
        word, word or "Not rated"
    )
    written = text(as_written)
    return Cell(label, "perf", css, symbol, note="" if written in ("", word) else written)


_DIRECTION_SYMBOL = {
    "better": "\u25b2",
    "worse": "\u25bc",
    "no change": "\u25ac",
    "higher": "\u25b2",
    "lower": "\u25bc",
}


def direction_words(row: pd.Series | dict[str, Any]) -> Cell | str:
    """Direction of travel: 'Better than Q3 2017/18', 'No change from ...', 'Not available'."""
    d = row.get("direction")
    if d is None or pd.isna(d):
        return "Not available"
    if d == "no change":
        return f"No change from {text(row['previous_period'])}"
    words = f"{str(d).capitalize()} than {text(row['previous_period'])}"
    return Cell(words, "dot", slug(d), _DIRECTION_SYMBOL.get(d, ""))


def _box_sentence(row: pd.Series, words: str = "achieved") -> str:
    parts = [f"{row['measures']} measure" + ("s" if row["measures"] != 1 else "")]
    kinds = []
    if row["targeted"]:
        kinds.append(f"{row['targeted']} targeted")
    if row["measured"]:
        kinds.append(f"{row['measured']} measured only")
    text = parts[0] + (": " + " and ".join(kinds) if kinds else "") + "."
    if row["targeted"]:
        of = []
        for col, phrase in (
            *((c, h if words == "rag" else h.lower()) for c, h in box_columns(words)),
            ("no_target", "with no target set"),
            ("no_data", "with no data"),
        ):
            if row[col]:
                of.append(f"{row[col]} {phrase}")
        text += " Of the targeted measures: " + (", ".join(of) or "none assessed") + "."
    return text


_VARIATION_SYMBOL = {
    "common_cause": "\u223c",
    "improvement_high": "\u25b2",
    "improvement_low": "\u25bc",
    "concern_high": "\u25b2",
    "concern_low": "\u25bc",
    "neutral_high": "\u25b2",
    "neutral_low": "\u25bc",
}
_ASSURANCE_SYMBOL = {"pass": "\u2714", "fail": "\u2718", "inconsistent": "\u21c5"}


def icon_words(r: pd.Series | dict[str, Any]) -> Cell:
    """The two Making Data Count icons in words ('Variation: ...; Assurance: ...'); `code` is
    the variation icon, `note` the assurance icon ('' when there is none)."""
    from perfanalysis.spc import ASSURANCE_WORDS, VARIATION_WORDS

    v, a = r.get("variation_icon"), r.get("assurance_icon")
    v = v if isinstance(v, str) else ""
    a = a if isinstance(a, str) else ""
    words = []
    if v:
        words.append(f"Variation: {VARIATION_WORDS[v]}")
    if a:
        words.append(f"Assurance: {ASSURANCE_WORDS[a]}")
    elif v:
        words.append("Assurance: no target to judge")
    return Cell("; ".join(words), "icons", v, note=a)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def comparison_words(r: pd.Series | dict[str, Any]) -> dict[str, Any] | None:
    """Rank, quartile and median among comparators for a figures row; None without a rank."""
    if pd.isna(r.get("rank")) or pd.isna(r.get("quartile")):
        return None
    return {
        "group": text(r["comparator_group"]),
        "rank": _ordinal(int(r["rank"])),
        "rank_of": int(r["rank_of"]),
        "quartile": int(r["quartile"]),
        "median": format_value(r["comparator_median"], r["unit"], r["decimals"]),
    }


def last_year_words(r: pd.Series | dict[str, Any]) -> dict[str, Any] | None:
    """The same period last year (when it is not the previous period); None otherwise."""
    d = r.get("direction_last_year")
    if not isinstance(d, str) or r.get("last_year_period") == r.get("previous_period"):
        return None
    return {
        "period": text(r["last_year_period"]),
        "value": format_value(r["last_year_actual"], r["unit"], r["decimals"]),
        "direction": text(d),
    }


# The HTML of the words above, through the same templates: kept for `report`'s re-exports.
def _direction(row: pd.Series) -> str:
    return render_macro("macros", "cell", direction_words(row))


def performance_cell(value: Any, as_written: Any = None) -> str:
    return render_macro("macros", "cell", performance_words(value, as_written))


def icon_badges(r: pd.Series | dict[str, Any]) -> str:
    return render_macro("macros", "cell", icon_words(r))


def _comparison_line(r: pd.Series) -> str:
    return render_macro("macros", "comparison", comparison_words(r))


def _last_year_line(r: pd.Series) -> str:
    return render_macro("macros", "last_year", last_year_words(r))
