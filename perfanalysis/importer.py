"""A council's one-sheet KPI register turned into a dataset folder (`perfanalysis import`).

A district or county performance team keeps its KPIs in one sheet: one row per KPI with its code,
title, service, unit, polarity, a column per quarter's actual (and target), its own RAG and a
commentary. A mapping file (YAML) names those columns; this module writes the nine-table dataset
the rest of perfanalysis reads, plus a parameters file, into a new folder. Nothing is guessed: a
blank or unknown unit, polarity or frequency is an error naming the register's row and column
unless the mapping gives a default. See docs/importing.md.

Levels a register lacks get one documented default: the council's services become strategies
under one theme (named in the mapping), each service has one outcome, "<service> KPIs".
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfanalysis.dataset import NA_TOKENS, _workbook_cell, parse_numbers
from perfanalysis.errors import DatasetError, ParameterError, PeriodError
from perfanalysis.framework import TABLES
from perfanalysis.periods import Period
from perfanalysis.safe_yaml import YAMLProblem, load_yaml
from perfanalysis.skeleton import parameters_text

__all__ = ["import_register", "import_command", "SYNONYMS"]

#: The largest register read (bytes) and the most rows read from its sheet.
MAX_REGISTER_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
_HEADER_ROWS = 10  # the header must be within the first rows of the sheet

#: The council's words (lower case, spaces collapsed) -> the canonical value, per column.
SYNONYMS: dict[str, dict[str, str]] = {
    "unit": {
        **dict.fromkeys(["percent", "%", "percentage", "per cent", "pct"], "percent"),
        **dict.fromkeys(["count", "number", "no.", "no", "#", "total"], "count"),
        **dict.fromkeys(["days", "day", "number of days", "no. of days"], "days"),
        **dict.fromkeys(["gbp", "£", "pounds", "money"], "gbp"),
        **dict.fromkeys(["score", "points"], "score"),
        "ratio": "ratio",
        **dict.fromkeys(["milestone", "% complete"], "milestone"),
        **dict.fromkeys(
            ["rate_per_1000", "rate per 1,000", "per 1,000", "per 1000"], "rate_per_1000"
        ),
        **dict.fromkeys(
            ["rate_per_10000", "rate per 10,000", "per 10,000", "per 10000"], "rate_per_10000"
        ),
        **dict.fromkeys(
            ["rate_per_100000", "rate per 100,000", "per 100,000", "per 100000"], "rate_per_100000"
        ),
    },
    "polarity": {
        **dict.fromkeys(
            ["higher", "high", "higher is better", "bigger is better", "up", "increase", "max"],
            "higher",
        ),
        **dict.fromkeys(
            ["lower", "low", "lower is better", "smaller is better", "down", "decrease", "min"],
            "lower",
        ),
        **dict.fromkeys(["neutral", "none", "n/a", "contextual", "no polarity"], "neutral"),
    },
    "frequency": {
        **dict.fromkeys(["quarterly", "quarter", "qtr", "q"], "quarterly"),
        **dict.fromkeys(["monthly", "month", "m"], "monthly"),
        **dict.fromkeys(["annual", "annually", "yearly", "year", "financial year"], "annual"),
        **dict.fromkeys(["academic_year", "academic year", "academic"], "academic_year"),
    },
    "boolean": {
        **dict.fromkeys(["true", "yes", "y", "1", "ytd", "year to date", "cumulative"], "true"),
        **dict.fromkeys(["false", "no", "n", "0"], "false"),
    },
    "status": {
        **dict.fromkeys(["green", "g"], "Green"),
        **dict.fromkeys(["amber", "a"], "Amber"),
        **dict.fromkeys(["red", "r"], "Red"),
        "achieved": "Achieved",
        "not achieved": "Not achieved",
        "improving but not achieved": "Improving but not achieved",
    },
}
#: Mapping keys: the columns a register must have, and those it may have.
_REQUIRED_COLUMNS = ("code", "title", "service")
_OPTIONAL_COLUMNS = ("unit", "polarity", "frequency", "decimals", "targeted", "cumulative",
                     "signed", "tolerance", "notes", "rag", "commentary")  # fmt: skip
_DEFAULTABLE = ("unit", "polarity", "frequency", "decimals", "targeted", "cumulative", "signed",
                "tolerance")  # fmt: skip
_MAPPING_KEYS = {"organisation", "sheet", "theme", "levels", "status_words", "period", "title",
                 "columns", "defaults", "periods", "source"}  # fmt: skip


@dataclass
class _Mapping:
    organisation: str
    sheet: str | None
    theme: str
    levels: dict[str, str]
    status_words: str
    columns: dict[str, str]
    defaults: dict[str, Any]
    periods: list[dict[str, str]]  # each: period (canonical label), actual, target?, rag?, ...
    period: str  # the reporting period: the register's RAG and commentary are for it
    title: str | None
    source: str


def _words(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value).strip().lower())


def read_mapping(path: Path) -> _Mapping:
    """The mapping YAML, checked: every problem names the key to fix."""
    where = f"mapping {path}"
    try:
        data = load_yaml(path)
    except (OSError, YAMLProblem) as exc:
        raise ParameterError(f"{where}: {exc}") from None
    if not isinstance(data, dict):
        raise ParameterError(f"{where}: expected keys such as organisation, columns, periods")
    unknown = sorted(set(data) - _MAPPING_KEYS)
    if unknown:
        raise ParameterError(
            f"{where}: unknown key '{unknown[0]}'; the keys are {', '.join(sorted(_MAPPING_KEYS))}"
        )
    organisation = str(data.get("organisation") or "").strip()
    if not organisation:
        raise ParameterError(f"{where}: 'organisation' (the council's name) is required")
    columns = data.get("columns") or {}
    if not isinstance(columns, dict):
        raise ParameterError(f"{where}: 'columns' maps each field to the register's heading")
    bad = sorted(set(columns) - set(_REQUIRED_COLUMNS) - set(_OPTIONAL_COLUMNS))
    if bad:
        raise ParameterError(
            f"{where}: columns: unknown field '{bad[0]}'; the fields are "
            f"{', '.join(_REQUIRED_COLUMNS + _OPTIONAL_COLUMNS)}"
        )
    for key in _REQUIRED_COLUMNS:
        if not str(columns.get(key) or "").strip():
            raise ParameterError(f"{where}: columns: '{key}' must name the register's column")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict) or set(defaults) - set(_DEFAULTABLE):
        raise ParameterError(
            f"{where}: defaults may give {', '.join(_DEFAULTABLE)} (used where the register "
            "has no such column, or the cell is blank)"
        )
    periods = data.get("periods")
    if not isinstance(periods, list) or not periods:
        raise ParameterError(
            f"{where}: 'periods' lists each period with the columns of its actual (and target)"
        )
    out_periods = []
    for i, entry in enumerate(periods, start=1):
        if not isinstance(entry, dict) or not entry.get("period") or not entry.get("actual"):
            raise ParameterError(
                f"{where}: periods entry {i} needs 'period' (e.g. Q1 2024/25) and 'actual' "
                "(the heading of its column); 'target' and 'rag' are optional"
            )
        extra = sorted(set(entry) - {"period", "actual", "target", "rag", "commentary"})
        if extra:
            raise ParameterError(f"{where}: periods entry {i}: unknown key '{extra[0]}'")
        try:
            label = Period.parse(str(entry["period"])).label
        except PeriodError as exc:
            raise ParameterError(f"{where}: periods entry {i}: {exc}") from None
        out_periods.append({**{k: str(v) for k, v in entry.items()}, "period": label})
    try:
        period = Period.parse(str(data.get("period") or out_periods[-1]["period"])).label
    except PeriodError as exc:
        raise ParameterError(f"{where}: period: {exc}") from None
    words = str(data.get("status_words") or "achieved").strip().lower()
    if words not in ("achieved", "rag"):
        raise ParameterError(f"{where}: status_words must be 'achieved' or 'rag'")
    source = str(data.get("source") or "register").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", source):
        raise ParameterError(f"{where}: source must be one lower-case word, e.g. register")
    levels = {"theme": "Council", "strategy": "Service", "outcome": "Outcome", "measure": "KPI"}
    levels.update({k: str(v) for k, v in (data.get("levels") or {}).items()})
    return _Mapping(
        organisation=organisation,
        sheet=str(data["sheet"]) if data.get("sheet") else None,
        theme=str(data.get("theme") or "Services").strip(),
        levels=levels,
        status_words=words,
        columns={k: str(v).strip() for k, v in columns.items() if v},
        defaults={k: v for k, v in defaults.items() if v is not None},
        periods=out_periods,
        period=period,
        title=str(data["title"]) if data.get("title") else None,
        source=source,
    )


def read_register(path: Path, sheet: str | None) -> tuple[pd.DataFrame, str]:
    """The register's sheet as text cells with a header, and a name for messages."""
    if not path.is_file():
        raise DatasetError(f"no register at {path}")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise DatasetError(
            f"{path}: the register must be an .xlsx workbook; in Excel use Save As, "
            "'Excel Workbook (*.xlsx)'"
        )
    if path.stat().st_size > MAX_REGISTER_BYTES:
        raise DatasetError(f"{path}: larger than {MAX_REGISTER_BYTES // 2**20} MB")
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise DatasetError(f"file {path}: not a readable .xlsx workbook ({exc})") from None
    try:
        names = {name.strip().lower(): name for name in book.sheetnames}
        if sheet is None:
            name = book.sheetnames[0]
        elif sheet.strip().lower() in names:
            name = names[sheet.strip().lower()]
        else:
            raise DatasetError(
                f"file {path}: no sheet '{sheet}'; its sheets are {', '.join(book.sheetnames)}"
            )
        ws = book[name]
        ws.reset_dimensions()  # a stale <dimension> record must not lose rows
        rows = []
        for i, row in enumerate(ws.iter_rows()):
            if i >= MAX_ROWS:
                raise DatasetError(f"file {path}, sheet '{name}': more than {MAX_ROWS} rows")
            rows.append([_workbook_cell(c.value, getattr(c, "number_format", None)) for c in row])
    finally:
        book.close()
    _no_unsaved_formulas(path, name, rows)
    return rows, f"{path.name}, sheet '{name}'"


