"""Fixtures shared by the test modules.

Packs: the real packs, published once per test session with the `perfanalysis run` command (as a
scheduler runs it) into a temporary folder. Under pytest-xdist (`make test` runs
`-n auto --dist loadgroup`) every test that uses a pack, or a module-scoped fixture, is put in
that fixture's group, so the one worker that builds it runs all of them (see
`pytest_xdist_make_scheduler`). Browser: Debian's Chromium driven by Playwright's
sync API, and `open_page`, which opens a page in a fresh context that refuses every request that
is not `file:` or `data:` and records what the page tried to do (see `PageVisit`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from perfanalysis.cli import _skip_unused_grammar

# Test workers import as the `perfanalysis` command does: without jsonschema's optional IRI
# grammar, which no test, suite or notebook of ours uses, and which costs each worker 1.3 s to
# build. A kernel a test starts imports as it always does.
_skip_unused_grammar()

ROOT = Path(__file__).resolve().parent.parent
LINCOLNSHIRE_PARAMS = ROOT / "parameters" / "lincolnshire-2017-18-q4.yaml"
LEICESTERSHIRE_PARAMS = ROOT / "parameters" / "leicestershire-2020-21-q4.yaml"
HOSTILE_DATA = ROOT / "tests" / "data" / "hostile"
#: Screenshots and PDF pages for a person to look at (git-ignored).
ARTEFACTS = ROOT / "tests" / "artefacts"
#: Debian's Chromium (Playwright's own browser download cannot work here).
CHROMIUM = Path(os.environ.get("PERFANALYSIS_CHROMIUM") or "/usr/bin/chromium")


def examples(n: int) -> int:
    """How many examples a property test tries: `n` in `make test`, a quarter (at least 10)
    in `make test-fast` (PERFANALYSIS_QUICK_PROPERTIES=1), for a quick answer while at work."""
    if os.environ.get("PERFANALYSIS_QUICK_PROPERTIES") == "1":
        return max(10, n // 4)
    return n


# --------------------------------------------------------------------------- parallel runs
#: Session fixtures that publish a pack (seconds each): their tests share the worker that built it.
PACK_FIXTURES = ("lincolnshire_pack", "leicestershire_pack", "hostile_pack", "audit_pack")


def _shared_fixture_group(item: pytest.Item) -> str | None:
    """The xdist group of a test: the pack it uses, or its module if it uses a module fixture.

    A pack's name wins over a module: a test module's fixture that wraps a session pack
    (test_pack.py's `lincs_pack`) runs where the pack is.
    """
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    module = None
    for name in item.fixturenames:
        defs = info.name2fixturedefs.get(name)
        if not defs:
            continue
        fixture = defs[-1]  # the definition that applies to this test
        if fixture.scope == "session" and name in PACK_FIXTURES:
            return name
        if fixture.scope == "module" and fixture.baseid:  # one of ours, not a plugin's
            module = item.nodeid.split("::")[0]
    return module


#: Where the xdist workers leave each test's group for the controller's scheduler (a folder).
GROUPS_KEY = "perfanalysis_test_groups"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """The controller tells each xdist worker where to write the groups it collected."""
    folder = getattr(node.config, "_perfanalysis_groups", None)
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="pytest-groups-"))
        node.config._perfanalysis_groups = folder
    node.workerinput[GROUPS_KEY] = str(folder)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """An xdist worker writes the group of every test that shares a costly fixture."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or GROUPS_KEY not in workerinput:
        return
    groups = {item.nodeid: g for item in items if (g := _shared_fixture_group(item)) is not None}
    name = f"{workerinput['workerid']}.json"
    (Path(workerinput[GROUPS_KEY]) / name).write_text(json.dumps(groups), encoding="utf-8")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup`, with the groups of shared fixtures (`_shared_fixture_group`).

    Every test in a group is sent to one worker, which builds the fixture once. xdist's own
    `xdist_group` marker is honoured too; it cannot carry these groups: with pytest 9.2 the
    marker is silently ignored (pytest-xdist issue 1386).
    """
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SharedFixtureScheduling(LoadGroupScheduling):
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # every worker has collected (and written) by now
                folder = getattr(config, "_perfanalysis_groups", None)
                self.groups = {}
                for path in sorted(folder.glob("*.json")) if folder else []:
                    self.groups.update(json.loads(path.read_text(encoding="utf-8")))
            group = self.groups.get(nodeid)
            return f"group:{group}" if group else super()._split_scope(nodeid)

    return SharedFixtureScheduling(config, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The controller removes the groups' folder."""
    folder = getattr(config, "_perfanalysis_groups", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- packs
def tree_digest(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` with the SHA-256 of its bytes ('dir' for folders)."""
    import hashlib

    return {
        p.relative_to(folder).as_posix(): "dir" if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }  # fmt: skip


def publish_pack(params: Path, out: Path, *options: str, tmpdir: Path | None = None) -> Path:
    """Publish a pack with `perfanalysis run PARAMS --out OUT`; fail the test with its stderr.

    The run's temporary folder (TMPDIR) is one of the test's own: whatever it held before the
    run must be there, unchanged, afterwards, and nothing else (no kernel socket folders).
    """
    command = [sys.executable, "-m", "perfanalysis.cli", "run", str(params), "--out", str(out),
               "--quiet", *options]  # fmt: skip
    tmpdir = tmpdir or out.parent / "tmpdir"
    tmpdir.mkdir(exist_ok=True)
    before = tree_digest(tmpdir)
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200, env=env)
    if done.returncode != 0 or not (out / "index.html").is_file():
        pytest.fail(f"`perfanalysis run {params.name}` exited {done.returncode}:\n"
                    f"{done.stderr[-4000:]}", pytrace=False)  # fmt: skip
    assert tree_digest(tmpdir) == before, "the run left or changed files in its temp folder"
    return out


#: A pickle that, if anything ever unpickled it, would create the file named in it.
def _booby_trapped_pickle(marker: Path) -> bytes:
    import pickle

    class Trap:
        def __reduce__(self) -> tuple[Any, ...]:
            return (open, (str(marker), "w"))

    return pickle.dumps(Trap())


@pytest.fixture(scope="session")
def audit_pack(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A pack of the small dataset, built from a copy of it that is deleted afterwards.

    The run's TMPDIR holds planted files where the old runner kept its shared prepared
    pickles (`perfanalysis-prepared/*.pkl`); each would create `marker` if it were ever read.
    Returns {"pack", "tmpdir", "marker", "base"}.
    """
    base = tmp_path_factory.mktemp("audit-pack")
    shutil.copytree(ROOT / "tests" / "data" / "small", base / "data")
    (base / "q4.yaml").write_text("dataset: data\nperiod: Q4 2017/18\nstrategies: all\n")
    tmpdir, marker = base / "tmpdir", base / "MARKER-pickle-was-loaded"
    planted = tmpdir / "perfanalysis-prepared"
    planted.mkdir(parents=True)
    for name in ("planted.pkl", "0" * 64 + ".pkl"):
        (planted / name).write_bytes(_booby_trapped_pickle(marker))
    pack = publish_pack(base / "q4.yaml", base / "pack", "--jobs", "2", tmpdir=tmpdir)
    shutil.rmtree(base / "data")  # the source dataset is gone: the pack must stand alone
    return {"pack": pack, "tmpdir": tmpdir, "marker": marker, "base": base}


@pytest.fixture(scope="session")
def lincolnshire_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Lincolnshire Q4 2017/18 pack, published with `--pdf` (so pack.pdf is there too)."""
    return publish_pack(LINCOLNSHIRE_PARAMS, tmp_path_factory.mktemp("lincolnshire") / "pack",
                        "--pdf")  # fmt: skip


@pytest.fixture(scope="session")
def leicestershire_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Leicestershire 2020/21 pack (29 strategy pages)."""
    return publish_pack(LEICESTERSHIRE_PARAMS, tmp_path_factory.mktemp("leicestershire") / "pack")


@pytest.fixture(scope="session")
def hostile_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pack of tests/data/hostile, whose text (and pack title) tries to run script."""
    folder = tmp_path_factory.mktemp("hostile")
    params = folder / "hostile.yaml"
    params.write_text(
        f"dataset: {HOSTILE_DATA.as_posix()}\nperiod: Q4 2017/18\nstrategies: all\n"
        "title: 'Hostileshire <script>alert(1)</script> [x](javascript:alert(1)): report'\n",
        encoding="utf-8",
    )
    return publish_pack(params, folder / "pack")


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


# --------------------------------------------------------------------------- messy input
@pytest.fixture(scope="session")
def messy_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """tests/make_corpus.py's cases by name, made once per session (per xdist worker), read only."""
    from make_corpus import make_corpus

    return {c.name: c for c in make_corpus(tmp_path_factory.mktemp("corpus"))}


# --------------------------------------------------------------------------- browser
#: What axe ran on each page and found, in this process (test_browser.py's `check_axe`).
AXE_LOG: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="session")
def axe_log(artefacts: Path) -> dict[str, dict[str, Any]]:
    """Per page: how many rules axe ran and what it found; written to tests/artefacts/axe.json.

    Each xdist worker hands its part to the controller (`pytest_testnodedown`), which writes
    the one file for the whole run at the end (`pytest_sessionfinish`).
    """
    return AXE_LOG


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """The controller collects a finished xdist worker's part of the axe log."""
    AXE_LOG.update(json.loads(getattr(node, "workeroutput", {}).get("axe_log", "{}")))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write axe.json once per run: a worker passes its log on, the controller writes it."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput["axe_log"] = json.dumps(AXE_LOG)
    elif AXE_LOG:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        text = json.dumps(AXE_LOG, indent=1, sort_keys=True) + "\n"
        (ARTEFACTS / "axe.json").write_text(text, encoding="utf-8")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Chromium for the session (Playwright's sync API)."""
    if not CHROMIUM.is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make chromium` (apt-get install chromium) "
                    "or set PERFANALYSIS_CHROMIUM", pytrace=False)  # fmt: skip
    from playwright.sync_api import sync_playwright

    from perfanalysis.pdf import CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageVisit:
    """A page opened from disk, and what it tried to do while the test looked at it."""

    page: Any
    requests: list[str] = field(default_factory=list)  # every request the page made
    refused: list[str] = field(default_factory=list)  # requests not file:/data:, aborted
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt, dismissed
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(chromium: Any) -> Iterator[Callable[..., PageVisit]]:
    """open_page(path, width=1280, height=900, bypass_csp=False) -> PageVisit.

    Each call opens a fresh context that aborts and records every request that is not `file:`
    or `data:`, dismisses and records dialogs, and records console and page errors.
    `bypass_csp=True` ignores the page's Content-Security-Policy, to test what is behind it.
    """
    contexts: list[Any] = []

    def _open(path: Path | str, *, width: int = 1280, height: int = 900,
              bypass_csp: bool = False) -> PageVisit:  # fmt: skip
        context = chromium.new_context(viewport={"width": width, "height": height},
                                       bypass_csp=bypass_csp, service_workers="block")  # fmt: skip
        contexts.append(context)
        page = context.new_page()
        visit = PageVisit(page)

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            else:
                visit.refused.append(url)
                r.abort()

        context.route("**/*", route)
        page.on("request", lambda req: visit.requests.append(req.url))
        page.on("dialog", lambda d: (visit.dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
        page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
        target = path.resolve().as_uri() if isinstance(path, Path) else path
        page.goto(target, wait_until="load")
        return visit

    yield _open
    for context in contexts:
        context.close()
