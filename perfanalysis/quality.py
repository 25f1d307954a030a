"""The data-quality gate: every input is checked before any figure is computed.

`validate(raw, period)` returns a `QualityResult`: one `Check` per rule with its severity
(`error` blocks publication, `warning` is published on the data-quality page), how many rows it
looked at, how many failed, and the first failing rows with their values.

The rules are great-expectations suites kept as JSON in `expectations/<table>.json`, one per
table of the format plus `dataset` (dataset.yaml). Each expectation's `meta` gives its
`severity` and its `rule` in plain words. What a suite cannot say on its own is filled in here,
at validation time (docs/data-quality.md explains each):

- derived columns, named `<column>__<what>`, added to the frame a suite validates: whether a
  number or a period parses (by the loader's own `parse_numbers` and `Period.parse`, so the gate
  and the loader apply one rule), whether an id names a row of its parent table (foreign keys),
  the canonical period, a figure's value for range checks, completeness for the period;
- `{period}` and `{reporting_years}` in a rule: replaced by the values checked against;
- `meta.needs` ("period", "reporting_years"): the expectation runs only when that is given;
- `meta.column`: the column a person is told about, when the expectation reads a derived one.

The suites are the rule book, stated once, and evaluated by two engines that give the same
result on every case (tests/test_rule_engines.py holds them together):

- `engine="pandas"` (the default, the hot path of `perfanalysis validate`, `perfanalysis run`
  and the loader `dataset.build`): each expectation type is evaluated as a vectorised pandas
  expression, without importing great-expectations (whose import alone takes seconds);
- `engine="gx"`: great-expectations itself validates the suites, in an ephemeral context (no
  `gx/` folder, no usage statistics, no progress bars), imported on the first call only.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import warnings
from collections.abc import Callable
from copy import deepcopy
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfanalysis import dataset as _dataset
from perfanalysis.dataset import RawDataset, parse_numbers, parse_numbers_with_percent
from perfanalysis.errors import DataError, DatasetError
from perfanalysis.framework import FREQUENCY_NAMES, PERIOD_TABLES, POLARITIES, TABLES
from perfanalysis.periods import FREQUENCIES, Period, fit_to_kind

__all__ = ["Check", "QualityResult", "validate", "validate_path", "evaluate",
           "raise_first_error", "load_suite", "SUITES", "EXPECTATIONS_DIR", "ENGINES"]  # fmt: skip

#: The two evaluators of the suites: vectorised pandas (hot path) and great-expectations.
ENGINES = ("pandas", "gx")

#: Where the suites live: inside the installed package (see perfanalysis.resources).
EXPECTATIONS_DIR = __import__("perfanalysis.resources").resources.expectations_dir()
#: One suite per table of the format, and `dataset` for dataset.yaml; validated in this order.
SUITES = ("dataset", *TABLES)
#: Units whose figures are shares of 100, and units whose figures cannot be negative.
PERCENT_UNITS = ("percent", "milestone")
NON_NEGATIVE_UNITS = ("count", "rate_per_1000", "rate_per_10000", "rate_per_100000", "days",
                      "ratio")  # fmt: skip
#: How many failing rows a check keeps as examples.
EXAMPLES = 5

#: Foreign keys: (table, column) -> (parent table, parent column); derived `<column>__in_<parent>`.
FOREIGN_KEYS = {
    ("strategies", "theme_id"): ("themes", "theme_id"),
    ("outcomes", "strategy_id"): ("strategies", "strategy_id"),
    ("measures", "strategy_id"): ("strategies", "strategy_id"),
    ("measures", "outcome_id"): ("outcomes", "outcome_id"),
    **{(t, "measure_id"): ("measures", "measure_id")
       for t in ("targets", "actuals", "rebases", "benchmarks")},
    **{(t, "strategy_id"): ("strategies", "strategy_id") for t in ("highlights", "contracts")},
}  # fmt: skip

_TIME_OF_DAY = re.compile(r".*\d:\d\d.*")  # period labels never hold a time of day


class SuiteError(RuntimeError):
    """An expectation suite file is wrong: a fault of ours, never of the data."""


# --------------------------------------------------------------------------- results
@dataclass
class Check:
    """One rule applied to one table (and column): did it pass, and where did it fail."""

    table: str
    column: str | None
    rule: str
    severity: str  # "error" or "warning"
    success: bool
    checked: int = 0
    failed: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)  # {"row": 12, "value": "x"}
    expectation: str = ""
    file: str | None = None


@dataclass
class QualityResult:
    """Every check made on a dataset, and how long they took."""

    checks: list[Check]
    seconds: float = 0.0
    period: str | None = None

    @property
    def errors(self) -> int:
        return sum(1 for c in self.checks if not c.success and c.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for c in self.checks if not c.success and c.severity == "warning")

    def counts(self) -> dict[str, int]:
        return {"checks": len(self.checks), "passed": sum(c.success for c in self.checks),
                "errors": self.errors, "warnings": self.warnings}  # fmt: skip

    def failures(self) -> pd.DataFrame:
        rows = [asdict(c) for c in self.checks if not c.success]
        return pd.DataFrame(rows, columns=list(Check.__dataclass_fields__))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without timings (so two runs on the same data give the same record)."""
        return {**self.counts(), "period": self.period,
                "checks": [asdict(c) for c in self.checks]}  # fmt: skip


# --------------------------------------------------------------------------- suites
@cache
def _suite_text(name: str) -> str:
    path = EXPECTATIONS_DIR / f"{name}.json"
    if not path.is_file():
        raise SuiteError(f"the expectation suite {path} is missing")
    return path.read_text(encoding="utf-8")


def load_suite(name: str) -> dict[str, Any]:
    """The suite `expectations/<name>.json` as written (a fresh copy each call)."""
    suite = json.loads(_suite_text(name))
    for i, exp in enumerate(suite.get("expectations", [])):
        meta = exp.get("meta") or {}
        if meta.get("severity") not in ("error", "warning") or not meta.get("rule"):
            raise SuiteError(f"expectations/{name}.json, expectation {i + 1} ({exp.get('type')}): "
                             "meta needs severity 'error' or 'warning' and a rule")  # fmt: skip
    return suite