def _no_unsaved_formulas(path: Path, sheet: str, rows: list[list[str]]) -> None:
    """A formula cell saved without its value (as openpyxl and some tools write) is an error.

    Read as values only, such a cell is blank: a quarter's figure would silently disappear.
    """
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = book[sheet]
        ws.reset_dimensions()
        for i, row in enumerate(ws.iter_rows(max_row=len(rows))):
            for j, c in enumerate(row):
                text = c.value
                if isinstance(text, str) and text.startswith("=") and rows[i][j] == "":
                    raise DatasetError(
                        f"{path.name}, sheet '{sheet}', cell {_column_letter(j)}{i + 1}: a "
                        "formula with no saved value: open and save the workbook in Excel, or "
                        "paste values"
                    )
    finally:
        book.close()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


class _Register:
    """The register's cells under a header, with errors that name the cell."""

    def __init__(self, rows: list[list[str]], where: str, mapping: _Mapping) -> None:
        self.where = where
        code = _words(mapping.columns["code"])
        found = [i for i, r in enumerate(rows[:_HEADER_ROWS]) if code in map(_words, r)]
        if not found:
            raise DatasetError(
                f"{where}: no header row naming '{mapping.columns['code']}' (columns.code in the "
                f"mapping) in the first {_HEADER_ROWS} rows"
            )
        h = found[0]
        header = [str(c).strip() for c in rows[h]]
        self.index = {_words(c): i for i, c in enumerate(header) if c}
        width = len(header)
        body = [list(r[:width]) + [""] * (width - len(r)) for r in rows[h + 1 :]]
        frame = pd.DataFrame(body, columns=range(width), dtype=object).fillna("")
        frame = frame.astype(str).apply(lambda c: c.str.strip()) if len(frame) else frame
        frame["_row"] = np.arange(h + 2, h + 2 + len(frame))
        blank = (frame.drop(columns="_row") == "").all(axis=1)
        self.frame = frame[~blank].reset_index(drop=True)
        self.header = header

    def column(self, heading: str, key: str) -> pd.Series:
        """The cells under `heading`; an error naming the mapping key when it is not there."""
        i = self.index.get(_words(heading))
        if i is None:
            raise DatasetError(
                f"{self.where}: no column '{heading}' (named by {key} in the mapping); the "
                f"header has {', '.join(repr(h) for h in self.header if h)}"
            )
        return self.frame[i]

    def cell(self, mask: pd.Series, heading: str) -> tuple[int, str, str]:
        """(row, cell reference, value) of the first row in `mask`, for a message."""
        first = self.frame[mask].iloc[0]
        i = self.index[_words(heading)]
        return int(first["_row"]), f"{_column_letter(i)}{int(first['_row'])}", str(first[i])

    def fail(self, mask: pd.Series, heading: str, message: str) -> None:
        if not mask.any():
            return
        row, ref, value = self.cell(mask, heading)
        more = f" ({int(mask.sum())} rows have this problem)" if mask.sum() > 1 else ""
        raise DatasetError(
            f"{self.where}, cell {ref} (row {row}, column '{heading}'), value {value!r}: "
            f"{message}{more}"
        )


