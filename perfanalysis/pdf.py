"""pack.pdf: the collated report and every strategy page, printed by headless Chromium.

`write_pdf` prints each published page with Chromium's print to PDF (A4, the print rules of
pack.css: headings kept with what follows, table rows and charts never split, table headers
repeated), merges the prints in contents order with pypdf, numbers every page of the merged
document ("Page 7 of 42", continuous across sections), and adds a bookmark per section.

Offline: every request that is not `file:` or `data:` is refused, as in the published pages.
Reproducible: the dates and identifiers that would differ from run to run are fixed, so the
same pack gives the same bytes. Needs Chromium (Debian's `chromium`; Playwright's own browser
download is not used) and the Python packages playwright and pypdf.
"""

from __future__ import annotations

import asyncio
import html
import io
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from perfanalysis.errors import PerfanalysisError

__all__ = ["write_pdf", "find_chromium", "CHROMIUM_ARGS", "CHROMIUM_ENV"]

log = logging.getLogger("perfanalysis")

#: The environment variable that names the Chromium to use; otherwise the usual names are tried.
CHROMIUM_ENV = "PERFANALYSIS_CHROMIUM"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
#: Flags for a quiet, offline, headless Chromium (also used by the browser tests).
CHROMIUM_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)  # fmt: skip
_INSTALL = "install it (Debian: `apt-get install chromium`) or set {env} to its path"
_FOOTER_STYLE = (
    "font-family: 'Liberation Sans', Arial, sans-serif; font-size: 8pt; color: #0b0c0c; "
    "width: 100%; margin: 0 12mm; padding-bottom: 4mm;"
)
# A4 page and margins as in pack.css; the page numbers sit in the bottom margin, on the right.
_NUMBERS_HTML = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 0; }}
html, body {{ margin: 0; padding: 0; }}
.page {{ position: relative; height: 296mm; overflow: hidden; break-after: page; }}
.page:last-child {{ break-after: auto; }}
.n {{ position: absolute; right: 12mm; bottom: 8.5mm; font: 8pt 'Liberation Sans', Arial,
      sans-serif; color: #0b0c0c; }}
</style></head><body>{pages}</body></html>"""


def find_chromium() -> Path:
    """The Chromium to print with: $PERFANALYSIS_CHROMIUM, else chromium on the PATH.

    Raises PerfanalysisError, saying how to install it, when there is none.
    """
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        path = Path(named)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise PerfanalysisError(
            f"cannot write pack.pdf: {CHROMIUM_ENV} names {named}, which is not an executable "
            "Chromium; " + _INSTALL.format(env=CHROMIUM_ENV)
        )
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise PerfanalysisError(
        "cannot write pack.pdf: Chromium was not found (looked for "
        f"{', '.join(_CANDIDATES)} on the PATH); " + _INSTALL.format(env=CHROMIUM_ENV)
    )


def _sections(pack_dir: Path, pack: Any) -> list[tuple[str, Path]]:
    """(bookmark title, page) in contents order: the collated report, then every strategy."""
    titles = dict(zip(pack.dataset.framework.strategies["strategy_id"],
                      pack.dataset.framework.strategies["title"], strict=True))  # fmt: skip
    sections = [(str(pack.title), pack_dir / "index.html")]
    sections += [(str(titles.get(sid, sid)), pack_dir / "strategies" / f"{sid}.html")
                 for sid in pack.strategies]  # fmt: skip
    missing = [str(p) for _, p in sections if not p.is_file()]
    if missing:
        raise PerfanalysisError(f"cannot write pack.pdf: no page at {', '.join(missing)}")
    return sections


def write_pdf(pack_dir: str | Path, pack: Any, out_path: str | Path) -> Path:
    """Print the collated report and every strategy page, in contents order, into one PDF.

    `pack_dir` holds the published pages (index.html and strategies/); `pack` is the PackData
    they were built from (its title, organisation and strategies, in order). Raises
    PerfanalysisError when Chromium, playwright or pypdf is missing, or printing fails.
    """
    pack_dir, out_path = Path(pack_dir), Path(out_path)
    chromium = find_chromium()
    sections = _sections(pack_dir, pack)
    try:
        import pypdf  # noqa: F401
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError as exc:
        raise PerfanalysisError(
            f"cannot write pack.pdf: the Python package {exc.name} is not installed "
            "(pip install playwright pypdf)"
        ) from None
    org = str(pack.organisation)
    footers = [t if t.startswith(org) else f"{org} \u00b7 {t}" for t, _ in sections]
    prints = _in_own_thread(_print_all, chromium, sections, footers)
    data = _merge(prints, sections, pack)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out_path)
    return out_path


def _in_own_thread(func: Any, *args: Any) -> Any:
    """Run Playwright's sync API; in a thread of its own when an event loop is running here
    (a notebook, say), where the sync API refuses to start."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func(*args)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = func(*args)
        except BaseException as exc:  # handed back to the caller below
            box["error"] = exc

    worker = threading.Thread(target=target, name="perfanalysis-pdf")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def _offline(route: Any) -> None:
    url = route.request.url
    if url.startswith(("file:", "data:")):
        route.continue_()
    else:
        log.warning("pack.pdf: refused a request for %s", url)
        route.abort()


def _print_all(chromium: Path, sections: list[tuple[str, Path]], footers: list[str]) -> list[bytes]:
    """Each section printed to PDF bytes, then a document of page numbers as the last item."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            try:
                browser = pw.chromium.launch(executable_path=str(chromium),
                                             args=list(CHROMIUM_ARGS))  # fmt: skip
            except PlaywrightError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no reason given"
                raise PerfanalysisError(
                    f"cannot write pack.pdf: Chromium at {chromium} did not start ({first}); "
                    + _INSTALL.format(env=CHROMIUM_ENV)
                ) from None
            try:
                context = browser.new_context(java_script_enabled=False, offline=True)
                context.route("**/*", _offline)
                page = context.new_page()
                prints = []
                for (_, path), footer in zip(sections, footers, strict=True):
                    page.goto(path.resolve().as_uri(), wait_until="load")
                    text = html.escape(footer)
                    prints.append(page.pdf(
                        format="A4", prefer_css_page_size=True, print_background=True,
                        display_header_footer=True, header_template="<span></span>",
                        footer_template=f'<div style="{_FOOTER_STYLE}">{text}</div>',
                    ))  # fmt: skip
                total = sum(_count(p) for p in prints)
                pages = "".join(
                    f'<div class="page"><span class="n">Page {i} of {total}</span></div>'
                    for i in range(1, total + 1)
                )
                page.set_content(_NUMBERS_HTML.format(pages=pages), wait_until="load")
                prints.append(page.pdf(format="A4", prefer_css_page_size=True))
                return prints
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PerfanalysisError(
            f"cannot write pack.pdf: Chromium failed while printing: {exc}"
        ) from None


def _count(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _merge(prints: list[bytes], sections: list[tuple[str, Path]], pack: Any) -> bytes:
    """One document: the sections in order, numbered, with a bookmark per section.

    Links are made to work inside the one document and to name no folder of this machine:
    a link to a page of the pack goes to the page where its section starts, a link within a
    page (Appendix A) to its place in that section, a link to another file of the pack
    (data-quality.html, figures.csv) is made relative to the pack folder, where pack.pdf is.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    *parts, numbers = prints
    number_pages = PdfReader(io.BytesIO(numbers)).pages
    writer = PdfWriter()
    starts: dict[str, int] = {}  # page's file URI -> index of its section's first page
    anchors: list[dict[str, int]] = []  # per section: anchor name -> page index
    spans: list[tuple[int, int]] = []
    for (title, path), data in zip(sections, parts, strict=True):
        start = len(writer.pages)
        reader = PdfReader(io.BytesIO(data))
        # Chromium's positions within a page are off by its margins: the page is enough.
        names = {str(name).lstrip("/"): start + reader.get_destination_page_number(dest)
                 for name, dest in reader.named_destinations.items()}  # fmt: skip
        for page in reader.pages:
            writer.add_page(page)
        writer.add_outline_item(title, start)
        starts[path.resolve().as_uri()] = start
        anchors.append(names)
        spans.append((start, len(writer.pages)))
    base = sections[0][1].resolve().parent.as_uri() + "/"
    for (first, end), names in zip(spans, anchors, strict=True):
        for index in range(first, end):
            _fix_links(writer, index, starts, names, base)
    if len(number_pages) != len(writer.pages):
        raise PerfanalysisError(
            f"cannot write pack.pdf: numbered {len(number_pages)} pages of {len(writer.pages)}"
        )
    for page, number in zip(writer.pages, number_pages, strict=True):
        page.merge_page(number)
    # Dates fixed (the period's end), so the same pack prints to the same bytes.
    stamp = f"D:{pack.period.end:%Y%m%d}000000Z"
    writer.add_metadata({"/Title": str(pack.title), "/Author": str(pack.organisation),
                         "/Creator": "perfanalysis", "/Producer": "perfanalysis (Chromium, pypdf)",
                         "/CreationDate": stamp, "/ModDate": stamp})  # fmt: skip
    writer.root_object[NameObject("/Lang")] = TextStringObject("en-GB")
    writer.page_mode = "/UseOutlines"
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _fix_links(
    writer: Any,
    index: int,
    starts: dict[str, int],
    names: dict[str, int],
    base: str,
) -> None:
    """Point one page's link annotations inside the merged document (see `_merge`)."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    def goto(page_index: int) -> ArrayObject:
        return ArrayObject([writer.pages[page_index].indirect_reference, NameObject("/Fit")])

    for ref in writer.pages[index].get("/Annots") or []:
        annot = ref.get_object()
        if annot.get("/Subtype") != "/Link":
            continue
        dest = annot.get("/Dest")
        action = annot.get("/A")
        if dest is not None and not isinstance(dest, ArrayObject):
            target = names.get(str(dest).lstrip("/"))
            if target is not None:
                annot[NameObject("/Dest")] = goto(target)
            else:
                del annot["/Dest"]
            continue
        if action is None or action.get("/S") != "/URI":
            continue
        uri = str(action.get("/URI"))
        page_uri = uri.partition("#")[0]
        if page_uri in starts:
            del annot["/A"]
            annot[NameObject("/Dest")] = goto(starts[page_uri])
        elif uri.startswith(base):
            relative = TextStringObject(uri[len(base) :])
            annot[NameObject("/A")] = DictionaryObject(
                {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): relative}
            )
        elif uri.startswith("file:"):
            del annot["/A"]  # a file outside the pack: no link rather than this machine's path
