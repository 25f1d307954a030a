"""The published pages in a real browser: WCAG 2.2 AA, offline, no script from the data, a PDF.

Debian's Chromium, driven by Playwright (fixtures in conftest.py), opens every page of the
published Lincolnshire pack from disk: axe-core (bundled by axe-playwright-python, never a CDN)
finds zero violations of the WCAG 2.0/2.1/2.2 A and AA rules; the tests below check what axe
cannot see (headings, skip link, tables, chart text alternatives, words beside colours, reflow
at 320 px and 200% zoom). Every page of the Leicestershire pack is checked with axe too. Every
request that is not file: or data: is refused and fails the test. A dataset whose text holds
script runs none of it. `perfanalysis run --pdf` writes a PDF with every strategy in it.

Screenshots and PDF pages are left in tests/artefacts/ (git-ignored) for a person to look at,
with axe.json: the rules axe ran on each page and what it found.

The first unit tests (no browser) check the contrast of the colours charts.py draws with.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from perfanalysis.errors import PerfanalysisError
from perfanalysis.runner import read_parameters

ROOT = Path(__file__).resolve().parent.parent
LINCOLNSHIRE_PARAMS = ROOT / "parameters" / "lincolnshire-2017-18-q4.yaml"
LEICESTERSHIRE_PARAMS = ROOT / "parameters" / "leicestershire-2020-21-q4.yaml"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WHITE = "#FFFFFF"


# --------------------------------------------------------------------------- contrast (unit)
def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #RRGGBB (or #RGB) colour."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str = WHITE) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_ratio_matches_wcag_examples():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#FFFFFF") == pytest.approx(1.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey for text
    assert contrast("#777") < 4.5


def test_chart_colours_meet_wcag_contrast_on_white():
    """Marks (lines, points, bars, axes) at least 3:1; chart text at least 4.5:1."""
    from perfanalysis import charts

    marks = {**charts.MARK_COLOURS}
    marks.update({f"status {s}": c for s, (c, _) in charts.STATUS_STYLE.items()})
    marks.update({f"SPC {s}": v[0] for s, v in getattr(charts, "SPC_STYLE", {}).items()})
    text_colours = charts.TEXT_COLOURS
    for name, colour in marks.items():
        assert contrast(colour) >= 3.0, f"{name} {colour}: {contrast(colour):.2f}:1"
    for name, colour in text_colours.items():
        assert contrast(colour) >= 4.5, f"{name} {colour}: {contrast(colour):.2f}:1"


def _colours(svg: str, tag_pattern: str, attribute: str) -> set[str]:
    found = set()
    for element in re.finditer(rf"<(?:{tag_pattern})\b[^>]*>", svg):
        for value in re.findall(rf'\b{attribute}="(#[0-9A-Fa-f]{{3,6}}|[a-z]+)"', element[0]):
            found.add({"white": WHITE, "black": "#000000"}.get(value.lower(), value.upper()))
    return found - {"NONE", "none", "TRANSPARENT"}


def _rendered_charts() -> list[str]:
    """A measure chart (with target and tolerance) and the status chart, as vl-convert draws."""
    from perfanalysis.charts import measure_chart, status_chart, to_svg

    history = pd.DataFrame({
        "period": ["Q1 2017/18", "Q2 2017/18", "Q3 2017/18", "Q4 2017/18"],
        "end": pd.to_datetime(["2017-06-30", "2017-09-30", "2017-12-31", "2018-03-31"]),
        "actual": [110.0, 108.0, 104.0, 103.0], "target": [100.0, 100.0, 100.0, 100.0],
        "tolerance": [5.0, 5.0, 5.0, 5.0],
    })  # fmt: skip
    figure = {"title": "People killed or seriously injured", "unit": "count", "decimals": 0,
              "polarity": "lower", "period": "Q4 2017/18", "target": 100.0, "tolerance": 5.0,
              "status": "within_tolerance"}  # fmt: skip
    summary = pd.DataFrame({
        "title": ["Safer roads", "Ready for school"], "achieving": [1, 2], "improving": [1, 0],
        "not_achieving": [1, 1], "measured": [1, 0], "no_data": [1, 0], "no_target": [1, 0],
    })  # fmt: skip
    return [to_svg(measure_chart(history, figure), "m"), to_svg(status_chart(summary), "s")]


def test_rendered_charts_draw_marks_at_3_to_1_and_text_at_4_5_to_1():
    """Every colour in the drawn SVG: axe cannot judge SVG text, so this test does.

    Not marks, so not held to 3:1: white (the page, and the gaps between stacked bars), the
    light grid lines (an aid, not data) and the tolerance band's tint (a background whose meaning
    is in the chart's key and text, and whose edge is the target line).
    """
    from perfanalysis.charts import BAND_TINT

    background = {WHITE, BAND_TINT.upper(), "#E5E5E5"}
    for svg in _rendered_charts():
        text = _colours(svg, "text|tspan", "fill")
        assert text, "no text colour found in the chart"
        for colour in text:
            assert contrast(colour) >= 4.5, f"chart text {colour}: {contrast(colour):.2f}:1"
        shapes = "path|line|rect|circle|polygon|polyline|symbol"
        marks = _colours(svg, shapes, "fill") | _colours(svg, shapes, "stroke")
        assert marks - background, "no mark colour found in the chart"
        for colour in marks - background:
            assert contrast(colour) >= 3.0, f"chart mark {colour}: {contrast(colour):.2f}:1"


def test_measure_chart_states_its_figures_and_key_in_words():
    svg = _rendered_charts()[0]
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)[1]
    for words in ("Q1 2017/18 110", "Q4 2017/18 103", "Target for Q4 2017/18: 100",
                  "tolerance of 5", "Status:"):  # fmt: skip
        assert words in desc
    assert "Key: solid line, actual; dashed line, target;" in svg
    assert "shaded band, tolerance; large marker, this period." in svg
    assert 'role="img"' in svg and 'aria-labelledby="m-title m-desc"' in svg


# --------------------------------------------------------------------------- PDF without Chromium
class _Pack:
    title, organisation, strategies = "A pack", "A council", []


def test_pdf_without_chromium_says_how_to_get_it(tmp_path, monkeypatch):
    from perfanalysis.pdf import CHROMIUM_ENV, write_pdf

    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    with pytest.raises(PerfanalysisError, match=r"Chromium.*apt-get install chromium"):
        write_pdf(tmp_path, _Pack(), tmp_path / "pack.pdf")
    monkeypatch.delenv(CHROMIUM_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PerfanalysisError, match=r"Chromium was not found"):
        write_pdf(tmp_path, _Pack(), tmp_path / "pack.pdf")
    assert not (tmp_path / "pack.pdf").exists()


# --------------------------------------------------------------------------- pages under test
def page_names(params: Path) -> list[str]:
    """The pages a pack publishes, known from its parameters before it is built."""
    p = read_parameters(params)
    ids = p.strategies
    if ids == "all":
        with open(p.dataset / "strategies.csv", newline="", encoding="utf-8") as fh:
            ids = [row["strategy_id"] for row in csv.DictReader(fh)]
    return ["index.html", *(f"strategies/{i}.html" for i in ids), "data-quality.html"]


LINCOLNSHIRE_PAGES = page_names(LINCOLNSHIRE_PARAMS)
LEICESTERSHIRE_PAGES = page_names(LEICESTERSHIRE_PARAMS)
HOSTILE_PAGES = ["index.html", "strategies/roads.html", "strategies/school.html",
                 "strategies/empty.html", "data-quality.html"]  # fmt: skip


def _names(pack: Path) -> list[str]:
    """Every HTML page the pack folder holds."""
    return [p.relative_to(pack).as_posix() for p in pack.rglob("*.html")]


# One test per pack, so that each runs on the xdist worker that built its pack.
@pytest.mark.browser
def test_every_published_lincolnshire_page_is_under_test(lincolnshire_pack):
    assert sorted(_names(lincolnshire_pack)) == sorted(LINCOLNSHIRE_PAGES)


@pytest.mark.browser
def test_every_published_leicestershire_page_is_under_test(leicestershire_pack):
    assert sorted(_names(leicestershire_pack)) == sorted(LEICESTERSHIRE_PAGES)


@pytest.mark.browser
def test_every_published_hostile_page_is_under_test(hostile_pack):
    assert sorted(_names(hostile_pack)) == sorted(HOSTILE_PAGES)


# --------------------------------------------------------------------------- axe-core
def run_axe(visit: Any) -> dict[str, Any]:
    from axe_playwright_python.base import AXE_SCRIPT

    page = visit.page
    page.evaluate(AXE_SCRIPT)  # injected by the test driver: the page's CSP forbids page scripts
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS},
               "resultTypes": ["violations", "incomplete"]}  # fmt: skip
    return page.evaluate("options => axe.run(document, options)", options)


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)


def check_axe(visit: Any, key: str, axe_log: dict[str, Any]) -> None:
    results = run_axe(visit)
    kinds = ("passes", "violations", "incomplete", "inapplicable")
    axe_log[key] = {k: len(results[k]) for k in kinds}
    axe_log[key]["rules"] = sum(axe_log[key].values())
    axe_log[key]["axe"] = results["testEngine"]["version"]
    assert axe_log[key]["rules"] >= 50, f"axe ran only {axe_log[key]['rules']} rules"
    assert not results["violations"], _describe(results["violations"])
    # axe leaves contrast "incomplete" where it cannot judge: chart text inside SVG (checked by
    # the unit test above) and symbols hidden from screen readers beside their words. Nothing else.
    for rule in results["incomplete"]:
        assert rule["id"] == "color-contrast", _describe([rule])
        for node in rule["nodes"]:
            html = node["html"]
            assert html.startswith(("<text", "<tspan")) or 'aria-hidden="true"' in html, (
                f"axe could not judge the contrast of {node['target']}: {node['any']}"
            )


def assert_offline(visit: Any) -> None:
    assert not visit.refused, f"the page asked for {visit.refused}"
    assert all(u.startswith(("file:", "data:")) for u in visit.requests), visit.requests
    assert not visit.console_errors, visit.console_errors
    assert not visit.page_errors, visit.page_errors
    assert not visit.dialogs, visit.dialogs


@pytest.mark.browser
@pytest.mark.parametrize("name", LINCOLNSHIRE_PAGES)
def test_lincolnshire_axe_finds_no_violations(lincolnshire_pack, open_page, axe_log, name):
    visit = open_page(lincolnshire_pack / name)
    check_axe(visit, f"lincolnshire/{name}", axe_log)
    assert_offline(visit)


@pytest.mark.browser
@pytest.mark.parametrize("name", LEICESTERSHIRE_PAGES)
def test_leicestershire_axe_finds_no_violations(leicestershire_pack, open_page, axe_log, name):
    visit = open_page(leicestershire_pack / name)
    check_axe(visit, f"leicestershire/{name}", axe_log)
    assert_offline(visit)
    assert_charts_render(visit)


# --------------------------------------------------------------------------- beyond axe
_STRUCTURE = """() => {
  const text = el => (el.textContent || '').replace(/\\s+/g, ' ').trim();
  const visibleWords = el => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('[aria-hidden="true"]').forEach(n => n.remove());
    return text(copy);
  };
  const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
  return {
    lang: document.documentElement.lang,
    title: document.title,
    csp: csp ? csp.content : null,
    headings: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')]
      .map(h => [+h.tagName[1], text(h)]),
    mains: document.querySelectorAll('main').length,
    tables: [...document.querySelectorAll('table')].map(t => ({
      caption: t.caption ? text(t.caption) : '',
      headers: [...t.querySelectorAll('th')].map(th => th.getAttribute('scope')),
      wrapper: t.parentElement.matches('.table-wrap[tabindex="0"][role="region"][aria-label]'),
    })),
    badges: [...document.querySelectorAll('.status, .rag, .perf, .dot, [class^="dq-"]')].map(b => ({
      words: visibleWords(b),
      symbolsHidden: [...b.querySelectorAll('.symbol')]
        .every(s => s.getAttribute('aria-hidden') === 'true'),
    })),
    charts: [...document.querySelectorAll('svg[role="img"]')].map(s => ({
      id: s.getAttribute('aria-labelledby'),
      marks: s.querySelectorAll('path, rect, line, circle').length,
    })),
  };
}"""


def _accessible_images(visit: Any) -> list[str]:
    """The names Chromium gives the page's images (what a screen reader reads)."""
    session = visit.page.context.new_cdp_session(visit.page)
    try:
        tree = session.send("Accessibility.getFullAXTree")
    finally:
        session.detach()
    return [n.get("name", {}).get("value", "") for n in tree["nodes"]
            if n.get("role", {}).get("value") == "image" and not n.get("ignored")]  # fmt: skip


