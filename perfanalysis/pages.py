"""The pages of a pack: a collated highlight report and one highlight report per strategy.

Internal (the shipped notebooks call these; they may change between versions). Each section has
two halves: `<section>_data()` returns what the section shows as plain frames and words (every
number from the figures table `PackData.figures`, every sentence from `narrative`, every chart
from `charts`), and `<section>()` renders that data with the section's Jinja macro in
`templates/pages/` (autoescaped) and returns a `Fragment` a notebook cell displays. The page's
structure is in the templates; there is no markup here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from perfanalysis.charts import measure_svg, status_svg, xmr_svg
from perfanalysis.figures import SPC_FREQUENCIES, SPC_MIN_POINTS, attention_table
from perfanalysis.intervals import comparison_sentence
from perfanalysis.narrative import (
    _box_sentence,
    _fmt,
    comparison_words,
    direction_words,
    icon_words,
    last_year_words,
    performance_words,
    polarity_words,
    rag_cell,
    status_cell,
)
from perfanalysis.render import Cell, Fragment, paragraphs, render_section, slug, text
from perfanalysis.status import Status, box_columns, status_words

if TYPE_CHECKING:
    from perfanalysis.report import PackData

__all__ = ["StrategyPage", "CollatedPage"]

Data = dict[str, Any]


# --------------------------------------------------------------------------- cells
def _link(strategy_id: Any, title: Any) -> Cell:
    return Cell(text(title), "link", href=f"strategies/{text(strategy_id)}.html")


def _frame(rows: list[tuple[Any, ...]], headers: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """A table as a page shows it: the page's headings as columns, one row per row."""
    return pd.DataFrame(rows, columns=list(headers), dtype=object)


def _no_data(figures: pd.DataFrame) -> list[str]:
    """The titles of the measures counted as "no data" (named where they are counted)."""
    return [text(t) for t in figures.loc[figures["status"] == Status.NO_DATA.value, "title"]]


