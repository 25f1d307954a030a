"""Read a dataset (a folder of CSV files or one .xlsx workbook) into checked, typed frames.

Data flows one way: files -> `read_raw` (text cells, with the row number a person sees) ->
`build` (types, ids, periods, links between tables; the first problem raises a DataError naming
file, table, row and column) -> `Dataset`, which assesses measures for a period.

Rules for what real exports contain are documented in docs/data-format.md ("Messy input"): text
that is not UTF-8 is read as Windows-1252, a byte-order mark is ignored, spaces around cells are
dropped, `1,234` and `70%` (percent measures only) are numbers, `n/a` and blanks are missing,
Excel dates are dates, blank rows are skipped and title rows above the header are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from perfanalysis.errors import DatasetError, DataError, PeriodError
from perfanalysis.framework import (
    FREQUENCY_NAMES,
    PERIOD_TABLES,
    POLARITIES,
    TABLES,
    UNITS,
    Framework,
)
from perfanalysis.periods import Period, parse_periods
from perfanalysis.status import assess, summarise

__all__ = ["Dataset", "RawDataset", "load", "read_raw", "build", "parse_numbers", "NA_TOKENS"]

#: Cell text read as "no value" in a numeric or optional column.
NA_TOKENS = frozenset({"", "n/a", "na", "-", "..", "none", "null", "nan", "#n/a"})
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_TITLE_ROWS = 5  # header must be within the first rows of a file or sheet
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass
class RawDataset:
    """A dataset as read from disk: every cell as text, with the row number a person sees."""

    path: Path
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    files: dict[str, str] = field(default_factory=dict)  # table -> file (and sheet) it came from
    input_files: list[Path] = field(default_factory=list)


# --------------------------------------------------------------------------- reading
def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in Windows-1252: a pound sign is byte 0xA3.
        return data.decode("cp1252", errors="strict")


def _header_index(rows: list[list[str]], table: str, where: str) -> int:
    """Index of the header row: the first of the top rows that names the table's key column."""
    spec = TABLES.get(table)
    first_required = spec.required[0] if spec else None
    for i, row in enumerate(rows[:_TITLE_ROWS]):
        cells = [str(c).strip().lower() for c in row]
        if first_required is None or first_required in cells:
            return i
    raise DatasetError(
        f"{where}: no header row naming '{first_required}' in the first {_TITLE_ROWS} rows; "
        f"the header must list the columns: {', '.join(spec.columns if spec else [])}"
    )


def _frame(rows: list[list[Any]], table: str, where: str) -> pd.DataFrame:
    """Text frame from rows; adds `_row` (spreadsheet row number) and drops blank rows."""
    h = _header_index(rows, table, where)
    header = [str(c).strip().lower() if c is not None else "" for c in rows[h]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body = [list(r[:width]) + [""] * (width - len(r)) for r in rows[h + 1 :]]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame = frame.loc[:, [c != "" for c in frame.columns]]
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()][0]
        raise DatasetError(f"{where}: column '{dup}' appears twice in the header")
    frame = frame.fillna("").astype(str).apply(lambda col: col.str.strip())
    frame["_row"] = np.arange(h + 2, h + 2 + len(frame))
    blank = (frame.drop(columns="_row") == "").all(axis=1) if width else frame["_row"] > 0
    return frame[~blank].reset_index(drop=True)


def _read_csv(path: Path, table: str) -> pd.DataFrame:
    text = _decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DatasetError(f"file {path}: not a readable CSV file ({exc})") from None
    if not rows:
        raise DatasetError(f"file {path}: the file is empty; it needs at least a header row")
    return _frame(rows, table, f"file {path}")


