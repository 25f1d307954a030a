"""The analyst at a notebook prompt: what `ds`, its charts and its errors show.

The fast tests call the library as a notebook cell would; `test_analyst_notebook` runs
tests/notebooks/analyst.ipynb (what a new user types) in a real kernel with papermill and checks
its outputs, then publishes it with our nbconvert template.
"""

from __future__ import annotations

import base64
import re
import warnings
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd
import pytest

import perfanalysis as pa
from perfanalysis.publish import notebook_to_html
from perfanalysis.status import ASSESS_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
LINCOLNSHIRE = ROOT / "data" / "lincolnshire"


@pytest.fixture(scope="module")
def ds() -> pa.Dataset:
    return pa.load(LINCOLNSHIRE)


# --------------------------------------------------------------------------- objects
def test_dataset_repr_is_a_short_summary(ds):
    text = repr(ds)
    assert len(text) < 2500  # was ~33,000 characters: every DataFrame of the dataclass
    lines = text.splitlines()
    assert lines[0] == "<Dataset: Lincolnshire County Council>"
    assert "levels: Ambition > Commissioning strategy > Outcome > Measure" in text
    assert "periods: Q1 2013/14 to Q4 2017/18" in text
    assert "15 commissioning strategies" in text and "109 measures" in text
    assert sum("(" in ln and "measures)" in ln for ln in lines) == 15  # a line per strategy
    html = ds._repr_html_()
    assert len(html) < 5000 and "Lincolnshire County Council" in html and "<details>" in html


def test_framework_and_spc_reprs_are_short(ds):
    assert len(repr(ds.framework)) < 2000
    assert repr(ds.framework).startswith("<Framework: Ambition > Commissioning strategy")
    assert "<table" in ds.framework._repr_html_()
    result = ds.spc("CSH-01")
    text = repr(result)
    assert len(text.splitlines()) <= 8
    assert text.startswith(
        "<SPCResult 'Looked after children': 20 points, Q1 2013/14 to Q4 2017/18"
    )
    assert "variation: " in text and "process limits" in text
    assert "<strong>" in result._repr_html_()


def test_periods_are_listed_in_time_order_with_their_frequency(ds):
    p = ds.periods
    assert list(p.columns) == ["period", "frequency", "start", "end", "actuals", "targets"]
    assert p["end"].is_monotonic_increasing
    assert p["period"].dtype.ordered
    first = p.drop_duplicates("frequency").set_index("frequency")["period"].astype(str)
    assert first["quarterly"] == "Q1 2013/14" and first["annual"] == "2013/14"
    assert first["academic year"] == "AY 2012/13"
    q4 = p[p["period"] == "Q4 2017/18"].iloc[0]
    assert q4["frequency"] == "quarterly" and q4["actuals"] > 0


def test_history_sorts_in_time_not_as_text(ds):
    h = ds.history("CSH-01").sample(frac=1, random_state=1).sort_values("period")
    assert list(h["period"].astype(str)[:5]) == [
        "Q1 2013/14",
        "Q2 2013/14",
        "Q3 2013/14",
        "Q4 2013/14",
        "Q1 2014/15",
    ]
    assert h["end"].is_monotonic_increasing
    assert h["period"].max() == "Q4 2017/18"


def test_assess_shows_what_a_person_reads_first_and_no_internal_columns(ds):
    a = ds.assess("Q4 2017/18")
    assert list(a.columns[:8]) == [
        "measure_id",
        "title",
        "period",
        "actual",
        "target",
        "tolerance",
        "status_label",
        "status",
    ]
    assert set(ASSESS_COLUMNS) <= set(a.columns)
    assert not [c for c in a.columns if c.startswith("_")]
    assert not [c for c in ds.measures().columns if c.startswith("_")]
    fw = ds.framework
    for frame in (fw.themes, fw.strategies, fw.outcomes, fw.measures):
        assert not [c for c in frame.columns if c.startswith("_")]
    for column in ("period", "reporting_period", "previous_period", "last_year_period"):
        assert a[column].dtype.ordered, column
    annual = a[a["frequency"] == "annual"].iloc[0]
    assert annual["period"] < a["reporting_period"].iloc[0] or annual["period"] == "2017/18"
    assert (a["previous_period"].dropna() < a["period"][a["previous_period"].notna()]).all()


