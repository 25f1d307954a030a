"""Make the illustrative comparator values in data/lincolnshire/benchmarks.csv (seeded).

No seed document gives comparator councils' figures, so these are made up, around Lincolnshire's
own published or illustrative figure, for a group of sixteen county councils of a similar kind
(named after real councils; the values are NOT theirs). They exist so that the pack can show a
rank and a quartile. Rerunning the script rewrites the same file byte for byte.

It also writes England (`kind=national`) and East Midlands (`kind=regional`) rows, with a
numerator and denominator, for the measures that have counts (data/make_counts.py), so the pack
can say whether Lincolnshire is better, similar or worse. These values are illustrative too: of a
plausible size, not the published national or regional statistics.

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

# England and East Midlands: measure_id, period, kind, area, numerator, denominator, multiplier,
# decimals (the value is numerator / denominator x multiplier at the measure's decimals)
AREAS = [
    ("CSH-01", "Q4 2017/18", "national", "England", 75_420, 11_780_000, 10_000, 1),
    ("CSH-01", "Q4 2017/18", "regional", "East Midlands", 4_805, 1_001_000, 10_000, 1),
    ("LA-05", "Q4 2017/18", "national", "England", 27_200, 41_900, 100, 1),
    ("LA-05", "Q4 2017/18", "regional", "East Midlands", 2_448, 4_000, 100, 1),
    ("RAL-02", "Q4 2017/18", "national", "England", 1_640_000, 1_810_000, 100, 1),
    ("RAL-02", "Q4 2017/18", "regional", "East Midlands", 140_140, 154_000, 100, 1),
    ("RFS-01", "2017/18", "national", "England", 477_600, 668_000, 100, 1),
    ("RFS-01", "2017/18", "regional", "East Midlands", 35_300, 50_000, 100, 1),
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
    out = [row + ("comparator", "", "", "illustrative") for row in rows]
    for measure_id, period, kind, area, numerator, denominator, mult, decimals in AREAS:
        value = f"{numerator / denominator * mult:.{decimals}f}"
        out.append(
            (
                measure_id,
                period,
                area,
                value,
                "",
                kind,
                str(numerator),
                str(denominator),
                "illustrative",
            )
        )
    header = ["measure_id", "period", "area", "value", "group", "kind", "numerator", "denominator"]
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header + ["source"])
        writer.writerows(out)
    print(f"wrote {len(out)} rows to {OUT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
