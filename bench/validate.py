"""Benchmark of the data-quality gate: how long `validate` takes on 10k, 100k and 1M actual rows.

    .venv/bin/python bench/validate.py [ROWS ...]

Generates a dataset in a temporary folder (quarterly measures over ten financial years, mixed
units, a few `1,234`, `70%` and `n/a` cells), reads it with `read_raw` and checks it with
`quality.validate` for Q4 2017/18, and prints the time of each step. The one-off cost of
importing great-expectations and making its context is measured first and printed apart. The
issue's target is 100,000 actual rows in under 10 s on the 2-core machine the project runs on.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfanalysis import quality  # noqa: E402
from perfanalysis.dataset import read_raw  # noqa: E402

QUARTERS = [f"Q{q} {y}/{(y + 1) % 100:02d}" for y in range(2008, 2018) for q in (1, 2, 3, 4)]
UNITS = ["percent", "count", "rate_per_1000", "gbp", "days", "score"]


def make_dataset(folder: Path, actual_rows: int) -> None:
    """A valid dataset with `actual_rows` actuals: one per measure and quarter."""
    rng = np.random.default_rng(20180331)
    n_measures = max(1, actual_rows // len(QUARTERS))
    n_strategies = max(1, n_measures // 20)
    folder.mkdir(parents=True)
    (folder / "dataset.yaml").write_text(
        "organisation: Benchmark County Council\n"
        'reporting_years: {from: "2008/09", to: "2017/18"}\n', encoding="utf-8")  # fmt: skip
    pd.DataFrame({"theme_id": ["t1", "t2"], "title": ["Theme one", "Theme two"]}).to_csv(
        folder / "themes.csv", index=False)  # fmt: skip
    sid = [f"s{i}" for i in range(n_strategies)]
    pd.DataFrame({"strategy_id": sid, "theme_id": ["t1", "t2"] * (n_strategies // 2)
                  + ["t1"] * (n_strategies % 2), "title": sid}).to_csv(
        folder / "strategies.csv", index=False)  # fmt: skip
    pd.DataFrame(columns=["outcome_id", "strategy_id", "title"]).to_csv(
        folder / "outcomes.csv", index=False)  # fmt: skip
    mid = np.array([f"M-{i:06d}" for i in range(n_measures)])
    units = np.array(UNITS)[np.arange(n_measures) % len(UNITS)]
    targeted = np.arange(n_measures) % 5 != 0
    pd.DataFrame({
        "measure_id": mid, "strategy_id": np.array(sid)[np.arange(n_measures) % n_strategies],
        "title": [f"Measure {m}" for m in mid], "unit": units,
        "polarity": np.where(targeted, "higher", "neutral"),
        "targeted": np.where(targeted, "true", "false"), "frequency": "quarterly",
        "decimals": "1",
    }).to_csv(folder / "measures.csv", index=False)  # fmt: skip
    m = np.repeat(np.arange(n_measures), len(QUARTERS))[:actual_rows]
    q = np.tile(np.arange(len(QUARTERS)), n_measures)[:actual_rows]
    values = np.round(rng.random(actual_rows) * 90 + 5, 1)
    text = values.astype(str).astype(object)
    big = units[m] == "count"
    text[big] = [f"{int(v * 100):,}" for v in values[big]]  # "1,234"
    pct = np.flatnonzero(units[m] == "percent")[::7]
    text[pct] = [f"{v}%" for v in values[pct]]  # "70%" on a percent measure
    text[np.arange(actual_rows) % 97 == 0] = "n/a"
    actuals = pd.DataFrame({"measure_id": mid[m], "period": np.array(QUARTERS)[q],
                            "actual": text, "source": "illustrative"})  # fmt: skip
    actuals.to_csv(folder / "actuals.csv", index=False)
    keep = targeted[m] & (q % 4 == 3)  # a target for each targeted measure's Q4s
    pd.DataFrame({"measure_id": mid[m][keep], "period": np.array(QUARTERS)[q][keep],
                  "target": "50", "tolerance": "1"}).to_csv(
        folder / "targets.csv", index=False)  # fmt: skip


def main(sizes: list[int]) -> None:
    small = ROOT / "tests" / "data" / "small"
    t0 = time.perf_counter()
    quality.validate(read_raw(small), "Q4 2017/18")
    print(f"great-expectations import and context, once per process: "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    print(f"{'actual rows':>12} {'write':>8} {'read_raw':>9} {'validate':>9}  result")
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "bench"
            t0 = time.perf_counter()
            make_dataset(folder, rows)
            t1 = time.perf_counter()
            raw = read_raw(folder)
            t2 = time.perf_counter()
            result = quality.validate(raw, "Q4 2017/18")
            t3 = time.perf_counter()
            c = result.counts()
            print(f"{len(raw.tables['actuals']):>12,} {t1 - t0:>7.1f}s {t2 - t1:>8.1f}s "
                  f"{t3 - t2:>8.1f}s  {c['checks']} checks, {c['errors']} errors, "
                  f"{c['warnings']} warnings", flush=True)  # fmt: skip


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