def test_a_period_with_no_actuals_warns(ds):
    with pytest.warns(UserWarning, match=r"no measure has an actual for Q4 2030/31"):
        out = ds.assess("Q4 2030/31")
    assert (out["status"] == "no_data").all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds.assess("Q4 2017/18")  # a period with data: no warning


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("call", "kind", "wrong", "right"),
    [
        (lambda ds: ds.history("LA-5"), "measure", "LA-5", "LA-05"),
        (lambda ds: ds.spc("CSH-1"), "measure", "CSH-1", "CSH-01"),
        (lambda ds: ds.chart("la-05"), "measure", "la-05", "LA-05"),
        (
            lambda ds: ds.highlight("learn-acheive", "Q4 2017/18"),
            "strategy",
            "learn-acheive",
            "learn-achieve",
        ),  # fmt: skip
        (
            lambda ds: ds.contracts_for("enviroment", "Q4 2017/18"),
            "strategy",
            "enviroment",
            "environment",
        ),  # fmt: skip
        (lambda ds: ds.strategy("carer"), "strategy", "carer", "carers"),
        (lambda ds: ds.measures(strategy_id="wellbeeing"), "strategy", "wellbeeing", "wellbeing"),
    ],
)
def test_an_unknown_id_names_the_closest(ds, call, kind, wrong, right):
    with pytest.raises(pa.UnknownIdError) as caught:
        call(ds)
    error = caught.value
    assert isinstance(error, KeyError) and isinstance(error, pa.PerfanalysisError)
    assert error.kind == kind and error.suggestions[0] == right
    assert str(error).startswith(f"no {kind} '{wrong}' in this dataset; did you mean {right}")


def test_an_unknown_theme_lists_the_themes_when_nothing_is_close(ds):
    with pytest.raises(pa.UnknownIdError, match=r"no theme 'zzz' in this dataset; known: "):
        ds.theme("zzz")


def test_errors_render_in_a_few_lines_in_ipython():
    error = pa.PeriodError("'Q5 2017/18' is not a period label")
    lines = error._render_traceback_()
    assert len(lines) == 2
    assert "PeriodError" in lines[0] and "'Q5 2017/18' is not a period label" in lines[0]
    assert "pa.last_traceback()" in lines[1]


# --------------------------------------------------------------------------- charts
def _svg_named(html: str) -> tuple[str, str]:
    svg = re.search(r"<svg\b[^>]*>", html)
    assert svg and 'role="img"' in svg.group(0)
    title = re.search(r"<title id=\"[^\"]+\">([^<]*)</title>", html)
    desc = re.search(r"<desc id=\"[^\"]+\">([^<]*)</desc>", html)
    assert title and desc
    return title.group(1), desc.group(1)


def test_ds_chart_is_inline_svg_with_its_text_alternative(ds):
    chart = ds.chart("CSH-01", "Q4 2017/18")
    spec = chart.to_dict()
    marks = [layer["mark"] for layer in spec["layer"]]
    target = [m for m in marks if m.get("strokeDash")]
    assert target and target[0]["color"] == "#F46A25"  # the dashed target line
    current = [layer for layer in spec["layer"] if layer["mark"].get("size") == 220]
    assert len(current) == 1  # this period marked
    assert chart.description.startswith("Line chart of Looked after children from Q1 2013/14")
    title, desc = _svg_named(chart._repr_html_())
    assert title.startswith("Looked after children") and desc == chart.description
    assert isinstance(chart.altair, alt.LayerChart)
    assert "http" not in chart._repr_html_().replace("http://www.w3.org", "")
    assert len(repr(chart)) < 260


def test_ds_chart_has_a_tolerance_band_where_the_measure_has_one(ds):
    a = ds.assess("Q4 2017/18")
    mid = a.loc[a["tolerance"].notna() & a["actual"].notna(), "measure_id"].iloc[0]
    spec = ds.chart(mid).to_dict()
    bands = [layer for layer in spec["layer"] if layer["mark"]["type"] == "area"]
    assert len(bands) == 1
    assert bands[0]["encoding"]["y"]["field"] == "band_low"


def test_spc_chart_is_an_xmr_chart(ds):
    chart = ds.spc("CSH-01").chart()
    fields = {
        layer["encoding"]["y"]["field"]
        for layer in chart.to_dict()["layer"]
        if "y" in layer["encoding"]
    }
    assert {"value", "mean", "upl", "lpl", "target"} <= fields
    title, desc = _svg_named(chart._repr_html_())
    assert title == "Statistical process control: Looked after children"
    assert desc.startswith("XmR chart of Looked after children: 20 points")


