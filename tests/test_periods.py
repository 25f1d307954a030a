"""Council periods: every label form councils write, ordering, previous, same period last year."""

from datetime import date

import pytest

from perfanalysis import Period, PeriodError

PARSE = [
    # label as written, kind, start, end, canonical label, slug
    ("Q4 2017/18", "quarter", date(2018, 1, 1), date(2018, 3, 31), "Q4 2017/18", "2017-18-q4"),
    ("2017/18 Q4", "quarter", date(2018, 1, 1), date(2018, 3, 31), "Q4 2017/18", "2017-18-q4"),
    ("Q1 2018/19", "quarter", date(2018, 4, 1), date(2018, 6, 30), "Q1 2018/19", "2018-19-q1"),
    (
        "Quarter 3 2017-18",
        "quarter",
        date(2017, 10, 1),
        date(2017, 12, 31),
        "Q3 2017/18",
        "2017-18-q3",
    ),
    ("q2 17/18", "quarter", date(2017, 7, 1), date(2017, 9, 30), "Q2 2017/18", "2017-18-q2"),
    ("2017/18", "financial_year", date(2017, 4, 1), date(2018, 3, 31), "2017/18", "2017-18"),
    ("2017-18", "financial_year", date(2017, 4, 1), date(2018, 3, 31), "2017/18", "2017-18"),
    ("FY 2017/2018", "financial_year", date(2017, 4, 1), date(2018, 3, 31), "2017/18", "2017-18"),
    (
        "April 17 - March 18",
        "financial_year",
        date(2017, 4, 1),
        date(2018, 3, 31),
        "2017/18",
        "2017-18",
    ),
    (
        "April 17 \u2013 March 18",
        "financial_year",
        date(2017, 4, 1),
        date(2018, 3, 31),
        "2017/18",
        "2017-18",
    ),
    (
        "Jan 2018 - Mar 2018",
        "quarter",
        date(2018, 1, 1),
        date(2018, 3, 31),
        "Q4 2017/18",
        "2017-18-q4",
    ),
    (
        "as at 31 March 2018",
        "date",
        date(2018, 3, 31),
        date(2018, 3, 31),
        "31 Mar 2018",
        "2018-03-31",
    ),
    ("30 Sept 17", "date", date(2017, 9, 30), date(2017, 9, 30), "30 Sep 2017", "2017-09-30"),
    ("03/10/2017", "date", date(2017, 10, 3), date(2017, 10, 3), "3 Oct 2017", "2017-10-03"),
    ("2018-03-31", "date", date(2018, 3, 31), date(2018, 3, 31), "31 Mar 2018", "2018-03-31"),
    ("Mar 2018", "month", date(2018, 3, 1), date(2018, 3, 31), "Mar 2018", "2018-03"),
    ("March 2018", "month", date(2018, 3, 1), date(2018, 3, 31), "Mar 2018", "2018-03"),
    ("2018-02", "month", date(2018, 2, 1), date(2018, 2, 28), "Feb 2018", "2018-02"),
    (
        "AY 2016/17",
        "academic_year",
        date(2016, 9, 1),
        date(2017, 8, 31),
        "AY 2016/17",
        "ay-2016-17",
    ),
    (
        "2016/17 academic year",
        "academic_year",
        date(2016, 9, 1),
        date(2017, 8, 31),
        "AY 2016/17",
        "ay-2016-17",
    ),
    (
        "Academic year 2016-17",
        "academic_year",
        date(2016, 9, 1),
        date(2017, 8, 31),
        "AY 2016/17",
        "ay-2016-17",
    ),
]


@pytest.mark.parametrize("label,kind,start,end,canonical,slug", PARSE)
def test_parse(label, kind, start, end, canonical, slug):
    p = Period.parse(label)
    assert (p.kind, p.start, p.end, p.label, p.slug) == (kind, start, end, canonical, slug)
    assert Period.parse(p.label) == p  # the canonical label parses back to the same period


