"""Build and publish a pack: check the data once, run the notebooks, convert, publish atomically.

`run_pack` is what `perfanalysis run PARAMS.yaml` does:

1. read the parameters file and the dataset, run the data-quality gate once (errors stop here);
2. assess the figures once; write them into the staging pack's `prepared/` folder (open formats,
   see `perfanalysis.prepared`) beside a byte-for-byte copy of the inputs (`inputs/`);
3. execute the collated and strategy notebooks with papermill, in parallel on a bounded pool of
   kernels that talk over IPC sockets in private folders, each with the staging pack's
   `notebooks/` as its working folder and pack-relative parameters (`../inputs`,
   `../prepared`), so the executed notebooks rerun wherever the pack is copied;
4. convert each executed notebook to HTML with our own template (no code, no script, no CDN);
5. write figures.csv, data-quality.html and manifest.json, then move the finished folder into
   place. A failure anywhere leaves the previously published pack exactly as it was.

The target folder must be missing, empty, or a pack perfanalysis published: nothing else is
ever replaced (`check_target`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfanalysis.errors import PackError, ParameterError, PerfanalysisError
from perfanalysis.periods import Period
from perfanalysis.render import slug
from perfanalysis.resources import notebook_dir
from perfanalysis.safe_yaml import YAMLProblem, load_yaml

__all__ = [
    "PackParameters",
    "read_parameters",
    "run_pack",
    "PackResult",
    "NOTEBOOK_DIR",
    "PublishError",
    "check_target",
]

log = logging.getLogger("perfanalysis")

#: Where the packaged notebooks live (inside the installed package; see perfanalysis.resources).
NOTEBOOK_DIR = notebook_dir()
_ALLOWED_KEYS = {"dataset", "period", "strategies", "title", "output", "notebooks", "inputs"}
#: Leftover staging folders of runs on other machines are removed after this many seconds.
STALE_SECONDS = 86400


class PublishError(PerfanalysisError):
    """The pack cannot be published where asked: a refused target, or the disk said no."""


@dataclass(frozen=True)
class PackParameters:
    """One scheduled pack, as a parameters file states it (paths resolved against the file)."""

    dataset: Path
    period: str
    strategies: str | list[str]
    title: str | None
    output: Path
    source: Path | None = None
    notebooks: Path = NOTEBOOK_DIR
    raw: dict[str, Any] = field(default_factory=dict)
    inputs: bool = True


def read_parameters(path: str | Path) -> PackParameters:
    """Read a pack's parameters YAML; ParameterError says what is missing or unknown."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"no parameters file at {path}")
    try:
        data = load_yaml(path) or {}
    except YAMLProblem as exc:
        raise ParameterError(f"parameters file {path}: {exc}") from None
    except OSError as exc:
        raise ParameterError(f"parameters file {path}: cannot be read ({exc.strerror})") from None
    if not isinstance(data, dict):
        raise ParameterError(
            f"parameters file {path}: expected keys {', '.join(sorted(_ALLOWED_KEYS))}"
        )
    unknown = sorted(str(k) for k in set(data) - _ALLOWED_KEYS)
    if unknown:
        raise ParameterError(
            f"parameters file {path}: unknown key '{unknown[0]}'; the keys are "
            f"{', '.join(sorted(_ALLOWED_KEYS))}"
        )
    for key in ("dataset", "period"):
        if not data.get(key):
            raise ParameterError(f"parameters file {path}: '{key}' is required")
    try:
        Period.parse(str(data["period"]))
    except Exception as exc:
        raise ParameterError(f"parameters file {path}: period: {exc}") from None
    strategies = data.get("strategies", "all")
    if strategies != "all" and not (
        isinstance(strategies, list) and all(isinstance(s, str) for s in strategies)
    ):
        raise ParameterError(f"parameters file {path}: strategies must be 'all' or a list of ids")
    inputs = data.get("inputs", True)
    if not isinstance(inputs, bool):
        raise ParameterError(f"parameters file {path}: inputs must be true or false")
    base = path.resolve().parent
    return PackParameters(
        dataset=(base / str(data["dataset"])).resolve(),
        period=str(data["period"]),
        strategies=strategies,
        title=data.get("title"),
        output=(base / str(data.get("output", "../reports"))).resolve(),
        source=path.resolve(),
        notebooks=(base / str(data["notebooks"])).resolve()
        if data.get("notebooks")
        else NOTEBOOK_DIR,
        raw=dict(data),
        inputs=inputs,
    )


