"""What an analyst sees at a notebook prompt: charts as inline SVG, objects as short summaries.

Charts: `show(chart)` (or `ds.chart(...)`, `ds.spc(...).chart()`) returns a `ChartView`, which
Jupyter, papermill and nbconvert display as inline SVG drawn in this process by vl-convert, with
no network and with its text alternative (`role="img"`, `<title>`, `<desc>`). The Altair chart
stays reachable (`.altair`, `.to_dict()`): the package's own charts are Vega-Lite specs, made
into an Altair chart only when `.altair` is read. `alt.renderers.enable("perfanalysis")` makes
every Altair chart display the same way (an entry point of this package registers it with
Altair). Nothing here imports Altair until an Altair chart is asked for: it costs a second.

Objects: the short text and compact HTML summaries of `Dataset`, `Framework` and `SPCResult`
(their `__repr__` and `_repr_html_` call the functions here).
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import altair as alt

    from perfanalysis.dataset import Dataset
    from perfanalysis.framework import Framework
    from perfanalysis.spc import SPCResult

__all__ = [
    "ChartView",
    "show",
    "lab_style",
    "dataset_text",
    "dataset_html",
    "framework_text",
    "spc_text",
]

_FREQUENCY = {
    "month": "monthly",
    "quarter": "quarterly",
    "financial_year": "annual",
    "academic_year": "academic year",
    "calendar_year": "calendar year",
    "date": "date",
    "range": "range",
}


# --------------------------------------------------------------------------- charts
class ChartView:
    """A chart that displays itself as inline, accessible SVG, offline.

    Made from a Vega-Lite spec (the package's own charts: no Altair needed) or an Altair chart.
    `.altair` is the Altair chart (change it, then `pa.show` it again); `.to_dict()` its Vega-Lite
    spec; `.svg` the markup; `.description` its text alternative; `.save(path)` writes the SVG.
    """

    def __init__(
        self, chart: alt.TopLevelMixin | dict[str, Any], chart_id: str | None = None
    ) -> None:
        self._spec: dict[str, Any] | None = None
        self._altair: alt.TopLevelMixin | None = None
        if isinstance(chart, dict):
            self._spec = chart
        else:
            _register()
            self._altair = chart
        self._chart_id = chart_id
        self._svg: str | None = None

    @property
    def altair(self) -> alt.TopLevelMixin:
        """The Altair chart (built from the spec on first use: importing Altair takes a second)."""
        if self._altair is None:
            import altair as alt

            _register()
            self._altair = alt.LayerChart.from_dict(copy.deepcopy(self._spec), validate=False)
        return self._altair

    @altair.setter
    def altair(self, chart: alt.TopLevelMixin) -> None:
        self._altair, self._spec, self._svg = chart, None, None

    def _plain(self) -> dict[str, Any]:
        return self._spec if self._spec is not None else self.altair.to_dict(validate=False)

    def to_dict(self, **options: Any) -> dict[str, Any]:
        """The chart's Vega-Lite specification (what the tests and Altair read)."""
        if self._spec is not None:
            return copy.deepcopy(dict(self._spec))
        return self.altair.to_dict(**options)

    @property
    def title(self) -> str:
        return _title_text(self._plain().get("title", ""))

    @property
    def description(self) -> str:
        """The text alternative: what the chart shows, with its figures."""
        return str(self._plain().get("description", ""))

    @property
    def chart_id(self) -> str:
        if self._chart_id is None:
            spec = json.dumps(self._plain(), sort_keys=True, default=str)
            self._chart_id = "chart-" + hashlib.sha256(spec.encode()).hexdigest()[:10]
        return self._chart_id

    @property
    def svg(self) -> str:
        """The chart as `<svg role="img">` with `<title>` and `<desc>`, drawn once."""
        if self._svg is None:
            from perfanalysis.charts import svg_from_spec

            self._svg = svg_from_spec(self._plain(), self.chart_id)
        return self._svg

    def save(self, path: str | Path) -> Path:
        """Write the chart as an SVG file (open it in a browser or insert it in a document)."""
        path = Path(path)
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            + self.svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
            if 'xmlns="' not in self.svg.split(">", 1)[0]
            else self.svg,
            encoding="utf-8",
        )
        return path

    def _repr_html_(self) -> str:
        return f'<figure class="chart">{self.svg}</figure>'

    def __repr__(self) -> str:
        desc = self.description
        if len(desc) > 160:
            desc = desc[:157] + "..."
        return f"<Chart {self.title!r}: {desc}>" if desc else f"<Chart {self.title!r}>"


