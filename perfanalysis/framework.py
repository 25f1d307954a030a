"""The dataset format (a public contract) and the outcomes framework it holds.

A council's framework has the same shape whatever its words: themes (Lincolnshire's ambitions,
Leicestershire's strategic outcomes) hold strategies (commissioning strategies, supporting
outcomes), which hold outcomes and measures. `TABLES` is the single statement of the format: the
loader, the documentation and the data-quality suites all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["TABLES", "Table", "Framework", "UNITS", "POLARITIES", "FREQUENCY_NAMES", "VOCABULARY",
           "canonical_key"]  # fmt: skip

UNITS = (
    "percent",
    "count",
    "rate_per_1000",
    "rate_per_10000",
    "rate_per_100000",
    "days",
    "gbp",
    "score",
    "ratio",
    "milestone",
)
POLARITIES = ("higher", "lower", "neutral")
FREQUENCY_NAMES = ("monthly", "quarterly", "annual", "academic_year")
STAGES = ("Analyse", "Plan", "Do", "Review")
RAGS = ("Red", "Amber", "Green")
PERFORMANCE = ("Good", "Average", "Poor", "N/A")
YES_NO = ("Y", "N")
PERFORMANCE_DRIVEN = ("Performance driven", "Independent")
REPORTED_STATUSES = ("Green", "Amber", "Red", "Achieved", "Improving but not achieved",
                     "Not achieved")  # fmt: skip
BENCHMARK_KINDS = ("comparator", "national", "regional")
STATUS_WORDS = ("achieved", "rag")
BOOLEAN = ("true", "false")
#: Ids that become parts of file names: 1 to 64 letters, digits, '-', '_' or '.', not starting
#: with '.' or '-' (so never '..', never a hidden file, never an option).
ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$"

#: The council's own words: for each enumerated column, canonical value -> other spellings.
#: Matching ignores case, spaces around, and treats runs of spaces, '_' and '-' alike
#: (`canonical_key`); the value is written out in its canonical form everywhere downstream.
#: docs/data-format.md lists these tables (a test holds it to them).
_YES = ("yes", "y", "1", "true", "t")
_NO = ("no", "n", "0", "false", "f")
VOCABULARY: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("measures", "unit"): {
        "percent": ("%", "per cent", "percentage", "pct"),
        "count": ("number", "no.", "num"),
        "rate_per_1000": ("per 1000", "per 1,000", "rate per 1,000"),
        "rate_per_10000": ("per 10000", "per 10,000", "rate per 10,000"),
        "rate_per_100000": ("per 100000", "per 100,000", "rate per 100,000"),
        "days": ("day",),
        "gbp": ("£", "pounds", "gbp £"),
        "score": (),
        "ratio": (),
        "milestone": ("milestones", "% complete"),
    },
    ("measures", "polarity"): {
        "higher": ("higher is better", "high", "bigger is better"),
        "lower": ("lower is better", "low", "smaller is better"),
        "neutral": ("none", "n/a", "contextual"),
    },
    ("measures", "frequency"): {
        "monthly": ("month",),
        "quarterly": ("quarter", "qtr", "qtrly"),
        "annual": ("annually", "yearly", "year", "financial year"),
        "academic_year": ("academic", "academic year", "school year"),
    },
    **{("measures", c): {"true": _YES, "false": _NO}
       for c in ("targeted", "primary_responsibility", "proposed", "cumulative", "signed")},
    ("highlights", "stage"): {
        "Analyse": ("analyze", "analysis"), "Plan": ("planning",), "Do": ("delivery",),
        "Review": (),
    },
    ("highlights", "rag"): {"Red": ("r",), "Amber": ("a",), "Green": ("g",)},
    ("contracts", "performance"): {
        "Good": (), "Average": ("avg",), "Poor": (), "N/A": ("na", "not applicable"),
    },
    ("contracts", "contract_kpis"): {"Y": _YES, "N": _NO},
    ("contracts", "volume_sensitive"): {"Y": _YES, "N": _NO},
    ("contracts", "performance_driven"): {"Performance driven": ("performance",),
                                          "Independent": ()},
    ("actuals", "reported_status"): {
        "Green": ("g",), "Amber": ("a",), "Red": ("r",), "Achieved": ("met", "on target"),
        "Improving but not achieved": ("improving",), "Not achieved": ("not met", "missed"),
    },
    ("benchmarks", "kind"): {
        "comparator": ("comparators", "comparator group", "nearest neighbour",
                       "nearest neighbours", "statistical neighbour"),
        "national": ("england", "national average"),
        "regional": ("region", "regional average"),
    },
    ("dataset", "status_words"): {
        "achieved": ("achieved / not achieved", "default"),
        "rag": ("green/amber/red", "red amber green", "g/a/r"),
    },
}  # fmt: skip


def canonical_key(text: str) -> str:
    """How a cell is matched against VOCABULARY: lower case, '_', '-' and spaces alike."""
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def vocabulary_lookup(table: str, column: str) -> dict[str, str]:
    """canonical_key of every accepted spelling -> the canonical value."""
    out: dict[str, str] = {}
    for value, synonyms in VOCABULARY[table, column].items():
        for word in (value, *synonyms):
            out[canonical_key(word)] = value
    return out


#: How each unit is written after a figure, and whether it is a share of 100.
UNIT_SUFFIX = {
    "percent": "%",
    "count": "",
    "rate_per_1000": " per 1,000",
    "rate_per_10000": " per 10,000",
    "rate_per_100000": " per 100,000",
    "days": " days",
    "gbp": "",
    "score": "",
    "ratio": "",
    "milestone": "% complete",
}


@dataclass(frozen=True)
class Table:
    """One table of the dataset format: its key, its required and optional columns."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    optional_table: bool = False
    description: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "themes",
            ("theme_id", "title"),
            ("description",),
            ("theme_id",),
            description="The top level: ambitions, strategic outcomes.",
        ),
        Table(
            "strategies",
            ("strategy_id", "theme_id", "title"),
            ("purpose",),
            ("strategy_id",),
            description="Commissioning strategies or supporting outcomes under a theme.",
        ),
        Table(
            "outcomes",
            ("outcome_id", "strategy_id", "title"),
            (),
            ("outcome_id",),
            description="The outcomes a strategy aims for.",
        ),
        Table(
            "measures",
            ("measure_id", "strategy_id", "title", "unit", "polarity", "targeted", "frequency"),
            (
                "outcome_id",
                "decimals",
                "primary_responsibility",
                "proposed",
                "notes",
                "cumulative",
                "signed",
            ),
            ("measure_id",),
            description="The measures (KPIs) of each strategy.",
        ),
        Table(
            "targets",
            ("measure_id", "period", "target"),
            ("tolerance",),
            ("measure_id", "period"),
            description="Targets by measure and period.",
        ),
        Table(
            "actuals",
            ("measure_id", "period", "actual"),
            ("source", "note", "reported_status", "numerator", "denominator"),
            ("measure_id", "period"),
            description="Actuals by measure and period.",
        ),
        Table(
            "highlights",
            ("strategy_id", "period"),
            (
                "sponsor",
                "commissioning_lead",
                "lead_officer",
                "stage",
                "summary",
                "needs",
                "agreed_outcomes",
                "pooled_budget",
                "property",
                "commercial",
                "comments",
                "rag",
                "completed_by",
                "report_date",
            ),
            ("strategy_id", "period"),
            optional_table=True,
            description="The narrative of each strategy's highlight report for a period.",
        ),
        Table(
            "contracts",
            ("strategy_id", "period", "service"),
            (
                "provider",
                "duration",
                "review_date",
                "contract_kpis",
                "performance",
                "corrective_measures",
                "payment_terms",
                "performance_driven",
                "volume_sensitive",
            ),
            optional_table=True,
            description="Key contracts (over £1m or politically sensitive) by strategy and period.",
        ),
        Table(
            "rebases",
            ("measure_id", "period"),
            ("reason",),
            ("measure_id", "period"),
            optional_table=True,
            description="Periods where a measure's SPC limits start afresh, with the reason.",
        ),
        Table(
            "benchmarks",
            ("measure_id", "period", "area", "value"),
            ("group", "kind", "numerator", "denominator"),
            ("measure_id", "period", "area"),
            optional_table=True,
            description="Comparator councils' values, e.g. CIPFA nearest neighbours.",
        ),
    )
}

