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

from perfanalysis.errors import DataError, DatasetError, PeriodError
from perfanalysis.framework import (
    FREQUENCY_NAMES,
    PERIOD_TABLES,
    POLARITIES,
    TABLES,
    UNITS,
    Framework,
)
from perfanalysis.periods import Period, parse_periods
from perfanalysis.status import assess, status_words, summarise

__all__ = ["Dataset", "RawDataset", "load", "read_raw", "build", "parse_numbers", "NA_TOKENS"]

#: Cell text read as "no value" in a numeric or optional column.
NA_TOKENS = frozenset({"", "n/a", "na", "-", "..", "none", "null", "nan", "#n/a"})
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_TITLE_ROWS = 5  # header must be within the first rows of a file or sheet
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL = r"[+-]?(\d+\.?\d*|\.\d+)"


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
    """Text of a CSV or YAML file: UTF-8 (a byte-order mark is dropped), else Windows-1252.

    Excel on Windows saves "CSV (Comma delimited)" in Windows-1252, where a pound sign is the
    single byte 0xA3: a file that is not valid UTF-8 is read that way. UTF-16 (Excel's "Unicode
    Text") is read when it starts with its byte-order mark. Bytes that are neither raise a
    DatasetError naming the line.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: fall through to the checks below
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252", errors="strict")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DatasetError(
            f"line {line}: byte 0x{data[exc.start]:02X} is not text in UTF-8 or Windows-1252; "
            "save the file as 'CSV UTF-8 (Comma delimited)'"
        ) from None


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
    for i, r in enumerate(rows[h + 1 :]):
        if len(r) <= width or not any(str(c).strip() for c in r[width:] if c is not None):
            continue
        # Cells beyond the header: most often a comma in a value that is not in double quotes.
        cells = [str(c).strip() if c is not None else "" for c in r]
        while cells and not cells[-1]:
            cells.pop()
        raise DataError(
            f"this row has {len(cells)} cells but the header names {width} columns; a value "
            "that contains a comma must be in double quotes, and every column needs a name "
            "in the header row",
            table=table,
            row=h + 2 + i,
            value=",".join(cells),
            file=where.removeprefix("file "),
        )
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
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise DatasetError(
            f"file {path}: this is an Excel workbook saved under a .csv name; save it as "
            "'CSV UTF-8 (Comma delimited)', or give the .xlsx workbook itself as the dataset"
        )
    try:
        text = _decode(data)
    except DatasetError as exc:
        raise DatasetError(f"file {path}, {exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DatasetError(f"file {path}: not a readable CSV file ({exc})") from None
    if not rows:
        raise DatasetError(f"file {path}: the file is empty; it needs at least a header row")
    try:
        return _frame(rows, table, f"file {path}")
    except DataError:
        raise
    except DatasetError as exc:
        first = text.split("\n", 1)[0]
        for sep, name in (("\t", "tabs"), (";", "semicolons")):
            if sep in first and "," not in first:
                raise DatasetError(
                    f"{exc}. The file seems to be separated by {name}: save it as "
                    "'CSV UTF-8 (Comma delimited)'"
                ) from None
        raise


def _excel_cell(value: Any) -> str:
    """A workbook cell as text: whole floats without '.0', midnight date-times as dates.

    Floats are written out in full ("0.00001", never "1e-05"); a date-time with a time of day
    keeps it ("2018-03-31 14:30:00"), which no date or period column accepts.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return np.format_float_positional(value, trim="-")
    return str(value)


_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _workbook_cell(value: Any, number_format: str | None) -> str:
    """A cell as text, read the way Excel shows it where the raw value would mislead.

    A number formatted as a percentage is stored as a fraction (70% is 0.7): it is read as the
    percentage shown, "70%", which only percent measures accept. A date formatted to show only
    month and year (Excel turns "Mar 2018" typed into a cell into 1 March 2018, shown "Mar-18")
    is read as the month, "Mar 2018", not as the first day of it.
    """
    fmt = _FORMAT_LITERALS.sub("", number_format or "").lower()
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in fmt:
        return _excel_cell(round(float(value) * 100, 10)) + "%"
    if (
        isinstance(value, datetime)
        and value.time() == datetime.min.time()
        and "m" in fmt
        and "y" in fmt
        and "d" not in fmt
        and "h" not in fmt
        and "s" not in fmt
    ):
        return f"{value:%b %Y}"
    return _excel_cell(value)


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
        rows = [
            [_workbook_cell(c.value, getattr(c, "number_format", None)) for c in row]
            for row in sheet.iter_rows()
        ]
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
                table=name,
                column=missing[0],
                file=files.get(name),
                row=1,
            )
        for col in spec.optional:
            if col not in tables[name].columns:
                tables[name].insert(len(tables[name].columns) - 1, col, "")  # before _row
    return RawDataset(path=path, meta=meta, tables=tables, files=files, input_files=inputs)


