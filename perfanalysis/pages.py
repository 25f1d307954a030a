"""The pages of a pack: a collated highlight report and one highlight report per strategy.

Internal (the shipped notebooks call these; they may change between versions). A notebook cell
calls one method and shows what it returns; every number comes from the figures table
(`PackData.figures`), every sentence from `narrative`, every chart from `charts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from perfanalysis.charts import measure_svg, status_svg, xmr_svg
from perfanalysis.figures import SPC_FREQUENCIES, SPC_MIN_POINTS, attention_table
from perfanalysis.intervals import comparison_sentence
from perfanalysis.narrative import (
    _box_sentence,
    _comparison_line,
    _direction,
    _fmt,
    _last_year_line,
    icon_badges,
    no_data_line,
    notes_line,
    performance_cell,
    polarity_words,
)
from perfanalysis.render import Fragment, esc, rag_badge, slug, status_badge, table, text_block
from perfanalysis.status import Status, box_columns, status_words

if TYPE_CHECKING:
    from perfanalysis.report import PackData

__all__ = ["StrategyPage", "CollatedPage"]


class StrategyPage:
    """The highlight report of one strategy, section by section, as the seed report lays it out."""

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

    @property
    def title(self) -> str:
        return f"{self.strategy['title']}: highlight report, {self.pack.period.label}"

    def header(self) -> Fragment:
        """h1, the strategy's place in the framework, and who owns the report."""
        level = self.pack.dataset.framework.level("strategy")
        theme = self.pack.dataset.framework.themes.set_index("theme_id").loc[
            self.strategy["theme_id"], "title"
        ]
        rows = [
            (esc(label), esc(self._h(col), "Not given"))
            for label, col in (
                ("Sponsor", "sponsor"),
                ("Commissioning lead", "commissioning_lead"),
                ("Lead officer", "lead_officer"),
                ("Stage", "stage"),
                ("Completed by", "completed_by"),
                ("Report date", "report_date"),
            )
        ]
        stage_words = self._h("stage_as_written")
        if stage_words is not None and not pd.isna(stage_words) and str(stage_words).strip():
            rows[3] = (
                rows[3][0],
                rows[3][1] + f'<br><span class="as-written">As written: {esc(stage_words)}</span>',
            )
        if self.highlight is None:
            # Nothing submitted: one line says what is missing, no table of "Not given".
            return Fragment(
                f'<nav class="breadcrumb" aria-label="Breadcrumb"><a href="../index.html">'
                f"{esc(self.pack.organisation)}: collated report</a></nav>"
                f'<p class="kicker">{esc(level)} &middot; {esc(self.pack.period.long_label)}</p>'
                f"<h1>{esc(self.strategy['title'])}</h1>"
                f'<p class="lede">{esc(self.pack.dataset.framework.level("theme"))}: '
                f"{esc(theme)}</p>"
                f'<p class="purpose">{esc(self.strategy.get("purpose"))}</p>'
                f'<p class="notice">No highlight report was submitted for '
                f"{esc(self.pack.period.label)}, so this page has no summary, needs, agreed "
                "outcomes, key contracts, arrangements or commissioner's comments; the measures "
                "below are computed from the data.</p>"
            )
        return Fragment(
            f'<nav class="breadcrumb" aria-label="Breadcrumb"><a href="../index.html">'
            f"{esc(self.pack.organisation)}: collated report</a></nav>"
            f'<p class="kicker">{esc(level)} highlight report &middot; '
            f"{esc(self.pack.period.long_label)}</p>"
            f"<h1>{esc(self.strategy['title'])}</h1>"
            f'<p class="lede">{esc(self.pack.dataset.framework.level("theme"))}: {esc(theme)}</p>'
            f'<p class="purpose">{esc(self.strategy.get("purpose"))}</p>'
            + table(rows, ("Role", "Name"), "Who is responsible for this report", css="people")
        )

    def narrative(self) -> Fragment:
        """Summary, how needs were established, and the agreed outcomes."""
        if self.highlight is None:
            return Fragment("")  # said once in the header
        parts = []
        for heading, col in (
            ("Summary", "summary"),
            ("How the needs were established", "needs"),
            ("Agreed outcomes", "agreed_outcomes"),
        ):
            parts.append(f"<h2>{heading}</h2>{text_block(self._h(col))}")
        return Fragment("".join(parts))

    def success(self) -> Fragment:
        """The "How is success measured?" box, computed from the measure statuses."""
        b, words = self.box, status_words(self.pack.dataset.meta)
        box = box_columns(words)
        rows = [
            (
                str(b["measures"]),
                str(b["targeted"]),
                str(b["measured"]),
                *(str(b[c]) for c, _ in box),
                str(b["no_data"]),
            )
        ]
        headers = (
            "Number of measures",
            "Targeted",
            "Measured only",
            *(h for _, h in box),
            "No data",
        )
        return Fragment(
            '<h2 id="success">How is success measured?</h2>'
            f'<p class="box-sentence">{esc(_box_sentence(b, words))}</p>'
            + table(
                rows,
                headers,
                f"How is success measured? {self.pack.period.label}",
                css="count-box",
                numeric=range(7),
            )
            + no_data_line(self.figures, self.pack.period.label)
            + '<p>The measures and their figures are in <a href="#appendix-a">Appendix A</a>.</p>'
        )

    def contracts(self) -> Fragment:
        """Key contracts, with Poor and Average performance marked by symbol and words."""
        c = self.pack.dataset.contracts_for(self.id, self.pack.period)
        head = (
            "<h2>Key contracts</h2><p>Contracts over £1m or of a politically sensitive nature.</p>"
        )
        if c.empty and self.highlight is None:
            return Fragment("")
        if c.empty:
            return Fragment(head + '<p class="none-given">No key contracts were reported.</p>')
        written = c.get("performance_as_written", pd.Series([None] * len(c)))
        rows = [
            (
                esc(r["service"]),
                esc(r["provider"]),
                esc(r["duration"]),
                esc(r["review_date"]),
                esc(r["contract_kpis"]),
                performance_cell(r["performance"], w),
                esc(r["corrective_measures"]),
                esc(r["payment_terms"]),
                esc(r["performance_driven"]),
                esc(r["volume_sensitive"]),
            )
            for r, w in zip(c.to_dict("records"), written)
        ]
        classes = [f"row-{slug(str(p))}" for p in c["performance"]]
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
        return Fragment(
            head + table(rows, headers, "Key contracts", css="contracts", row_classes=classes)
        )

    def arrangements(self) -> Fragment:
        """Pooled budgets, property implications and commercial opportunities."""
        if self.highlight is None:
            return Fragment("")
        parts = []
        for heading, col in (
            ("Pooled budgets and co-commissioning", "pooled_budget"),
            ("Property implications", "property"),
            ("Commercial opportunities", "commercial"),
        ):
            parts.append(f"<h2>{heading}</h2>{text_block(self._h(col))}")
        return Fragment("".join(parts))

    def comments(self) -> Fragment:
        """The commissioner's comments with the RAG status (an input, not computed)."""
        if self.highlight is None:
            return Fragment("")
        return Fragment(
            "<h2>Commissioner's comments</h2>"
            f'<p class="rag-line">Status (RAG): {rag_badge(self._h("rag"))}'
            f" &middot; Completed by: {esc(self._h('completed_by'), 'Not given')}</p>"
            + text_block(self._h("comments"))
            + '<p class="note">The RAG status is the commissioner\'s judgement. The measure '
            "statuses in Appendix A are computed from the figures.</p>"
        )

    def appendix(self, charts: bool = True) -> Fragment:
        """Appendix A: every measure by outcome, with its figures, sentence and chart."""
        f = self.figures
        parts = ['<h2 id="appendix-a">Appendix A: measures</h2>']
        if f.empty:
            return Fragment(parts[0] + '<p class="none-given">This strategy has no measures.</p>')
        rows = [
            (
                esc(r["title"]),
                esc(r["period"]),
                _fmt(r, "target"),
                _fmt(r, "actual"),
                _fmt(r, "tolerance") if pd.notna(r["tolerance"]) else "None",
                status_badge(r["status"], r["status_label"]),
                _fmt(r, "previous_actual"),
                _direction(r),
            )
            for _, r in f.iterrows()  # one row per measure: presentation only
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
        parts.append(
            table(
                rows,
                headers,
                f"Measures at {self.pack.period.label}",
                css="measures",
                numeric=(2, 3, 4, 6),
            )
        )
        outcomes = self.pack.dataset.framework.outcomes
        titles = dict(zip(outcomes["outcome_id"], outcomes["title"]))
        for outcome_id, group in f.groupby(f["outcome_id"].fillna(""), sort=False):
            heading = titles.get(outcome_id, "Other measures") if outcome_id else "Other measures"
            parts.append(f"<h3>{esc(heading)}</h3>")
            for _, r in group.iterrows():
                parts.append(self._measure(r, charts))
        return Fragment("".join(parts))

    def _measure(self, r: pd.Series, charts: bool) -> str:
        text = (
            f'<section class="measure" aria-labelledby="m-{slug(r["measure_id"])}">'
            f'<h4 id="m-{slug(r["measure_id"])}">{esc(r["title"])}</h4>'
            f'<p class="measure-meta">{status_badge(r["status"], r["status_label"])} &middot; '
            f"{esc(polarity_words(r['polarity']).capitalize())} &middot; "
            f"{esc(str(r['frequency']).replace('_', ' '))} &middot; source: "
            f"{esc(r['source'], 'no figure')}</p>"
            f'<p class="sentence">{esc(r["sentence"])}</p>'
        )
        text += notes_line(r)
        text += _comparison_line(r) + comparison_sentence(r) + _last_year_line(r)
        if charts:
            key = f"measure:{r['measure_id']}"
            svg = self.pack.charts[key] if key in self.pack.charts else measure_svg(self.pack, r)
            if svg:
                text += f'<figure class="chart">{svg}</figure>'
        text += self._spc_block(r, charts)
        return text + "</section>"

    def _spc_block(self, r: pd.Series, charts: bool) -> str:
        """Variation and assurance icons with their words, the XmR chart, or why there is none."""
        mid = r["measure_id"]
        if r["frequency"] not in SPC_FREQUENCIES:
            return ""
        if mid not in self.pack.spc:
            return (
                f'<p class="spc-note">Statistical process control: only {int(r["spc_points"])} '
                f"points so far; process limits need at least {SPC_MIN_POINTS}, so no "
                "variation or assurance is judged yet.</p>"
            )
        text = f'<p class="spc-icons">{icon_badges(r)}</p>'
        for w in self.pack.spc[mid].warnings:
            text += f'<p class="spc-note">{esc(w)}</p>'
        if charts:
            key = f"xmr:{mid}"
            svg = self.pack.charts[key] if key in self.pack.charts else xmr_svg(self.pack, r)
            text += f'<figure class="chart">{svg}</figure>'
        return text

    def footer(self) -> Fragment:
        return _footer(self.pack)


class CollatedPage:
    """The collated highlight report: contents, overview, statuses, exceptions, data quality."""

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

    def _level_plural(self) -> str:
        word = self.level
        if word.endswith("y") and word[-2:-1] not in "aeiou":
            return word[:-1] + "ies"
        return word if word.endswith("s") else word + "s"

    def not_submitted(self) -> str:
        """One line naming what was not submitted for the period ('' when everything was)."""
        missing = []
        if not self.has_rag:
            missing.append("highlight reports with a commissioner's RAG")
        if not self.has_contracts:
            missing.append("key contracts")
        if not missing:
            return ""
        return (
            f'<p class="not-submitted">Not submitted for {esc(self.pack.period.label)}: '
            f"{esc(' or '.join(missing))}; the sections about them are left out.</p>"
        )

    @property
    def title(self) -> str:
        return self.pack.title

    def header(self) -> Fragment:
        levels = self.pack.dataset.framework
        return Fragment(
            f'<p class="kicker">{esc(self.pack.organisation)} &middot; '
            f"{esc(self.pack.period.long_label)}</p>"
            f"<h1>{esc(self.pack.title)}</h1>"
            f'<p class="lede">One highlight report per {esc(levels.level("strategy").lower())}, '
            f"with the status of every measure computed from the published figures.</p>"
        )

    def contents(self) -> Fragment:
        """The contents: a link to every strategy's page, in pack order."""
        items = "".join(
            f'<li><a href="strategies/{esc(sid)}.html">{esc(title)}</a></li>'
            for sid, title in zip(self.summary["strategy_id"], self.summary["title"])
        )
        return Fragment(
            '<nav aria-labelledby="contents"><h2 id="contents">Contents</h2>'
            f'<ol class="contents">{items}</ol>'
            '<p><a href="data-quality.html">Data quality: every check made on the data</a> '
            '&middot; <a href="figures.csv">Every figure as a CSV file</a></p></nav>'
        )

    def overview(self) -> Fragment:
        """Every strategy's count box beside the commissioner's RAG."""
        box = box_columns(status_words(self.pack.dataset.meta), short=True)
        rows = [
            (
                f'<a href="strategies/{esc(r["strategy_id"])}.html">{esc(r["title"])}</a>',
                str(r["measures"]),
                str(r["targeted"]),
                str(r["measured"]),
                *(str(r[c]) for c, _ in box),
                str(r["no_data"]),
                rag_badge(r["rag"]),
            )[: 9 if self.has_rag else 8]
            for _, r in self.summary.iterrows()
        ]
        headers = (
            self.pack.dataset.framework.level("strategy"),
            "Measures",
            "Targeted",
            "Measured only",
            *(h for _, h in box),
            "No data",
            "Commissioner's RAG",
        )[: 9 if self.has_rag else 8]
        return Fragment(
            "<h2>Overview</h2>"
            + table(
                rows,
                headers,
                f"How is success measured? Every {self.level.lower()}, {self.pack.period.label}",
                css="overview",
                numeric=range(1, 8),
            )
            + no_data_line(self._figures(), self.pack.period.label)
            + self.not_submitted()
        )

    def _figures(self) -> pd.DataFrame:
        """The figures of the pack's strategies, in pack order."""
        return self.pack.figures[self.pack.figures["strategy_id"].isin(self.pack.strategies)]

    def status_chart(self) -> Fragment:
        svg = self.pack.charts.get("status-by-strategy") or status_svg(self.pack, self.summary)
        return Fragment(f'<h2>Measures by status</h2><figure class="chart">{svg}</figure>')

    def exceptions(self) -> Fragment:
        """What needs attention: measures not achieved, Poor contracts, Red or Amber strategies."""
        f = self.pack.figures[self.pack.figures["strategy_id"].isin(self.pack.strategies)]
        titles = dict(zip(self.summary["strategy_id"], self.summary["title"]))
        missed = f[f["status"].isin([Status.NOT_ACHIEVED.value, Status.IMPROVING.value])]
        parts = ["<h2>Exceptions</h2>", "<h3>Measures not achieving their target</h3>"]
        if missed.empty:
            parts.append('<p class="none-given">Every targeted measure achieved its target.</p>')
        else:
            rows = [
                (
                    esc(r["title"]),
                    esc(titles.get(r["strategy_id"])),
                    _fmt(r, "actual"),
                    _fmt(r, "target"),
                    status_badge(r["status"], r["status_label"]),
                    esc(r["sentence"]),
                )
                for _, r in missed.iterrows()
            ]
            parts.append(
                table(
                    rows,
                    ("Measure", self.level, "Actual", "Target", "Status", "What the figures say"),
                    "Measures not achieving their target",
                    css="exceptions",
                )
            )
        poor = self.pack.poor_contracts()
        if self.has_contracts:
            parts.append("<h3>Contracts rated Poor</h3>")
        if self.has_contracts and poor.empty:
            parts.append('<p class="none-given">No contract is rated Poor.</p>')
        elif self.has_contracts:
            rows = [
                (
                    esc(r["service"]),
                    esc(r["provider"]),
                    esc(titles.get(r["strategy_id"])),
                    performance_cell(r["performance"]),
                    esc(r["corrective_measures"], "None given"),
                )
                for _, r in poor.iterrows()
            ]
            parts.append(
                table(
                    rows,
                    ("Service", "Provider", self.level, "Performance", "Corrective measures"),
                    "Contracts rated Poor",
                )
            )
        ra = self.summary[self.summary["rag"].isin(["Red", "Amber"])]
        plural = self._level_plural()
        if self.has_rag:
            parts.append(f"<h3>{esc(plural)} rated Red or Amber</h3>")
        if self.has_rag and ra.empty:
            parts.append(
                f'<p class="none-given">No {esc(self.level.lower())} is rated Red or Amber by its '
                "commissioner.</p>"
            )
        elif self.has_rag:
            rows = [
                (
                    f'<a href="strategies/{esc(r["strategy_id"])}.html">{esc(r["title"])}</a>',
                    rag_badge(r["rag"]),
                )
                for _, r in ra.iterrows()
            ]
            parts.append(
                table(rows, (self.level, "Commissioner's RAG"), f"{plural} rated Red or Amber")
            )
        return Fragment("".join(parts))

    def mdc_summary(self) -> Fragment:
        """Making Data Count summary: latest value, target, status, variation and assurance."""
        f = self.pack.figures[self.pack.figures["strategy_id"].isin(self.pack.strategies)]
        titles = dict(zip(self.summary["strategy_id"], self.summary["title"]))
        charted = f[f["variation_icon"].notna()]
        rows = []
        for _, r in charted.iterrows():  # one row per measure: presentation only
            badges = icon_badges(r)
            rows.append(
                (
                    esc(r["title"]),
                    esc(titles.get(r["strategy_id"])),
                    _fmt(r, "actual"),
                    _fmt(r, "target") if pd.notna(r["target"]) else "None",
                    status_badge(r["status"], r["status_label"]),
                    badges,
                )
            )
        intro = (
            f"<p>Statistical process control (XmR charts, NHS England's Making Data Count "
            f"rules) for the {len(charted)} monthly or quarterly measures with at least "
            f"{SPC_MIN_POINTS} points. Variation says whether a measure is really changing or "
            "only moving within its usual range; assurance says whether the target will be "
            "met reliably.</p>"
        )
        if not rows:  # nothing charted: the section is left out, one line says why
            return Fragment(
                f'<p class="not-submitted">No measure is reported monthly or quarterly with at '
                f"least {SPC_MIN_POINTS} points, so there is no Making Data Count summary.</p>"
            )
        return Fragment(
            "<h2>Making Data Count summary</h2>"
            + intro
            + table(
                rows,
                (
                    "Measure",
                    self.level,
                    "Latest value",
                    "Target",
                    "Status",
                    "Variation and assurance",
                ),
                "Variation and assurance by measure",
                css="mdc",
            )
        )

    def attention(self) -> Fragment:
        """One ranked table of what needs the board's attention, each with its reason in words."""
        t = attention_table(self.pack, self.summary)
        level = self.level.lower()
        kinds = ["missed and worsening measures", "special-cause concerns"]
        kinds.append("targets that cannot be met reliably")
        if self.has_contracts:
            kinds.append("Poor contracts")
        if self.has_rag:
            kinds.append(f"Red {self._level_plural().lower()}")
        if t.empty:
            nothing = ["no missed and worsening measure", "no special-cause concern"]
            nothing.append("no failing assurance")
            if self.has_contracts:
                nothing.append("no Poor contract")
            if self.has_rag:
                nothing.append(f"no Red {level}")
            return Fragment(
                "<h2>What needs attention</h2><p>Nothing needs the board's attention: "
                + ", ".join(nothing[:-1])
                + f" and {nothing[-1]}.</p>"
            )
        rows = [
            (str(i + 1), esc(r["item"]), esc(r["strategy"]), esc(r["reason"]))
            for i, r in enumerate(t.to_dict("records"))
        ]
        return Fragment(
            f"<h2>What needs attention</h2><p>Ranked: {esc(kinds[0])} first, then "
            + esc(", ".join(kinds[1:-1]) + f" and {kinds[-1]}")
            + ".</p>"
            + table(
                rows,
                ("Rank", "What", self.level, "Why"),
                "What needs attention, ranked",
                row_headers=False,
                css="attention",
            )
        )

    def data_quality(self) -> Fragment:
        q = self.pack.quality
        if not q:
            return Fragment(
                "<h2>Data quality</h2><p>The data-quality checks run when the pack is built with "
                "<code>perfanalysis run</code>; their results are on the "
                '<a href="data-quality.html">data-quality page</a>.</p>'
            )
        warnings = int(q.get("warnings", 0))
        return Fragment(
            "<h2>Data quality</h2>"
            f"<p>{int(q.get('checks', 0))} checks were made on the data before any figure was "
            f"computed: {int(q.get('errors', 0))} errors and {warnings} "
            f"warning{'s' if warnings != 1 else ''}. "
            '<a href="data-quality.html">See every check on the data-quality page</a>.</p>'
        )

    def footer(self) -> Fragment:
        return _footer(self.pack)


def _footer(pack: PackData) -> Fragment:
    from perfanalysis import __version__

    notes = pack.dataset.meta.get("notes")
    note = f"<p>{esc(notes)}</p>" if notes else ""
    return Fragment(
        f'<footer class="page-footer">{note}<p>Figures for {esc(pack.period.label)} from the '
        f"{esc(pack.organisation)} dataset. Published with perfanalysis {esc(__version__)}; "
        "the inputs, parameters and software behind every figure are listed in the pack's "
        "manifest.json.</p></footer>"
    )