# --------------------------------------------------------------------------- reading
def _problem(
    table: str,
    message: str,
    file: str | None = None,
    row: int | None = None,
    value: Any = None,
    column: str | None = None,
) -> Check:
    examples = [{"row": row, "value": value}] if row is not None else []
    return Check(table, column, message, "error", False, checked=1, failed=1, examples=examples,
                 expectation="read", file=file)  # fmt: skip


def _read_problem(raw: RawDataset, exc: DatasetError, severity: str = "error") -> Check:
    """A problem met while reading, as a failed check naming its table, file, row and column."""
    if isinstance(exc, DataError):
        file = Path(exc.file).name if exc.file else None  # the name, as the gate shows files
        check = _problem(exc.table, exc.reason, file, exc.row, exc.value, exc.column)
    else:
        text = str(exc)
        table, file = "dataset", None
        for name in TABLES:
            if re.search(rf"\b{name}\.csv\b", text):
                table, file = name, f"{name}.csv"
                break
            sheet = re.search(r"sheet '([^']+)'", text)
            if sheet and sheet[1].strip().lower() == name:
                table, file = name, f"{raw.path.name}[{sheet[1]}]"
                break
        if file is None and raw.path.is_file():
            file = raw.path.name
        elif file is None and "dataset.yaml" in text:
            file = "dataset.yaml"
        check = _problem(table, text, file)
    check.severity = severity
    return check