# --------------------------------------------------------------------------- typing
def _fail(raw: RawDataset, table: str, mask: pd.Series, column: str, message: str) -> None:
    if not mask.any():
        return
    frame = raw.tables[table]
    first = frame[mask].iloc[0]
    raise DataError(
        message + (f" ({int(mask.sum())} rows have this problem)" if mask.sum() > 1 else ""),
        table=table,
        row=int(first["_row"]),
        column=column,
        value=first[column],
        file=raw.files.get(table),
    )


def parse_numbers(
    text: pd.Series, percent_ok: pd.Series | bool = False
) -> tuple[pd.Series, pd.Series]:
    """Numbers from text cells by the documented rules; returns (values, bad mask).

    Accepted: plain decimals (`72`, `-3`, `45.9`, `.5`), spaces around, thousands commas in
    groups of three (`1,234`, `12,345.6`), a trailing `%` where `percent_ok` (percent and
    milestone measures), a leading `£` on any number. Missing: blank and the NA_TOKENS (`n/a`,
    `-`, `..`, ...). Anything else is bad, and is never guessed at: `1.2E+06` (Excel's display of
    a number too wide for its column), `inf`, `1 234`, `12,34`, `(5)`, `seventy`.
    The loader (`build`) and the data-quality gate (`quality.validate`) both call this function.
    """
    s = text.astype(str).str.strip()
    missing = s.str.lower().isin(NA_TOKENS)
    has_pct = s.str.endswith("%")
    s = s.str.removesuffix("%").str.strip().str.removeprefix("£")
    commas = s.str.match(_THOUSANDS)
    s = s.where(~commas, s.str.replace(",", "", regex=False))
    plain = s.str.fullmatch(_DECIMAL).fillna(False).astype(bool)
    values = pd.to_numeric(s.where(plain & ~missing, None), errors="coerce").astype("float64")
    pct_allowed = pd.Series(percent_ok, index=s.index).fillna(False).astype(bool)
    bad = (~missing & values.isna()) | (has_pct & ~missing & ~pct_allowed)
    return values.where(~bad), bad


def _booleans(raw: RawDataset, table: str, column: str, default: bool) -> pd.Series:
    s = raw.tables[table][column].str.lower()
    bad = ~(s.isin(_TRUE) | s.isin(_FALSE) | (s == ""))
    _fail(raw, table, bad, column, "must be true or false")
    return s.isin(_TRUE) | ((s == "") & default)


def _periods(raw: RawDataset, table: str) -> pd.DataFrame:
    frame = raw.tables[table]
    if frame.empty:
        return frame.assign(
            start=pd.Series(dtype="datetime64[ns]"), end=pd.Series(dtype="datetime64[ns]"), kind=""
        )
    labels = frame["period"]
    good = {}
    for label in pd.unique(labels):
        try:
            good[label] = Period.parse(label)
        except PeriodError as exc:
            _fail(
                raw,
                table,
                labels == label,
                "period",
                str(exc).split(";")[0].strip("'")
                + "; write e.g. 'Q4 2017/18', '2017/18', 'Mar 2018', 'AY 2016/17'",
            )
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
    _fail(
        raw,
        table,
        pd.Series(dup.to_numpy(), index=raw.tables[table].index),
        columns[-1],
        f"duplicate {what}: each must appear once in '{table}'",
    )