def show(
    chart: alt.TopLevelMixin | ChartView | dict[str, Any], description: str | None = None
) -> ChartView:
    """Display any Altair chart (or Vega-Lite spec) offline as inline SVG, with a text alternative.

    `description` (what the chart shows, in words) becomes the chart's `<desc>`, read by screen
    readers; give one for every chart a published page keeps. Returns a `ChartView`.

    Example::

        chart = alt.Chart(ds.history("LA-05")).mark_line().encode(x="period:O", y="actual:Q")
        pa.show(chart, "Pupils achieving the standard, 2013/14 to 2017/18")
    """
    if isinstance(chart, ChartView):
        chart = chart._spec if chart._spec is not None else chart.altair
    if isinstance(chart, dict):
        return ChartView({**chart, "description": description} if description else chart)
    if description:
        chart = chart.properties(description=description)
    return ChartView(chart)


def _renderer(spec: dict[str, Any], **metadata: Any) -> dict[str, str]:
    """Altair renderer "perfanalysis": inline SVG with its text alternative, offline."""
    from perfanalysis.charts import svg_from_spec

    text = json.dumps(spec, sort_keys=True, default=str)
    chart_id = "chart-" + hashlib.sha256(text.encode()).hexdigest()[:10]
    title = _title_text(spec.get("title", ""))
    return {
        "text/html": f'<figure class="chart">{svg_from_spec(spec, chart_id)}</figure>',
        "text/plain": f"<Chart {title!r}>",
    }


def _register() -> None:
    """Make `alt.renderers.enable("perfanalysis")` work even where the package's entry point
    (pyproject.toml, group altair.vegalite.v6.renderer) is not installed."""
    import altair as alt

    if "perfanalysis" not in alt.renderers.names():
        alt.renderers.register("perfanalysis", _renderer)


def _title_text(title: Any) -> str:
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title)


# --------------------------------------------------------------------------- objects
def _counts(ds: Dataset) -> list[tuple[str, int]]:
    fw = ds.framework
    return [
        (_plural(fw, "theme").lower(), len(fw.themes)),
        (_plural(fw, "strategy").lower(), len(fw.strategies)),
        (_plural(fw, "outcome").lower(), len(fw.outcomes)),
        (_plural(fw, "measure").lower(), len(fw.measures)),
        ("actuals", len(ds.actuals)),
        ("targets", len(ds.targets)),
        ("highlight reports", len(ds.highlights)),
        ("contracts", len(ds.contracts)),
        ("benchmarks", len(ds.benchmarks)),
        ("rebases", len(ds.rebases)),
    ]


def _plural(fw: Framework, level: str) -> str:
    """The council's word for a level, in the plural ('Commissioning strategies')."""
    word = fw.level(level)
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word if word.endswith("s") else word + "s"


def _levels(fw: Framework) -> str:
    return " > ".join(fw.level(n) for n in ("theme", "strategy", "outcome", "measure"))


def _span(ds: Dataset) -> str:
    p = ds.periods
    p = p[p["actuals"] > 0]
    if p.empty:
        return "no actuals"
    kinds = p["frequency"].value_counts()
    what = ", ".join(f"{n} {k}" for k, n in kinds.items())
    return f"{p['period'].iloc[0]} to {p['period'].iloc[-1]} ({what} periods with actuals)"