def _excel_cell(value: Any) -> str:
    """A workbook cell as text: whole floats without '.0', midnight date-times as dates."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_workbook(path: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame], dict[str, str]]:
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise DatasetError(f"file {path}: not a readable .xlsx workbook ({exc})") from None
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    meta: dict[str, Any] = {}
    names = {name.strip().lower(): name for name in book.sheetnames}
    for table in [*TABLES, "dataset"]:
        if table not in names:
            continue
        sheet = book[names[table]]
        rows = [[_excel_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        where = f"file {path}, sheet '{names[table]}'"
        if table == "dataset":
            meta = _meta_from_rows(rows, where)
            continue
        if not rows:
            raise DatasetError(f"{where}: the sheet is empty; it needs at least a header row")
        tables[table] = _frame(rows, table, where)
        files[table] = f"{path.name}[{names[table]}]"
    book.close()
    if "dataset" not in names:
        raise DatasetError(
            f"file {path}: no 'dataset' sheet; it needs columns key and value with at least "
            "the key 'organisation'"
        )
    return meta, tables, files


def _meta_from_rows(rows: list[list[str]], where: str) -> dict[str, Any]:
    """The `dataset` sheet: key/value rows, nested keys written `levels.theme`."""
    header = [str(c).strip().lower() for c in rows[0]] if rows else []
    if "key" not in header or "value" not in header:
        raise DatasetError(f"{where}: the header must be 'key' and 'value'")
    k, v = header.index("key"), header.index("value")
    meta: dict[str, Any] = {}
    for row in rows[1:]:
        key = str(row[k]).strip() if len(row) > k else ""
        if not key:
            continue
        value = str(row[v]).strip() if len(row) > v else ""
        node = meta
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return meta


def read_raw(path: str | Path) -> RawDataset:
    """Read every table of a dataset as text, without judging the values."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"no dataset at {path}: give a folder of CSV files or an .xlsx file")
    if path.is_file():
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise DatasetError(f"{path}: a dataset is a folder of CSV files or an .xlsx workbook")
        meta, tables, files = _read_workbook(path)
        inputs = [path]
    else:
        meta_file = path / "dataset.yaml"
        if not meta_file.exists():
            raise DatasetError(
                f"{path}: no dataset.yaml; it names the organisation and its levels "
                "(see docs/data-format.md)"
            )
        try:
            meta = yaml.safe_load(_decode(meta_file.read_bytes())) or {}
        except yaml.YAMLError as exc:
            raise DatasetError(f"file {meta_file}: not valid YAML ({exc})") from None
        tables, files, inputs = {}, {}, [meta_file]
        for table in TABLES:
            file = path / f"{table}.csv"
            if file.exists():
                tables[table] = _read_csv(file, table)
                files[table] = file.name
                inputs.append(file)
    if not isinstance(meta, dict) or not str(meta.get("organisation") or "").strip():
        raise DatasetError(f"{path}: dataset.yaml must give 'organisation' (the council's name)")
    for name, spec in TABLES.items():
        if name not in tables:
            if not spec.optional_table:
                raise DatasetError(
                    f"{path}: the table '{name}' is missing; it needs the columns "
                    f"{', '.join(spec.columns)}"
                )
            tables[name] = pd.DataFrame({c: pd.Series(dtype=object) for c in spec.columns})
            tables[name]["_row"] = pd.Series(dtype="int64")
        missing = [c for c in spec.required if c not in tables[name].columns]
        if missing:
            raise DataError(
                f"the required column '{missing[0]}' is missing; the header must include "
                f"{', '.join(spec.required)}",
                table=name, column=missing[0], file=files.get(name), row=1,
            )  # fmt: skip
        for col in spec.optional:
            if col not in tables[name].columns:
                tables[name][col] = ""
    return RawDataset(path=path, meta=meta, tables=tables, files=files, input_files=inputs)


# --------------------------------------------------------------------------- typing
def _fail(raw: RawDataset, table: str, mask: pd.Series, column: str, message: str) -> None:
    if not mask.any():
        return
    frame = raw.tables[table]
    first = frame[mask].iloc[0]
    raise DataError(
        message + (f" ({int(mask.sum())} rows have this problem)" if mask.sum() > 1 else ""),
        table=table, row=int(first["_row"]), column=column, value=first[column],
        file=raw.files.get(table),
    )  # fmt: skip


def parse_numbers(text: pd.Series, percent_ok: pd.Series | bool = False) -> tuple[pd.Series, pd.Series]:
    """Numbers from text cells by the documented rules; returns (values, bad mask).

    Accepted: plain decimals, spaces around, thousands commas in groups of three (`1,234`),
    a trailing `%` where `percent_ok` (percent measures), a leading `£` on any number. Missing:
    blank, `n/a`, `-`, `..`. Anything else is bad: it is never guessed at.
    """
    s = text.astype(str).str.strip()
    missing = s.str.lower().isin(NA_TOKENS)
    has_pct = s.str.endswith("%")
    s = s.str.removesuffix("%").str.strip().str.removeprefix("£")
    commas = s.str.match(_THOUSANDS)
    s = s.where(~commas, s.str.replace(",", "", regex=False))
    values = pd.to_numeric(s.where(~missing, None), errors="coerce").astype("float64")
    bad = (~missing & values.isna()) | (has_pct & ~pd.Series(percent_ok, index=s.index).astype(bool))
    return values.where(~bad), bad


