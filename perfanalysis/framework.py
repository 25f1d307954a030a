"""The dataset format (a public contract) and the outcomes framework it holds.

A council's framework has the same shape whatever its words: themes (Lincolnshire's ambitions,
Leicestershire's strategic outcomes) hold strategies (commissioning strategies, supporting
outcomes), which hold outcomes and measures. `TABLES` is the single statement of the format: the
loader, the documentation and the data-quality suites all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["TABLES", "Table", "Framework", "UNITS", "POLARITIES", "FREQUENCY_NAMES"]

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
            ("source", "note", "reported_status"),
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
            ("group",),
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