# --------------------------------------------------------------------------- derived columns
def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as a person wrote it, blanks as missing values, and its row numbers."""
    out = frame.copy(deep=False)  # each column is replaced, not changed in place
    for col in out.columns:
        if col != "_row":
            s = out[col].astype("str")
            out[col] = s.mask(s == "")
    return out.reset_index(drop=True)


def _truth(values: Any, index: pd.Index) -> np.ndarray:
    """A new boolean array, one per row of `index`: missing is False."""
    if isinstance(values, np.ndarray) and values.dtype == bool:
        return values.copy()
    if not isinstance(values, pd.Series):
        values = pd.Series(values, index=index)
    elif not values.index.equals(index):
        values = values.reindex(index)
    if values.dtype != bool:
        values = values.fillna(False)
    return values.to_numpy(dtype=bool, copy=True)


def _flags(true: pd.Series, applies: pd.Series) -> pd.Series:
    """True/False where a check applies, missing (not checked) elsewhere: a nullable boolean."""
    index = applies.index
    out = pd.arrays.BooleanArray(_truth(true, index), ~_truth(applies, index))
    return pd.Series(out, index=index)


def _lookup(keys: pd.Series, table: pd.Series,
            factorized: tuple[np.ndarray, Any] | None = None) -> pd.Series:  # fmt: skip
    """`table[key]` for each key (NaN where absent), mapped once per distinct key.

    `factorized` is `pd.factorize(keys)` when the caller has it already (`_Context.factorize`).
    """
    codes, uniques = factorized if factorized is not None else pd.factorize(keys)
    table = pd.Series(table.to_numpy(dtype=object), index=table.index.astype(object))
    found = pd.Series(np.asarray(uniques, dtype=object)).map(table).to_numpy(dtype=object)
    out = np.empty(len(keys), dtype=object)
    out[:] = None
    hit = codes >= 0
    out[hit] = found[codes[hit]]
    return pd.Series(out, index=keys.index, dtype=object)


def _object_isin(values: Any, known: Any) -> np.ndarray:
    """Whether each of `values` is in `known`, compared as Python objects in one hash table.

    Kept as object dtype on purpose: an index of strings would otherwise become an Arrow string
    array, whose `isin` builds an Arrow scalar for each known value in a Python loop (0.3 s of
    loading 600,000 rows with 15,000 measure ids known).
    """
    return pd.Index(np.asarray(values, dtype=object), dtype=object).isin(
        np.asarray(known, dtype=object)
    )


def _isin(values: pd.Series, known: Any,
          factorized: tuple[np.ndarray, Any] | None = None) -> pd.Series:  # fmt: skip
    """values.isin(known), tested once per distinct value (`factorized` as for `_lookup`)."""
    codes, uniques = factorized if factorized is not None else pd.factorize(values)
    known = known.to_numpy(dtype=object) if isinstance(known, pd.Series) else list(known)
    ok = _object_isin(uniques, known)
    out = np.zeros(len(values), dtype=bool)
    hit = codes >= 0
    out[hit] = ok[codes[hit]]
    return pd.Series(out, index=values.index)


def _first(frame: pd.DataFrame, key: str, value: str) -> pd.Series:
    """`value` by `key` (first row of each key), from a text frame; empty if not available."""
    if frame is None or key not in frame.columns or value not in frame.columns:
        return pd.Series(dtype=object)
    rows = frame[[key, value]].dropna(subset=[key]).drop_duplicates(key)
    return pd.Series(rows[value].to_numpy(), index=rows[key].to_numpy())


@dataclass
class _Context:
    """What the derived columns and placeholders of one validation depend on."""

    period: str | None
    reporting: Period | None
    years: tuple[int, int] | None  # first and last financial year (April of)
    years_text: str | None
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    periods: dict[str, pd.DataFrame] = field(default_factory=dict)  # table -> label/start/end
    # table -> (each row's code, the label of each code, the kind of each code)
    period_codes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    # (table, column) -> parse_numbers_with_percent: values, bad, % sign
    numbers: dict[tuple[str, str], tuple[pd.Series, pd.Series, np.ndarray]] = field(
        default_factory=dict
    )
    codes: dict[tuple[str, str], tuple[np.ndarray, Any]] = field(default_factory=dict)
    by_measure: dict[tuple[str, str], pd.Series] = field(default_factory=dict)  # per row
    of_measures: dict[str, pd.Series] = field(default_factory=dict)  # per measure id

    def of_measure(self, column: str) -> pd.Series:
        """measures.<column> by measure_id (`_first`), once per validation."""
        if column not in self.of_measures:
            measures = self.frames.get("measures")
            self.of_measures[column] = _first(measures, "measure_id", column)
        return self.of_measures[column]

    def factorize(self, table: str, column: str) -> tuple[np.ndarray, Any]:
        """pd.factorize of a text column (measure_id: read by many checks), once per validation."""
        if (table, column) not in self.codes:
            self.codes[table, column] = pd.factorize(self.frames[table][column])
        return self.codes[table, column]

    def coded(self, table: str, column: str, values: pd.Series) -> tuple[np.ndarray, int]:
        """Each row's code in `values` (-1 for a blank) and the number of codes, for a check
        that compares rows. measure_id is coded once per validation; a period label comes from
        the codes its parse made (one per distinct period as written); others are coded here.
        """
        if table in self.frames and column in self.frames[table].columns:  # a text column
            codes, uniques = self.factorize(table, column)
            return codes, len(uniques)
        if column == "period__label" and table in self.period_codes:
            rows, label_of, _ = self.period_codes[table]
            label_codes, labels = pd.factorize(label_of)  # None (no label) -> -1
            return label_codes[rows], len(labels)
        codes, uniques = pd.factorize(values)
        return codes, len(uniques)

    def parsed(self, table: str, column: str) -> tuple[pd.Series, pd.Series]:
        """parse_numbers of a column (a % sign allowed), parsed once per validation."""
        values, bad, _ = self._parsed(table, column)
        return values, bad

    def percent_sign(self, table: str, column: str) -> np.ndarray:
        """For each row of a number column, whether its cell ends with a % sign."""
        return self._parsed(table, column)[2]

    def _parsed(self, table: str, column: str) -> tuple[pd.Series, pd.Series, np.ndarray]:
        if (table, column) not in self.numbers:
            text = self.frames[table][column].fillna("")
            self.numbers[table, column] = parse_numbers_with_percent(text, percent_ok=True)
        return self.numbers[table, column]


def _years(meta: dict[str, Any]) -> tuple[str | None, bool | None, tuple[int, int] | None]:
    """reporting_years as (text shown, valid?, (from, to)); (None, None, None) when not given."""
    given = meta.get("reporting_years")
    if given is None or given == "" or given == {}:
        return None, None, None
    if not isinstance(given, dict):
        return str(given), False, None
    first, last = given.get("from"), given.get("to")
    text = f"{first} to {last}"
    try:
        a, b = Period.parse(str(first)), Period.parse(str(last))
    except ValueError:  # PeriodError, or a year Python's dates cannot hold
        return text, False, None
    if a.kind != "financial_year" or b.kind != "financial_year" or a.start > b.start:
        return text, False, None
    return f"{a.label} to {b.label}", True, (a.start.year, b.start.year)


def _period_columns(
    frame: pd.DataFrame,
    ctx: _Context,
    frequency: tuple[np.ndarray, pd.Series] | None = None,
    table: str | None = None,
) -> pd.DataFrame:
    """period__not_datetime, period__parses, period__label, period__in_years, kind, start, end.

    With `frequency` (a measure table: for each row the code of its measure, and the frequency
    of each coded measure), also period__fits_frequency, and the label is the period in the
    measure's own kind (periods.fit_to_kind). Each distinct (label, frequency) is parsed once,
    then mapped back. The labels and kinds are also kept coded (`_Context.period_codes`), so
    that the loader makes its text columns by one `take`, not from 600,000 Python strings.
    """
    text = frame["period"]
    n = len(frame)
    label_codes, labels = pd.factorize(text)  # blank -> -1
    if frequency is not None:
        kind_of = {f: k for f, (k, _) in FREQUENCIES.items()}
        measure_codes, by_measure = frequency  # the kind of each measure, then of each row
        kind_by_measure, kinds = pd.factorize(by_measure.map(kind_of))
        kind_codes = np.where(measure_codes >= 0, kind_by_measure[measure_codes], -1)
    else:
        kind_codes, kinds = np.full(n, -1), pd.Index([])
    pair = label_codes.astype(np.int64) * (len(kinds) + 1) + (kind_codes + 1)
    codes, pairs = pd.factorize(pair)  # hashed, not sorted: any order of the pairs will do
    parsed: dict[str, Period | None] = {}
    rows = []
    for code in pairs:
        li, ki = divmod(int(code), len(kinds) + 1)
        kind = kinds[ki - 1] if ki else None
        if li < 0 or code < 0:
            rows.append((None, None, None, None))  # a blank period
            continue
        label = labels[li]
        if _TIME_OF_DAY.fullmatch(label):
            rows.append((False, None, None, None))
            continue
        if label not in parsed:
            try:
                parsed[label] = Period.parse(label)
            except ValueError:  # PeriodError, or a year Python's dates cannot hold
                parsed[label] = None
        period = parsed[label]
        if period is None:
            rows.append((True, False, None, None))
            continue
        fits = None
        if kind is not None:
            fitted = fit_to_kind(period, kind)
            fits = fitted is not None
            period = fitted or period
        rows.append((True, True, fits, period))
    u = pd.DataFrame(rows, columns=["not_datetime", "parses", "fits", "period"], dtype=object)
    per = u["period"]
    u_label = per.map(lambda p: p.label, na_action="ignore").astype(object)
    u_kind = per.map(lambda p: p.kind, na_action="ignore").astype(object)
    u_start = pd.to_datetime(per.map(lambda p: p.start, na_action="ignore"))
    u_end = pd.to_datetime(per.map(lambda p: p.end, na_action="ignore"))
    u_fy = pd.to_numeric(per.map(lambda p: p.fy, na_action="ignore"), errors="coerce")

    def take(values: Any) -> np.ndarray:  # per distinct (label, kind) -> per row
        return np.asarray(values)[codes] if n else np.asarray(values)[:0]

    def flag(col: str, want: bool) -> np.ndarray:
        return take(u[col].eq(want).to_numpy(dtype=bool))

    present = text.notna().to_numpy()
    ok = pd.Series(flag("parses", True), index=frame.index)
    out = pd.DataFrame(index=frame.index)
    out["period__not_datetime"] = _flags(
        pd.Series(~flag("not_datetime", False), index=frame.index),
        pd.Series(present, index=frame.index),
    )
    out["period__parses"] = _flags(ok, pd.Series(present & flag("not_datetime", True),
                                                 index=frame.index))  # fmt: skip
    if frequency is not None:
        out["period__fits_frequency"] = _flags(
            pd.Series(flag("fits", True), index=frame.index),
            pd.Series(take(u["fits"].notna().to_numpy(dtype=bool)), index=frame.index),
        )
    label_of, kind_of_code = u_label.to_numpy(dtype=object), u_kind.to_numpy(dtype=object)
    if table is not None:
        ctx.period_codes[table] = (codes if n else codes[:0], label_of, kind_of_code)
    out["period__label"] = pd.Series(take(label_of), index=frame.index, dtype=object)
    out["kind"] = pd.Series(take(kind_of_code), index=frame.index, dtype=object)
    out["start"] = pd.Series(take(u_start.to_numpy()), index=frame.index)
    out["end"] = pd.Series(take(u_end.to_numpy()), index=frame.index)
    if ctx.years is not None:
        lo, hi = ctx.years
        fy = pd.Series(take(u_fy.to_numpy()), index=frame.index)
        out["period__in_years"] = _flags((fy >= lo) & (fy <= hi), ok)
    return out


def _units(ctx: _Context, table: str) -> pd.Series:
    """The unit of each row's measure (None for an unknown measure), once per validation."""
    if (table, "unit") not in ctx.by_measure:
        # looked up once per measure, then coded per row (a categorical: no Python object per
        # row, and isin and == compare codes)
        codes, ids = ctx.factorize(table, "measure_id")
        unit = _lookup(pd.Series(np.asarray(ids, dtype=object)), ctx.of_measure("unit"))
        unit_codes, units = pd.factorize(unit.to_numpy(dtype=object))
        rows = np.where(codes >= 0, unit_codes[np.maximum(codes, 0)], -1)
        ctx.by_measure[table, "unit"] = pd.Series(
            pd.Categorical.from_codes(rows, categories=pd.Index(units, dtype=object)),
            index=ctx.frames[table].index,
        )
    return ctx.by_measure[table, "unit"]