def assert_charts_render(visit: Any) -> None:
    charts = visit.page.locator('svg[role="img"]')
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50, f"chart {i} is drawn at {box}"


def _figures(pack: Path) -> list[dict[str, str]]:
    with open(pack / "figures.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.browser
@pytest.mark.parametrize("name", LINCOLNSHIRE_PAGES)
def test_lincolnshire_page_structure_and_text_alternatives(lincolnshire_pack, open_page, name):
    visit = open_page(lincolnshire_pack / name)
    page = visit.page
    s = page.evaluate(_STRUCTURE)
    assert s["lang"] == "en-GB" and s["title"] and s["mains"] == 1
    assert s["csp"] and "default-src 'none'" in s["csp"] and "script-src 'none'" in s["csp"]
    # one h1, first; no heading level skipped on the way down
    levels = [lvl for lvl, _ in s["headings"]]
    assert levels and levels[0] == 1 and levels.count(1) == 1, s["headings"]
    for (before, _), (after, words) in zip(s["headings"], s["headings"][1:], strict=False):
        assert after <= before + 1, f"h{before} then h{after} ({words})"
    assert all(words for _, words in s["headings"]), "an empty heading"
    # tables: a caption, header cells with scope, a focusable wrapper that scrolls
    for t in s["tables"]:
        assert t["caption"], "a table without a caption"
        assert t["headers"] and all(sc in ("col", "row") for sc in t["headers"]), t
        assert t["wrapper"], f"table '{t['caption']}' is not in a focusable scrolling region"
    # statuses, RAG, contract performance, direction, data-quality results: words, not colour
    assert s["badges"], "no status on the page"
    for b in s["badges"]:
        assert re.search(r"[A-Za-z]", b["words"]), f"a status without words: {b}"
        assert b["symbolsHidden"], f"a status symbol read aloud: {b}"
    # charts: drawn, and named with their figures as a screen reader hears them
    assert_charts_render(visit)
    names = _accessible_images(visit)
    assert len(names) == len(s["charts"]), (names, s["charts"])
    figures = [f for f in _figures(lincolnshire_pack)
               if name == f"strategies/{f['strategy_id']}.html"]  # fmt: skip
    for chart in s["charts"]:
        assert chart["marks"] > 3, f"chart {chart['id']} has nothing drawn"
    for spoken in names:
        assert re.search(r"\d", spoken), f"a chart whose name states no figure: {spoken!r}"
    if name.startswith("strategies/"):
        charted = [f for f in figures if f["actual"]]
        assert len(names) >= len(charted) > 0
        for f in charted:
            said = [n for n in names if n.startswith(f["title"])]
            assert said, f"no chart named after {f['title']!r}"
            assert "Actuals:" in said[0] and f"Status: {f['status_label']}." in said[0]
    if name == "index.html":
        status_chart = [n for n in names if n.startswith("Measures by status")]
        assert status_chart, names
        titles = [a.inner_text() for a in page.locator("ol.contents a").all()]
        assert titles and all(f"{t}: " in status_chart[0] for t in titles)


@pytest.mark.browser
@pytest.mark.parametrize("name", ["index.html", LINCOLNSHIRE_PAGES[1], "data-quality.html"])
def test_skip_link_moves_focus_to_the_main_content(lincolnshire_pack, open_page, name):
    page = open_page(lincolnshire_pack / name).page
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, "
                            "document.activeElement.getAttribute('href')]")  # fmt: skip
    assert focused == ["skip-link", "#main"], focused
    box = page.locator(".skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0, "skip link not shown"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.url.endswith("#main")
    # the next Tab goes to the first link inside the main content, not back to the top
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")


_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.querySelectorAll('main p, main li, h1, h2, h3, h4, caption, nav')) {
    if (el.closest('.table-wrap, figure')) continue;  // these scroll in their own region
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > width + 1 || r.left < -1)) {
      bad.push(el.tagName + ': ' + el.textContent.slice(0, 60));
    }
  }
  const unreachable = [...document.querySelectorAll('.table-wrap, figure')]
    .filter(el => el.scrollWidth > el.clientWidth + 1 && el.tabIndex < 0)
    .map(el => el.className);
  return {scrollWidth: document.documentElement.scrollWidth, width, bad, unreachable};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("name", LINCOLNSHIRE_PAGES)