@dataclass
class PackResult:
    """What a run published: the folder, its pages, and the time each step took."""

    pack_dir: Path
    pages: list[Path]
    timings: dict[str, float]
    manifest: dict[str, Any]
    rebuilt: int = 0  # how many pages were built by this run (fewer with --strategy)


class Progress:
    """A progress bar for a person at a terminal; plain log lines otherwise (or with --quiet)."""

    def __init__(self, total: int, quiet: bool, stream: Any = None) -> None:
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.bar = not quiet and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.quiet = quiet

    def step(self, what: str) -> None:
        self.done += 1
        if self.bar:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done}/{self.total} {what[:40]:<40}"
            )
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()
        else:
            log.info("published %s (%d of %d)", what, self.done, self.total)


def _ipc_kernel_manager(folder: str, cwd: str, host: Any = None) -> type:
    """A kernel manager whose kernel talks over IPC sockets in `folder` (a private mkdtemp).

    The kernel starts in `cwd`. papermill's own `cwd=` changes the working folder of the whole
    process, which races between notebooks run in threads; the kernel's own folder does not.
    With `host` (a `perfanalysis.kernelhost.KernelHost`) the kernel is forked by the host, with
    the imports already done, instead of starting a new Python.
    """
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.transport = "ipc"
            self.ip = os.path.join(folder, "k")

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if host is not None and self.provisioner is None:
                from perfanalysis.kernelhost import forked_provisioner

                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = forked_provisioner(host)(
                    kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
                )
            return await super()._async_pre_start_kernel(**kw)

        async def start_kernel(self, **kw: Any) -> None:
            # The kernel's own chatter (shutdown messages, zmq teardown) is not the user's
            # business; a failing cell is reported by papermill. PERFANALYSIS_DEBUG shows it.
            if not os.environ.get("PERFANALYSIS_DEBUG"):
                kw.setdefault("stdout", subprocess.DEVNULL)
                kw.setdefault("stderr", subprocess.DEVNULL)
            kw["cwd"] = cwd
            await super().start_kernel(**kw)

    return IPCKernelManager


@dataclass(frozen=True)
class NotebookJob:
    """One notebook execution: which notebook, its parameters, where the result goes."""

    name: str
    notebook: Path
    parameters: dict[str, Any]
    output: Path
    html: Path
    title: str


def execute_job(
    job: NotebookJob, cwd: str, host: Any = None, gate: Callable[..., None] | None = None
) -> tuple[str, float]:
    """Execute one notebook with papermill and convert it to HTML. Runs in a pool worker.

    `host` (a `KernelHost`, on the machine of the run) forks the kernel; without it (a Dask
    worker elsewhere) the kernel is a new Python process. `gate` holds the first cell until
    the runner has written the prepared folder (see `_Gate`).
    """
    import nbformat
    import papermill as pm

    from perfanalysis.publish import normalise_notebook, notebook_to_html

    start = time.perf_counter()
    # AF_UNIX socket paths must stay short (~100 bytes): a private folder in the temp folder,
    # made with mode 0700 and removed when the kernel has stopped, whatever happened.
    sockets = tempfile.mkdtemp(prefix="pa-kernel-")
    try:
        pm.execute_notebook(
            str(job.notebook),
            str(job.output),
            parameters=job.parameters,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            kernel_manager_class=_ipc_kernel_manager(sockets, cwd, host),
            record_timing=False,
            **({"on_cell_start": gate} if gate is not None else {}),
        )
    except pm.PapermillExecutionError as exc:
        raise PackError(
            f"notebook {job.notebook.name} ({job.name}) failed in cell "
            f"{exc.exec_count or exc.cell_index}: "
            f"{exc.ename}: {exc.evalue}"
        ) from None
    except OSError as exc:
        if exc.errno in _PLACE_ERRNOS:
            raise  # a place the system refused (full disk, permissions): named by run_pack
        raise PackError(f"notebook {job.notebook.name} ({job.name}) could not run: {exc}") from None
    except Exception as exc:
        raise PackError(f"notebook {job.notebook.name} ({job.name}) could not run: {exc}") from None
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    nb = nbformat.read(job.output, as_version=4)
    nb = normalise_notebook(nb, job.title)
    nbformat.write(nb, job.output)
    job.html.parent.mkdir(parents=True, exist_ok=True)
    job.html.write_text(notebook_to_html(nb), encoding="utf-8")
    return job.name, time.perf_counter() - start