def _unit_in(ctx: _Context, table: str, units: Any) -> np.ndarray:
    """For each row, whether its measure's unit is one of `units` (False for an unknown one):
    tested once per measure, then taken for each row."""
    codes, ids = ctx.factorize(table, "measure_id")
    unit = ctx.of_measure("unit")
    unit = unit[unit.isin(list(units))]
    ok = _object_isin(ids, unit.index)
    if not len(ok):
        return np.zeros(len(codes), dtype=bool)
    return np.where(codes >= 0, ok[np.maximum(codes, 0)], False)


def _number_columns(ctx: _Context, table: str, col: str, units: pd.Series,
                    ranges: bool = True) -> dict[str, pd.Series]:  # fmt: skip
    """<col>__number, <col>__percent_sign and the values the range checks read."""
    text = ctx.frames[table][col]
    present = text.notna()
    values, bad = ctx.parsed(table, col)
    out = {f"{col}__number": _flags(~bad, present & (bad | values.notna()))}
    # A % sign: parse again, for the few cells that have one, with the measure's own unit.
    pct = (present & ~bad).to_numpy() & ctx.percent_sign(table, col)
    sign = pd.Series(True, index=text.index)
    if pct.any():
        allowed = units[pct].isin(PERCENT_UNITS) | units[pct].isna()
        _, bad_pct = parse_numbers(text[pct], percent_ok=allowed)
        sign[pct] = (~bad_pct).to_numpy(dtype=bool)
    out[f"{col}__percent_sign"] = _flags(sign, pd.Series(pct, index=text.index))
    if ranges:
        # A signed measure (measures.signed) may be negative: no range for its unit applies.
        signed = _signed(ctx, table).to_numpy()
        percent = _unit_in(ctx, table, PERCENT_UNITS) & ~signed
        out[f"{col}__percent_value"] = values.where(percent)
        out[f"{col}__count_value"] = values.where(
            _unit_in(ctx, table, NON_NEGATIVE_UNITS) & ~signed
        )
    else:
        out[f"{col}__value"] = values
    return out


def _signed(ctx: _Context, table: str) -> pd.Series:
    """True for rows whose measure is declared signed (figures may be negative)."""
    flag = ctx.of_measure("signed")
    flag = flag.fillna("").astype(str).str.lower().isin(_dataset._TRUE)  # once per measure
    codes, ids = ctx.factorize(table, "measure_id")
    ok = np.append(_object_isin(ids, flag.index[flag.to_numpy(dtype=bool)]), False)
    return pd.Series(ok[codes], index=ctx.frames[table].index)  # code -1 (no id) -> False


def _counts(ctx: _Context, table: str, col: str) -> dict[str, pd.Series]:
    """<col>__number and <col>__value for a column of non-negative numbers (numerator, ...)."""
    text = ctx.frames[table][col]
    values, bad = ctx.parsed(table, col)
    has_pct = pd.Series(ctx.percent_sign(table, col), index=text.index)
    number = _flags(~bad & ~has_pct, text.notna() & (bad | values.notna() | has_pct))
    return {f"{col}__number": number, f"{col}__value": values.where(~has_pct)}


def _count_agreement(ctx: _Context, table: str, frame: pd.DataFrame) -> dict[str, pd.Series]:
    """counts__agree and numerator__within_denominator, from `intervals.check_counts`.

    counts__agree applies where a row gives its figure, numerator and denominator for a share or
    rate: the figure must equal numerator / denominator x the unit's multiplier at the measure's
    decimals, with a denominator above 0. numerator__within_denominator applies to percentages
    with both counts: 0 <= numerator <= denominator.
    """
    from perfanalysis.intervals import UNIT_MULTIPLIER, check_counts

    measures = ctx.frames.get("measures")
    figure = "actual" if table == "actuals" else "value"
    needed = {"measure_id", figure, "numerator", "denominator"}
    if measures is None or not needed <= set(frame.columns):
        return {}
    if not {"measure_id", "unit", "decimals"} <= set(measures.columns):
        return {}
    values, _ = ctx.parsed(table, figure)
    num, _ = ctx.parsed(table, "numerator")
    den, _ = ctx.parsed(table, "denominator")
    unit = _units(ctx, table)
    both = num.notna() & den.notna() & (num >= 0)
    # Only a row with both counts can break these rules: check those rows alone (a table
    # without counts, the common case, costs nothing).
    given = (num.notna() & den.notna()).to_numpy()
    figure_or_base = np.zeros(len(frame), dtype=bool)
    over = np.zeros(len(frame), dtype=bool)
    if given.any():
        rows = frame.loc[given, ["measure_id", "numerator", "denominator"]]
        rows = rows.assign(**{figure: values[given]})
        problems = check_counts(rows, measures.fillna(""))["problem"]
        at = frame.index.get_indexer(problems.index)
        figure_or_base[at] = (
            problems.str.startswith("the figure") | problems.str.startswith("denominator")
        ).to_numpy(dtype=bool)
        over[at] = problems.str.startswith("numerator is above").to_numpy(dtype=bool)
    return {
        "counts__agree": _flags(
            pd.Series(~figure_or_base, index=frame.index),
            both & values.notna() & unit.isin(list(UNIT_MULTIPLIER)),
        ),
        "numerator__within_denominator": _flags(
            pd.Series(~over, index=frame.index), both & (unit == "percent")
        ),
    }