def _field(reg: _Register, m: _Mapping, key: str, kind: str | None = None) -> pd.Series:
    """A canonical column from the register, or the mapping's default; errors name the cell."""
    heading = m.columns.get(key)
    default = m.defaults.get(key)
    if heading is None and default is None and kind in ("unit", "polarity", "frequency"):
        raise ParameterError(
            f"the register has no {key} column: name it in columns.{key} or give defaults.{key} "
            "in the mapping (nothing is guessed)"
        )
    if heading is None:
        text = pd.Series("" if default is None else str(default), index=reg.frame.index)
    else:
        text = reg.column(heading, f"columns.{key}")
        if default is not None:
            text = text.where(text != "", str(default))
    if kind is None:
        return text.astype(object)
    table = SYNONYMS[kind]
    accepted = ", ".join(sorted(set(table.values())))
    words = text.map(_words)
    if default is not None and _words(default) not in table:
        raise ParameterError(f"defaults.{key}: '{default}' is not one of {accepted}")
    if heading is not None:
        blank = words == ""
        if key in ("unit", "polarity", "frequency"):
            reg.fail(blank, heading, f"{key} is blank; write one of {accepted}, or give "
                     f"defaults.{key} in the mapping")  # fmt: skip
        reg.fail(~blank & ~words.isin(table), heading, f"{key} must be one of {accepted} "
                 "(or a synonym listed in docs/importing.md)")  # fmt: skip
    return words.map(table).fillna("")