def _strategy_lines(fw: Framework) -> pd.DataFrame:
    per = fw.measures.groupby("strategy_id").size()
    s = fw.strategies[["strategy_id", "title"]].copy()
    s["measures"] = s["strategy_id"].map(per).fillna(0).astype("int64")
    return s


def framework_text(fw: Framework, limit: int = 20) -> str:
    """A Framework in a few lines: its levels, counts and a line per strategy."""
    lines = [
        f"<Framework: {_levels(fw)}>",
        f"  {len(fw.themes)} {_plural(fw, 'theme').lower()}, "
        f"{len(fw.strategies)} {_plural(fw, 'strategy').lower()}, "
        f"{len(fw.outcomes)} {_plural(fw, 'outcome').lower()}, "
        f"{len(fw.measures)} {_plural(fw, 'measure').lower()}",
    ]
    return "\n".join(lines + _strategy_text(fw, limit))


def _strategy_text(fw: Framework, limit: int) -> list[str]:
    s = _strategy_lines(fw)
    width = int(s["strategy_id"].str.len().max()) if len(s) else 0
    out = [f"  {_plural(fw, 'strategy')}:"]
    out += [
        f"    {sid:<{width}}  {_short(title, 60)} ({n} measures)"
        for sid, title, n in s.head(limit).itertuples(index=False)
    ]
    if len(s) > limit:
        out.append(f"    ... and {len(s) - limit} more (ds.framework.strategies lists them)")
    return out


def _short(text: Any, width: int) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 3] + "..."


def dataset_text(ds: Dataset, limit: int = 20) -> str:
    """A Dataset in a few lines: organisation, levels, periods covered, counts, strategies."""
    counts = ", ".join(f"{n:,} {name}" for name, n in _counts(ds))
    lines = [
        f"<Dataset: {ds.organisation}>",
        f"  levels: {_levels(ds.framework)}",
        f"  periods: {_span(ds)}",
        f"  tables: {counts}",
        f"  from: {ds.path}",
    ]
    return "\n".join(lines + _strategy_text(ds.framework, limit))


def _html_strategies(fw: Framework) -> str:
    s = _strategy_lines(fw)
    rows = "".join(
        f"<tr><td><code>{html.escape(str(sid))}</code></td><td>{html.escape(str(t))}</td>"
        f"<td>{n}</td></tr>"
        for sid, t, n in s.itertuples(index=False)
    )
    word = html.escape(_plural(fw, "strategy"))
    return (
        f"<details><summary>{len(s)} {word.lower()}</summary>"
        f'<table style="text-align:left"><thead><tr><th>id</th><th>title</th><th>measures</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></details>"
    )


def dataset_html(ds: Dataset) -> str:
    """A Dataset as a compact HTML summary (a Jupyter cell that ends with `ds` shows it)."""
    counts = ", ".join(f"{n:,} {html.escape(name)}" for name, n in _counts(ds))
    return (
        '<div class="perfanalysis-repr" style="text-align:left">'
        f"<strong>Dataset</strong>: {html.escape(ds.organisation)}<br>"
        f"levels: {html.escape(_levels(ds.framework))}<br>"
        f"periods: {html.escape(_span(ds))}<br>"
        f"tables: {counts}<br>"
        f"from: <code>{html.escape(str(ds.path))}</code>"
        f"{_html_strategies(ds.framework)}</div>"
    )


def framework_html(fw: Framework) -> str:
    """A Framework as a compact HTML summary."""
    counts = ", ".join(
        f"{len(frame)} {html.escape(_plural(fw, level).lower())}"
        for level, frame in (
            ("theme", fw.themes),
            ("strategy", fw.strategies),
            ("outcome", fw.outcomes),
            ("measure", fw.measures),
        )
    )
    return (
        '<div class="perfanalysis-repr" style="text-align:left">'
        f"<strong>Framework</strong>: {html.escape(_levels(fw))}<br>{counts}"
        f"{_html_strategies(fw)}</div>"
    )


