"""Benchmark of the data-quality gate, in one run: `perfanalysis validate` on the shipped data
against the bare `python -c "import perfanalysis"`, and the gate and the loader at scale.

    .venv/bin/python bench/validate.py [--repeat N] [--rows ROWS ...]

1. The gate against the import tax: each command runs N times (default 5) in a fresh process,
   alternating, and the medians are compared; the goal is validate <= 2 x import. Peak memory
   (max RSS) of each is printed.
2. At scale: a generated dataset (quarterly measures over ten financial years, mixed units, a few
   `1,234`, `70%` and `n/a` cells) of ROWS actual rows (default 100,000 and 600,000): the time and
   peak memory of `read_raw`, `quality.validate` (pandas engine) and `load`, each in a fresh
   process. The goal for 600,000 rows is a load in 2 s or less.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
QUARTERS = [f"Q{q} {y}/{(y + 1) % 100:02d}" for y in range(2008, 2018) for q in (1, 2, 3, 4)]
UNITS = ["percent", "count", "rate_per_1000", "gbp", "days", "score"]

TIMED = """import json, resource, sys, time
start = time.perf_counter()
{body}
print(json.dumps({{"seconds": time.perf_counter() - start,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def timed(body: str, *args: str) -> dict:
    """Run `body` in a fresh interpreter; its wall time (from interpreter start) and peak RSS."""
    import time

    start = time.perf_counter()
    done = subprocess.run([PYTHON, "-c", TIMED.format(body=body), *args], capture_output=True,
                          text=True, cwd=ROOT)  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1, 2):
        raise SystemExit(done.stderr[-2000:])
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall": wall, **out}


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


def gate_against_import(repeat: int) -> None:
    data = str(ROOT / "data" / "lincolnshire")
    imp = "import perfanalysis"
    val = (
        "from perfanalysis.cli import main\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['validate', {data!r}, '--period', 'Q4 2017/18'])"
    )
    runs: dict[str, list[dict]] = {"import": [], "validate": []}
    timed(imp)  # warm the file cache once
    for _ in range(repeat):
        runs["import"].append(timed(imp))
        runs["validate"].append(timed(val))
    med = {k: statistics.median(r["wall"] for r in v) for k, v in runs.items()}
    peak = {k: max(r["peak_mib"] for r in v) for k, v in runs.items()}
    print(f"The gate on data/lincolnshire against the bare import ({repeat} runs each, median "
          "wall time of a fresh process):")  # fmt: skip
    print(f"  python -c 'import perfanalysis'      {med['import']:6.2f} s   "
          f"peak {peak['import']:5.0f} MiB")  # fmt: skip
    print(f"  perfanalysis validate (Q4 2017/18)   {med['validate']:6.2f} s   "
          f"peak {peak['validate']:5.0f} MiB")  # fmt: skip
    print(f"  ratio validate / import              {med['validate'] / med['import']:6.2f}   "
          "(goal <= 2)")  # fmt: skip


def at_scale(sizes: list[int]) -> None:
    print(f"\n{'actual rows':>12} {'step':<10} {'seconds':>8} {'peak MiB':>9}")
    steps = {
        "read_raw": "from perfanalysis.dataset import read_raw\nread_raw(sys.argv[1])",
        "validate": (
            "from perfanalysis.dataset import read_raw\n"
            "from perfanalysis.quality import validate\n"
            "raw = read_raw(sys.argv[1])\n"
            "start = time.perf_counter()\n"
            "validate(raw, 'Q4 2017/18')"
        ),
        "load": "import perfanalysis as pa\nstart = time.perf_counter()\npa.load(sys.argv[1])",
    }
    with tempfile.TemporaryDirectory(prefix="pa-bench-") as tmp:
        for rows in sizes:
            folder = Path(tmp) / f"r{rows}"
            make_dataset(folder, rows)
            for step, body in steps.items():
                r = timed(body, str(folder))
                print(f"{rows:>12,} {step:<10} {r['seconds']:>8.2f} {r['peak_mib']:>9.0f}",
                      flush=True)  # fmt: skip
    print("(load: from after `import perfanalysis` to the Dataset; goal for 600,000 rows <= 2 s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rows", type=int, nargs="*", default=[100_000, 600_000])
    args = ap.parse_args()
    gate_against_import(args.repeat)
    at_scale(args.rows)


if __name__ == "__main__":
    main()
