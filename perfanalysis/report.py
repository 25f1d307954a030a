"""The pages of a pack: a collated highlight report and one highlight report per strategy.

A notebook cell calls one method and shows what it returns; every number comes from the figures
table (`PackData.figures`, one row per measure, also published as figures.csv), every sentence
from `narrative`, every chart from `charts`. Nothing here reads a file except `open_pack`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from perfanalysis.dataset import Dataset
from perfanalysis.narrative import format_value, polarity_words, sentences
from perfanalysis.periods import Period
from perfanalysis.render import Fragment, esc, rag_badge, slug, status_badge, table, text_block
from perfanalysis.status import ASSESS_COLUMNS, Status

__all__ = ["PackData", "prepare", "open_pack", "StrategyPage", "CollatedPage", "FIGURE_COLUMNS"]

#: The columns of figures.csv, in order: every figure a page shows.
FIGURE_COLUMNS = [c for c in ASSESS_COLUMNS if c not in ("decimals", "status_symbol")] + [
    "spc_points",
    "variation_icon",
    "assurance_icon",
    "comparator_group",
    "rank",
    "rank_of",
    "quartile",
    "comparator_median",
    "sentence",
]
#: Measures reported this often get an XmR chart once they have enough points.
SPC_FREQUENCIES = ("monthly", "quarterly")
SPC_MIN_POINTS = 12


@dataclass
class PackData:
    """Everything a pack's pages show, prepared once per run and handed to every notebook."""

    dataset: Dataset
    period: Period
    figures: pd.DataFrame
    summary: pd.DataFrame
    strategies: list[str]
    title: str
    quality: dict[str, Any] | None = None
    charts: dict[str, str] = field(default_factory=dict)  # chart key -> inline SVG, drawn once
    spc: dict[str, Any] = field(default_factory=dict)  # measure_id -> SPCResult (>= 12 points)

    @property
    def organisation(self) -> str:
        return self.dataset.organisation

    def poor_contracts(self) -> pd.DataFrame:
        """Contracts of the pack's strategies rated Poor for the period."""
        c = self.dataset.contracts
        return c[
            (c["period"] == self.period.label)
            & (c["performance"] == "Poor")
            & c["strategy_id"].isin(self.strategies)
        ]

    def figures_for(self, strategy_id: str) -> pd.DataFrame:
        return self.figures[self.figures["strategy_id"] == strategy_id]


def prepare(
    dataset: Dataset,
    period: str | Period,
    strategies: str | list[str] = "all",
    title: str | None = None,
    quality: dict[str, Any] | None = None,
) -> PackData:
    """Assess the dataset for the period and choose the strategies the pack covers."""
    p = Period.parse(period)
    figures = dataset.assess(p)
    figures["sentence"] = sentences(figures)
    summary = dataset.summary(p)
    known = list(dataset.framework.strategies["strategy_id"])
    if strategies == "all" or strategies is None:
        chosen = known
    else:
        unknown = [s for s in strategies if s not in known]
        if unknown:
            from perfanalysis.errors import ParameterError

            raise ParameterError(
                f"strategies {', '.join(unknown)} are not in the dataset; known: {', '.join(known)}"
            )
        chosen = list(strategies)
    title = title or f"{dataset.organisation}: collated highlight report, {p.label}"
    figures, spc_results = _with_spc(dataset, figures)
    figures = _with_comparisons(dataset, figures)
    return PackData(dataset, p, figures, summary, chosen, title, quality, spc=spc_results)


