"""Benchmark: SPC for every measure of the pack, one `Dataset.spc` call per measure vs one pass.

    .venv/bin/python bench/spc.py [strategies]    # default 60: 60 x 25 measures x 40 quarters

Prints the seconds of each way (the pack's `_with_spc` used the first, now the second), the
speed-up, the peak memory, and checks that both give the same icons for every measure.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    from generate import tables, write

    import perfanalysis as pa
    from perfanalysis.spc import dataset_spc

    strategies = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    with tempfile.TemporaryDirectory(prefix="pa-spc-") as tmp:
        ds = pa.load(write(Path(tmp) / "d", tables(strategies, 25, 40)))
    counts = ds.actuals[ds.actuals["actual"].notna()].groupby("measure_id").size()
    f = ds.framework.measures
    ids = list(f.loc[f["measure_id"].isin(counts[counts >= 12].index), "measure_id"])

    start = time.perf_counter()
    one_by_one = {mid: ds.spc(mid) for mid in ids}
    before = time.perf_counter() - start
    start = time.perf_counter()
    grouped = dataset_spc(ds, ids)
    after = time.perf_counter() - start

    same = all(
        (a.variation_icon, a.assurance_icon)
        == (grouped[k].variation_icon, grouped[k].assurance_icon)
        and a.points.equals(grouped[k].points)
        for k, a in one_by_one.items()
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{strategies} x 25 x 40: {len(ids):,} measures, {len(ds.actuals):,} actual rows")
    print(f"  one Dataset.spc() per measure  {before:8.2f} s")
    print(f"  dataset_spc(), one pass        {after:8.2f} s   ({before / after:.0f}x faster)")
    print(f"  same points and icons: {same}; peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
