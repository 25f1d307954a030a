"""How councils measure: year-to-date and signed measures, Green / Amber / Red words, own periods.

Every expected value is worked by hand in the comment beside it.
"""

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

import perfanalysis as pa
from perfanalysis.errors import DatasetError
from perfanalysis.narrative import format_value
from perfanalysis.periods import parse_periods
from perfanalysis.quality import validate_path
from perfanalysis.status import assess, rag_disagreements, status_words, summarise

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "broken"
NAN = math.nan


def _frame(rows, columns):
    frame = pd.DataFrame(rows, columns=columns)
    parsed = parse_periods(frame["period"])
    frame["period"] = parsed["label"].to_numpy()
    frame["start"] = parsed["start"].to_numpy()
    frame["end"] = parsed["end"].to_numpy()
    return frame


def measure(mid="M", polarity="higher", unit="percent", frequency="quarterly", **extra):
    row = {"measure_id": mid, "strategy_id": "S", "outcome_id": None, "title": f"Measure {mid}",
           "unit": unit, "polarity": polarity, "targeted": True, "frequency": frequency,
           "decimals": 1, "cumulative": False, "signed": False}  # fmt: skip
    row.update(extra)
    return row


def run(measures, actuals, targets, period, words="achieved"):
    m = pd.DataFrame(measures)
    a = _frame(actuals, ["measure_id", "period", "actual"])
    t = _frame(targets, ["measure_id", "period", "target", "tolerance"])
    return assess(m, t, a, period, words).set_index("measure_id")


# --------------------------------------------------------------------------- year to date
# "% of council tax collected" (year to date, bigger is better) at Q2 2024/25:
# Q1 29.5, Q2 56.0; Q2 last year 57.2; year-to-date target at Q2 57.0, tolerance 0.5.
# 56.0 misses 57.0 by 1.0 (more than 0.5). Against the previous quarter (29.5) it would look
# "improving"; against the same point of last year (57.2) it is worse: Not achieved.
TAX = [("M", "Q1 2024/25", 29.5), ("M", "Q2 2024/25", 56.0), ("M", "Q2 2023/24", 57.2)]
TAX_TARGET = [("M", "Q2 2024/25", 57.0, 0.5)]


def test_year_to_date_measure_compares_with_the_same_period_last_year():
    row = run([measure(cumulative=True)], TAX, TAX_TARGET, "Q2 2024/25").loc["M"]
    assert row["period"] == "Q2 2024/25" and row["target"] == 57.0
    assert row["previous_period"] == "Q2 2023/24" and row["previous_actual"] == 57.2
    assert row["status"] == "not_achieved"
    assert row["direction"] == "worse" and row["direction_last_year"] == "worse"


def test_the_same_figures_as_a_discrete_measure_compare_with_the_previous_quarter():
    row = run([measure(cumulative=False)], TAX, TAX_TARGET, "Q2 2024/25").loc["M"]
    assert row["previous_period"] == "Q1 2024/25" and row["previous_actual"] == 29.5
    assert row["status"] == "improving" and row["direction"] == "better"


def test_year_to_date_sickness_improving_on_last_year():
    # "Sickness days per FTE (cumulative)", smaller is better, Q2: 4.1 against a year-to-date
    # target of 3.9 (missed by 0.2, no tolerance); Q1 2.0; Q2 last year 4.6.
    # Against last year 4.6 -> 4.1 is better: Improving but not achieved. Against Q1 (2.0) it
    # would be worse, so a discrete measure is Not achieved.
    actuals = [("M", "Q1 2024/25", 2.0), ("M", "Q2 2024/25", 4.1), ("M", "Q2 2023/24", 4.6)]
    targets = [("M", "Q2 2024/25", 3.9, NAN)]
    ytd = measure(polarity="lower", unit="days", cumulative=True)
    row = run([ytd], actuals, targets, "Q2 2024/25").loc["M"]
    assert (row["status"], row["direction"], row["previous_actual"]) == ("improving", "better", 4.6)
    assert round(row["gap"], 1) == -0.2
    discrete = run([measure(polarity="lower", unit="days")], actuals, targets, "Q2 2024/25")
    assert discrete.loc["M", "status"] == "not_achieved"


def test_year_to_date_measure_loads_from_a_dataset(tmp_path):
    folder = _small_copy(tmp_path)
    _edit(folder / "measures.csv", ",notes\n", ",notes,cumulative\n", first_only=True)
    _edit(folder / "measures.csv", "true,false,\nR-02", "true,false,,yes\nR-02")
    flags = pa.load(folder).framework.measures.set_index("measure_id")["cumulative"]
    assert flags["R-01"] and not flags.drop("R-01").any()