def _with_spc(dataset: Dataset, figures: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Variation and assurance for every monthly or quarterly measure with 12 points or more."""
    counts = dataset.actuals[dataset.actuals["actual"].notna()].groupby("measure_id").size()
    figures["spc_points"] = figures["measure_id"].map(counts).fillna(0).astype("int64")
    eligible = figures["frequency"].isin(SPC_FREQUENCIES) & (
        figures["spc_points"] >= SPC_MIN_POINTS
    )
    results = {mid: dataset.spc(mid) for mid in figures.loc[eligible, "measure_id"]}
    figures["variation_icon"] = figures["measure_id"].map(
        {k: r.variation_icon for k, r in results.items()}
    )
    figures["assurance_icon"] = figures["measure_id"].map(
        {k: r.assurance_icon for k, r in results.items()}
    )
    return figures, results


def _with_comparisons(dataset: Dataset, figures: pd.DataFrame) -> pd.DataFrame:
    """Rank and quartile among comparator councils for the figure's own period."""
    c = dataset.comparisons()
    c = c.rename(
        columns={"group": "comparator_group", "n": "rank_of", "median": "comparator_median"}
    )
    keep = [
        "measure_id",
        "period",
        "comparator_group",
        "rank",
        "rank_of",
        "quartile",
        "comparator_median",
    ]
    c = c[keep].drop_duplicates(["measure_id", "period"])
    return figures.merge(c, on=["measure_id", "period"], how="left")


def measure_svg(pack: PackData, row: pd.Series) -> str | None:
    """A measure's chart as inline SVG, or None when it has no figures to plot."""
    from perfanalysis.charts import measure_chart, to_svg

    history = pack.dataset.history(row["measure_id"])
    if not history["actual"].notna().any():
        return None
    return to_svg(measure_chart(history, row), f"chart-{row['measure_id']}")


def xmr_svg(pack: PackData, row: pd.Series) -> str:
    from perfanalysis.charts import to_svg, xmr_chart

    return to_svg(xmr_chart(pack.spc[row["measure_id"]], row), f"xmr-{row['measure_id']}")


def status_svg(pack: PackData, summary: pd.DataFrame) -> str:
    from perfanalysis.charts import status_chart, to_svg

    return to_svg(status_chart(summary), "chart-status-by-strategy")


def chart_keys(pack: PackData, strategies: list[str] | None = None) -> list[str]:
    """The keys of every chart the pack shows ('measure:ID', 'xmr:ID', 'status-by-strategy')."""
    f = pack.figures[pack.figures["strategy_id"].isin(strategies or pack.strategies)]
    keys = ["status-by-strategy"]
    for mid, points in zip(f["measure_id"], f["spc_points"]):
        if points > 0:
            keys.append(f"measure:{mid}")
        if mid in pack.spc:
            keys.append(f"xmr:{mid}")
    return keys


def render_chart_keys(pack: PackData, keys: list[str]) -> dict[str, str]:
    """Draw the charts named by `keys` (see `chart_keys`); a measure with no figures has none."""
    rows = pack.figures.set_index("measure_id", drop=False)
    charts: dict[str, str] = {}
    for key in keys:
        kind, _, mid = key.partition(":")
        if kind == "status-by-strategy":
            charts[key] = status_svg(pack, CollatedPage(pack).summary)
        elif kind == "measure":
            svg = measure_svg(pack, rows.loc[mid])
            if svg is not None:
                charts[key] = svg
        elif kind == "xmr":
            charts[key] = xmr_svg(pack, rows.loc[mid])
    return charts


def render_charts(pack: PackData, strategies: list[str] | None = None) -> dict[str, str]:
    """Every chart of the pack, drawn once in the runner so that notebooks need not import Altair.

    Importing Altair costs seconds per process; a pack of nine notebooks would pay it nine times.
    `strategies` limits the measure charts to those strategies (a rerun of one strategy).
    """
    return render_chart_keys(pack, chart_keys(pack, strategies))


def open_pack(dataset: str | Path, period: str, prepared: str | Path | None = "") -> PackData:
    """The pack's data: from the pack's prepared folder when given, else from the dataset itself.

    With `prepared` (a pack's `prepared/` folder, written by `perfanalysis run`), the figures are
    read from it; when `dataset` exists too, its files must be the ones the figures were made
    from. With `prepared` blank (a notebook run on its own), the dataset goes through the same
    gate, preparation and charts as `perfanalysis run`, so the page is the page published.
    """
    from perfanalysis import prepared as prep

    if prepared:
        folder = Path(prepared)
        if Path(dataset).exists():
            prep.check_inputs(folder, Path(dataset))
        pack = prep.read_prepared(folder)
        if Period.parse(period).label != pack.period.label:
            raise prep.PreparedError(
                f"the prepared figures in {folder} are for {pack.period.label}, not {period}"
            )
        return pack
    return prep.build_pack(dataset, period)[1]


def _fmt(row: pd.Series, column: str) -> str:
    return esc(format_value(row[column], row["unit"], row["decimals"]))


def _direction(row: pd.Series) -> str:
    d = row.get("direction")
    if d is None or pd.isna(d):
        return "Not available"
    symbol = {
        "better": "\u25b2",
        "worse": "\u25bc",
        "no change": "\u25ac",
        "higher": "\u25b2",
        "lower": "\u25bc",
    }.get(d, "")
    return (
        f'<span class="dot dot-{slug(d)}"><span aria-hidden="true">{symbol}</span> '
        f"{esc(str(d).capitalize())} than {esc(row['previous_period'])}</span>"
        if d != "no change"
        else f"No change from {esc(row['previous_period'])}"
    )


_PERF = {
    "Poor": ("\u2718", "perf-poor"),
    "Average": ("\u25b2", "perf-average"),
    "Good": ("\u2714", "perf-good"),
}


def performance_cell(value: Any, as_written: Any = None) -> str:
    """A contract's performance rating: Poor and Average marked by symbol and words."""
    word = "" if value is None or pd.isna(value) else str(value).strip()
    symbol, css = _PERF.get(word, ("", "perf-none"))
    label = {"Poor": "Poor: needs action", "Average": "Average: watch"}.get(
        word, word or "Not rated"
    )
    out = (
        f'<span class="perf {css}"><span class="symbol" aria-hidden="true">{symbol}</span> '
        f"{esc(label)}</span>"
    )
    if (
        as_written is not None
        and not pd.isna(as_written)
        and str(as_written).strip() not in ("", word)
    ):
        out += f'<br><span class="as-written">As written: {esc(as_written)}</span>'
    return out


def _box_sentence(row: pd.Series) -> str:
    parts = [f"{row['measures']} measure" + ("s" if row["measures"] != 1 else "")]
    kinds = []
    if row["targeted"]:
        kinds.append(f"{row['targeted']} targeted")
    if row["measured"]:
        kinds.append(f"{row['measured']} measured only")
    text = parts[0] + (": " + " and ".join(kinds) if kinds else "") + "."
    if row["targeted"]:
        of = []
        for col, words in (
            ("achieving", "achieving the target"),
            ("improving", "improving but not achieved"),
            ("not_achieving", "not achieving the target"),
            ("no_target", "with no target set"),
            ("no_data", "with no data"),
        ):
            if row[col]:
                of.append(f"{row[col]} {words}")
        text += " Of the targeted measures: " + (", ".join(of) or "none assessed") + "."
    return text


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
        missing = (
            ""
            if self.highlight is not None
            else f'<p class="notice">No highlight report was submitted for '
            f"{esc(self.pack.period.label)}; the measures below are computed from the data.</p>"
        )
        return Fragment(
            f'<nav class="breadcrumb" aria-label="Breadcrumb"><a href="../index.html">'
            f"{esc(self.pack.organisation)}: collated report</a></nav>"
            f'<p class="kicker">{esc(level)} highlight report &middot; '
            f"{esc(self.pack.period.long_label)}</p>"
            f"<h1>{esc(self.strategy['title'])}</h1>"
            f'<p class="lede">{esc(self.pack.dataset.framework.level("theme"))}: {esc(theme)}</p>'
            f'<p class="purpose">{esc(self.strategy.get("purpose"))}</p>{missing}'
            + table(rows, ("Role", "Name"), "Who is responsible for this report", css="people")
        )

    def narrative(self) -> Fragment:
        """Summary, how needs were established, and the agreed outcomes."""
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
        b = self.box
        rows = [
            (
                str(b["measures"]),
                str(b["targeted"]),
                str(b["measured"]),
                str(b["achieving"]),
                str(b["improving"]),
                str(b["not_achieving"]),
                str(b["no_data"]),
            )
        ]
        headers = (
            "Number of measures",
            "Targeted",
            "Measured only",
            "Achieving the target",
            "Improving but not achieved",
            "Not achieving the target",
            "No data",
        )
        return Fragment(
            '<h2 id="success">How is success measured?</h2>'
            f'<p class="box-sentence">{esc(_box_sentence(b))}</p>'
            + table(
                rows,
                headers,
                f"How is success measured? {self.pack.period.label}",
                css="count-box",
                numeric=range(7),
            )
            + '<p>The measures and their figures are in <a href="#appendix-a">Appendix A</a>.</p>'
        )

    def contracts(self) -> Fragment:
        """Key contracts, with Poor and Average performance marked by symbol and words."""
        c = self.pack.dataset.contracts_for(self.id, self.pack.period)
        head = (
            "<h2>Key contracts</h2><p>Contracts over £1m or of a politically sensitive nature.</p>"
        )
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
                status_badge(r["status"]),
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
            f'<p class="measure-meta">{status_badge(r["status"])} &middot; '
            f"{esc(polarity_words(r['polarity']).capitalize())} &middot; "
            f"{esc(str(r['frequency']).replace('_', ' '))} &middot; source: "
            f"{esc(r['source'], 'no figure')}</p>"
            f'<p class="sentence">{esc(r["sentence"])}</p>'
        )
        text += _comparison_line(r) + _last_year_line(r)
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