def _booleans(raw: RawDataset, table: str, column: str, default: bool) -> pd.Series:
    s = raw.tables[table][column].str.lower()
    bad = ~(s.isin(_TRUE) | s.isin(_FALSE) | (s == ""))
    _fail(raw, table, bad, column, "must be true or false")
    return s.isin(_TRUE) | ((s == "") & default)


def _periods(raw: RawDataset, table: str) -> pd.DataFrame:
    frame = raw.tables[table]
    if frame.empty:
        return frame.assign(start=pd.Series(dtype="datetime64[ns]"),
                            end=pd.Series(dtype="datetime64[ns]"), kind="")  # fmt: skip
    labels = frame["period"]
    good = {}
    for label in pd.unique(labels):
        try:
            good[label] = Period.parse(label)
        except PeriodError as exc:
            _fail(raw, table, labels == label, "period", str(exc).split(";")[0].strip("'") +
                  "; write e.g. 'Q4 2017/18', '2017/18', 'Mar 2018', 'AY 2016/17'")
    parsed = parse_periods(labels)
    out = frame.copy()
    out["period_as_written"] = labels
    out["period"] = parsed["label"].to_numpy()
    out["kind"] = parsed["kind"].to_numpy()
    out["start"] = parsed["start"].to_numpy()
    out["end"] = parsed["end"].to_numpy()
    return out


