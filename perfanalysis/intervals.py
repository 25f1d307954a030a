"""Confidence intervals and significance against benchmarks, as public-health analysts use them.

OHID's Fingertips (formerly PHE) shows each proportion and rate with a 95% and a 99.8% confidence
interval and says whether an area is *better*, *similar* or *worse* than England or its
comparators. The methods here are the ones its technical guidance prescribes:

* Public Health England, *Technical Guide: Confidence Intervals* (Public Health Data Science,
  version 25 May 2018), Appendix 3, **Wilson score method** for proportions and percentages
  (Wilson 1927; Newcombe and Altman, *Statistics with confidence*, 2nd edn, 2000, pp. 46-48);
* the same guide, Appendix 1, **Byar's method** for counts and crude rates (Breslow and Day,
  *Statistical methods in cancer research* vol. II, IARC 1987), and Appendix 2, the **exact
  method** from the chi-squared (Poisson) distribution for small counts (Armitage and Berry,
  *Statistical methods in medical research*, 4th edn, 2002).

Like OHID's reference R package, PHEindicatormethods (`phe_proportion`, `phe_rate`,
`byars_lower`, `byars_upper`), the exact method is used when the count is below 10 and Byar's
method from 10 events upward; the guide notes Byar's is within 0.2% of the exact limit there.

Every function takes one value or arrays (pandas Series, numpy arrays, lists) and computes all
rows at once. A missing input gives a missing result; a wrong one raises `IntervalError`.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from perfanalysis.errors import PerfanalysisError

__all__ = [
    "IntervalError",
    "EXACT_BELOW",
    "UNIT_MULTIPLIER",
    "check_counts",
    "normalise_confidence",
    "proportion_ci",
    "rate_ci",
    "significance",
    "with_intervals",
    "INTERVAL_COLUMNS",
]

#: Counts below this get the exact (chi-squared) limits; from here on, Byar's approximation.
EXACT_BELOW = 10

#: The multiplier behind each unit that is a share or a rate (numerator / denominator x this).
UNIT_MULTIPLIER: dict[str, int] = {
    "percent": 100,
    "rate_per_1000": 1_000,
    "rate_per_10000": 10_000,
    "rate_per_100000": 100_000,
}

#: The columns `with_intervals` adds to the figures table, in order.
INTERVAL_COLUMNS = [
    "numerator",
    "denominator",
    "ci_method",
    "ci95_lower",
    "ci95_upper",
    "ci998_lower",
    "ci998_upper",
    "ci_note",
    "england_value",
    "vs_england",
    "region_area",
    "region_value",
    "vs_region",
    "vs_comparators",
]


class IntervalError(PerfanalysisError, ValueError):
    """Counts or a confidence level that no interval can be computed from."""


# --------------------------------------------------------------------------------------------
# inputs


def normalise_confidence(confidence: float) -> float:
    """0.95 or 95 -> 0.95; 0.998 or 99.8 -> 0.998. Must lie in [0.9, 1) once normalised.

    A level above 1 is read as a percentage (as PHEindicatormethods does). 100% is refused: its
    interval is unbounded.
    """
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise IntervalError(
            f"confidence must be a number such as 0.95 or 95, not {confidence!r}"
        ) from None
    level = c / 100 if c > 1 else c
    if not (0.9 <= level < 1):
        raise IntervalError(
            f"confidence must be between 0.9 and 1 (or 90 and 100), not {confidence!r}; "
            "use 0.95 or 0.998 as Fingertips does"
        )
    return level


def _z(level: float) -> float:
    """The two-sided standard normal quantile: 1.959964 for 95%, 3.090232 for 99.8%."""
    return NormalDist().inv_cdf(level + (1 - level) / 2)


def _numbers(values: Any, name: str) -> np.ndarray:
    """A float array from a scalar or an array-like; text that is not a number is refused."""
    try:
        out = pd.to_numeric(pd.Series(np.ravel(np.asarray(values, dtype=object))), errors="raise")
    except (TypeError, ValueError):
        raise IntervalError(f"{name} must be numbers, not {values!r}") from None
    return out.to_numpy(dtype=float)


def _index(*values: Any) -> pd.Index | None:
    """Keep the index of the first pandas input so results line up with the caller's rows."""
    for v in values:
        if isinstance(v, pd.Series | pd.Index):
            return v.index if isinstance(v, pd.Series) else None
    return None