def _booleans(text: pd.Series) -> pd.Series:
    low = text.str.lower()
    return _flags(low.isin(_dataset._TRUE | _dataset._FALSE), text.notna())


def _text_or_none(value: Any) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _dataset_frame(raw: RawDataset, ctx: _Context) -> pd.DataFrame:
    organisation = str(raw.meta.get("organisation") or "").strip() or None
    years_text, years_valid, _ = _years(raw.meta)
    row: dict[str, Any] = {"_row": None, "organisation": organisation,
                           "reporting_years": years_text,
                           "reporting_years__valid": years_valid,
                           "period": ctx.period,
                           "status_words": _text_or_none(raw.meta.get("status_words"))}  # fmt: skip
    if ctx.period is not None:
        row["period__parses"] = ctx.reporting is not None
        if ctx.reporting is not None and ctx.years is not None:
            row["period__in_years"] = ctx.years[0] <= ctx.reporting.fy <= ctx.years[1]
    return pd.DataFrame([row], dtype=object)


def _measure_columns(m: pd.DataFrame, ctx: _Context) -> None:
    """Derived columns of measures, added in place."""
    has = m.columns
    if {"outcome_id", "strategy_id"} <= set(has):
        owner = m["outcome_id"].map(_first(ctx.frames.get("outcomes"), "outcome_id",
                                           "strategy_id"))  # fmt: skip
        m["outcome_id__same_strategy"] = _flags(owner == m["strategy_id"], owner.notna())
    if "targeted" in has:
        m["targeted__boolean"] = _booleans(m["targeted"])
    for col in ("primary_responsibility", "proposed", "cumulative", "signed"):
        if col in has:
            m[f"{col}__boolean"] = _booleans(m[col])
    if "decimals" in has:
        values, bad = parse_numbers(m["decimals"].fillna(""))
        ok = ~bad & values.isin([0, 1, 2, 3, 4])
        m["decimals__valid"] = _flags(ok, m["decimals"].notna() & (bad | values.notna()))
    if {"targeted", "polarity"} <= set(has):
        m["polarity__judgeable"] = _flags(
            m["polarity"] != "neutral", _targeted(m) & m["polarity"].isin(POLARITIES)
        )
    if ctx.reporting is not None:
        _completeness(m, ctx)


def _targeted(m: pd.DataFrame) -> pd.Series:
    """Measures that are targeted, by the loader's rule (blank means targeted)."""
    low = m["targeted"].fillna("").str.lower()
    return low.isin(_dataset._TRUE) | (low == "")


def _usable(ctx: _Context, table: str, value: str) -> pd.DataFrame | None:
    """Rows of targets/actuals with a known measure, a parsed period and a number."""
    frame = ctx.frames.get(table)
    if frame is None or not {"measure_id", "period", value} <= set(frame.columns):
        return None
    p = ctx.periods[table]
    values, _ = ctx.parsed(table, value)
    out = pd.DataFrame({"measure_id": frame["measure_id"], "period": p["period__label"],
                        "start": p["start"], "end": p["end"], value: values})  # fmt: skip
    return out.dropna(subset=["measure_id", "period", value])


def _completeness(m: pd.DataFrame, ctx: _Context) -> None:
    """actual__reported and target__reported for the reporting period, and period__due."""
    from perfanalysis.status import _expected_period, _latest_in_window

    if not {"measure_id", "frequency", "targeted"} <= set(m.columns):
        return
    actuals = _usable(ctx, "actuals", "actual")
    if actuals is None:
        return
    known = m["measure_id"].notna() & m["frequency"].isin(FREQUENCY_NAMES)
    # A duplicated measure_id is reported by its own check; here the first row counts.
    measures = m.loc[known, ["measure_id", "frequency"]].drop_duplicates("measure_id")
    latest = _latest_in_window(actuals, measures, ctx.reporting, "actual")
    shown = m["measure_id"].map(latest.set_index("measure_id")["period"])
    expected = {f: _expected_period(f, ctx.reporting) for f in FREQUENCY_NAMES}
    due = shown.fillna(m["frequency"].map(expected))
    m["period__due"] = (m["measure_id"] + " (" + due + ")").where(known)
    m["actual__reported"] = _flags(shown.notna(), known)
    targets = _usable(ctx, "targets", "target")
    if targets is not None:
        have = pd.MultiIndex.from_frame(targets[["measure_id", "period"]])
        key = pd.MultiIndex.from_arrays([m["measure_id"], shown])
        m["target__reported"] = _flags(pd.Series(key.isin(have), index=m.index),
                                       known & shown.notna() & _targeted(m))  # fmt: skip


