"""Build and publish a pack: check the data once, run the notebooks, convert, publish atomically.

`run_pack` is what `perfanalysis run PARAMS.yaml` does:

1. read the parameters file and the dataset, run the data-quality gate once (errors stop here);
2. assess the figures once and write them to a prepared file every notebook reads;
3. execute the collated and strategy notebooks with papermill, in parallel on a bounded pool of
   kernels that talk over IPC sockets (parallel TCP kernels collide on ports on small machines);
4. convert each executed notebook to HTML with our own template (no code, no script, no CDN);
5. write figures.csv, data-quality.html and manifest.json, then move the finished folder into
   place. A failure anywhere leaves the previously published pack exactly as it was.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from perfanalysis.errors import PackError, ParameterError, ValidationFailed
from perfanalysis.periods import Period
from perfanalysis.render import slug

__all__ = ["PackParameters", "read_parameters", "run_pack", "PackResult", "NOTEBOOK_DIR"]

log = logging.getLogger("perfanalysis")

#: Where the packaged notebooks live: notebooks/ of the source tree the package belongs to.
NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
_ALLOWED_KEYS = {"dataset", "period", "strategies", "title", "output", "notebooks"}


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


def read_parameters(path: str | Path) -> PackParameters:
    """Read a pack's parameters YAML; ParameterError says what is missing or unknown."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"no parameters file at {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"parameters file {path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ParameterError(
            f"parameters file {path}: expected keys {', '.join(sorted(_ALLOWED_KEYS))}"
        )
    unknown = sorted(set(data) - _ALLOWED_KEYS)
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
    )


@dataclass
class PackResult:
    """What a run published: the folder, its pages, and the time each step took."""

    pack_dir: Path
    pages: list[Path]
    timings: dict[str, float]
    manifest: dict[str, Any]


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