def test_lincolnshire_reflows_at_320_px_and_200_percent_zoom(lincolnshire_pack, open_page, name):
    # 320 CSS px wide (WCAG 1.4.10), and a 1280 px window at 200% zoom (640 CSS px)
    for width, height in ((320, 640), (640, 450)):
        visit = open_page(lincolnshire_pack / name, width=width, height=height)
        r = visit.page.evaluate(_OVERFLOW)
        assert r["scrollWidth"] <= width, f"{width} px: the page scrolls sideways ({r})"
        assert not r["bad"], f"{width} px: text outside the window: {r['bad'][:5]}"
        assert not r["unreachable"], f"{width} px: a scrolling region not reachable by keyboard"
        assert_charts_render(visit)
    # text alone at 200% (WCAG 1.4.4): nothing clipped, no sideways scrolling of body text
    visit = open_page(lincolnshire_pack / name)
    visit.page.add_style_tag(content="html { font-size: 200% !important; }")
    r = visit.page.evaluate(_OVERFLOW)
    assert r["scrollWidth"] <= r["width"] and not r["bad"], r


# --------------------------------------------------------------------------- offline, CSP
@pytest.mark.browser
def test_the_offline_guard_sees_and_refuses_remote_requests(open_page, tmp_path):
    """The guard the other tests rely on is not blind: a page that phones out is caught."""
    page = tmp_path / "phones-home.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><title>x</title>'
        '<img src="https://cdn.example.com/x.png" alt="">'
        '<link rel="stylesheet" href="http://example.org/a.css">',
        encoding="utf-8",
    )
    visit = open_page(page)
    assert sorted(visit.refused) == ["http://example.org/a.css", "https://cdn.example.com/x.png"]


