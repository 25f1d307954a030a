"""Messy input, handled on purpose: what real exports contain is read by a documented rule or
rejected with a message naming the file, the row and the column; never misread, never a traceback.

The rules are in docs/data-format.md, "Messy input". Each test starts from tests/data/small, in a
temporary folder, and changes one thing the way Excel or a person would.
"""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import perfanalysis as pa
from perfanalysis.cli import main
from perfanalysis.dataset import read_raw
from perfanalysis.errors import DataError, DatasetError
from perfanalysis.quality import validate_path
from perfanalysis.workbook import write_workbook

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "small"
PERIOD = "Q4 2017/18"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    target = tmp_path / "small"
    shutil.copytree(SMALL, target)
    return target


def edit(path: Path, old: str, new: str, encoding: str = "utf-8") -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {path.name}"
    path.write_bytes(text.replace(old, new).encode(encoding))


def errors(path: Path, period: str | None = PERIOD) -> list[tuple]:
    """The gate's errors: (table, column, file, first row, first value)."""
    result = validate_path(path, period)
    return [(c.table, c.column, c.file, c.examples[0]["row"] if c.examples else None,
             c.examples[0]["value"] if c.examples else None)
            for c in result.checks if not c.success and c.severity == "error"]  # fmt: skip


def cli(*args: str) -> tuple[int, str]:
    """The command as a person types it (in this process, for speed): status and all output."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue() + err.getvalue()  # as printed, lines wrapped at 100


def assert_rejected(exc: DataError, file: str, row: int, column: str, value: str) -> None:
    assert (exc.row, exc.column, exc.value) == (row, column, value)
    text = str(exc)
    assert file in text and f"row {row}" in text and f"column '{column}'" in text


def actual(ds: pa.Dataset, measure: str, period: str) -> float:
    a = ds.actuals
    return a.loc[(a["measure_id"] == measure) & (a["period"] == period), "actual"].item()


# --------------------------------------------------------------------------- encodings
def test_csv_saved_by_excel_in_windows_1252_keeps_its_pound_sign(small):
    edit(small / "contracts.csv", "Improvement plan agreed,Arrears (monthly),",
         "Improvement plan agreed,£1.2m a year (monthly),", encoding="cp1252")  # fmt: skip
    assert b"\xa31.2m" in (small / "contracts.csv").read_bytes()
    ds = pa.load(small)
    assert ds.contracts.loc[0, "payment_terms"] == "£1.2m a year (monthly)"
    assert errors(small) == []


def test_utf8_byte_order_mark_is_ignored(small):
    path = small / "measures.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    raw = read_raw(small)
    assert raw.tables["measures"].columns[0] == "measure_id"
    assert len(pa.load(small).framework.measures) == 7
    assert errors(small) == []


def test_utf16_with_its_byte_order_mark_is_read(small):
    path = small / "themes.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    assert list(pa.load(small).framework.themes["theme_id"]) == ["safe", "learn"]


def test_bytes_that_are_no_text_are_rejected_naming_file_and_line(small):
    path = small / "actuals.csv"
    path.write_bytes(path.read_bytes().replace(b"R-02,Q3", b"R-02\x81,Q3"))
    with pytest.raises(DatasetError, match=r"actuals.csv, line 6: byte 0x81 is not text"):
        pa.load(small)
    status, out = cli("validate", str(small), "--period", PERIOD)
    assert status == 2 and "Traceback" not in out
    assert "line 6: byte 0x81 is not text in UTF-8 or Windows-1252" in " ".join(out.split())


def test_tab_or_semicolon_separated_files_are_rejected_with_a_hint(small):
    path = small / "themes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    with pytest.raises(DatasetError, match="separated by semicolons: save it as 'CSV UTF-8"):
        pa.load(small)
    assert errors(small, None)[0][:3] == ("themes", None, "themes.csv")


def test_a_workbook_saved_under_a_csv_name_is_named_for_what_it_is(small, tmp_path):
    book = write_workbook(SMALL, tmp_path / "book.xlsx")
    shutil.copy(book, small / "targets.csv")
    with pytest.raises(DatasetError, match="targets.csv: this is an Excel workbook"):
        pa.load(small)


# --------------------------------------------------------------------------- numbers
def test_percent_signs_spaces_thousands_commas_and_pound_signs_are_read(small):
    edit(small / "actuals.csv", "S-01,2017/18,70,", "S-01,2017/18,70%,")
    edit(small / "actuals.csv", "R-01,Q4 2017/18,103,", "R-01,Q4 2017/18, 103 ,")
    edit(small / "actuals.csv", "R-01,Q1 2017/18,110,", 'R-01,Q1 2017/18,"1,110",')
    edit(small / "targets.csv", "R-01,Q3 2017/18,100,", "R-01,Q3 2017/18,£100,")
    ds = pa.load(small)
    assert actual(ds, "S-01", "2017/18") == 70.0
    assert actual(ds, "R-01", "Q4 2017/18") == 103.0
    assert actual(ds, "R-01", "Q1 2017/18") == 1110.0
    assert ds.targets.loc[0, "target"] == 100.0
    assert errors(small) == []


@pytest.mark.parametrize("cell", ["n/a", "", "N/A", "-", ".."])
def test_n_a_and_blank_are_no_data_never_zero(small, cell):
    edit(small / "actuals.csv", "R-01,Q4 2017/18,103,", f"R-01,Q4 2017/18,{cell},")
    ds = pa.load(small)
    assert np.isnan(actual(ds, "R-01", "Q4 2017/18"))
    assessed = ds.assess(PERIOD).set_index("measure_id")
    assert assessed.loc["R-01", "status"] == "no_data"
    result = validate_path(small, PERIOD)
    assert result.errors == 0
    warned = [c for c in result.checks if not c.success]
    assert [e["value"] for e in warned[0].examples] == ["R-01 (Q4 2017/18)", "S-03 (2017/18)"]


@pytest.mark.parametrize("cell,words", [
    ("7%", "% sign, which only percent and milestone measures accept"),
    ("1.2E+06", "must be a number"),
    ('"12,34"', "must be a number"),
    ("1 234", "must be a number"),
    ("(7)", "must be a number"),
    ("inf", "must be a number"),
    ("\u22125", "must be a number"),
])  # fmt: skip
def test_numbers_that_would_be_guessed_at_are_rejected(small, cell, words):
    edit(small / "actuals.csv", "R-03,Q4 2017/18,7,", f"R-03,Q4 2017/18,{cell},")
    with pytest.raises(DataError) as info:
        pa.load(small)
    written = cell.strip('"')
    assert_rejected(info.value, "actuals.csv", 8, "actual", written)
    assert errors(small) == [("actuals", "actual", "actuals.csv", 8, written)]
    result = validate_path(small, PERIOD)
    assert words in next(c.rule for c in result.checks if not c.success and c.column == "actual")


# --------------------------------------------------------------------------- ids, rows, titles
def test_spaces_around_ids_are_dropped(small):
    edit(small / "actuals.csv", "R-01,Q4 2017/18,103,", "R-01   ,Q4 2017/18,103,")
    edit(small / "actuals.csv", "R-02,Q4 2017/18,12,", "R-02\u00a0,Q4 2017/18,12,")  # Excel's nbsp
    edit(small / "measures.csv", "S-01,school,school-o1,", " S-01 ,school ,school-o1,")
    ds = pa.load(small)
    assert actual(ds, "R-01", "Q4 2017/18") == 103.0
    assert actual(ds, "R-02", "Q4 2017/18") == 12.0
    assert "S-01" in set(ds.framework.measures["measure_id"])
    assert errors(small) == []


def test_a_councils_word_with_a_non_breaking_space_inside_is_still_its_word(small):
    """Words copied from a web page keep Excel's non-breaking space between them; the cell is
    matched as dataset.yaml's words are (any case, any run of spaces, '_' and '-' alike)."""
    edit(small / "measures.csv", "S-01,school,school-o1,Good Level of Development,percent,",
         "S-01,school,school-o1,Good Level of Development,Per\u00a0 Cent,")  # fmt: skip
    edit(small / "measures.csv", "R-01,roads,roads-o1,People killed or seriously injured on "
         "roads,count,lower,", "R-01,roads,roads-o1,People killed or seriously injured on "
         "roads,count,Lower\u00a0is\u00a0better,")  # fmt: skip
    measures = pa.load(small).framework.measures.set_index("measure_id")
    assert measures.loc["S-01", "unit"] == "percent"
    assert measures.loc["R-01", "polarity"] == "lower"
    assert errors(small) == []


