"""Turn executed notebooks and figures into the files of a pack, byte-identical on every rerun.

Executed notebooks carry run-specific details (times, durations, paths, random cell ids); they
are normalised before they are saved or converted, so the same inputs always give the same
bytes. HTML comes from our own nbconvert template: code hidden, no script, nothing remote.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from perfanalysis.render import esc, table

__all__ = [
    "neutralise_formulas",
    "write_csv",
    "normalise_notebook",
    "notebook_to_html",
    "write_figures",
    "write_quality_page",
    "page_html",
]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_CSS = Path(__file__).resolve().parent / "static" / "pack.css"


def normalise_notebook(nb: Any, title: str) -> Any:
    """Drop what changes from run to run: timings, paths, random ids; keep the parameters."""
    meta = nb.metadata
    pm = dict(meta.get("papermill", {}))
    meta["papermill"] = {"parameters": pm.get("parameters", {}), "version": pm.get("version")}
    meta["title"] = title
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


@lru_cache(maxsize=1)
def _exporter() -> Any:
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        """nbconvert's HTML exporter without its closing BeautifulSoup pass.

        That pass gives alt text to images that have none and makes JupyterLab's cells
        focusable; our template writes alt text on every image and has no such cells, so it
        only parsed and re-wrote the page (0.3 s a page, in the runner, lower-casing SVG
        attribute names on the way). A page is now exactly what the template writes.
        """

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            resources = self._init_resources(resources)
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources
                ),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = PageExporter(template_name="perfanalysis", extra_template_basedirs=[str(_TEMPLATES)])
    from perfanalysis.render import safe_html

    exporter.register_filter("safe_html", safe_html)  # an analyst's markdown, kept safe
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def notebook_to_html(nb: Any) -> str:
    """An executed notebook as one self-contained page (our template, code hidden)."""
    body, _ = _exporter().from_notebook_node(nb, resources={"perfanalysis_css": css()})
    return body


def css() -> str:
    return _CSS.read_text(encoding="utf-8")


def page_html(title: str, body: str) -> str:
    """A page that is not a notebook (the data-quality page), in the same look as the pack."""
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:; font-src data:; script-src 'none'; "
        "object-src 'none'; base-uri 'none'; form-action 'none'\">\n"
        f"<title>{html.escape(title)}</title>\n<style>\n{css()}\n</style>\n</head>\n<body>\n"
        '<a class="skip-link" href="#main">Skip to main content</a>\n'
        f'<main id="main" tabindex="-1">\n{body}\n</main>\n</body>\n</html>\n'
    )


#: A text cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula, prefixed with a single quote.

    Only text columns are touched: numbers (negative ones too) stay numbers. A reader sees
    `'=HYPERLINK(...)` as text; the quote is the spreadsheet convention for "this is text".
    """
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            continue
        text = out[col].astype("string")
        risky = text.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
        if risky.any():
            out[col] = out[col].astype(object).where(~risky, "'" + text.astype(object))
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Every CSV of a pack: formulas neutralised, LF line ends, floats to 10 significant digits."""
    neutralise_formulas(frame).to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def write_figures(pack: Any, path: Path) -> None:
    """figures.csv: one row per measure of the pack, every figure its pages show."""
    from perfanalysis.report import FIGURE_COLUMNS

    f = pack.figures[pack.figures["strategy_id"].isin(pack.strategies)]
    f = f[[c for c in FIGURE_COLUMNS if c in f.columns]]
    write_csv(f, path)


def write_quality_page(result: Any, pack: Any, path: Path) -> None:
    """data-quality.html: every check with pass or fail, its severity and the failing rows."""
    counts = result.counts()
    rows = []
    for c in result.checks:
        if c.success:
            outcome = '<span class="dq-pass"><span aria-hidden="true">\u2714</span> Passed</span>'
        else:
            word = "Error" if c.severity == "error" else "Warning"
            symbol = "\u2718" if c.severity == "error" else "\u25b2"
            outcome = (
                f'<span class="dq-fail-{c.severity}"><span aria-hidden="true">{symbol}'
                f"</span> {word}</span>"
            )
        examples = "; ".join(_example(e) for e in (c.examples or [])[:5])
        rows.append(
            (
                esc(c.table),
                esc(c.column, "(table)"),
                esc(c.rule),
                esc(c.severity),
                outcome,
                str(c.checked),
                str(c.failed),
                esc(examples, ""),
            )
        )
    level = pack.dataset.framework.level("strategy")
    body = (
        '<nav class="breadcrumb" aria-label="Breadcrumb"><a href="index.html">'
        f"{esc(pack.organisation)}: collated report</a></nav>"
        f'<p class="kicker">{esc(pack.organisation)} &middot; {esc(pack.period.long_label)}</p>'
        "<h1>Data quality</h1>"
        f"<p>Before any figure in this pack was computed, the data was checked against "
        f"{counts['checks']} rules: {counts['passed']} passed, {counts['errors']} errors and "
        f"{counts['warnings']} warnings. Errors stop a pack from being published; warnings are "
        f"listed here so that every {esc(level.lower())} report can be read with them in mind.</p>"
        + _failed_section(result)
        + _disagreements_section(pack)
        + "<h2>Every check</h2>"
        + table(
            rows,
            (
                "Table",
                "Column",
                "Rule",
                "Severity",
                "Result",
                "Rows checked",
                "Rows failing",
                "First failing rows",
            ),
            "Data-quality checks",
            numeric=(5, 6),
        )
    )
    path.write_text(
        page_html(f"Data quality: {pack.organisation}, {pack.period.label}", body), encoding="utf-8"
    )


def _example(e: dict[str, Any]) -> str:
    value = e.get("value")
    shown = "(blank)" if value is None or str(value).strip() == "" else str(value)
    return f"row {e.get('row')}: {shown}"


def _failed_section(result: Any) -> str:
    """The checks that failed, first, so a reader sees the warnings without scrolling."""
    failed = [c for c in result.checks if not c.success]
    if not failed:
        return "<h2>Warnings</h2><p>No check raised a warning.</p>"
    rows = [
        (
            esc(c.table),
            esc(c.column, "(table)"),
            esc(c.rule),
            esc(c.severity),
            str(c.failed),
            esc("; ".join(_example(e) for e in c.examples[:5])),
        )
        for c in failed
    ]
    return "<h2>Warnings</h2>" + table(
        rows,
        ("Table", "Column", "Rule", "Severity", "Rows failing", "First failing rows"),
        "Checks that raised a warning",
        numeric=(4,),
    )


def _disagreements_section(pack: Any) -> str:
    """Measures whose council-reported status differs from the computed one, both shown."""
    from perfanalysis.narrative import format_value
    from perfanalysis.status import rag_disagreements

    figures = pack.figures[pack.figures["strategy_id"].isin(pack.strategies)]
    d = rag_disagreements(figures)
    head = "<h2>Reported and computed statuses</h2>"
    reported = figures.get("reported_status", pd.Series(dtype=object))
    if not reported.fillna("").astype(str).str.strip().ne("").any():
        return head + "<p>The data gives no status reported by the council to compare.</p>"
    if d.empty:
        return head + "<p>No status reported by the council differs from the computed one.</p>"
    unit = figures.set_index("measure_id")[["unit", "decimals"]]
    rows = [
        (
            esc(r["title"]),
            esc(r["period"]),
            format_value(r["actual"], *unit.loc[r["measure_id"]]),
            format_value(r["target"], *unit.loc[r["measure_id"]]),
            esc(r["reported_status"]),
            esc(r["status_label"]),
        )
        for _, r in d.iterrows()  # one row per listed measure: presentation only
    ]
    return (
        head + f"<p>{len(d)} measure{'s have' if len(d) != 1 else ' has'} a status reported by "
        "the council that differs from the "
        "status computed from their figures and targets.</p>"
        + table(
            rows,
            ("Measure", "Period", "Actual", "Target", "Reported status", "Computed status"),
            "Measures whose reported and computed statuses differ",
            numeric=(2, 3),
        )
    )


def read_figures(path: Path) -> pd.DataFrame:
    """figures.csv read back as text, so a comparison sees exactly what was published."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)
