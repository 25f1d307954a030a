"""A second council's files, as they really are: each case of tests/make_corpus.py is read
right, or rejected with its cell named; never silently dropped, never a traceback.

`perfanalysis validate` is called in this process (`cli.main`), as a person types it. Checking
every case takes half a minute, so that test is marked `slow` (run by `make test`, in shards side
by side on the xdist workers; not by `make test-fast`).
"""

from __future__ import annotations

import io
import tracemalloc
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from make_corpus import PERIOD, SHARDS, Case, shard

import perfanalysis as pa
from perfanalysis.cli import main
from perfanalysis.errors import DatasetError
from perfanalysis.quality import validate_path


@pytest.fixture
def corpus(messy_corpus: dict[str, Case]) -> dict[str, Case]:
    """The corpus by case name (conftest's `messy_corpus`, made once per session)."""
    return messy_corpus


def cli(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(args))
    return status, " ".join((out.getvalue() + err.getvalue()).split())


def _outcome(case: Case) -> str | None:
    """What is wrong with how perfanalysis treats `case`, or None when it is right."""
    result = validate_path(case.path, PERIOD)
    errors = [c for c in result.checks if not c.success and c.severity == "error"]
    status, out = cli("validate", str(case.path), "--period", PERIOD)
    if "Traceback" in out:
        return "a traceback"
    if case.outcome == "read":
        if errors or status != 0:
            return f"not read: {[(c.table, c.column, c.rule[:80]) for c in errors]}"
        if case.check is None or not case.check(pa.load(case.path)):
            return "read, but not as the council meant"
        warned = [c.rule for c in result.checks if not c.success and c.severity == "warning"]
        if case.warning and not any(case.warning in w for w in warned):
            return f"no warning {case.warning!r}: {warned}"
        return None
    hits = [c for c in errors if c.table == case.table and case.words in c.rule]
    if status != 2 or not hits:
        return f"not rejected as expected: {[(c.table, c.column, c.rule[:80]) for c in errors]}"
    check = hits[0]
    if case.column is not None and check.column != case.column:
        return f"column {check.column}, not {case.column}"
    if case.row is not None and not (check.examples and check.examples[0]["row"] == case.row):
        return f"row {check.examples}, not {case.row}"
    if not check.file:
        return "the message names no file"
    if case.words.split(":")[0][:40] not in out:
        return "the command does not print the message"
    try:
        pa.load(case.path)
    except DatasetError:
        return None
    return "pa.load accepted it"


def test_the_corpus_holds_the_cases_a_second_council_brings(corpus):
    assert len(corpus) >= 45
    for name in ("performance-driven-capitalised", "period-qtr", "period-jan-mar",
                 "period-apr-jun", "period-dec-17", "formula-without-value", "stale-dimension",
                 "hidden-sheet", "hidden-rows", "two-sheets-one-table", "format-xls",
                 "format-ods", "format-xlsb", "ten-megabyte-cell",
                 "stray-cell-far-away"):  # fmt: skip
        assert name in corpus
    assert sorted(n for i in range(SHARDS) for n in shard(corpus, i)) == sorted(corpus)


@pytest.mark.slow
@pytest.mark.parametrize("number", range(SHARDS))
def test_each_case_is_read_right_or_rejected_naming_its_cell(corpus, number):
    cases = shard(corpus, number)
    assert cases
    wrong = {name: _outcome(case) for name, case in cases.items()}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_a_raw_register_reports_every_missing_table_not_only_the_first(corpus):
    case = corpus["kpi-register-one-sheet"]
    result = validate_path(case.path)
    missing = {c.table for c in result.checks if not c.success and "is missing" in c.rule}
    assert set(case.extra["all_missing"]) <= missing
    assert any("no 'dataset' sheet" in c.rule for c in result.checks)


def test_a_stray_cell_far_away_is_refused_in_bounded_memory(corpus):
    tracemalloc.start()
    try:
        result = validate_path(corpus["stray-cell-far-away"].path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.errors
    assert peak < 200 * 2**20  # the 17-billion-cell grid is never allocated


def test_spellings_are_written_out_in_canonical_form_downstream(corpus):
    ds = pa.load(corpus["performance-driven-capitalised"].path)
    assert set(ds.contracts["performance_driven"]) == {"Performance driven"}
    ds = pa.load(corpus["unit-percent-sign"].path)
    assert set(ds.framework.measures["unit"]) <= set(pa.framework.UNITS)
    period = pa.load(corpus["period-as-at-date"].path).actuals
    row = period[period["period_as_written"] == "31/03/2018"].iloc[0]
    assert (row["period"], row["period_kind"]) == ("Q4 2017/18", "quarter")


def test_the_seed_words_from_the_lincolnshire_highlight_report_pass(tmp_path):
    """`Performance Driven`, as the seed writes it 28 times, passes the gate."""
    import shutil

    data = tmp_path / "lincs"
    shutil.copytree(Path(pa.__file__).resolve().parent.parent / "data" / "lincolnshire", data)
    path = data / "contracts.csv"
    text = path.read_text(encoding="utf-8")
    assert "Performance driven" in text
    path.write_text(text.replace("Performance driven", "Performance Driven"), encoding="utf-8")
    assert validate_path(data, PERIOD).errors == 0
    assert "Performance Driven" not in set(pa.load(data).contracts["performance_driven"])


def test_the_format_page_lists_every_accepted_spelling():
    """docs/data-format.md, "The council's own words", is the table the reader uses."""
    from perfanalysis.framework import VOCABULARY

    text = (Path(pa.__file__).resolve().parent.parent / "docs" / "data-format.md").read_text()
    section = text[text.index("## The council's own words") : text.index("## Messy input")]
    for words in VOCABULARY.values():
        for value, synonyms in words.items():
            shown = ", ".join(f"`{w}`" for w in synonyms) or "(only the word itself)"
            assert f"| {shown} | `{value}` |" in section
