"""Tests of perfanalysis.spc against the rules in docs/SPC.md, one table row per rule or boundary.

Most rule tests append a short "tail" to a fixed baseline and use fix_after_n_points=12, so the
limits are the same known numbers in every row:

    BASE = 10, 30, 10, 30, ... (12 points)
    mean = 240 / 12 = 20
    moving ranges: eleven of |30 - 10| = 20, so AMR = 20 (screening: 20 < 3.267 x 20, kept)
    upper limit  = 20 + 2.66 x 20 = 73.2          lower limit  = 20 - 53.2 = -33.2
    upper 2-sigma = 20 + (2 x 2.66 / 3) x 20 = 55.4667   lower 2-sigma = -15.4667
    so 55.47 < close <= 73.2 above the mean, -33.2 <= close < -15.47 below it.

BASE alternates around the mean and ends on 30 (above the mean, after a step up); each tail is
built so that nothing in BASE is flagged, which every row checks.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfanalysis.spc import (
    ASSURANCE_WORDS,
    VARIATION_WORDS,
    SPCResult,
    polarity_to_improvement,
    spc,
)
from tests.conftest import examples

BASE = [10.0, 30.0] * 6
UPL = 20 + 2.66 * 20  # 73.2
LPL = 20 - 2.66 * 20  # -33.2
UPPER_2SIGMA = 20 + 2 * (2.66 / 3) * 20  # 55.4667

CC, OUT, TREND, TWO, SHIFT = "common_cause", "outside_limits", "trend", "two_of_three", "shift"


def with_base(tail: list[float], **kwargs) -> SPCResult:
    return spc(BASE + tail, fix_after_n_points=12, **kwargs)


def tail_types(tail: list[float], **kwargs) -> list[str]:
    points = with_base(tail, **kwargs).points
    assert list(points["special_cause_type"].iloc[:12]) == [CC] * 12, "baseline must stay clean"
    return list(points["special_cause_type"].iloc[12:])


# ---------------------------------------------------------------------------------------------
# special-cause rules and their precedence

RULE_ROWS = [
    # --- shift: 7 points strictly on one side of the mean (30 -> 15 is a step, then ties: no trend)
    pytest.param([15] * 7, [SHIFT] * 7, id="shift-7-below-flagged"),
    pytest.param([15] * 6 + [25], [CC] * 7, id="shift-6-below-not-flagged"),
    # 20 is exactly the mean: it breaks the run that the last baseline point (30) would start
    pytest.param([20] + [25] * 7, [CC] + [SHIFT] * 7, id="shift-7-above-after-point-on-mean"),
    pytest.param([20] + [25] * 6, [CC] * 7, id="shift-6-above-not-flagged"),
    # runs of 3 and 4 below the mean, split by a point exactly on the mean (8 without it)
    pytest.param([15, 15, 15, 20, 15, 15, 15, 15], [CC] * 8, id="shift-broken-by-point-on-mean"),
    # --- trend: 30 -> 14 steps down, then 14 < 16 < 18 < 21 < 24 < 26 < 28 is 6 steps up.
    # The sides of the mean are - - - + + + +, so no shift.
    pytest.param([14, 16, 18, 21, 24, 26, 28], [TREND] * 7, id="trend-7-points-rising"),
    pytest.param([14, 16, 18, 21, 24, 26], [CC] * 6, id="trend-6-points-not-flagged"),
    # 30 -> 31 is up, then 31 > 29 > 27 > 25 > 19 > 17 > 15 is 6 steps down (sides + + + + - - -)
    pytest.param([31, 29, 27, 25, 19, 17, 15], [TREND] * 7, id="trend-7-points-falling"),
    # steps: up, up, TIE, up, up, up, up: runs of 2 and 4 steps only
    pytest.param([14, 16, 18, 18, 21, 24, 26, 28], [CC] * 8, id="trend-broken-by-tie"),
    # up 13..28 (6 steps) then down 28..12 (6 steps): 28 belongs to both
    pytest.param(
        [13, 15, 17, 19, 22, 25, 28, 24, 21, 19, 16, 14, 12], [TREND] * 13, id="trend-up-then-down"
    ),
    # --- two of three close to a limit (close: 55.47 < y <= 73.2 or -33.2 <= y < -15.47)
    # window (60, 25, 60): two close, all three above the mean; 25 is not close, not flagged
    pytest.param([60, 25, 60], [TWO, CC, TWO], id="two-of-three-high"),
    # window (-20, 0, -20): two close, all three below the mean
    pytest.param([-20, 0, -20], [TWO, CC, TWO], id="two-of-three-low"),
    # window (30, 60, 60) uses the last baseline point (above the mean, not close)
    pytest.param([60, 60, 25], [TWO, TWO, CC], id="two-of-three-adjacent"),
    # window (60, 20, 60): 20 is on the mean, so not all three strictly on one side
    pytest.param([60, 20, 60], [CC] * 3, id="two-of-three-point-on-mean-not-flagged"),
    # 80 > 73.2 is outside, so it does not count as close: only one close point in any window
    pytest.param([60, 80, 25], [CC, OUT, CC], id="two-of-three-outside-point-is-not-close"),
    # contrast: 70 <= 73.2 is close, so (60, 70, 25) qualifies
    pytest.param([60, 70, 25], [TWO, TWO, CC], id="two-of-three-inside-limit-is-close"),
    # y exactly on the process limit is not outside (strict), so it is close (as the reference)
    pytest.param([60, UPL, 25], [TWO, TWO, CC], id="two-of-three-point-on-limit-is-close"),
    # y exactly on the 2-sigma line is not beyond it: not close
    pytest.param([60, UPPER_2SIGMA, 25], [CC] * 3, id="two-of-three-point-on-2sigma-not-close"),
    # the only windows: (30, 15, 60) one close; (15, 60, 60) not all above. None runs past the end.
    pytest.param([15, 60, 60], [CC] * 3, id="two-of-three-no-window-past-end"),
    # --- outside the limits (strict)
    pytest.param([74], [OUT], id="outside-above-upper-limit"),
    pytest.param([UPL], [CC], id="on-upper-limit-not-outside"),
    pytest.param([-34], [OUT], id="outside-below-lower-limit"),
    pytest.param([LPL], [CC], id="on-lower-limit-not-outside"),
    # --- precedence: outside > trend > two of three > shift
    # seven below the mean, one of them (-40 < -33.2) outside
    pytest.param(
        [15, 15, 15, -40, 15, 15, 15], [SHIFT] * 3 + [OUT] + [SHIFT] * 3, id="outside-beats-shift"
    ),
    # the rising trend of row "trend-7-points-rising" ending at 80 > 73.2
    pytest.param([14, 16, 18, 21, 24, 26, 80], [TREND] * 6 + [OUT], id="outside-beats-trend"),
    # 0..6 rise (6 steps from 0) and are also seven points below the mean
    pytest.param([0, 1, 2, 3, 4, 5, 6], [TREND] * 7, id="trend-beats-shift"),
    # 20 (on the mean) then 25 < 35 < 45 < 50 < 56 < 60 < 65: 20..65 is 8 points, 7 steps up;
    # 56, 60, 65 are close (> 55.47) and 25..65 are seven above the mean: trend wins both
    pytest.param(
        [20, 25, 35, 45, 50, 56, 60, 65], [TREND] * 8, id="trend-beats-two-of-three-and-shift"
    ),
    # 25, 25, 60, 25, 60, 25, 25 are seven above the mean; (60, 25, 60) is two of three
    pytest.param(
        [20, 25, 25, 60, 25, 60, 25, 25],
        [CC, SHIFT, SHIFT, TWO, SHIFT, TWO, SHIFT, SHIFT],
        id="two-of-three-beats-shift",
    ),
]


@pytest.mark.parametrize(("tail", "expected"), RULE_ROWS)
def test_special_cause_rules(tail: list[float], expected: list[str]) -> None:
    assert tail_types(tail) == expected


def test_baseline_limits_are_the_hand_worked_ones() -> None:
    points = with_base([25]).points
    assert points["mean"].tolist() == [20.0] * 13
    assert points["upl"].to_numpy() == pytest.approx([73.2] * 13)
    assert points["lpl"].to_numpy() == pytest.approx([-33.2] * 13)
    assert points["upper_2sigma"].to_numpy() == pytest.approx([20 + 35.46667] * 13)
    assert points["lower_2sigma"].to_numpy() == pytest.approx([20 - 35.46667] * 13)


def test_close_to_limits_column() -> None:
    # 60 close; 80 outside (not close); UPL exactly is close; -20 close; 25 neither
    points = with_base([60, 80, UPL, -20, 25]).points.iloc[12:]
    assert points["close_to_limits"].tolist() == [True, False, True, True, False]
    assert points["outside_limits"].tolist() == [False, True, False, False, False]


def test_relative_to_mean() -> None:
    points = with_base([20, 25, 15]).points
    assert points["relative_to_mean"].iloc[12:].tolist() == [0, 1, -1]
    assert points["relative_to_mean"].iloc[:2].tolist() == [-1, 1]


def test_trend_shared_point_takes_direction_of_step_to_its_right() -> None:
    # up-trend 13..28 then down-trend 28..12: 28 is shared and the step to its right is down
    r = with_base([13, 15, 17, 19, 22, 25, 28, 24, 21, 19, 16, 14, 12])
    tail = r.points.iloc[12:]
    assert tail["special_cause_direction"].tolist() == [1] * 6 + [-1] * 7
    improvement, concern = "special_cause_improvement", "special_cause_concern"
    assert tail["point_type"].tolist() == [improvement] * 6 + [concern] * 7


def test_trend_end_followed_by_a_separate_trend_keeps_its_direction() -> None:
    # 14..28 rises (6 steps), 28 -> 22 falls, 22..33 rises (6 steps): two separate up-trends.
    # 28 is shared by no down-trend, so it stays high. (NHSRplotthedots 0.2.2 takes the step to
    # the right whenever the next point is in any trend, and would call 28 "decreasing".)
    r = with_base([14, 16, 18, 21, 24, 26, 28, 22, 23, 25, 27, 29, 31, 33])
    tail = r.points.iloc[12:]
    assert tail["special_cause_type"].tolist() == [TREND] * 14
    assert tail["special_cause_direction"].tolist() == [1] * 14


def test_trend_direction_not_side_of_mean() -> None:
    # 20 -> 52 up, then 52 > 50 > ... > 40 is a falling trend lying above the mean: low
    r = with_base([20, 52, 50, 48, 46, 44, 42, 40])
    assert r.points["special_cause_type"].iloc[13:].tolist() == [TREND] * 7
    assert r.points["special_cause_direction"].iloc[13:].tolist() == [-1] * 7
    assert r.variation_icon == "concern_low"


# ---------------------------------------------------------------------------------------------
# point types and the variation icon, for each improvement direction

HIGH_OUT = [80]  # 80 > 73.2
LOW_OUT = [-40]  # -40 < -33.2
COMMON = [25]
FALLING_ABOVE_MEAN = [20, 52, 50, 48, 46, 44, 42, 40]  # trend down, all above the mean
RISING_BELOW_MEAN = [20, -12, -10, -8, -6, -4, -2, 0]  # trend up (20 -> -12 down first), below
SHIFT_LOW = [15] * 7
TWO_OF_THREE_HIGH = [60, 25, 60]

ICON_ROWS = [
    (HIGH_OUT, "increase", "special_cause_improvement", "improvement_high"),
    (HIGH_OUT, "decrease", "special_cause_concern", "concern_high"),
    (HIGH_OUT, "neutral", "special_cause_neutral_high", "neutral_high"),
    (LOW_OUT, "increase", "special_cause_concern", "concern_low"),
    (LOW_OUT, "decrease", "special_cause_improvement", "improvement_low"),
    (LOW_OUT, "neutral", "special_cause_neutral_low", "neutral_low"),
    (COMMON, "increase", "common_cause", "common_cause"),
    (COMMON, "decrease", "common_cause", "common_cause"),
    (COMMON, "neutral", "common_cause", "common_cause"),
    (FALLING_ABOVE_MEAN, "increase", "special_cause_concern", "concern_low"),
    (FALLING_ABOVE_MEAN, "decrease", "special_cause_improvement", "improvement_low"),
    (FALLING_ABOVE_MEAN, "neutral", "special_cause_neutral_low", "neutral_low"),
    (RISING_BELOW_MEAN, "increase", "special_cause_improvement", "improvement_high"),
    (RISING_BELOW_MEAN, "decrease", "special_cause_concern", "concern_high"),
    (RISING_BELOW_MEAN, "neutral", "special_cause_neutral_high", "neutral_high"),
    (SHIFT_LOW, "increase", "special_cause_concern", "concern_low"),
    (SHIFT_LOW, "decrease", "special_cause_improvement", "improvement_low"),
    (TWO_OF_THREE_HIGH, "decrease", "special_cause_concern", "concern_high"),
    (TWO_OF_THREE_HIGH, "neutral", "special_cause_neutral_high", "neutral_high"),
]


@pytest.mark.parametrize(("tail", "improvement", "point_type", "icon"), ICON_ROWS)
def test_point_type_and_variation_icon(
    tail: list[float], improvement: str, point_type: str, icon: str
) -> None:
    r = with_base(tail, improvement=improvement)
    assert r.points["point_type"].iloc[-1] == point_type
    assert r.variation_icon == icon
    assert r.variation_words == VARIATION_WORDS[icon]


def test_variation_icon_uses_last_point_only() -> None:
    # 80 is outside, but the last point (25) is common cause
    assert with_base([80, 25]).variation_icon == "common_cause"


# ---------------------------------------------------------------------------------------------
# assurance icon

# [75, 125] x 6: mean 100, eleven moving ranges of 50, AMR 50:
# upper limit 100 + 2.66 x 50 = 233, lower limit 100 - 133 = -33 (both exact in floating point)
WIDE = [75.0, 125.0] * 6

ASSURANCE_ROWS = [
    ("increase", 234, "fail"),  # target above the upper limit: never reached
    ("increase", 233, "inconsistent"),  # equal to the limit: strict, so hit and miss
    ("increase", 100, "inconsistent"),
    ("increase", -33, "inconsistent"),
    ("increase", -34, "pass"),  # target below the lower limit: always beaten
    ("decrease", 234, "pass"),
    ("decrease", 233, "inconsistent"),
    ("decrease", 100, "inconsistent"),
    ("decrease", -33, "inconsistent"),
    ("decrease", -34, "fail"),
    ("neutral", 234, None),
    ("neutral", -34, None),
    ("neutral", 100, None),
    ("increase", None, None),
    ("decrease", None, None),
    ("increase", float("nan"), None),
]


@pytest.mark.parametrize(("improvement", "target", "expected"), ASSURANCE_ROWS)
def test_assurance_icon(improvement: str, target: float | None, expected: str | None) -> None:
    r = spc(WIDE, improvement=improvement, target=target)
    assert r.summary["upl"].iloc[0] == 233.0
    assert r.summary["lpl"].iloc[0] == -33.0
    assert r.assurance_icon == expected
    assert r.assurance_words == (None if expected is None else ASSURANCE_WORDS[expected])


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        # latest group [175, 225] x 6: mean 200, AMR 50, limits 67 .. 333
        (250, "inconsistent"),  # above the first group's 233 (fail there), inside the latest
        (50, "pass"),  # inside the first group (-33 .. 233), below the latest group's 67
        (334, "fail"),
    ],
)
def test_assurance_uses_latest_group(target: float, expected: str) -> None:
    r = spc(WIDE + [175.0, 225.0] * 6, target=target, rebase=[12])
    assert r.summary["lpl"].tolist() == [-33.0, 67.0]
    assert r.summary["upl"].tolist() == [233.0, 333.0]
    assert r.assurance_icon == expected


# ---------------------------------------------------------------------------------------------
# outlier screening


def test_screening_on_and_off() -> None:
    values = [10, 12, 10, 12, 10, 26]
    # mean = 80 / 6 = 13.3333; moving ranges 2, 2, 2, 2, 16: AMR = 24 / 5 = 4.8
    # screening: 16 is not < 3.267 x 4.8 = 15.68, so it goes; AMR = 8 / 4 = 2
    #   limits 13.3333 +/- 2.66 x 2 = 8.0133 .. 18.6533: 26 is outside
    on = spc(values)
    assert on.summary["amr"].iloc[0] == pytest.approx(2.0)
    assert on.summary["upl"].iloc[0] == pytest.approx(18.65333, abs=1e-4)
    assert on.summary["lpl"].iloc[0] == pytest.approx(8.01333, abs=1e-4)
    assert on.points["special_cause_type"].iloc[-1] == OUT
    # without screening: limits 13.3333 +/- 2.66 x 4.8 = 0.5653 .. 26.1013: 26 is inside; it is
    # close (> 13.3333 + 1.7733 x 4.8 = 21.845) but alone in its windows
    off = spc(values, screen_outliers=False)
    assert off.summary["amr"].iloc[0] == pytest.approx(4.8)
    assert off.summary["upl"].iloc[0] == pytest.approx(26.10133, abs=1e-4)
    assert off.summary["lpl"].iloc[0] == pytest.approx(0.56533, abs=1e-4)
    assert off.points["special_cause_type"].tolist() == [CC] * 6


def test_screening_is_done_once_not_repeatedly() -> None:
    values = [0, 1, 0, 1, 0, 1, 0, 1, 0, 5, 35]
    # mean = 44 / 11 = 4; moving ranges: eight 1s, 5, 30: AMR = 43 / 10 = 4.3
    # 30 >= 3.267 x 4.3 = 14.05 goes; AMR = 13 / 9 = 1.4444. A second pass would drop 5
    # (>= 3.267 x 1.4444 = 4.72), but there is no second pass.
    r = spc(values)
    assert r.summary["amr"].iloc[0] == pytest.approx(13 / 9)
    assert r.summary["upl"].iloc[0] == pytest.approx(4 + 2.66 * 13 / 9)  # 7.8422
    assert r.summary["lpl"].iloc[0] == pytest.approx(4 - 2.66 * 13 / 9)  # 0.1578
    off = spc(values, screen_outliers=False)
    assert off.summary["amr"].iloc[0] == pytest.approx(4.3)
    assert off.summary["upl"].iloc[0] == pytest.approx(15.438)  # 4 + 2.66 x 4.3


@pytest.mark.parametrize(
    ("last", "expected_amr"),
    [
        # ten moving ranges of 7733 and one of 32670: AMR = 110000 / 11 = 10000 and
        # 3.267 x 10000 = 32670: not strictly less, so screened out: AMR = 7733
        (32670, 7733.0),
        # 32669: AMR = 109999 / 11 = 9999.909; 3.267 x that = 32669.70 > 32669: kept
        (32669, 109999 / 11),
    ],
)
def test_screening_boundary_is_strict(last: float, expected_amr: float) -> None:
    r = spc([0, 7733] * 5 + [0, last])
    assert r.summary["amr"].iloc[0] == pytest.approx(expected_amr)


# ---------------------------------------------------------------------------------------------
# fix_after_n_points


def test_fix_after_n_points_tests_later_points_against_baseline_limits() -> None:
    r = spc(BASE + [70, 80, -40, 74], fix_after_n_points=12)
    # limits from BASE only: 20 +/- 53.2, on every row
    assert r.points["mean"].tolist() == [20.0] * 16
    assert r.points["upl"].to_numpy() == pytest.approx([73.2] * 16)
    assert r.points["lpl"].to_numpy() == pytest.approx([-33.2] * 16)
    # 70 is close (alone), 80 > 73.2, -40 < -33.2, 74 > 73.2
    assert r.points["special_cause_type"].iloc[12:].tolist() == [CC, OUT, OUT, OUT]
    assert r.summary["baseline_n"].iloc[0] == 12
    # without fixing, all 16 points make the baseline: mean = (240 + 70 + 80 - 40 + 74) / 16
    assert spc(BASE + [70, 80, -40, 74]).summary["mean"].iloc[0] == pytest.approx(424 / 16)


@pytest.mark.parametrize("n", [0, 1, 11, -12])
def test_fix_after_fewer_than_12_points_raises(n: int) -> None:
    with pytest.raises(ValueError, match="at least 12"):
        spc(BASE, fix_after_n_points=n)


@pytest.mark.parametrize("n", [12.5, "12", True])
def test_fix_after_n_points_must_be_whole_number(n: object) -> None:
    with pytest.raises(ValueError):
        spc(BASE, fix_after_n_points=n)  # type: ignore[arg-type]


def test_fix_after_n_points_longer_than_group_uses_whole_group() -> None:
    r = spc([10.0, 30.0] * 3, fix_after_n_points=24)
    assert r.summary["mean"].iloc[0] == 20.0
    assert r.summary["amr"].iloc[0] == 20.0


def test_fix_after_n_points_applies_per_group() -> None:
    # group 0: BASE + [500] (baseline BASE); group 1: WIDE shifted by 100 + [1000]
    # group 1 = [175, 225] x 6: mean 200, AMR 50 from its own first 12 points
    r = spc(BASE + [500] + [175.0, 225.0] * 6 + [1000], fix_after_n_points=12, rebase=[13])
    assert r.summary["mean"].tolist() == [20.0, 200.0]
    assert r.summary["amr"].tolist() == [20.0, 50.0]
    assert r.points["special_cause_type"].iloc[[12, 25]].tolist() == [OUT, OUT]


# ---------------------------------------------------------------------------------------------
# rebase


def test_rebase_resets_shift() -> None:
    a = [10.0, 30.0] * 6 + [15.0] * 4  # 16 points, ends with four 15s
    b = [15.0] * 3 + [30.0, 10.0] * 4 + [30.0]  # 12 points, starts with three 15s
    # without the rebase: mean = (300 + 235) / 28 = 19.107, AMR = 410 / 27 = 15.185,
    # limits 19.107 +/- 40.39 (2-sigma +/- 26.93): nothing outside or close, and the seven 15s
    # (positions 12..18) are a shift below the mean
    whole = spc(a + b).points["special_cause_type"]
    assert whole.iloc[12:19].tolist() == [SHIFT] * 7
    assert (whole.drop(whole.index[12:19]) == CC).all()
    # with it: group a (mean 300 / 16 = 18.75, AMR 235 / 15 = 15.67) ends with a run of 4;
    # group b (mean 235 / 12 = 19.58, AMR 175 / 11 = 15.91) starts with a run of 3
    rebased = spc(a + b, rebase=[16])
    assert (rebased.points["special_cause_type"] == CC).all()
    assert rebased.points["rebase_group"].tolist() == [0] * 16 + [1] * 12


def test_rebase_resets_trend() -> None:
    a = [10.0, 30.0] * 6 + [14.0, 16.0, 18.0, 19.0]  # 30 -> 14 down, then 3 steps up
    b = [21.0, 22.0, 24.0] + [10.0, 30.0] * 5  # 2 steps up, then 24 -> 10 down
    # without the rebase 14, 16, 18, 19, 21, 22, 24 is 7 points, 6 steps up (mean 574 / 29 =
    # 19.79 so the sides are - - - - + + +: no shift; moving ranges 11 x 20, 16, 2, 2, 1, 2, 1,
    # 2, 14, 9 x 20: AMR = 440 / 28 = 15.71, limits 19.79 +/- 41.8: nothing outside or close)
    whole = spc(a + b).points["special_cause_type"]
    assert whole.iloc[12:19].tolist() == [TREND] * 7
    rebased = spc(a + b, rebase=[16]).points["special_cause_type"]
    assert (rebased == CC).all()


def test_two_of_three_window_does_not_cross_rebase() -> None:
    a = BASE + [25.0, 60.0]  # limits from BASE (fix 12): 60 is close, 25 is not
    # b: mean (60 + 25 x 5 + 5 x 5 + 30) / 12 = 240 / 12 = 20; moving ranges 35, 20,
    # eight of 20, 25: AMR = 240 / 11 = 21.82; 2-sigma 20 + 1.7733 x 21.82 = 58.69,
    # limit 20 + 2.66 x 21.82 = 78.04: 60 is close in b too
    b = [60.0, 25.0, 5.0, 25.0, 5.0, 25.0, 5.0, 25.0, 5.0, 25.0, 5.0, 30.0]
    # one group (limits from BASE): windows (25, 60, 60) and (60, 60, 25) qualify
    whole = spc(a + b, fix_after_n_points=12).points["special_cause_type"]
    assert whole.iloc[13:15].tolist() == [TWO, TWO]
    # rebased: a's last window (30, 25, 60) has one close point, b's first (60, 25, 5) is mixed
    rebased = spc(a + b, fix_after_n_points=12, rebase=[14])
    assert rebased.summary["upl"].iloc[1] == pytest.approx(20 + 2.66 * 240 / 11)
    assert (rebased.points["special_cause_type"] == CC).all()


def test_moving_range_does_not_cross_rebase() -> None:
    # |175 - 30| = 145 would join the groups; each group's AMR is its own
    r = spc(BASE + [175.0, 225.0] * 6, rebase=[12])
    assert r.summary["amr"].tolist() == [20.0, 50.0]
    assert r.summary["n"].tolist() == [12, 12]


def test_rebase_by_label_equals_rebase_by_position() -> None:
    labels = [f"M{i:02d}" for i in range(24)]
    values = pd.Series(BASE + [175.0, 225.0] * 6, index=labels)
    by_label = spc(values, rebase=["M12"])
    by_position = spc(values, rebase=[12])
    pd.testing.assert_frame_equal(by_label.points, by_position.points)
    assert list(by_label.points.index) == labels
    assert by_label.summary["start"].tolist() == ["M00", "M12"]


def test_rebase_at_first_point_starts_no_group() -> None:
    assert spc(BASE, rebase=[0]).summary.shape[0] == 1


def test_rebase_errors() -> None:
    with pytest.raises(ValueError):
        spc(BASE, rebase=[40])
    with pytest.raises(ValueError):
        spc(BASE, rebase=["nope"])


# ---------------------------------------------------------------------------------------------
# missing values, warnings, summary, inputs


def test_missing_values_are_dropped_before_calculation() -> None:
    values = pd.Series(
        [10.0, np.nan, 30.0, 10.0, 30.0, 10.0, 30.0, 10.0, 30.0, 10.0, 30.0] + [10.0, 30.0]
    )
    r = spc(values)
    assert 1 not in r.points.index
    assert len(r.points) == 12
    # the moving range spans the gap: |30 - 10| = 20 like every other: AMR 20, mean 20
    assert r.summary["amr"].iloc[0] == 20.0
    assert r.summary["mean"].iloc[0] == 20.0


def test_rebase_on_a_missing_value_starts_group_at_next_value() -> None:
    r = spc([10.0, 30.0, np.nan, 50.0, 70.0], rebase=[2])
    assert r.points["rebase_group"].tolist() == [0, 0, 1, 1]
    assert r.summary["mean"].tolist() == [20.0, 60.0]


def test_all_missing_raises() -> None:
    with pytest.raises(ValueError):
        spc([np.nan, np.nan])


@pytest.mark.parametrize(
    ("values", "rebase", "n_warnings"),
    [
        ([10.0, 30.0] * 3, None, 1),  # 6 points
        ([10.0, 30.0] * 5 + [10.0], None, 1),  # 11 points
        (BASE, None, 0),  # 12 points
        (BASE + [10.0, 30.0] * 3, [12], 1),  # 12 + 6: only the second group is short
        ([10.0, 30.0] * 3 + BASE, [6], 1),  # 6 + 12: only the first
    ],
)
def test_short_group_warning(
    values: list[float], rebase: list[int] | None, n_warnings: int
) -> None:
    warnings = spc(values, rebase=rebase).warnings
    short = [w for w in warnings if "limits based on fewer than 12 points" in w]
    assert len(short) == n_warnings


def test_short_group_warning_names_the_group() -> None:
    (warning,) = spc(BASE + [10.0, 30.0] * 3, rebase=[12]).warnings
    assert "rebase group 1" in warning


def test_summary() -> None:
    r = with_base([80, -40])  # 80 high outside (improvement), -40 low outside (concern)
    row = r.summary.iloc[0]
    assert row["n"] == 14
    assert row["mean"] == 20.0
    assert row["lpl"] == pytest.approx(-33.2)
    assert row["upl"] == pytest.approx(73.2)
    assert row["common_cause"] == 12
    assert row["special_cause_improvement"] == 1
    assert row["special_cause_concern"] == 1


def test_points_frame_columns_and_index() -> None:
    labels = [f"Q{q} {y}/{y + 1 - 2000}" for y in (2015, 2016, 2017) for q in (1, 2, 3, 4)]
    r = spc(pd.Series(BASE, index=labels))
    for column in (
        "value",
        "mean",
        "lpl",
        "upl",
        "lower_2sigma",
        "upper_2sigma",
        "rebase_group",
        "relative_to_mean",
        "close_to_limits",
        "special_cause_type",
        "point_type",
    ):
        assert column in r.points.columns
    assert list(r.points.index) == labels
    assert r.points["value"].tolist() == BASE


def test_result_is_frozen() -> None:
    r = spc(BASE)
    with pytest.raises(AttributeError):
        r.variation_icon = "x"  # type: ignore[misc]


def test_bad_improvement_raises() -> None:
    with pytest.raises(ValueError):
        spc(BASE, improvement="higher")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("polarity", "improvement"),
    [
        ("higher", "increase"),
        ("lower", "decrease"),
        ("neutral", "neutral"),
        (" Higher ", "increase"),
    ],
)
def test_polarity_to_improvement(polarity: str, improvement: str) -> None:
    assert polarity_to_improvement(polarity) == improvement


def test_polarity_to_improvement_rejects_unknown() -> None:
    with pytest.raises(ValueError):
        polarity_to_improvement("bigger")


def test_icon_words() -> None:
    assert VARIATION_WORDS["improvement_high"] == "Special cause improvement: higher values"
    assert VARIATION_WORDS["concern_low"] == "Special cause concern: lower values"
    assert VARIATION_WORDS["common_cause"] == "Common cause variation: no significant change"
    assert ASSURANCE_WORDS["pass"] == "Target consistently achieved"
    assert ASSURANCE_WORDS["fail"] == "Target consistently missed"
    assert ASSURANCE_WORDS["inconsistent"] == "Target hit and miss: may or may not be achieved"
    icons = {
        "common_cause",
        "improvement_high",
        "improvement_low",
        "concern_high",
        "concern_low",
        "neutral_high",
        "neutral_low",
    }
    assert set(VARIATION_WORDS) == icons
    assert set(ASSURANCE_WORDS) == {"pass", "fail", "inconsistent"}


# ---------------------------------------------------------------------------------------------
# properties

small_series = st.lists(st.integers(-50, 50).map(float), min_size=1, max_size=20)


@settings(max_examples=examples(60), deadline=None)
@given(small_series, small_series)
def test_rebase_makes_groups_independent(a: list[float], b: list[float]) -> None:
    """Nothing crosses a rebase: the rebased chart is the two charts side by side."""
    rebased = spc(a + b, rebase=[len(a)]).points.drop(columns="rebase_group")
    separate = pd.concat(
        [spc(a).points, spc(b).points.set_axis(range(len(a), len(a) + len(b)))]
    ).drop(columns="rebase_group")
    pd.testing.assert_frame_equal(rebased, separate)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.one_of(st.integers(-50, 50).map(float), st.just(math.nan)), max_size=25))
def test_missing_values_same_as_dropping_them(values: list[float]) -> None:
    series = pd.Series(values, dtype=float)
    if series.notna().sum() == 0:
        return
    pd.testing.assert_frame_equal(spc(series).points, spc(series.dropna()).points)


# ---------------------------------------------------------------------------------------------
# many measures in one pass: the same results as one spc() per measure


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.points, b.points)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert (a.variation_icon, a.assurance_icon, a.warnings, a.improvement, a.target) == (
        b.variation_icon,
        b.assurance_icon,
        b.warnings,
        b.improvement,
        b.target,
    )


@pytest.mark.slow  # one `spc()` per measure of both shipped datasets, against the grouped one
@pytest.mark.parametrize("folder", ["data/lincolnshire", "data/leicestershire"])
def test_grouped_spc_equals_spc_per_measure_on_the_shipped_data(folder: str) -> None:
    import perfanalysis as pa
    from perfanalysis.spc import dataset_spc

    ds = pa.load(folder)
    counts = ds.actuals[ds.actuals["actual"].notna()].groupby("measure_id").size()
    ids = list(counts.index)  # every measure with a figure, not only the pack's 12+ points
    grouped = dataset_spc(ds, ids)
    assert set(grouped) == set(ids) and len(ids) >= 20
    for mid in ids:
        _same(grouped[mid], ds.spc(mid))


def test_grouped_spc_equals_spc_with_rebases_and_a_fixed_baseline(tmp_path) -> None:
    import shutil

    import perfanalysis as pa
    from perfanalysis.spc import dataset_spc

    shutil.copytree("data/lincolnshire", tmp_path / "d")
    (tmp_path / "d" / "rebases.csv").write_text(
        "measure_id,period,reason\n"
        "CSH-01,Q1 2016/17,New definition\n"
        "LA-05,Q1 2013/14,At the first point: starts no new group\n"
        "PSE-01,Q3 2015/16,New method\n"
    )
    ds = pa.load(tmp_path / "d")
    ids = ["CSH-01", "LA-05", "PSE-01", "CRA-06", "PSE-07"]
    for options in ({}, {"fix_after_n_points": 12}, {"screen_outliers": False}):
        grouped = dataset_spc(ds, ids, **options)
        for mid in ids:
            _same(grouped[mid], ds.spc(mid, **options))
    assert len(grouped["CSH-01"].summary) == 2
    with pytest.raises(ValueError, match="at least 12"):
        dataset_spc(ds, ids, fix_after_n_points=5)


@settings(max_examples=examples(40), deadline=None)
@given(
    series=st.lists(
        st.tuples(
            st.lists(st.integers(0, 20).map(float), min_size=1, max_size=30),
            st.sampled_from(["increase", "decrease", "neutral"]),
            st.one_of(st.none(), st.integers(0, 20).map(float)),
            st.lists(st.integers(1, 29), max_size=2),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_grouped_spc_equals_spc_on_random_series(series) -> None:
    """Ties, flat runs, short groups and rebases: one pass gives what spc() gives, key by key."""
    from perfanalysis.spc import spc_grouped

    rows, improvement, target, rebase = [], {}, {}, []
    for k, (values, how, tgt, cuts) in enumerate(series):
        key = f"m{k}"
        labels = [f"p{i}" for i in range(len(values))]
        rows += [(key, label, v) for label, v in zip(labels, values, strict=True)]
        improvement[key], target[key] = how, tgt
        rebase += [(key, labels[c]) for c in sorted(set(cuts)) if c < len(values)]
    frame = pd.DataFrame(rows, columns=["key", "label", "value"])
    marks = pd.DataFrame(rebase, columns=["key", "label"])
    grouped = spc_grouped(frame, improvement, target, marks)
    for k, (values, how, tgt, _) in enumerate(series):
        key = f"m{k}"
        own = marks.loc[marks["key"] == key, "label"].tolist()
        one = spc(
            pd.Series(values, index=[f"p{i}" for i in range(len(values))]),
            improvement=how,
            target=tgt,
            rebase=own or None,
        )
        _same(grouped[key], one)
