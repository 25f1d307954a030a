"""Chart builders (Vega-Lite specs) and their offline rendering as accessible inline SVG.

Builders return a Vega-Lite spec, a plain dict built from the frame's columns (a `Spec`, which
also answers `.to_dict()`; `.to_altair()` gives the Altair chart), and never render; `to_svg`
turns one into an `<svg role="img">` with a `<title>` and `<desc>` that state the figures, drawn
by vl-convert in this process (no browser, no CDN, no per-chart process). The specs are the ones
Altair would write for the same charts, key for key, so the SVG is the same; but Altair is never
imported to build or draw them: importing it costs about a second, and building a chart with it
and turning it into a dict took two thirds of a chart's time. Colours come from the Government
Analysis Function's accessible palette; status is always carried by a marker shape as well as
colour.

Below the builders: which charts a pack shows, drawn once per run (`render_charts`).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import html
import json
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from perfanalysis.narrative import format_value
from perfanalysis.periods import Period
from perfanalysis.status import Status

if TYPE_CHECKING:
    from concurrent.futures import Executor

    import altair as alt

    from perfanalysis.report import PackData

__all__ = [
    "PALETTE",
    "STATUS_STYLE",
    "measure_chart",
    "status_chart",
    "xmr_chart",
    "to_svg",
    "svg_from_spec",
    "records",
    "Spec",
]

#: Government Analysis Function categorical palette (dark blue, turquoise, dark pink, orange, grey).
PALETTE = {
    "dark_blue": "#12436D",
    "turquoise": "#28A197",
    "dark_pink": "#801650",
    "orange": "#F46A25",
    "dark_grey": "#3D3D3D",
    "light_purple": "#A285D1",
    "band": "#DCE8F2",
}
#: Colours that draw data (lines, points, bars, axis lines): each at least 3:1 against white.
MARK_COLOURS = {
    "actual": PALETTE["dark_blue"],
    "target": PALETTE["orange"],
    "axis": "#6F777B",
}
#: Colours of chart text (titles, labels, legends): each at least 4.5:1 against white.
TEXT_COLOURS = {"title": "#0B0C0C", "label": "#3D3D3D"}
#: A background tint, not a mark: the tolerance band, whose meaning is stated in the chart's key
#: and its text alternative, and whose edges are the target line.
BAND_TINT = PALETTE["band"]
#: Status -> (colour with at least 3:1 contrast on white, Vega marker shape).
STATUS_STYLE: dict[str, tuple[str, str]] = {
    Status.ACHIEVED.value: ("#12436D", "circle"),
    Status.WITHIN_TOLERANCE.value: ("#12436D", "diamond"),
    Status.IMPROVING.value: ("#A34400", "triangle-up"),
    Status.NOT_ACHIEVED.value: ("#801650", "cross"),
    Status.MEASURED.value: ("#3D3D3D", "square"),
    Status.NO_TARGET.value: ("#3D3D3D", "square"),
    Status.NO_DATA.value: ("#3D3D3D", "square"),
}
_FONT = "Liberation Sans, Arial, sans-serif"


#: The Vega-Lite schema the specs are written for (the version vl-convert renders and Altair 6
#: writes): a spec built here equals what the same chart built with Altair gives as a dict.
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"


class Spec(dict):
    """A Vega-Lite spec (a plain dict) that also answers `.to_dict()` like an Altair chart."""

    def to_dict(self, **_options: Any) -> dict[str, Any]:
        """A deep copy of the spec (options such as `validate` are accepted and ignored)."""
        return copy.deepcopy(dict(self))

    def to_altair(self) -> alt.TopLevelMixin:
        """The same chart as an Altair object (imports Altair: seconds, once per process)."""
        import altair as alt

        return alt.LayerChart.from_dict(self.to_dict(), validate=False)


def _config() -> dict[str, Any]:
    """The charts' shared look: fonts, text colours, no view border (Vega-Lite `config`)."""
    return {
        "view": {"continuousWidth": 300, "continuousHeight": 300, "stroke": None},
        "font": _FONT,
        "axis": {
            "labelColor": TEXT_COLOURS["label"],
            "titleColor": TEXT_COLOURS["title"],
            "gridColor": "#E5E5E5",
            "domainColor": MARK_COLOURS["axis"],
            "tickColor": MARK_COLOURS["axis"],
            "labelFontSize": 12,
            "titleFontSize": 12,
        },
        "legend": {
            "labelColor": TEXT_COLOURS["title"],
            "titleColor": TEXT_COLOURS["title"],
            "labelFontSize": 12,
            "titleFontSize": 12,
        },
        "title": {
            "fontSize": 15,
            "anchor": "start",
            "color": TEXT_COLOURS["title"],
            "subtitleFontSize": 12,
            "subtitleColor": TEXT_COLOURS["title"],
        },
    }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-ready records, column by column (as Altair sanitises a frame).

    Numbers become Python numbers with NaN and infinities as None, dates full ISO strings
    (midnight included: Vega reads a date-only string as UTC), text and categories strings or
    None; each column is converted in one vectorised step.
    """
    columns = []
    for name in frame.columns:
        col = frame[name]
        dtype = col.dtype
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
            whole = not isinstance(dtype, pd.DatetimeTZDtype) and not (
                col.dt.microsecond.fillna(0).any() or col.dt.nanosecond.fillna(0).any()
            )
            if whole:  # Timestamp.isoformat() of a time in whole seconds, for every row at once
                values = col.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("").to_numpy(dtype=object)
            else:
                values = col.map(lambda x: x.isoformat()).replace("NaT", "").to_numpy(dtype=object)
        elif pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.BooleanDtype):
            values = col.to_numpy(dtype=object)
        elif isinstance(dtype, np.dtype) and np.issubdtype(dtype, np.integer):
            values = col.to_numpy(dtype=object)
        elif isinstance(dtype, np.dtype) and np.issubdtype(dtype, np.floating):
            arr = col.to_numpy()
            values = arr.astype(object)
            values[~np.isfinite(arr)] = None
        else:  # text, categories, nullable numbers and booleans, objects
            values = col.to_numpy(dtype=object, na_value=None)
        columns.append(values.tolist())
    names = [str(c) for c in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _dataset_name(values: list[dict[str, Any]]) -> str:
    """A dataset's name from the hash of its values (as Altair names it: same data, same name)."""
    if values == [{}]:
        return "empty"
    text = json.dumps(values, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _layered(layers: list[tuple[pd.DataFrame, dict[str, Any]]], **top: Any) -> Spec:
    """A layered spec: each (frame, layer) draws `frame`; each frame's values go in `datasets`
    once, and when every layer draws the same frame it is named once at the top."""
    datasets: dict[str, list[dict[str, Any]]] = {}
    names: dict[int, str] = {}
    for frame, _ in layers:
        if id(frame) not in names:
            values = records(frame)
            names[id(frame)] = _dataset_name(values)
            datasets[names[id(frame)]] = values
    shared = len({id(frame) for frame, _ in layers}) == 1
    spec: dict[str, Any] = {"$schema": SCHEMA_URL, "config": _config()}
    if shared:
        spec["data"] = {"name": names[id(layers[0][0])]}
    spec["datasets"] = datasets
    spec["layer"] = [
        layer if shared else {"data": {"name": names[id(frame)]}, **layer}
        for frame, layer in layers
    ]
    spec.update(top)
    return Spec(spec)


def _field(shorthand: str, **options: Any) -> dict[str, Any]:
    """An encoding from Altair-style shorthand: "actual:Q" -> field and type, then `options`."""
    field, _, kind = shorthand.partition(":")
    out: dict[str, Any] = {"field": field}
    if kind:
        out["type"] = _TYPES[kind]
    return {**out, **options}


_TYPES = {"Q": "quantitative", "O": "ordinal", "N": "nominal", "T": "temporal"}


def measure_chart(history: pd.DataFrame, figure: pd.Series | dict[str, Any]) -> Spec:
    """A measure over time: actual line, target line, tolerance band, the current point by status.

    `history` has one row per period (period, end, actual, target, tolerance), oldest first, as
    `Dataset.history` gives it; `figure` is the measure's row of `assess()` output. Returns the
    Vega-Lite spec (`Spec.to_altair()` gives the Altair chart).
    """
    f = dict(figure)
    unit, decimals = f.get("unit", "count"), f.get("decimals")
    h = history.copy()
    h = h[h["end"] <= pd.Timestamp(_period_end(f, h))] if len(h) else h
    h["period"] = h["period"].astype(str)
    order = list(h["period"])
    sign = {"higher": -1, "lower": 1}.get(f.get("polarity"), 0)
    h["band_low"] = h["target"] + (h["tolerance"].fillna(0) * sign).clip(upper=0)
    h["band_high"] = h["target"] + (h["tolerance"].fillna(0) * sign).clip(lower=0)
    h["actual_text"] = [format_value(v, unit, decimals) for v in h["actual"]]
    h["target_text"] = [format_value(v, unit, decimals) for v in h["target"]]
    if f.get("cumulative") is True or f.get("cumulative") == 1:
        return _year_paths(h, f)
    x = _field("period:O", sort=order, title=None, axis={"labelAngle": -45, "labelOverlap": True})
    y_title = {"percent": "Per cent", "days": "Days", "gbp": "£", "milestone": "% complete"}.get(
        unit, unit.replace("_", " ").replace("rate per", "Rate per").capitalize()
    )
    layers: list[tuple[pd.DataFrame, dict[str, Any]]] = []
    if h["tolerance"].notna().any():
        layers.append((h, {
            "mark": {"type": "area", "color": BAND_TINT, "opacity": 1, "interpolate": "step"},
            "encoding": {"x": x, "y": _field("band_low:Q"), "y2": {"field": "band_high"}},
            "transform": [
                {"filter": "isValid(datum.band_low) && datum.band_high != datum.band_low"}
            ],
        }))  # fmt: skip
    if h["target"].notna().any():
        layers.append((h, {
            "mark": {"type": "line", "color": MARK_COLOURS["target"], "strokeDash": [6, 4],
                     "strokeWidth": 2, "interpolate": "step"},
            "encoding": {"x": x, "y": _field("target:Q", title=y_title)},
            "transform": [{"filter": "isValid(datum.target)"}],
        }))  # fmt: skip
    layers.append((h, {
        "mark": {"type": "line", "color": MARK_COLOURS["actual"], "strokeWidth": 2,
                 "point": {"filled": True, "size": 30, "color": MARK_COLOURS["actual"]}},
        "encoding": {"x": x, "y": _field("actual:Q", title=y_title, scale={"zero": False})},
        "transform": [{"filter": "isValid(datum.actual)"}],
    }))  # fmt: skip
    has_ci = "ci95_lower" in h.columns and bool(h["ci95_lower"].notna().any())
    if has_ci:  # the 95% confidence interval, where the period has a numerator and denominator
        layers.append((h, {
            "mark": {"type": "rule", "color": MARK_COLOURS["actual"], "strokeWidth": 1.5},
            "encoding": {"x": x, "y": _field("ci95_lower:Q"), "y2": {"field": "ci95_upper"}},
            "transform": [{"filter": "isValid(datum.ci95_lower)"}],
        }))  # fmt: skip
    status = f.get("status", Status.NO_DATA.value)
    colour, shape = STATUS_STYLE.get(status, STATUS_STYLE[Status.NO_DATA.value])
    current = h[h["period"] == str(f.get("period"))]
    if len(current) and pd.notna(current["actual"].iloc[0]):
        layers.append((current, {
            "mark": {"type": "point", "shape": shape, "size": 220, "filled": True,
                     "color": colour, "stroke": "#FFFFFF", "strokeWidth": 1},
            "encoding": {"x": x, "y": _field("actual:Q")},
        }))  # fmt: skip
    return _layered(
        layers,
        width=400,
        height=220,  # narrow enough to stay legible when a phone scales it down
        title={
            "text": _wrap(str(f.get("title", "")), 52),
            "subtitle": [
                _subtitle(f),
                *_key(h["target"].notna().any(), h["tolerance"].notna().any()),
                *(["Vertical bars: 95% confidence interval."] if has_ci else []),
            ],
        },
        description=chart_description(h, f),
    )


def _year_paths(h: pd.DataFrame, f: dict[str, Any]) -> Spec:
    """A year-to-date measure: one line per financial year (the last three), Q1 to Q4.

    Its figures restart each April, so years are drawn side by side, not joined end to end; this
    year's year-to-date target is the dashed line.
    """
    parsed = {label: Period.parse(label) for label in pd.unique(h["period"])}
    h = h.assign(
        year=h["period"].map({k: Period.financial_year(p.fy).label for k, p in parsed.items()}),
        step=h["period"].map({k: k.split()[0] for k, p in parsed.items()}),
        order=h["period"].map({k: (p.start.month - 4) % 12 for k, p in parsed.items()}),
    )
    current = Period.parse(str(f.get("period"))) if f.get("period") in parsed else None
    years = sorted(h.loc[h["actual"].notna(), "year"].unique(), key=lambda y: Period.parse(y))
    h = h[h["year"].isin(years[-3:])]
    steps = list(h.sort_values("order")["step"].drop_duplicates())
    x = _field("step:O", sort=steps, title=None, axis={"labelAngle": 0})
    y = _field("actual:Q", title=f.get("unit", "").replace("_", " ").capitalize() or None)
    shapes = ["circle", "square", "triangle-up"]
    colours = [PALETTE["dark_grey"], PALETTE["turquoise"], PALETTE["dark_blue"]]
    shown = [str(s) for s in years[-3:]]
    layers: list[tuple[pd.DataFrame, dict[str, Any]]] = [(h, {
        "mark": {"type": "line", "strokeWidth": 2, "point": True},
        "encoding": {
            "x": x,
            "y": y,
            "color": _field("year:N", sort=shown, title="Financial year",
                            scale={"domain": shown, "range": colours[-len(shown):]}),
            "shape": _field("year:N", sort=shown,
                            scale={"domain": shown, "range": shapes[-len(shown):]}),
        },
        "transform": [{"filter": "isValid(datum.actual)"}],
    })]  # fmt: skip
    this_year = h[h["year"] == (Period.financial_year(current.fy).label if current else "")]
    if this_year["target"].notna().any():
        layers.append((this_year, {
            "mark": {"type": "line", "color": MARK_COLOURS["target"], "strokeDash": [6, 4],
                     "strokeWidth": 2},
            "encoding": {"x": x, "y": _field("target:Q")},
            "transform": [{"filter": "isValid(datum.target)"}],
        }))  # fmt: skip
    status = f.get("status", Status.NO_DATA.value)
    colour, shape = STATUS_STYLE.get(status, STATUS_STYLE[Status.NO_DATA.value])
    now = h[h["period"] == str(f.get("period"))]
    if len(now) and pd.notna(now["actual"].iloc[0]):
        layers.append((now, {
            "mark": {"type": "point", "shape": shape, "size": 220, "filled": True,
                     "color": colour, "stroke": "#FFFFFF"},
            "encoding": {"x": x, "y": _field("actual:Q")},
        }))  # fmt: skip
    key = "Key: one line and marker shape per financial year (year to date); dashed line, "
    return _layered(
        layers,
        width=400,
        height=220,
        title={
            "text": _wrap(str(f.get("title", "")), 52),
            "subtitle": [_subtitle(f), key + "this year's target;", "large marker, this period."],
        },
        description=chart_description(h, f)
        + " Year-to-date figures: each financial year is drawn as its own line.",
    )


def _period_end(f: dict[str, Any], h: pd.DataFrame) -> pd.Timestamp:
    rows = h[h["period"].astype(str) == str(f.get("period"))]
    return rows["end"].iloc[0] if len(rows) else h["end"].max()


def _wrap(text: str, width: int = 70) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return lines + [line] if line else lines or [""]


def _subtitle(f: dict[str, Any]) -> str:
    status = Status(f.get("status", Status.NO_DATA.value))
    return f"{f.get('period')}: {status.symbol} {f.get('status_label') or status.label}"


def _key(target: bool, tolerance: bool) -> list[str]:
    """The chart's key in words (one or two lines), so no line is told apart by colour alone."""
    parts = ["Key: solid line, actual"]
    if target:
        parts.append("dashed line, target")
    if tolerance:
        parts.append("shaded band, tolerance")
    parts.append("large marker, this period.")
    if len(parts) <= 2:
        return ["; ".join(parts)]
    return ["; ".join(parts[:2]) + ";", "; ".join(parts[2:])]


def chart_description(h: pd.DataFrame, f: dict[str, Any]) -> str:
    """The text alternative of a measure chart: what it shows and its figures."""
    unit, d = f.get("unit", "count"), f.get("decimals")
    with_data = h[h["actual"].notna()]
    if with_data.empty:
        return f"Chart of {f.get('title')}: there are no figures to plot."
    points = "; ".join(
        f"{p} {format_value(v, unit, d)}"
        for p, v in zip(with_data["period"], with_data["actual"], strict=True)
    )
    text = (
        f"Line chart of {f.get('title')} from {with_data['period'].iloc[0]} to "
        f"{with_data['period'].iloc[-1]}. Actuals: {points}."
    )
    targets = h[h["target"].notna()]
    if len(targets) > 1:
        text += (
            " Targets: "
            + "; ".join(
                f"{p} {format_value(v, unit, d)}"
                for p, v in zip(targets["period"], targets["target"], strict=True)
            )
            + "."
        )
    if pd.notna(f.get("target")):
        text += f" Target for {f.get('period')}: {format_value(f.get('target'), unit, d)}"
        if pd.notna(f.get("tolerance")):
            text += f", with a tolerance of {format_value(f.get('tolerance'), unit, d)}"
        text += "."
    if "ci95_lower" in h.columns and h["ci95_lower"].notna().any():
        ci = h[h["ci95_lower"].notna()]
        text += (
            " 95% confidence intervals (vertical bars): "
            + "; ".join(
                f"{p} {format_value(lo, unit, d)} to {format_value(hi, unit, d)}"
                for p, lo, hi in zip(ci["period"], ci["ci95_lower"], ci["ci95_upper"], strict=True)
            )
            + "."
        )
    status = Status(f.get("status", Status.NO_DATA.value))
    return text + f" Status: {f.get('status_label') or status.label}."


def status_chart(summary: pd.DataFrame, words: str = "achieved") -> Spec:
    """Stacked bars: how many measures of each strategy have each status, in the council's words."""
    judged = ["Achieving", "Improving but not achieved", "Not achieved"]
    keys = ["achieving", "improving", "not_achieving"]
    if words == "rag":
        judged, keys = ["Green", "Amber (within tolerance)", "Red"], ["green", "amber", "red"]
    columns = {
        keys[0]: (judged[0], "#12436D"),
        keys[1]: (judged[1], "#A34400"),
        keys[2]: (judged[2], "#801650"),
        "measured": ("Measured (no target)", "#3D3D3D"),
        "no_data": ("No data", "#A285D1"),
        "no_target": ("No target set", "#707070"),
    }
    rows = summary.melt(
        id_vars=["title"], value_vars=list(columns), var_name="status", value_name="count"
    )
    rows = rows[rows["count"] > 0].copy()
    rows["status_label"] = rows["status"].map({k: v[0] for k, v in columns.items()})
    rows["stack"] = rows["status"].map({k: i for i, k in enumerate(columns)})  # as in the key
    # Each strategy's name above its bar (no label column beside the bars), so the chart is
    # narrow enough to stay legible on a phone; long names take two lines.
    names = pd.DataFrame({"title": summary["title"].astype(str)})
    lines = [_wrap(t, 52) for t in names["title"]]
    names["upper"] = [ln[0] if len(ln) > 1 else "" for ln in lines]  # first of two lines
    names["lower"] = [" ".join(ln[1:]) if len(ln) > 1 else ln[0] for ln in lines]  # just above
    step = 62 if any(names["upper"]) else 46
    y = _field("title:N", sort=list(names["title"]), axis=None, title=None)
    labels = [v[0] for v in columns.values()]
    colours = [v[1] for v in columns.values()]
    described = "; ".join(
        f"{r.title}: "
        + ", ".join(f"{int(r[c])} {columns[c][0].lower()}" for c in columns if r[c] > 0)
        for _, r in summary.iterrows()  # one row per strategy: presentation only
    )
    bars = {
        "mark": {"type": "bar", "stroke": "#FFFFFF", "strokeWidth": 1, "size": 18,
                 "yOffset": step / 2 - 13},
        "encoding": {
            "y": y,
            "x": {"aggregate": "sum", "field": "count", "type": "quantitative",
                  "title": "Number of measures", "axis": {"tickMinStep": 1}},
            "color": _field("status_label:N", title="Status",
                            scale={"domain": labels, "range": colours},
                            legend={"orient": "bottom", "columns": 2}),
            "order": _field("stack:Q"),
        },
    }  # fmt: skip
    text = [
        (names, {
            "mark": {"type": "text", "align": "left", "baseline": "bottom", "dy": dy,
                     "fontSize": 12, "color": TEXT_COLOURS["title"]},
            "encoding": {"y": y, "x": {"value": 0}, "text": _field(f"{field}:N")},
        })
        for field, dy in (("lower", step / 2 - 25), ("upper", step / 2 - 39))
    ]  # fmt: skip
    return _layered(
        [(rows, bars), *text],
        width=340,
        height={"step": step},
        title={
            "text": "Measures by status and strategy",
            "subtitle": [
                "Each bar is split by status, in the order of the key below.",
                "The same figures are in the Overview table.",
            ],
        },
        description="Bar chart of the number of measures by status for each strategy. " + described,
    )


_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")


def to_svg(chart: dict[str, Any] | alt.TopLevelMixin, chart_id: str) -> str:
    """Render a chart to inline SVG with role="img", a <title> and a <desc> (offline, no browser).

    `chart` is a spec from the builders here, or any Altair chart. vl-convert drops the chart's
    description; it is put back as <desc>, and the svg is named by both, so a screen reader
    reads the figures. `chart_id` makes the element ids stable.
    """
    if not isinstance(chart, dict):
        chart = chart.to_dict(validate=False)  # an Altair chart
    return svg_from_spec(chart, chart_id)


#: The fontconfig file that names no font folder but its own (empty): see `use_own_fonts`.
OWN_FONTS = Path(__file__).resolve().parent / "static" / "fonts.conf"
_FONTS_LOCK = threading.Lock()
_fonts_ready = False


def use_own_fonts() -> None:
    """Make vl-convert measure chart text with the Liberation Sans it carries, never a system font.

    Why: the position of every label in an SVG comes from measuring its text. With the machine's
    fonts, the charts would depend on which fonts a machine has installed; with vl-convert's
    own, they depend only on vl-convert's version (pinned in the lock file), so an auditor's
    rerun on another machine draws the same bytes. It is also faster: vl-convert opens and maps
    a system font file again for every glyph it measures, about 2,300 times per chart, which
    was more than half of a chart's time (55 Lincolnshire charts: 5.7 s with the system's
    Liberation Sans, 2.1 s with vl-convert's, the same SVG byte for byte).

    vl-convert reads the fontconfig file named by FONTCONFIG_FILE once, when it first loads
    fonts. It is pointed at `static/fonts.conf` (a folder with no font in it) for that first
    load only, then set back, so no other program started by this process is affected. Called
    before the first chart of a process; if vl-convert has already loaded its fonts (another
    library drew with it first), this changes nothing.
    """
    global _fonts_ready
    if _fonts_ready:
        return
    with _FONTS_LOCK:
        if _fonts_ready:
            return
        import vl_convert

        before = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(OWN_FONTS)
        try:
            vl_convert.vegalite_to_svg(TEXT_SPEC)  # loads the fonts, with text to measure
        finally:
            if before is None:
                del os.environ["FONTCONFIG_FILE"]
            else:
                os.environ["FONTCONFIG_FILE"] = before
        _fonts_ready = True


def spec_digest(spec: dict[str, Any], chart_id: str) -> str:
    """SHA-256 of what a chart's SVG is drawn from: its spec, element id, and the drawing code.

    Equal digests give the same SVG, byte for byte (vl-convert is deterministic, and measures
    text with its own fonts: `use_own_fonts`). A rerun of one strategy keeps a published chart
    whose digest is unchanged instead of drawing it again.
    """
    made = [*_drawing_versions(), chart_id, spec]
    text = json.dumps(made, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def _drawing_versions() -> tuple[str, str]:
    from importlib.metadata import version

    from perfanalysis import __version__

    return __version__, version("vl-convert-python")


TEXT_SPEC = {
    "mark": {"type": "text", "font": _FONT},
    "data": {"values": [{"t": "Aa"}]},
    "encoding": {"text": {"field": "t"}},
}


def svg_from_spec(spec: dict[str, Any], chart_id: str) -> str:
    """`to_svg` for a Vega-Lite spec (what an Altair renderer receives)."""
    import vl_convert

    use_own_fonts()
    return name_svg(vl_convert.vegalite_to_svg(spec), spec, chart_id)


def name_svg(svg: str, spec: dict[str, Any], chart_id: str) -> str:
    """vl-convert's SVG of `spec`, named for screen readers (see `to_svg`)."""
    title = spec.get("title", "")
    if isinstance(title, dict):
        text = title.get("text", "")
        title = " ".join(text) if isinstance(text, list) else str(text)
    elif isinstance(title, list):
        title = " ".join(map(str, title))
    desc = spec.get("description", "")
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
    head = (
        f'<title id="{safe_id}-title">{html.escape(str(title))}</title>'
        f'<desc id="{safe_id}-desc">{html.escape(str(desc))}</desc>'
    )
    # vl-convert writes class="marks": one class attribute only, or browsers drop ours.
    svg = _SVG_OPEN.sub(
        lambda m: (
            f'<svg{_SVG_OWN_ATTRS.sub("", m.group(1))} role="img" class="marks chart" '
            f'aria-labelledby="{safe_id}-title {safe_id}-desc">{head}'
        ),
        svg,
        count=1,
    )
    return svg


_SVG_OWN_ATTRS = re.compile(r'\s(?:class|role|aria-labelledby|aria-label)="[^"]*"')


#: SPC point type -> (colour with at least 3:1 contrast on white, marker shape, words).
SPC_STYLE: dict[str, tuple[str, str, str]] = {
    "common_cause": ("#505A5F", "circle", "Common cause"),
    "special_cause_improvement": ("#12436D", "diamond", "Special cause: improvement"),
    "special_cause_concern": ("#A34400", "triangle-down", "Special cause: concern"),
    "special_cause_neutral_high": (
        "#6B3FA0",
        "square",
        "Special cause: neither better nor worse, higher",
    ),
    "special_cause_neutral_low": (
        "#6B3FA0",
        "cross",
        "Special cause: neither better nor worse, lower",
    ),
}


def xmr_chart(result: Any, figure: pd.Series | dict[str, Any]) -> Spec:
    """An XmR (individuals) chart: values, mean, process limits, target, special causes marked.

    `result` is what `pa.spc` returns for the measure; `figure` its row of `assess()` output.
    Special-cause points carry a shape as well as a colour, and the legend names them.
    """
    f = dict(figure)
    unit, decimals = f.get("unit", "count"), f.get("decimals")
    p = result.points.reset_index()
    p = p.rename(columns={p.columns[0]: "period"})
    p["period"] = p["period"].astype(str)
    p["kind"] = p["point_type"].map({k: v[2] for k, v in SPC_STYLE.items()})
    p["value_text"] = [format_value(v, unit, decimals) for v in p["value"]]
    order = list(p["period"])
    x = _field("period:O", sort=order, title=None, axis={"labelAngle": -45, "labelOverlap": True})

    def line(y: dict[str, Any], **mark: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
        return p, {"mark": {"type": "line", **mark}, "encoding": {"x": x, "y": y}}

    layers = [
        line(
            _field("value:Q", title=unit.replace("_", " ").capitalize(), scale={"zero": False}),
            color="#505A5F",
            strokeWidth=1.5,
        ),
        line(_field("mean:Q"), color="#0B0C0C", strokeWidth=1),
        line(_field("upl:Q"), color="#0B0C0C", strokeDash=[4, 3], strokeWidth=1),
        line(_field("lpl:Q"), color="#0B0C0C", strokeDash=[4, 3], strokeWidth=1),
    ]
    if result.target is not None:
        layers.append((pd.DataFrame({"target": [result.target]}), {
            "mark": {"type": "rule", "color": PALETTE["orange"], "strokeDash": [8, 4],
                     "strokeWidth": 2},
            "encoding": {"y": _field("target:Q")},
        }))  # fmt: skip
    kinds = [v[2] for v in SPC_STYLE.values()]
    layers.append((p, {
        "mark": {"type": "point", "filled": True, "size": 70, "stroke": "#FFFFFF",
                 "strokeWidth": 0.5},
        "encoding": {
            "x": x,
            "y": _field("value:Q"),
            "color": _field("kind:N", scale={"domain": kinds,
                                             "range": [v[0] for v in SPC_STYLE.values()]},
                            legend={"title": None, "orient": "bottom", "columns": 2,
                                    "labelLimit": 320}),
            "shape": _field("kind:N", scale={"domain": kinds,
                                             "range": [v[1] for v in SPC_STYLE.values()]},
                            legend=None),
        },
    }))  # fmt: skip
    latest = result.summary.iloc[-1]
    described = (
        f"XmR chart of {f.get('title')}: {len(p)} points from {order[0]} to {order[-1]}. "
        f"Mean {format_value(latest['mean'], unit, decimals)}, process limits "
        f"{format_value(latest['lpl'], unit, decimals)} to "
        f"{format_value(latest['upl'], unit, decimals)}."
    )
    special = p[p["point_type"] != "common_cause"]
    if len(special):
        described += (
            " Special-cause points: "
            + "; ".join(
                f"{a} {b} ({c.lower()})"
                for a, b, c in zip(special["period"], special["value_text"], special["kind"])
            )
            + "."
        )
    else:
        described += " Every point is common-cause variation."
    if result.target is not None:
        described += f" Target {format_value(result.target, unit, decimals)}."
    return _layered(
        layers,
        width=520,
        height=200,
        title={
            "text": _wrap(f"Statistical process control: {f.get('title', '')}"),
            "subtitle": [
                "Key: grey line and markers, the values; solid black line, the mean;",
                "dashed black lines, the process limits"
                + ("; orange dashed line, the target." if result.target is not None else "."),
            ],
        },
        description=described,
    )


# --------------------------------------------------------------------------- a pack's charts
# Which charts a pack shows and drawing them once (the runner does, so notebooks need not draw).
# `pack` is a `perfanalysis.report.PackData`. At scale the drawing is spread over
# processes (`perfanalysis.drawing`).
def measure_svg(pack: PackData, row: pd.Series) -> str | None:
    """A measure's chart as inline SVG, or None when it has no figures to plot."""
    from perfanalysis.drawing import draw_task
    from perfanalysis.intervals import history_intervals

    history = history_intervals(
        pack.dataset, row["measure_id"], pack.dataset.history(row["measure_id"])
    )
    return draw_task((f"measure:{row['measure_id']}", "measure", (history, row)))


def xmr_svg(pack: PackData, row: pd.Series) -> str:
    """A measure's XmR chart as inline SVG (the measure has an SPC result)."""
    return to_svg(xmr_chart(pack.spc[row["measure_id"]], row), f"xmr-{row['measure_id']}")


def status_svg(pack: PackData, summary: pd.DataFrame) -> str:
    """The pack's measures by status and strategy as inline SVG, in the council's words."""
    from perfanalysis.status import status_words

    words = status_words(pack.dataset.meta)
    return to_svg(status_chart(summary, words), "chart-status-by-strategy")


def chart_keys(pack: PackData, strategies: list[str] | None = None) -> list[str]:
    """The keys of every chart the pack shows ('measure:ID', 'xmr:ID', 'status-by-strategy').

    Exactly the charts the pages show: the collated page's status chart, and on each strategy
    page a measure chart for a measure with figures and an XmR chart for one with an SPC result.
    """
    f = pack.figures[pack.figures["strategy_id"].isin(strategies or pack.strategies)]
    keys = ["status-by-strategy"]
    for mid, points in zip(f["measure_id"], f["spc_points"]):
        if points > 0:
            keys.append(f"measure:{mid}")
        if mid in pack.spc:
            keys.append(f"xmr:{mid}")
    return keys


def render_chart_keys(
    pack: PackData,
    keys: list[str],
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> dict[str, str]:
    """Draw the charts named by `keys` (see `chart_keys`); a measure with no figures has none.

    The histories of all the measures are computed in one pass. Many charts are drawn by a pool
    of `jobs` processes (default: one per core), or on `executor` when given (the runner's Dask
    executor); the SVG is the same as drawing them one by one (`perfanalysis.drawing`).
    """
    from perfanalysis.drawing import draw_tasks

    return draw_tasks(chart_tasks(pack, keys), jobs=jobs, executor=executor)


def chart_tasks(pack: PackData, keys: list[str]) -> list[tuple[str, str, tuple[Any, ...]]]:
    """The (key, kind, inputs) tasks `perfanalysis.drawing` draws the charts of `keys` from.

    The histories of all the measures are computed in one pass.
    """
    from perfanalysis.drawing import histories_with_intervals

    rows = pack.figures.set_index("measure_id", drop=False)
    wanted = [k.partition(":")[2] for k in keys if k.startswith("measure:")]
    histories = histories_with_intervals(pack.dataset, wanted)
    tasks: list[tuple[str, str, tuple[Any, ...]]] = []
    for key in keys:
        kind, _, mid = key.partition(":")
        if kind == "status-by-strategy":
            from perfanalysis.pages import CollatedPage
            from perfanalysis.status import status_words

            words = status_words(pack.dataset.meta)
            tasks.append((key, "status", (CollatedPage(pack).summary, words)))
        elif kind == "measure":
            tasks.append((key, "measure", (histories[mid], rows.loc[mid])))
        elif kind == "xmr":
            tasks.append((key, "xmr", (pack.spc[mid], rows.loc[mid])))
    return tasks


def render_charts(
    pack: PackData,
    strategies: list[str] | None = None,
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> dict[str, str]:
    """Every chart of the pack, drawn once in the runner so that notebooks only show them.

    A notebook that drew its own charts would pay vl-convert's start-up in every kernel, and the
    runner can spread thousands of charts over processes. `strategies` limits the measure charts
    to those strategies (a rerun of one strategy); `jobs` and `executor` say where they are drawn
    (see `render_chart_keys`).
    """
    return render_chart_keys(pack, chart_keys(pack, strategies), jobs=jobs, executor=executor)