def test_show_draws_any_altair_chart_offline_with_a_description(ds):
    chart = alt.Chart(ds.history("CSH-01")).mark_line().encode(x="period:O", y="actual:Q")
    view = pa.show(chart, "Looked after children, 2013/14 to 2017/18")
    _, desc = _svg_named(view._repr_html_())
    assert desc == "Looked after children, 2013/14 to 2017/18"
    alt.renderers.enable("perfanalysis")
    try:
        bundle = alt.renderers.get()(chart.to_dict())
    finally:
        alt.renderers.enable("default")
    assert "<svg" in bundle["text/html"] and "vega" not in bundle["text/html"].lower()


# --------------------------------------------------------------------------- publishing
def test_what_an_analyst_adds_is_published(ds, tmp_path):
    """A DataFrame, a chart, a PNG with its alt text and markdown all reach the published page."""
    chart = ds.chart("CSH-01")
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nnot-really").decode()

    def display(data, metadata=None):
        return nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})

    cell = nbformat.v4.new_code_cell("# analyst's cell")
    cell.outputs = [
        display({"text/html": ds.periods.head(3).to_html(), "text/plain": "frame"}),
        display({"text/html": chart._repr_html_(), "text/plain": repr(chart)}),
        display(
            {"image/png": png, "text/plain": "<IPython.core.display.Image object>"},
            {"image/png": {"alt": "Rate per 10,000 by quarter"}},
        ),
        display({"image/png": png, "text/plain": "<Figure size 640x480 with 1 Axes>"}),
        display({"text/markdown": "**Note:** the rate *fell*.", "text/plain": "md"}),
    ]
    guide = nbformat.v4.new_markdown_cell("## How to use this notebook")
    guide.metadata["tags"] = ["lab-only"]  # the shipped notebooks' guide: not published
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# My analysis"), guide, cell]
    )
    page = notebook_to_html(nb)
    assert "How to use this notebook" not in page
    assert "<h1" in page and "My analysis" in page
    assert "Q1 2013/14" in page and 'class="dataframe' in page
    assert 'aria-labelledby="chart-CSH-01-title chart-CSH-01-desc"' in page
    images = re.findall(r"<img\b[^>]*>", page)
    alts = [re.search(r'alt="([^"]*)"', img).group(1) for img in images]
    assert all(f'src="data:image/png;base64,{png}"' in img for img in images)
    assert alts == ["Rate per 10,000 by quarter", ""]  # no words made up
    assert "No description" not in page
    assert "<strong>Note:</strong>" in page and "<em>fell</em>" in page
    assert "<script" not in page


def test_the_lab_reads_tables_left_to_right_and_pack_links_are_inert():
    """JupyterLab right-aligns and centres tables; pack links lead nowhere there. The shipped
    notebooks' lab-only cell fixes both in the lab, and nothing of it reaches the page."""
    from perfanalysis.display import lab_style

    style = lab_style()._repr_html_()
    assert style.startswith("<style>") and ".table-wrap td" in style
    assert "text-align: left" in style and "td.num" in style  # numbers stay on the right
    assert 'a[href$=".html"]:not([href*=":"])' in style and "pointer-events: none" in style
    for name in ("strategy_report", "collated_report"):
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        cell = nb.cells[1]  # right after the parameters cell
        assert "lab_style()" in cell.source and "lab-only" in cell.metadata["tags"]
    styled = nbformat.v4.new_code_cell("lab_style()")
    styled.metadata["tags"] = ["lab-only"]
    styled.outputs = [nbformat.v4.new_output("execute_result", data={"text/html": style},
                                             execution_count=1)]  # fmt: skip
    page = notebook_to_html(
        nbformat.v4.new_notebook(cells=[styled, nbformat.v4.new_markdown_cell("# Page")])
    )
    assert "a link in the published pack" not in page and ".table-wrap td" not in page