def import_register(register: str | Path, mapping: str | Path, out: str | Path) -> dict[str, int]:
    """Write the dataset folder `out` from the register and its mapping; counts of what it wrote.

    `out` must not exist or be an empty folder; the folder appears complete or not at all.
    """
    register, out = Path(register), Path(out)
    _check_out(out)
    m = read_mapping(Path(mapping))
    rows, where = read_register(register, m.sheet)
    reg = _Register(rows, where, m)
    tables = _tables(reg, m)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.importing-", dir=out.parent))
    try:
        for name, frame in tables.items():
            _write_csv(staging / f"{name}.csv", frame)
        (staging / "dataset.yaml").write_text(_dataset_yaml(m, register), encoding="utf-8")
        (staging / "parameters.yaml").write_text(
            parameters_text(m.organisation, m.period, title=m.title), encoding="utf-8"
        )
        if out.exists():
            out.rmdir()  # empty: checked above
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {
        "kpis": len(tables["measures"]),
        "services": len(tables["strategies"]),
        "actuals": len(tables["actuals"]),
        "targets": len(tables["targets"]),
    }


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DatasetError(
            f"--out {out}: the folder exists and is not empty; give a new folder (nothing is "
            "ever overwritten)"
        )


def _slug(text: pd.Series) -> pd.Series:
    s = text.str.lower().str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-")
    return s.where(s != "", "service")


