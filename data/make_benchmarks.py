"""Make the illustrative comparator values in data/lincolnshire/benchmarks.csv (seeded).

No seed document gives comparator councils' figures, so these are made up, around Lincolnshire's
own published or illustrative figure, for a group of sixteen county councils of a similar kind
(named after real councils; the values are NOT theirs). They exist so that the pack can show a
rank and a quartile. Rerunning the script rewrites the same file byte for byte.

    .venv/bin/python data/make_benchmarks.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "lincolnshire" / "benchmarks.csv"
GROUP = "Illustrative comparator group of county councils"
COUNCIL = "Lincolnshire County Council"
NEIGHBOURS = [
    "Cambridgeshire",
    "Cumbria",
    "Derbyshire",
    "Devon",
    "Norfolk",
    "North Yorkshire",
    "Nottinghamshire",
    "Somerset",
    "Staffordshire",
    "Suffolk",
    "Warwickshire",
    "Worcestershire",
    "Gloucestershire",
    "Leicestershire",
    "Shropshire",
]
# measure_id, period, Lincolnshire's figure in the dataset, spread (sd), decimals
MEASURES = [
    ("CSH-01", "Q4 2017/18", 45.9, 9.0, 1),  # looked after children per 10,000
    ("CSH-03", "Q4 2017/18", 346, 60, 0),  # days from care to an adoptive family
    ("RFS-01", "2017/18", 70, 2.5, 0),  # Good Level of Development, %
    ("RFS-02", "2017/18", 20, 3.0, 0),  # EYFS gap, %
    ("RAL-01", "2017/18", 34, 4.0, 0),  # KS4 disadvantaged gap, %
    ("INF-01", "2017/18", 3, 1.2, 0),  # principal roads needing maintenance, %
    ("INF-02", "2017/18", 5, 1.5, 0),  # non-principal roads, %
]


def main() -> None:
    rng = np.random.default_rng(20180331)
    rows = []
    for measure_id, period, own, sd, decimals in MEASURES:
        values = np.round(rng.normal(own * 1.02, sd, len(NEIGHBOURS)), decimals)
        values = np.clip(values, 0, None)
        rows.append((measure_id, period, COUNCIL, f"{own:.{decimals}f}", GROUP))
        for area, value in zip(NEIGHBOURS, values):
            rows.append(
                (measure_id, period, f"{area} County Council", f"{value:.{decimals}f}", GROUP)
            )
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["measure_id", "period", "area", "value", "group", "source"])
        writer.writerows(row + ("illustrative",) for row in rows)
    print(f"wrote {len(rows)} rows to {OUT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