def _frames(raw: RawDataset, ctx: _Context, skip: set[str]) -> dict[str, pd.DataFrame]:
    """The frame each suite validates: the table as text, plus its derived columns."""
    for name in TABLES:
        if name in raw.tables and name not in skip:
            ctx.frames[name] = _text(raw.tables[name])
    for name in PERIOD_TABLES:
        frame = ctx.frames.get(name)
        if frame is not None and "period" in frame.columns:
            frequency = None
            if name in ("targets", "actuals") and "measure_id" in frame.columns:
                codes, ids = ctx.factorize(name, "measure_id")
                by_measure = _lookup(
                    pd.Series(np.asarray(ids, dtype=object)),
                    ctx.of_measure("frequency"),
                )
                frequency = (codes, by_measure)
            ctx.periods[name] = _period_columns(frame, ctx, frequency, table=name)
    out: dict[str, pd.DataFrame] = {}
    if "dataset" not in skip:
        out["dataset"] = _dataset_frame(raw, ctx)
    for name, frame in ctx.frames.items():
        frame = frame.copy(deep=False)  # copy-on-write: the text frame is never changed
        if name in ctx.periods:
            p = ctx.periods[name]
            for col in ("period__not_datetime", "period__parses", "period__label",
                        "period__in_years", "period__fits_frequency"):  # fmt: skip
                if col in p.columns:
                    frame[col] = p[col]
        for (table, col), (parent, key) in FOREIGN_KEYS.items():
            known = ctx.frames.get(parent)
            if table == name and col in frame.columns and known is not None and key in known:
                codes = ctx.factorize(name, col) if col == "measure_id" else None
                frame[f"{col}__in_{parent}"] = _flags(
                    _isin(frame[col], known[key].dropna(), codes), frame[col].notna()
                )
        if name == "measures":
            _measure_columns(frame, ctx)
        if "measure_id" in frame.columns:
            units = _units(ctx, name)
            for col in {"targets": ("target",), "actuals": ("actual",),
                        "benchmarks": ("value",)}.get(name, ()):  # fmt: skip
                if col in frame.columns:
                    for k, v in _number_columns(ctx, name, col, units).items():
                        frame[k] = v
            if name == "targets" and "tolerance" in frame.columns:
                for k, v in _number_columns(ctx, name, "tolerance", units, ranges=False).items():
                    frame[k] = v
            for col in ("numerator", "denominator"):
                if name in ("actuals", "benchmarks") and col in frame.columns:
                    for k, v in _counts(ctx, name, col).items():
                        frame[k] = v
            if name in ("actuals", "benchmarks"):
                for k, v in _count_agreement(ctx, name, frame).items():
                    frame[k] = v
        out[name] = frame
    return out


# --------------------------------------------------------------------------- great-expectations
_GX: dict[str, Any] = {}


def _gx() -> tuple[Any, Any]:
    """great_expectations and a batch definition for a whole DataFrame, made once per process."""
    if not _GX:
        # Set before the import: GX reads these when it loads. No usage statistics, ever.
        os.environ["GX_ANALYTICS_ENABLED"] = "false"
        gx_log = logging.getLogger("great_expectations")
        if gx_log.level == logging.NOTSET:
            gx_log.setLevel(logging.WARNING)
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        # In memory only: no gx/ folder, no Data Docs site (not even a temporary one), no usage
        # statistics, no progress bars. Always an explicit mode: without one GX turns to its
        # cloud when GX_CLOUD_* variables are set.
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = context.data_sources.add_pandas("perfanalysis")
        asset = source.add_dataframe_asset("table")
        _GX["gx"] = gx
        _GX["batch"] = asset.add_batch_definition_whole_dataframe("whole table")
    return _GX["gx"], _GX["batch"]


def _columns_of(exp: dict[str, Any]) -> list[str]:
    kwargs = exp["kwargs"]
    return list(kwargs.get("column_list") or ([kwargs["column"]] if "column" in kwargs else []))


def _resolve(name: str, frame: pd.DataFrame, ctx: _Context) -> list[dict[str, Any]]:
    """The suite's expectations that can run on this frame, placeholders filled in."""
    runnable = []
    for i, exp in enumerate(load_suite(name)["expectations"]):
        exp = deepcopy(exp)
        meta = exp["meta"]
        needs = meta.get("needs")
        if (needs == "period" and ctx.period is None) or (
            needs == "reporting_years" and ctx.years is None
        ):
            continue
        if exp["type"] != "expect_column_to_exist":
            # A column that is missing (reported by expect_column_to_exist) or a derived column
            # that could not be made (its inputs are missing) leaves nothing to check.
            if any(c not in frame.columns for c in _columns_of(exp)):
                continue
        rule = meta["rule"].replace("{period}", ctx.reporting.label if ctx.reporting else "")
        meta["rule"] = rule.replace("{reporting_years}", ctx.years_text or "")
        meta["_index"] = i
        runnable.append(exp)
    return runnable


def _failing_rows(frame: pd.DataFrame, exp: dict[str, Any], result: dict[str, Any]) -> pd.Index:
    """Rows of the frame that fail, found from the failing values GX reports.

    Every expectation in the suites decides a row by the values of its own columns alone (set
    membership, range, pattern, null, uniqueness), so the rows holding the values GX lists as
    unexpected are the failing rows, in order. This costs one `isin`, where GX's own row index
    list costs tens of microseconds per failing row (40 s for a million).
    """
    cols = _columns_of(exp)
    values = result.get("partial_unexpected_list") or []
    if not cols or not values:
        return frame.index[:0]
    if len(cols) == 1:
        col = frame[cols[0]]
        wanted = [v for v in values if not _missing(v)]
        mask = col.isin(wanted)
        if len(wanted) < len(values):
            mask |= col.isna()
    else:
        keys = {tuple(v[c] for c in cols) for v in values if isinstance(v, dict)}
        mask = pd.Series(pd.MultiIndex.from_frame(frame[cols]).isin(list(keys)), index=frame.index)
    return frame.index[mask.to_numpy(dtype=bool)]


def _missing(value: Any) -> bool:
    """None, NaN or pd.NA (a scalar missing value of any kind)."""
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _shown(frame: pd.DataFrame, exp: dict[str, Any], rows: pd.Index) -> list[dict[str, Any]]:
    """The first failing rows: spreadsheet row number and the value as written."""
    meta = exp["meta"]
    cols = [meta.get("value_column") or meta.get("column") or c for c in _columns_of(exp)]
    if exp["type"] == "expect_compound_columns_to_be_unique":
        cols = [c.removesuffix("__label") for c in _columns_of(exp)]
    cols = list(dict.fromkeys(c for c in cols if c in frame.columns))
    out = []
    for i in rows[:EXAMPLES]:
        row = frame.at[i, "_row"]
        values = ["" if _missing(frame.at[i, c]) else str(frame.at[i, c]) for c in cols]
        out.append({"row": None if _missing(row) else int(row),
                    "value": ", ".join(values) if len(values) > 1 else
                    (values[0] if values and values[0] != "" else None)})  # fmt: skip
    return out


