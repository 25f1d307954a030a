"""`perfanalysis import`: a district council's one-sheet KPI register, as docs/importing.md says.

The register is examples/district-kpi-register.xlsx (made by examples/make_register.py); each
broken register is that workbook with one cell changed, saved by the test. The commands are run
in-process with `perfanalysis.cli.main`, as a user types them.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import perfanalysis as pa
from perfanalysis.cli import main
from perfanalysis.status import rag_disagreements

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "examples" / "district-kpi-register.xlsx"
MAPPING = ROOT / "examples" / "district-mapping.yaml"
PERIOD = "Q2 2024/25"


def imported(tmp_path: Path, capsys, register: Path = REGISTER, mapping: Path = MAPPING):
    out = tmp_path / "riverside"
    code = main(["import", str(register), "--mapping", str(mapping), "--out", str(out)])
    return code, out, capsys.readouterr()


def changed(tmp_path: Path, **cells: object) -> Path:
    """The example register with some cells changed (A1-style references)."""
    book = load_workbook(REGISTER)
    ws = book["KPI register"]
    for ref, value in cells.items():
        ws[ref] = value
    path = tmp_path / "register.xlsx"
    book.save(path)
    return path


def mapping_with(tmp_path: Path, old: str, new: str) -> Path:
    text = MAPPING.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "mapping.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the example
def test_example_register_is_what_make_register_writes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_register", ROOT / "examples" /
                                                  "make_register.py")  # fmt: skip
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    monkeypatch.setattr(make, "OUT", tmp_path / "register.xlsx")
    fresh = load_workbook(make.main())["KPI register"]
    committed = load_workbook(REGISTER)["KPI register"]
    assert [[c.value for c in r] for r in fresh.iter_rows()] == [
        [c.value for c in r] for r in committed.iter_rows()
    ]


def test_import_writes_a_dataset_with_the_register_figures(tmp_path, capsys):
    code, out, cap = imported(tmp_path, capsys)
    assert code == 0, cap.err
    assert "13 KPIs of 4 services" in cap.out and "perfanalysis validate" in cap.out
    ds = pa.load(out)
    assert ds.organisation == "Riverside District Council"
    assert ds.framework.level("strategy") == "Service"
    s = ds.framework.strategies.set_index("strategy_id")["title"]
    assert list(s) == ["Revenues and Benefits", "Environmental Services",
                       "Planning and Housing", "Corporate Services"]  # fmt: skip
    m = ds.framework.measures.set_index("measure_id")
    # the council's words, written out canonically
    assert (m.loc["REV01", "unit"], m.loc["REV01", "polarity"]) == ("percent", "higher")
    assert (m.loc["HR01", "unit"], m.loc["HR01", "polarity"]) == ("days", "lower")
    assert (m.loc["ENV03", "unit"], m.loc["ENV03", "polarity"]) == ("count", "neutral")
    assert not m.loc["ENV03", "targeted"] and m.loc["HSG01", "targeted"]
    assert list(m.index[m["cumulative"]]) == ["REV01", "REV03", "HR01"]
    assert list(m.index[m["signed"]]) == ["ENV02", "PLN03"]
    assert set(m["frequency"]) == {"quarterly"}

    f = ds.assess(PERIOD).set_index("measure_id")
    # REV01 29.5% and 56.0% are Excel percentages in the register (0.295, 0.56): read as shown.
    rev01 = ds.actuals[ds.actuals["measure_id"] == "REV01"].set_index("period")["actual"]
    assert rev01.to_dict() == {"Q2 2023/24": 57.2, "Q1 2024/25": 29.5, "Q2 2024/25": 56.0}
    # Hand-worked: REV01 year to date 56.0 v 57.0 (tol 0.5), last year at Q2 57.2 -> Red, worse.
    assert f.loc["REV01", ["status", "status_label", "previous_period", "direction"]].tolist() == [
        "not_achieved", "Red", "Q2 2023/24", "worse"]  # fmt: skip
    # REV03 54.8 v 55.0 within 0.5 -> Amber. HR01 4.1 v 3.9 (tol 0.1), last year 4.6 -> Red.
    assert f.loc["REV03", "status_label"] == "Amber"
    assert f.loc["HR01", ["status", "direction"]].tolist() == ["improving", "better"]
    # Signed: ENV02 -9% v 5%, Q1 -16% -> improving but Red; PLN03 -28 days v 0 (tol 7) -> Red.
    assert f.loc["ENV02", ["actual", "status", "status_label"]].tolist() == [-9, "improving", "Red"]
    assert f.loc["PLN03", ["actual", "status", "direction"]].tolist() == [-28, "not_achieved",
                                                                            "worse"]  # fmt: skip
    # HSG01 has figures but no target: No target set. ENV03 is contextual.
    assert f.loc["HSG01", "status_label"] == "No target set"
    assert f.loc["ENV03", "status_label"] == "Measured (no target)"
    assert f.loc["PLN01", "status_label"] == "Green" and f.loc["PLN02", "status_label"] == "Amber"
    # the council's RAG is kept; three differ from the computed status
    assert f.loc["REV03", "reported_status"] == "Amber"  # written "A" in the register
    assert f.loc["PLN01", "reported_status"] == "Green"  # written "G"
    d = rag_disagreements(f.reset_index()).set_index("measure_id")
    assert d[["reported_status", "status_label"]].to_dict("index") == {
        "REV01": {"reported_status": "Amber", "status_label": "Red"},
        "HSG02": {"reported_status": "Green", "status_label": "Amber"},
        "HR01": {"reported_status": "Amber", "status_label": "Red"},
    }
    # the commentary goes with the reporting period's figure
    note = ds.actuals.set_index(["measure_id", "period"]).loc[("PLN03", PERIOD), "note"]
    assert note == "Consultation extended by four weeks at members' request."


def test_validate_after_import_warns_only_of_the_kpi_with_no_target(tmp_path, capsys):
    code, out, _ = imported(tmp_path, capsys)
    assert code == 0
    assert main(["validate", str(out), "--period", PERIOD]) == 0
    text = capsys.readouterr().out
    assert "0 errors, 1 warning" in text
    assert "HSG01 (Q2 2024/25)" in text and "No target set" in text
    assert "To fill in first" not in text


@pytest.mark.notebook
def test_register_to_published_pack_in_three_commands(tmp_path, capsys):
    """docs/importing.md: import, validate, run; the pack shows the council's words."""
    out, pack = tmp_path / "riverside", tmp_path / "pack"
    assert main(["import", str(REGISTER), "--mapping", str(MAPPING), "--out", str(out)]) == 0
    assert main(["validate", str(out), "--period", PERIOD]) == 0
    assert main(["run", str(out / "parameters.yaml"), "--out", str(pack), "--jobs", "2",
                 "--quiet"]) == 0  # fmt: skip
    capsys.readouterr()
    page = (pack / "strategies" / "revenues-and-benefits.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", "", page,
                                                               flags=re.S)))  # fmt: skip
    assert "Green Amber (within tolerance) Red" in text  # the count box follows the words
    assert "1 Green, 1 Amber (within tolerance), 1 Red" in text
    assert "Red 57.2% ▼ Worse than Q2 2023/24" in text  # REV01: status, previous, direction
    assert "Achieved" not in text and "Not achieved" not in text.replace("not achieved", "")
    assert "Financial year: 2023/24" in page and "Financial year: 2024/25" in page  # year paths
    index = (pack / "index.html").read_text(encoding="utf-8")
    chart = index[index.index('id="chart-status-by-strategy-title"') :]
    chart = chart[: chart.index("</svg>")]
    assert "Amber (within tolerance)" in chart and "Improving but not achieved" not in chart
    planning = (pack / "strategies" / "planning-and-housing.html").read_text(encoding="utf-8")
    assert "-28 days" in planning and "No target set" in planning
    assert "-9%" in (pack / "strategies" / "environmental-services.html").read_text("utf-8")
    quality = (pack / "data-quality.html").read_text(encoding="utf-8")
    section = quality[quality.index("Reported and computed statuses") :]
    section = section[: section.index("Every check")]
    for title in ("council tax collected", "re-let council homes", "sickness per FTE"):
        assert title in section
    assert "Average days to process" not in section
    figures = pd.read_csv(pack / "figures.csv", dtype=str, keep_default_na=False)
    row = figures.set_index("measure_id").loc["REV01"]
    assert (row["status_label"], row["reported_status"]) == ("Red", "Amber")


