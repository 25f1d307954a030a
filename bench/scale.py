"""Benchmark: load, validate, assess, prepare, draw and pack at scale; time and peak memory.

    .venv/bin/python bench/scale.py [--skip-pack] [--full-600] [--jobs N]

Sizes: generated frameworks of 60 strategies x 25 measures x 40 quarters (1,500 measures,
60,000 actual rows, about 3,000 charts), run end to end including the pack; and 10x that
(600 x 25 x 40: 15,000 measures, 600,000 rows), run up to `prepare` (the gate, the assessment,
SPC, comparisons and intervals). Its charts (about 30,000) and pack are left out unless
`--full-600` is given: at the 60x rate they take a quarter of an hour or more on two cores; the
output says so. Each step runs in a fresh process so that its peak memory is its own: the peak
is the largest total memory of the step's process and every process it started (notebook
kernels, chart workers), sampled every 0.1 s as proportional set size (a page that forked
kernels share with their host counts once in all, not once per kernel as resident sizes would),
and the `ru_maxrss` of the process itself. "seconds" is the step alone: the `load` step times
`pa.load` (its detail gives the package import before it), the others start after loading the
data. "CPU s" is the CPU time of the step's process and its children (the whole process, imports
included): on a shared machine it says what the work costs when the wall clock says how busy the
machine was.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent

STEP = textwrap.dedent("""
    import json, os, resource, sys, threading, time
    sys.path.insert(0, {here!r})
    step, folder, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3]) or None
    peak = [0]

    def sample():  # memory of this process and all its descendants, shared pages counted once
        try:
            import psutil
        except ImportError:
            return
        me = psutil.Process()
        while True:
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:  # PSS: a page shared by n processes (forked kernels) counts 1/n in each
                    total += p.memory_full_info().pss
                except (psutil.Error, AttributeError):
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            peak[0] = max(peak[0], total)
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    start = time.perf_counter()
    t0 = start
    if step == "load":  # pa.load alone; importing the package is timed apart, in the detail
        import perfanalysis as pa
        t0 = time.perf_counter()
        ds = pa.load(folder)
        info = (f"{{len(ds.actuals):,}} actual rows; import perfanalysis "
                f"{{t0 - start:.2f}} s before it")
    elif step == "validate":
        from perfanalysis.dataset import read_raw
        from perfanalysis.quality import validate
        raw = read_raw(folder)
        t0 = time.perf_counter()
        result = validate(raw, "Q4 2017/18")
        info = result.counts()
    elif step == "assess":
        import perfanalysis as pa
        ds = pa.load(folder)
        t0 = time.perf_counter()
        out = ds.assess("Q4 2017/18")
        info = f"{{len(out):,}} measures"
    elif step == "prepare":
        import perfanalysis as pa
        from perfanalysis.report import prepare
        ds = pa.load(folder)
        t0 = time.perf_counter()
        pack = prepare(ds, "Q4 2017/18")
        info = f"assess, SPC ({{len(pack.spc):,}} measures), comparisons, intervals"
    elif step == "charts":
        import perfanalysis as pa
        from perfanalysis.report import prepare, render_charts
        pack = prepare(pa.load(folder), "Q4 2017/18")
        t0 = time.perf_counter()
        charts = render_charts(pack, jobs=jobs)
        per = (time.perf_counter() - t0) / max(len(charts), 1)
        info = f"{{len(charts):,}} charts, {{per * 1000:.0f}} ms each (wall / charts)"
    elif step == "pack":
        from pathlib import Path
        from perfanalysis.runner import read_parameters, run_pack
        out = Path(folder).with_name(Path(folder).name + "-pack")  # not inside the dataset
        result = run_pack(read_parameters(Path(folder) / "params.yaml"), out=out,
                          quiet=True, jobs=jobs)
        n = sum(p.read_text(encoding="utf-8").count('role="img"') for p in out.rglob("*.html"))
        info = {{k: round(v, 1) for k, v in result.timings.items()}}
        info["charts shown"] = n
        if "charts" in result.timings and n:
            info["ms per chart (wall)"] = round(result.timings["charts"] / n * 1000)
    seconds = time.perf_counter() - t0
    cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF,
              resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({{"seconds": seconds, "peak_mib": max(peak[0] / 2**20, rss), "cpu": cpu,
                      "self_mib": rss, "child_mib": children, "info": info}}, default=str))
""").format(here=str(HERE))


def run_step(step: str, folder: Path, jobs: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", STEP, step, str(folder), str(jobs)], capture_output=True, text=True
    )
    if done.returncode != 0:
        nan = float("nan")
        return {"seconds": nan, "peak_mib": nan, "self_mib": nan, "child_mib": nan, "cpu": nan,
                "info": done.stderr[-300:]}  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-pack", action="store_true", help="library steps and charts only")
    ap.add_argument("--full-600", action="store_true", help="also draw and pack 600 x 25 x 40")
    ap.add_argument("--jobs", type=int, default=0, help="processes for charts and notebooks")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import tables, write

    print(f"cores: {os.cpu_count()}; load average (1, 5, 15 min) at start: {load_average()}")
    library = ["load", "validate", "assess", "prepare"]
    sizes = [
        ("60 x 25 x 40", 60, library + (["charts"] if args.skip_pack else ["pack"])),
        ("600 x 25 x 40", 600, library + (["charts", "pack"] if args.full_600 else [])),
    ]
    print(
        f"{'size (strategies x measures x quarters)':<40}{'step':<10}{'seconds':>9}"
        f"{'CPU s':>9}{'peak MiB':>10}{'self MiB':>10}  detail"
    )
    with tempfile.TemporaryDirectory(prefix="pa-scale-") as tmp:
        for label, strategies, steps in sizes:
            folder = write(Path(tmp) / f"s{strategies}", tables(strategies, 25, 40))
            (folder / "params.yaml").write_text("dataset: .\nperiod: Q4 2017/18\nstrategies: all\n")
            for step in steps:
                r = run_step(step, folder, args.jobs)
                print(
                    f"{label:<40}{step:<10}{r['seconds']:>9.2f}{r['cpu']:>9.1f}"
                    f"{r['peak_mib']:>10.0f}{r['self_mib']:>10.0f}  {r['info']}",
                    flush=True,
                )
            if strategies == 600 and not args.full_600:
                print(
                    f"{label:<40}{'charts':<10}{'not run':>9}  about 30,000 charts: a quarter of "
                    "an hour or more at the 60 x 25 x 40 rate on two cores (--full-600 runs "
                    "them and the pack)"
                )
    print(f"load average (1, 5, 15 min) at end: {load_average()}")


if __name__ == "__main__":
    main()
