"""Council periods: financial quarters and years, months, academic years and "as at" dates.

Councils write periods many ways ("Q4 2017/18", "2017/18 Q4", "April 17 - March 18",
"as at 31 March 2018", "30 Sept 17", "Mar 2018", "AY 2016/17"). `Period` parses them all into one
value with a start and an end date (both inclusive), orders them by end date, steps to the previous
period and the same period last year, and gives one canonical label ("Q4 2017/18") and a path-safe
slug ("2017-18-q4"). The financial year runs April to March; Q1 is April to June.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pandas as pd

from perfanalysis.errors import PeriodError

__all__ = ["Period", "FREQUENCIES", "parse_periods", "fit_to_kind"]

#: Frequency of a measure -> (kind of period it is reported for, months in one cycle).
FREQUENCIES: dict[str, tuple[str, int]] = {
    "monthly": ("month", 1),
    "quarterly": ("quarter", 3),
    "annual": ("financial_year", 12),
    "academic_year": ("academic_year", 12),
}

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_NAMES = [
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_YEAR = r"(\d{4}|\d{2})"
_FY = r"(\d{4}|\d{2})\s*[/-]\s*(\d{4}|\d{2})"
_QUARTER = r"(?:q|qtr\.?\s*|quarter\s*)"


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if len(text) == 2 else value


def _fy_start(first: str, second: str, label: str) -> int:
    start, end = _year(first), _year(second)
    if end % 100 != (start + 1) % 100:
        raise PeriodError(f"'{label}': a year range must be two consecutive years, e.g. 2017/18")
    return start


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Period:
    """A council period: its kind, and its first and last day (inclusive).

    Build one from a label with `Period.parse("Q4 2017/18")` or `Period("Q4 2017/18")`-style
    helpers; kinds are month, quarter, financial_year, academic_year, calendar_year, date, range.
    """

    kind: str
    start: date
    end: date

    # ----------------------------------------------------------------- parsing
    @classmethod
    def parse(cls, label: str | Period) -> Period:
        """Parse a period label as councils write it; raise PeriodError saying what is accepted."""
        if isinstance(label, Period):
            return label
        if not isinstance(label, str):
            if isinstance(label, pd.Timestamp | date):
                return cls._date(pd.Timestamp(label).date())
            raise PeriodError(f"{label!r} is not a period label")
        return _parse_cached(label)

    @classmethod
    def _date(cls, day: date) -> Period:
        return cls("date", day, day)

    @classmethod
    def quarter(cls, fy_start: int, q: int) -> Period:
        """Financial quarter `q` (1-4) of the year starting in April `fy_start`."""
        if q not in (1, 2, 3, 4):
            raise PeriodError(f"quarter must be 1 to 4, not {q}")
        year, month = _add_months(fy_start, 4, 3 * (q - 1))
        end_year, end_month = _add_months(year, month, 2)
        return cls("quarter", date(year, month, 1), _last_day(end_year, end_month))

    @classmethod
    def financial_year(cls, fy_start: int) -> Period:
        return cls("financial_year", date(fy_start, 4, 1), date(fy_start + 1, 3, 31))

    @classmethod
    def academic_year(cls, ay_start: int) -> Period:
        return cls("academic_year", date(ay_start, 9, 1), date(ay_start + 1, 8, 31))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls("month", date(year, month, 1), _last_day(year, month))

    @classmethod
    def from_range(cls, start: date, end: date) -> Period:
        """A span of whole months, recognised as a month, quarter or year where it is one."""
        if start.day != 1 or end != _last_day(end.year, end.month) or end < start:
            return cls("range", start, end)
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months == 1:
            return cls.month(start.year, start.month)
        if months == 3 and start.month in (4, 7, 10, 1):
            fy = start.year if start.month >= 4 else start.year - 1
            return cls.quarter(fy, {4: 1, 7: 2, 10: 3, 1: 4}[start.month])
        if months == 12 and start.month == 4:
            return cls.financial_year(start.year)
        if months == 12 and start.month == 9:
            return cls.academic_year(start.year)
        if months == 12 and start.month == 1:
            return cls("calendar_year", start, end)
        return cls("range", start, end)

    # ------------------------------------------------------------- properties
    @property
    def fy(self) -> int:
        """The calendar year in which the financial year holding this period's end starts."""
        return self.end.year if self.end.month >= 4 else self.end.year - 1

    @property
    def label(self) -> str:
        """The canonical label: 'Q4 2017/18', '2017/18', 'Mar 2018', 'AY 2016/17', '31 Mar 2018'."""
        s = self.start
        if self.kind == "quarter":
            fy = s.year if s.month >= 4 else s.year - 1
            q = {4: 1, 7: 2, 10: 3, 1: 4}[s.month]
            return f"Q{q} {fy}/{(fy + 1) % 100:02d}"
        if self.kind == "financial_year":
            return f"{s.year}/{(s.year + 1) % 100:02d}"
        if self.kind == "academic_year":
            return f"AY {s.year}/{(s.year + 1) % 100:02d}"
        if self.kind == "month":
            return f"{_MONTH_NAMES[s.month][:3]} {s.year}"
        if self.kind == "calendar_year":
            return str(s.year)
        if self.kind == "date":
            return f"{s.day} {_MONTH_NAMES[s.month][:3]} {s.year}"
        e = self.end
        first = f"{s.day} {_MONTH_NAMES[s.month][:3]} {s.year}"
        return f"{first} - {e.day} {_MONTH_NAMES[e.month][:3]} {e.year}"

    @property
    def long_label(self) -> str:
        """A label for prose: 'Q4 2017/18 (January to March 2018)'."""
        if self.kind in ("quarter", "financial_year", "academic_year"):
            s, e = self.start, self.end
            return (
                f"{self.label} ({_MONTH_NAMES[s.month]} {s.year} to "
                f"{_MONTH_NAMES[e.month]} {e.year})"
            )
        if self.kind == "date":
            return f"as at {self.end.day} {_MONTH_NAMES[self.end.month]} {self.end.year}"
        return self.label

    @property
    def slug(self) -> str:
        """A path-safe name: '2017-18-q4', '2017-18', '2018-03', 'ay-2016-17', '2018-03-31'."""
        s = self.start
        if self.kind == "quarter":
            fy = s.year if s.month >= 4 else s.year - 1
            return f"{fy}-{(fy + 1) % 100:02d}-q{ {4: 1, 7: 2, 10: 3, 1: 4}[s.month] }"
        if self.kind == "financial_year":
            return f"{s.year}-{(s.year + 1) % 100:02d}"
        if self.kind == "academic_year":
            return f"ay-{s.year}-{(s.year + 1) % 100:02d}"
        if self.kind == "month":
            return f"{s.year}-{s.month:02d}"
        if self.kind == "calendar_year":
            return str(s.year)
        if self.kind == "date":
            return s.isoformat()
        return f"{s.isoformat()}-to-{self.end.isoformat()}"

    # -------------------------------------------------------------- arithmetic
    def shift(self, months: int) -> Period:
        """The period of the same kind `months` later (earlier when negative)."""
        if self.kind == "date":
            year, month = _add_months(self.start.year, self.start.month, months)
            day = min(self.start.day, calendar.monthrange(year, month)[1])
            if self.start == _last_day(self.start.year, self.start.month):
                day = calendar.monthrange(year, month)[1]
            return Period._date(date(year, month, day))
        sy, sm = _add_months(self.start.year, self.start.month, months)
        ey, em = _add_months(self.end.year, self.end.month, months)
        return Period(self.kind, date(sy, sm, 1), _last_day(ey, em))

    @property
    def months(self) -> int:
        """Length in whole months (0 for a date)."""
        if self.kind == "date":
            return 0
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The period just before, of the same kind (Q4 2017/18 -> Q3 2017/18)."""
        if self.kind == "date":
            raise PeriodError(
                f"'{self.label}' is a point in time: it has no previous period of its own; "
                "use a quarter, month or year label"
            )
        return self.shift(-self.months)

    def next(self) -> Period:
        """The period just after, of the same kind."""
        if self.kind == "date":
            raise PeriodError(f"'{self.label}' is a point in time: it has no next period")
        return self.shift(self.months)

    def same_period_last_year(self) -> Period:
        """The same period a year earlier (Q4 2017/18 -> Q4 2016/17)."""
        return self.shift(-12)

    def contains(self, other: Period | date) -> bool:
        if isinstance(other, Period):
            return self.start <= other.start and other.end <= self.end
        return self.start <= other <= self.end

    # ---------------------------------------------------------------- ordering
    def _key(self) -> tuple[date, date]:
        return (self.end, self.start)

    def __lt__(self, other: Period) -> bool:
        return self._key() < Period.parse(other)._key()

    def __le__(self, other: Period) -> bool:
        return self._key() <= Period.parse(other)._key()

    def __gt__(self, other: Period) -> bool:
        return self._key() > Period.parse(other)._key()

    def __ge__(self, other: Period) -> bool:
        return self._key() >= Period.parse(other)._key()

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"Period({self.label!r})"


_ACCEPTED = (
    "accepted forms: 'Q4 2017/18', '2017/18 Q4', 'Qtr 4 2017-18', 'Jan-Mar 2018', '2017/18', "
    "'April 17 - March 18', 'as at 31 March 2018', '30 Sept 17', '2018-03-31', 'Mar 2018', "
    "'AY 2016/17'"
)


def _parse_day(text: str) -> date | None:
    text = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})", text)
        if m:  # British order: day/month/year
            d, mo, y = int(m[1]), int(m[2]), _year(m[3])
        else:
            m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+" + _MON + r"\s+" + _YEAR, text)
            if not m:
                return None
            d, mo, y = int(m[1]), _MONTHS[m[2]], _year(m[3])
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _parse_month(text: str) -> tuple[int, int] | None:
    text = text.strip()
    m = re.fullmatch(_MON + r"[\s-]*" + _YEAR, text)
    if m:
        return _year(m[2]), _MONTHS[m[1]]
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if m and 1 <= int(m[2]) <= 12:
        return int(m[1]), int(m[2])
    return None


@lru_cache(maxsize=4096)
def _parse_cached(label: str) -> Period:
    try:
        return _parse_label(label)
    except PeriodError:
        raise
    except (ValueError, OverflowError):  # a year the calendar cannot hold, e.g. 0000 or 9999/00
        raise PeriodError(f"'{label}' names a date outside the calendar; {_ACCEPTED}") from None


def _parse_label(label: str) -> Period:
    raw = label
    text = " ".join(label.replace("\u2013", "-").replace("\u2014", "-").split()).lower()
    if not text:
        raise PeriodError(f"an empty period label; {_ACCEPTED}")
    text = re.sub(r"^(as at|as of|at)\s+", "", text)

    # Quarters: "Q4 2017/18", "2017/18 Q4", "Quarter 4 2017-18", "Qtr 4 2017-18", "Q4 17/18"
    m = re.fullmatch(_QUARTER + r"([1-4])\s*,?\s*(?:fy\s*)?" + _FY, text) or None
    if m:
        return Period.quarter(_fy_start(m[2], m[3], raw), int(m[1]))
    m = re.fullmatch(r"(?:fy\s*)?" + _FY + r"\s*,?\s*" + _QUARTER + r"([1-4])", text)
    if m:
        return Period.quarter(_fy_start(m[1], m[2], raw), int(m[3]))
    if re.fullmatch(r"q\d.*|.*\bq\d", text):
        raise PeriodError(f"'{raw}': quarters are Q1 to Q4 of a financial year; {_ACCEPTED}")

    # Academic years: "AY 2016/17", "2016/17 academic year", "academic year 2016/17"
    m = re.fullmatch(r"(?:ay|academic year)\s*" + _FY, text) or re.fullmatch(
        _FY + r"\s*(?:ay|academic year|academic)", text
    )
    if m:
        return Period.academic_year(_fy_start(m[1], m[2], raw))

    # Financial years: "2017/18", "FY 2017-18", "2017/2018" ("2018-03" is a month, below)
    m = re.fullmatch(r"(?:fy|financial year)?\s*" + _FY, text)
    if m and not (
        re.fullmatch(r"\d{4}-\d{2}", text)
        and _parse_month(text)
        and int(m[2]) != (int(m[1]) + 1) % 100
    ):
        return Period.financial_year(_fy_start(m[1], m[2], raw))

    # Months of one year: "Jan-Mar 2018", "Apr-Jun 2017", "Oct - Dec 17", "Nov-Jan 2018"
    m = re.fullmatch(_MON + r"\s*(?:-|to)\s*" + _MON + r"\s+" + _YEAR, text)
    if m:
        first, last, year = _MONTHS[m[1]], _MONTHS[m[2]], _year(m[3])
        return Period.from_range(
            date(year if first <= last else year - 1, first, 1), _last_day(year, last)
        )

    # Ranges: "April 17 - March 18", "Apr 2017 to Mar 2018", "1 April 2017 - 31 March 2018"
    m = re.fullmatch(r"(.+?)\s*(?:-|to)\s*(.+)", text)
    if m and not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", text):
        left, right = m[1], m[2]
        lm, rm = _parse_month(left), _parse_month(right)
        if lm and rm:
            return Period.from_range(date(lm[0], lm[1], 1), _last_day(rm[0], rm[1]))
        ld, rd = _parse_day(left), _parse_day(right)
        if ld and rd:
            return Period.from_range(ld, rd)

    day = _parse_day(text)
    if day:
        return Period._date(day)
    month = _parse_month(text)
    if month:
        return Period.month(*month)
    m = re.fullmatch(r"(?:cy\s*)?(\d{4})", text)
    if m:
        year = int(m[1])
        return Period("calendar_year", date(year, 1, 1), date(year, 12, 31))
    raise PeriodError(f"'{raw}' is not a period label perfanalysis understands; {_ACCEPTED}")


def parse_periods(labels: pd.Series) -> pd.DataFrame:
    """Parse a column of labels: one row per label with kind, start, end, label (canonical), slug.

    Each distinct label is parsed once, then mapped back, so a million rows with forty quarters
    cost forty parses. Raises PeriodError on the first label that does not parse.
    """
    uniques = pd.unique(labels.astype(object))
    parsed = {u: Period.parse(u) for u in uniques}
    table = pd.DataFrame(
        {
            "kind": [p.kind for p in parsed.values()],
            "start": pd.to_datetime([p.start for p in parsed.values()]),
            "end": pd.to_datetime([p.end for p in parsed.values()]),
            "label": [p.label for p in parsed.values()],
        },
        index=pd.Index(list(parsed.keys()), dtype=object),
    )
    out = table.reindex(labels.astype(object).to_numpy())
    out.index = labels.index
    return out


def _containing(day: date, kind: str) -> Period:
    """The period of `kind` (quarter, month, financial or academic year) holding `day`."""
    fy = day.year if day.month >= 4 else day.year - 1
    if kind == "quarter":
        return Period.quarter(fy, ((day.month - 4) % 12) // 3 + 1)
    if kind == "month":
        return Period.month(day.year, day.month)
    if kind == "financial_year":
        return Period.financial_year(fy)
    if kind == "academic_year":
        return Period.academic_year(day.year if day.month >= 9 else day.year - 1)
    raise PeriodError(f"no period kind {kind!r}")


def fit_to_kind(period: Period, kind: str) -> Period | None:
    """`period` as a period of `kind` (a measure's frequency), or None when it is not one.

    The one rule (docs/data-format.md, "Periods and frequency"): a period of the measure's own
    kind is itself; a month, an "as at" date or a span of months that ENDS where a period of the
    measure's kind ends is that period ("Mar 2018", "31/03/2018" or an Excel date 31 March 2018
    for a quarterly measure is Q4 2017/18; "Mar 2018" for an annual measure is 2017/18); anything
    else (a date inside a quarter, a quarter for a monthly measure, a year for a quarterly one)
    is not, and the gate names the cell.
    """
    if period.kind == kind:
        return period
    if period.kind not in ("month", "date", "range"):
        return None
    candidate = _containing(period.end, kind)
    if candidate.end != period.end or period.start < candidate.start:
        return None
    if period.kind == "range" and period.start != candidate.start:
        return None
    return candidate


def period_dtype(labels: pd.Series | pd.Index | list[str]) -> pd.CategoricalDtype:
    """An ordered categorical dtype of period labels in time order (by end, then start).

    `frame["period"].astype(period_dtype(labels))` makes a period column sort, compare and chart
    in time order ("Q4 2016/17" < "Q1 2017/18"), while each value stays its label. Blank labels
    are ignored; a label that does not parse raises PeriodError.
    """
    uniques = [u for u in pd.unique(pd.Series(list(labels), dtype=object).dropna()) if u != ""]
    parsed = sorted((Period.parse(u).end, Period.parse(u).start, str(u)) for u in uniques)
    return pd.CategoricalDtype([label for _, _, label in parsed], ordered=True)