# --------------------------------------------------------------------------- signed
def test_signed_measures_follow_polarity_and_keep_their_unit():
    # "% reduction in residual waste" (bigger is better): -16 against a target of 5, previous
    # quarter -20: missed by 21 points, but -16 is better than -20: Improving but not achieved.
    # "Days ahead (+) or behind (-) schedule" (bigger is better): -28 against 0, tolerance 7,
    # previous -14: missed by 28 (> 7) and worse: Not achieved.
    # "Budget variance %" (smaller is better): -2 against 0: Achieved.
    ms = [
        measure("W", signed=True),
        measure("D", unit="days", signed=True, decimals=0),
        measure("B", polarity="lower", signed=True),
    ]
    actuals = [("W", "Q2 2024/25", -16), ("W", "Q1 2024/25", -20), ("D", "Q2 2024/25", -28),
               ("D", "Q1 2024/25", -14), ("B", "Q2 2024/25", -2)]  # fmt: skip
    targets = [("W", "Q2 2024/25", 5, NAN), ("D", "Q2 2024/25", 0, 7), ("B", "Q2 2024/25", 0, NAN)]
    out = run(ms, actuals, targets, "Q2 2024/25")
    assert (out.loc["W", "status"], out.loc["W", "direction"]) == ("improving", "better")
    assert out.loc["W", "gap"] == -21
    assert (out.loc["D", "status"], out.loc["D", "direction"]) == ("not_achieved", "worse")
    assert out.loc["B", "status"] == "achieved" and out.loc["B", "gap"] == 2
    assert format_value(-16, "percent", 0) == "-16%"
    assert format_value(-28, "days", 0) == "-28 days"
    assert format_value(-0.04, "percent", 1) == "0.0%"  # rounds to zero: no "-0.0%"
    sentence = pa.narrative.measure_sentence(out.reset_index().set_index("measure_id").loc["D"])
    assert "-28 days" in sentence


# --------------------------------------------------------------------------- status words
# target 72 (bigger is better):
#   A 73: achieved -> Green; B 70, tolerance 2: within tolerance -> Amber;
#   C 70, tolerance 1, previous 68: improving but missed by more than the tolerance -> Red;
#   D 65, previous 66: not achieved -> Red; E no target: No target set; F no figure: No data.
WORDS_MEASURES = [measure(x) for x in "ABCDEF"]
WORDS_ACTUALS = [("A", "Q2 2024/25", 73), ("B", "Q2 2024/25", 70), ("C", "Q2 2024/25", 70),
                 ("C", "Q1 2024/25", 68), ("D", "Q2 2024/25", 65), ("D", "Q1 2024/25", 66),
                 ("E", "Q2 2024/25", 50)]  # fmt: skip
WORDS_TARGETS = [("A", "Q2 2024/25", 72, NAN), ("B", "Q2 2024/25", 72, 2),
                 ("C", "Q2 2024/25", 72, 1), ("D", "Q2 2024/25", 72, NAN),
                 ("F", "Q2 2024/25", 72, NAN)]  # fmt: skip


def test_green_amber_red_words():
    out = run(WORDS_MEASURES, WORDS_ACTUALS, WORDS_TARGETS, "Q2 2024/25", words="rag")
    assert list(out["status"]) == ["achieved", "within_tolerance", "improving", "not_achieved",
                                   "no_target", "no_data"]  # fmt: skip
    assert list(out["status_label"]) == ["Green", "Amber", "Red", "Red", "No target set",
                                         "No data"]  # fmt: skip
    seed = run(WORDS_MEASURES, WORDS_ACTUALS, WORDS_TARGETS, "Q2 2024/25")
    seed_words = ["Achieved", "Achieved (within tolerance)", "Improving but not achieved",
                  "Not achieved"]  # fmt: skip
    assert list(seed["status_label"])[:4] == seed_words


def test_counts_follow_the_words():
    out = run(WORDS_MEASURES, WORDS_ACTUALS, WORDS_TARGETS, "Q2 2024/25", words="rag")
    strategies = pd.DataFrame([{"strategy_id": "S", "theme_id": "T", "title": "Service"}])
    box = summarise(out.reset_index(), strategies).iloc[0]
    assert (box["green"], box["amber"], box["red"]) == (1, 1, 2)
    assert (box["achieving"], box["improving"], box["not_achieving"]) == (2, 1, 1)
    assert (box["no_target"], box["no_data"], box["measures"]) == (1, 1, 6)