def test_blank_rows_at_the_end_and_in_the_middle_are_skipped_row_numbers_kept(small):
    path = small / "actuals.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("R-02,Q3 2017/18,14,", ",,,,\nR-02,Q3 2017/18,14,")
    path.write_text(text + ",,,,\n\n   ,  ,,,\n", encoding="utf-8")
    ds = pa.load(small)
    assert len(ds.actuals) == 11
    edit(path, "R-02,Q3 2017/18,14,", "R-02,Q3 2017/18,fourteen,")
    with pytest.raises(DataError) as info:
        pa.load(small)
    assert_rejected(info.value, "actuals.csv", 7, "actual", "fourteen")  # row 6 is the blank one


def test_title_rows_above_the_header_of_a_csv_are_skipped(small):
    path = small / "actuals.csv"
    path.write_text("Actuals for Q4 2017/18,,,,\nSent by the performance team,,,,\n"
                    + path.read_text(encoding="utf-8"), encoding="utf-8")  # fmt: skip
    assert len(pa.load(small).actuals) == 11
    edit(path, "R-01,Q1 2017/18,110,", "R-01,Q1 2017/18,lots,")
    with pytest.raises(DataError) as info:
        pa.load(small)
    assert_rejected(info.value, "actuals.csv", 4, "actual", "lots")
    assert errors(small) == [("actuals", "actual", "actuals.csv", 4, "lots")]