_VARIATION_SYMBOL = {
    "common_cause": "\u223c",
    "improvement_high": "\u25b2",
    "improvement_low": "\u25bc",
    "concern_high": "\u25b2",
    "concern_low": "\u25bc",
    "neutral_high": "\u25b2",
    "neutral_low": "\u25bc",
}
_ASSURANCE_SYMBOL = {"pass": "\u2714", "fail": "\u2718", "inconsistent": "\u21c5"}


def icon_badges(r: pd.Series | dict[str, Any]) -> str:
    """The two Making Data Count icons as symbol and words (never colour alone)."""
    from perfanalysis.spc import ASSURANCE_WORDS, VARIATION_WORDS

    v, a = r.get("variation_icon"), r.get("assurance_icon")
    out = ""
    if isinstance(v, str):
        kind = v.split("_")[0]
        out += (
            f'<span class="icon variation variation-{kind}"><span aria-hidden="true">'
            f"{_VARIATION_SYMBOL.get(v, '')}</span> Variation: {esc(VARIATION_WORDS[v])}</span>"
        )
    if isinstance(a, str):
        out += (
            f' <span class="icon assurance assurance-{a}"><span aria-hidden="true">'
            f"{_ASSURANCE_SYMBOL.get(a, '')}</span> Assurance: {esc(ASSURANCE_WORDS[a])}</span>"
        )
    elif isinstance(v, str):
        out += ' <span class="icon assurance assurance-none">Assurance: no target to judge</span>'
    return out


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _comparison_line(r: pd.Series) -> str:
    if pd.isna(r.get("rank")) or pd.isna(r.get("quartile")):
        return ""
    median = format_value(r["comparator_median"], r["unit"], r["decimals"])
    return (
        f'<p class="comparison">Compared with the {esc(r["comparator_group"])}: ranked '
        f"{_ordinal(int(r['rank']))} of {int(r['rank_of'])}, quartile {int(r['quartile'])} "
        f"(quartile 1 is the best); group median {esc(median)}.</p>"
    )


