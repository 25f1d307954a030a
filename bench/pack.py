"""Benchmark: the Lincolnshire pack against the naive baseline and the floor.

    .venv/bin/python bench/pack.py

Runs, in one go, on this machine:
- `perfanalysis run` as the scheduler runs it (no --jobs: two notebooks per core with forked
  kernels), and with --jobs 1 and --jobs 2;
- the naive baseline a council analyst would script: for each notebook, the `papermill` command
  line, then `jupyter nbconvert --to html --no-input`, one after the other;
- the floor: notebooks x (time to start a kernel and import perfanalysis) / cores;
- a rerun of one strategy (`--strategy ID`) after a corrected figure, as a performance officer
  does it: a full run on a copy of the dataset, one of that strategy's actuals changed, then the
  rerun (that strategy's notebook, its charts and the index are rebuilt); and the same rerun on
  unchanged data.
Prints a table of wall times, the ratios the project's goals are stated in, and the peak memory
(maximum resident set) of the runs and of their kernels.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "parameters" / "lincolnshire-2017-18-q4.yaml"
BIN = Path(sys.executable).parent


def wall(cmd: list[str], **kw) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    return time.perf_counter() - start


def naive(work: Path) -> float:
    params = yaml.safe_load(PARAMS.read_text())
    dataset = str((PARAMS.parent / params["dataset"]).resolve())
    runs = [("collated_report", [])] + [
        ("strategy_report", ["-p", "strategy_id", sid]) for sid in params["strategies"]
    ]
    start = time.perf_counter()
    for i, (name, extra) in enumerate(runs):
        out = work / f"{i}_{name}.ipynb"
        subprocess.run(
            [
                str(BIN / "papermill"),
                str(ROOT / "notebooks" / f"{name}.ipynb"),
                str(out),
                "-p",
                "dataset",
                dataset,
                "-p",
                "period",
                params["period"],
                *extra,
                "--cwd",
                str(ROOT / "notebooks"),
                "--no-progress-bar",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start


def corrected_rerun(work: Path, params: dict) -> float:
    """Publish a copy of the dataset, correct one actual of the first strategy, time the rerun."""
    import csv

    data = work / "data"
    shutil.copytree((PARAMS.parent / params["dataset"]).resolve(), data)
    copy = {**params, "dataset": "data", "output": "reports"}
    (work / "params.yaml").write_text(yaml.safe_dump(copy), encoding="utf-8")
    cli = [str(BIN / "perfanalysis"), "run", str(work / "params.yaml"), "--quiet"]
    wall(cli + ["--out", str(work / "pack")])
    strategy = params["strategies"][0]
    with open(data / "measures.csv", newline="", encoding="utf-8") as f:
        ids = {r["measure_id"] for r in csv.DictReader(f) if r["strategy_id"] == strategy}
    with open(data / "actuals.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    row = next(
        r
        for r in rows
        if r["measure_id"] in ids and r["period"] == params["period"] and not r.get("numerator")
    )  # a figure without counts (a count-based one must agree with its counts)
    row["actual"] = str(float(row["actual"]) + 1)  # the corrected figure
    with open(data / "actuals.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return wall(cli + ["--out", str(work / "pack"), "--strategy", strategy])


def kernel_and_import(work: Path, repeats: int = 3) -> float:
    """Time to start a kernel and import perfanalysis, as the runner starts them."""
    import papermill as pm

    from perfanalysis.runner import _ipc_kernel_manager

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("import perfanalysis.report")]
    src = work / "floor.ipynb"
    nbformat.write(nb, src)
    times = []
    for _ in range(repeats):
        sockets = tempfile.mkdtemp(prefix="pa-kernel-")
        start = time.perf_counter()
        pm.execute_notebook(
            str(src),
            str(work / "floor-out.ipynb"),
            progress_bar=False,
            kernel_manager_class=_ipc_kernel_manager(sockets, str(work)),
        )
        times.append(time.perf_counter() - start)
        shutil.rmtree(sockets, ignore_errors=True)  # as the runner does when a kernel stops
    return statistics.median(times)


def peak_mib() -> float:
    """The largest resident set of any finished child process (a run, a kernel), in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    cores = os.cpu_count() or 1
    params = yaml.safe_load(PARAMS.read_text())
    notebooks = 1 + len(params["strategies"])
    with tempfile.TemporaryDirectory(prefix="pa-bench-") as tmp:
        work = Path(tmp)
        cli = [str(BIN / "perfanalysis"), "run", str(PARAMS), "--quiet"]
        wall(cli + ["--out", str(work / "warmup"), "--jobs", "2"])  # caches, bytecode
        j1 = wall(cli + ["--out", str(work / "j1"), "--jobs", "1"])
        j2 = wall(cli + ["--out", str(work / "j2"), "--jobs", "2"])
        ours = wall(cli + ["--out", str(work / "ours")])
        same = wall(cli + ["--out", str(work / "ours"), "--strategy", params["strategies"][0]])
        one = corrected_rerun(work / "corrected", params)
        (work / "naive").mkdir()
        base = naive(work / "naive")
        per = kernel_and_import(work)
    floor = notebooks * per / cores
    rows = [
        ("notebooks in the pack", f"{notebooks}"),
        ("cores", f"{cores}"),
        ("perfanalysis run --jobs 1 (s)", f"{j1:.1f}"),
        ("perfanalysis run --jobs 2 (s)", f"{j2:.1f}"),
        ("perfanalysis run, default jobs = ours (s)", f"{ours:.1f}"),
        ("naive papermill + nbconvert (s)", f"{base:.1f}"),
        ("naive / ours (goal >= 8)", f"{base / ours:.2f}"),
        ("kernel start + import (s)", f"{per:.2f}"),
        ("floor = notebooks x that / cores (s)", f"{floor:.1f}"),
        ("ours / floor (goal <= 1.5)", f"{ours / floor:.2f}"),
        ("--jobs 2 / floor", f"{j2 / floor:.2f}"),
        ("rerun one strategy after a corrected figure (s)", f"{one:.1f}"),
        ("that / kernel start + import (goal <= 3)", f"{one / per:.2f}"),
        ("rerun one strategy, unchanged data (s)", f"{same:.1f}"),
        ("peak memory of a run or kernel (MiB)", f"{peak_mib():.0f}"),
    ]
    width = max(len(r[0]) for r in rows) + 2
    print(f"load average (1, 5, 15 min) at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'measure':<{width}}{'value':>10}")
    for name, value in rows:
        print(f"{name:<{width}}{value:>10}")


if __name__ == "__main__":
    main()
