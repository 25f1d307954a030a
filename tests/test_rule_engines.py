"""The rule book has two evaluators, and they agree: vectorised pandas and great-expectations.

The suites in expectations/ are the one statement of the rules. `perfanalysis validate`, `run`
and the loader evaluate them in pandas (fast, no great-expectations import); great-expectations
validates the same suites as the published, inspectable form. On every case of the broken corpus
(tests/broken), the messy-input corpus (tests/make_corpus.py) and the shipped data, both give the
same checks: the same rules failing, with the same counts and the same failing rows.

Great-expectations takes about a second per dataset, so the comparisons are marked `slow`: run
by `make test` (the corpus in shards, side by side on the xdist workers), not by `make test-fast`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest
from make_corpus import PERIOD, SHARDS, shard

from perfanalysis import quality
from perfanalysis.dataset import read_raw

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "broken"
SHIPPED = [
    (ROOT / "tests" / "data" / "small", "Q4 2017/18"),
    (ROOT / "data" / "lincolnshire", "Q4 2017/18"),
    (ROOT / "data" / "leicestershire", "Q4 2020/21"),
]
CASES = SHIPPED + [(p, "Q4 2017/18") for p in sorted(BROKEN.iterdir()) if p.is_dir()]


def both(path: Path, period: str | None) -> tuple[list[dict], list[dict]]:
    fast = quality.validate(read_raw(path), period, engine="pandas")
    gx = quality.validate(read_raw(path), period, engine="gx")
    return [asdict(c) for c in fast.checks], [asdict(c) for c in gx.checks]


@pytest.mark.slow
@pytest.mark.parametrize("path,period", CASES, ids=[p.name for p, _ in CASES])
def test_pandas_and_great_expectations_give_the_same_checks(path, period):
    fast, gx = both(path, period)
    assert len(fast) > 100
    assert fast == gx


@pytest.mark.slow
@pytest.mark.parametrize("path", [SHIPPED[0][0], BROKEN / "percent-over-100"])
def test_the_engines_agree_without_a_reporting_period_too(path):
    fast, gx = both(path, None)
    assert fast == gx


@pytest.mark.slow
@pytest.mark.parametrize("number", range(SHARDS))
def test_the_corpus_cases_give_the_same_checks_in_both_engines(messy_corpus, number):
    assert len(messy_corpus) >= 20
    cases = shard(messy_corpus, number)
    assert cases
    for name, case in cases.items():
        fast, gx = both(case.path, PERIOD)
        assert fast == gx, name


def test_the_fast_engine_never_imports_great_expectations():
    import subprocess
    import sys

    code = (
        "import sys; from perfanalysis.quality import validate_path; "
        f"r = validate_path({str(SHIPPED[1][0])!r}, 'Q4 2017/18'); "
        "assert r.errors == 0; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('great_expectations', 'altair', 'nbconvert', 'papermill')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_id_rule_in_the_suites_is_the_frameworks():
    """Ids that become file names: the suites state the framework's one pattern."""
    from perfanalysis.framework import ID_PATTERN

    regexes = {(name, e["kwargs"]["column"]): e["kwargs"]["regex"]
               for name in ("strategies", "measures")
               for e in quality.load_suite(name)["expectations"]
               if e["type"] == "expect_column_values_to_match_regex"}  # fmt: skip
    assert regexes == {("strategies", "strategy_id"): ID_PATTERN,
                       ("measures", "measure_id"): ID_PATTERN}  # fmt: skip