def test_no_header_in_the_first_rows_is_rejected_listing_the_columns(small):
    path = small / "targets.csv"
    path.write_text("".join(f"title {i}\n" for i in range(5)) + path.read_text(encoding="utf-8"),
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(DatasetError, match="no header row naming 'measure_id' in the first 5 rows"):
        pa.load(small)
    status, out = cli("validate", str(small))
    assert status == 2 and "Traceback" not in out and "measure_id, period, target" in out


def test_a_comma_in_an_unquoted_value_is_rejected_not_shifted(small):
    edit(small / "contracts.csv", ",Safety Trust,", ",Safety Trust, Lincoln,")
    with pytest.raises(DataError, match="this row has 13 cells but the header names 12") as info:
        pa.load(small)
    assert (info.value.table, info.value.row) == ("contracts", 3)
    assert "contracts.csv" in str(info.value)


# --------------------------------------------------------------------------- workbooks
def _book(tmp_path: Path) -> tuple[Path, openpyxl.Workbook]:
    path = write_workbook(SMALL, tmp_path / "testshire.xlsx")
    return path, openpyxl.load_workbook(path)


def _cell(book: openpyxl.Workbook, sheet: str, first: str, column: str, nth: int = 0):
    """The cell of `column` in the `nth` row whose first cell is `first`."""
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    rows = [r for r in ws.iter_rows(min_row=2) if r[0].value == first]
    return rows[nth][header.index(column)]


def test_excel_dates_in_a_workbook_are_dates(tmp_path):
    path, book = _book(tmp_path)
    _cell(book, "highlights", "roads", "report_date").value = date(2018, 4, 20)
    midnight = _cell(book, "actuals", "R-03", "period")
    midnight.value = datetime(2018, 3, 31, 0, 0)  # a date-time at midnight is a date
    midnight.number_format = "dd/mm/yyyy hh:mm"
    book.save(path)
    ds = pa.load(path)
    assert ds.highlights.loc[0, "report_date"] == "2018-04-20"
    # R-03 is quarterly: 31 March 2018, the end of a quarter, is read as that quarter.
    assert ds.actuals.loc[6, ["measure_id", "period"]].tolist() == ["R-03", "Q4 2017/18"]
    assert ds.actuals.loc[6, "period_as_written"] == "2018-03-31"
    assert errors(path) == []


def test_a_date_shown_as_month_and_year_is_that_month(tmp_path):
    path, book = _book(tmp_path)
    cell = _cell(book, "actuals", "R-03", "period")
    cell.value = datetime(2018, 3, 1)  # Excel's reading of "Mar 2018" typed into a cell
    cell.number_format = "mmm-yy"
    book.save(path)
    # R-03 is quarterly: March, the last month of a quarter, is read as that quarter.
    ds = pa.load(path)
    assert ds.actuals.loc[6, "period"] == "Q4 2017/18"
    assert ds.actuals.loc[6, "period_as_written"] == "Mar 2018"


def test_a_date_time_with_a_time_of_day_in_a_period_is_rejected(tmp_path):
    path, book = _book(tmp_path)
    _cell(book, "actuals", "R-02", "period").value = datetime(2017, 12, 31, 14, 30)
    book.save(path)
    with pytest.raises(DataError) as info:
        pa.load(path)
    assert_rejected(info.value, "testshire.xlsx", 6, "period", "2017-12-31 14:30:00")
    assert "testshire.xlsx[actuals]" in str(info.value)
    assert errors(path) == [("actuals", "period", "testshire.xlsx[actuals]", 6,
                             "2017-12-31 14:30:00")]  # fmt: skip
    result = validate_path(path, PERIOD)
    rule = next(c.rule for c in result.checks if not c.success and c.severity == "error")
    assert rule.startswith("period is a date with a time of day (an Excel date-time)")
    status, out = cli("validate", str(path), "--period", PERIOD)
    assert status == 2 and "Traceback" not in out and "row 6: '2017-12-31 14:30:00'" in out


def test_numbers_in_a_workbook_are_read_as_excel_shows_them(tmp_path):
    path, book = _book(tmp_path)
    pct = _cell(book, "actuals", "S-01", "actual", nth=1)
    pct.value, pct.number_format = 0.7, "0%"  # shown 70%, stored 0.7
    _cell(book, "actuals", "R-01", "actual").value = 110.0  # a whole float: 110, not 110.0
    _cell(book, "actuals", "S-04", "actual").value = 0.00001  # never '1e-05'
    _cell(book, "measures", "R-01", "targeted").value = True  # an Excel TRUE
    book.save(path)
    ds = pa.load(path)
    assert actual(ds, "S-01", "2017/18") == 70.0
    assert actual(ds, "R-01", "Q1 2017/18") == 110.0
    assert actual(ds, "S-04", "2017/18") == 0.00001
    assert read_raw(path).tables["actuals"].loc[0, "actual"] == "110"
    assert bool(ds.framework.measures.loc[0, "targeted"]) is True
    assert errors(path) == []


def test_a_percentage_cell_on_a_count_measure_is_rejected(tmp_path):
    path, book = _book(tmp_path)
    cell = _cell(book, "actuals", "R-03", "actual")
    cell.value, cell.number_format = 0.07, "0%"
    book.save(path)
    with pytest.raises(DataError) as info:
        pa.load(path)
    assert_rejected(info.value, "testshire.xlsx", 8, "actual", "7%")
    assert errors(path) == [("actuals", "actual", "testshire.xlsx[actuals]", 8, "7%")]


def test_a_sheet_with_a_title_row_and_blank_rows_at_the_end(tmp_path):
    path, book = _book(tmp_path)
    ws = book["actuals"]
    ws.insert_rows(1, amount=2)
    ws["A1"] = "Actuals, Q4 2017/18"
    ws.merge_cells("A1:E1")
    for r in range(ws.max_row + 1, ws.max_row + 4):
        ws.cell(row=r, column=1, value=None)
        ws.cell(row=r, column=3, value="")
    _cell_row = [r for r in ws.iter_rows(min_row=4) if r[0].value == "R-02"][0]
    _cell_row[2].value = "fourteen"
    book.save(path)
    with pytest.raises(DataError) as info:
        pa.load(path)
    assert_rejected(info.value, "testshire.xlsx", 8, "actual", "fourteen")  # 6 + 2 title rows
    assert errors(path) == [("actuals", "actual", "testshire.xlsx[actuals]", 8, "fourteen")]
    _cell_row[2].value = 14
    book.save(path)
    assert len(pa.load(path).actuals) == 11
    assert errors(path) == []


def test_messy_cells_never_give_a_traceback_on_the_command_line(tmp_path):
    path, book = _book(tmp_path)
    _cell(book, "actuals", "R-02", "period").value = datetime(2017, 12, 31, 9, 0)
    _cell(book, "actuals", "R-03", "actual").value = "#DIV/0!"
    _cell(book, "measures", "R-02", "polarity").value = 3.5
    book.save(path)
    status, out = cli("validate", str(path), "--period", PERIOD)
    assert status == 2 and "Traceback" not in out
    assert "row 8: '#DIV/0!'" in out and "row 3: '3.5'" in out
    status, out = cli("summary", str(path), "--period", PERIOD)
    assert status == 2 and "Traceback" not in out and "testshire.xlsx" in out


def test_the_raw_text_is_what_the_person_typed():
    """Validation reports values as written, so a person can find them with Find in Excel."""
    raw = read_raw(SMALL)
    assert raw.tables["actuals"]["actual"].dtype == pd.StringDtype(na_value=np.nan) or all(
        isinstance(v, str) for v in raw.tables["actuals"]["actual"]
    )