#: Tables whose `period` column holds a period label.
PERIOD_TABLES = ("targets", "actuals", "highlights", "contracts", "rebases", "benchmarks")


@dataclass(frozen=True)
class Framework:
    """The structure of an outcomes framework: four DataFrames and the council's own words."""

    themes: pd.DataFrame
    strategies: pd.DataFrame
    outcomes: pd.DataFrame
    measures: pd.DataFrame
    levels: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # a few lines, not every DataFrame (see perfanalysis.display)
        from perfanalysis.display import framework_text

        return framework_text(self)

    def _repr_html_(self) -> str:
        from perfanalysis.display import framework_html

        return framework_html(self)

    def level(self, name: str, plural: bool = False) -> str:
        """The council's word for a level ('strategy' -> 'Commissioning strategy')."""
        defaults = {
            "theme": "Theme",
            "strategy": "Strategy",
            "outcome": "Outcome",
            "measure": "Measure",
        }
        word = self.levels.get(name) or defaults.get(name, name.title())
        return word + "s" if plural and not word.endswith("s") else word

    def strategy(self, strategy_id: str) -> pd.Series:
        """One strategy's row; KeyError naming the known ids when it does not exist."""
        rows = self.strategies[self.strategies["strategy_id"] == strategy_id]
        if rows.empty:
            known = ", ".join(self.strategies["strategy_id"])
            raise KeyError(f"no strategy '{strategy_id}'; known: {known}")
        return rows.iloc[0]