def _run_suite_gx(name: str, frame: pd.DataFrame, ctx: _Context,
                  file: str | None) -> list[Check]:  # fmt: skip
    """The suite validated by great-expectations itself (the published evaluator)."""
    gx, batch_definition = _gx()
    expectations = _resolve(name, frame, ctx)
    suite = gx.ExpectationSuite(name=f"perfanalysis-{name}", expectations=deepcopy(expectations))
    if len(suite.expectations) != len(expectations):
        loaded = {e.expectation_type for e in suite.expectations}
        lost = sorted({e["type"] for e in expectations} - loaded)
        raise SuiteError(f"expectations/{name}.json: great-expectations loaded "
                         f"{len(suite.expectations)} of {len(expectations)} expectations; "
                         f"not loaded: {', '.join(lost) or '(see the log)'}")  # fmt: skip
    # Only the columns the expectations read: GX fingerprints the whole frame it is given.
    used = {c for e in expectations for c in _columns_of(e)}
    gx_frame = frame[[c for c in frame.columns if c in used]]
    batch = batch_definition.get_batch(batch_parameters={"dataframe": gx_frame})
    validation = batch.validate(
        suite, result_format={"result_format": "BASIC", "partial_unexpected_count": 20}
    )
    by_index = {}
    for r in validation.results:
        info = r.exception_info or {}
        if info.get("raised_exception"):
            raise SuiteError(f"expectations/{name}.json, {r.expectation_config.type}: "
                             f"{info.get('exception_message')}")  # fmt: skip
        by_index[r.expectation_config.meta["_index"]] = r
    checks = []
    for exp in expectations:
        r = by_index[exp["meta"]["_index"]]
        res = r.result or {}
        meta = exp["meta"]
        column = meta.get("column") or (_columns_of(exp) or [None])[-1]
        if exp["type"] == "expect_column_to_exist":
            checked, failed, examples = 1, 0 if r.success else 1, []
        else:
            total = int(res.get("element_count", len(frame)))
            checked = total - int(res.get("missing_count") or 0)
            failed = int(res.get("unexpected_count") or 0)
            examples = [] if r.success else _shown(frame, exp, _failing_rows(frame, exp, res))
        checks.append(Check(name, column, meta["rule"], meta["severity"], bool(r.success),
                            checked, failed, examples, exp["type"], file))  # fmt: skip
    return checks


# --------------------------------------------------------------------------- pandas engine
def _strftime_ok(values: pd.Series, fmt: str) -> pd.Series:
    """datetime.strptime accepts the value (once per distinct value)."""

    def ok(v: str) -> bool:
        try:
            datetime.strptime(v, fmt)
        except (ValueError, TypeError):
            return False
        return True

    uniques = pd.unique(values)
    return values.map({u: ok(u) for u in uniques})


def _duplicated_rows(frame: pd.DataFrame, columns: list[str],
                     coded: Callable[[str], tuple[np.ndarray, int]],
                     ) -> tuple[pd.Series, int]:  # fmt: skip
    """Rows whose values in `columns` repeat another row's (rows with a blank are not checked).

    Each column is coded (`coded(column)`: the row codes, -1 for a blank, and how many codes;
    `_Context.coded`) and the codes combined into one integer key, so that the duplicates are
    found on integers. The key is exact: it is coded again only when the
    product of the columns' code counts would not fit in 62 bits.
    """
    n = len(frame)
    skip = np.zeros(n, dtype=bool)
    key = np.zeros(n, dtype=np.int64)
    span = 1  # every key is below this
    for name in columns:
        codes, count = coded(name)
        skip |= codes < 0
        if span * (count + 1) >= 1 << 62:
            key, span = pd.factorize(key)[0].astype(np.int64), max(n, 1)
        key = key * (count + 1) + (codes + 1)
        span *= count + 1
    dup = np.zeros(n, dtype=bool)
    dup[~skip] = pd.Series(key[~skip]).duplicated(keep=False).to_numpy()
    return pd.Series(dup, index=frame.index), int(skip.sum())


def _unexpected_fast(
    col: pd.Series, null: np.ndarray, kind: str, kw: dict[str, Any]
) -> np.ndarray | None:
    """`_unexpected` for the common cases on the whole column at once (no copy of the present
    rows, no reindex): derived flags, numbers in a range, text matched once per distinct value.
    None where the general path applies."""
    if kind == "expect_column_values_to_be_in_set" and kw["value_set"] == [True]:
        if isinstance(col.dtype, pd.BooleanDtype):  # a derived flag: False fails, NA is skipped
            return ~col.array.to_numpy(dtype=bool, na_value=True)
        return None
    if kind == "expect_column_values_to_be_between" and pd.api.types.is_float_dtype(col.dtype):
        v = col.to_numpy(dtype=float, na_value=np.nan)
        lo, hi = kw.get("min_value"), kw.get("max_value")
        good = np.ones(len(v), dtype=bool)
        with np.errstate(invalid="ignore"):
            if lo is not None:
                good &= v > lo if kw.get("strict_min") else v >= lo
            if hi is not None:
                good &= v < hi if kw.get("strict_max") else v <= hi
        return ~good & ~null
    if kind == "expect_column_values_to_match_regex" and isinstance(col.dtype, pd.StringDtype):
        codes, uniques = pd.factorize(col)  # a text column holds few distinct values
        ok = pd.Series(uniques).str.contains(kw["regex"], regex=True).to_numpy(dtype=bool)
        if not len(ok):
            return np.zeros(len(codes), dtype=bool)
        return np.where(codes >= 0, ~ok[np.maximum(codes, 0)], False)
    return None