def _pair(numerator: Any, denominator: Any, names: tuple[str, str]) -> tuple[np.ndarray, ...]:
    x, n = _numbers(numerator, names[0]), _numbers(denominator, names[1])
    if x.size != n.size:
        if x.size == 1:
            x = np.full(n.size, x[0])
        elif n.size == 1:
            n = np.full(x.size, n[0])
        else:
            raise IntervalError(
                f"{names[0]} and {names[1]} differ in length ({x.size} and {n.size})"
            )
    bad = x < 0
    if bad.any():
        raise IntervalError(
            f"{names[0]} must not be negative: {x[bad][0]:g} (row {int(np.argmax(bad)) + 1})"
        )
    bad = n <= 0
    if bad.any():
        raise IntervalError(
            f"{names[1]} must be greater than zero: {n[bad][0]:g} (row {int(np.argmax(bad)) + 1})"
        )
    if not np.isfinite(x[~np.isnan(x)]).all() or not np.isfinite(n[~np.isnan(n)]).all():
        raise IntervalError(f"{names[0]} and {names[1]} must be finite numbers")
    return x, n


def _frame(value: np.ndarray, lower: np.ndarray, upper: np.ndarray, index: Any) -> pd.DataFrame:
    frame = pd.DataFrame({"value": value, "lower": lower, "upper": upper})
    if index is not None and len(index) == len(frame):
        frame.index = index
    return frame


# --------------------------------------------------------------------------------------------
# proportions


def proportion_ci(
    numerator: Any, denominator: Any, confidence: float = 0.95, multiplier: float = 1
) -> pd.DataFrame:
    """A proportion (x / n x multiplier) with its Wilson score confidence interval.

    Source: PHE *Technical Guide: Confidence Intervals* (2018), Appendix 3, Wilson score method
    (Wilson 1927; Newcombe and Altman 2000), as PHEindicatormethods' `wilson_lower` and
    `wilson_upper` compute it. With x cases out of n and z the two-sided normal quantile
    (1.959964 at 95%, 3.090232 at 99.8%)::

        lower = (2x + z^2 - z * sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))
        upper = (2x + z^2 + z * sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))

    then each is multiplied by `multiplier` (100 for a percentage). The interval stays within
    0..1 and is defined at x = 0 and x = n.

    Returns a DataFrame with columns value, lower, upper, one row per input (the index of a
    pandas input is kept). Raises IntervalError for a negative numerator, a denominator that is
    not above zero, a numerator above its denominator, or a confidence level outside 0.9-1.
    """
    level = normalise_confidence(confidence)
    x, n = _pair(numerator, denominator, ("numerator", "denominator"))
    over = x > n
    if over.any():
        i = int(np.argmax(over))
        raise IntervalError(
            f"numerator {x[i]:g} is above its denominator {n[i]:g} (row {i + 1}): "
            "a proportion cannot exceed 1"
        )
    z = _z(level)
    centre = 2 * x + z**2
    spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
    # at x = 0 and x = n the limits are exactly 0 and 1; clip the last bit of rounding error
    lower = np.clip((centre - spread) / (2 * (n + z**2)), 0, 1) * float(multiplier)
    upper = np.clip((centre + spread) / (2 * (n + z**2)), 0, 1) * float(multiplier)
    return _frame(x / n * float(multiplier), lower, upper, _index(numerator, denominator))


# --------------------------------------------------------------------------------------------
# rates and counts


