"""Rendering the published pages: the Jinja environment of templates/pages, and its helpers.

Every value a template prints is escaped (autoescape, `StrictUndefined`): narrative fields are
plain text with a tiny, safe structure (a line starting "- " is a bullet, a blank line starts a
paragraph, see `paragraphs`); nothing in them is ever read as HTML or markdown, so a `<script>`
in a commissioner's comment shows as text. The templates give tables captions and header cells
with scope, and statuses and RAG a symbol and words, never colour alone. `esc` and `table` remain
for the data-quality page (`publish`); `safe_html` keeps an analyst's markdown to safe tags.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

__all__ = [
    "Fragment",
    "Cell",
    "esc",
    "text",
    "paragraphs",
    "render_section",
    "render_macro",
    "table",
    "slug",
]

#: The pages' Jinja templates: one file per page, one macro per section (see docs/analysts.md).
PAGE_TEMPLATES = Path(__file__).resolve().parent / "templates" / "pages"


class Fragment:
    """A piece of HTML that Jupyter displays as HTML (and nbconvert publishes as it is).

    `data` is what the section was rendered from (frames and words), for an analyst to look at.
    """

    def __init__(self, markup: str, data: dict[str, Any] | None = None) -> None:
        self.markup = markup
        self.data: dict[str, Any] = data if data is not None else {}

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return f"<HTML fragment, {len(self.markup)} characters>"

    def __add__(self, other: Fragment | str) -> Fragment:
        return Fragment(self.markup + str(other))


class Cell(str):
    """A table cell's words, with what the template needs to mark them (a status's code, ...).

    It is a plain string to pandas and to an analyst (the words a reader sees); the page's
    template reads `kind` and `code` to draw the symbol and class beside the words.
    """

    kind: str
    code: str
    symbol: str
    note: str
    href: str

    def __new__(
        cls,
        words: str,
        kind: str = "",
        code: str = "",
        symbol: str = "",
        note: str = "",
        href: str = "",
    ) -> Cell:
        cell = super().__new__(cls, words)
        cell.kind, cell.code, cell.symbol, cell.note, cell.href = kind, code, symbol, note, href
        return cell


class _Loader(jinja2.FileSystemLoader):
    """Templates written one element a line, read as one line: a line break (and the indent after
    it) next to an HTML tag is dropped, any other (inside a sentence) becomes one space; `{%-` and
    `-%}` trim as usual. So a page's HTML has no whitespace its templates do not ask for."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)

        def join(m: re.Match[str]) -> str:
            before = source[m.start() - 1] if m.start() else ">"
            after = source[m.end()] if m.end() < len(source) else "<"
            return "" if before == ">" or after == "<" else " "

        return re.sub(r"[ \t]*\n[ \t]*", join, source), filename, uptodate


def _finalize(value: Any) -> Any:
    """Escape every value a template prints the way the pages always have (`html.escape`):
    `&#x27;` for an apostrophe, as before the templates. Markup (a macro's output, our SVG) is
    printed as it is."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_Loader(PAGE_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=False,
    )
    env.filters["slug"] = slug
    from perfanalysis.narrative import _ASSURANCE_SYMBOL, _VARIATION_SYMBOL
    from perfanalysis.spc import ASSURANCE_WORDS, VARIATION_WORDS

    env.globals.update(
        VARIATION_WORDS=VARIATION_WORDS,
        ASSURANCE_WORDS=ASSURANCE_WORDS,
        VARIATION_SYMBOL=_VARIATION_SYMBOL,
        ASSURANCE_SYMBOL=_ASSURANCE_SYMBOL,
    )
    return env


def render_section(page: str, section: str, data: dict[str, Any]) -> Fragment:
    """Render one section of a page: the macro `section` of templates/pages/`page`.html.j2."""
    return Fragment(render_macro(page, section, data), data)


def render_macro(template: str, macro: str, *args: Any) -> str:
    """The HTML of one macro of templates/pages/`template`.html.j2, called with `args`."""
    module = _environment().get_template(f"{template}.html.j2").module
    return str(getattr(module, macro)(*args))


def text(value: Any, default: str = "") -> str:
    """Text from the data as a page shows it: stripped, or `default` when blank (unescaped)."""
    return default if _blank(value) else str(value).strip()


def paragraphs(value: Any) -> list[str | list[str]]:
    """Plain text as blocks: a paragraph is a string, a bullet list a list of strings.

    A line starting "- ", "* " or "\u2022 " is a bullet; nothing is read as HTML or markdown.
    An empty list when the text is blank.
    """
    if _blank(value):
        return []
    out: list[str | list[str]] = []
    for block in re.split(r"\n\s*\n", str(value).replace("\r\n", "\n").strip()):
        bullets: list[str] = []
        for line in (ln.strip() for ln in block.split("\n")):
            if not line:
                continue
            if line.startswith(("- ", "* ", "\u2022 ")):
                bullets.append(line[2:].strip())
                continue
            if bullets:
                out.append(bullets)
                bullets = []
            out.append(line)
        if bullets:
            out.append(bullets)
    return out


def _blank(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return str(value).strip() == ""


def esc(value: Any, default: str = "") -> str:
    """Text for HTML: escaped, or `default` when blank."""
    if _blank(value):
        return html.escape(default)
    return html.escape(str(value).strip(), quote=True)


def slug(text: str) -> str:
    """An id for an element: lower case letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


def table(
    rows: Iterable[Sequence[str]],
    headers: Sequence[str],
    caption: str,
    *,
    row_headers: bool = True,
    css: str = "",
    numeric: Sequence[int] = (),
    row_classes: Sequence[str] | None = None,
) -> str:
    """A table with a caption and header cells with scope. Cells are HTML already escaped."""
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row):
            cls = ' class="num"' if j in numeric else ""
            if j == 0 and row_headers:
                cells.append(f'<th scope="row"{cls}>{cell}</th>')
            else:
                cells.append(f"<td{cls}>{cell}</td>")
        rc = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{rc}>{''.join(cells)}</tr>")
    cls = f' class="{css}"' if css else ""
    label = html.escape(caption, quote=True)
    rows_html = "".join(body)
    return (
        f'<div class="table-wrap" role="region" tabindex="0" aria-label="{label}">'
        f"<table{cls}><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table></div>"
    )


#: What an analyst's markdown may become on a published page: text structure, tables, links and
#: images, never script, forms, frames or styles (see `safe_html`).
_SAFE_TAGS = frozenset(
    {"a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div"}
    | {"dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i"}
    | {"img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup"}
    | {"table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
)
_SAFE_ATTRIBUTES = {
    "*": ["class", "id", "title", "lang"],
    "a": ["href"],
    "img": ["src", "alt", "width", "height"],
    "th": ["scope", "colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
}


def safe_html(markup: str) -> str:
    """Markdown rendered to HTML, kept to safe tags (headings, lists, tables, links, images).

    nbconvert's own `clean_html` escapes headings and paragraphs, so an analyst's markdown cell
    showed as `<h1>` text on the page; this keeps them and still drops script, styles and
    event handlers. Images may only be `data:` URIs (the pages load nothing from elsewhere).
    """
    import bleach

    return bleach.clean(
        str(markup),
        tags=_SAFE_TAGS,
        attributes=_SAFE_ATTRIBUTES,
        protocols=["http", "https", "mailto", "data"],
        strip=True,
    )