def _unique(raw: RawDataset, table: str, frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    dup = frame.duplicated(list(columns), keep="first")
    what = " and ".join(columns)
    _fail(raw, table, pd.Series(dup.to_numpy(), index=raw.tables[table].index), columns[-1],
          f"duplicate {what}: each must appear once in '{table}'")


def _links(raw: RawDataset, table: str, column: str, known: pd.Series, parent: str,
           allow_blank: bool = False) -> None:
    values = raw.tables[table][column]
    bad = ~values.isin(set(known))
    if allow_blank:
        bad &= values != ""
    _fail(raw, table, bad, column, f"names no {parent} in '{parent}s'" if parent != "strategy"
          else "names no strategy in 'strategies'")


def build(raw: RawDataset) -> Dataset:
    """Type and link the raw tables; raise DataError at the first problem a person must fix."""
    t = raw.tables
    for name, spec in TABLES.items():
        for col in spec.key or spec.required[:1]:
            if col.endswith("_id"):
                _fail(raw, name, t[name][col] == "", col, f"'{col}' must not be blank")
        if name not in PERIOD_TABLES and spec.key:
            _unique(raw, name, t[name], spec.key)

    _links(raw, "strategies", "theme_id", t["themes"]["theme_id"], "theme")
    _links(raw, "outcomes", "strategy_id", t["strategies"]["strategy_id"], "strategy")
    _links(raw, "measures", "strategy_id", t["strategies"]["strategy_id"], "strategy")
    _links(raw, "measures", "outcome_id", t["outcomes"]["outcome_id"], "outcome", allow_blank=True)

    m = t["measures"]
    _fail(raw, "measures", ~m["unit"].isin(UNITS), "unit", f"unit must be one of {', '.join(UNITS)}")
    _fail(raw, "measures", ~m["polarity"].isin(POLARITIES), "polarity",
          "polarity must be higher, lower or neutral")  # fmt: skip
    _fail(raw, "measures", ~m["frequency"].isin(FREQUENCY_NAMES), "frequency",
          f"frequency must be one of {', '.join(FREQUENCY_NAMES)}")  # fmt: skip
    measures = m.copy()
    measures["targeted"] = _booleans(raw, "measures", "targeted", default=True)
    measures["primary_responsibility"] = _booleans(raw, "measures", "primary_responsibility", False)
    measures["proposed"] = _booleans(raw, "measures", "proposed", False)
    decimals, bad = parse_numbers(m["decimals"])
    bad |= decimals.notna() & ~decimals.isin([0, 1, 2, 3, 4])
    _fail(raw, "measures", bad, "decimals", "decimals must be a whole number from 0 to 4")
    measures["decimals"] = decimals.astype("Int64")
    _fail(raw, "measures", measures["targeted"] & (m["polarity"] == "neutral"), "polarity",
          "a targeted measure needs polarity higher or lower to be judged against its target; "
          "set targeted to false for a contextual measure")  # fmt: skip
    measures["outcome_id"] = measures["outcome_id"].replace("", None)

    unit_of = measures.set_index("measure_id")["unit"]
    frames: dict[str, pd.DataFrame] = {}
    for name in PERIOD_TABLES:
        if "measure_id" in TABLES[name].required:
            _links(raw, name, "measure_id", measures["measure_id"], "measure")
        else:
            _links(raw, name, "strategy_id", t["strategies"]["strategy_id"], "strategy")
        frame = _periods(raw, name)
        if TABLES[name].key:
            _unique(raw, name, frame, TABLES[name].key)
        frames[name] = frame

    for name, cols in (("targets", ("target", "tolerance")), ("actuals", ("actual",)),
                       ("benchmarks", ("value",))):  # fmt: skip
        frame = frames[name]
        percent = frame["measure_id"].map(unit_of).isin(["percent", "milestone"])
        for col in cols:
            values, bad = parse_numbers(t[name][col], percent_ok=percent)
            _fail(raw, name, bad, col, "must be a number (e.g. 72 or 45.9); blank or n/a if none"
                  + ("" if percent.all() else "; a % sign is allowed only for percent measures"))
            frame[col] = values.to_numpy()
        if name == "targets":
            _fail(raw, name, pd.Series((frame["tolerance"] < 0).to_numpy(), index=t[name].index),
                  "tolerance", "tolerance must not be negative")  # fmt: skip
    frames["actuals"]["source"] = frames["actuals"]["source"].replace("", "unspecified")

    framework = Framework(
        themes=t["themes"].copy(),
        strategies=t["strategies"].copy(),
        outcomes=t["outcomes"].copy(),
        measures=measures,
        levels={k: str(v) for k, v in (raw.meta.get("levels") or {}).items()},
    )
    return Dataset(
        framework=framework,
        targets=frames["targets"],
        actuals=frames["actuals"],
        highlights=frames["highlights"],
        contracts=frames["contracts"],
        rebases=frames["rebases"],
        benchmarks=frames["benchmarks"],
        meta=raw.meta,
        path=raw.path,
        input_files=raw.input_files,
    )


# --------------------------------------------------------------------------- dataset
@dataclass
class Dataset:
    """A loaded dataset: the framework, its targets and actuals, and the highlight narrative."""

    framework: Framework
    targets: pd.DataFrame
    actuals: pd.DataFrame
    highlights: pd.DataFrame
    contracts: pd.DataFrame
    rebases: pd.DataFrame
    benchmarks: pd.DataFrame
    meta: dict[str, Any]
    path: Path
    input_files: list[Path] = field(default_factory=list)

    @property
    def organisation(self) -> str:
        return str(self.meta.get("organisation", "")).strip()

    def assess(self, period: str | Period) -> pd.DataFrame:
        """One row per measure of the framework with its figures and status for `period`."""
        return assess(self.framework.measures, self.targets, self.actuals, period)

    def summary(self, period: str | Period) -> pd.DataFrame:
        """One row per strategy: the "How is success measured?" counts for `period`."""
        return summarise(self.assess(period), self.framework.strategies)

    def history(self, measure_id: str) -> pd.DataFrame:
        """A measure's actuals and targets over time, oldest first (for charts and SPC)."""
        a = self.actuals[self.actuals["measure_id"] == measure_id]
        tg = self.targets[self.targets["measure_id"] == measure_id]
        out = a[["period", "start", "end", "actual", "source"]].merge(
            tg[["period", "start", "end", "target", "tolerance"]],
            on=["period", "start", "end"], how="outer",
        )  # fmt: skip
        return out.sort_values(["end", "start"]).reset_index(drop=True)

    def highlight(self, strategy_id: str, period: str | Period) -> pd.Series | None:
        """The strategy's highlight narrative for the period, or None when none was given."""
        label = Period.parse(period).label
        h = self.highlights
        rows = h[(h["strategy_id"] == strategy_id) & (h["period"] == label)]
        return None if rows.empty else rows.iloc[0]

    def contracts_for(self, strategy_id: str, period: str | Period) -> pd.DataFrame:
        """Key contracts reported with the strategy's highlight report for the period."""
        label = Period.parse(period).label
        c = self.contracts
        return c[(c["strategy_id"] == strategy_id) & (c["period"] == label)].reset_index(drop=True)


def load(path: str | Path) -> Dataset:
    """Load a dataset from a folder of CSV files or an .xlsx workbook; DataError on bad input."""
    return build(read_raw(path))