def spc_text(result: SPCResult) -> str:
    """An SPC result in a few lines: points, icons in words, the latest limits, warnings."""
    p = result.points
    about = dict(getattr(result, "measure", None) or {})
    name = f" {about['title']!r}" if about.get("title") else ""
    latest = result.summary.iloc[-1] if len(result.summary) else None
    lines = [
        f"<SPCResult{name}: {len(p)} points"
        + (f", {p.index[0]} to {p.index[-1]}>" if len(p) else ">"),
        f"  variation: {result.variation_words}",
    ]
    if result.assurance_icon is not None:
        lines.append(f"  assurance: {result.assurance_words}")
    if latest is not None:
        lines.append(
            f"  mean {latest['mean']:.4g}, process limits {latest['lpl']:.4g} to "
            f"{latest['upl']:.4g} (over {int(latest['n'])} points)"
            + (f"; target {result.target:.4g}" if result.target is not None else "")
        )
    special = int((p["point_type"] != "common_cause").sum()) if len(p) else 0
    lines.append(f"  {special} special-cause points; .points has every point, .chart() draws it")
    lines += [f"  warning: {w}" for w in result.warnings]
    return "\n".join(lines)


def spc_html(result: SPCResult) -> str:
    """An SPC result as a compact HTML summary."""
    text = spc_text(result).splitlines()
    head, rest = text[0], text[1:]
    return (
        '<div class="perfanalysis-repr" style="text-align:left">'
        f"<strong>{html.escape(head.strip('<>'))}</strong><br>"
        + "<br>".join(html.escape(line.strip()) for line in rest)
        + "</div>"
    )


# --------------------------------------------------------------------------- the lab
#: Shown by the shipped notebooks' first lab-only cell (never published). JupyterLab centres
#: tables and right-aligns every cell; a pack's tables read left to right, numbers on the right.
#: Links to other files of the pack (strategies/*.html, figures.csv, ../index.html) exist only
#: in a published pack: in the lab they are shown as inert text, marked as such.
_LAB_CSS = """
.jp-RenderedHTMLCommon .table-wrap table { margin-left: 0; margin-right: auto; }
.jp-RenderedHTMLCommon .table-wrap th, .jp-RenderedHTMLCommon .table-wrap td {
  text-align: left; vertical-align: top; }
.jp-RenderedHTMLCommon .table-wrap th.num, .jp-RenderedHTMLCommon .table-wrap td.num {
  text-align: right; }
.jp-RenderedHTMLCommon a[href$=".html"]:not([href*=":"]),
.jp-RenderedHTMLCommon a[href$=".csv"]:not([href*=":"]),
.jp-RenderedHTMLCommon a[href$=".pdf"]:not([href*=":"]) {
  pointer-events: none; cursor: default; color: inherit; text-decoration: none; }
.jp-RenderedHTMLCommon a[href$=".html"]:not([href*=":"])::after,
.jp-RenderedHTMLCommon a[href$=".csv"]:not([href*=":"])::after,
.jp-RenderedHTMLCommon a[href$=".pdf"]:not([href*=":"])::after {
  content: " (a link in the published pack)"; font-size: smaller; color: #505a5f; }
"""


class _LabStyle:
    """A <style> for JupyterLab only: see `lab_style`."""

    def _repr_html_(self) -> str:
        return f"<style>{_LAB_CSS}</style>"

    def __repr__(self) -> str:
        return "perfanalysis lab style: tables left-aligned, links to pack files inert"


def lab_style() -> _LabStyle:
    """Make the page sections read in JupyterLab as they do in the published pack.

    JupyterLab centres tables and right-aligns their cells, and a link to another file of the
    pack (a strategy page, figures.csv) leads nowhere in the lab. Displaying this (the shipped
    notebooks do, in a cell tagged ``lab-only`` that is never published) left-aligns the pack's
    tables, keeps number columns on the right, and shows those links as inert text. It changes
    nothing in a published page.

    Example::

        from perfanalysis.display import lab_style
        lab_style()
    """
    return _LabStyle()
