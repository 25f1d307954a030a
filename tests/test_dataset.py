"""The loader: both shipped datasets load, bad input is named precisely, workbooks round-trip."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

import perfanalysis as pa
from perfanalysis.cli import main
from perfanalysis.workbook import write_workbook

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "small"


@pytest.fixture
def small(tmp_path):
    target = tmp_path / "small"
    shutil.copytree(SMALL, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "name,period", [("lincolnshire", "Q4 2017/18"), ("leicestershire", "Q4 2020/21")]
)
def test_shipped_datasets_load_and_assess(name, period):
    ds = pa.load(ROOT / "data" / name)
    f = ds.framework
    assert len(f.themes) >= 4 and len(f.strategies) >= 8 and len(f.measures) >= 30
    assessed = ds.assess(period)
    assert list(assessed["measure_id"]) == list(f.measures["measure_id"])
    summary = ds.summary(period)
    assert (summary["targeted"] + summary["measured"] == summary["measures"]).all()
    assert len(summary) == len(f.strategies)


def test_levels_keep_the_councils_words():
    ds = pa.load(ROOT / "data" / "leicestershire")
    assert ds.framework.level("theme") == "Strategic outcome"
    assert ds.framework.level("strategy") == "Supporting outcome"
    assert pa.load(ROOT / "data" / "lincolnshire").framework.level("strategy") == (
        "Commissioning strategy"
    )


# Each broken input: the file to edit, the text to change, the error's table, row and column.
BROKEN = [
    (
        "measures.csv",
        "R-01,roads,roads-o1,People killed or seriously injured on roads,count,lower",
        "R-01,roads,roads-o1,People killed or seriously injured on roads,count,downwards",
        "measures",
        2,
        "polarity",
        "higher, lower or neutral",
    ),
    # The rule book names every row of a duplicate: the first is row 2.
    ("measures.csv", "R-02,roads", "R-01,roads", "measures", 2, "measure_id", "must be unique"),
    (
        "actuals.csv",
        "R-02,Q3 2017/18,14",
        "R-99,Q3 2017/18,14",
        "actuals",
        6,
        "measure_id",
        "must name a measure in measures",
    ),
    (
        "actuals.csv",
        "R-02,Q3 2017/18,14",
        "R-02,Q3 2017/18,fourteen",
        "actuals",
        6,
        "actual",
        "must be a number",
    ),
    (
        "targets.csv",
        "R-02,Q4 2017/18,10",
        "R-02,Quarter five,10",
        "targets",
        4,
        "period",
        "must be a period label",
    ),
    (
        "actuals.csv",
        "measure_id,period,actual",
        "measure_id,period,value",
        "actuals",
        1,
        "actual",
        "required column",
    ),
    (
        "measures.csv",
        "S-04,school,school-o1,Ratio of places to children,ratio,higher,true",
        "S-04,school,school-o1,Ratio of places to children,ratio,neutral,true",
        "measures",
        8,
        "polarity",
        "targeted measure",
    ),
    (
        "strategies.csv",
        "school,learn,",
        "school,nowhere,",
        "strategies",
        3,
        "theme_id",
        "must name a theme in themes",
    ),
    (
        "targets.csv",
        "S-02,2017/18,19,1",
        "S-02,2017/18,19,-1",
        "targets",
        7,
        "tolerance",
        "not be negative",
    ),
    (
        "actuals.csv",
        "R-03,Q4 2017/18,7",
        "R-03,Q4 2017/18,7%",
        "actuals",
        8,
        "actual",
        "only percent and milestone measures accept",
    ),
]


@pytest.mark.parametrize(
    "file,old,new,table,row,column,words",
    BROKEN,
    ids=[b[5] + "-" + b[6].split()[0] for b in BROKEN],
)
def test_bad_input_names_table_row_and_column(small, file, old, new, table, row, column, words):
    edit(small / file, old, new)
    with pytest.raises(pa.DataError) as info:
        pa.load(small)
    err = info.value
    assert (err.table, err.row, err.column) == (table, row, column)
    assert words in str(err)
    assert file in str(err)


def test_missing_table_is_named(small):
    (small / "targets.csv").unlink()
    with pytest.raises(pa.DatasetError, match="table 'targets' is missing"):
        pa.load(small)


def test_command_line_prints_the_error_without_a_traceback(small, capsys):
    edit(
        small / "measures.csv",
        "count,lower,true,quarterly,0,true,false,\nR-02",
        "count,sideways,true,quarterly,0,true,false,\nR-02",
    )
    # `perfanalysis summary` as typed, run in this process: its exit status and what it printed
    assert main(["summary", str(small), "--period", "Q4 2017/18"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "table 'measures', row 2, column 'polarity', value 'sideways'" in err


def test_summary_command_prints_every_strategy(capsys):
    status = main(["summary", str(SMALL), "--period", "Q4 2017/18"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "How is success measured?" in out
    for sid in ("roads", "school", "empty"):
        assert sid in out


@pytest.mark.parametrize("name", ["small", "lincolnshire"])
def test_workbook_round_trip(tmp_path, name):
    folder = SMALL if name == "small" else ROOT / "data" / name
    book = write_workbook(folder, tmp_path / f"{name}.xlsx")
    a, b = pa.load(folder), pa.load(book)
    assert a.organisation == b.organisation and a.framework.levels == b.framework.levels
    for attr in ("themes", "strategies", "outcomes", "measures"):
        pd.testing.assert_frame_equal(getattr(a.framework, attr), getattr(b.framework, attr))
    for attr in ("targets", "actuals", "highlights", "contracts"):
        pd.testing.assert_frame_equal(getattr(a, attr), getattr(b, attr))
    pd.testing.assert_frame_equal(a.assess("Q4 2017/18"), b.assess("Q4 2017/18"))


def test_extra_columns_are_passed_through(small):
    edit(small / "measures.csv", ",notes\n", ",notes,owner\n")
    edit(small / "measures.csv", "true,false,\nR-02", "true,false,,Road Safety Team\nR-02")
    ds = pa.load(small)
    assert ds.framework.measures.loc[0, "owner"] == "Road Safety Team"
    assert "owner" in ds.assess("Q4 2017/18").columns