# --------------------------------------------------------------------------- nothing guessed
def test_a_blank_polarity_is_an_error_naming_the_cell(tmp_path, capsys):
    code, out, cap = imported(tmp_path, capsys, register=changed(tmp_path, E7=None))
    assert code == 2 and not out.exists()
    assert "cell E7 (row 7, column 'Good is')" in cap.err
    assert "polarity is blank" in cap.err and "defaults.polarity" in cap.err
    assert "Traceback" not in cap.err
    assert [p.name for p in tmp_path.iterdir()] == ["register.xlsx"]  # nothing half-written


def test_a_default_in_the_mapping_fills_a_blank_polarity(tmp_path, capsys):
    mapping = mapping_with(tmp_path, "  frequency: quarterly", "  frequency: quarterly\n"
                           "  polarity: Higher is better")  # fmt: skip
    code, out, cap = imported(tmp_path, capsys, register=changed(tmp_path, E7=None),
                              mapping=mapping)  # fmt: skip
    assert code == 0, cap.err
    m = pa.load(out).framework.measures.set_index("measure_id")
    assert m.loc["ENV01", "polarity"] == "higher"


def test_a_register_with_no_polarity_column_needs_a_default(tmp_path, capsys):
    mapping = mapping_with(tmp_path, "  polarity: Good is\n", "")
    code, out, cap = imported(tmp_path, capsys, mapping=mapping)
    assert code == 2 and not out.exists()
    assert "no polarity column" in cap.err and "defaults.polarity" in cap.err