def _ipc_kernel_manager() -> type:
    """A kernel manager whose kernel talks over IPC sockets in a folder of its own."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            folder = tempfile.mkdtemp(prefix="pa-kernel-")
            self.transport = "ipc"
            self.ip = os.path.join(folder, "k")

        async def start_kernel(self, **kw: Any) -> None:
            # The kernel's own chatter (shutdown messages, zmq teardown) is not the user's
            # business; a failing cell is reported by papermill. PERFANALYSIS_DEBUG shows it.
            if not os.environ.get("PERFANALYSIS_DEBUG"):
                kw.setdefault("stdout", subprocess.DEVNULL)
                kw.setdefault("stderr", subprocess.DEVNULL)
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


def execute_job(job: NotebookJob, cwd: str) -> tuple[str, float]:
    """Execute one notebook with papermill and convert it to HTML. Runs in a pool worker."""
    import nbformat
    import papermill as pm

    from perfanalysis.publish import normalise_notebook, notebook_to_html

    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(job.notebook),
            str(job.output),
            parameters=job.parameters,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=cwd,
            request_save_on_cell_execute=False,
            kernel_manager_class=_ipc_kernel_manager(),
            record_timing=False,
        )
    except pm.PapermillExecutionError as exc:
        raise PackError(
            f"notebook {job.notebook.name} ({job.name}) failed in cell "
            f"{exc.exec_count or exc.cell_index}: "
            f"{exc.ename}: {exc.evalue}"
        ) from None
    except Exception as exc:
        raise PackError(f"notebook {job.notebook.name} ({job.name}) could not run: {exc}") from None
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
) -> PackResult:
    """Build the pack described by `params` and publish it atomically; see the module docstring."""
    from perfanalysis import quality
    from perfanalysis.dataset import build, read_raw
    from perfanalysis.manifest import write_manifest
    from perfanalysis.publish import write_figures, write_quality_page
    from perfanalysis.report import prepare

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if pdf:
        from perfanalysis.pdf import find_chromium

        find_chromium()  # fail before any work when the PDF cannot be printed
    raw = read_raw(params.dataset)
    result = quality.validate(raw, params.period)
    timings["validate"] = time.perf_counter() - t0
    if on_validated:
        on_validated(result)
    if result.errors:
        raise ValidationFailed(
            f"the data has {result.errors} error(s): nothing was published. "
            f"Run `perfanalysis validate {params.dataset} --period '{params.period}'` to see them.",
            result,
        )
    t1 = time.perf_counter()
    dataset = build(raw)
    pack = prepare(dataset, params.period, params.strategies, params.title, quality=result.counts())
    timings["assess"] = time.perf_counter() - t1
    org = slug(dataset.organisation)
    pack_dir = Path(out).resolve() if out else params.output / org / pack.period.slug
    strategies = pack.strategies
    if only_strategies:
        missing = [s for s in only_strategies if s not in strategies]
        if missing:
            raise ParameterError(
                f"--strategy {missing[0]} is not in this pack; it has {', '.join(strategies)}"
            )
        if not pack_dir.exists():
            log.info("no published pack at %s yet: building every page", pack_dir)
            only_strategies = None
    t_charts = time.perf_counter()
    from perfanalysis.report import render_charts

    pack.charts = render_charts(pack, only_strategies, jobs=jobs, executor=executor)
    timings["charts"] = time.perf_counter() - t_charts
    pack_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = pack_dir.parent / f".{pack_dir.name}.building-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir()
        prepared = write_prepared(pack, prepared_key(pack, params))
        # Parameters as the notebooks record them: nothing here depends on where the run happens.
        common = {
            "dataset": str(params.raw.get("dataset", params.dataset)),
            "period": pack.period.label,
            "prepared": prepared.name,
        }
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
        titles = dict(
            zip(dataset.framework.strategies["strategy_id"], dataset.framework.strategies["title"])
        )
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
        previous = pack_dir if pack_dir.exists() else None
        if only_strategies and previous is not None:
            # Rerun only the named strategies: copy the rest of the published pack as it is.
            shutil.copytree(previous, staging, dirs_exist_ok=True)
            jobs_list = [j for j in jobs_list if j.name in only_strategies or j.name == "index"]
        (staging / "notebooks").mkdir(exist_ok=True)
        t2 = time.perf_counter()
        progress = Progress(len(jobs_list), quiet)
        _execute_all(jobs_list, jobs, executor, progress, params.notebooks)
        timings["notebooks"] = time.perf_counter() - t2
        write_figures(pack, staging / "figures.csv")
        write_quality_page(result, pack, staging / "data-quality.html")
        if pdf:
            from perfanalysis.pdf import write_pdf

            write_pdf(staging, pack, staging / "pack.pdf")
        manifest = write_manifest(staging, params, pack, result, timings)
        _publish(staging, pack_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    timings["total"] = time.perf_counter() - t0
    pages = [pack_dir / "index.html"] + [pack_dir / "strategies" / f"{s}.html" for s in strategies]
    return PackResult(pack_dir, pages, timings, manifest)


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


def prepared_key(pack: Any, params: PackParameters) -> str:
    """A name for the prepared figures that depends on what they are made from, not where.

    SHA-256 over the inputs' contents, the pack's parameters and the package version: the name
    recorded in each executed notebook is the same on every rerun of the same data, wherever the
    dataset or the pack folder lies.
    """
    import hashlib
    import json

    from perfanalysis import __version__
    from perfanalysis.manifest import sha256

    inputs = sorted((Path(f).name, sha256(Path(f))) for f in pack.dataset.input_files)
    payload = json.dumps(
        {"inputs": inputs, "parameters": params.raw, "version": __version__},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def write_prepared(pack: Any, key: str) -> Path:
    """Save the prepared figures where every notebook of this machine finds them by name.

    The file is left in place after the run: another run of the same data (a test, a verify, a
    second pack) may be reading it at the same moment. Files older than a day are removed.
    """
    from perfanalysis.report import PREPARED_DIR

    data = pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL)
    PREPARED_DIR.mkdir(parents=True, exist_ok=True)
    stale = time.time() - 86400
    for old in PREPARED_DIR.glob("*.pkl"):
        try:
            if old.stat().st_mtime < stale:
                old.unlink()
        except OSError:
            pass  # another run removed it first
    path = PREPARED_DIR / f"{key}.pkl"
    tmp = path.with_suffix(f".{uuid.uuid4().hex[:6]}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def _execute_all(
    jobs_list: list[NotebookJob],
    jobs: int | None,
    executor: Executor | None,
    progress: Progress,
    notebooks: Path = NOTEBOOK_DIR,
) -> None:
    """Run every job on the executor (a local bounded pool unless one is given)."""
    cwd = str(notebooks)
    own = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1))
    try:
        futures = {pool.submit(execute_job, job, cwd): job for job in jobs_list}
        for future in as_completed(futures):
            name, _ = future.result()  # the first failure raises PackError here
            progress.step(futures[future].html.name if name != "index" else "index.html")
    except BaseException:
        for f in futures:
            f.cancel()
        raise
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def _publish(staging: Path, pack_dir: Path) -> None:
    """Swap the finished folder into place; the old pack is removed only once the new one is in."""
    old = None
    if pack_dir.exists():
        old = pack_dir.parent / f".{pack_dir.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(pack_dir, old)
    try:
        os.replace(staging, pack_dir)
    except BaseException:
        if old is not None:
            os.replace(old, pack_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