# --------------------------------------------------------------------------- strategy page
class StrategyPage:
    """The highlight report of one strategy, section by section, as the seed report lays it out.

    `page.success()` is the section as HTML; `page.success_data()` (or `page.success().data`)
    the frames and words it is made from.
    """

    def __init__(self, pack: PackData, strategy_id: str) -> None:
        self.pack = pack
        self.strategy = pack.dataset.framework.strategy(strategy_id)
        self.id = strategy_id
        self.highlight = pack.dataset.highlight(strategy_id, pack.period)
        self.figures = pack.figures_for(strategy_id)
        self.box = pack.summary[pack.summary["strategy_id"] == strategy_id].iloc[0]

    def _h(self, field_name: str) -> Any:
        if self.highlight is None:
            return None
        return self.highlight.get(field_name)

    def _render(self, section: str, data: Data) -> Fragment:
        return render_section("strategy", section, data)

    @property
    def title(self) -> str:
        return f"{self.strategy['title']}: highlight report, {self.pack.period.label}"

    def header_data(self) -> Data:
        """The strategy's place in the framework and who owns the report (`people`)."""
        framework = self.pack.dataset.framework
        theme = framework.themes.set_index("theme_id").loc[self.strategy["theme_id"], "title"]
        written = text(self._h("stage_as_written"))
        people = _frame(
            [
                (
                    label,
                    Cell(text(self._h(col), "Not given"), note=written)
                    if col == "stage"
                    else text(self._h(col), "Not given"),
                )
                for label, col in (
                    ("Sponsor", "sponsor"),
                    ("Commissioning lead", "commissioning_lead"),
                    ("Lead officer", "lead_officer"),
                    ("Stage", "stage"),
                    ("Completed by", "completed_by"),
                    ("Report date", "report_date"),
                )
            ],
            ("Role", "Name"),
        )
        return {
            "organisation": text(self.pack.organisation),
            "level": text(framework.level("strategy")),
            "period": text(self.pack.period.label),
            "period_long": text(self.pack.period.long_label),
            "title": text(self.strategy["title"]),
            "theme_level": text(framework.level("theme")),
            "theme": text(theme),
            "purpose": text(self.strategy.get("purpose")),
            "submitted": self.highlight is not None,
            # Nothing submitted: one line says what is missing, no table of "Not given".
            "people": people if self.highlight is not None else people.iloc[0:0],
        }

    def header(self) -> Fragment:
        """h1, the strategy's place in the framework, and who owns the report."""
        return self._render("header", self.header_data())

    def _blocks(self, fields: tuple[tuple[str, str], ...]) -> Data:
        if self.highlight is None:
            return {"blocks": []}  # said once in the header
        return {"blocks": [(heading, paragraphs(self._h(col))) for heading, col in fields]}

    def narrative_data(self) -> Data:
        """Summary, needs and agreed outcomes: (heading, paragraphs) pairs."""
        return self._blocks(
            (
                ("Summary", "summary"),
                ("How the needs were established", "needs"),
                ("Agreed outcomes", "agreed_outcomes"),
            )
        )

    def narrative(self) -> Fragment:
        """Summary, how needs were established, and the agreed outcomes."""
        return self._render("blocks", self.narrative_data())

    def success_data(self) -> Data:
        """The count box (`counts`, one row, the council's status words as headings)."""
        b, words = self.box, status_words(self.pack.dataset.meta)
        box = box_columns(words)
        counts = _frame(
            [
                (
                    int(b["measures"]),
                    int(b["targeted"]),
                    int(b["measured"]),
                    *(int(b[c]) for c, _ in box),
                    int(b["no_data"]),
                )
            ],
            ("Number of measures", "Targeted", "Measured only", *(h for _, h in box), "No data"),
        )
        return {
            "sentence": _box_sentence(b, words),
            "counts": counts,
            "caption": f"How is success measured? {self.pack.period.label}",
            "no_data": _no_data(self.figures),
            "period": text(self.pack.period.label),
        }

    def success(self) -> Fragment:
        """The "How is success measured?" box, computed from the measure statuses."""
        return self._render("success", self.success_data())

    def contracts_data(self) -> Data:
        """Key contracts (`contracts`), Poor and Average performance marked by symbol and words."""
        c = self.pack.dataset.contracts_for(self.id, self.pack.period)
        written = c.get("performance_as_written", pd.Series([None] * len(c)))
        rows = [
            (
                text(r["service"]),
                text(r["provider"]),
                text(r["duration"]),
                text(r["review_date"]),
                text(r["contract_kpis"]),
                performance_words(r["performance"], w),
                text(r["corrective_measures"]),
                text(r["payment_terms"]),
                text(r["performance_driven"]),
                text(r["volume_sensitive"]),
            )
            for r, w in zip(c.to_dict("records"), written)
        ]
        headers = (
            "Service contracted",
            "Provider",
            "Duration",
            "Review date",
            "Contract KPIs",
            "Performance",
            "Corrective measures",
            "Payment terms",
            "Performance driven or independent",
            "Volume sensitive",
        )
        return {
            "shown": not (c.empty and self.highlight is None),
            "contracts": _frame(rows, headers),
            "row_classes": [f"row-{slug(str(p))}" for p in c["performance"]],
        }

    def contracts(self) -> Fragment:
        """Key contracts, with Poor and Average performance marked by symbol and words."""
        return self._render("contracts", self.contracts_data())

    def arrangements_data(self) -> Data:
        """Pooled budgets, property and commercial opportunities: (heading, paragraphs) pairs."""
        return self._blocks(
            (
                ("Pooled budgets and co-commissioning", "pooled_budget"),
                ("Property implications", "property"),
                ("Commercial opportunities", "commercial"),
            )
        )

    def arrangements(self) -> Fragment:
        """Pooled budgets, property implications and commercial opportunities."""
        return self._render("blocks", self.arrangements_data())

    def comments_data(self) -> Data:
        """The commissioner's RAG (an input, not computed), who completed it, and the comments."""
        return {
            "submitted": self.highlight is not None,
            "rag": rag_cell(self._h("rag")),
            "completed_by": text(self._h("completed_by"), "Not given"),
            "comments": paragraphs(self._h("comments")),
        }

    def comments(self) -> Fragment:
        """The commissioner's comments with the RAG status (an input, not computed)."""
        return self._render("comments", self.comments_data())

    def appendix_data(self, charts: bool = True) -> Data:
        """Appendix A: the `measures` table, and each measure's words and charts by outcome."""
        f = self.figures
        rows = [
            (
                text(r["title"]),
                text(r["period"]),
                _fmt(r, "target"),
                _fmt(r, "actual"),
                _fmt(r, "tolerance") if pd.notna(r["tolerance"]) else "None",
                status_cell(r),
                _fmt(r, "previous_actual"),
                direction_words(r),
            )
            for r in f.to_dict("records")  # one row per measure: presentation only
        ]
        headers = (
            "Measure",
            "Period",
            "Target",
            "Actual",
            "Tolerance",
            "Status",
            "Previous",
            "Direction of travel",
        )
        outcomes = self.pack.dataset.framework.outcomes
        titles = dict(zip(outcomes["outcome_id"], outcomes["title"]))
        groups = []
        for outcome_id, group in f.groupby(f["outcome_id"].fillna(""), sort=False):
            heading = titles.get(outcome_id, "Other measures") if outcome_id else "Other measures"
            groups.append((text(heading), [self._measure(r, charts) for _, r in group.iterrows()]))
        return {
            "measures": _frame(rows, headers),
            "caption": f"Measures at {self.pack.period.label}",
            "outcomes": groups,
        }

    def appendix(self, charts: bool = True) -> Fragment:
        """Appendix A: every measure by outcome, with its figures, sentence and chart."""
        return self._render("appendix", self.appendix_data(charts))

    def _measure(self, r: pd.Series, charts: bool) -> Data:
        """One measure's words, notes, comparisons, chart and SPC, for Appendix A."""
        mid = r["measure_id"]
        out: Data = {
            "id": mid,
            "title": text(r["title"]),
            "status": status_cell(r),
            "polarity": polarity_words(r["polarity"]).capitalize(),
            "frequency": text(str(r["frequency"]).replace("_", " ")),
            "source": text(r["source"], "no figure"),
            "sentence": text(r["sentence"]),
            "period": text(r.get("period")),
            "measure_note": text(r.get("notes")) if isinstance(r.get("notes"), str) else "",
            "figure_note": (
                text(r.get("figure_note")) if isinstance(r.get("figure_note"), str) else ""
            ),
            "comparison": comparison_words(r),
            "interval": Markup(comparison_sentence(r)),  # escaped by intervals (our markup)
            "last_year": last_year_words(r),
            "chart": None,
            "spc": "",
        }
        if charts:
            key = f"measure:{mid}"
            svg = self.pack.charts[key] if key in self.pack.charts else measure_svg(self.pack, r)
            out["chart"] = Markup(svg) if svg else None  # SVG drawn by vl-convert (charts.to_svg)
        if r["frequency"] in SPC_FREQUENCIES:
            out["spc_points"] = int(r["spc_points"])
            out["spc_min"] = SPC_MIN_POINTS
            if mid not in self.pack.spc:
                out["spc"] = "too few points"
            else:
                out["spc"] = "charted"
                icons = icon_words(r)
                out["variation"], out["assurance"] = icons.code, icons.note
                out["spc_warnings"] = [text(w) for w in self.pack.spc[mid].warnings]
                out["xmr"] = None
                if charts:
                    key = f"xmr:{mid}"
                    svg = (
                        self.pack.charts[key] if key in self.pack.charts else xmr_svg(self.pack, r)
                    )
                    out["xmr"] = Markup(svg)  # SVG drawn by vl-convert (charts.to_svg)
        return out

    def footer_data(self) -> Data:
        return _footer_data(self.pack)

    def footer(self) -> Fragment:
        return self._render("footer", self.footer_data())