def run_pack(
    params: PackParameters,
    *,
    jobs: int | None = None,
    out: Path | None = None,
    quiet: bool = False,
    only_strategies: list[str] | None = None,
    executor: Executor | None = None,
    pdf: bool = False,
    on_validated: Callable[[Any], None] | None = None,
    inputs: bool | None = None,
) -> PackResult:
    """Build the pack described by `params` and publish it atomically; see the module docstring.

    `inputs` (default: the parameters' `inputs`, true) copies the dataset's files into the pack.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    keep_inputs = params.inputs if inputs is None else inputs
    if pdf:
        from perfanalysis.pdf import find_chromium

        find_chromium()  # fail before any work when the PDF cannot be printed
    if out is not None:
        check_target(Path(out), params.dataset)  # before any work: a refused place costs nothing
    # The kernel host imports what the notebooks need while the data is read and checked, and so
    # does a thread here for papermill: reading CSV and pandas' numerical work leave the
    # interpreter lock free much of the time (a full Lincolnshire run: 6.8 s with it, 7.3 s
    # without). nbconvert is imported later, once the charts are drawn (`_import_converter`).
    host = _start_host() if executor is None else None
    drawer = _start_chart_process() if executor is None else None
    threading.Thread(target=_import_notebook_machinery, daemon=True).start()
    try:
        return _run(params, (host, drawer), jobs, out, quiet, only_strategies, executor, pdf,
                    on_validated, keep_inputs, timings, t0)  # fmt: skip
    finally:
        if host is not None:
            host.close()
        if drawer is not None:
            drawer.close()


def _import_notebook_machinery() -> None:
    """Import what executing notebooks needs (run on a thread, ahead of time)."""
    try:
        import papermill  # noqa: F401
    except Exception:  # noqa: BLE001 - the same import fails again where it is needed, and says why
        pass


def _import_converter() -> None:
    """Import nbconvert and load our template (run on a thread once the charts are drawn).

    Not at the start: there it competes for the interpreter with reading and checking the
    data, which every notebook waits for; once the charts are drawn the runner mostly waits on
    the kernels, and the first page to finish needs the converter a moment later (a rerun of
    one strategy: 0.3 s sooner).
    """
    try:
        import perfanalysis.publish

        perfanalysis.publish._exporter()
    except Exception:  # noqa: BLE001 - the same import fails again where it is needed, and says why
        pass


def _start_host() -> Any:
    """A kernel host for this run's notebooks, or None where kernels cannot be forked."""
    if not hasattr(os, "fork") or os.environ.get("PERFANALYSIS_FORK_KERNELS", "1") == "0":
        return None
    from perfanalysis.kernelhost import KernelHost

    return KernelHost()


def _start_chart_process() -> Any:
    """The process that draws this run's charts (`drawing.ChartProcess`), or None: draw here."""
    if os.environ.get("PERFANALYSIS_CHART_PROCESS", "1") == "0":
        return None
    from perfanalysis.drawing import ChartProcess

    try:
        return ChartProcess()
    except OSError:
        return None


