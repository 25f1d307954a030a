"""Generated frameworks for the benchmarks: any size, in the dataset format, seeded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from perfanalysis.periods import Period


def quarters(n: int, last: str = "Q4 2017/18") -> list[str]:
    """The `n` financial quarters ending with `last`, oldest first."""
    p = Period.parse(last)
    out = [p]
    for _ in range(n - 1):
        out.append(out[-1].previous())
    return [q.label for q in reversed(out)]


def tables(
    strategies: int, measures_per_strategy: int, n_quarters: int, seed: int = 7
) -> dict[str, pd.DataFrame]:
    """Every table of a generated dataset as text-free frames (numbers as numbers)."""
    rng = np.random.default_rng(seed)
    themes = pd.DataFrame(
        {
            "theme_id": [f"T{i}" for i in range(1, 5)],
            "title": [f"Theme {i}" for i in range(1, 5)],
            "description": "",
        }
    )
    sids = [f"S{i:04d}" for i in range(strategies)]
    strat = pd.DataFrame(
        {
            "strategy_id": sids,
            "theme_id": [f"T{i % 4 + 1}" for i in range(strategies)],
            "title": [f"Strategy {i}" for i in range(strategies)],
            "purpose": "",
        }
    )
    n = strategies * measures_per_strategy
    mids = [f"M{i:07d}" for i in range(n)]
    polarity = np.where(rng.random(n) < 0.5, "higher", "lower")
    targeted = rng.random(n) < 0.85
    polarity = np.where(targeted, polarity, "neutral")
    measures = pd.DataFrame(
        {
            "measure_id": mids,
            "strategy_id": np.repeat(sids, measures_per_strategy),
            "outcome_id": "",
            "title": [f"Measure {i}" for i in range(n)],
            "unit": "percent",
            "polarity": polarity,
            "targeted": np.where(targeted, "true", "false"),
            "frequency": "quarterly",
            "decimals": 1,
            "primary_responsibility": "true",
            "proposed": "false",
            "notes": "",
        }
    )
    qs = quarters(n_quarters)
    base = rng.uniform(20, 80, n)
    values = np.clip(base[:, None] + rng.normal(0, 4, (n, n_quarters)), 0, 100).round(1)
    actuals = pd.DataFrame(
        {
            "measure_id": np.repeat(mids, n_quarters),
            "period": np.tile(qs, n),
            "actual": values.ravel(),
            "source": "illustrative",
            "note": "",
        }
    )
    targets = pd.DataFrame(
        {
            "measure_id": np.repeat(mids, n_quarters),
            "period": np.tile(qs, n),
            "target": np.repeat(base.round(0), n_quarters),
            "tolerance": 1.0,
        }
    )
    targets = targets[np.repeat(targeted, n_quarters)]
    empty = {
        "outcomes": pd.DataFrame(columns=["outcome_id", "strategy_id", "title"]),
        "highlights": pd.DataFrame(columns=["strategy_id", "period", "sponsor", "rag"]),
        "contracts": pd.DataFrame(columns=["strategy_id", "period", "service"]),
    }
    return {
        "themes": themes,
        "strategies": strat,
        "measures": measures,
        "targets": targets,
        "actuals": actuals,
        **empty,
    }


def write(folder: Path, frames: dict[str, pd.DataFrame]) -> Path:
    """Write generated tables as a dataset folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.yaml").write_text(
        "organisation: Benchmarkshire County Council\n"
        "levels: {theme: Theme, strategy: Strategy}\n"
        "notes: Generated for benchmarks; every figure is made up.\n"
    )
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder
