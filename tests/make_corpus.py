"""A corpus of what a second council's files really hold: its own words, its period labels,
its workbooks' quirks. Each case is made by this script from tests/data/small (one thing
changed, as a person or a tool changes it), never committed as a binary.

    .venv/bin/python tests/make_corpus.py [FOLDER]   # make every case and print the outcomes

`make_corpus(folder)` returns the cases; tests/test_council_files.py checks that each is read
right (`read`: the dataset loads, with the value in canonical form) or rejected with its cell
named (`rejected`: table, column and row of the first failing cell, and words of the message).
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "small"
PERIOD = "Q4 2017/18"


@dataclass
class Case:
    """One real-world file and what perfanalysis must make of it."""

    name: str
    what: str
    path: Path
    outcome: str  # "read" or "rejected"
    table: str | None = None  # rejected: where the first failing cell is
    column: str | None = None
    row: int | None = None
    words: str = ""  # in the message
    check: Callable[[Any], bool] | None = None  # read: what the loaded dataset must show
    warning: str = ""  # read: words of a warning the gate must give
    extra: dict[str, Any] = field(default_factory=dict)


def _copy(folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copytree(SMALL, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _value(frame: Any, key: str, id_: str, column: str, nth: int = 0) -> Any:
    return frame.loc[frame[key] == id_, column].iloc[nth]


def _actual(ds: Any, measure: str, period: str) -> float | None:
    a = ds.actuals
    rows = a.loc[(a["measure_id"] == measure) & (a["period"] == period), "actual"]
    return None if rows.empty else float(rows.iloc[0])


def _csv_cases(folder: Path) -> list[Case]:
    """Spellings and period labels in CSV files."""
    cases: list[Case] = []

    def case(name: str, what: str, file: str, old: str, new: str, **kw: Any) -> None:
        path = _copy(folder, name)
        _edit(path / file, old, new)
        cases.append(Case(name, what, path, **kw))

    m = "measures.csv"
    case(
        "performance-driven-capitalised",
        "performance_driven `Performance Driven` (the seed)",
        "contracts.csv",
        ",Arrears (quarterly),Independent,",
        ",Arrears (quarterly),Performance Driven,",
        outcome="read",
        check=lambda ds: list(ds.contracts["performance_driven"]).count("Performance driven") == 3,
    )
    case(
        "performance-upper-case",
        "contract performance `GOOD`",
        "contracts.csv",
        ",Y,Good,N/A,",
        ",Y,GOOD,N/A,",
        outcome="read",
        check=lambda ds: (
            _value(ds.contracts, "service", "Early years service", "performance") == "Good"
        ),
    )
    case(
        "performance-lower-case",
        "contract performance `good` and `POOR`",
        "contracts.csv",
        ",Y,Poor,Improvement",
        ",Y,POOR,Improvement",
        outcome="read",
        check=lambda ds: (
            _value(ds.contracts, "service", "Speed camera maintenance", "performance") == "Poor"
        ),
    )
    case(
        "rag-lower-case",
        "highlight RAG `green`",
        "highlights.csv",
        ",Green,Lee Test,",
        ",green,Lee Test,",
        outcome="read",
        check=lambda ds: _value(ds.highlights, "strategy_id", "school", "rag") == "Green",
    )
    case(
        "rag-upper-case",
        "highlight RAG `GREEN`",
        "highlights.csv",
        ",Green,Lee Test,",
        ",GREEN,Lee Test,",
        outcome="read",
        check=lambda ds: _value(ds.highlights, "strategy_id", "school", "rag") == "Green",
    )
    case(
        "stage-lower-case",
        "stage `do`",
        "highlights.csv",
        "Jo Placeholder,Do,",
        "Jo Placeholder,do,",
        outcome="read",
        check=lambda ds: _value(ds.highlights, "strategy_id", "roads", "stage") == "Do",
    )
    case(
        "polarity-capitalised",
        "polarity `Higher`",
        m,
        "percent,higher,true,annual,0,true,false,\nS-02",
        "percent,Higher,true,annual,0,true,false,\nS-02",
        outcome="read",
        check=lambda ds: (
            _value(ds.framework.measures, "measure_id", "S-01", "polarity") == "higher"
        ),
    )
    case(
        "unit-percent-capitalised",
        "unit `Percent`",
        m,
        "Development,percent,",
        "Development,Percent,",
        outcome="read",
        check=lambda ds: _value(ds.framework.measures, "measure_id", "S-01", "unit") == "percent",
    )
    case(
        "unit-percent-sign",
        "unit `%`",
        m,
        "Closing the Gap,percent,",
        "Closing the Gap,%,",
        outcome="read",
        check=lambda ds: _value(ds.framework.measures, "measure_id", "S-02", "unit") == "percent",
    )
    case(
        "frequency-capitalised",
        "frequency `Quarterly`",
        m,
        "count,lower,true,quarterly,0,true,false,\nR-02",
        "count,lower,true,Quarterly,0,true,false,\nR-02",
        outcome="read",
        check=lambda ds: (
            _value(ds.framework.measures, "measure_id", "R-01", "frequency") == "quarterly"
        ),
    )
    case(
        "contract-kpis-y",
        "contract KPIs `y`",
        "contracts.csv",
        ",Oct 2018,Y,",
        ",Oct 2018,y,",
        outcome="read",
        check=lambda ds: set(ds.contracts["contract_kpis"]) == {"Y"},
    )
    case(
        "contract-kpis-yes",
        "contract KPIs `Yes`",
        "contracts.csv",
        ",Jan 2019,Y,",
        ",Jan 2019,Yes,",
        outcome="read",
        check=lambda ds: set(ds.contracts["contract_kpis"]) == {"Y"},
    )
    case(
        "targeted-yes",
        "targeted `Yes` and `TRUE`",
        m,
        "count,lower,true,quarterly,0,true,false,\nR-02",
        "count,lower,Yes,quarterly,0,TRUE,false,\nR-02",
        outcome="read",
        check=lambda ds: bool(_value(ds.framework.measures, "measure_id", "R-01", "targeted")),
    )
    case(
        "unit-unknown",
        "unit `percentage points` (not a unit)",
        m,
        "Development,percent,",
        "Development,percentage points,",
        outcome="rejected",
        table="measures",
        column="unit",
        row=5,
        words="unit must be one of percent, count",
    )
    case(
        "rag-unknown",
        "RAG `Purple`",
        "highlights.csv",
        ",Green,Lee Test,",
        ",Purple,Lee Test,",
        outcome="rejected",
        table="highlights",
        column="rag",
        row=3,
        words="Red, Amber or Green",
    )

    # Periods as people write them (R-01 and R-02 are quarterly, S-01 annual).
    a = "actuals.csv"
    case(
        "period-qtr",
        "`Qtr 4 2017-18`",
        a,
        "R-01,Q4 2017/18,103",
        "R-01,Qtr 4 2017-18,103",
        outcome="read",
        check=lambda ds: _actual(ds, "R-01", "Q4 2017/18") == 103,
    )
    case(
        "period-jan-mar",
        "`Jan-Mar 2018`",
        a,
        "R-01,Q4 2017/18,103",
        "R-01,Jan-Mar 2018,103",
        outcome="read",
        check=lambda ds: _actual(ds, "R-01", "Q4 2017/18") == 103,
    )
    case(
        "period-apr-jun",
        "`Apr-Jun 2017`",
        a,
        "R-01,Q1 2017/18,110",
        "R-01,Apr-Jun 2017,110",
        outcome="read",
        check=lambda ds: _actual(ds, "R-01", "Q1 2017/18") == 110,
    )
    case(
        "period-month-short-year",
        "`Mar-18` for a quarterly measure",
        a,
        "R-02,Q4 2017/18,12",
        "R-02,Mar-18,12",
        outcome="read",
        check=lambda ds: _actual(ds, "R-02", "Q4 2017/18") == 12,
    )
    case(
        "period-dec-17",
        "`Dec-17` for a quarterly measure",
        a,
        "R-02,Q3 2017/18,14",
        "R-02,Dec-17,14",
        outcome="read",
        check=lambda ds: _actual(ds, "R-02", "Q3 2017/18") == 14,
    )
    case(
        "period-as-at-date",
        "`31/03/2018` for a quarterly measure",
        a,
        "R-01,Q4 2017/18,103",
        "R-01,31/03/2018,103",
        outcome="read",
        check=lambda ds: _actual(ds, "R-01", "Q4 2017/18") == 103,
    )
    case(
        "period-march-2018",
        "`March 2018` for a quarterly measure",
        a,
        "R-01,Q4 2017/18,103",
        "R-01,March 2018,103",
        outcome="read",
        check=lambda ds: _actual(ds, "R-01", "Q4 2017/18") == 103,
    )
    case(
        "period-date-inside-quarter",
        "`15/02/2018` for a quarterly measure",
        a,
        "R-01,Q4 2017/18,103",
        "R-01,15/02/2018,103",
        outcome="rejected",
        table="actuals",
        column="period",
        row=5,
        words="a date or month inside a quarter",
    )
    case(
        "period-month-inside-quarter",
        "`Feb 2018` for a quarterly measure",
        a,
        "R-01,Q4 2017/18,103",
        "R-01,Feb 2018,103",
        outcome="rejected",
        table="actuals",
        column="period",
        row=5,
        words="must be one of its measure's frequency",
    )
    case(
        "period-quarter-for-annual",
        "`Q4 2017/18` for an annual measure",
        a,
        "S-01,2017/18,70",
        "S-01,Q4 2017/18,70",
        outcome="rejected",
        table="actuals",
        column="period",
        row=10,
        words="must be one of its measure's frequency",
    )
    case(
        "period-target-month",
        "a target `Dec 2017` for a quarterly measure",
        "targets.csv",
        "R-01,Q3 2017/18,100",
        "R-01,Dec 2017,100",
        outcome="read",
        check=lambda ds: "Q3 2017/18" in set(ds.targets["period"]),
    )

    # Ids that cannot become file names (issue 11.8).
    long_id = "s" * 70
    case(
        "strategy-id-too-long",
        "a strategy id of 70 letters",
        "strategies.csv",
        "empty,learn,",
        f"{long_id},learn,",
        outcome="rejected",
        table="strategies",
        column="strategy_id",
        row=4,
        words="1 to 64 letters",
    )
    case(
        "strategy-id-with-space",
        "strategy id `early years`",
        "strategies.csv",
        "empty,learn,",
        "early years,learn,",
        outcome="rejected",
        table="strategies",
        column="strategy_id",
        row=4,
        words="1 to 64 letters",
    )

    # The new optional columns of the contracts brief.
    case(
        "signed-negative",
        "a signed count measure at -3 (a change)",
        m,
        "S-04,school,school-o1,Ratio of places to children,ratio,higher,true,annual,1,false,true,",
        "S-04,school,school-o1,Ratio of places to children,ratio,higher,true,annual,1,false,true,",
        outcome="read",
        check=lambda ds: _actual(ds, "R-03", "Q4 2017/18") == -3,
    )
    path = cases[-1].path
    _edit(path / m, ",notes\n", ",notes,signed\n")
    _edit(path / m, "Contextual\n", "Contextual,yes\n")
    _edit(path / a, "R-03,Q4 2017/18,7,", "R-03,Q4 2017/18,-3,")
    case(
        "unsigned-negative",
        "an unsigned count measure at -3",
        a,
        "R-03,Q4 2017/18,7,",
        "R-03,Q4 2017/18,-3,",
        outcome="rejected",
        table="actuals",
        column="actual",
        row=8,
        words="must not be negative",
    )
    case(
        "reported-status-words",
        "reported_status `g` and `NOT ACHIEVED`",
        a,
        "measure_id,period,actual,source,note\nR-01,Q1 2017/18,110,illustrative,",
        "measure_id,period,actual,source,note,reported_status\nR-01,Q1 2017/18,110,illustrative,,g",
        outcome="read",
        check=lambda ds: ds.actuals.loc[0, "reported_status"] == "Green",
    )
    case(
        "reported-status-unknown",
        "reported_status `Purple`",
        a,
        "measure_id,period,actual,source,note\nR-01,Q1 2017/18,110,illustrative,",
        "measure_id,period,actual,source,note,reported_status\n"
        "R-01,Q1 2017/18,110,illustrative,,Purple",
        outcome="rejected",
        table="actuals",
        column="reported_status",
        row=2,
        words="Green, Amber, Red, Achieved",
    )
    return cases


def _book(folder: Path, name: str) -> tuple[Path, Any]:
    import openpyxl

    from perfanalysis.workbook import write_workbook

    path = write_workbook(SMALL, folder / f"{name}.xlsx")
    return path, openpyxl.load_workbook(path)


def _cell(book: Any, sheet: str, first: str, column: str, nth: int = 0) -> Any:
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    rows = [r for r in ws.iter_rows(min_row=2) if r[0].value == first]
    return rows[nth][header.index(column)]


def _rewrite_sheet(path: Path, sheet_xml: str, change: Callable[[str], str]) -> None:
    """Change one part of the workbook's zip, as another tool would have written it."""
    out = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == sheet_xml:
                data = change(data.decode("utf-8")).encode("utf-8")
            dst.writestr(item, data)
    out.replace(path)


def _sheet_part(path: Path, title: str) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path)
    index = book.sheetnames.index(title) + 1
    return f"xl/worksheets/sheet{index}.xml"


def _workbook_cases(folder: Path) -> list[Case]:
    """Workbooks as councils (and their tools) make them."""
    import re

    cases: list[Case] = []

    path, book = _book(folder, "sheet-name-case-and-space")
    book["actuals"].title = "Actuals "
    book.save(path)
    cases.append(
        Case(
            "sheet-name-case-and-space",
            "sheet `Actuals ` (capital, trailing space)",
            path,
            "read",
            check=lambda ds: len(ds.actuals) == 11,
        )
    )

    path, book = _book(folder, "two-sheets-one-table")
    copy = book.copy_worksheet(book["actuals"])
    copy.title = "Actuals "  # Excel refuses names differing only in case; a space it allows
    book.save(path)
    cases.append(
        Case(
            "two-sheets-one-table",
            "sheets `actuals` and `Actuals `",
            path,
            "rejected",
            table="dataset",
            words="both name the table 'actuals'",
        )
    )

    path, book = _book(folder, "formula-without-value")
    cell = _cell(book, "actuals", "R-01", "actual", 2)  # Q3 2017/18, row 4, column C
    cell.value = "=100+4"
    cell.number_format = "General"
    book.save(path)  # openpyxl saves formulas with no cached value
    cases.append(
        Case(
            "formula-without-value",
            "a formula saved with no value (actuals!C4)",
            path,
            "rejected",
            table="actuals",
            column="C",
            row=4,
            words="actuals!C4: a formula with no saved value: open and save the "
            "workbook in Excel, or paste values",
        )
    )

    path, book = _book(folder, "hidden-sheet")
    hidden = book.create_sheet("rebases")
    hidden.append(["measure_id", "period", "reason"])
    hidden.sheet_state = "hidden"
    book.save(path)
    cases.append(
        Case(
            "hidden-sheet",
            "a hidden sheet `rebases`",
            path,
            "read",
            check=lambda ds: len(ds.rebases) == 0,
            warning="the sheet is hidden",
        )
    )

    path, book = _book(folder, "hidden-rows")
    book["actuals"].row_dimensions[3].hidden = True
    book.save(path)
    cases.append(
        Case(
            "hidden-rows",
            "row 3 of actuals hidden",
            path,
            "read",
            check=lambda ds: _actual(ds, "R-01", "Q2 2017/18") == 108,
            warning="rows 3 are hidden",
        )
    )

    path, book = _book(folder, "stale-dimension")
    book.save(path)
    part = _sheet_part(path, "actuals")
    _rewrite_sheet(
        path, part, lambda x: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:E3"/>', x)
    )
    cases.append(
        Case(
            "stale-dimension",
            "actuals' <dimension> says A1:E3 (12 rows really)",
            path,
            "read",
            check=lambda ds: len(ds.actuals) == 11,
        )
    )

    path, book = _book(folder, "stray-cell-far-away")
    book["targets"]["XFD1048576"] = "x"
    book.save(path)
    cases.append(
        Case(
            "stray-cell-far-away",
            "one stray cell at targets!XFD1048576",
            path,
            "rejected",
            table="targets",
            words="cell XFD1048576 holds something",
        )
    )

    path, book = _book(folder, "damaged-sheet-xml")
    book.save(path)
    part = _sheet_part(path, "measures")
    _rewrite_sheet(path, part, lambda x: x[: len(x) // 2])
    cases.append(
        Case(
            "damaged-sheet-xml",
            "measures' sheet XML cut in half inside a valid zip",
            path,
            "rejected",
            table="dataset",
            words="not a readable .xlsx workbook",
        )
    )

    path, book = _book(folder, "excel-date-quarter-end")
    cell = _cell(book, "actuals", "R-02", "period", 1)
    cell.value = datetime(2018, 3, 31)
    cell.number_format = "dd/mm/yyyy"
    book.save(path)
    cases.append(
        Case(
            "excel-date-quarter-end",
            "an Excel date 31/03/2018 for a quarterly measure",
            path,
            "read",
            check=lambda ds: _actual(ds, "R-02", "Q4 2017/18") == 12,
        )
    )

    path, book = _book(folder, "excel-month-quarter-end")
    cell = _cell(book, "actuals", "R-02", "period", 0)
    cell.value = datetime(2017, 12, 1)
    cell.number_format = "mmm-yy"
    book.save(path)
    cases.append(
        Case(
            "excel-month-quarter-end",
            "an Excel date shown `Dec-17` for a quarterly measure",
            path,
            "read",
            check=lambda ds: _actual(ds, "R-02", "Q3 2017/18") == 14,
        )
    )

    path, book = _book(folder, "excel-date-inside-quarter")
    cell = _cell(book, "actuals", "R-02", "period", 1)
    cell.value = datetime(2018, 2, 14)
    cell.number_format = "dd/mm/yyyy"
    book.save(path)
    cases.append(
        Case(
            "excel-date-inside-quarter",
            "an Excel date 14/02/2018 for a quarterly measure",
            path,
            "rejected",
            table="actuals",
            column="period",
            row=7,
            words="must be one of its measure's frequency",
        )
    )

    import openpyxl

    path = folder / "kpi-register.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "KPIs"
    book.active.append(["Code", "Title", "Service", "Q1", "Q2"])
    book.save(path)
    cases.append(
        Case(
            "kpi-register-one-sheet",
            "a one-sheet KPI register (no tables)",
            path,
            "rejected",
            table="themes",
            words="the table 'themes' is missing",
            extra={
                "all_missing": [
                    "themes",
                    "strategies",
                    "outcomes",
                    "measures",
                    "targets",
                    "actuals",
                ]
            },
        )
    )

    for suffix, words in (
        (".xls", "Excel 97-2003"),
        (".ods", "OpenDocument"),
        (".xlsb", "Excel binary"),
    ):
        path = folder / f"council{suffix}"
        path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 512)
        cases.append(
            Case(
                f"format{suffix.replace('.', '-')}",
                f"a {suffix} file",
                path,
                "rejected",
                table="dataset",
                words=words + " ",
            )
        )
    return cases


def _other_cases(folder: Path) -> list[Case]:
    cases: list[Case] = []
    path = _copy(folder, "actuals-is-a-folder")
    (path / "actuals.csv").unlink()
    (path / "actuals.csv").mkdir()
    cases.append(
        Case(
            "actuals-is-a-folder",
            "actuals.csv is a folder",
            path,
            "rejected",
            table="actuals",
            words="is a folder, not a CSV file",
        )
    )

    path = _copy(folder, "ten-megabyte-cell")
    with open(path / "highlights.csv", "a", encoding="utf-8") as f:
        f.write("empty,Q4 2017/18,," + "x" * 10_000_000 + "," * 12 + "\n")
    cases.append(
        Case(
            "ten-megabyte-cell",
            "a 10 MB cell in highlights",
            path,
            "rejected",
            table="highlights",
            column="commissioning_lead",
            row=4,
            words="more than the 131,072 a cell may hold",
        )
    )

    path = _copy(folder, "yaml-alias-bomb")
    lines = ["organisation: &a [x, x]"] + [f"l{i}: &a{i} [*a, *a]" for i in range(30)]
    (path / "dataset.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases.append(
        Case(
            "yaml-alias-bomb",
            "dataset.yaml with nested aliases",
            path,
            "rejected",
            table="dataset",
            words="aliases are not allowed",
        )
    )

    path = _copy(folder, "status-words-rag")
    with open(path / "dataset.yaml", "a", encoding="utf-8") as f:
        f.write("status_words: RAG\n")
    cases.append(
        Case(
            "status-words-rag",
            "dataset.yaml status_words: RAG",
            path,
            "read",
            check=lambda ds: ds.meta["status_words"] == "rag",
        )
    )
    return cases


def make_corpus(folder: Path) -> list[Case]:
    """Make every case under `folder` and return them."""
    folder.mkdir(parents=True, exist_ok=True)
    return _csv_cases(folder) + _workbook_cases(folder) + _other_cases(folder)


#: Tests check the cases in this many shards, which pytest-xdist runs side by side.
SHARDS = 4


def shard(cases: dict[str, Case], number: int) -> dict[str, Case]:
    """Every SHARDS-th case by name from the `number`-th: the shards hold every case once."""
    return {name: cases[name] for name in sorted(cases)[number::SHARDS]}


def main(folder: Path) -> None:
    """Make the corpus and print, for each case, what `perfanalysis validate` says."""
    import io

    from perfanalysis.cli import main as cli

    print("| case | what | outcome | first message |\n|---|---|---|---|")
    for case in make_corpus(folder):
        out = io.StringIO()
        old, sys.stdout = sys.stdout, out
        try:
            status = cli(["validate", str(case.path), "--period", PERIOD])
        finally:
            sys.stdout = old
        lines = [x for x in out.getvalue().splitlines() if x.strip()]
        first = (
            " ".join(" ".join(lines[:3]).split())
            if status == 2
            else ("read (" + " ".join(lines[-1].split()[-8:]) + ")")
        )
        print(f"| {case.name} | {case.what} | exit {status} | {first[:220]} |")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp) / "corpus")