# --------------------------------------------------------------------------- a real kernel
@pytest.mark.notebook
def test_analyst_notebook(tmp_path):
    """What a new user types, run in a real kernel (papermill), with no network."""
    import papermill as pm

    out = tmp_path / "analyst.ipynb"
    source = ROOT / "tests" / "notebooks" / "analyst.ipynb"
    # Two cells show a misspelt id on purpose (tagged raises-exception); papermill then
    # reports the last error after running every cell.
    with pytest.raises(pm.PapermillExecutionError, match="UnknownIdError"):
        pm.execute_notebook(
            str(source),
            str(out),
            parameters={"dataset": str(LINCOLNSHIRE)},
            cwd=str(source.parent),
            kernel_name="python3",
            progress_bar=False,
        )
    nb = nbformat.read(out, as_version=4)
    results = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.outputs:
            results[cell.source.splitlines()[-1]] = cell.outputs
    every = [o for outputs in results.values() for o in outputs]
    assert all("cdn.jsdelivr" not in str(o) and "<script" not in str(o) for o in every)

    def plain(line):
        return "".join(o["data"]["text/plain"] for o in results[line] if "data" in o)

    def html(line):
        return "".join(o["data"].get("text/html", "") for o in results[line] if "data" in o)

    assert len(plain("ds")) < 2500
    assert plain("ds").startswith("<Dataset: Lincolnshire County Council>")
    periods = plain("ds.periods").splitlines()
    assert "Q1 2013/14" in periods[1] and "Q4 2017/18" in periods[-1]
    head = plain('ds.history("CSH-01").sort_values("period").head()').splitlines()
    assert [ln.split()[1] for ln in head[1:3]] == ["Q1", "Q2"]
    thead = html('ds.assess("Q4 2017/18").head()').split("</thead>")[0]
    headers = re.findall(r"<th>([^<]*)</th>", thead)
    assert headers[1:7] == ["measure_id", "title", "period", "actual", "target", "tolerance"]
    for line in ('ds.chart("CSH-01")', 'ds.spc("CSH-01").chart()'):
        title, desc = _svg_named(html(line))
        assert "Looked after children" in title and desc
    errors = [o for o in every if o["output_type"] == "error"]
    assert [e["ename"] for e in errors] == ["UnknownIdError", "UnknownIdError"]
    assert "did you mean CSH-01" in errors[0]["evalue"]
    assert "did you mean learn-achieve?" in errors[1]["evalue"]
    assert all(len(e["traceback"]) == 2 for e in errors)  # no page of library frames
    warned = [o for o in results['ds.assess("Q4 2030/31").status.value_counts()']]
    assert any("no measure has an actual for Q4 2030/31" in o.get("text", "") for o in warned)

    page = notebook_to_html(nb)
    assert page.count('role="img"') >= 3 and 'alt="Looked after children per 10,000' in page
    assert "<strong>An analyst" in page and "<script" not in page
    assert pd.__name__  # pandas frames are published as tables
    assert page.count('class="dataframe') >= 3


# --------------------------------------------------------------------------- pages from frames
def pack_of(dataset: Path, period: str):
    """The pack's data as `perfanalysis run` prepares it (the gate, the figures, the frames).

    Its charts are not drawn beforehand (seconds for a council): a section draws the ones it
    shows, the way a page opened without a prepared folder does (`pages.py`).
    """
    from perfanalysis.prepared import build_pack

    return build_pack(dataset, period, charts=False)[1]


@pytest.fixture(scope="module")
def leicestershire_pack():
    return pack_of(ROOT / "data" / "leicestershire", "Q4 2020/21")


@pytest.fixture(scope="module")
def lincolnshire_pack():
    return pack_of(LINCOLNSHIRE, "Q4 2017/18")


def test_a_page_without_a_highlight_report_says_so_once(leicestershire_pack):
    from perfanalysis.pages import StrategyPage

    page = StrategyPage(leicestershire_pack, "SE-1")
    assert page.highlight is None
    shown = "".join(
        str(getattr(page, s)())
        for s in ("header", "narrative", "success", "contracts", "arrangements", "comments")
    )
    assert "None given" not in shown and "Not given" not in shown  # was ten sections of it
    assert "Sponsor" not in shown and "Commissioning lead" not in shown  # Lincolnshire's roles
    assert shown.count("No highlight report was submitted for Q4 2020/21") == 1
    assert "Supporting outcome &middot;" in shown  # the council's own level name
    assert "How is success measured?" in shown  # the figures are still there


def test_the_collated_page_leaves_out_what_was_not_submitted(leicestershire_pack):
    from perfanalysis.pages import CollatedPage

    page = CollatedPage(leicestershire_pack)
    assert not page.has_rag and not page.has_contracts
    overview = str(page.overview())
    assert "Commissioner&#x27;s RAG" not in overview and "Not given" not in overview
    assert overview.count("Not submitted for Q4 2020/21") == 1
    assert "Supporting outcome</th>" in overview
    exceptions = str(page.exceptions())
    assert "Contracts rated Poor" not in exceptions and "Red or Amber" not in exceptions
    assert ">Strategy<" not in exceptions and "Supporting outcome" in exceptions
    assert "Red supporting outcomes" not in str(page.attention())


