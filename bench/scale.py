"""Benchmark: load, validate, assess and pack at scale; time and peak memory for each step.

    .venv/bin/python bench/scale.py [--skip-pack]

Sizes: a generated framework of 60 strategies x 25 measures x 40 quarters (60,000 actual rows),
run end to end including the pack; and 10x that (600 strategies, 600,000 rows) for the library
alone (load, validate, assess). Each step runs in a fresh process so that its peak memory is its
own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent

STEP = textwrap.dedent("""
    import json, resource, sys, time
    sys.path.insert(0, {here!r})
    step, folder = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    if step == "load":
        import perfanalysis as pa
        ds = pa.load(folder)
        info = len(ds.actuals)
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
        info = len(out)
    elif step == "pack":
        from pathlib import Path
        from perfanalysis.runner import read_parameters, run_pack
        result = run_pack(read_parameters(Path(folder) / "params.yaml"), out=Path(folder) / "pack",
                          quiet=True)
        info = {{k: round(v, 2) for k, v in result.timings.items()}}
    seconds = time.perf_counter() - (t0 if step in ("validate", "assess") else start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({{"seconds": seconds, "peak_mib": peak, "info": info}}, default=str))
""").format(here=str(HERE))


def run_step(step: str, folder: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", STEP, step, str(folder)], capture_output=True, text=True
    )
    if done.returncode != 0:
        return {"seconds": float("nan"), "peak_mib": float("nan"), "info": done.stderr[-300:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-pack", action="store_true", help="library steps only")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import tables, write

    sizes = [("60 x 25 x 40", 60, True), ("600 x 25 x 40", 600, False)]
    print(
        f"{'size (strategies x measures x quarters)':<42}{'step':<10}{'seconds':>9}"
        f"{'peak MiB':>10}  detail"
    )
    with tempfile.TemporaryDirectory(prefix="pa-scale-") as tmp:
        for label, strategies, with_pack in sizes:
            folder = write(Path(tmp) / f"s{strategies}", tables(strategies, 25, 40))
            (folder / "params.yaml").write_text("dataset: .\nperiod: Q4 2017/18\nstrategies: all\n")
            steps = ["load", "validate", "assess"] + (
                ["pack"] if with_pack and not args.skip_pack else []
            )
            for step in steps:
                r = run_step(step, folder)
                detail = r["info"] if not isinstance(r["info"], int) else f"{r['info']:,} rows"
                print(f"{label:<42}{step:<10}{r['seconds']:>9.2f}{r['peak_mib']:>10.0f}  {detail}")


if __name__ == "__main__":
    main()
