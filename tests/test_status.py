"""Status rules, table-driven: every rule and every boundary, as the seed report applies them."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfanalysis import DataError, Status
from perfanalysis.periods import parse_periods
from perfanalysis.status import assess, summarise
from tests.conftest import examples

NAN = math.nan


def _frame(rows, columns):
    frame = pd.DataFrame(rows, columns=columns)
    parsed = parse_periods(frame["period"])
    frame["period"] = parsed["label"].to_numpy()
    frame["start"] = parsed["start"].to_numpy()
    frame["end"] = parsed["end"].to_numpy()
    return frame


def one(
    polarity,
    decimals,
    target,
    tolerance,
    actual,
    previous=NAN,
    targeted=True,
    frequency="annual",
    period="2017/18",
    previous_period="2016/17",
):
    """Assess a single measure and return its row."""
    measures = pd.DataFrame(
        [
            {
                "measure_id": "M",
                "strategy_id": "S",
                "outcome_id": None,
                "title": "A measure",
                "unit": "percent",
                "polarity": polarity,
                "targeted": targeted,
                "frequency": frequency,
                "decimals": decimals,
            }
        ]
    )
    t_rows = [] if math.isnan(target) else [("M", period, target, tolerance)]
    t = _frame(t_rows, ["measure_id", "period", "target", "tolerance"])
    a_rows = []
    if not math.isnan(actual):
        a_rows.append(("M", period, actual, "published"))
    if not math.isnan(previous):
        a_rows.append(("M", previous_period, previous, "illustrative"))
    a = _frame(a_rows, ["measure_id", "period", "actual", "source"])
    return assess(measures, t, a, "Q4 2017/18").iloc[0]


STATUS_RULES = [
    # polarity, decimals, target, tolerance, actual, previous, expected, why
    ("higher", 0, 72, NAN, 72, NAN, "achieved", "exactly on target counts as achieved"),
    ("higher", 0, 72, NAN, 73, NAN, "achieved", "beats the target"),
    ("higher", 0, 72, NAN, 70, 71, "not_achieved", "seed: Good Level of Development 72/70"),
    ("higher", 0, 72, NAN, 70, 69, "improving", "missed, but better than last period"),
    ("higher", 0, 72, NAN, 70, 70, "not_achieved", "equal to last period is not improving"),
    ("higher", 0, 72, 2, 70, NAN, "within_tolerance", "tolerance boundary is inclusive"),
    ("higher", 0, 72, 1, 70, NAN, "not_achieved", "missed by more than the tolerance"),
    ("higher", 0, 72, 1, 70, 68, "improving", "beyond tolerance, better than last period"),
    ("lower", 0, 19, 1, 20, NAN, "within_tolerance", "seed: Closing the Gap 19/20 Achieved"),
    ("lower", 0, 31, NAN, 34, NAN, "not_achieved", "seed: KS4 disadvantaged gap 31/34"),
    ("lower", 0, 31, NAN, 34, 36, "improving", "smaller is better: 36 -> 34 is better"),
    ("lower", 0, 31, NAN, 30, NAN, "achieved", "smaller is better: under target"),
    ("lower", 1, 0.7, 0.1, 0.8, NAN, "within_tolerance", "0.8 - 0.7 is 0.1 at one decimal"),
    ("higher", 1, 0.7, 0.1, 0.6, NAN, "within_tolerance", "0.7 - 0.6 is 0.1 at one decimal"),
    ("lower", 1, 0.7, 0.1, 0.9, NAN, "not_achieved", "0.2 over is beyond tolerance"),
    ("lower", 1, 0.3, NAN, 0.1 + 0.2, NAN, "achieved", "0.30000000000000004 is 0.3"),
    ("higher", 0, 72, NAN, 71.6, NAN, "achieved", "71.6 is reported as 72"),
    ("higher", 0, 72, NAN, 71.5, NAN, "achieved", "halves round away from zero"),
    ("higher", 0, 72, NAN, 71.4, NAN, "not_achieved", "71.4 is reported as 71"),
    ("higher", 2, 2.675, NAN, 2.675, NAN, "achieved", "binary 2.675 is still 2.675"),
]


@pytest.mark.parametrize(
    "polarity,decimals,target,tolerance,actual,previous,expected,why",
    STATUS_RULES,
    ids=[r[-1] for r in STATUS_RULES],
)
def test_status_rules(polarity, decimals, target, tolerance, actual, previous, expected, why):
    row = one(polarity, decimals, target, tolerance, actual, previous)
    assert row["status"] == expected, why
    assert row["status_label"] == Status(expected).label


def test_measured_no_target_and_no_data():
    assert one("neutral", 0, NAN, NAN, 7, targeted=False)["status"] == "measured"
    assert one("higher", 0, NAN, NAN, 7)["status"] == "no_target"
    assert one("higher", 0, 72, NAN, NAN)["status"] == "no_data"
    row = one("neutral", 0, NAN, NAN, NAN, targeted=False)
    assert row["status"] == "no_data"


def test_targeted_neutral_measure_is_an_input_error():
    with pytest.raises(DataError, match="polarity"):
        one("neutral", 0, 72, NAN, 70)


def test_quarterly_measure_uses_previous_quarter_and_last_year():
    row = one(
        "lower",
        0,
        100,
        NAN,
        103,
        previous=104,
        frequency="quarterly",
        period="Q4 2017/18",
        previous_period="Q3 2017/18",
    )
    assert row["previous_period"] == "Q3 2017/18" and row["previous_actual"] == 104
    assert row["last_year_period"] == "Q4 2016/17"
    assert row["status"] == "improving" and row["direction"] == "better"


def test_previous_must_be_the_period_just_before():
    # an actual two years back is not "the previous period's actual"
    row = one("higher", 0, 72, NAN, 70, previous=60, previous_period="2015/16")
    assert pd.isna(row["previous_actual"]) and row["status"] == "not_achieved"


def test_annual_measure_shows_latest_year_within_one_cycle():
    # reporting Q3 2017/18: the 2017/18 figure is not due yet, 2016/17 is shown
    measures = pd.DataFrame(
        [
            {
                "measure_id": "M",
                "strategy_id": "S",
                "outcome_id": None,
                "title": "t",
                "unit": "count",
                "polarity": "higher",
                "targeted": True,
                "frequency": "annual",
                "decimals": 0,
            }
        ]
    )
    a = _frame(
        [("M", "2016/17", 5, ""), ("M", "2017/18", 9, "")],
        ["measure_id", "period", "actual", "source"],
    )
    t = _frame([("M", "2016/17", 4, NAN)], ["measure_id", "period", "target", "tolerance"])
    row = assess(measures, t, a, "Q3 2017/18").iloc[0]
    assert (row["period"], row["actual"], row["status"]) == ("2016/17", 5, "achieved")
    # two years on, the 2016/17 figure is stale: no data
    assert assess(measures, t, a, "Q4 2019/20").iloc[0]["status"] == "no_data"


def test_summary_counts_reconcile_and_include_empty_strategies():
    measures = pd.DataFrame(
        [
            {
                "measure_id": f"M{i}",
                "strategy_id": "S1",
                "outcome_id": None,
                "title": "t",
                "unit": "count",
                "polarity": "higher",
                "targeted": i < 4,
                "frequency": "annual",
                "decimals": 0,
            }
            for i in range(6)
        ]
    )
    a = _frame(
        [
            ("M0", "2017/18", 10, ""),
            ("M1", "2017/18", 5, ""),
            ("M2", "2017/18", 8, ""),
            ("M4", "2017/18", 1, ""),
        ],
        ["measure_id", "period", "actual", "source"],
    )
    t = _frame(
        [
            ("M0", "2017/18", 9, NAN),
            ("M1", "2017/18", 9, NAN),
            ("M2", "2017/18", 9, 1),
            ("M3", "2017/18", 9, NAN),
        ],
        ["measure_id", "period", "target", "tolerance"],
    )
    strategies = pd.DataFrame(
        {"strategy_id": ["S1", "S2"], "theme_id": ["T", "T"], "title": ["One", "Empty"]}
    )
    s = summarise(assess(measures, t, a, "Q4 2017/18"), strategies).set_index("strategy_id")
    one_ = s.loc["S1"]
    assert (one_["measures"], one_["targeted"], one_["measured"]) == (6, 4, 2)
    assert (one_["achieving"], one_["not_achieving"], one_["no_data"]) == (2, 1, 2)
    assert one_["targeted"] + one_["measured"] == one_["measures"]
    assert s.loc["S2", "measures"] == 0


PERIODS = [
    "Q1 2017/18",
    "Q2 2017/18",
    "Q3 2017/18",
    "Q4 2017/18",
    "2016/17",
    "2017/18",
    "Mar 2018",
    "AY 2016/17",
]
values = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=examples(60), deadline=None)
@given(
    n=st.integers(1, 12),
    data=st.data(),
)
def test_assess_never_drops_or_repeats_a_measure(n, data):
    measures = pd.DataFrame(
        [
            {
                "measure_id": f"M{i}",
                "strategy_id": "S",
                "outcome_id": None,
                "title": "t",
                "unit": "count",
                "polarity": data.draw(st.sampled_from(["higher", "lower"])),
                "targeted": data.draw(st.booleans()),
                "frequency": data.draw(
                    st.sampled_from(["monthly", "quarterly", "annual", "academic_year"])
                ),
                "decimals": data.draw(st.integers(0, 3)),
            }
            for i in range(n)
        ]
    )
    rows = data.draw(
        st.lists(st.tuples(st.integers(0, n + 2), st.sampled_from(PERIODS), values), max_size=40)
    )
    # duplicates and actuals for measures that are not in the framework are thrown at it too
    a = _frame(
        [(f"M{i}", p, v if v is not None else NAN, "x") for i, p, v in rows],
        ["measure_id", "period", "actual", "source"],
    )
    trows = data.draw(
        st.lists(
            st.tuples(st.integers(0, n), st.sampled_from(PERIODS), values, values), max_size=40
        )
    )
    t = _frame(
        [
            (f"M{i}", p, v if v is not None else NAN, abs(w) if w is not None else NAN)
            for i, p, v, w in trows
        ],
        ["measure_id", "period", "target", "tolerance"],
    )
    out = assess(measures, t, a, data.draw(st.sampled_from(PERIODS)))
    assert list(out["measure_id"]) == list(measures["measure_id"])
    assert out["status"].isin([s.value for s in Status]).all()