def test_status_words_are_read_from_dataset_yaml(tmp_path):
    assert status_words({}) == "achieved" and status_words({"status_words": "RAG"}) == "rag"
    with pytest.raises(DatasetError, match="status_words is 'traffic lights'"):
        status_words({"status_words": "traffic lights"})
    folder = _small_copy(tmp_path)
    with (folder / "dataset.yaml").open("a", encoding="utf-8") as f:
        f.write("status_words: rag\n")
    labels = set(pa.load(folder).assess("Q4 2017/18")["status_label"])
    assert labels & {"Green", "Amber", "Red"} and not labels & {"Achieved", "Not achieved"}


# --------------------------------------------------------------------------- own period
def test_an_annual_outturn_never_stands_in_for_a_missing_quarter():
    # A quarterly measure with last year's annual outturn (2016/17, 80) and no Q1 2017/18 figure:
    # at Q1 2017/18 it is No data for Q1, not judged on 80 against the Q1 target.
    actuals = [("M", "2016/17", 80)]
    targets = [("M", "Q1 2017/18", 75, NAN), ("M", "2016/17", 70, NAN)]
    row = run([measure()], actuals, targets, "Q1 2017/18").loc["M"]
    assert row["status"] == "no_data" and row["period"] == "Q1 2017/18"
    assert math.isnan(row["actual"])
    # the same figure is the annual measure's own: judged on it
    row = run([measure(frequency="annual")], actuals, targets, "Q1 2017/18").loc["M"]
    assert (row["period"], row["actual"], row["status"]) == ("2016/17", 80, "achieved")


def test_a_monthly_figure_does_not_stand_in_for_a_quarter():
    row = run([measure()], [("M", "Jun 2017", 80)], [("M", "Q1 2017/18", 75, NAN)], "Q1 2017/18")
    assert row.loc["M", "status"] == "no_data"


# --------------------------------------------------------------------------- no target
def test_a_targeted_measure_with_a_figure_and_no_target_is_a_warning_not_refused():
    folder = BROKEN / "targeted-without-target"
    result = validate_path(folder, "Q4 2017/18")
    assert result.errors == 0
    warned = [c for c in result.checks if not c.success and "No target set" in c.rule]
    assert len(warned) == 1 and warned[0].severity == "warning"
    named = {str(e.get("value")) for e in warned[0].examples}
    figures = pa.load(folder).assess("Q4 2017/18").set_index("measure_id")
    no_target = figures[figures["status"] == "no_target"]
    assert len(no_target) >= 1
    assert set(no_target["status_label"]) == {"No target set"}
    assert {f"{m} ({p})" for m, p in zip(no_target.index, no_target["period"])} <= named


# --------------------------------------------------------------------------- council's own RAG
def test_reported_status_is_kept_and_disagreements_listed():
    # A 73/72 Green (agrees); B 70/72 tol 2 computed Amber, council says Green (differs);
    # C improving but missed, council "RED" (agrees); D not achieved, council "Amber" (differs);
    # E no target, council "Green" (differs: nothing to judge against); F no status given.
    m = pd.DataFrame(WORDS_MEASURES)
    a = _frame([(*r, s) for r, s in zip(WORDS_ACTUALS, ["Green", "Green", "RED", "", "Amber",
                                                        "", "Green"])],
               ["measure_id", "period", "actual", "reported_status"])  # fmt: skip
    a.loc[a["measure_id"] == "E", "reported_status"] = "Green"
    a.loc[a["measure_id"] == "D", "reported_status"] = "Amber"
    t = _frame(WORDS_TARGETS, ["measure_id", "period", "target", "tolerance"])
    out = assess(m, t, a, "Q2 2024/25", "rag")
    assert list(out["reported_status"].fillna("")) == ["Green", "Green", "RED", "Amber", "Green",
                                                       ""]  # fmt: skip
    d = rag_disagreements(out).set_index("measure_id")
    assert list(d.index) == ["B", "D", "E"]
    assert list(d["reported_status"]) == ["Green", "Amber", "Green"]
    assert list(d["status_label"]) == ["Amber", "Red", "No target set"]
    # The seed's own words are compared with the computed status just as well.
    out = assess(m, t, a.assign(reported_status="Achieved"), "Q2 2024/25")
    assert list(rag_disagreements(out)["measure_id"]) == ["C", "D", "E"]


# --------------------------------------------------------------------------- helpers
def _small_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "small"
    shutil.copytree(ROOT / "tests" / "data" / "small", folder)
    return folder


def _edit(path: Path, old: str, new: str, first_only: bool = False) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1 if first_only else -1), encoding="utf-8")