def rate_ci(
    count: Any, denominator: Any, multiplier: float = 100_000, confidence: float = 0.95
) -> pd.DataFrame:
    """A crude rate (count / denominator x multiplier) with its confidence interval.

    Source: PHE *Technical Guide: Confidence Intervals* (2018), as PHEindicatormethods'
    `phe_rate` computes it. For O observed events and z the two-sided normal quantile:

    * O >= 10, Byar's method (Appendix 1; Breslow and Day 1987)::

          lower = O (1 - 1/(9 O) - z / (3 sqrt(O)))^3
          upper = (O + 1) (1 - 1/(9 (O + 1)) + z / (3 sqrt(O + 1)))^3

    * O < 10, the exact Poisson limits from the chi-squared distribution (Appendix 2; Armitage
      and Berry 2002), with a = 1 - confidence::

          lower = chi2_inv(a / 2, 2 O) / 2        (0 when O = 0)
          upper = chi2_inv(1 - a / 2, 2 O + 2) / 2

    Each limit is then divided by the denominator and multiplied by `multiplier`. The count may be
    above the denominator (a rate, not a share). For a plain count with its interval, give a
    denominator and multiplier of 1.

    Returns a DataFrame with columns value, lower, upper, one row per input. Raises IntervalError
    for a negative count, a denominator that is not above zero or a confidence outside 0.9-1.
    """
    level = normalise_confidence(confidence)
    o, n = _pair(count, denominator, ("count", "denominator"))
    lower, upper = _count_limits(o, level)
    m = np.asarray(multiplier, dtype=float)
    return _frame(o / n * m, lower / n * m, upper / n * m, _index(count, denominator))