def test_measures_with_no_data_are_named_where_they_are_counted(leicestershire_pack):
    from perfanalysis.pages import CollatedPage

    figures = leicestershire_pack.figures
    missing = figures.loc[figures["status"] == "no_data", "title"]
    assert len(missing) > 0
    overview = str(CollatedPage(leicestershire_pack).overview())
    line = re.search(r'<p class="no-data">No data for Q4 2020/21: (.*?)\.</p>', overview)
    assert line is not None
    assert line.group(1).split("; ") == [t.replace("'", "&#x27;") for t in missing]


def test_notes_on_measures_and_figures_come_from_the_figures_table(lincolnshire_pack):
    from perfanalysis.pages import StrategyPage

    pack = lincolnshire_pack
    f = pack.figures.set_index("measure_id")
    a = pack.dataset.actuals
    q4 = a[(a["measure_id"] == "CSH-01") & (a["period"] == "Q4 2017/18")].iloc[0]
    assert f.loc["CSH-01", "figure_note"] == q4["note"]
    page = str(StrategyPage(pack, "children-safe-healthy").appendix(charts=False))
    assert f"Note on the Q4 2017/18 figure: {q4['note']}" in page
    noted = f[(f["strategy_id"] == "children-safe-healthy") & (f["notes"] != "")]
    for note in noted["notes"]:
        assert f"Note on this measure: {note}".replace("'", "&#x27;") in page


def test_the_pack_is_assessed_once_and_pages_count_from_its_frames(lincolnshire_pack):
    from perfanalysis.pages import CollatedPage

    pack = lincolnshire_pack
    counts = pack.figures.groupby("strategy_id", observed=True)["status"].value_counts()
    summary = CollatedPage(pack).summary.set_index("strategy_id")
    for sid, row in summary.iterrows():
        assert row["no_data"] == counts.get((sid, "no_data"), 0)
        assert row["measures"] == (pack.figures["strategy_id"] == sid).sum()


def test_a_section_is_its_frames_rendered_by_its_template(leicestershire_pack):
    """The count box on the page is the section's one-row frame, under the council's headings."""
    from perfanalysis.pages import CollatedPage, StrategyPage

    page = StrategyPage(leicestershire_pack, "SE-1")
    data = page.success_data()
    counts = data["counts"]
    box = leicestershire_pack.summary.set_index("strategy_id").loc["SE-1"]
    assert len(counts) == 1 and counts.columns[0] == "Number of measures"
    assert counts.iloc[0]["Number of measures"] == box["measures"]
    assert counts.iloc[0]["No data"] == box["no_data"]
    html = page.success()
    assert html.data.keys() == data.keys()
    body = re.search(r'<table class="count-box">.*?</table>', str(html)).group(0)
    cells = re.findall(r'<t[hd][^>]*class="num">([^<]*)</t[hd]>', body)
    assert cells == [str(v) for v in counts.iloc[0]]
    headings = re.findall(r'<th scope="col">([^<]*)</th>', body)
    assert headings == list(counts.columns)

    overview = CollatedPage(leicestershire_pack).overview_data()["overview"]
    assert overview.columns[0] == "Supporting outcome"  # the council's level name
    assert "Commissioner's RAG" not in overview.columns  # none was submitted
    measures = page.appendix_data(charts=False)["measures"]
    figures = leicestershire_pack.figures_for("SE-1")
    assert list(measures["Measure"]) == list(figures["title"])
    assert list(measures["Status"]) == list(figures["status_label"])


def test_text_from_the_data_is_escaped_by_the_templates():
    """Script in a title, a narrative field or a contract shows as text; the frames keep it."""
    from perfanalysis.pages import CollatedPage, StrategyPage

    pack = pack_of(ROOT / "tests" / "data" / "hostile", "Q4 2017/18")
    page = StrategyPage(pack, "roads")
    sections = [page.header(), page.narrative(), page.contracts(), page.comments()]
    sections += [page.appendix(charts=False)]
    collated = CollatedPage(pack)
    sections += [collated.contents(), collated.overview(), collated.exceptions()]
    html = "".join(str(s) for s in sections)
    assert "<script" not in html and "<img" not in html and "onerror=alert(1)>" not in html
    assert "Safer roads &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    contracts = page.contracts_data()["contracts"]
    assert contracts["Service contracted"].str.contains("<script>").any()  # the words, unescaped
    assert "Poor: needs action" in list(contracts["Performance"])
