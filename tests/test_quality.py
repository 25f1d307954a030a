"""The data-quality gate: suites, the broken-dataset corpus, the command, and the gate in a run.

tests/broken/<name>/ holds small datasets, each a copy of tests/data/small with ONE thing broken.
For each, CORPUS below says what `perfanalysis validate` must report: the table, the column, the
rule in the words a performance officer reads, the first failing row, and the exit status.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfanalysis import quality
from perfanalysis.cli import main
from perfanalysis.dataset import build, parse_numbers, read_raw
from perfanalysis.errors import DataError
from perfanalysis.framework import (
    BENCHMARK_KINDS,
    FREQUENCY_NAMES,
    PERFORMANCE,
    PERFORMANCE_DRIVEN,
    POLARITIES,
    RAGS,
    REPORTED_STATUSES,
    STAGES,
    STATUS_WORDS,
    TABLES,
    UNITS,
    YES_NO,
)
from perfanalysis.quality import SUITES, QualityResult, load_suite, validate, validate_path
from perfanalysis.validate_cli import exit_status, print_failures
from tests.conftest import examples

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "small"
BROKEN = ROOT / "tests" / "broken"
PERIOD = "Q4 2017/18"
_EXE = Path(sys.executable).with_name("perfanalysis")
PERFANALYSIS = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "perfanalysis.cli"]

#: What every rule of an enumerated column adds: the council's own words are read too.
SYN = " (any case; the other spellings listed in docs/data-format.md are read too)"
NUMBER = "{} must be a number (e.g. 72, 45.9, 1,234 or 70% for a percent measure); blank or n/a \
when there is none"

# name: (table, column, severity, first failing row, rule)
CORPUS: dict[str, tuple[str, str | None, str, int | None, str]] = {
    "actual-for-unknown-measure": ("actuals", "measure_id", "error", 6,
        "measure_id must name a measure in measures"),
    "bad-boolean-targeted": ("measures", "targeted", "error", 4,
        "targeted must be true or false (yes/no, y/n and 1/0 are read too; blank means true)"),
    "bad-contract-performance": ("contracts", "performance", "error", 2,
        "performance must be Good, Average, Poor or N/A, or blank" + SYN),
    "bad-decimals": ("measures", "decimals", "error", 7,
        "decimals must be a whole number from 0 to 4 (blank means 2)"),
    "bad-frequency": ("measures", "frequency", "error", 3,
        "frequency must be one of monthly, quarterly, annual, academic_year" + SYN),
    "bad-performance-driven": ("contracts", "performance_driven", "error", 3,
        "performance_driven must be 'Performance driven' or 'Independent', or blank" + SYN),
    "bad-rag": ("highlights", "rag", "error", 2,
        'rag must be Red, Amber or Green, or blank (shown as "Not given")' + SYN),
    "bad-report-date": ("highlights", "report_date", "error", 2,
        "report_date must be a date written YYYY-MM-DD (e.g. 2018-04-20), or blank"),
    "bad-reporting-years": ("dataset", "reporting_years", "error", None,
        'reporting_years must give two financial years, from and to, e.g. {from: "2013/14", '
        'to: "2018/19"}, with from not after to'),
    "counts-disagree": ("actuals", "actual", "error", 10,
        "actual must equal numerator / denominator x the unit's multiplier at the measure's "
        "decimals (and the denominator must be above 0): correct the figure or its counts"),
    "numerator-above-denominator": ("actuals", "numerator", "error", 11,
        "numerator must not be above denominator for a percentage"),
    "bad-stage": ("highlights", "stage", "error", 2,
        "stage must be Analyse, Plan, Do or Review, or blank" + SYN),
    "bad-unit": ("measures", "unit", "error", 4,
        "unit must be one of percent, count, rate_per_1000, rate_per_10000, rate_per_100000, "
        "days, gbp, score, ratio, milestone" + SYN),
    "bad-yes-no": ("contracts", "contract_kpis", "error", 2,
        "contract_kpis must be Y or N, or blank" + SYN),
    "blank-measure-id-in-actuals": ("actuals", "measure_id", "error", 6,
        "every row of actuals must name its measure (measure_id)"),
    "datetime-in-period": ("actuals", "period", "error", 6,
        "period is a date with a time of day (an Excel date-time); a period is a date or a label "
        "such as Q4 2017/18: format the cell as a date or as text"),
    "duplicate-actual": ("actuals", "period", "error", 5,
        "each measure has one actual per period: this measure and period appear more than once "
        "in actuals"),
    "duplicate-highlight": ("highlights", "period", "error", 2,
        "each strategy has one highlight report per period: this strategy and period appear "
        "more than once in highlights"),
    "duplicate-measure-id": ("measures", "measure_id", "error", 4,
        "measure_id must be unique: each measure appears once in measures"),
    "duplicate-target": ("targets", "period", "error", 3,
        "each measure has one target per period: this measure and period appear more than once "
        "in targets"),
    "empty-organisation": ("dataset", "organisation", "error", None,
        "dataset.yaml must give organisation: the council's name, shown on every page"),
    "measure-unknown-outcome": ("measures", "outcome_id", "error", 5,
        "outcome_id must name an outcome in outcomes, or be blank"),
    "missing-required-column": ("actuals", "actual", "error", None,
        "the header must include the column 'actual' (required columns: measure_id, period, "
        "actual)"),
    "missing-table": ("targets", None, "error", None,
        "the table 'targets' is missing: add targets.csv (or a sheet 'targets') with the columns "
        "measure_id, period, target, tolerance"),
    "negative-count": ("actuals", "actual", "error", 6,
        "the actual of a count, rate, days or ratio measure must not be negative"),
    "negative-tolerance": ("targets", "tolerance", "error", 7, "tolerance must not be negative"),
    "non-numeric-actual": ("actuals", "actual", "error", 6, NUMBER.format("actual")),
    "non-numeric-target": ("targets", "target", "error", 2, NUMBER.format("target")),
    "outcome-of-another-strategy": ("measures", "outcome_id", "warning", 3,
        "the measure's outcome belongs to a different strategy from the measure"),
    "percent-over-100": ("actuals", "actual", "error", 11,
        "the actual of a percent or milestone measure must be between 0 and 100"),
    "percent-sign-on-count": ("actuals", "actual", "error", 8,
        "actual has a % sign, which only percent and milestone measures accept: write the "
        "number alone"),
    "period-outside-reporting-years": ("actuals", "period", "error", 9,
        "period must fall within the reporting years 2016/17 to 2017/18 given in dataset.yaml "
        "(reporting_years): the financial year holding the period's end"),
    "source-not-one-word": ("actuals", "source", "warning", 11,
        "source should be published, illustrative, or one lower-case word naming where the "
        "figure came from (e.g. ons); it is printed beside the figure"),
    "strategy-id-not-path-safe": ("strategies", "strategy_id", "error", 4,
        "strategy_id must be 1 to 64 letters, digits, '-', '_' or '.', starting with a letter, "
        "digit or '_' (no spaces, no '/'): it becomes the name of the strategy's page"),
    "strategy-unknown-theme": ("strategies", "theme_id", "error", 3,
        "theme_id must name a theme in themes"),
    "targeted-neutral": ("measures", "polarity", "error", 8,
        "a targeted measure needs polarity higher or lower to be judged against its target; "
        "set targeted to false for a contextual measure"),
    "targeted-without-target": ("measures", "measure_id", "warning", 3,
        "a targeted measure with an actual for the reporting period Q4 2017/18 has no target "
        "for the same period: it is shown as 'No target set'"),
    "unknown-polarity": ("measures", "polarity", "error", 2,
        "polarity must be higher, lower or neutral" + SYN),
    "unparseable-period": ("targets", "period", "error", 2,
        "period must be a period label perfanalysis understands, e.g. Q4 2017/18, 2017/18, "
        "Mar 2018, AY 2016/17 or 31/03/2018"),
    "unquoted-comma": ("contracts", None, "error", 2,
        "this row has 13 cells but the header names 12 columns; a value that contains a comma "
        "must be in double quotes, and every column needs a name in the header row"),
}  # fmt: skip

#: Broken datasets the full `perfanalysis run` is tried on (each run costs seconds).
RUN_ON = ["unknown-polarity", "missing-table", "empty-organisation", "percent-over-100",
          "unquoted-comma"]  # fmt: skip


def failed(result: QualityResult) -> set[tuple[str, str | None, str, str]]:
    return {(c.table, c.column, c.severity, c.rule) for c in result.checks if not c.success}


def run(
    *args: str, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run([*PERFANALYSIS, *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)  # fmt: skip


@pytest.fixture(scope="session")  # not module: one validation, made on each xdist worker
def baseline() -> set:
    """What the unbroken small dataset itself reports at Q4 2017/18 (one warning: S-03)."""
    return failed(validate_path(SMALL, PERIOD))


@dataclass
class Done:
    """What a person sees of one command: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def cli(*args: str) -> Done:
    """`perfanalysis ARGS` as typed, run in this process (no new interpreter, no import cost)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(args))
    return Done(status, out.getvalue(), err.getvalue())


def cli_runs(name: str) -> dict[str, Done]:
    """`perfanalysis validate` on one corpus dataset, as a user types it (in-process).

    --strict is tried only where it can change the exit status, on the warnings-only datasets.
    """
    runs = {"plain": cli("validate", str(BROKEN / name), "--period", PERIOD)}
    if CORPUS[name][2] == "warning":
        runs["strict"] = cli("validate", str(BROKEN / name), "--period", PERIOD, "--strict")
    return runs


# --------------------------------------------------------------------------- the suites
@pytest.mark.slow  # imports great-expectations (seconds)
@pytest.mark.parametrize("name", SUITES)
def test_every_suite_loads_completely_into_great_expectations(name):
    import great_expectations as gx

    suite = load_suite(name)
    assert suite["name"] == name
    exps = suite["expectations"]
    for e in exps:
        assert e["meta"]["severity"] in ("error", "warning") and e["meta"]["rule"]
    loaded = gx.ExpectationSuite(name=name, expectations=exps)
    assert len(loaded.expectations) == len(exps)


def test_there_is_one_suite_per_table_and_one_for_dataset_yaml():
    assert set(SUITES) == {"dataset", *TABLES}
    assert {p.stem for p in (ROOT / "expectations").glob("*.json")} == set(SUITES)


@pytest.mark.parametrize("name", list(TABLES))
def test_required_columns_are_checked_as_the_format_states_them(name):
    exist = [e["kwargs"]["column"] for e in load_suite(name)["expectations"]
             if e["type"] == "expect_column_to_exist"]  # fmt: skip
    assert tuple(exist) == TABLES[name].required


def test_domains_in_the_suites_are_the_frameworks():
    sets = {(s, e["kwargs"]["column"]): e["kwargs"]["value_set"] for s in SUITES
            for e in load_suite(s)["expectations"]
            if e["type"] == "expect_column_values_to_be_in_set"
            and e["kwargs"]["value_set"] != [True]}  # fmt: skip
    assert sets == {
        ("measures", "unit"): list(UNITS), ("measures", "polarity"): list(POLARITIES),
        ("measures", "frequency"): list(FREQUENCY_NAMES), ("highlights", "stage"): list(STAGES),
        ("highlights", "rag"): list(RAGS), ("contracts", "performance"): list(PERFORMANCE),
        ("contracts", "contract_kpis"): list(YES_NO),
        ("contracts", "volume_sensitive"): list(YES_NO),
        ("contracts", "performance_driven"): list(PERFORMANCE_DRIVEN),
        ("actuals", "reported_status"): list(REPORTED_STATUSES),
        ("benchmarks", "kind"): list(BENCHMARK_KINDS),
        ("dataset", "status_words"): list(STATUS_WORDS),
    }  # fmt: skip


@pytest.mark.parametrize("name", SUITES)
def test_every_derived_column_is_documented_in_its_suite_and_made_by_quality(name):
    suite = load_suite(name)
    documented = suite["meta"]["derived_columns"]
    used = {c for e in suite["expectations"]
            for c in e["kwargs"].get("column_list", [e["kwargs"].get("column")])
            if c and "__" in c}  # fmt: skip
    used |= {
        e["meta"]["value_column"] for e in suite["expectations"] if "value_column" in e["meta"]
    }
    assert used <= set(documented)
    # Every one is made for the small dataset, given a period (and its reporting_years).
    raw = read_raw(SMALL)
    ctx = quality._context(raw, PERIOD)
    frame = quality._frames(raw, ctx, set())[name]
    assert used <= set(frame.columns)


@pytest.mark.slow  # validates with great-expectations (its import: seconds)
def test_a_suite_that_great_expectations_would_silently_shorten_is_refused(tmp_path, monkeypatch):
    for p in (ROOT / "expectations").glob("*.json"):
        shutil.copy(p, tmp_path / p.name)
    suite = json.loads((tmp_path / "themes.json").read_text())
    suite["expectations"][3]["type"] = "expect_column_values_to_be_uniqe"  # a typo
    (tmp_path / "themes.json").write_text(json.dumps(suite))
    monkeypatch.setattr(quality, "EXPECTATIONS_DIR", tmp_path)
    quality._suite_text.cache_clear()
    try:
        with pytest.raises(quality.SuiteError, match="loaded 5 of 6"):
            validate(read_raw(SMALL), PERIOD, engine="gx")
        # The fast engine refuses it too: it knows only the types the suites use.
        with pytest.raises(quality.SuiteError, match="expect_column_values_to_be_uniqe"):
            validate(read_raw(SMALL), PERIOD)
    finally:
        quality._suite_text.cache_clear()


# --------------------------------------------------------------------------- shipped data
@pytest.mark.parametrize("name,period", [("lincolnshire", "Q4 2017/18"),
                                         ("leicestershire", "Q4 2020/21"),
                                         ("small", PERIOD)])  # fmt: skip
def test_shipped_datasets_pass_with_no_errors(name, period):
    path = SMALL if name == "small" else ROOT / "data" / name
    result = validate_path(path, period)
    assert result.errors == 0, [c for c in result.checks if not c.success]
    assert result.counts()["checks"] > 100


@pytest.mark.parametrize("name,periods", [
    ("small", ["Q4 2017/18", "Q3 2017/18", "Q1 2018/19", "Mar 2018"]),
    ("lincolnshire", ["Q4 2017/18", "Q2 2016/17"]),
    ("leicestershire", ["Q4 2020/21", "Q3 2019/20"]),
])  # fmt: skip
def test_completeness_agrees_with_the_statuses_a_pack_shows(name, periods):
    """'No actual' warnings are exactly the measures a pack shows as no data, for any period."""
    path = SMALL if name == "small" else ROOT / "data" / name
    raw = read_raw(path)
    ds = build(raw)
    for period in periods:
        frame = quality._frames(raw, quality._context(raw, period), set())["measures"]
        assessed = ds.assess(period).set_index("measure_id")
        no_actual = set(frame.loc[frame["actual__reported"].eq(False).fillna(False), "measure_id"])
        assert no_actual == set(assessed.index[assessed["status"] == "no_data"]), period
        no_target = set(frame.loc[frame["target__reported"].eq(False).fillna(False), "measure_id"])
        assert no_target == set(assessed.index[assessed["status"] == "no_target"]), period


# --------------------------------------------------------------------------- results
def test_result_record_is_deterministic_and_json_ready():
    a = validate_path(BROKEN / "percent-over-100", PERIOD).to_dict()
    b = validate_path(BROKEN / "percent-over-100", PERIOD).to_dict()
    assert a == b
    text = json.dumps(a, sort_keys=True)
    assert "seconds" not in text and "time" not in json.dumps(list(a))
    assert a["errors"] == 1 and a["period"] == PERIOD


def test_failing_rows_are_counted_and_the_first_five_shown_in_row_order(tmp_path):
    data = tmp_path / "d"
    shutil.copytree(SMALL, data)
    rows = "".join(f"R-03,Q{q} 20{y}/{y + 1},x{y}{q},illustrative,\n"
                   for y in (14, 15) for q in (1, 2, 3, 4))  # fmt: skip
    with open(data / "actuals.csv", "a", encoding="utf-8") as f:
        f.write(rows)
    result = validate_path(data)
    check = next(c for c in result.checks if not c.success and c.column == "actual")
    assert (check.failed, check.checked) == (8, 19)
    assert check.examples == [{"row": 13 + i, "value": v} for i, v in
                              enumerate(["x141", "x142", "x143", "x144", "x151"])]  # fmt: skip
    assert check.file == "actuals.csv" and check.expectation == "expect_column_values_to_be_in_set"


def test_validate_never_raises_for_bad_data_it_reports_it():
    raw = read_raw(SMALL)
    raw.tables["actuals"] = raw.tables["actuals"].drop(columns=["period"])
    del raw.tables["targets"]
    raw.meta = {"reporting_years": "always"}
    result = validate(raw, "Q9 2017")
    got = {(c.table, c.column) for c in result.checks if not c.success}
    assert {("actuals", "period"), ("targets", None), ("dataset", "organisation"),
            ("dataset", "reporting_years"), ("dataset", "period")} <= got  # fmt: skip


@pytest.mark.parametrize("label", ["0000-01", "9999/00", "Jan 0000"])
def test_a_period_whose_year_no_calendar_holds_is_reported_not_raised(label):
    raw = read_raw(SMALL)
    raw.tables["actuals"].loc[4, "period"] = label
    result = validate(raw, label)
    got = [(c.table, c.column, c.examples) for c in result.checks if not c.success]
    assert ("actuals", "period", [{"row": 6, "value": label}]) in got
    assert ("dataset", "period", [{"row": None, "value": label}]) in got


def test_no_dataset_at_all_is_one_clear_error():
    result = validate_path(ROOT / "tests" / "no-such-dataset")
    assert [c.rule for c in result.checks] == [
        f"no dataset at {ROOT / 'tests' / 'no-such-dataset'}: give a folder of CSV files and "
        "dataset.yaml, or an .xlsx workbook"
    ]
    assert result.errors == 1


def test_a_workbook_dataset_is_validated_sheet_by_sheet(tmp_path):
    from perfanalysis.workbook import write_workbook

    book = write_workbook(BROKEN / "unknown-polarity", tmp_path / "testshire.xlsx")
    result = validate_path(book, PERIOD)
    errors = [c for c in result.checks if not c.success and c.severity == "error"]
    assert [(c.file, c.column, c.examples) for c in errors] == [
        ("testshire.xlsx[measures]", "polarity", [{"row": 2, "value": "down"}])
    ]


def test_print_failures_is_a_table_a_person_can_act_on():
    import io

    result = validate_path(BROKEN / "non-numeric-actual", PERIOD)
    out = io.StringIO()
    print_failures(result, out)
    text = out.getvalue()
    assert text.index("ERROR    table actuals (actuals.csv), column actual") < text.index(
        "WARNING  table measures (measures.csv), column measure_id"
    )
    assert "1 of 11 rows checked fail: row 6: 'fourteen'" in text
    assert exit_status(result) == 2


# --------------------------------------------------------------------------- the loader's floor
NASTY = ["", " ", "n/a", "70%", "7%", "1,234", "-5", "abc", "Q5 2017/18", "2017-12-31 14:30:00",
         "1e3", "true", "maybe", "R-01", "S-99", "neutral", "higher", "£5", "Q4 2017/18",
         "2017/18", "0.5", "roads", "nowhere", "count", "annual", "2016/17"]  # fmt: skip
CELLS = [(t, c) for t in ("themes", "strategies", "outcomes", "measures", "targets", "actuals",
                          "highlights", "contracts") for c in TABLES[t].columns]  # fmt: skip


@pytest.mark.slow  # 25 datasets, each loaded, assessed and validated
@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
@given(cells=st.lists(st.tuples(st.sampled_from(CELLS), st.integers(0, 20), st.sampled_from(NASTY)),
                      min_size=1, max_size=3))  # fmt: skip
def test_whatever_the_loader_rejects_the_gate_reports_as_an_error(cells):
    """One rule in one place: a cell the loader stops at is an error of the gate, same column."""
    raw = read_raw(SMALL)
    for (table, column), row, value in cells:
        frame = raw.tables[table]
        if len(frame):
            frame.loc[frame.index[row % len(frame)], column] = value.strip()
    try:
        build(raw).assess(PERIOD)
    except DataError as exc:
        result = validate(raw, PERIOD)
        errors = {(c.table, c.column) for c in result.checks
                  if not c.success and c.severity == "error"}  # fmt: skip
        assert (exc.table, exc.column) in errors, (str(exc), errors)


@given(st.text(alphabet="0123456789,.%£-+ neaE/", max_size=8))
def test_parse_numbers_either_reads_a_number_or_says_no(text):
    values, bad = parse_numbers(pd.Series([text], dtype="str"), percent_ok=True)
    assert not (bad[0] and pd.notna(values[0]))
    if not bad[0] and pd.notna(values[0]):
        digits = text.strip().removesuffix("%").strip().removeprefix("£").replace(",", "")
        assert values[0] == float(digits)


# --------------------------------------------------------------------------- quiet and offline
def test_validation_writes_nothing_and_shows_no_progress_bars(tmp_path):
    """A fresh process in an empty folder: no gx/ folder, no files at all, nothing on stderr."""
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "GX_CLOUD_ACCESS_TOKEN": "x",
           "GX_CLOUD_ORGANIZATION_ID": "y", "TMPDIR": str(tmp_path / "tmp")}  # fmt: skip
    (tmp_path / "tmp").mkdir()
    done = run("validate", str(SMALL), "--period", PERIOD, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["home", "tmp"]
    assert "Calculating Metrics" not in done.stdout and "%|" not in done.stdout


# --------------------------------------------------------------------------- the corpus
def test_the_corpus_is_the_list_and_large_enough():
    assert sorted(p.name for p in BROKEN.iterdir() if p.is_dir()) == sorted(CORPUS)
    assert len(CORPUS) >= 25


@pytest.mark.parametrize("name", list(CORPUS))
def test_each_broken_dataset_gets_its_own_clear_message(name, baseline):
    table, column, severity, row, rule = CORPUS[name]
    result = validate_path(BROKEN / name, PERIOD)
    new = failed(result) - baseline
    assert new == {(table, column, severity, rule)}
    check = next(c for c in result.checks if (c.table, c.column, c.rule) == (table, column, rule))
    assert (check.examples[0]["row"] if check.examples else None) == row
    assert check.file  # every message names the file

    runs = cli_runs(name)
    for done in runs.values():
        assert "Traceback" not in done.stdout + done.stderr
        assert f"{severity.upper():<8} table {table} ({check.file})" in done.stdout
        assert rule.split(";")[0][:60] in " ".join(done.stdout.split())
    if severity == "error":
        assert runs["plain"].returncode == 2
    else:  # warnings only: published, unless --strict
        assert (runs["plain"].returncode, runs["strict"].returncode) == (0, 1)


def test_warnings_only_dataset_exits_0_and_1_under_strict():
    assert cli("validate", str(SMALL), "--period", PERIOD).returncode == 0
    assert cli("validate", str(SMALL), "--period", PERIOD, "--strict").returncode == 1
    # Without a period there is no completeness check, so no warning: 0 even under --strict.
    result = validate_path(SMALL)
    assert (result.errors, result.warnings, exit_status(result, strict=True)) == (0, 0, 0)


@pytest.mark.parametrize("name", RUN_ON)
def test_a_run_on_broken_data_publishes_nothing_and_keeps_the_earlier_pack(tmp_path, name):
    """`perfanalysis run` as typed (in this process): the gate stops it before any notebook."""
    reports = tmp_path / "reports"
    earlier = reports / "testshire" / "2017-18-q4"
    (earlier / "strategies").mkdir(parents=True)
    (earlier / "index.html").write_bytes(b"<!DOCTYPE html><title>The Q4 pack</title>\n")
    (earlier / "strategies" / "roads.html").write_bytes(b"roads\n")
    before = {p.relative_to(reports): p.read_bytes() for p in reports.rglob("*") if p.is_file()}
    params = tmp_path / "params.yaml"
    params.write_text(f"dataset: {BROKEN / name}\nperiod: {PERIOD}\nstrategies: all\n",
                      encoding="utf-8")  # fmt: skip
    done = cli("run", str(params), "--out", str(earlier), "--quiet")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "nothing was published" in done.stderr or "error:" in done.stderr
    after = {p.relative_to(reports): p.read_bytes() for p in reports.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in reports.rglob("*")) == sorted(
        ["testshire", "2017-18-q4", "index.html", "strategies", "roads.html"]
    )
    assert done.stdout == ""