@pytest.mark.parametrize(
    "cell,value,column,words",
    [
        ("D5", "furlongs", "Unit", "unit must be one of count, days, gbp, milestone, percent"),
        ("E6", "sideways", "Good is", "polarity must be one of higher, lower, neutral"),
        ("O8", "tbc", "Q2 Actual", "must be a number"),
        ("O5", "1.2E+06", "Q2 Actual", "must be a number"),
        ("Q4", "Purple", "Q2 RAG", "a RAG must be Green, Amber or Red"),
        ("G4", "maybe", "YTD", "cumulative must be one of false, true"),
        ("A6", "REV01", "Ref", "this code appears on an earlier row"),
    ],
)
def test_a_wrong_cell_is_an_error_naming_it(tmp_path, capsys, cell, value, column, words):
    register = changed(tmp_path, **{cell: value})
    code, out, cap = imported(tmp_path, capsys, register=register)
    assert code == 2 and not out.exists()
    row = int(cell[1:])
    assert f"cell {cell} (row {row}, column '{column}'), value '{value}'" in cap.err
    assert words in cap.err and "Traceback" not in cap.err


def test_a_formula_saved_without_its_value_is_an_error_naming_the_cell(tmp_path, capsys):
    # openpyxl saves a formula with no cached value: read as values only, it would be blank.
    code, out, cap = imported(tmp_path, capsys, register=changed(tmp_path, O5="=M5-1.3"))
    assert code == 2 and not out.exists()
    assert "cell O5: a formula with no saved value" in cap.err


def test_council_spellings_are_read(tmp_path, capsys):
    register = changed(tmp_path, D4="Percentage", E4="bigger is better", D5="day", E5="LOW",
                       Q5="g", Q6="AMBER ")  # fmt: skip
    code, out, cap = imported(tmp_path, capsys, register=register)
    assert code == 0, cap.err
    ds = pa.load(out)
    m = ds.framework.measures.set_index("measure_id")
    assert m.loc["REV01", ["unit", "polarity"]].tolist() == ["percent", "higher"]
    assert m.loc["REV02", ["unit", "polarity"]].tolist() == ["days", "lower"]
    reported = ds.actuals.set_index(["measure_id", "period"])["reported_status"]
    assert reported[("REV02", PERIOD)] == "Green" and reported[("REV03", PERIOD)] == "Amber"


def test_a_mapping_naming_a_missing_column_says_which(tmp_path, capsys):
    mapping = mapping_with(tmp_path, "actual: Q2 Actual", "actual: Q2 Actuals")
    code, out, cap = imported(tmp_path, capsys, mapping=mapping)
    assert code == 2 and not out.exists()
    assert "no column 'Q2 Actuals'" in cap.err and "'Q2 Actual'" in cap.err


def test_out_must_be_a_new_or_empty_folder(tmp_path, capsys):
    out = tmp_path / "riverside"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    code = main(["import", str(REGISTER), "--mapping", str(MAPPING), "--out", str(out)])
    assert code == 2 and "not empty" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"
    shutil.rmtree(out)
    out.mkdir()  # an empty folder is fine
    assert main(["import", str(REGISTER), "--mapping", str(MAPPING), "--out", str(out)]) == 0
    assert (out / "measures.csv").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["riverside"]  # no staging left
