"""Benchmark: `assess` on a generated framework of 1,000,000 measure-period rows.

    .venv/bin/python bench/assess.py [--rows 1000000]

Prints the time to assess, rows per second and the peak memory of the process. Goals on the
project's 2-core machine: under 2 s (issue 2; 1 s for issue 8) and under 1.5 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import tables  # noqa: E402

from perfanalysis.periods import parse_periods  # noqa: E402
from perfanalysis.status import assess  # noqa: E402


def typed(frame, numeric):
    parsed = parse_periods(frame["period"])
    frame = frame.copy()
    frame["period"] = parsed["label"].to_numpy()
    frame["start"] = parsed["start"].to_numpy()
    frame["end"] = parsed["end"].to_numpy()
    return frame


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000, help="measure-period rows (actuals)")
    ap.add_argument("--quarters", type=int, default=40)
    args = ap.parse_args()
    n_measures = args.rows // args.quarters
    t = tables(n_measures // 25, 25, args.quarters)
    m = t["measures"].copy()
    m["targeted"] = m["targeted"] == "true"
    a, tg = typed(t["actuals"], "actual"), typed(t["targets"], "target")
    start = time.perf_counter()
    out = assess(m, tg, a, "Q4 2017/18")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    rows = len(a)
    print(f"{'step':<28}{'value':>16}")
    print(f"{'actual rows':<28}{rows:>16,}")
    print(f"{'target rows':<28}{len(tg):>16,}")
    print(f"{'measures assessed':<28}{len(out):>16,}")
    print(f"{'assess time (s)':<28}{seconds:>16.2f}")
    print(f"{'rows per second':<28}{rows / seconds:>16,.0f}")
    print(f"{'peak memory (MiB)':<28}{peak:>16,.0f}")
    print(out["status"].value_counts().to_string())


if __name__ == "__main__":
    main()
