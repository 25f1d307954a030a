"""Tests of perfanalysis.comparators against hand-worked Excel PERCENTILE.INC and RANK.EQ values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfanalysis.comparators import percentile_inc, rank_within_group
from tests.conftest import examples

# ---------------------------------------------------------------------------------------------
# percentile_inc: rank h = (n - 1) x q in the sorted values, interpolated between neighbours

PERCENTILE_ROWS = [
    # h = 3 x 0.25 = 0.75: 1 + 0.75 x (2 - 1)
    ([1, 2, 3, 4], 0.25, 1.75),
    # h = 1.5: 2 + 0.5 x (3 - 2)
    ([1, 2, 3, 4], 0.5, 2.5),
    # h = 2.25: 3 + 0.25 x (4 - 3)
    ([1, 2, 3, 4], 0.75, 3.25),
    # h = 4 x 0.4 = 1.6: 20 + 0.6 x (35 - 20)
    ([15, 20, 35, 40, 50], 0.4, 29.0),
    # h = 1 exactly: the second value
    ([15, 20, 35, 40, 50], 0.25, 20.0),
    # h = 3 exactly
    ([15, 20, 35, 40, 50], 0.75, 40.0),
    # h = 4 x 0.9 = 3.6: 40 + 0.6 x (50 - 40)
    ([15, 20, 35, 40, 50], 0.9, 46.0),
    # order of the input does not matter
    ([4, 1, 3, 2], 0.25, 1.75),
    # q = 0 and q = 1 are the minimum and maximum
    ([7, 3, 9], 0.0, 3.0),
    ([7, 3, 9], 1.0, 9.0),
    # one value: every percentile is that value
    ([5], 0.3, 5.0),
    # missing values are ignored, as blank cells in Excel: [1, 2, 3, 4] again
    ([1, np.nan, 2, 3, 4], 0.25, 1.75),
    # ties: [10, 20, 20, 30, 40], h = 4 x 0.3 = 1.2: 20 + 0.2 x (20 - 20)
    ([10, 20, 20, 30, 40], 0.3, 20.0),
    # h = 5 x 0.1 = 0.5 in [2, 4, 6, 8, 10, 12]: 2 + 0.5 x 2
    ([2, 4, 6, 8, 10, 12], 0.1, 3.0),
    # negative values: [-10, -5, 0], h = 2 x 0.25 = 0.5: -10 + 0.5 x 5
    ([-10, -5, 0], 0.25, -7.5),
]


@pytest.mark.parametrize(("values", "q", "expected"), PERCENTILE_ROWS)
def test_percentile_inc(values: list[float], q: float, expected: float) -> None:
    assert percentile_inc(values, q) == pytest.approx(expected)


def test_percentile_inc_vectorised_over_q() -> None:
    # [10, 20, 30, 40, 50]: h = 0.4 -> 14; h = 2 -> 30; h = 3.6 -> 46
    result = percentile_inc(pd.Series([50, 10, 40, 20, 30]), [0.1, 0.5, 0.9])
    assert isinstance(result, np.ndarray)
    assert result == pytest.approx([14.0, 30.0, 46.0])


@pytest.mark.parametrize("q", [-0.01, 1.01, math.nan])
def test_percentile_inc_rejects_q_outside_0_1(q: float) -> None:
    with pytest.raises(ValueError):
        percentile_inc([1, 2, 3], q)


def test_percentile_inc_needs_a_value() -> None:
    with pytest.raises(ValueError):
        percentile_inc([np.nan], 0.5)


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(st.integers(-1000, 1000), min_size=1, max_size=30),
    st.floats(0, 1, allow_nan=False),
)
def test_percentile_inc_lies_between_its_neighbours(values: list[int], q: float) -> None:
    """The result lies between the two sorted values around rank (n - 1) x q."""
    x = sorted(values)
    h = (len(x) - 1) * q
    lo, hi = x[math.floor(h)], x[math.ceil(h)]
    assert lo - 1e-9 <= percentile_inc(values, q) <= hi + 1e-9


# ---------------------------------------------------------------------------------------------
# rank_within_group


def frame(rows: dict[str, float], measure: str = "m1", period: str = "Q4 2017/18", group="cipfa"):
    return pd.DataFrame(
        {
            "measure_id": measure,
            "period": period,
            "area": list(rows),
            "value": list(rows.values()),
            "group": group,
        }
    )


# five areas 10, 20, 30, 40, 50: PERCENTILE.INC boundaries (h = 4q):
#   P25 = 20 (h = 1), P50 = 30 (h = 2), P75 = 40 (h = 3); median 30
FIVE = {"A": 10, "B": 20, "C": 30, "D": 40, "E": 50}
# four areas 1, 2, 3, 4: P25 = 1.75, P50 = 2.5, P75 = 3.25 (h = 3q); median 2.5
FOUR = {"A": 1, "B": 2, "C": 3, "D": 4}
# ties: 10, 20, 20, 30, 40: P25 = 20 (h = 1), P50 = 20 (h = 2), P75 = 30 (h = 3); median 20
TIES = {"A": 10, "B": 20, "C": 20, "D": 30, "E": 40}

RANK_ROWS = [
    # (values, council, polarity, rank, quartile, median)
    # higher is better: rank = 1 + areas with a larger value
    pytest.param(FIVE, "E", "higher", 1, 1, 30.0, id="five-top-higher"),  # 50 >= P75
    pytest.param(FIVE, "D", "higher", 2, 1, 30.0, id="five-on-P75-higher"),  # 40 = P75 -> better
    pytest.param(FIVE, "C", "higher", 3, 2, 30.0, id="five-on-P50-higher"),  # 30 = P50 -> 2
    pytest.param(FIVE, "B", "higher", 4, 3, 30.0, id="five-on-P25-higher"),  # 20 = P25 -> 3
    pytest.param(FIVE, "A", "higher", 5, 4, 30.0, id="five-bottom-higher"),  # 10 < P25
    # lower is better: rank = 1 + areas with a smaller value
    pytest.param(FIVE, "A", "lower", 1, 1, 30.0, id="five-bottom-lower"),  # 10 <= P25
    pytest.param(FIVE, "B", "lower", 2, 1, 30.0, id="five-on-P25-lower"),  # 20 = P25 -> 1
    pytest.param(FIVE, "C", "lower", 3, 2, 30.0, id="five-on-P50-lower"),  # 30 = P50 -> 2
    pytest.param(FIVE, "D", "lower", 4, 3, 30.0, id="five-on-P75-lower"),  # 40 = P75 -> 3
    pytest.param(FIVE, "E", "lower", 5, 4, 30.0, id="five-top-lower"),  # 50 > P75
    # interpolated boundaries 1.75, 2.5, 3.25
    pytest.param(FOUR, "B", "higher", 3, 3, 2.5, id="four-2-higher"),  # 1.75 <= 2 < 2.5
    pytest.param(FOUR, "B", "lower", 2, 2, 2.5, id="four-2-lower"),  # 1.75 < 2 <= 2.5
    pytest.param(FOUR, "C", "higher", 2, 2, 2.5, id="four-3-higher"),  # 2.5 <= 3 < 3.25
    pytest.param(FOUR, "C", "lower", 3, 3, 2.5, id="four-3-lower"),  # 2.5 < 3 <= 3.25
    pytest.param(FOUR, "D", "higher", 1, 1, 2.5, id="four-4-higher"),  # 4 >= 3.25
    pytest.param(FOUR, "A", "higher", 4, 4, 2.5, id="four-1-higher"),  # 1 < 1.75
    # ties share the better rank (RANK.EQ): B and C are both 20
    pytest.param(TIES, "B", "higher", 3, 2, 20.0, id="ties-higher"),  # 30, 40 larger; 20 = P50
    pytest.param(TIES, "C", "higher", 3, 2, 20.0, id="ties-higher-other"),
    pytest.param(TIES, "B", "lower", 2, 1, 20.0, id="ties-lower"),  # 10 smaller; 20 = P25
    pytest.param(TIES, "D", "lower", 4, 3, 20.0, id="ties-lower-after-tie"),  # 10, 20, 20 smaller
    # all equal: every boundary is the value, so quartile 1 and rank 1 either way
    pytest.param({"A": 5, "B": 5, "C": 5}, "B", "higher", 1, 1, 5.0, id="all-equal-higher"),
    pytest.param({"A": 5, "B": 5, "C": 5}, "B", "lower", 1, 1, 5.0, id="all-equal-lower"),
    # the council alone
    pytest.param({"B": 7}, "B", "higher", 1, 1, 7.0, id="alone"),
]


@pytest.mark.parametrize(("values", "council", "polarity", "rank", "quartile", "median"), RANK_ROWS)
def test_rank_and_quartile(
    values: dict[str, float], council: str, polarity: str, rank: int, quartile: int, median: float
) -> None:
    (row,) = rank_within_group(frame(values), council, polarity).to_dict("records")
    assert row["value"] == values[council]
    assert row["rank"] == rank
    assert row["quartile"] == quartile
    assert row["n"] == len(values)
    assert row["median"] == pytest.approx(median)


@pytest.mark.parametrize("polarity", ["neutral", "Neutral"])
def test_neutral_has_no_rank_or_quartile(polarity: str) -> None:
    (row,) = rank_within_group(frame(FIVE), "B", polarity).to_dict("records")
    assert row["value"] == 20
    assert pd.isna(row["rank"])
    assert pd.isna(row["quartile"])
    assert row["n"] == 5
    assert row["median"] == 30.0


def test_polarity_per_measure() -> None:
    data = pd.concat(
        [frame(FIVE, measure="up"), frame(FIVE, measure="down"), frame(FIVE, measure="flat")]
    )
    polarity = pd.Series({"up": "higher", "down": "lower", "flat": "neutral"})
    out = rank_within_group(data, "B", polarity).set_index("measure_id")
    # B = 20: higher -> rank 4, on P25 -> quartile 3; lower -> rank 2, quartile 1; neutral -> NA
    assert out.loc["up", "rank"] == 4 and out.loc["up", "quartile"] == 3
    assert out.loc["down", "rank"] == 2 and out.loc["down", "quartile"] == 1
    assert pd.isna(out.loc["flat", "rank"]) and pd.isna(out.loc["flat", "quartile"])
    # a dict works as well as a Series
    same = rank_within_group(data, "B", polarity.to_dict()).set_index("measure_id")
    pd.testing.assert_frame_equal(out, same)


def test_one_row_per_measure_and_period() -> None:
    # Q1: B = 20 of 10..50 (higher: rank 4); Q2: B = 50 of 10, 50, 30 (rank 1, n 3, median 30)
    data = pd.concat([frame(FIVE, period="Q1"), frame({"A": 10, "B": 50, "C": 30}, period="Q2")])
    out = rank_within_group(data, "B", "higher")
    assert out[["period", "rank", "n", "median"]].to_dict("records") == [
        {"period": "Q1", "rank": 4, "n": 5, "median": 30.0},
        {"period": "Q2", "rank": 1, "n": 3, "median": 30.0},
    ]
    assert set(out.columns) >= {"measure_id", "period", "value", "rank", "n", "quartile", "median"}


def test_council_without_a_value() -> None:
    # C has no value: n counts the four areas with one; B absent from Q2 entirely
    values = dict(FIVE, C=np.nan)
    data = pd.concat([frame(values, period="Q1"), frame({"A": 1, "D": 2}, period="Q2")])
    out = rank_within_group(data, "C", "higher").set_index("period")
    assert pd.isna(out.loc["Q1", "value"]) and pd.isna(out.loc["Q1", "rank"])
    assert pd.isna(out.loc["Q1", "quartile"])
    assert out.loc["Q1", "n"] == 4
    # 10, 20, 40, 50: median h = 1.5 -> 20 + 0.5 x 20 = 30
    assert out.loc["Q1", "median"] == 30.0
    assert pd.isna(out.loc["Q2", "value"]) and out.loc["Q2", "n"] == 2


def test_missing_values_are_not_ranked() -> None:
    # E has no value, so only 10..40 count: B = 20 ranks 3 of 4 (higher); P25 of 10, 20, 30, 40
    # is h = 0.75 -> 17.5, P50 = 25: 17.5 <= 20 < 25 -> quartile 3
    (row,) = rank_within_group(frame(dict(FIVE, E=np.nan)), "B", "higher").to_dict("records")
    assert (row["rank"], row["n"], row["quartile"], row["median"]) == (3, 4, 3, 25.0)


def test_separate_comparator_groups() -> None:
    data = pd.concat([frame(FIVE, group="cipfa"), frame({"B": 20, "X": 5}, group="shires")])
    out = rank_within_group(data, "B", "higher").set_index("group")
    assert out.loc["cipfa", "rank"] == 4
    assert out.loc["shires", "rank"] == 1  # 20 > 5
    assert out.loc["shires", "n"] == 2


def test_dtypes() -> None:
    out = rank_within_group(frame(FIVE), "B", "higher")
    assert str(out["rank"].dtype) == "Int64"
    assert str(out["quartile"].dtype) == "Int64"
    assert str(out["n"].dtype) == "Int64"


@pytest.mark.parametrize(
    ("polarity", "message"),
    [("bigger", "unknown polarity"), (pd.Series({"other": "higher"}), "no polarity")],
)
def test_bad_polarity_raises(polarity: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rank_within_group(frame(FIVE), "B", polarity)  # type: ignore[arg-type]


def test_duplicate_area_raises() -> None:
    data = pd.concat([frame(FIVE), frame({"B": 21})])
    with pytest.raises(ValueError, match="more than once"):
        rank_within_group(data, "B", "higher")


def test_missing_column_raises() -> None:
    with pytest.raises(ValueError, match="group"):
        rank_within_group(frame(FIVE).drop(columns="group"), "B", "higher")


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=12), st.sampled_from(["higher", "lower"]))
def test_rank_and_quartile_agree_with_a_direct_count(values: list[int], polarity: str) -> None:
    """Rank is 1 + the number strictly better; quartile from percentile_inc boundaries."""
    areas = {f"A{i}": v for i, v in enumerate(values)}
    (row,) = rank_within_group(frame(areas), "A0", polarity).to_dict("records")
    mine = values[0]
    sign = 1 if polarity == "higher" else -1
    assert row["rank"] == 1 + sum(sign * (v - mine) > 0 for v in values)
    p25, p50, p75 = percentile_inc(values, [0.25, 0.5, 0.75])
    if polarity == "higher":
        expected = 1 if mine >= p75 else 2 if mine >= p50 else 3 if mine >= p25 else 4
    else:
        expected = 1 if mine <= p25 else 2 if mine <= p50 else 3 if mine <= p75 else 4
    assert row["quartile"] == expected