def _run(
    params: PackParameters,
    helpers: tuple[Any, Any],
    jobs: int | None,
    out: Path | None,
    quiet: bool,
    only_strategies: list[str] | None,
    executor: Executor | None,
    pdf: bool,
    on_validated: Callable[[Any], None] | None,
    keep_inputs: bool,
    timings: dict[str, float],
    t0: float,
) -> PackResult:
    """run_pack once the target is known to be acceptable and the kernel host is starting."""
    from perfanalysis.prepared import build_pack

    result, pack = build_pack(
        params.dataset,
        params.period,
        params.strategies,
        params.title,
        charts=False,
        on_validated=on_validated,
    )
    timings["prepare"] = time.perf_counter() - t0
    org = slug(pack.organisation)
    pack_dir = Path(out).resolve() if out else params.output / org / pack.period.slug
    check_target(pack_dir, params.dataset)
    strategies = pack.strategies
    for sid in strategies:
        if not _file_safe(sid):
            raise ParameterError(
                f"strategy id {sid[:60]!r} cannot name a page file (strategies/<id>.html): "
                "use letters, digits, '-', '_' or '.', at most 100 characters, in strategies.csv"
            )
    if only_strategies:
        missing = [s for s in only_strategies if s not in strategies]
        if missing:
            raise ParameterError(
                f"--strategy {missing[0]} is not in this pack; it has {', '.join(strategies)}"
            )
    try:
        return _build_and_publish(
            params, pack, result, pack_dir, keep_inputs, only_strategies, jobs, executor,
            quiet, pdf, timings, t0, *helpers,
        )  # fmt: skip
    except OSError as exc:
        raise _place_error(exc) from None