def _count_limits(o: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits for observed counts: exact below EXACT_BELOW events, Byar's from there on."""
    from scipy.special import gammaincinv  # imported here: only rates need it

    z = _z(level)
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        byars_lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        byars_upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    # chi2_inv(p, 2k) / 2 is the gamma(k, 1) quantile, which scipy gives directly
    small = np.where(np.isnan(o), np.nan, np.minimum(o, EXACT_BELOW))
    exact_lower = np.where(small > 0, gammaincinv(np.maximum(small, 1e-300), alpha / 2), 0.0)
    exact_upper = gammaincinv(small + 1, 1 - alpha / 2)
    exact = o < EXACT_BELOW
    lower = np.where(np.isnan(o), np.nan, np.where(exact, exact_lower, byars_lower))
    upper = np.where(np.isnan(o), np.nan, np.where(exact, exact_upper, byars_upper))
    return lower, upper


# --------------------------------------------------------------------------------------------
# significance

_WORDS = {
    "higher": ("better", "worse"),
    "lower": ("worse", "better"),
    "neutral": ("higher", "lower"),
}


def significance(lower: Any, upper: Any, benchmark: Any, polarity: Any) -> Any:
    """Better, similar or worse than a benchmark, judged by the area's confidence interval.

    As Fingertips compares an area with England: if the benchmark lies inside the interval (its
    bounds included) the area is 'similar'; if the whole interval is above the benchmark the area
    is 'better' where higher is better and 'worse' where lower is better; below, the reverse.
    For a neutral measure the words are 'higher' and 'lower'. Any missing input gives None.

    Scalars in, one word out; arrays in, a numpy array (a Series when a Series came in).
    """
    index = _index(lower, upper, benchmark)
    scalar = all(np.ndim(v) == 0 for v in (lower, upper, benchmark, polarity))
    lo, hi, b = (
        _numbers(v, name)
        for v, name in ((lower, "lower"), (upper, "upper"), (benchmark, "benchmark"))
    )
    size = max(lo.size, hi.size, b.size)
    pol = np.ravel(np.asarray(polarity, dtype=object))
    lo, hi, b, pol = (np.broadcast_to(a, (size,)) if a.size == 1 else a for a in (lo, hi, b, pol))
    if not lo.size == hi.size == b.size == pol.size:
        raise IntervalError("lower, upper, benchmark and polarity differ in length")
    pol_text = pd.Series(pol).astype(str).str.strip().str.lower().to_numpy()
    unknown = sorted(set(pol_text) - set(_WORDS))
    if unknown:
        raise IntervalError(
            f"polarity must be 'higher', 'lower' or 'neutral', not {', '.join(unknown)}"
        )
    bad = lo > hi
    if bad.any():
        i = int(np.argmax(bad))
        raise IntervalError(f"lower bound {lo[i]:g} is above upper bound {hi[i]:g} (row {i + 1})")
    above_words = np.array([_WORDS[p][0] for p in pol_text], dtype=object)
    below_words = np.array([_WORDS[p][1] for p in pol_text], dtype=object)
    missing = np.isnan(lo) | np.isnan(hi) | np.isnan(b)
    out = np.select(
        [missing, b < lo, b > hi], [None, above_words, below_words], default="similar"
    ).astype(object)
    out[missing] = None
    if scalar:
        return out[0]
    if index is not None and len(index) == len(out):
        return pd.Series(out, index=index, dtype=object)
    return out


# --------------------------------------------------------------------------------------------
# the gate: do the counts agree with the figure?


def check_counts(frame: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """Rows whose counts contradict their figure: one row per problem, with a `problem` column.

    `frame` has measure_id, actual, numerator and denominator (an actuals or benchmarks table;
    counts may be numbers or the text cells the loader reads, e.g. "1,045"; a `value` column is
    read when there is no `actual`); `measures` has
    measure_id, unit and decimals. Only rows that give both counts and whose unit is a share or a
    rate (`UNIT_MULTIPLIER`) are checked:

    * the figure must equal numerator / denominator x the unit's multiplier at the measure's
      decimals (|figure - computed| <= half a unit in the last printed place);
    * for percentages, 0 <= numerator <= denominator; for every unit, the denominator is above 0
      and the numerator not negative.

    Returns the offending rows of `frame` (index kept) plus `expected` (the computed figure) and
    `problem` (a sentence naming the rule). Empty when every row agrees.
    """
    figure_col = "actual" if "actual" in frame.columns else "value"
    f = _counts(frame)  # text cells as the loader reads numbers ("1,045", blank, n/a)
    f["measure_id"] = frame["measure_id"]
    f[figure_col] = pd.to_numeric(frame[figure_col], errors="coerce")
    m = measures.drop_duplicates("measure_id").set_index("measure_id")
    unit = f["measure_id"].map(m["unit"])
    decimals = pd.to_numeric(f["measure_id"].map(m["decimals"]), errors="coerce")
    decimals = decimals.fillna(1).astype(float)
    mult = unit.map(UNIT_MULTIPLIER).astype(float)
    x, n, actual = f["numerator"], f["denominator"], f[figure_col]
    both = x.notna() & n.notna() & mult.notna()
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = x / n * mult
    half = 0.5 * 10.0 ** (-decimals)
    negative = both & (x < 0)
    no_base = both & ~negative & (n <= 0)
    over = both & ~negative & ~no_base & (unit == "percent") & (x > n)
    mismatch = (
        both
        & ~(negative | no_base | over)
        & actual.notna()
        & ((actual - expected).abs() > half * (1 + 1e-9))
    )
    d_text = decimals.astype(int).astype(str)
    problem = np.select(
        [negative, no_base, over, mismatch],
        [
            "numerator must not be negative",
            "denominator must be greater than zero",
            "numerator is above the denominator, so the percentage would exceed 100",
            "the figure does not equal numerator / denominator x "
            + mult.fillna(0).astype(int).astype(str)
            + " at "
            + d_text
            + " decimal place(s)",
        ],
        default="",
    )
    bad = pd.Series(problem != "", index=f.index)
    out = frame.loc[bad].copy()
    out["expected"] = expected[bad]
    out["problem"] = pd.Series(problem, index=f.index)[bad]
    return out


# --------------------------------------------------------------------------------------------
# the pack's figures


def _counts(table: pd.DataFrame) -> pd.DataFrame:
    """numerator and denominator as numbers (blank, n/a and thousands commas understood)."""
    from perfanalysis.dataset import parse_numbers

    out = pd.DataFrame(index=table.index)
    for col in ("numerator", "denominator"):
        if col not in table.columns:
            out[col] = np.nan
        elif pd.api.types.is_numeric_dtype(table[col]):
            out[col] = table[col].astype(float)
        else:
            out[col] = parse_numbers(table[col].fillna(""))[0]
    return out


def _intervals_for(
    unit: pd.Series, x: pd.Series, n: pd.Series, level: float
) -> tuple[np.ndarray, np.ndarray, pd.Series, pd.Series]:
    """Lower and upper limits for rows with valid counts; which rows were usable and why not."""
    mult = unit.map(UNIT_MULTIPLIER).astype(float)
    given = x.notna() & n.notna()
    share = unit == "percent"
    valid = given & mult.notna() & (x >= 0) & (n > 0) & ~(share & (x > n))
    lower = np.full(len(x), np.nan)
    upper = np.full(len(x), np.nan)
    pos = np.flatnonzero((valid & share).to_numpy())
    if pos.size:
        ci = proportion_ci(x.iloc[pos].to_numpy(), n.iloc[pos].to_numpy(), level, 100)
        lower[pos], upper[pos] = ci["lower"].to_numpy(), ci["upper"].to_numpy()
    pos = np.flatnonzero((valid & ~share).to_numpy())
    if pos.size:
        ci = rate_ci(
            x.iloc[pos].to_numpy(), n.iloc[pos].to_numpy(), mult.iloc[pos].to_numpy(), level
        )
        lower[pos], upper[pos] = ci["lower"].to_numpy(), ci["upper"].to_numpy()
    return lower, upper, valid, given


def with_intervals(dataset: Any, figures: pd.DataFrame) -> pd.DataFrame:
    """The figures table with intervals and the comparison with England, region and comparators.

    For each measure whose figure has a numerator and denominator (in `actuals`) and whose unit is
    a percentage (Wilson score) or a rate per 1,000 / 10,000 / 100,000 (Byar's, exact below 10
    events): the 95% (`ci95_lower`, `ci95_upper`) and 99.8% (`ci998_lower`, `ci998_upper`)
    limits. With the 95% interval, polarity-aware words (`significance`) against the England
    value (`benchmarks` rows of kind `national`), the region's (kind `regional`, named in
    `region_area`) and the comparator group median (`comparator_median`, which `prepare`
    computes first). `ci_note` says why a measure has no interval. Returns a new frame.
    """
    f = figures.copy()
    a = dataset.actuals
    counts = pd.concat([a[["measure_id", "period"]], _counts(a)], axis=1)
    counts = counts.drop_duplicates(["measure_id", "period"])
    f = f.drop(columns=[c for c in ("numerator", "denominator") if c in f.columns])
    f = f.merge(counts, on=["measure_id", "period"], how="left")
    x, n, unit = f["numerator"], f["denominator"], f["unit"]

    lo95, hi95, valid, given = _intervals_for(unit, x, n, 0.95)
    lo998, hi998, _, _ = _intervals_for(unit, x, n, 0.998)
    f["ci_method"] = np.where(
        valid,
        np.where(
            unit == "percent", "Wilson score", np.where(x < EXACT_BELOW, "exact Poisson", "Byar's")
        ),
        None,
    )
    f["ci95_lower"], f["ci95_upper"] = lo95, hi95
    f["ci998_lower"], f["ci998_upper"] = lo998, hi998
    f["ci_note"] = np.select(
        [valid, f["actual"].isna(), unit.map(UNIT_MULTIPLIER).isna(), ~given],
        [
            "",
            "no figure for the period",
            "an interval is computed only for percentages and rates",
            "no numerator and denominator given",
        ],
        default="the numerator and denominator cannot give an interval (see data quality)",
    )

    b = dataset.benchmarks
    kind = b["kind"].astype(str).str.strip().str.lower() if "kind" in b.columns else None
    for name, value_col, area_col in (
        ("national", "england_value", None),
        ("regional", "region_value", "region_area"),
    ):
        rows = b[kind == name] if kind is not None else b.iloc[0:0]
        rows = rows.drop_duplicates(["measure_id", "period"])
        lookup = rows.set_index(["measure_id", "period"])
        keys = pd.MultiIndex.from_frame(f[["measure_id", "period"]])
        f[value_col] = pd.to_numeric(lookup["value"], errors="coerce").reindex(keys).to_numpy()
        if area_col:
            f[area_col] = lookup["area"].reindex(keys).to_numpy()
    polarity = f["polarity"]
    f["vs_england"] = significance(f["ci95_lower"], f["ci95_upper"], f["england_value"], polarity)
    f["vs_region"] = significance(f["ci95_lower"], f["ci95_upper"], f["region_value"], polarity)
    median = f["comparator_median"] if "comparator_median" in f else np.nan
    f["vs_comparators"] = significance(f["ci95_lower"], f["ci95_upper"], median, polarity)
    f.index = figures.index
    return f


def history_intervals(dataset: Any, measure_id: str, history: pd.DataFrame) -> pd.DataFrame:
    """A measure's history (`Dataset.history`) with its 95% limits where the period has counts."""
    a = dataset.actuals
    mine = a[a["measure_id"] == measure_id]
    counts = pd.concat([mine[["period"]], _counts(mine)], axis=1).drop_duplicates("period")
    h = history.drop(columns=[c for c in ("numerator", "denominator") if c in history.columns])
    h = h.merge(counts, on="period", how="left")
    units = dataset.framework.measures.set_index("measure_id")["unit"]
    unit = pd.Series(units.get(measure_id, ""), index=h.index)
    lower, upper, _, _ = _intervals_for(unit, h["numerator"], h["denominator"], 0.95)
    h["ci95_lower"], h["ci95_upper"] = lower, upper
    h.index = history.index
    return h


_PHRASE = {
    "better": "better than",
    "worse": "worse than",
    "similar": "similar to",
    "higher": "higher than",
    "lower": "lower than",
}


def comparison_sentence(r: pd.Series | dict[str, Any]) -> str:
    """The strategy page's interval line for one figure row, as HTML (one <p>, or "").

    E.g. "95% confidence interval 42.5 to 49.5 per 10,000; better than England (64.0 per 10,000),
    similar to the East Midlands (48.0 per 10,000)". A measure with a figure but no interval says
    why.
    """
    from perfanalysis.narrative import format_value
    from perfanalysis.render import esc

    note = r.get("ci_note")
    if isinstance(note, str) and note:
        if note == "no figure for the period":
            return ""
        return f'<p class="interval interval-none">No confidence interval: {esc(note)}.</p>'
    lower, upper = r.get("ci95_lower"), r.get("ci95_upper")
    if lower is None or pd.isna(lower) or pd.isna(upper):
        return ""
    unit = str(r.get("unit", ""))
    d = r.get("decimals")
    d = 1 if d is None or pd.isna(d) else max(int(d), 1)

    def fmt(v: Any) -> str:
        return format_value(float(v), unit, d)

    parts = []
    for words, value, name in (
        (r.get("vs_england"), r.get("england_value"), "England"),
        (r.get("vs_region"), r.get("region_value"), f"the {r.get('region_area')}"),
        (r.get("vs_comparators"), r.get("comparator_median"), "the comparator group median"),
    ):
        if isinstance(words, str) and words in _PHRASE:
            parts.append(f"{_PHRASE[words]} {name} ({fmt(value)})")
    # "69.0% to 71.0%", but "42.5 to 49.5 per 10,000" (the unit once)
    low = fmt(lower) if unit == "percent" else format_value(float(lower), "score", d)
    text = f"95% confidence interval {low} to {fmt(upper)}"
    if parts:
        text += "; " + ", ".join(parts)
    return f'<p class="interval">{esc(text)}.</p>'