def _tables(reg: _Register, m: _Mapping) -> dict[str, pd.DataFrame]:
    f = reg.frame
    code_h, title_h, service_h = (m.columns[k] for k in _REQUIRED_COLUMNS)
    code = reg.column(code_h, "columns.code")
    title = reg.column(title_h, "columns.title")
    service = reg.column(service_h, "columns.service")
    reg.fail(code == "", code_h, "a KPI row needs its code")
    reg.fail(code.duplicated(), code_h, "this code appears on an earlier row; codes must be unique")
    reg.fail(title == "", title_h, "a KPI needs its title")
    reg.fail(service == "", service_h, "a KPI needs its service (the level above it)")

    unit = _field(reg, m, "unit", "unit")
    polarity = _field(reg, m, "polarity", "polarity")
    frequency = _field(reg, m, "frequency", "frequency")
    targeted = _field(reg, m, "targeted", "boolean").replace("", "true")
    cumulative = _field(reg, m, "cumulative", "boolean").replace("", "false")
    signed = _field(reg, m, "signed", "boolean").replace("", "false")
    decimals = _field(reg, m, "decimals")
    if "polarity" in m.columns:
        reg.fail((targeted == "true") & (polarity == "neutral"), m.columns["polarity"],
                 "a KPI with a target needs polarity higher or lower; set it, or mark the KPI "
                 "as not targeted")  # fmt: skip
    if "decimals" in m.columns:
        values, bad = parse_numbers(decimals)
        reg.fail(bad | (values.notna() & ~values.isin([0, 1, 2, 3, 4])), m.columns["decimals"],
                 "decimals must be a whole number from 0 to 4")  # fmt: skip

    sid = _slug(service)
    services = pd.DataFrame({"service": service, "strategy_id": sid}).drop_duplicates("service")
    clash = services["strategy_id"].duplicated()
    if clash.any():
        raise DatasetError(
            f"{reg.where}: the services '{services['service'][clash].iloc[0]}' and another "
            "service have the same name once punctuation is dropped; rename one"
        )
    theme_id = _slug(pd.Series([m.theme])).iloc[0]
    measures = pd.DataFrame({"measure_id": code, "strategy_id": sid, "outcome_id": sid + "-kpis",
                             "title": title, "unit": unit, "polarity": polarity,
                             "targeted": targeted, "frequency": frequency, "decimals": decimals,
                             "cumulative": cumulative, "signed": signed,
                             "notes": _field(reg, m, "notes")})  # fmt: skip

    percent = unit.isin(["percent", "milestone"])
    tolerance = _numbers(reg, m, _field(reg, m, "tolerance"), m.columns.get("tolerance"), percent)
    actuals, targets = [], []
    for entry in m.periods:  # one step per period column of the register, never per row
        label = entry["period"]
        actual = _numbers(reg, m, reg.column(entry["actual"], f"periods {label} actual"),
                          entry["actual"], percent)  # fmt: skip
        reported = pd.Series("", index=f.index, dtype=object)
        note = pd.Series("", index=f.index, dtype=object)
        rag_h = entry.get("rag") or (m.columns.get("rag") if label == m.period else None)
        if rag_h:
            words = reg.column(rag_h, f"periods {label} rag").map(_words)
            words = words.where(~words.isin(NA_TOKENS), "")
            reg.fail((words != "") & ~words.isin(SYNONYMS["status"]), rag_h,
                     "a RAG must be Green, Amber or Red (G, A, R), or Achieved, Not achieved, "
                     "Improving but not achieved")  # fmt: skip
            reported = words.map(SYNONYMS["status"]).fillna("")
            reg.fail((reported != "") & actual.isna(), rag_h,
                     "this KPI has a RAG but no actual for the period: give the figure, or "
                     "leave the RAG blank")  # fmt: skip
        note_h = entry.get("commentary") or (
            m.columns.get("commentary") if label == m.period else None
        )
        if note_h:
            note = reg.column(note_h, f"periods {label} commentary")
        has = actual.notna()
        actuals.append(pd.DataFrame({"measure_id": code[has], "period": label,
                                     "actual": actual[has].map(_number), "source": m.source,
                                     "note": note[has],
                                     "reported_status": reported[has]}))  # fmt: skip
        if entry.get("target"):
            target = _numbers(reg, m, reg.column(entry["target"], f"periods {label} target"),
                              entry["target"], percent)  # fmt: skip
            has = target.notna()
            targets.append(pd.DataFrame({"measure_id": code[has], "period": label,
                                         "target": target[has].map(_number),
                                         "tolerance": tolerance[has].map(_number)}))  # fmt: skip
    return {
        "themes": pd.DataFrame({"theme_id": [theme_id], "title": [m.theme], "description": [""]}),
        "strategies": pd.DataFrame(
            {
                "strategy_id": services["strategy_id"],
                "theme_id": theme_id,
                "title": services["service"],
                "purpose": "",
            }
        ),  # fmt: skip
        "outcomes": pd.DataFrame(
            {
                "outcome_id": services["strategy_id"] + "-kpis",
                "strategy_id": services["strategy_id"],
                "title": services["service"] + " KPIs",
            }
        ),  # fmt: skip
        "measures": measures,
        "targets": pd.concat(targets, ignore_index=True) if targets else _empty("targets"),
        "actuals": pd.concat(actuals, ignore_index=True),
    }


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame(columns=list(TABLES[name].columns))