def _links(
    raw: RawDataset,
    table: str,
    column: str,
    known: pd.Series,
    parent: str,
    allow_blank: bool = False,
) -> None:
    values = raw.tables[table][column]
    bad = ~values.isin(set(known))
    if allow_blank:
        bad &= values != ""
    _fail(
        raw,
        table,
        bad,
        column,
        f"names no {parent} in '{parent}s'"
        if parent != "strategy"
        else "names no strategy in 'strategies'",
    )


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
    _fail(
        raw, "measures", ~m["unit"].isin(UNITS), "unit", f"unit must be one of {', '.join(UNITS)}"
    )
    _fail(
        raw,
        "measures",
        ~m["polarity"].isin(POLARITIES),
        "polarity",
        "polarity must be higher, lower or neutral",
    )
    _fail(
        raw,
        "measures",
        ~m["frequency"].isin(FREQUENCY_NAMES),
        "frequency",
        f"frequency must be one of {', '.join(FREQUENCY_NAMES)}",
    )
    measures = m.copy()
    measures["targeted"] = _booleans(raw, "measures", "targeted", default=True)
    measures["primary_responsibility"] = _booleans(raw, "measures", "primary_responsibility", False)
    measures["proposed"] = _booleans(raw, "measures", "proposed", False)
    measures["cumulative"] = _booleans(raw, "measures", "cumulative", False)
    measures["signed"] = _booleans(raw, "measures", "signed", False)
    status_words(raw.meta)  # a wrong value is refused here, before any figure is computed
    decimals, bad = parse_numbers(m["decimals"])
    bad |= decimals.notna() & ~decimals.isin([0, 1, 2, 3, 4])
    _fail(raw, "measures", bad, "decimals", "decimals must be a whole number from 0 to 4")
    measures["decimals"] = decimals.astype("Int64")
    _fail(
        raw,
        "measures",
        measures["targeted"] & (m["polarity"] == "neutral"),
        "polarity",
        "a targeted measure needs polarity higher or lower to be judged against its target; "
        "set targeted to false for a contextual measure",
    )
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

    for name, cols in (
        ("targets", ("target", "tolerance")),
        ("actuals", ("actual",)),
        ("benchmarks", ("value",)),
    ):
        frame = frames[name]
        percent = frame["measure_id"].map(unit_of).isin(["percent", "milestone"])
        for col in cols:
            values, bad = parse_numbers(t[name][col], percent_ok=percent)
            _fail(
                raw,
                name,
                bad,
                col,
                "must be a number (e.g. 72 or 45.9); blank or n/a if none"
                + ("" if percent.all() else "; a % sign is allowed only for percent measures"),
            )
            frame[col] = values.to_numpy()
        if name == "targets":
            _fail(
                raw,
                name,
                pd.Series((frame["tolerance"] < 0).to_numpy(), index=t[name].index),
                "tolerance",
                "tolerance must not be negative",
            )
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
        words = status_words(self.meta)
        return assess(self.framework.measures, self.targets, self.actuals, period, words)

    def summary(self, period: str | Period) -> pd.DataFrame:
        """One row per strategy: the "How is success measured?" counts for `period`."""
        return summarise(self.assess(period), self.framework.strategies)

    def history(self, measure_id: str) -> pd.DataFrame:
        """A measure's actuals and targets over time, oldest first (for charts and SPC)."""
        a = self.actuals[self.actuals["measure_id"] == measure_id]
        tg = self.targets[self.targets["measure_id"] == measure_id]
        out = a[["period", "start", "end", "actual", "source"]].merge(
            tg[["period", "start", "end", "target", "tolerance"]],
            on=["period", "start", "end"],
            how="outer",
        )
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

    def spc(self, measure_id: str, **options: Any) -> Any:
        """The measure's XmR chart calculation (Making Data Count), from its history.

        Direction from the measure's polarity, target from its latest target, rebase points from
        the `rebases` table; `options` go to `pa.spc` (fix_after_n_points, screen_outliers).
        """
        from perfanalysis.spc import polarity_to_improvement, spc

        m = self.framework.measures.set_index("measure_id")
        if measure_id not in m.index:
            raise KeyError(f"no measure '{measure_id}' in this dataset")
        row = m.loc[measure_id]
        h = self.history(measure_id)
        h = h[h["actual"].notna()]
        values = pd.Series(h["actual"].to_numpy(), index=pd.Index(h["period"], name="period"))
        targets = h["target"].dropna() if bool(row["targeted"]) else pd.Series(dtype=float)
        target = float(targets.iloc[-1]) if len(targets) else None
        r = self.rebases
        rebase = [p for p in r.loc[r["measure_id"] == measure_id, "period"] if p in values.index]
        return spc(
            values,
            improvement=polarity_to_improvement(row["polarity"]),
            target=target,
            rebase=rebase or None,
            **options,
        )

    def comparisons(self, figures: pd.DataFrame | None = None) -> pd.DataFrame:
        """Rank and quartile among comparator councils, per measure and period (1 = best).

        Uses the `benchmarks` table; where it lacks this council's own value for a measure and
        period, the council's actual is used.
        """
        from perfanalysis.comparators import rank_within_group

        b = self.benchmarks
        columns = ["measure_id", "period", "group", "value", "rank", "n", "quartile", "median"]
        if b.empty:
            return pd.DataFrame(columns=columns)
        b = b[["measure_id", "period", "area", "value", "group"]].copy()
        b["group"] = b["group"].replace("", "Comparator group")
        own = b[b["area"] == self.organisation][["measure_id", "period", "group"]]
        missing = (
            b[["measure_id", "period", "group"]]
            .drop_duplicates()
            .merge(own, how="left", indicator=True)
            .query("_merge == 'left_only'")
            .drop(columns="_merge")
        )
        if len(missing):
            a = self.actuals[["measure_id", "period", "actual"]]
            add = missing.merge(a, on=["measure_id", "period"], how="inner")
            add = add.rename(columns={"actual": "value"}).assign(area=self.organisation)
            b = pd.concat([b, add[b.columns]], ignore_index=True)
        polarity = self.framework.measures.set_index("measure_id")["polarity"]
        return rank_within_group(b, self.organisation, polarity)


def load(path: str | Path) -> Dataset:
    """Load a dataset from a folder of CSV files or an .xlsx workbook; DataError on bad input."""
    return build(read_raw(path))
