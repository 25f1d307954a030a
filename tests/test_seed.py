"""The seed report is our ground truth: Q4 2017/18 Collated Highlight Report (shared/seeds/001_*).

Every count box it prints and every figure with its printed status must come out of the shipped
Lincolnshire data exactly (NHS Digital's back-test idea: compare each run with what was published).
"""

from pathlib import Path

import pytest
import yaml

import perfanalysis as pa

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "Q4 2017/18"
PACK = yaml.safe_load((ROOT / "parameters" / "lincolnshire-2017-18-q4.yaml").read_text())[
    "strategies"
]

# strategy title as printed -> (measures, targeted, measured, achieving, improving, not achieving)
COUNT_BOXES = {
    "Children are safe and healthy": (4, 4, 0, 4, 0, 0),
    "Learn and Achieve": (5, 5, 0, 2, 1, 2),
    "Readiness for Adult Life": (3, 3, 0, 2, 0, 1),
    "Readiness for School": (2, 2, 0, 1, 0, 1),
    "Sustaining and growing business and the economy": (4, 4, 0, 4, 0, 0),
    "Protecting and sustaining the environment": (8, 4, 4, 2, 0, 2),
    "Sustaining and developing prosperity through infrastructure": (3, 3, 0, 3, 0, 0),
    "Community Resilience and Assets": (6, 6, 0, 5, 0, 1),
}

# measure title (start of it) -> (target, actual, printed status); None: no target printed
PRINTED = [
    ("Looked after children", None, 45.9, "Achieved"),
    ("Children who are subject to a child protection plan", None, 303, "Achieved"),
    ("Average time taken to move a child from care to an adoptive family", None, 346, "Achieved"),
    ("The percentage of children achieving at least the expected level", 72, 70, "Not achieved"),
    ("Closing the Gap", 19, 20, "Achieved"),
    ("Achievement gap between disadvantaged pupils", 31, 34, "Not achieved"),
]


@pytest.fixture(scope="module")
def lincs():
    return pa.load(ROOT / "data" / "lincolnshire")


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("&", "and").split())


def test_every_count_box_of_the_seed(lincs):
    summary = lincs.summary(PERIOD)
    by_title = {_norm(t): row for t, row in zip(summary["title"], summary.itertuples())}
    for title, expected in COUNT_BOXES.items():
        row = by_title[_norm(title)]
        got = (
            row.measures,
            row.targeted,
            row.measured,
            row.achieving,
            row.improving,
            row.not_achieving,
        )
        assert got == expected, title
        assert row.no_data == 0, f"{title}: every measure in the seed's box has a figure"


def test_every_printed_figure_has_its_printed_status(lincs):
    figures = lincs.assess(PERIOD)
    published = figures[figures["source"] == "published"]
    for start, target, actual, status in PRINTED:
        rows = published[published["title"].str.startswith(start)]
        assert len(rows) >= 1, f"no published figure for {start!r}"
        for _, row in rows.iterrows():
            assert row["actual"] == actual, start
            if target is not None:
                assert row["target"] == target, start
            printed = "Achieved" if pa.Status(row["status"]).is_achieving else "Not achieved"
            assert printed == status, start


def test_published_figures_are_marked_as_published(lincs):
    a = lincs.actuals
    assert set(a["source"]) <= {"published", "illustrative"}
    assert (a["source"] == "published").sum() >= 6


def test_quarterly_measures_in_the_pack_have_twelve_quarters_of_history(lincs):
    figures = lincs.assess(PERIOD)
    pack = figures[figures["strategy_id"].isin(PACK)]
    quarterly = pack[pack["frequency"] == "quarterly"]
    assert len(quarterly) > 0
    for mid in quarterly["measure_id"]:
        history = lincs.history(mid)
        before = history[(history["end"] < "2018-01-01") & history["actual"].notna()]
        assert len(before) >= 12, mid
