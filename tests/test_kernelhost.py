"""Kernels forked from the run's kernel host: the same notebooks, fewer imports, nothing left over.

The runner starts one host per run; each notebook's kernel is a fork of it. These tests check
what an auditor relies on: a forked kernel is a process of its own, in its own folder, that
prints tables as a fresh kernel does; a pack built with forked kernels is byte for byte the pack
built with new Python kernels; and no process outlives the run, whether it succeeds or fails.
(tests/test_rerun_from_pack.py reruns a built pack's notebooks in fresh kernels and compares
every output as well.)
"""

from __future__ import annotations

import asyncio
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from perfanalysis.errors import PackError
from perfanalysis.kernelhost import KernelHost
from perfanalysis.runner import _ipc_kernel_manager, read_parameters, run_pack

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "small-params.yaml"

PROBE = (
    "import json, os, sys, pandas as pd\n"
    "print(json.dumps({'pid': os.getpid(), 'ppid': os.getppid(), 'cwd': os.getcwd(),"
    " 'max_columns': pd.get_option('display.max_columns'), 'sid': os.getsid(0),"
    " 'tmp': os.environ.get('PA_PROBE')}))"
)


def _probe(host: KernelHost | None, cwd: Path, tmp: Path) -> dict:
    """Start a kernel (forked by `host`, or a new Python without), run PROBE, stop it."""

    async def go() -> dict:
        km = _ipc_kernel_manager(str(tmp), str(cwd), host)(kernel_name="python3")
        await km.start_kernel(env={**os.environ, "PA_PROBE": "seen"})
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            reply = await kc.execute_interactive(PROBE, timeout=60, output_hook=out.append)
            assert reply["content"]["status"] == "ok"
        finally:
            kc.stop_channels()
            await km.shutdown_kernel()
        texts = [m["content"]["text"] for m in out if m["msg_type"] == "stream"]
        return json.loads("".join(texts))

    out: list[dict] = []
    # On a thread of its own: its own event loop, whatever this process's main thread holds
    # (Playwright's sync API keeps a loop running there while the browser tests' Chromium is up).
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, go()).result()


def test_a_forked_kernel_is_its_own_process_and_prints_as_a_fresh_one(tmp_path):
    work = tmp_path / "notebooks"
    work.mkdir()
    with KernelHost() as host:
        assert host.ready(), "the host could not fork: an import started a thread"
        forked = _probe(host, work, tmp_path)
        assert forked["ppid"] == host.process.pid  # forked by the host, not started by Python
        assert forked["sid"] == forked["pid"]  # its own session, as jupyter_client starts them
        assert not psutil.pid_exists(forked["pid"])  # stopped with its manager
    fresh = _probe(None, work, tmp_path)
    assert fresh["ppid"] == os.getpid()
    for key in ("cwd", "max_columns", "tmp"):
        assert forked[key] == fresh[key], key
    assert forked["cwd"] == str(work) and forked["tmp"] == "seen"
    assert host.process.poll() is not None  # the host stopped when the run let it go


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True) if p.is_running()}


@pytest.mark.notebook
def test_forked_and_new_python_kernels_publish_the_same_pack(tmp_path, monkeypatch):
    from tests.conftest import tree_digest

    before = _children()
    forked = run_pack(read_parameters(SMALL), out=tmp_path / "forked", quiet=True).pack_dir
    assert _children() <= before, "the run left a process behind"
    monkeypatch.setenv("PERFANALYSIS_FORK_KERNELS", "0")
    fresh = run_pack(read_parameters(SMALL), out=tmp_path / "fresh", quiet=True).pack_dir
    a, b = tree_digest(forked), tree_digest(fresh)
    a.pop("manifest.json"), b.pop("manifest.json")  # the run's date and timings
    assert a == b


@pytest.mark.notebook
def test_a_failure_while_drawing_stops_the_started_notebooks(tmp_path, monkeypatch):
    """Notebooks start before the charts are drawn, and each runs once its page's charts are
    written. If drawing fails after the first page was released, the rest never run their cells,
    nothing is published, and no kernel or host is left running."""
    from perfanalysis import drawing

    out = tmp_path / "pack"
    built = []  # the charts whose specs were built, in order
    spec = drawing.task_spec
    receive = drawing.ChartProcess.receive
    received = []

    def recorded(task):
        built.append(task[0])
        return spec(task)

    def dies_on_the_second_page(self):
        received.append(1)
        if len(received) == 2:  # the collated page has one chart: this is the next page's
            self._proc.kill()  # as the system would stop it (out of memory, say)
            self._proc.wait()
        return receive(self)

    before = _children()
    monkeypatch.setattr(drawing, "task_spec", recorded)
    monkeypatch.setattr(drawing.ChartProcess, "receive", dies_on_the_second_page)
    with pytest.raises(PackError, match="the chart-drawing process stopped"):
        run_pack(read_parameters(SMALL), out=out, quiet=True)
    assert built[0] == "status-by-strategy"  # the collated page's, drawn (and released) first
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no staging folder left
    assert _children() <= before


def test_a_kernel_still_starts_when_the_host_has_gone(tmp_path):
    """A host killed mid-run (out of memory, say) costs speed, not the run: kernels start as
    new Python processes."""
    with KernelHost() as host:
        assert host.ready()
        host.process.kill()
        host.process.wait()
        seen = _probe(host, tmp_path, tmp_path)
    assert seen["ppid"] == os.getpid()


@pytest.mark.notebook
def test_killing_the_run_stops_its_host_and_kernels(tmp_path):
    """A scheduler that stops a run (SIGTERM) leaves no kernel running on the server."""
    import signal
    import subprocess
    import sys
    import time

    run = subprocess.Popen(
        [sys.executable, "-m", "perfanalysis.cli", "run", str(SMALL), "--out",
         str(tmp_path / "pack"), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    runner = psutil.Process(run.pid)
    kernels: list[psutil.Process] = []
    deadline = time.monotonic() + 120
    while not kernels and run.poll() is None and time.monotonic() < deadline:
        family = runner.children(recursive=True)
        kernels = [p for p in family if p.ppid() != run.pid]  # forked by the host
        time.sleep(0.05)
    assert kernels, "no kernel was seen before the run ended"
    family = runner.children(recursive=True)
    run.send_signal(signal.SIGTERM)
    run.wait(timeout=30)
    gone, alive = psutil.wait_procs(family, timeout=15)
    assert not alive, f"left running after the run was stopped: {[p.pid for p in alive]}"
