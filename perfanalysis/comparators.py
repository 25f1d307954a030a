"""Comparison with similar councils: Excel-compatible percentiles, ranks and quartiles.

Councils publish benchmarking with Excel, so the numbers here follow Excel's functions:
PERCENTILE.INC for quartile boundaries and medians, RANK.EQ for ranks (ties share the better
rank). Both are polarity-aware: rank 1 and quartile 1 are always the best.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["POLARITIES", "percentile_inc", "rank_within_group"]

POLARITIES: tuple[str, ...] = ("higher", "lower", "neutral")

_KEYS = ["measure_id", "period", "group"]
_REQUIRED = ["measure_id", "period", "area", "value", "group"]


def percentile_inc(values: object, q: float | np.ndarray | list[float]) -> float | np.ndarray:
    """Excel's PERCENTILE.INC: the value at rank (n - 1) x q of the sorted values, interpolated.

    Missing values are ignored, as Excel ignores blank cells. `q` may be one number (returns a
    float) or several (returns an array); each must lie in [0, 1], and at least one value is
    needed (Excel gives #NUM! for both).
    """
    x = np.sort(
        pd.to_numeric(pd.Series(np.ravel(np.asarray(values, dtype=object)))).to_numpy(float)
    )
    x = x[~np.isnan(x)]
    qs = np.asarray(q, dtype=float)
    if x.size == 0:
        raise ValueError("percentile_inc needs at least one non-missing value")
    if np.any(np.isnan(qs)) or np.any((qs < 0) | (qs > 1)):
        raise ValueError(f"q must lie between 0 and 1, not {q!r}")
    h = (x.size - 1) * qs
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, x.size - 1)
    result = x[lo] + (h - lo) * (x[hi] - x[lo])
    return float(result) if result.ndim == 0 else result


def rank_within_group(
    benchmarks: pd.DataFrame,
    area: str,
    polarity: str | pd.Series | Mapping[str, str],
) -> pd.DataFrame:
    """Rank and quartile of one council among its comparator group, per measure and period.

    `benchmarks` has columns measure_id, period, area, value, group, and includes the council's
    own row (area == `area`). Returns one row per (measure_id, period, group) with the council's
    `value`, `rank` (1 = best; ties share the better rank, like Excel RANK.EQ), `n` (areas with a
    value), `quartile` and the group `median`.

    Quartile rule: the boundaries are PERCENTILE.INC at 0.25, 0.5 and 0.75 of the group's values
    (the council's included). Where higher is better, quartile 1 is value >= P75, 2 is
    P50 <= value < P75, 3 is P25 <= value < P50, 4 is value < P25; where lower is better,
    1 is value <= P25, 2 is P25 < value <= P50, 3 is P50 < value <= P75, 4 is value > P75.
    So a value exactly on a boundary goes to the better quartile.

    `polarity` ('higher', 'lower' or 'neutral') is one string for all measures or a mapping
    measure_id -> polarity (a Series indexed by measure_id, or a dict). Neutral measures get no
    rank or quartile (NA); nor does a council with no value.
    """
    missing = [c for c in _REQUIRED if c not in benchmarks.columns]
    if missing:
        raise ValueError(f"benchmarks lacks column(s): {', '.join(missing)}")
    data = benchmarks[_REQUIRED].copy()
    data["value"] = pd.to_numeric(data["value"], errors="raise").astype(float)
    duplicated = data.duplicated(_KEYS + ["area"], keep=False)
    if duplicated.any():
        first = data.loc[duplicated].iloc[0]
        raise ValueError(
            f"area {first['area']!r} appears more than once for measure {first['measure_id']!r}, "
            f"period {first['period']!r}, group {first['group']!r}"
        )

    data["polarity"] = _polarity_per_row(data["measure_id"], polarity)
    present = data.dropna(subset=["value"])
    # one row per key, with the group's median and quartile boundaries
    by_key = present.groupby(_KEYS, sort=True, observed=True, dropna=False)["value"]
    stats = by_key.quantile([0.25, 0.5, 0.75], interpolation="linear").unstack()
    stats.columns = ["p25", "median", "p75"]
    stats["n"] = by_key.size()

    own = data.loc[data["area"] == area].set_index(_KEYS)[["value"]]
    keys = data[_KEYS + ["polarity"]].drop_duplicates(_KEYS).set_index(_KEYS)
    out = keys.join(own).join(stats)
    out["n"] = out["n"].fillna(0).astype("Int64")

    # RANK.EQ: 1 + the number of values strictly better than the council's
    council = present.join(own.rename(columns={"value": "own"}), on=_KEYS)
    sign = council["polarity"].map({"higher": 1.0, "lower": -1.0})
    better = (sign * (council["value"] - council["own"])) > 0
    n_better = better.groupby([council[k] for k in _KEYS], dropna=False).sum()
    out["rank"] = (n_better.reindex(out.index).fillna(0) + 1).astype("Int64")

    v, p25, p50, p75 = out["value"], out["p25"], out["median"], out["p75"]
    higher = np.select([v >= p75, v >= p50, v >= p25], [1, 2, 3], default=4)
    lower = np.select([v <= p25, v <= p50, v <= p75], [1, 2, 3], default=4)
    out["quartile"] = pd.Series(
        np.where(out["polarity"] == "higher", higher, lower), index=out.index
    ).astype("Int64")

    no_rank = (out["polarity"] == "neutral") | out["value"].isna()
    out.loc[no_rank, ["rank", "quartile"]] = pd.NA
    out = out.reset_index().sort_values(_KEYS, kind="stable", ignore_index=True)
    return out[_KEYS + ["polarity", "value", "rank", "n", "quartile", "median"]]


def _polarity_per_row(
    measure_id: pd.Series, polarity: str | pd.Series | Mapping[str, str]
) -> pd.Series:
    """The polarity of each row's measure, checked against POLARITIES."""
    if isinstance(polarity, str):
        result = pd.Series(polarity, index=measure_id.index, dtype=object)
    else:
        mapping = polarity if isinstance(polarity, pd.Series) else pd.Series(dict(polarity))
        if mapping.index.has_duplicates:
            raise ValueError("polarity gives more than one polarity for a measure_id")
        result = measure_id.map(mapping)
        unknown = measure_id[result.isna()].unique()
        if len(unknown):
            raise ValueError(f"no polarity for measure_id(s): {', '.join(map(str, unknown))}")
    result = result.astype(str).str.strip().str.lower()
    bad = sorted(set(result) - set(POLARITIES))
    if bad:
        raise ValueError(f"unknown polarity {bad}: expected 'higher', 'lower' or 'neutral'")
    return result