# --------------------------------------------------------------------------- collated page
class CollatedPage:
    """The collated highlight report: contents, overview, statuses, exceptions, data quality.

    `page.overview()` is the section as HTML; `page.overview_data()` (or `page.overview().data`)
    the frames and words it is made from.
    """

    def __init__(self, pack: PackData) -> None:
        self.pack = pack
        s = pack.summary.set_index("strategy_id")
        self.summary = s.loc[pack.strategies].reset_index()
        h = pack.dataset.highlights
        h = h[h["period"] == pack.period.label].set_index("strategy_id")
        self.summary["rag"] = self.summary["strategy_id"].map(h["rag"]) if len(h) else None
        #: Whether any commissioner gave a RAG, and any contract was reported, this period:
        #: sections about what was not submitted are left out and named in one line.
        self.has_rag = bool((self.summary["rag"].fillna("").astype(str).str.strip() != "").any())
        c = pack.dataset.contracts
        self.has_contracts = bool(
            ((c["period"] == pack.period.label) & c["strategy_id"].isin(pack.strategies)).any()
        )
        self.level = pack.dataset.framework.level("strategy")

    def _render(self, section: str, data: Data) -> Fragment:
        return render_section("collated", section, data)

    def _level_plural(self) -> str:
        word = self.level
        if word.endswith("y") and word[-2:-1] not in "aeiou":
            return word[:-1] + "ies"
        return word if word.endswith("s") else word + "s"

    def _missing(self) -> list[str]:
        missing = []
        if not self.has_rag:
            missing.append("highlight reports with a commissioner's RAG")
        if not self.has_contracts:
            missing.append("key contracts")
        return missing

    def not_submitted(self) -> str:
        """One line naming what was not submitted for the period ('' when everything was)."""
        data = {"not_submitted": self._missing(), "period": text(self.pack.period.label)}
        return str(self._render("not_submitted", data))

    @property
    def title(self) -> str:
        return self.pack.title

    def header_data(self) -> Data:
        return {
            "organisation": text(self.pack.organisation),
            "period_long": text(self.pack.period.long_label),
            "title": text(self.pack.title),
            "level": text(self.level.lower()),
        }

    def header(self) -> Fragment:
        return self._render("header", self.header_data())

    def contents_data(self) -> Data:
        """A link to every strategy's page, in pack order (`links`: the titles)."""
        return {
            "links": [
                _link(sid, title)
                for sid, title in zip(self.summary["strategy_id"], self.summary["title"])
            ]
        }

    def contents(self) -> Fragment:
        """The contents: a link to every strategy's page, in pack order."""
        return self._render("contents", self.contents_data())

    def overview_data(self) -> Data:
        """Every strategy's count box beside the commissioner's RAG (`overview`)."""
        box = box_columns(status_words(self.pack.dataset.meta), short=True)
        width = 9 if self.has_rag else 8
        rows = [
            (
                _link(r["strategy_id"], r["title"]),
                int(r["measures"]),
                int(r["targeted"]),
                int(r["measured"]),
                *(int(r[c]) for c, _ in box),
                int(r["no_data"]),
                rag_cell(r["rag"]),
            )[:width]
            for r in self.summary.to_dict("records")
        ]
        headers = (
            self.level,
            "Measures",
            "Targeted",
            "Measured only",
            *(h for _, h in box),
            "No data",
            "Commissioner's RAG",
        )[:width]
        return {
            "overview": _frame(rows, headers),
            "caption": (
                f"How is success measured? Every {self.level.lower()}, {self.pack.period.label}"
            ),
            "no_data": _no_data(self._figures()),
            "period": text(self.pack.period.label),
            "not_submitted": self._missing(),
        }

    def overview(self) -> Fragment:
        """Every strategy's count box beside the commissioner's RAG."""
        return self._render("overview", self.overview_data())

    def _figures(self) -> pd.DataFrame:
        """The figures of the pack's strategies, in pack order."""
        return self.pack.figures[self.pack.figures["strategy_id"].isin(self.pack.strategies)]

    def status_chart_data(self) -> Data:
        svg = self.pack.charts.get("status-by-strategy") or status_svg(self.pack, self.summary)
        return {"chart": Markup(svg)}  # SVG drawn by vl-convert (charts.to_svg)

    def status_chart(self) -> Fragment:
        return self._render("status_chart", self.status_chart_data())

    def exceptions_data(self) -> Data:
        """Measures not achieved (`missed`), Poor contracts (`poor`), Red or Amber (`red_amber`)."""
        f = self._figures()
        titles = dict(zip(self.summary["strategy_id"], self.summary["title"]))
        missed = f[f["status"].isin([Status.NOT_ACHIEVED.value, Status.IMPROVING.value])]
        poor = self.pack.poor_contracts()
        ra = self.summary[self.summary["rag"].isin(["Red", "Amber"])]
        return {
            "missed": _frame(
                [
                    (
                        text(r["title"]),
                        text(titles.get(r["strategy_id"])),
                        _fmt(r, "actual"),
                        _fmt(r, "target"),
                        status_cell(r),
                        text(r["sentence"]),
                    )
                    for r in missed.to_dict("records")
                ],
                ("Measure", self.level, "Actual", "Target", "Status", "What the figures say"),
            ),
            "has_contracts": self.has_contracts,
            "poor": _frame(
                [
                    (
                        text(r["service"]),
                        text(r["provider"]),
                        text(titles.get(r["strategy_id"])),
                        performance_words(r["performance"]),
                        text(r["corrective_measures"], "None given"),
                    )
                    for r in poor.to_dict("records")
                ],
                ("Service", "Provider", self.level, "Performance", "Corrective measures"),
            ),
            "has_rag": self.has_rag,
            "plural": self._level_plural(),
            "level": self.level.lower(),
            "red_amber": _frame(
                [
                    (_link(r["strategy_id"], r["title"]), rag_cell(r["rag"]))
                    for _, r in ra.iterrows()
                ],
                (self.level, "Commissioner's RAG"),
            ),
        }

    def exceptions(self) -> Fragment:
        """What needs attention: measures not achieved, Poor contracts, Red or Amber strategies."""
        return self._render("exceptions", self.exceptions_data())

    def mdc_summary_data(self) -> Data:
        """Making Data Count summary (`mdc`): latest value, target, status, the two icons."""
        f = self._figures()
        titles = dict(zip(self.summary["strategy_id"], self.summary["title"]))
        charted = f[f["variation_icon"].notna()]
        rows = [
            (
                text(r["title"]),
                text(titles.get(r["strategy_id"])),
                _fmt(r, "actual"),
                _fmt(r, "target") if pd.notna(r["target"]) else "None",
                status_cell(r),
                icon_words(r),
            )
            for r in charted.to_dict("records")  # one row per measure: presentation only
        ]
        headers = (
            "Measure",
            self.level,
            "Latest value",
            "Target",
            "Status",
            "Variation and assurance",
        )
        return {"mdc": _frame(rows, headers), "min_points": SPC_MIN_POINTS}

    def mdc_summary(self) -> Fragment:
        """Making Data Count summary: latest value, target, status, variation and assurance."""
        return self._render("mdc_summary", self.mdc_summary_data())

    def attention_data(self) -> Data:
        """The ranked table of what needs the board's attention (`attention`), with its words."""
        t = attention_table(self.pack, self.summary)
        level = self.level.lower()
        kinds = ["missed and worsening measures", "special-cause concerns"]
        kinds.append("targets that cannot be met reliably")
        nothing = ["no missed and worsening measure", "no special-cause concern"]
        nothing.append("no failing assurance")
        if self.has_contracts:
            kinds.append("Poor contracts")
            nothing.append("no Poor contract")
        if self.has_rag:
            kinds.append(f"Red {self._level_plural().lower()}")
            nothing.append(f"no Red {level}")
        table = pd.DataFrame(
            {
                "Rank": range(1, len(t) + 1),
                "What": [text(v) for v in t["item"]],
                self.level: [text(v) for v in t["strategy"]],
                "Why": [text(v) for v in t["reason"]],
            }
        )
        return {"attention": table, "kinds": kinds, "nothing": nothing}

    def attention(self) -> Fragment:
        """One ranked table of what needs the board's attention, each with its reason in words."""
        return self._render("attention", self.attention_data())

    def data_quality_data(self) -> Data:
        q = self.pack.quality
        if not q:
            return {"checks": None}
        return {
            "checks": int(q.get("checks", 0)),
            "errors": int(q.get("errors", 0)),
            "warnings": int(q.get("warnings", 0)),
        }

    def data_quality(self) -> Fragment:
        return self._render("data_quality", self.data_quality_data())

    def footer_data(self) -> Data:
        return _footer_data(self.pack)

    def footer(self) -> Fragment:
        return self._render("footer", self.footer_data())


def _footer_data(pack: PackData) -> Data:
    from perfanalysis import __version__

    return {
        "notes": text(pack.dataset.meta.get("notes")),
        "period": text(pack.period.label),
        "organisation": text(pack.organisation),
        "version": text(__version__),
    }