@pytest.mark.browser
def test_csp_stops_a_script_that_got_into_the_page(lincolnshire_pack, open_page):
    """The second wall: even script put into the page's DOM does not run."""
    visit = open_page(lincolnshire_pack / "index.html")
    visit.page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__ran = "script"';
        document.body.append(s);
        document.body.insertAdjacentHTML('beforeend',
            '<img alt="" src="data:," onerror="window.__ran = \\'handler\\'">');
    }""")
    visit.page.wait_for_timeout(100)
    assert visit.page.evaluate("window.__ran") is None
    assert any("Content Security Policy" in e for e in visit.console_errors)


# --------------------------------------------------------------------------- hostile data
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))", '<a href="javascript:alert(1)">x</a>',
            '**bold** <b onmouseover="alert(1)">raw HTML</b>']  # fmt: skip
EXPECTED_TEXT = {  # what each page must show, as text
    "index.html": ["Hostileshire <script>alert(1)</script> [x](javascript:alert(1)): report",
                   "Hostileshire <b onmouseover=alert(1)>County</b> Council",
                   "Speed camera maintenance <script>alert(1)</script>", *PAYLOADS],
    "strategies/roads.html": ["Safer roads </title><script>alert(1)</script>", *PAYLOADS],
    "strategies/school.html": PAYLOADS,
    "strategies/empty.html": ["<script>alert(1)</script>"],
    "data-quality.html": ["Hostileshire <b onmouseover=alert(1)>County</b> Council"],
}  # fmt: skip
_INJECTED = """() => ({
  elements: [...document.querySelectorAll('script, iframe, object, embed, img, b, form, base')]
    .map(e => e.outerHTML.slice(0, 80)),
  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
    .filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
    .filter(h => !/^(#|\\.\\.\\/|strategies\\/|[\\w-]+\\.(html|csv)(#.*)?$)/.test(h)),
  text: document.body.innerText,
})"""


@pytest.mark.browser
@pytest.mark.parametrize("csp", ["csp", "no-csp"])
@pytest.mark.parametrize("name", HOSTILE_PAGES)
def test_script_in_the_data_shows_as_text_and_never_runs(hostile_pack, open_page, name, csp):
    """With the page's CSP, and without it: escaping alone keeps every payload inert."""
    visit = open_page(hostile_pack / name, bypass_csp=csp == "no-csp")
    page = visit.page
    page.mouse.move(200, 200)
    page.mouse.wheel(0, 4000)  # scroll every line past the pointer
    for i in range(min(page.locator("main a").count(), 20)):
        page.locator("main a").nth(i).hover()
    found = page.evaluate(_INJECTED)
    assert not found["elements"], f"markup from the data became elements: {found['elements']}"
    assert not found["handlers"], f"event handlers from the data: {found['handlers']}"
    assert not found["links"], f"links from the data: {found['links']}"
    for words in EXPECTED_TEXT[name]:
        assert words in found["text"], f"{words!r} is not shown as text"
    if name == "index.html":
        assert page.title().startswith("Hostileshire <script>alert(1)</script>")
    assert_offline(visit)  # no dialog, no page error, no CSP report, nothing fetched


# --------------------------------------------------------------------------- PDF
@pytest.mark.browser
def test_run_with_pdf_writes_every_strategy_in_contents_order(lincolnshire_pack, artefacts):
    from pypdf import PdfReader

    pdf = lincolnshire_pack / "pack.pdf"
    assert pdf.is_file(), "`perfanalysis run --pdf` wrote no pack.pdf"
    reader = PdfReader(pdf)
    pages = len(reader.pages)
    params = read_parameters(LINCOLNSHIRE_PARAMS)
    with open(params.dataset / "strategies.csv", newline="", encoding="utf-8") as fh:
        titles = {r["strategy_id"]: r["title"] for r in csv.DictReader(fh)}
    strategy_titles = [titles[s] for s in params.strategies]
    assert len(strategy_titles) + 1 <= pages <= 20 * (len(strategy_titles) + 1)
    text = [" ".join(p.extract_text().split()) for p in reader.pages]
    whole = " ".join(text)
    assert params.title in text[0]
    for title in strategy_titles:
        assert title in whole, f"{title!r} is not in the PDF"
    # one bookmark per section, in contents order, each at the page where its section starts
    outline = [(o.title, reader.get_destination_page_number(o)) for o in reader.outline]
    assert [t for t, _ in outline] == [params.title, *strategy_titles]
    starts = [p for _, p in outline]
    assert starts == sorted(starts) and starts[0] == 0 and len(set(starts)) == len(starts)
    for title, start in outline[1:]:
        assert title in text[start], f"{title!r} does not start on page {start + 1}"
    # links work inside the one document and name no folder of the machine that built it
    annotations = [(i, a.get_object()) for i, p in enumerate(reader.pages)
                   for a in p.get("/Annots") or []]  # fmt: skip
    links = [(i, a) for i, a in annotations if a.get("/Subtype") == "/Link"]
    targets: dict[int, set[int]] = {}
    for i, link in links:
        uri = str(link["/A"].get("/URI", "")) if "/A" in link else ""
        assert not uri.startswith("file:"), f"page {i + 1} links to {uri}"
        if "/Dest" in link:
            dest = link["/Dest"]
            assert not isinstance(dest, str), f"page {i + 1}: a named link {dest} left unresolved"
            targets.setdefault(i, set()).add(reader.get_page_number(dest[0].get_object()))
    assert set(starts[1:]) <= targets.get(0, set()), "the contents do not link to every section"
    assert b"file://" not in pdf.read_bytes()
    # numbered through, in the footer of every page
    for i, words in enumerate(text, start=1):
        assert f"Page {i} of {pages}" in words, f"page {i} has no page number"
    assert reader.metadata.title == params.title
    # the first pages as pictures, for a person to look at
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) is needed to picture the PDF"
    for old in artefacts.glob("pack-pdf-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", "70", "-f", "1", "-l", "3", str(pdf),
                    str(artefacts / "pack-pdf")], check=True, timeout=120)  # fmt: skip
    shutil.copyfile(pdf, artefacts / "pack.pdf")
    assert len(list(artefacts.glob("pack-pdf-*.png"))) == 3


# --------------------------------------------------------------------------- screenshots
@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("name", ["index.html", "strategies/learn-achieve.html"])
def test_screenshots_for_a_person_to_look_at(lincolnshire_pack, open_page, artefacts, name, width):
    visit = open_page(lincolnshire_pack / name, width=width, height=900)
    out = artefacts / f"{Path(name).stem}-{width}.png"
    visit.page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= width