def _build_and_publish(
    params: PackParameters,
    pack: Any,
    result: Any,
    pack_dir: Path,
    keep_inputs: bool,
    only_strategies: list[str] | None,
    jobs: int | None,
    executor: Executor | None,
    quiet: bool,
    pdf: bool,
    timings: dict[str, float],
    t0: float,
    host: Any = None,
    drawer: Any = None,
) -> PackResult:
    """Stage the pack beside its final place, run the notebooks, publish; see run_pack.

    `host` forks the notebooks' kernels (`kernelhost.KernelHost`), `drawer` draws the charts
    (`drawing.ChartProcess`); without them, kernels are started and charts drawn here.
    """
    from perfanalysis.charts import chart_tasks
    from perfanalysis.manifest import write_manifest
    from perfanalysis.publish import write_figures, write_quality_page

    pack_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(pack_dir)
    staging = pack_dir.parent / f".{pack_dir.name}.building-{_owner_tag()}-{uuid.uuid4().hex[:8]}"
    strategies = pack.strategies
    try:
        staging.mkdir()
        dataset_param = "../inputs"
        if Path(params.dataset).is_file():
            dataset_param = f"../inputs/{Path(params.dataset).name}"
        if keep_inputs:
            copy_inputs(pack.dataset, staging / "inputs")
        # Parameters as the notebooks record them: relative to the pack's notebooks/ folder.
        common = {"dataset": dataset_param, "period": pack.period.label, "prepared": "../prepared"}
        jobs_list = [
            NotebookJob(
                "index",
                params.notebooks / "collated_report.ipynb",
                common,
                staging / "notebooks" / "collated_report.ipynb",
                staging / "index.html",
                pack.title,
            )
        ]
        fw = pack.dataset.framework
        titles = dict(zip(fw.strategies["strategy_id"], fw.strategies["title"]))
        for sid in strategies:
            jobs_list.append(
                NotebookJob(
                    sid,
                    params.notebooks / "strategy_report.ipynb",
                    {**common, "strategy_id": sid},
                    staging / "notebooks" / f"strategy_{sid}.ipynb",
                    staging / "strategies" / f"{sid}.html",
                    f"{titles[sid]}: highlight report, {pack.period.label}",
                )
            )
        for notebook in {job.notebook for job in jobs_list}:
            check_notebook_parameters(
                notebook, {k for j in jobs_list for k in j.parameters if j.notebook == notebook}
            )
        (staging / "notebooks").mkdir(exist_ok=True)
        partial = bool(only_strategies) and (pack_dir / "manifest.json").is_file()
        if only_strategies and not partial:
            log.info("no published pack at %s yet: building every page", pack_dir)
        # The pages that are rebuilt whatever happens start now: their kernels start while the
        # charts are drawn, and their first cell waits until the prepared folder is written.
        first = [j for j in jobs_list if not partial or j.name in {*only_strategies, "index"}]
        rest = [j for j in jobs_list if j not in first]
        runner = _Notebooks(jobs, executor, quiet, staging / "notebooks", host)
        try:
            runner.submit(first)
            t_charts = time.perf_counter()
            reused = partial and _intact(pack_dir)  # the other strategies' charts are reused
            writer, published, unchecked = _draw_and_write(
                pack, staging / "prepared", pack_dir if reused else None, only_strategies,
                jobs, executor, runner, [j.name for j in jobs_list], drawer,
            )  # fmt: skip
            timings["charts"] = time.perf_counter() - t_charts
            threading.Thread(target=_import_converter, daemon=True).start()
            if partial:
                changed = _changed_pages(staging, pack_dir) if reused else None
                if reused and (changed is None or not changed <= set(only_strategies or ())):
                    # other pages' figures changed too: the charts reused for them may be stale
                    todo = _unchanged_kept(chart_tasks(pack, unchecked), published, writer)
                    _draw_into(writer, [("", todo)], jobs, executor, drawer)
                    writer.finish()
                    changed = _changed_pages(staging, pack_dir)
                if changed is None:
                    log.info(
                        "what every page shows changed since %s was published (or it is not "
                        "intact): rebuilding every page so that the pack stays consistent",
                        pack_dir,
                    )
                else:
                    extra = sorted(changed - set(only_strategies or ()))
                    if extra:
                        log.info("the figures of %s changed too: rebuilding their pages",
                                 ", ".join(extra))  # fmt: skip
                    rest = [j for j in rest if j.name in changed]
                    rebuilt = {p.relative_to(staging) for j in first + rest
                               for p in (j.output, j.html)}  # fmt: skip
                    # The other pages were made from the same figures: kept as published.
                    _copy_published(pack_dir, staging, rebuilt)
            runner.submit(rest)
            # written while the notebooks run (over any copied from the published pack)
            write_figures(pack, staging / "figures.csv")
            write_quality_page(result, pack, staging / "data-quality.html")
            runner.wait()
            timings["notebooks"] = time.perf_counter() - t_charts
        finally:
            runner.close()
        jobs_list = first + rest
        if pdf:
            from perfanalysis.pdf import write_pdf

            write_pdf(staging, pack, staging / "pack.pdf")
        elif (staging / "pack.pdf").exists():
            (staging / "pack.pdf").unlink()  # a PDF of the old pages would contradict the new
        manifest = write_manifest(staging, params, pack, result, timings, inputs=keep_inputs)
        check_target(pack_dir, params.dataset)  # again: someone may have written there meanwhile
        _publish(staging, pack_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    timings["total"] = time.perf_counter() - t0
    pages = [pack_dir / "index.html"] + [pack_dir / "strategies" / f"{s}.html" for s in strategies]
    return PackResult(pack_dir, pages, timings, manifest, rebuilt=len(jobs_list))


def _copy_published(pack_dir: Path, staging: Path, rebuilt: set[Path]) -> None:
    """Copy the published pack's pages and notebooks into `staging`, except those `rebuilt`.

    The inputs, prepared folder and manifest are this run's own; the rebuilt pages are being
    written by their notebooks at the same time, so they are never touched here.
    """
    own = {"inputs", "prepared", "manifest.json"}
    for item in sorted(pack_dir.rglob("*")):
        rel = item.relative_to(pack_dir)
        if rel.parts[0] in own or rel in rebuilt or not item.is_file() or item.is_symlink():
            continue
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(item, staging / rel)


def _intact(pack_dir: Path) -> bool:
    """Whether `pack_dir` is a published pack whose every file still matches its manifest."""
    from perfanalysis.manifest import sha256

    try:
        manifest = json.loads((pack_dir / "manifest.json").read_text(encoding="utf-8"))
        return (pack_dir / "prepared" / "pack.json").is_file() and all(
            sha256(pack_dir / o["path"]) == o["sha256"] for o in manifest["outputs"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _draw_and_write(
    pack: Any,
    folder: Path,
    published: Path | None,
    strategies: list[str] | None,
    jobs: int | None,
    executor: Executor | None,
    runner: _Notebooks,
    order: list[str],
    drawer: Any = None,
) -> tuple[Any, dict[str, tuple[str, str | None]], list[str]]:
    """Draw the pack's charts page by page into the prepared folder, releasing each page's notebook.

    The tables are written first; then, in the order of `order` (the collated page first), each
    page's charts are drawn and written and its notebook may run its cells (`runner.release`),
    while the next page's charts are drawn. With `published` (a rerun of `strategies`), the other
    pages' charts are taken from the published pack, and so is any chart of the rerun pages
    whose spec is unchanged (`_unchanged_kept`). Returns the writer, the published charts, and
    the keys of those taken unchecked (the other pages'; redrawn if their figures changed).
    """
    from perfanalysis.charts import chart_keys, chart_tasks
    from perfanalysis.prepared import PreparedWriter, read_charts

    every = chart_keys(pack)
    writer = PreparedWriter(pack, folder, every)
    old: dict[str, tuple[str, str | None]] = {}
    todo, unchecked = every, []
    if published is not None and strategies:
        fresh = set(chart_keys(pack, strategies))
        old = read_charts(published / "prepared", every)
        unchecked = [k for k in old if k not in fresh]
        for key in unchecked:
            writer.chart(key, *old[key])
        todo = [k for k in every if k in fresh]
    tasks = chart_tasks(pack, todo)
    if old:
        kept = len(tasks)
        tasks = _unchanged_kept(tasks, old, writer)
        kept -= len(tasks)
        drawn = [t[0] for t in tasks]
        log.info(
            "kept %d chart%s of the rebuilt pages as published (drawn from the same figures); "
            "drawing %d%s", kept, "" if kept == 1 else "s", len(drawn),
            f": {', '.join(drawn[:10])}{' ...' if len(drawn) > 10 else ''}" if drawn else "",
        )  # fmt: skip
    pages: dict[str, list[Any]] = {name: [] for name in order}
    for task in tasks:
        pages.setdefault(writer.page_of(task[0]), []).append(task)
    _draw_into(writer, list(pages.items()), jobs, executor, drawer, runner.release)
    writer.finish()
    return writer, old, unchecked


def _draw_into(
    writer: Any,
    pages: list[tuple[str, list[Any]]],
    jobs: int | None,
    executor: Executor | None,
    drawer: Any,
    release: Callable[[str], None] | None = None,
) -> None:
    """Draw `pages`' chart tasks and write each chart; `release` each page once it is written."""
    from perfanalysis.drawing import draw_pages

    for page, drawn in draw_pages(pages, jobs=jobs, executor=executor, process=drawer):
        for key, svg, spec in drawn:
            writer.chart(key, svg, spec)
        if release is not None:
            release(page)


def _unchanged_kept(
    tasks: list[Any], published: dict[str, tuple[str, str | None]], writer: Any
) -> list[Any]:
    """Write the published chart of every task whose spec is unchanged; return the others.

    Each task's spec is built here and compared with the digest the published pack recorded
    (`charts.spec_digest`): an equal digest draws the same SVG, so the published one is kept.
    The others are returned as specs to draw, so that no spec is built twice.
    """
    from perfanalysis.charts import spec_digest
    from perfanalysis.drawing import task_spec

    todo = []
    for task in tasks:
        key = task[0]
        made = task_spec(task)
        if made is None:
            writer.chart(key, None)
            continue
        digest = spec_digest(*made)
        svg, spec = published.get(key, ("", None))
        if spec == digest:
            writer.chart(key, svg, digest)
        else:
            todo.append((key, "spec", made))
    return todo


def _file_safe(name: str) -> bool:
    """Whether an id can name a file in the pack without leaving its folder or breaking it."""
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", name))


def copy_inputs(dataset: Any, folder: Path) -> None:
    """Copy every file the run read from the dataset into `folder`, byte for byte."""
    from perfanalysis.prepared import input_hashes

    base = Path(dataset.path)
    for item in input_hashes(dataset):
        source = base if base.is_file() else base / item["path"]
        target = folder / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _changed_pages(staging: Path, published: Path) -> set[str] | None:
    """The strategies whose pages are made from different figures than the published ones.

    Compares the page digests of the two prepared folders (see `prepared._PageDigests`); None
    when what every page shows changed (or the published pack has no digests): every page must
    then be rebuilt.
    """
    try:
        new = json.loads((staging / "prepared" / "pack.json").read_text(encoding="utf-8"))
        old = json.loads((published / "prepared" / "pack.json").read_text(encoding="utf-8"))
        new, old = new["pages"], old["pages"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(old, dict) or new.get("*") != old.get("*") or set(new) != set(old):
        return None
    return {k for k in new if k not in ("*", "index") and new[k] != old[k]}


# --------------------------------------------------------------------------- safe publishing
def _is_published_pack(folder: Path) -> str | None:
    """None when `folder` is a pack perfanalysis published; else why it is not."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        listed = {o["path"] for o in manifest["outputs"]}
        manifest["manifest_version"]
    except FileNotFoundError:
        return "it holds files and no manifest.json: it is not a pack perfanalysis published"
    except (OSError, ValueError, KeyError, TypeError):
        return "its manifest.json is not a perfanalysis manifest"
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if (p.is_file() or p.is_symlink()) and rel != "manifest.json" and rel not in listed:
            return f"it holds {rel}, which perfanalysis did not publish"
    return None


def check_target(pack_dir: Path, dataset: Path) -> None:
    """Refuse a target that is not a missing folder, an empty folder, or a published pack.

    Nothing is written here: a refused target is left exactly as it was.
    """
    target = Path(os.path.abspath(pack_dir))
    resolved = target.resolve()
    data = Path(dataset).resolve()
    hint = "choose a new or empty folder, or the folder of a pack perfanalysis published"
    if resolved == data or data in resolved.parents:
        raise PublishError(
            f"refusing to publish into {target}: it is the dataset {data} or inside it; {hint}"
        )
    if resolved in data.parents:
        raise PublishError(
            f"refusing to publish into {target}: the dataset {data} is inside it and would be "
            f"replaced; {hint}"
        )
    if len(target.name.encode()) > 200:
        raise PublishError(
            f"the folder name {target.name[:40]}... is too long ({len(target.name)} characters); "
            "choose a shorter --out"
        )
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise PublishError(f"refusing to publish into {target}: it is an existing file; {hint}")
    if not target.exists():
        return
    try:
        empty = not any(target.iterdir())
    except OSError as exc:
        raise PublishError(f"cannot read {target} ({exc.strerror}); {hint}") from None
    if empty:
        return
    why = _is_published_pack(target)
    if why:
        raise PublishError(f"refusing to publish into {target}: {why}; {hint}")


def _owner_tag() -> str:
    """Which machine and process own a staging folder: `<host hash>-<pid>`."""
    host = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
    return f"{host}-{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


_LEFTOVER = re.compile(
    r"^\.(?P<name>.+)\.(?:building|old)-(?:(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-)?[0-9a-f]{8}$"
)


def clean_leftovers(pack_dir: Path) -> list[Path]:
    """Remove staging folders of killed runs of this pack; returns what was removed.

    A folder made on this machine is removed when its process is gone; one made elsewhere
    (a shared filesystem) or by an older version, when it is older than a day.
    """
    removed = []
    here = _owner_tag().split("-")[0]
    prefix = f".{pack_dir.name}."
    try:
        candidates = [p for p in pack_dir.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    for p in candidates:
        m = _LEFTOVER.match(p.name)
        if not m or m["name"] != pack_dir.name or not p.is_dir() or p.is_symlink():
            continue
        try:
            age = time.time() - p.stat().st_ctime
        except OSError:
            continue
        if m["host"] == here and m["pid"]:
            stale = not _pid_alive(int(m["pid"]))
        else:
            stale = age > STALE_SECONDS
        if stale:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
            log.info("removed %s, left by a run that stopped", p)
    return removed


_PLACE_ERRNOS = {
    errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENAMETOOLONG,
}  # fmt: skip


def _place_error(exc: OSError) -> PublishError:
    """An OSError while publishing, as a message that names the path and what to do."""
    where = exc.filename or "the output folder"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "permission denied; choose an --out you may write to, or ask for write access"
    elif exc.errno == errno.ENOSPC:
        what = "the disk is full; free some space or choose an --out on another disk"
    elif exc.errno == errno.EDQUOT:
        what = "your disk quota is used up; free some space or choose another --out"
    elif exc.errno == errno.ENAMETOOLONG:
        what = "the name is too long; choose a shorter --out"
    else:
        what = f"{exc.strerror or exc}; check the folder and try again"
    return PublishError(f"cannot write {where}: {what}")


def check_notebook_parameters(notebook: Path, names: set[str]) -> None:
    """Refuse to run a notebook that lacks a parameter the runner passes (papermill only warns)."""
    import papermill as pm

    if not notebook.is_file():
        raise ParameterError(f"notebook {notebook} does not exist")
    declared = set(pm.inspect_notebook(str(notebook)))
    unknown = sorted(names - declared)
    if unknown:
        raise ParameterError(
            f"notebook {notebook.name} has no parameter '{unknown[0]}' in its parameters cell; "
            f"it declares {', '.join(sorted(declared)) or 'none'}"
        )


class _Gate:
    """Holds a page's notebook at its first cell until the page's charts are written.

    It is nbclient's `on_cell_start` hook: the kernel has started (forked, or a new Python)
    while the runner drew the charts, and the cells run once the figures they read exist.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._failed = False

    def open(self) -> None:
        self._event.set()

    def fail(self) -> None:
        self._failed = True
        self._event.set()

    def __call__(self, **_: Any) -> None:
        self._event.wait()
        if self._failed:
            raise PackError("the run stopped before this notebook ran")


class _Notebooks:
    """The run's notebooks on a bounded pool: submit them, release each page, wait for them all.

    On this machine they run on threads, `jobs` at once (default: two per core when kernels
    are forked, as a kernel spends half its life waiting on messages; else one per core). They
    start at once and each is held at its first cell by its page's gate until its charts are
    written (`release`). On another executor (Dask) a notebook is sent only once its page is
    released, since a gate cannot reach another machine.
    """

    def __init__(
        self,
        jobs: int | None,
        executor: Executor | None,
        quiet: bool,
        cwd_folder: Path,
        host: Any = None,
    ) -> None:
        self.cwd, self.host = str(cwd_folder), host
        self.own = executor is None
        default = (2 if host is not None else 1) * (os.cpu_count() or 1)
        self.pool = executor or ThreadPoolExecutor(max_workers=max(1, jobs or default))
        self.gates: dict[str, _Gate] = {}
        self.released: set[str] = set()
        self.pending: list[NotebookJob] = []
        self.futures: dict[Any, NotebookJob] = {}
        self.progress = Progress(0, quiet)

    def _gate(self, name: str) -> _Gate:
        return self.gates.setdefault(name, _Gate())

    def submit(self, jobs_list: list[NotebookJob]) -> None:
        self.progress.total += len(jobs_list)
        for job in jobs_list:
            if not self.own and job.name not in self.released:
                self.pending.append(job)
                continue
            gate = self._gate(job.name) if self.own else None
            future = self.pool.submit(execute_job, job, self.cwd, self.host, gate)
            self.futures[future] = job

    def release(self, name: str) -> None:
        """The page `name`'s charts are written: its notebook may run its cells."""
        self.released.add(name)
        if self.own:
            self._gate(name).open()
            return
        ready = [j for j in self.pending if j.name == name]
        self.pending = [j for j in self.pending if j.name != name]
        self.progress.total -= len(ready)
        self.submit(ready)

    def wait(self) -> None:
        """Wait for every notebook; the first failure raises (PackError) here."""
        for future in as_completed(self.futures):
            name, _ = future.result()
            job = self.futures[future]
            self.progress.step(job.html.name if name != "index" else "index.html")

    def close(self) -> None:
        """Stop what has not run (after a failure) and release the threads."""
        for name, gate in self.gates.items():
            if name not in self.released:
                gate.fail()
        for future in self.futures:
            future.cancel()
        if self.own:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _publish(staging: Path, pack_dir: Path) -> None:
    """Swap the finished folder into place; the old pack is removed only once the new one is in."""
    old = None
    if pack_dir.exists():
        old = pack_dir.parent / f".{pack_dir.name}.old-{_owner_tag()}-{uuid.uuid4().hex[:8]}"
        os.replace(pack_dir, old)
    try:
        os.replace(staging, pack_dir)
    except BaseException:
        if old is not None:
            os.replace(old, pack_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