def _unexpected(frame: pd.DataFrame, exp: dict[str, Any],
                coded: Callable[[str], tuple[np.ndarray, int]],
                ) -> tuple[pd.Series, int]:  # fmt: skip
    """Rows failing one expectation (a boolean mask) and the number of rows not checked.

    The semantics of each great-expectations type used in the suites, as a vectorised pandas
    expression: nulls are not checked, except by expect_column_values_to_not_be_null. `coded`
    gives a column's codes, reusing those the validation has made (`_Context.coded`).
    """
    kind, kw = exp["type"], exp["kwargs"]
    if kind == "expect_compound_columns_to_be_unique":
        return _duplicated_rows(frame, kw["column_list"], coded)
    col = frame[kw["column"]]
    null = col.isna()
    if kind == "expect_column_values_to_not_be_null":
        return null, 0
    fast = _unexpected_fast(col, null.to_numpy(), kind, kw)
    if fast is not None:
        return pd.Series(fast, index=frame.index), int(null.sum())
    present = col[~null]
    if kind == "expect_column_values_to_be_in_set" and kw["value_set"] == [True]:
        bad = ~(present.to_numpy(dtype=object) == True)  # noqa: E712 - a derived flag
        bad = pd.Series(bad, index=present.index)
    elif kind == "expect_column_values_to_be_in_set":
        bad = ~present.isin(kw["value_set"]).astype(bool)
    elif kind == "expect_column_values_to_be_unique":
        bad = present.duplicated(keep=False)
    elif kind == "expect_column_values_to_be_between":
        v = pd.to_numeric(present)
        lo, hi = kw.get("min_value"), kw.get("max_value")
        good = pd.Series(True, index=v.index)
        if lo is not None:
            good &= v > lo if kw.get("strict_min") else v >= lo
        if hi is not None:
            good &= v < hi if kw.get("strict_max") else v <= hi
        bad = ~good
    elif kind == "expect_column_values_to_match_regex":
        bad = ~present.astype(str).str.contains(kw["regex"], regex=True)
    elif kind == "expect_column_values_to_match_strftime_format":
        bad = ~_strftime_ok(present.astype(str), kw["strftime_format"]).astype(bool)
    else:
        raise SuiteError(f"the pandas engine does not know the expectation type {kind}")
    return bad.reindex(frame.index, fill_value=False).astype(bool), int(null.sum())


def _run_suite_pandas(name: str, frame: pd.DataFrame, ctx: _Context,
                      file: str | None) -> list[Check]:  # fmt: skip
    """The suite evaluated in vectorised pandas: the same checks as great-expectations gives."""
    checks = []
    for exp in _resolve(name, frame, ctx):
        meta = exp["meta"]
        column = meta.get("column") or (_columns_of(exp) or [None])[-1]
        if exp["type"] == "expect_column_to_exist":
            ok = exp["kwargs"]["column"] in frame.columns
            checks.append(Check(name, column, meta["rule"], meta["severity"], ok, 1,
                                0 if ok else 1, [], exp["type"], file))  # fmt: skip
            continue
        bad, missing = _unexpected(frame, exp, lambda col: ctx.coded(name, col, frame[col]))
        failed = int(bad.sum())
        rows = frame.index[bad.to_numpy()]
        examples = _shown(frame, exp, rows) if failed else []
        checks.append(Check(name, column, meta["rule"], meta["severity"], failed == 0,
                            len(frame) - missing, failed, examples, exp["type"],
                            file))  # fmt: skip
    return checks


# --------------------------------------------------------------------------- validate
def _context(raw: RawDataset | None, period: str | None) -> _Context:
    meta = raw.meta if raw is not None else {}
    years_text, _, years = _years(meta)
    reporting = None
    if period is not None:
        try:
            reporting = Period.parse(str(period))
        except ValueError:  # PeriodError, or a year Python's dates cannot hold
            reporting = None
    return _Context(None if period is None else str(period), reporting, years, years_text)


def _dataset_file(raw: RawDataset) -> str:
    return f"{raw.path.name}[dataset]" if raw.path.is_file() else "dataset.yaml"


def evaluate(raw: RawDataset, period: str | None = None,
             engine: str = "pandas") -> tuple[QualityResult, _Context]:  # fmt: skip
    """Every check on `raw` (reading problems first, then the suites), and the parsed values.

    The context carries what the checks parsed (numbers, periods in each measure's own kind),
    so that the loader types the data by the very values the rules judged.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    start = time.perf_counter()
    checks = [_read_problem(raw, p) for p in raw.problems]
    checks += [_read_problem(raw, n, "warning") for n in raw.notes]
    ctx = _context(raw, period)
    no_dataset = not raw.path.exists() or any(
        str(p).startswith(str(raw.path)) and "perfanalysis does not read" in str(p)
        for p in raw.problems
    )
    if no_dataset:
        return QualityResult(checks, time.perf_counter() - start, ctx.period), ctx
    reported = {c.table for c in checks}
    for name, spec in TABLES.items():  # a table taken out of `raw` after reading
        if name not in raw.tables and name not in reported and not spec.optional_table:
            file = f"{raw.path.name}[{name}]" if raw.path.is_file() else f"{name}.csv"
            checks.append(_problem(name, f"the table '{name}' is missing: add {name}.csv (or a "
                                   f"sheet '{name}') with the columns {', '.join(spec.columns)}",
                                   file))  # fmt: skip
    run = _run_suite_gx if engine == "gx" else _run_suite_pandas
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames = _frames(raw, ctx, set())
        for name in SUITES:
            if name in frames:
                file = _dataset_file(raw) if name == "dataset" else raw.files.get(name)
                checks.extend(run(name, frames[name], ctx, file))
    label = ctx.reporting.label if ctx.reporting is not None else ctx.period
    return QualityResult(checks, time.perf_counter() - start, label), ctx


def validate(raw: RawDataset, period: str | None = None, engine: str = "pandas") -> QualityResult:
    """Check a dataset as read; never raises for bad data, reports it.

    `period` is the reporting period: with it, completeness is checked too (every measure has
    an actual for it; a targeted measure with an actual has a target). `engine` chooses the
    evaluator of the suites: "pandas" (fast, the default) or "gx" (great-expectations itself).
    """
    return evaluate(raw, period, engine)[0]


def validate_path(path: str | Path, period: str | None = None,
                  engine: str = "pandas") -> QualityResult:  # fmt: skip
    """Read and check the dataset at `path`, reporting every problem, reading ones included."""
    start = time.perf_counter()
    result = validate(_dataset.read_raw(path), period, engine)
    result.seconds = time.perf_counter() - start
    return result


def raise_first_error(result: QualityResult) -> None:
    """DataError naming the first failed error check (file, table, row, column, value)."""
    failed = [c for c in result.checks if not c.success and c.severity == "error"]
    if not failed:
        return
    c = failed[0]
    first = c.examples[0] if c.examples else {}
    if c.expectation == "expect_column_to_exist":
        first = {"row": 1}  # the header row
    more = sum(x.failed for x in failed) - 1
    note = ""
    if c.failed > 1:
        note = f" ({c.failed} rows have this problem)"
    if more >= c.failed:
        note += "; run `perfanalysis validate` to list every problem"
    raise DataError(c.rule + note, table=c.table, row=first.get("row"), column=c.column,
                    value=first.get("value"), file=c.file)  # fmt: skip