def _numbers(
    reg: _Register, m: _Mapping, text: pd.Series, heading: str | None, percent: pd.Series
) -> pd.Series:
    values, bad = parse_numbers(text, percent_ok=percent)
    if heading is not None:
        reg.fail(bad, heading, "must be a number (e.g. 72, 45.9, 1,234, or 70% for a percent "
                 "KPI); blank or n/a if there is none")  # fmt: skip
    elif bad.any():
        raise ParameterError("a default in the mapping must be a number")
    return values


def _number(value: float) -> str:
    """A figure written in full (never 1e-05), '' for none."""
    if pd.isna(value):
        return ""
    return np.format_float_positional(float(value), trim="-")


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(frame.columns)
        writer.writerows(frame.astype(object).fillna("").itertuples(index=False))


def _dataset_yaml(m: _Mapping, register: Path) -> str:
    import yaml

    years = sorted({Period.parse(p["period"]).fy for p in m.periods})
    meta = {
        "organisation": m.organisation,
        "levels": m.levels,
        "status_words": m.status_words,
        "reporting_years": {
            "from": Period.financial_year(years[0]).label,
            "to": Period.financial_year(max(years[-1], Period.parse(m.period).fy)).label,
        },
        "notes": (
            f"Imported from the KPI register {register.name} by `perfanalysis import`. The "
            f"register has no themes or outcomes: every service is a strategy under the one "
            f"theme '{m.theme}', with one outcome, '<service> KPIs'."
        ),
    }
    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=96)


def import_command(register: Path, mapping: Path, out: Path) -> int:
    """`perfanalysis import`: write the folder and say what to run next."""
    counts = import_register(register, mapping, out)
    m = read_mapping(mapping)
    print(
        f"imported {counts['kpis']} KPIs of {counts['services']} services "
        f"({counts['actuals']} actuals, {counts['targets']} targets) into {out}\n"
        f"next: perfanalysis validate {out} --period '{m.period}'\n"
        f"then: perfanalysis run {out / 'parameters.yaml'}"
    )
    return 0
