"""Confidence intervals and significance, checked against hand-worked values.

The expected limits below were worked out independently of perfanalysis, from the textbook forms
of each method (docs/statistics.md, "How the test values were worked"):

* Wilson: (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), a different arrangement
  of the formula in PHE's guide, with z = 1.959963984540054 (95%) and 3.090232306167813 (99.8%);
* exact Poisson: the mean mu at which P(X >= O | mu) (lower) or P(X <= O | mu) (upper) equals
  (1 - confidence) / 2, found by bisection on the Poisson sum, not from a chi-squared quantile;
* Byar's: the formula of PHE's guide, Appendix 1.

Published anchors: Byar's 95% limits for 65 events, 50.2 to 82.8 (PHE's technical guide), and
the Poisson limits for 0, 1 and 9 events found in every table of them (0 to 3.69, 0.0253 to 5.57,
4.12 to 17.08). "6 significant figures" is checked as a relative difference below 5e-7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import perfanalysis as pa
from perfanalysis.errors import PerfanalysisError
from perfanalysis.intervals import IntervalError, check_counts

SIG6 = 5e-7

# (numerator, denominator, confidence, lower, upper) as proportions (multiplier 1)
WILSON = [
    (0, 100, 95, 0.0, 0.03699349821),
    (1, 100, 95, 0.001767432064, 0.05448619618),
    (9, 100, 95, 0.04807254, 0.1622621285),
    (10, 100, 95, 0.05522913706, 0.1743656615),
    (65, 100, 95, 0.552544433, 0.7363575176),
    (1045, 5000, 95, 0.1979554988, 0.2204913037),
    (1_234_567, 3_000_000, 95, 0.4109655829, 0.4120793103),
    (0, 100, 99.8, 0.0, 0.08717093728),
    (1, 100, 99.8, 0.0008730656973, 0.1045544528),
    (9, 100, 99.8, 0.03399776369, 0.2174824049),
    (10, 100, 99.8, 0.0396781027, 0.2300586471),
    (65, 100, 99.8, 0.4954946574, 0.7783540614),
    (1045, 5000, 99.8, 0.191793818, 0.227315629),
    (1_234_567, 3_000_000, 99.8, 0.410644621, 0.4124006089),
]

# (count, confidence, lower, upper) for a denominator of 1 and multiplier 1
COUNTS = [
    (0, 95, 0.0, 3.688879454),  # exact
    (1, 95, 0.02531780798, 5.571643391),
    (9, 95, 4.115373097, 17.08480345),
    (10, 95, 4.787449914, 18.39145861),  # Byar's from 10 events
    (65, 95, 50.16318771, 82.84913855),
    (1045, 95, 982.5932018, 1110.331213),
    (2_500_000, 95, 2496901.972, 2503100.923),
    (0, 99.8, 0.0, 6.907755279),
    (1, 99.8, 0.001000500334, 9.233413476),
    (9, 99.8, 2.452424404, 22.65737331),
    (10, 99.8, 2.916318375, 24.19372493),
    (65, 99.8, 42.88026147, 94.00029084),
    (1045, 99.8, 947.9407036, 1148.806161),
    (2_500_000, 99.8, 2495116.763, 2504889.937),
]


def close6(actual: object, expected: object) -> bool:
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    return bool(np.all(np.abs(a - e) <= SIG6 * np.abs(e) + 1e-15))


# ---------------------------------------------------------------------------------------------
# proportions


@pytest.mark.parametrize(("x", "n", "conf", "lower", "upper"), WILSON)
def test_wilson_one_value_at_a_time(x: int, n: int, conf: float, lower: float, upper: float):
    ci = pa.proportion_ci(x, n, confidence=conf)
    assert list(ci.columns) == ["value", "lower", "upper"]
    assert len(ci) == 1
    assert ci["value"].iloc[0] == x / n
    assert close6(ci["lower"].iloc[0], lower)
    assert close6(ci["upper"].iloc[0], upper)


@pytest.mark.parametrize("conf", [95, 99.8])
def test_wilson_as_arrays_and_as_percentages(conf: float) -> None:
    rows = [r for r in WILSON if r[2] == conf]
    x = pd.Series([r[0] for r in rows], index=[f"m{i}" for i in range(len(rows))])
    n = np.array([r[1] for r in rows])
    ci = pa.proportion_ci(x, n, confidence=conf / 100, multiplier=100)
    assert list(ci.index) == list(x.index)  # a Series keeps its rows' labels
    assert close6(ci["lower"], [100 * r[3] for r in rows])
    assert close6(ci["upper"], [100 * r[4] for r in rows])
    assert close6(ci["value"], 100 * x.to_numpy() / n)


def test_wilson_interval_contains_the_value_and_stays_within_0_and_1() -> None:
    x = np.arange(0, 51)
    ci = pa.proportion_ci(x, 50, confidence=0.998)
    assert (ci["lower"] <= ci["value"]).all() and (ci["value"] <= ci["upper"]).all()
    assert ci["lower"].min() >= 0 and ci["upper"].max() <= 1
    assert ci["upper"].iloc[-1] == pytest.approx(1.0)  # x = n: the upper limit is 1


# ---------------------------------------------------------------------------------------------
# rates and counts


@pytest.mark.parametrize(("o", "conf", "lower", "upper"), COUNTS)
def test_rate_one_value_at_a_time(o: int, conf: float, lower: float, upper: float) -> None:
    ci = pa.rate_ci(o, 1, multiplier=1, confidence=conf)
    assert ci["value"].iloc[0] == o
    assert close6(ci["lower"].iloc[0], lower)
    assert close6(ci["upper"].iloc[0], upper)


@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_rate_as_arrays_per_100000(conf: float) -> None:
    rows = [r for r in COUNTS if r[1] == conf * 100]
    counts = [r[0] for r in rows]
    population = [250_000, 250_000, 40_000, 40_000, 751_200, 751_200, 56_000_000]
    ci = pa.rate_ci(counts, population, confidence=conf)  # default multiplier 100,000
    pop = np.array(population, dtype=float)
    assert close6(ci["value"], np.array(counts) / pop * 100_000)
    assert close6(ci["lower"], [r[2] for r in rows] / pop * 100_000)
    assert close6(ci["upper"], [r[3] for r in rows] / pop * 100_000)


def test_published_anchor_byars_65_events() -> None:
    ci = pa.rate_ci(65, 1, multiplier=1)
    assert round(ci["lower"].iloc[0], 1) == 50.2
    assert round(ci["upper"].iloc[0], 1) == 82.8


def test_exact_below_10_events_and_byars_from_10() -> None:
    # at 9 events the exact limit (4.115) differs from Byar's (4.1085): the threshold is < 10
    nine = pa.rate_ci(9, 1, multiplier=1)["lower"].iloc[0]
    assert close6(nine, 4.115373097)
    ten = pa.rate_ci(10, 1, multiplier=1)["lower"].iloc[0]
    assert close6(ten, 4.787449914)  # Byar's, not the exact 4.795389


def test_missing_counts_give_missing_limits_not_an_error() -> None:
    ci = pa.rate_ci([5, np.nan, 20], [1000, 1000, np.nan], multiplier=1000)
    assert ci.iloc[0].notna().all()
    assert ci.iloc[1:].isna().all().all()
    ci = pa.proportion_ci([np.nan, 3], [10, 10])
    assert ci.iloc[0].isna().all() and ci.iloc[1].notna().all()


# ---------------------------------------------------------------------------------------------
# significance

BOUNDS = [
    # lower, upper, benchmark, polarity, words
    (41.2, 50.6, 44.0, "higher", "similar"),
    (41.2, 50.6, 41.2, "higher", "similar"),  # exactly on the lower bound
    (41.2, 50.6, 50.6, "higher", "similar"),  # exactly on the upper bound
    (41.2, 50.6, 41.19, "higher", "better"),
    (41.2, 50.6, 50.61, "higher", "worse"),
    (41.2, 50.6, 41.19, "lower", "worse"),
    (41.2, 50.6, 50.61, "lower", "better"),
    (41.2, 50.6, 41.19, "neutral", "higher"),
    (41.2, 50.6, 50.61, "neutral", "lower"),
    (41.2, 50.6, 50.6, "neutral", "similar"),
]


@pytest.mark.parametrize(("lo", "hi", "b", "polarity", "words"), BOUNDS)
def test_significance_one_at_a_time(lo, hi, b, polarity, words) -> None:
    assert pa.significance(lo, hi, b, polarity) == words


def test_significance_vectorised_and_missing() -> None:
    lo, hi, b, pol, words = (list(c) for c in zip(*BOUNDS, strict=True))
    assert list(pa.significance(lo, hi, b, pol)) == words
    s = pa.significance(pd.Series([1.0, 1.0, np.nan]), [2, 2, 2], [3, np.nan, 0], "higher")
    assert isinstance(s, pd.Series)
    assert s.tolist() == ["worse", None, None]


# ---------------------------------------------------------------------------------------------
# errors

ERRORS = [
    (lambda: pa.proportion_ci([5, -1], [10, 10]), "numerator must not be negative"),
    (lambda: pa.proportion_ci([5, 11], [10, 10]), "numerator 11 is above its denominator 10"),
    (lambda: pa.proportion_ci(5, 0), "denominator must be greater than zero"),
    (lambda: pa.rate_ci(-3, 1000), "count must not be negative"),
    (lambda: pa.rate_ci(3, -1000), "denominator must be greater than zero"),
    (lambda: pa.rate_ci(3, 1000, confidence=0.8), "confidence must be between 0.9 and 1"),
    (lambda: pa.rate_ci(3, 1000, confidence=14), "confidence must be between 0.9 and 1"),
    (lambda: pa.proportion_ci(3, 10, confidence=125), "confidence must be between 0.9 and 1"),
    (lambda: pa.proportion_ci(3, 10, confidence=100), "confidence must be between 0.9 and 1"),
    (lambda: pa.proportion_ci("three", 10), "numerator must be numbers"),
    (lambda: pa.rate_ci([1, 2, 3], [10, 20]), "differ in length"),
    (lambda: pa.significance(1, 2, 1.5, "up"), "polarity must be 'higher', 'lower' or 'neutral'"),
    (lambda: pa.significance(3, 2, 1.5, "higher"), "lower bound 3 is above upper bound 2"),
]


@pytest.mark.parametrize(("call", "message"), ERRORS)
def test_invalid_input_raises_a_clear_error(call, message) -> None:
    with pytest.raises(IntervalError, match=message) as info:
        call()
    assert isinstance(info.value, PerfanalysisError)


# ---------------------------------------------------------------------------------------------
# the gate's check


def test_check_counts_finds_figures_that_contradict_their_counts() -> None:
    measures = pd.DataFrame(
        {
            "measure_id": ["P", "R", "C"],
            "unit": ["percent", "rate_per_10000", "count"],
            "decimals": [0, 1, 0],
        }
    )
    frame = pd.DataFrame(
        {
            "measure_id": ["P", "P", "P", "R", "R", "C", "P"],
            "actual": [70, 71, 110, 45.9, 45.9, 5, 50],
            "numerator": [349, 349, 11, 757, 770, 1, np.nan],
            "denominator": [500, 500, 10, 164_900, 164_900, 2, 10],
        },
        index=[10, 11, 12, 13, 14, 15, 16],
    )
    bad = check_counts(frame, measures)
    # 349/500 = 69.8% -> 70 agrees; 71 does not; 11 of 10 is over 100%; 757/164,900 x 10,000 =
    # 45.906 -> 45.9 agrees; 770 gives 46.7; a count measure and a row without counts are skipped
    assert list(bad.index) == [11, 12, 14]
    assert bad.loc[11, "problem"].startswith("the figure does not equal numerator / denominator")
    assert bad.loc[11, "expected"] == pytest.approx(69.8)
    assert "above the denominator" in bad.loc[12, "problem"]
    assert "x 10000 at 1 decimal place" in bad.loc[14, "problem"]


def test_check_counts_reads_counts_as_the_loader_does() -> None:
    import perfanalysis as pa

    ds = pa.load("data/lincolnshire")  # the loader keeps numerator and denominator as text
    measures = ds.framework.measures
    assert check_counts(ds.actuals, measures).empty
    text = pd.DataFrame(
        {
            "measure_id": ["RFS-01", "RFS-01", "RFS-01"],
            "actual": [70.0, 70.0, 70.0],
            "numerator": ["5,720", "-3", "n/a"],
            "denominator": ["8,171", "8171", "8171"],
        }
    )
    bad = check_counts(text, measures)
    assert list(bad.index) == [1] and bad.loc[1, "problem"] == "numerator must not be negative"


# ---------------------------------------------------------------------------------------------
# the Lincolnshire pack's figures


@pytest.fixture(scope="module")
def lincolnshire():
    from perfanalysis.report import prepare

    ds = pa.load("data/lincolnshire")
    return ds, prepare(ds, "Q4 2017/18")


def test_shipped_counts_reproduce_every_figure(lincolnshire) -> None:
    ds, _ = lincolnshire
    raw = pd.read_csv("data/lincolnshire/actuals.csv")
    measures = pd.read_csv("data/lincolnshire/measures.csv")
    assert raw["numerator"].notna().sum() >= 7
    assert check_counts(raw, measures).empty
    bench = pd.read_csv("data/lincolnshire/benchmarks.csv")
    assert check_counts(bench, measures).empty
    # the published figures are untouched
    published = raw[raw["source"] == "published"].set_index("measure_id")["actual"]
    assert published["CSH-01"] == 45.9 and published["RFS-01"] == 70


def test_prepare_gives_intervals_and_comparisons_for_a_measure_with_counts(lincolnshire) -> None:
    from perfanalysis.report import FIGURE_COLUMNS

    _, pack = lincolnshire
    f = pack.figures.set_index("measure_id")
    for col in ("ci95_lower", "ci95_upper", "ci998_lower", "ci998_upper", "vs_england", "ci_note"):
        assert col in FIGURE_COLUMNS
    csh = f.loc["CSH-01"]  # 666 looked after children of 145,039 under-18s: 45.9 per 10,000
    assert (csh["numerator"], csh["denominator"]) == (666, 145_039)
    expected = pa.rate_ci(666, 145_039, multiplier=10_000)
    assert csh["ci95_lower"] == pytest.approx(expected["lower"].iloc[0], rel=1e-12)
    assert round(csh["ci95_lower"], 1) == 42.5 and round(csh["ci95_upper"], 1) == 49.5
    wide = pa.rate_ci(666, 145_039, multiplier=10_000, confidence=99.8)
    assert csh["ci998_upper"] == pytest.approx(wide["upper"].iloc[0], rel=1e-12)
    assert csh["ci_method"] == "Byar's"
    # lower is better: England 64.0 lies above the interval (better); East Midlands 48.0 inside
    assert (csh["england_value"], csh["vs_england"]) == (64.0, "better")
    assert (csh["region_area"], csh["region_value"], csh["vs_region"]) == (
        "East Midlands",
        48.0,
        "similar",
    )
    # England and the region are benchmarks, not members of the comparator group
    assert csh["rank_of"] == 16
    rfs = f.loc["RFS-01"]  # 70% of 8,171 children: 69.0% to 71.0%; England 71.5% is above
    assert rfs["ci_method"] == "Wilson score" and rfs["vs_england"] == "worse"
    no_counts = f.loc["RFS-02"]  # a percentage gap, given without counts
    assert no_counts["ci_note"] == "no numerator and denominator given"
    assert pd.isna(no_counts["ci95_lower"]) and no_counts["vs_england"] is None
    days = f.loc["CSH-03"]  # days from care to adoption: no interval method for the unit
    assert days["ci_note"] == "an interval is computed only for percentages and rates"
    assert f.loc["PTP-01", "ci_note"] == "no figure for the period"


def test_strategy_page_says_the_interval_and_the_comparison(lincolnshire) -> None:
    from perfanalysis.report import StrategyPage

    _, pack = lincolnshire
    html = str(StrategyPage(pack, "children-safe-healthy").appendix(charts=False))
    assert (
        "95% confidence interval 42.5 to 49.5 per 10,000; better than England (64.0 per 10,000), "
        "similar to the East Midlands (48.0 per 10,000)"
    ) in html
    assert "No confidence interval: an interval is computed only for percentages and rates." in html


def test_measure_chart_draws_the_interval_for_periods_with_counts(lincolnshire) -> None:
    from perfanalysis.charts import measure_chart
    from perfanalysis.intervals import history_intervals

    ds, pack = lincolnshire
    row = pack.figures.set_index("measure_id").loc["LA-05"].copy()
    h = history_intervals(ds, "LA-05", ds.history("LA-05"))
    assert h["ci95_lower"].notna().sum() == h["actual"].notna().sum() == 20
    q4 = h.set_index("period").loc["Q4 2017/18"]
    expected = pa.proportion_ci(89, 108, multiplier=100)
    assert q4["ci95_upper"] == pytest.approx(expected["upper"].iloc[0], rel=1e-12)
    spec = measure_chart(h, row).to_dict()
    rules = [
        layer
        for layer in spec["layer"]
        if layer.get("mark", {}).get("type") == "rule"
        and layer["encoding"]["y2"]["field"] == "ci95_upper"
    ]
    assert len(rules) == 1
    assert "Vertical bars: 95% confidence interval." in spec["title"]["subtitle"]
    assert "Q4 2017/18 74.2% to 88.4%" in spec["description"]