@pytest.mark.parametrize(
    "label,previous,last_year",
    [
        ("Q1 2018/19", "Q4 2017/18", "Q1 2017/18"),
        ("Q4 2017/18", "Q3 2017/18", "Q4 2016/17"),
        ("2017/18", "2016/17", "2016/17"),
        ("Mar 2018", "Feb 2018", "Mar 2017"),
        ("Jan 2018", "Dec 2017", "Jan 2017"),
        ("AY 2016/17", "AY 2015/16", "AY 2015/16"),
    ],
)
def test_previous_and_same_period_last_year(label, previous, last_year):
    p = Period.parse(label)
    assert p.previous().label == previous
    assert p.same_period_last_year().label == last_year
    assert p.previous().next() == p


def test_point_in_time_has_no_previous_but_has_last_year():
    p = Period.parse("as at 31 March 2018")
    with pytest.raises(PeriodError, match="point in time"):
        p.previous()
    assert p.same_period_last_year().label == "31 Mar 2017"
    assert Period.parse("29 Feb 2020").same_period_last_year().label == "28 Feb 2019"


def test_ordering_by_end_date():
    labels = ["Q4 2017/18", "2016/17", "Mar 2018", "Q1 2017/18", "AY 2016/17", "30 Sept 17"]
    ordered = [p.label for p in sorted(Period.parse(x) for x in labels)]
    # same end date: the longer period (it starts earlier) comes first
    assert ordered == [
        "2016/17",
        "Q1 2017/18",
        "AY 2016/17",
        "30 Sep 2017",
        "Q4 2017/18",
        "Mar 2018",
    ]
    assert Period.parse("Q3 2017/18") < Period.parse("Q4 2017/18")
    assert Period.parse("2017/18").contains(Period.parse("Q2 2017/18"))


@pytest.mark.parametrize(
    "label,message",
    [
        ("Q5 2017/18", "Q1 to Q4"),
        ("2017/19", "consecutive"),
        ("next quarter", "not a period label"),
        ("", "empty"),
        ("31/02/2018", "not a period label"),
        ("0000-01", "outside the calendar"),
        ("9999/00", "outside the calendar"),
        ("Jan 0000", "outside the calendar"),
    ],
)
def test_bad_labels_say_what_is_accepted(label, message):
    with pytest.raises(PeriodError, match=message):
        Period.parse(label)


@pytest.mark.parametrize(
    "label,canonical",
    [
        ("Qtr 4 2017-18", "Q4 2017/18"),
        ("Qtr. 1 2018/19", "Q1 2018/19"),
        ("2017/18 Qtr 4", "Q4 2017/18"),
        ("Jan-Mar 2018", "Q4 2017/18"),
        ("Apr-Jun 2017", "Q1 2017/18"),
        ("Oct - Dec 17", "Q3 2017/18"),
        ("Jul to Sep 2017", "Q2 2017/18"),
    ],
)
def test_quarters_as_spreadsheets_write_them(label, canonical):
    assert Period.parse(label).label == canonical


@pytest.mark.parametrize(
    "label,kind,fitted",
    [
        ("Mar 2018", "quarter", "Q4 2017/18"),
        ("Dec-17", "quarter", "Q3 2017/18"),
        ("31/03/2018", "quarter", "Q4 2017/18"),
        ("as at 30 June 2017", "quarter", "Q1 2017/18"),
        ("Mar 2018", "financial_year", "2017/18"),
        ("31 Aug 2017", "academic_year", "AY 2016/17"),
        ("31/01/2018", "month", "Jan 2018"),
        ("Q4 2017/18", "quarter", "Q4 2017/18"),
        ("15/02/2018", "quarter", None),
        ("Feb 2018", "quarter", None),
        ("2017/18", "quarter", None),
        ("Q4 2017/18", "financial_year", None),
        ("Q4 2017/18", "month", None),
    ],
)
def test_a_month_or_date_is_a_period_of_the_measures_kind_only_where_one_ends(label, kind, fitted):
    from perfanalysis.periods import fit_to_kind

    got = fit_to_kind(Period.parse(label), kind)
    assert (got.label if got else None) == fitted
