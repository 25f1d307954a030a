"""Read a dataset (a folder of CSV files or one .xlsx workbook) into checked, typed frames.

Data flows one way: files -> `read_raw` (text cells, with the row number a person sees, and every
problem met while reading, collected) -> the rule book (`perfanalysis.quality`: the suites in
expectations/, evaluated in pandas) -> `build` (types and links; refuses data the rule book
rejects, naming file, table, row and column) -> `Dataset`, which assesses measures for a period.
The data-quality gate (`quality.validate`) and the loader read through the same `read_raw` and
judge by the same rules.

Rules for what real exports contain are documented in docs/data-format.md ("Messy input"): text
that is not UTF-8 is read as Windows-1252, a byte-order mark is ignored, spaces around cells are
dropped, `1,234` and `70%` (percent measures only) are numbers, `n/a` and blanks are missing,
Excel dates are dates, blank rows are skipped, title rows above the header are skipped, and the
enumerated columns accept the council's own words (any case, documented synonyms), written out
in canonical form.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfanalysis.errors import DataError, DatasetError
from perfanalysis.framework import (
    PERIOD_TABLES,
    TABLES,
    VOCABULARY,
    Framework,
    canonical_key,
    vocabulary_lookup,
)
from perfanalysis.periods import Period
from perfanalysis.status import assess, status_words, summarise

__all__ = ["Dataset", "RawDataset", "load", "read_raw", "build", "parse_numbers", "NA_TOKENS",
           "MAX_CELL_CHARS", "MAX_CSV_BYTES", "MAX_WORKBOOK_BYTES", "MAX_SHEET_CELLS"]  # fmt: skip

#: Cell text read as "no value" in a numeric or optional column.
NA_TOKENS = frozenset({"", "n/a", "na", "-", "..", "none", "null", "nan", "#n/a"})
_TRUE = frozenset({"true", "yes", "y", "1", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "f"})
_TITLE_ROWS = 5  # header must be within the first rows of a file or sheet
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL = r"[+-]?(\d+\.?\d*|\.\d+)"

#: Bounds on what is read (docs/data-format.md, "Size limits"), so that every input is read in
#: bounded memory: a CSV file is read whole (about ten times its size in memory); a workbook's
#: sheets are read cell by cell from the zip, and only the cells that hold something are kept.
MAX_CELL_CHARS = 131_072  # one cell: as Python's csv module; Excel itself stops at 32,767
MAX_CSV_BYTES = 512 * 1024 * 1024
MAX_WORKBOOK_BYTES = 64 * 1024 * 1024  # the .xlsx file itself
MAX_WORKBOOK_XML_BYTES = 128 * 1024 * 1024  # its parts unzipped (a "zip bomb" is refused)
MAX_SHEET_CELLS = 2_000_000  # cells that hold something, all sheets together
_MAX_COLUMNS = 256  # a table wider than this is stray cells far to the right


@dataclass
class RawDataset:
    """A dataset as read from disk: every cell as text, with the row number a person sees.

    `problems` holds every problem met while reading (a file that cannot be read, a missing
    table, a formula with no saved value, ...), each a DatasetError or DataError naming file,
    sheet, row and column; `notes` holds what was read by a documented rule a person should know
    of (hidden sheets and rows), also as errors carrying the place. Neither stops the reading:
    the gate reports them all, the loader refuses data with problems.
    """

    path: Path
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    files: dict[str, str] = field(default_factory=dict)  # table -> file (and sheet) it came from
    input_files: list[Path] = field(default_factory=list)
    problems: list[DatasetError] = field(default_factory=list)
    notes: list[DatasetError] = field(default_factory=list)

    def raise_problems(self) -> None:
        """Raise the first problem met while reading, saying how many more there are."""
        if not self.problems:
            return
        first = self.problems[0]
        if len(self.problems) == 1:
            raise first
        more = (
            f" (and {len(self.problems) - 1} more problems: "
            "run `perfanalysis validate` to list them)"
        )
        if isinstance(first, DataError):
            raise DataError(first.reason + more, table=first.table, row=first.row,
                            column=first.column, value=first.value, file=first.file)  # fmt: skip
        raise DatasetError(str(first) + more)


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


def _too_many_cells(table: str, where: str, row: int, cells: list[str], width: int) -> DataError:
    while cells and not cells[-1]:
        cells.pop()
    return DataError(
        f"this row has {len(cells)} cells but the header names {width} columns; a value "
        "that contains a comma must be in double quotes, and every column needs a name "
        "in the header row",
        table=table,
        row=row,
        value=",".join(cells),
        file=where.removeprefix("file "),
    )


def _body(body: pd.DataFrame, header: list[str], first_row: int, table: str,
          where: str) -> pd.DataFrame:  # fmt: skip
    """Name the columns of a text frame, add `_row`, strip spaces, drop blank rows.

    `body` holds the rows below the header, as text, its columns in order; `first_row` is the
    spreadsheet row number of its first row. Vectorised: no Python loop per row.
    """
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body = body.fillna("")
    if body.shape[1] > width:
        extra = body.iloc[:, width:].apply(lambda col: col.str.strip() != "").any(axis=1)
        if extra.any():
            i = int(np.flatnonzero(extra.to_numpy())[0])
            cells = [str(c).strip() for c in body.iloc[i].tolist()]
            raise _too_many_cells(table, where, first_row + i, cells, width)
        body = body.iloc[:, :width]
    for j in range(body.shape[1], width):
        body[j] = ""
    body.columns = header
    keep = [c != "" for c in body.columns]
    body = body.loc[:, keep]
    if body.columns.duplicated().any():
        dup = body.columns[body.columns.duplicated()][0]
        raise DatasetError(f"{where}: column '{dup}' appears twice in the header")
    frame = pd.DataFrame(index=body.index)
    blank = np.ones(len(body), dtype=bool)
    for col in body.columns:
        s = body[col]
        if not isinstance(s.dtype, pd.StringDtype):
            s = s.astype(str)
        if _plain_cells(s):  # the common case: nothing to strip or refuse, no copy
            frame[col] = s
            blank &= (s == "").to_numpy()
            continue
        long = s.str.len() > MAX_CELL_CHARS
        if long.any():
            i = int(np.flatnonzero(long.to_numpy())[0])
            raise DataError(
                f"this cell holds {len(s.iloc[i]):,} characters, more than the "
                f"{MAX_CELL_CHARS:,} a cell may hold; a cell is one value",
                table=table, row=first_row + i, column=col,
                file=where.removeprefix("file "),
            )  # fmt: skip
        s = s.str.strip()
        frame[col] = s
        blank &= (s == "").to_numpy()
    frame["_row"] = np.arange(first_row, first_row + len(frame))
    if not blank.any():  # the common case: no copy of every column
        return frame.reset_index(drop=True)
    return frame[~blank].reset_index(drop=True)


def _plain_cells(s: pd.Series) -> bool:
    """True when no cell of a text column can need stripping or refusing: each has at most
    MAX_CELL_CHARS bytes (so at most as many characters) and starts and ends with printable
    ASCII other than a space. Read from the Arrow column's offsets and bytes, without a Python
    string per cell; False where the column is not held by Arrow or has missing cells.
    """
    import pyarrow as pa

    try:
        column = s.array.__arrow_array__()
    except (AttributeError, TypeError, pa.ArrowException):
        return False
    for chunk in column.chunks if isinstance(column, pa.ChunkedArray) else [column]:
        if chunk.null_count or not (
            pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)
        ):
            return False
        if not len(chunk):
            continue
        wide = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        _, offsets_buffer, data_buffer = chunk.buffers()
        first = chunk.offset
        offsets = np.frombuffer(offsets_buffer, dtype=wide)[first : first + len(chunk) + 1]
        starts, ends = offsets[:-1], offsets[1:]
        if (ends - starts).max() > MAX_CELL_CHARS:
            return False
        full = ends > starts
        if full.any():
            data = np.frombuffer(data_buffer, dtype=np.uint8)
            edges = np.concatenate([data[starts[full]], data[ends[full] - 1]])
            if not ((edges > 0x20) & (edges < 0x7F)).all():
                return False
    return True


def _frame(rows: list[list[Any]], table: str, where: str) -> pd.DataFrame:
    """Text frame from rows (a workbook sheet); adds `_row` and drops blank rows."""
    h = _header_index(rows, table, where)
    header = [str(c).strip().lower() if c is not None else "" for c in rows[h]]
    below = rows[h + 1 :]
    width = max((len(r) for r in below), default=0)
    if any(len(r) != width for r in below):  # short rows (an irregular CSV): pad with blanks
        below = [list(r) + [""] * (width - len(r)) for r in below]
    body = pd.DataFrame(below, dtype=object)
    if body.shape[1] == 0:
        body = pd.DataFrame(index=range(len(rows) - h - 1))
    return _body(body, header, h + 2, table, where)


def _top_rows(text: str) -> list[list[str]]:
    """The first rows of a file, for finding the header; a line too odd to parse is blank."""
    if not text.strip():
        return []
    rows = []
    for line in text.split("\n", _TITLE_ROWS)[:_TITLE_ROWS]:
        try:
            rows.append(next(csv.reader([line.rstrip("\r")]), []))
        except csv.Error:  # e.g. a cell longer than csv's field limit: not a header row
            rows.append([""])
    return rows


def _longest_line(data: bytes, start: int, lines: int = 1000) -> int:
    """Bytes in the longest of the first `lines` lines from `start` (a sample, for the reader's
    block size)."""
    longest, pos, size = 0, start, len(data)
    for _ in range(lines):
        end = data.find(b"\n", pos)
        if end < 0:
            return max(longest, size - pos)
        longest, pos = max(longest, end - pos), end + 1
    return longest


def _fast_body(data: bytes, h: int, width: int, start: int = 0) -> pd.DataFrame | None:
    """The rows below the header by pyarrow's CSV reader, or None for an irregular file.

    `data` is the file as UTF-8 from byte `start` (after a byte-order mark); pyarrow checks that
    it is UTF-8 and gives None where it is not. A blank line is a row of blanks, so the n-th row
    read is spreadsheet row h + 2 + n. A file with a row of another width (a short row, or a
    comma not in quotes) is read again by `_careful_rows`, and `_frame` says which row is wrong.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]

    def on_invalid(row: Any) -> str:
        return "error"  # one row of another width is enough: the careful path names it

    size = len(data) - start
    # A block holds whole rows: a file with a row longer than the default (1 MiB) is read in
    # one block, so that an over-long cell reaches `_body`, which names its row and column.
    whole = size < 1 << 20 or data.find(b"\n", start, start + (1 << 20)) >= 0
    block = 1 << 20 if whole else size + 1
    block = max(block, min(size + 1, 4 * _longest_line(data, start) + 1))
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)[start:]),  # the file's bytes, not a copy
            read_options=pacsv.ReadOptions(skip_rows=h + 1, column_names=names, block_size=block),
            parse_options=pacsv.ParseOptions(
                ignore_empty_lines=False, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                strings_can_be_null=False, quoted_strings_can_be_null=False,
                column_types=dict.fromkeys(names, pa.large_string()),
            ),
        )  # fmt: skip
    except (pa.ArrowInvalid, ValueError):
        return None
    frame = table.to_pandas(
        types_mapper={pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get
    )
    frame.columns = range(frame.shape[1])
    return frame


def _utf8_read(data: bytes, table: str, where: str) -> pd.DataFrame | None:
    """The common case read straight from the file's bytes: UTF-8 (a byte-order mark allowed),
    the header in the top rows, every row as wide as the header. None for anything else, which
    `_read_csv` reads by the careful path (decoded as text, with its messages).

    The bytes go to pyarrow as they are: no decoded copy of the file and no re-encoded one.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    end = start
    for _ in range(_TITLE_ROWS):
        end = data.find(b"\n", end) + 1
        if end == 0:
            end = len(data)
            break
    try:
        top = _top_rows(data[start:end].decode("utf-8"))
        h = _header_index(top, table, where) if top else None
    except (UnicodeDecodeError, DatasetError):
        return None
    if h is None:
        return None
    body = _fast_body(data, h, len(top[h]), start)
    if body is None:
        return None
    return _body(body, [str(c).strip().lower() for c in top[h]], h + 2, table, where)


def _careful_rows(text: str, where: str) -> list[list[str]]:
    """Every record of an irregular file (rows of different widths) by Python's csv reader.

    Only files the fast reader refuses come here: the rows are then checked by `_frame`, which
    names a row with more cells than the header, and pads short rows with blanks.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise DatasetError(
                f"{where}, line {reader.line_num}: a cell holds more than the "
                f"{MAX_CELL_CHARS:,} characters a cell may hold"
            ) from None
        raise DatasetError(f"{where}, line {reader.line_num}: not a readable CSV file "
                           f"({exc})") from None  # fmt: skip


def _read_csv(path: Path, table: str) -> pd.DataFrame:
    """One CSV file as a text frame, by pyarrow's CSV reader (no Python loop per row)."""
    if path.is_dir():
        raise DatasetError(f"{path}: is a folder, not a CSV file; the table '{table}' is the "
                           f"file {table}.csv")  # fmt: skip
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise DatasetError(f"file {path}: {size / 2**20:,.0f} MiB is more than the "
                               f"{MAX_CSV_BYTES // 2**20} MiB a table may be")  # fmt: skip
        data = path.read_bytes()
    except PermissionError:
        raise DatasetError(
            f"file {path}: cannot be read (permission denied); ask for read "
            "access or copy the file somewhere you can read it"
        ) from None
    except OSError as exc:
        raise DatasetError(f"file {path}: cannot be read ({exc.strerror or exc})") from None
    if data.startswith(b"PK\x03\x04"):
        raise DatasetError(
            f"file {path}: this is an Excel workbook saved under a .csv name; save it as "
            "'CSV UTF-8 (Comma delimited)', or give the .xlsx workbook itself as the dataset"
        )
    where = f"file {path}"
    fast = _utf8_read(data, table, where)
    if fast is not None:
        return fast
    try:
        text = _decode(data)
    except DatasetError as exc:
        raise DatasetError(f"file {path}, {exc}") from None
    del data
    top = _top_rows(text)
    if not top:
        raise DatasetError(f"{where}: the file is empty; it needs at least a header row")
    try:
        h = _header_index(top, table, where)
    except DatasetError as exc:
        first = text.split("\n", 1)[0]
        for sep, name in (("\t", "tabs"), (";", "semicolons")):
            if sep in first and "," not in first:
                raise DatasetError(
                    f"{exc}. The file seems to be separated by {name}: save it as "
                    "'CSV UTF-8 (Comma delimited)'"
                ) from None
        raise
    header = [str(c).strip().lower() for c in top[h]]
    body = _fast_body(text.encode("utf-8"), h, len(top[h]))
    if body is None:
        return _frame(_careful_rows(text, where), table, where)
    body.columns = range(body.shape[1])
    return _body(body, header, h + 2, table, where)


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


_CONVERT = {
    ".xls": "an Excel 97-2003 workbook",
    ".xlsb": "an Excel binary workbook",
    ".ods": "an OpenDocument spreadsheet (LibreOffice, Google Sheets)",
    ".numbers": "an Apple Numbers spreadsheet",
}


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")  # a cell's <f> element, any namespace prefix


def _check_zip(path: Path) -> bool:
    """Refuse a workbook too large to read in bounded memory, before opening it.

    Returns whether any sheet holds a formula (only then is the workbook read a second time,
    with its formulas, to find formulas that have no saved value).
    """
    size = path.stat().st_size
    if size > MAX_WORKBOOK_BYTES:
        raise DatasetError(f"file {path}: {size / 2**20:,.0f} MiB is more than the "
                           f"{MAX_WORKBOOK_BYTES // 2**20} MiB a workbook may be; save the "
                           "large tables as CSV files in a dataset folder")  # fmt: skip
    try:
        with zipfile.ZipFile(path) as z:
            unzipped = sum(i.file_size for i in z.infolist())
            if unzipped <= MAX_WORKBOOK_XML_BYTES:
                sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
                formulas = any(_FORMULA.search(z.read(n)) for n in sheets)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise DatasetError(
            f"file {path}: not a readable .xlsx workbook ({exc}); open it in "
            "Excel and save it again as 'Excel Workbook (*.xlsx)'"
        ) from None
    if unzipped > MAX_WORKBOOK_XML_BYTES:
        raise DatasetError(f"file {path}: its sheets unzip to {unzipped / 2**20:,.0f} MiB, more "
                           f"than the {MAX_WORKBOOK_XML_BYTES // 2**20} MiB read; save the large "
                           "tables as CSV files in a dataset folder")  # fmt: skip
    return formulas


def _sheet_rows(values: Any, formulas: Any, where: str, sheet: str, table: str,
                raw: RawDataset, budget: list[int]) -> list[list[str]]:  # fmt: skip
    """The cells of one sheet as rows of text, read sparsely (only cells that hold something).

    `values` is the sheet with saved values, `formulas` the same sheet with formulas: a formula
    cell with no saved value is a problem naming the cell. Hidden rows are read, and noted.
    """
    cells: dict[tuple[int, int], Any] = values._cells
    budget[0] += len(cells)
    if budget[0] > MAX_SHEET_CELLS:
        raise DatasetError(f"{where}: more than {MAX_SHEET_CELLS:,} cells hold something; save "
                           "the large tables as CSV files in a dataset folder")  # fmt: skip
    if not cells:
        return []
    used = [(r, c) for (r, c), cell in cells.items() if cell.value is not None]
    if not used:
        return []
    max_row = max(r for r, _ in used)
    max_col = max(c for _, c in used)
    if max_col > _MAX_COLUMNS:
        far = max(used, key=lambda rc: rc[1])
        raise DatasetError(
            f"{where}: cell {_column_letter(far[1])}{far[0]} holds something, far to the right "
            f"of any table (more than {_MAX_COLUMNS} columns); delete the stray cells beyond "
            "the table and save the workbook again"
        )
    rows: list[list[str]] = [[""] * max_col for _ in range(max_row)]
    missing_values: list[str] = []
    for r, c in used:
        cell = cells[r, c]
        rows[r - 1][c - 1] = _workbook_cell(cell.value, cell.number_format)
    if formulas is not None:
        for (r, c), cell in formulas._cells.items():
            if (
                cell.data_type == "f"
                and (r, c) not in cells
                or (cell.data_type == "f" and cells[r, c].value is None)
            ):
                missing_values.append(f"{sheet}!{_column_letter(c)}{r}")
    for ref in missing_values:
        col = re.sub(r"\d+$", "", ref.split("!")[1])
        raw.problems.append(
            DataError(
                f"{ref}: a formula with no saved value: open and save the workbook in Excel, "
                "or paste values",
                table=table, row=int(re.sub(r"\D", "", ref.split("!")[1])), column=col,
                file=f"{Path(where.split(',')[0].removeprefix('file ')).name}[{sheet}]",
            )
        )  # fmt: skip
    hidden = [r for r, dim in values.row_dimensions.items() if dim.hidden and r <= max_row]
    if hidden:
        shown = ", ".join(str(r) for r in hidden[:10]) + (" ..." if len(hidden) > 10 else "")
        raw.notes.append(DatasetError(f"{where}: rows {shown} are hidden in Excel; they are "
                                      "read like the others (delete rows you do not want "
                                      "read)"))  # fmt: skip
    return rows


def _read_workbook(path: Path, raw: RawDataset) -> None:
    """Every sheet that names a table (any case, spaces around ignored) into `raw`."""
    import warnings

    import openpyxl

    has_formulas = _check_zip(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of extensions it does not read
            book = openpyxl.load_workbook(path, data_only=True)
            formulas = openpyxl.load_workbook(path, data_only=False) if has_formulas else None
    except Exception as exc:  # openpyxl raises many types for a damaged file
        text = " ".join(str(exc).split())[:200]
        raise DatasetError(f"file {path}: not a readable .xlsx workbook ({type(exc).__name__}: "
                           f"{text}); open it in Excel and save it again as 'Excel Workbook "
                           "(*.xlsx)'") from None  # fmt: skip
    names: dict[str, str] = {}
    budget = [0]
    for name in book.sheetnames:
        key = name.strip().lower()
        if key not in (*TABLES, "dataset"):
            continue
        if key in names:
            raw.problems.append(
                DatasetError(
                    f"file {path}: the sheets '{names[key]}' and '{name}' both name the table "
                    f"'{key}' (sheet names are matched ignoring case and spaces around); keep one"
                )
            )
            continue  # fmt: skip
        names[key] = name
    for table in [*TABLES, "dataset"]:
        if table not in names:
            continue
        name = names[table]
        sheet = book[name]
        where = f"file {path}, sheet '{name}'"
        if sheet.sheet_state != "visible":
            raw.notes.append(DatasetError(f"{where}: the sheet is hidden in Excel; it is read "
                                          "like the others"))  # fmt: skip
        rows = _sheet_rows(sheet, formulas[name] if formulas else None, where, name, table, raw,
                           budget)  # fmt: skip
        if table == "dataset":
            try:
                raw.meta = _meta_from_rows(rows, where)
            except DatasetError as exc:
                raw.problems.append(exc)
            raw.files["dataset"] = f"{path.name}[{name}]"
            continue
        raw.files[table] = f"{path.name}[{name}]"
        if not rows:
            raw.problems.append(DatasetError(f"{where}: the sheet is empty; it needs at least "
                                             "a header row"))  # fmt: skip
            continue
        try:
            raw.tables[table] = _frame(rows, table, where)
        except DatasetError as exc:
            raw.problems.append(exc)
    book.close()
    if formulas is not None:
        formulas.close()
    if "dataset" not in names:
        raw.problems.append(DatasetError(
            f"file {path}: no 'dataset' sheet; it needs columns key and value with at least "
            "the key 'organisation'"))  # fmt: skip


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


def _read_meta(meta_file: Path) -> dict[str, Any]:
    """dataset.yaml, read safely (perfanalysis.safe_yaml: no aliases, at most 1 MiB)."""
    from perfanalysis.safe_yaml import MAX_YAML_BYTES, YAMLProblem, loads_yaml

    try:
        with open(meta_file, "rb") as fh:
            data = fh.read(MAX_YAML_BYTES + 1)
        meta = loads_yaml(_decode(data))
    except IsADirectoryError:
        raise DatasetError(f"{meta_file}: is a folder, not a file") from None
    except OSError as exc:
        raise DatasetError(f"file {meta_file}: cannot be read ({exc.strerror or exc})") from None
    except (YAMLProblem, DatasetError) as exc:
        raise DatasetError(f"file {meta_file}: {exc}") from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise DatasetError(f"file {meta_file}: dataset.yaml must be keys and values "
                           "(organisation: ..., levels: ...)")  # fmt: skip
    return meta


def _canonical_words(raw: RawDataset) -> None:
    """Enumerated columns in canonical form: `GOOD`, `good` -> `Good`; `%` -> `percent`.

    Each distinct spelling is matched once (`canonical_key`, as for dataset.yaml), then the
    column is made by one take. A value that matches no accepted spelling is left as written,
    for the gate to name.
    """
    for (table, column), _ in VOCABULARY.items():
        lookup = vocabulary_lookup(table, column)
        if table == "dataset":
            value = raw.meta.get(column)
            if isinstance(value, str):
                raw.meta[column] = lookup.get(canonical_key(value), value)
            continue
        frame = raw.tables.get(table)
        if frame is None or column not in frame.columns or frame.empty:
            continue
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        written = np.asarray(uniques, dtype=object)
        canonical = np.array([lookup.get(canonical_key(str(w)), w) for w in written], dtype=object)
        if (canonical != written).any():  # only where a spelling changes
            frame[column] = _take_text(canonical, codes)


def read_raw(path: str | Path) -> RawDataset:
    """Read every table of a dataset as text, collecting every problem met (never raising).

    The loader (`build`) refuses a RawDataset with problems; the gate (`quality.validate`)
    reports each as a failed check. A table that cannot be read is left out of `tables`.
    """
    path = Path(path)
    raw = RawDataset(path=path, meta={}, tables={})
    if not path.exists():
        raw.problems.append(DatasetError(f"no dataset at {path}: give a folder of CSV files "
                                         "and dataset.yaml, or an .xlsx workbook"))  # fmt: skip
        return raw
    if path.is_file():
        raw.input_files = [path]
        suffix = path.suffix.lower()
        if suffix in _CONVERT:
            raw.problems.append(DatasetError(
                f"{path}: this is {_CONVERT[suffix]}, which perfanalysis does not read; open it "
                "and save it as 'Excel Workbook (*.xlsx)' (File > Save As), or save each table "
                "as 'CSV UTF-8 (Comma delimited)' in a dataset folder"))  # fmt: skip
            return raw
        if suffix not in (".xlsx", ".xlsm"):
            raw.problems.append(DatasetError(f"{path}: a dataset is a folder of CSV files or an "
                                             ".xlsx workbook"))  # fmt: skip
            return raw
        try:
            _read_workbook(path, raw)
        except DatasetError as exc:
            raw.problems.append(exc)
            return raw
    else:
        meta_file = path / "dataset.yaml"
        raw.input_files = [meta_file]
        if not meta_file.exists():
            raw.problems.append(DatasetError(
                f"{path}: there is no dataset.yaml: it names the organisation and its levels "
                "(see docs/data-format.md)"))  # fmt: skip
        else:
            try:
                raw.meta = _read_meta(meta_file)
            except DatasetError as exc:
                raw.problems.append(exc)
        for table in TABLES:
            file = path / f"{table}.csv"
            if not file.exists():
                continue
            raw.input_files.append(file)
            try:
                raw.tables[table] = _read_csv(file, table)
                raw.files[table] = file.name
            except DatasetError as exc:
                raw.problems.append(exc)
    unreadable = {getattr(p, "table", None) for p in raw.problems}
    unreadable |= {t for p in raw.problems for t in TABLES
                   if f"{t}.csv" in str(p) or f"'{t}'" in str(p)}  # fmt: skip
    for name, spec in TABLES.items():
        if name not in raw.tables:
            if name in unreadable:
                continue
            if not spec.optional_table:
                file = f"{path.name}[{name}]" if path.is_file() else f"{name}.csv"
                raw.problems.append(
                    DataError(
                        f"the table '{name}' is missing: add {name}.csv (or a sheet '{name}') with "
                        f"the columns {', '.join(spec.columns)}",
                        table=name,
                        file=file,
                    )
                )
                continue  # fmt: skip
            raw.tables[name] = pd.DataFrame({c: pd.Series(dtype=object) for c in spec.columns})
            raw.tables[name]["_row"] = pd.Series(dtype="int64")
        frame = raw.tables[name]
        for col in spec.optional:  # added before `_row`, so that a round trip keeps the order
            if col not in frame.columns:
                frame.insert(frame.columns.get_loc("_row"), col, "")
    _canonical_words(raw)
    return raw


# --------------------------------------------------------------------------- typing
def parse_numbers(
    text: pd.Series, percent_ok: pd.Series | bool = False
) -> tuple[pd.Series, pd.Series]:
    """Numbers from text cells by the documented rules; returns (values, bad mask).

    Accepted: plain decimals (`72`, `-3`, `45.9`, `.5`), spaces around, thousands commas in
    groups of three (`1,234`, `12,345.6`), a trailing `%` where `percent_ok` (percent and
    milestone measures), a leading `£` on any number. Missing: blank and the NA_TOKENS (`n/a`,
    `-`, `..`, ...). Anything else is bad, and is never guessed at: `1.2E+06` (Excel's display of
    a number too wide for its column), `inf`, `1 234`, `12,34`, `(5)`, `seventy`.
    The rule book (`quality`) calls this function; the loader takes its values from there.
    """
    values, bad, _ = parse_numbers_with_percent(text, percent_ok)
    return values, bad


def parse_numbers_with_percent(
    text: pd.Series, percent_ok: pd.Series | bool = False
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """`parse_numbers`, and for each row whether its cell ends with a % sign (spaces aside).

    The rule book reads the sign from here: each distinct cell is looked at once, where a
    search of every row's text would read 600,000 cells again.
    """
    codes, uniques = pd.factorize(text.astype(str))
    u = pd.Series(np.asarray(uniques, dtype=object), dtype=object).str.strip()
    missing = u.str.lower().isin(NA_TOKENS).to_numpy(dtype=bool)
    has_pct = u.str.endswith("%").to_numpy(dtype=bool)
    u = u.str.removesuffix("%").str.strip().str.removeprefix("£")
    u = u.where(~u.str.match(_THOUSANDS), u.str.replace(",", "", regex=False))
    plain = u.str.fullmatch(_DECIMAL).fillna(False).to_numpy(dtype=bool)
    parsed = pd.to_numeric(u.where(plain & ~missing, None), errors="coerce").to_numpy(float)
    unreadable = ~missing & np.isnan(parsed)
    # Each distinct cell was parsed once; now back to the rows (a % sign judged per row).
    pct_allowed = pd.Series(percent_ok, index=text.index).fillna(False).to_numpy(dtype=bool)
    percent = has_pct[codes]
    bad = unreadable[codes] | (percent & ~missing[codes] & ~pct_allowed)
    values = np.where(bad, np.nan, parsed[codes])
    return pd.Series(values, index=text.index), pd.Series(bad, index=text.index), percent


def _take_text(values: np.ndarray, codes: np.ndarray) -> Any:
    """`values[codes]` as a column: the dtype is inferred from the few distinct values, and the
    column made by one take (inferring it from one Python string per row costs far more)."""
    return pd.Series(values).take(codes).array


def _boolean(text: pd.Series, default: bool) -> pd.Series:
    """Canonical 'true'/'false' cells (read_raw made them so) as booleans; blank is `default`."""
    s = text.astype(str).str.lower()
    return s.isin(_TRUE) | ((s == "") & default)


def build(raw: RawDataset, evaluated: tuple[Any, Any] | None = None) -> Dataset:
    """Type and link the raw tables; DataError naming the first problem a person must fix.

    Whether the data is acceptable is decided by the rule book alone (`quality`, the suites in
    expectations/, evaluated in pandas); this function only gives the accepted text its types.
    `evaluated` is what `quality.evaluate(raw, period)` returned when the caller has already
    run the gate (the runner): the rules are then not run a second time.
    """
    from perfanalysis import quality

    raw.raise_problems()
    result, ctx = evaluated if evaluated is not None else quality.evaluate(raw, None)
    quality.raise_first_error(result)
    t = raw.tables

    measures = t["measures"].copy()
    measures["targeted"] = _boolean(measures["targeted"], default=True)
    for col in ("primary_responsibility", "proposed", "cumulative", "signed"):
        measures[col] = _boolean(measures[col], default=False)
    status_words(raw.meta)  # a wrong value is refused here, before any figure is computed
    decimals, _ = parse_numbers(measures["decimals"])
    measures["decimals"] = decimals.astype("Int64")
    measures["outcome_id"] = measures["outcome_id"].replace("", None)

    numbers = {"targets": ("target", "tolerance"),
               "actuals": ("actual", "numerator", "denominator"),
               "benchmarks": ("value", "numerator", "denominator")}  # fmt: skip
    frames: dict[str, pd.DataFrame] = {}
    for name in PERIOD_TABLES:
        frame = t[name].copy(deep=False)  # copy-on-write: the raw table is never changed
        p = ctx.periods[name]
        frame["period_as_written"] = frame["period"]
        codes, labels, kinds = ctx.period_codes[name]
        frame["period"] = _take_text(labels, codes)
        frame["period_kind"] = _take_text(kinds, codes)  # benchmarks.kind is a column
        frame["start"] = p["start"].to_numpy()
        frame["end"] = p["end"].to_numpy()
        for col in numbers.get(name, ()):
            values, _ = ctx.parsed(name, col)
            frame[col] = values.to_numpy()
        frames[name] = frame
    frames["actuals"]["source"] = frames["actuals"]["source"].replace("", "unspecified")
    frames["benchmarks"]["kind"] = frames["benchmarks"]["kind"].replace("", "comparator")

    # The framework's frames are what an analyst reads: no internal row numbers (the gate has
    # already named every bad row).
    framework = Framework(
        themes=t["themes"].drop(columns="_row", errors="ignore"),
        strategies=t["strategies"].drop(columns="_row", errors="ignore"),
        outcomes=t["outcomes"].drop(columns="_row", errors="ignore"),
        measures=measures.drop(columns="_row", errors="ignore"),
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

    #: The columns of `assess()` a person reads first, in order (not a dataclass field).
    _READ_FIRST = (
        "measure_id",
        "title",
        "period",
        "actual",
        "target",
        "tolerance",
        "status_label",
        "status",
    )

    # ----------------------------------------------------------------- at a prompt
    def __repr__(self) -> str:
        from perfanalysis.display import dataset_text

        return dataset_text(self)

    def _repr_html_(self) -> str:
        from perfanalysis.display import dataset_html

        return dataset_html(self)

    @property
    def organisation(self) -> str:
        return str(self.meta.get("organisation", "")).strip()

    @property
    def periods(self) -> pd.DataFrame:
        """Every period of the actuals and targets, in time order, with its frequency.

        Columns: period (ordered categorical, so it sorts in time), frequency (monthly,
        quarterly, annual, academic year, ...), start, end, actuals (how many figures were
        reported for it) and targets (how many targets were set for it).
        """
        from perfanalysis.display import _FREQUENCY

        cols = ["period", "period_kind", "start", "end"]
        a = self.actuals[cols].assign(actuals=self.actuals["actual"].notna().astype("int64"))
        t = self.targets[cols].assign(targets=1)
        both = pd.concat([a.assign(targets=0), t.assign(actuals=0)], ignore_index=True)
        out = (
            both.groupby("period", sort=False)
            .agg(
                kind=("period_kind", "first"),
                start=("start", "min"),
                end=("end", "max"),
                actuals=("actuals", "sum"),
                targets=("targets", "sum"),
            )
            .reset_index()
            .sort_values(["end", "start"], kind="stable")
            .reset_index(drop=True)
        )
        out.insert(1, "frequency", out.pop("kind").map(_FREQUENCY).fillna(""))
        out["period"] = out["period"].astype(self._period_dtype())
        return out

    def _period_dtype(self, extra: pd.Series | None = None) -> pd.CategoricalDtype:
        """The dataset's periods (and `extra` labels) as one ordered categorical dtype."""
        from perfanalysis.periods import period_dtype

        labels = [self.actuals["period"], self.targets["period"]]
        if extra is not None:
            labels.append(pd.Series(extra, dtype=object))
        return period_dtype(pd.concat(labels, ignore_index=True))

    # ----------------------------------------------------------------- ids
    def _known(self, kind: str) -> list[str]:
        fw = self.framework
        frame = {"measure": fw.measures, "strategy": fw.strategies, "theme": fw.themes}[kind]
        return [str(v) for v in frame[f"{kind}_id"]]

    def _check_id(self, kind: str, value: Any) -> str:
        """`value` if it is a known measure, strategy or theme id; else UnknownIdError."""
        from perfanalysis.errors import UnknownIdError

        known = self._known(kind)
        if value not in known:
            raise UnknownIdError(kind, value, known)
        return value

    # ----------------------------------------------------------------- figures
    def assess(self, period: str | Period) -> pd.DataFrame:
        """One row per measure of the framework with its figures and status for `period`.

        Returns a DataFrame whose first columns are what a person reads: measure_id, title,
        period (the measure's own period for this reporting period: an annual measure's year),
        actual, target, tolerance, status_label (the council's words), status (the code, a
        `pa.Status` value); then strategy_id, outcome_id, unit, polarity, targeted, frequency,
        decimals, reporting_period, gap, status_symbol, previous_period, previous_actual,
        direction, last_year_period, last_year_actual, direction_last_year, source, and any
        further measure columns. Period columns are ordered categoricals (they sort in time).

        Raises PeriodError when `period` is not a period label; warns (UserWarning) when no
        measure has an actual for the period (every status is then "no data").

        Example::

            ds.assess("Q4 2017/18").query("status == 'not_achieved'")
        """
        import warnings

        from perfanalysis.status import ASSESS_COLUMNS

        p = Period.parse(period)
        out = assess(
            self.framework.measures, self.targets, self.actuals, p, status_words(self.meta)
        )
        if len(out) and not out["actual"].notna().any():
            covered = self.periods
            covered = covered[covered["actuals"] > 0]["period"]
            span = (
                f"the actuals run from {covered.iloc[0]} to {covered.iloc[-1]}"
                if len(covered)
                else "the dataset has no actuals"
            )
            warnings.warn(
                f"no measure has an actual for {p.label}, so every status is 'no data'; {span}",
                UserWarning,
                stacklevel=2,
            )
        period_columns = ["reporting_period", "period", "previous_period", "last_year_period"]
        dtype = self._period_dtype(pd.concat([out[c] for c in period_columns]).dropna())
        for c in period_columns:
            out[c] = out[c].astype(dtype)
        first = [*self._READ_FIRST, *[c for c in ASSESS_COLUMNS if c not in self._READ_FIRST]]
        rest = [c for c in out.columns if c not in first and not c.startswith("_")]
        return out[first + rest]

    def summary(self, period: str | Period) -> pd.DataFrame:
        """One row per strategy: the "How is success measured?" counts for `period`.

        Columns: strategy_id, title, measures, targeted, measured, achieving, improving,
        not_achieving, no_data (and the other status counts). Raises PeriodError for a label
        that is not a period. Example: ``ds.summary("Q4 2017/18")``.
        """
        return summarise(self.assess(period), self.framework.strategies)

    def history(self, measure_id: str) -> pd.DataFrame:
        """A measure's actuals and targets over time, oldest first (for charts and SPC).

        Columns: period (ordered categorical: sorts in time), start, end, actual, source,
        target, tolerance. Raises UnknownIdError (naming the closest ids) for an unknown
        measure. Example: ``ds.history("LA-05").plot(x="period", y="actual")``.
        """
        self._check_id("measure", measure_id)
        a = self.actuals[self.actuals["measure_id"] == measure_id]
        tg = self.targets[self.targets["measure_id"] == measure_id]
        out = a[["period", "start", "end", "actual", "source"]].merge(
            tg[["period", "start", "end", "target", "tolerance"]],
            on=["period", "start", "end"],
            how="outer",
        )
        out = out.sort_values(["end", "start"]).reset_index(drop=True)
        out["period"] = out["period"].astype(self._period_dtype())
        return out

    def highlight(self, strategy_id: str, period: str | Period) -> pd.Series | None:
        """The strategy's highlight narrative for the period, or None when none was given.

        Raises UnknownIdError for an unknown strategy, PeriodError for a bad period label.
        """
        self._check_id("strategy", strategy_id)
        label = Period.parse(period).label
        h = self.highlights
        rows = h[(h["strategy_id"] == strategy_id) & (h["period"] == label)]
        return None if rows.empty else rows.iloc[0]

    def contracts_for(self, strategy_id: str, period: str | Period) -> pd.DataFrame:
        """Key contracts reported with the strategy's highlight report for the period.

        Raises UnknownIdError for an unknown strategy, PeriodError for a bad period label.
        """
        self._check_id("strategy", strategy_id)
        label = Period.parse(period).label
        c = self.contracts
        return c[(c["strategy_id"] == strategy_id) & (c["period"] == label)].reset_index(drop=True)

    def strategy(self, strategy_id: str) -> pd.Series:
        """One strategy's row of the framework; UnknownIdError naming the closest ids."""
        self._check_id("strategy", strategy_id)
        s = self.framework.strategies
        return s[s["strategy_id"] == strategy_id].iloc[0]

    def theme(self, theme_id: str) -> pd.Series:
        """One theme's row of the framework; UnknownIdError naming the closest ids."""
        self._check_id("theme", theme_id)
        t = self.framework.themes
        return t[t["theme_id"] == theme_id].iloc[0]

    def measures(self, strategy_id: str | None = None, theme_id: str | None = None) -> pd.DataFrame:
        """The framework's measures, of one strategy or theme if given (no internal columns).

        Raises UnknownIdError for an unknown strategy or theme id.
        """
        m = self.framework.measures
        if strategy_id is not None:
            m = m[m["strategy_id"] == self._check_id("strategy", strategy_id)]
        if theme_id is not None:
            self._check_id("theme", theme_id)
            s = self.framework.strategies
            m = m[m["strategy_id"].isin(s.loc[s["theme_id"] == theme_id, "strategy_id"])]
        return m[[c for c in m.columns if not c.startswith("_")]].reset_index(drop=True)

    def spc(self, measure_id: str, **options: Any) -> Any:
        """The measure's XmR chart calculation (Making Data Count), from its history.

        Direction from the measure's polarity, target from its latest target, rebase points from
        the `rebases` table; `options` go to `pa.spc` (fix_after_n_points, screen_outliers).
        Returns an `SPCResult` (`.points`, `.variation_words`, `.chart()`); raises
        UnknownIdError for an unknown measure. Example: ``ds.spc("LA-05").chart()``.
        """
        from dataclasses import replace

        from perfanalysis.spc import polarity_to_improvement, spc

        self._check_id("measure", measure_id)
        m = self.framework.measures.set_index("measure_id")
        row = m.loc[measure_id]
        h = self.history(measure_id)
        h = h[h["actual"].notna()]
        if h.empty:
            from perfanalysis.errors import DatasetError

            raise DatasetError(f"measure {measure_id!r} has no actuals: there is nothing to chart")
        values = pd.Series(
            h["actual"].to_numpy(), index=pd.Index(h["period"].astype(str), name="period")
        )
        targets = h["target"].dropna() if bool(row["targeted"]) else pd.Series(dtype=float)
        target = float(targets.iloc[-1]) if len(targets) else None
        r = self.rebases
        rebase = [p for p in r.loc[r["measure_id"] == measure_id, "period"] if p in values.index]
        result = spc(
            values,
            improvement=polarity_to_improvement(row["polarity"]),
            target=target,
            rebase=rebase or None,
            **options,
        )
        about = {"measure_id": measure_id, "title": row["title"], "unit": row["unit"]}
        about["decimals"] = row["decimals"]
        return replace(result, measure=about)

    def chart(self, measure_id: str, period: str | Period | None = None) -> Any:
        """A measure over time (actual, target, tolerance band, this period marked), as SVG.

        `period` is the reporting period to mark (default: the measure's latest period with an
        actual). Returns a `ChartView` that Jupyter shows as inline SVG with no network;
        `.altair` is the Altair chart, `.to_dict()` its spec, `.description` its text
        alternative. Raises UnknownIdError for an unknown measure.
        Example: ``ds.chart("LA-05", "Q4 2017/18")``.
        """
        from perfanalysis.charts import measure_chart
        from perfanalysis.display import ChartView

        self._check_id("measure", measure_id)
        history = self.history(measure_id)
        if period is None:
            with_data = history[history["actual"].notna()]
            period = str(with_data["period"].iloc[-1]) if len(with_data) else None
        if period is None:
            last = self.periods
            period = str(last["period"].iloc[-1]) if len(last) else "Q4 2017/18"
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # one measure: no-data is shown
            figures = self.assess(period)
        row = figures[figures["measure_id"] == measure_id].iloc[0]
        return ChartView(measure_chart(history, row), f"chart-{measure_id}")

    def comparisons(self, figures: pd.DataFrame | None = None) -> pd.DataFrame:
        """Rank and quartile among comparator councils, per measure and period (1 = best).

        Uses the `benchmarks` table; where it lacks this council's own value for a measure and
        period, the council's actual is used.
        """
        from perfanalysis.comparators import rank_within_group

        b = self.benchmarks
        if "kind" in b.columns:  # England and region rows are benchmarks, not comparator councils
            b = b[~b["kind"].astype(str).str.strip().str.lower().isin(["national", "regional"])]
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
    """Load a council's dataset: a folder of CSV files with dataset.yaml, or one .xlsx workbook.

    Returns a `Dataset`: its `framework` (themes, strategies, outcomes, measures), `targets`,
    `actuals`, `highlights`, `contracts`, `benchmarks` and `rebases` as DataFrames, and methods
    that compute from them (`assess`, `summary`, `history`, `chart`, `spc`, `comparisons`,
    `periods`). The data goes through the same rules as the data-quality gate; the council's
    own spellings (``Performance Driven``, ``GREEN``, ``Qtr 4 2017-18``, ...) are read and
    written out in canonical form (docs/data-format.md).

    Raises `DatasetError` when the folder, a table or a required column is missing, and its
    subclass `DataError` naming the file, table, row, column and value of the first bad cell
    (`perfanalysis validate PATH` lists every problem at once).

    Example::

        >>> import perfanalysis as pa
        >>> ds = pa.load("data/lincolnshire")
        >>> ds.assess("Q4 2017/18")[["measure_id", "actual", "target", "status_label"]].head(3)
    """
    return build(read_raw(path))