def _last_year_line(r: pd.Series) -> str:
    d = r.get("direction_last_year")
    if not isinstance(d, str) or r.get("last_year_period") == r.get("previous_period"):
        return ""
    value = format_value(r["last_year_actual"], r["unit"], r["decimals"])
    return (
        f'<p class="last-year">Same period last year ({esc(r["last_year_period"])}): '
        f"{esc(value)}; now {esc(d)}.</p>"
    )


class CollatedPage:
    """The collated highlight report: contents, overview, statuses, exceptions, data quality."""

    def __init__(self, pack: PackData) -> None:
        self.pack = pack
        s = pack.summary.set_index("strategy_id")
        self.summary = s.loc[pack.strategies].reset_index()
        h = pack.dataset.highlights
        h = h[h["period"] == pack.period.label].set_index("strategy_id")
        self.summary["rag"] = self.summary["strategy_id"].map(h["rag"]) if len(h) else None

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
        rows = [
            (
                f'<a href="strategies/{esc(r["strategy_id"])}.html">{esc(r["title"])}</a>',
                str(r["measures"]),
                str(r["targeted"]),
                str(r["measured"]),
                str(r["achieving"]),
                str(r["improving"]),
                str(r["not_achieving"]),
                str(r["no_data"]),
                rag_badge(r["rag"]),
            )
            for _, r in self.summary.iterrows()
        ]
        headers = (
            self.pack.dataset.framework.level("strategy"),
            "Measures",
            "Targeted",
            "Measured only",
            "Achieving",
            "Improving but not achieved",
            "Not achieving",
            "No data",
            "Commissioner's RAG",
        )
        return Fragment(
            "<h2>Overview</h2>"
            + table(
                rows,
                headers,
                f"How is success measured? Every strategy, {self.pack.period.label}",
                css="overview",
                numeric=range(1, 8),
            )
        )

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
                    status_badge(r["status"]),
                    esc(r["sentence"]),
                )
                for _, r in missed.iterrows()
            ]
            parts.append(
                table(
                    rows,
                    ("Measure", "Strategy", "Actual", "Target", "Status", "What the figures say"),
                    "Measures not achieving their target",
                    css="exceptions",
                )
            )
        poor = self.pack.poor_contracts()
        parts.append("<h3>Contracts rated Poor</h3>")
        if poor.empty:
            parts.append('<p class="none-given">No contract is rated Poor.</p>')
        else:
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
                    ("Service", "Provider", "Strategy", "Performance", "Corrective measures"),
                    "Contracts rated Poor",
                )
            )
        ra = self.summary[self.summary["rag"].isin(["Red", "Amber"])]
        parts.append("<h3>Strategies rated Red or Amber</h3>")
        if ra.empty:
            parts.append(
                '<p class="none-given">No strategy is rated Red or Amber by its commissioner.</p>'
            )
        else:
            rows = [
                (
                    f'<a href="strategies/{esc(r["strategy_id"])}.html">{esc(r["title"])}</a>',
                    rag_badge(r["rag"]),
                )
                for _, r in ra.iterrows()
            ]
            parts.append(
                table(rows, ("Strategy", "Commissioner's RAG"), "Strategies rated Red or Amber")
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
                    status_badge(r["status"]),
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
        if not rows:
            return Fragment("<h2>Making Data Count summary</h2>" + intro)
        return Fragment(
            "<h2>Making Data Count summary</h2>"
            + intro
            + table(
                rows,
                (
                    "Measure",
                    "Strategy",
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
        if t.empty:
            return Fragment(
                "<h2>What needs attention</h2><p>Nothing needs the board's attention: "
                "no missed and worsening measure, no special-cause concern, no "
                "failing assurance, no Poor contract and no Red strategy.</p>"
            )
        rows = [
            (str(i + 1), esc(r["item"]), esc(r["strategy"]), esc(r["reason"]))
            for i, r in enumerate(t.to_dict("records"))
        ]
        return Fragment(
            "<h2>What needs attention</h2><p>Ranked: missed and worsening measures first, then "
            "special-cause concerns, targets that cannot be met reliably, Poor contracts and Red "
            "strategies.</p>"
            + table(
                rows,
                ("Rank", "What", "Strategy", "Why"),
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


def attention_table(pack: PackData, summary: pd.DataFrame) -> pd.DataFrame:
    """What needs attention, ranked by kind; one row per item with the reason in words."""
    f = pack.figures[pack.figures["strategy_id"].isin(pack.strategies)]
    titles = dict(zip(summary["strategy_id"], summary["title"]))
    missed = f["status"].isin([Status.NOT_ACHIEVED.value, Status.IMPROVING.value])
    parts = []
    worsening = f[missed & (f["direction"] == "worse")]
    parts.append(
        worsening.assign(
            rank=1,
            reason=lambda d: (
                "Not achieved and worse than "
                + d["previous_period"].astype(str)
                + ": "
                + d["sentence"]
            ),
        )
    )
    concern = f[f["variation_icon"].astype(str).str.startswith("concern")]
    parts.append(
        concern.assign(
            rank=2,
            reason="Special-cause concern: the latest point is a "
            "signal of real change for the worse, not noise.",
        )
    )
    fail = f[f["assurance_icon"] == "fail"]
    parts.append(
        fail.assign(
            rank=3,
            reason="Assurance fail: the target lies beyond the process "
            "limits, so it will not be met without a change in the system.",
        )
    )
    rows = pd.concat(parts, ignore_index=True)
    out = pd.DataFrame(
        {
            "rank": rows["rank"],
            "item": rows["title"],
            "strategy": rows["strategy_id"].map(titles),
            "reason": rows["reason"],
        }
    )
    poor = pack.poor_contracts()
    out = pd.concat(
        [
            out,
            pd.DataFrame(
                {
                    "rank": 4,
                    "item": poor["service"] + " (" + poor["provider"] + ")",
                    "strategy": poor["strategy_id"].map(titles),
                    "reason": "Contract performance rated Poor; corrective measures: "
                    + poor["corrective_measures"].replace("", "none given"),
                }
            ),
        ],
        ignore_index=True,
    )
    red = (
        summary[summary.get("rag", pd.Series(dtype=object)) == "Red"]
        if "rag" in summary
        else summary.iloc[0:0]
    )
    out = pd.concat(
        [
            out,
            pd.DataFrame(
                {
                    "rank": 5,
                    "item": red["title"],
                    "strategy": red["title"],
                    "reason": "The commissioner rates this strategy Red.",
                }
            ),
        ],
        ignore_index=True,
    )
    return out.sort_values("rank", kind="stable").reset_index(drop=True)


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
