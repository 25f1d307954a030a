"""Make the ILLUSTRATIVE targets and actuals for the Leicestershire dataset.

None of these figures is published data: the seeds (004 Strategic Plan 2018-22, 002 draft
framework) list measures but print no targets or actuals. This script invents plausible figures
so that the product has something to show, and it is deterministic: it reads ``measures.csv``
next to it and rewrites ``targets.csv`` and ``actuals.csv`` byte-for-byte the same on every run
(numpy ``default_rng`` with a fixed seed, fixed iteration order, integer arithmetic in units of
the measure's reporting precision, fixed CSV formatting).

Periods: 2018/19, 2019/20, 2020/21 for annual measures; Q1 2018/19 .. Q4 2020/21 for quarterly
ones. Targeted measures get a target (and sometimes a tolerance) for every period; contextual
(measured-only) measures get actuals only. At the latest period (2020/21 / Q4 2020/21) each
targeted measure is given a planned status (achieved, within tolerance, improving but not
achieved, not achieved, or no data) and the figures are built to produce it under the status
rules of the dataset format; the script checks every planned status before writing.

Run:  python3 data/leicestershire/make_illustrative.py
"""

import csv
import math
from pathlib import Path

import numpy as np

SEED = 20180401
HERE = Path(__file__).resolve().parent

YEARS = ["2018/19", "2019/20", "2020/21"]
QUARTERS = [f"Q{q} {y}" for y in YEARS for q in (1, 2, 3, 4)]

# Typical level of each measure at the start of the period (per period of its frequency),
# chosen to be plausible for a shire county of about 700,000 people. Illustrative only.
BASELINE = {
    "SE-1-01": 58.0,
    "SE-1-02": 84.0,
    "SE-1-03": 2.6,
    "SE-1-04": 2.0,
    "SE-1-05": 4800,
    "SE-1-06": 18.0,
    "SE-1-07": 560,
    "SE-1-08": 86.0,
    "SE-1-09": 35.0,
    "SE-1-10": 6.5,
    "SE-1-11": 66.0,
    "SE-1-12": 90.0,
    "SE-2-01": 5.0,
    "SE-2-02": 34.0,
    "SE-2-03": 24.5,
    "SE-2-04": 42.0,
    "SE-2-05": 1700,
    "SE-2-06": 28.0,
    "SE-2-07": 58.0,
    "SE-2-08": 0.25,
    "SE-2-09": 96.0,
    "SE-2-10": 25000000,
    "SE-3-01": 61.0,
    "SE-3-02": 62.0,
    "SE-3-03": 1.8,
    "SE-3-04": 26500,
    "SE-3-05": 18.0,
    "SE-3-06": 47.0,
    "SE-3-07": 6.0,
    "SE-3-08": 11.4,
    "WO-1-01": 10.5,
    "WO-1-02": 95.0,
    "WO-1-03": 76.0,
    "WO-1-04": 72.0,
    "WO-1-05": 20.0,
    "WO-1-06": 80.0,
    "WO-1-07": 21.0,
    "WO-1-08": 15.0,
    "WO-1-09": 1700,
    "WO-1-10": 2.6,
    "WO-1-11": 78.0,
    "WO-1-12": 3.8,
    "WO-1-13": 90.0,
    "WO-2-01": 94.0,
    "WO-2-02": 86.0,
    "WO-2-03": 13.5,
    "WO-2-04": 120,
    "WO-2-05": 60.0,
    "WO-3-01": 64.0,
    "WO-3-02": 155.0,
    "WO-3-03": 63.0,
    "WO-3-04": 66.0,
    "WO-3-05": 56.0,
    "WO-3-06": 12.5,
    "WO-3-07": 24.0,
    "WO-3-08": 550,
    "WO-3-09": 78.0,
    "WO-3-10": 600,
    "WO-3-11": 5.2,
    "WO-3-12": 4.2,
    "WO-3-13": 1200,
    "WO-3-14": 3.70,
    "WO-3-15": 17.0,
    "WO-3-16": 55.0,
    "WO-3-17": 2500,
    "WO-4-01": 64.0,
    "WO-4-02": 46.5,
    "WO-4-03": 32.50,
    "WO-4-04": 22.0,
    "WO-4-05": 24.0,
    "WO-4-06": 94.0,
    "WO-5-01": 70.0,
    "WO-5-02": 560.0,
    "WO-5-03": 10.0,
    "WO-5-04": 45,
    "WO-5-05": 86.0,
    "WO-5-06": 8.5,
    "WO-5-07": 2400,
    "WO-5-08": 1900,
    "WO-5-09": 64.0,
    "WO-5-10": 19.2,
    "WO-5-11": 7.6,
    "WO-5-12": 78.0,
    "WO-5-13": 82.0,
    "WO-5-14": 3000,
    "WO-5-15": 60.0,
    "WO-5-16": 70.0,
    "WO-5-17": 300,
    "KPS-1-01": 1200,
    "KPS-1-02": 60,
    "KPS-1-03": 87.0,
    "KPS-1-04": 22.0,
    "KPS-1-05": 20.0,
    "KPS-1-06": 96.0,
    "KPS-1-07": 2,
    "KPS-1-08": 10.0,
    "KPS-2-01": 68.0,
    "KPS-2-02": 2,
    "KPS-2-03": 25.0,
    "KPS-2-04": 14.5,
    "KPS-2-05": 90.0,
    "KPS-2-06": 55.0,
    "KPS-2-07": 65.0,
    "KPS-3-01": 2600,
    "KPS-3-02": 70.0,
    "KPS-3-03": 250,
    "KPS-3-04": 70.0,
    "KPS-3-05": 72.0,
    "KPS-3-06": 65.0,
    "KPS-3-07": 85.0,
    "KPS-3-08": 45.0,
    "KPS-4-01": 52.0,
    "KPS-4-02": 90.0,
    "KPS-4-03": 18.0,
    "KPS-4-04": 60.0,
    "KPS-4-05": 30.0,
    "KPS-4-06": 180,
    "KPS-4-07": 35.0,
    "KPS-4-08": 300,
    "KPS-4-09": 55.0,
    "KPS-4-10": 1200000,
    "KPS-4-11": 500,
    "KPS-4-12": 85.0,
    "KPS-4-13": 80.0,
    "KPS-4-14": 40000,
    "KPS-4-15": 120,
    "KPS-4-16": 90.0,
    "GC-1-01": 92.0,
    "GC-1-02": 60.0,
    "GC-2-01": 46.0,
    "GC-2-02": 33.0,
    "GC-3-01": 60.0,
    "GC-3-02": 30.0,
    "GC-3-03": 90.0,
    "GC-3-04": 60.0,
    "GC-3-05": 45.0,
    "GC-3-06": 45000,
    "GC-3-07": 30,
    "GC-4-01": 2000000,
    "GC-4-02": 36,
    "GC-4-03": 150000,
    "GC-4-04": 33000000,
    "GC-4-05": 75.0,
    "GC-4-06": 30000,
    "GC-4-07": 10.0,
    "GC-4-08": 55.0,
    "GC-5-01": 150,
    "GC-5-02": 90,
    "GC-5-03": 40.0,
    "GC-5-04": 95.0,
    "GC-6-01": 45.0,
    "GC-6-02": 1000,
    "GC-6-03": 75.0,
    "GC-6-04": 450,
    "GC-6-05": 40.0,
    "GC-6-06": 25.0,
    "GC-6-07": 6.0,
    "GC-6-08": 70.0,
    "GC-6-09": 45.0,
    "AQH-1-01": 5,
    "AQH-1-02": 22000,
    "AQH-1-03": 25.0,
    "AQH-1-04": 3800,
    "AQH-1-05": 900,
    "AQH-1-06": 550,
    "AQH-1-07": 7.60,
    "AQH-1-08": 180,
    "AQH-1-09": 7500,
    "AQH-1-10": 2500,
    "AQH-1-11": 2.0,
    "AQH-1-12": 55.0,
    "AQH-2-01": 650,
    "AQH-2-02": 12.0,
    "AQH-2-03": 80.0,
    "AQH-2-04": 55.0,
    "AQH-2-05": 85.0,
    "AQH-3-01": 30.0,
    "AQH-3-02": 60.0,
    "AQH-3-03": 28.0,
    "AQH-3-04": 45.0,
    "AQH-4-01": 38.0,
    "CE-1-01": 85.0,
    "CE-1-02": 250,
    "CE-1-03": 80.0,
    "CE-2-01": 60.0,
    "CE-2-02": 1500000,
    "CE-2-03": 85.0,
    "CE-2-04": 30,
    "CE-3-01": 8.0,
    "CE-3-02": 90.0,
    "CE-3-03": 12.0,
    "CE-3-04": 12,
    "CE-3-05": 75.0,
    "CE-4-01": 3,
    "CE-4-02": 1.5,
    "CE-4-03": 18,
    "CE-4-04": 90.0,
    "CE-5-01": 2000000,
    "CE-5-02": 15,
    "CE-5-03": 1500000,
    "CE-6-01": 85.0,
    "CE-6-02": 20,
    "CE-7-01": 20000,
    "CE-7-02": 12000,
    "CE-7-03": 3000,
    "CE-7-04": 55.0,
    "CE-7-05": 8.0,
    "CE-7-06": 5.0,
    "CE-7-07": 55.0,
}

# Hard bounds beyond the unit's own (percent/milestone 0-100, everything else >= 0).
BOUNDS = {
    "KPS-1-07": (1, 4),
    "KPS-2-02": (1, 4),  # Ofsted grades
    "CE-4-01": (1, 150),
    "CE-4-03": (1, 36),  # ranks
    "AQH-1-01": (0, 7),  # 7 district planning authorities
    "KPS-2-04": (0, 40),
    "WO-5-10": (0, 24),
    "WO-5-11": (0, 12),  # bounded scores
}
# Ofsted grades only change on inspection: held at Good (2) against a target of Good.
FIXED = {"KPS-1-07": 2, "KPS-2-02": 2}
# Measures left with no 2020/21 actual, so "no data" shows (survey-based measures whose
# 2020/21 survey is plausibly missing).
NO_DATA = ["WO-1-06", "WO-5-11", "AQH-1-12"]
# Share of the remaining targeted measures given each planned status at the latest period.
MIX = [("improving", 0.08), ("not_achieved", 0.12), ("within_tolerance", 0.12)]  # rest: achieved


def periods_of(freq):
    return YEARS if freq == "annual" else QUARTERS


def fmt(units, dec):
    """Format an integer count of 10**-dec units exactly (no float rounding, no '-0')."""
    if dec == 0:
        return str(units)
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**dec)
    return f"{sign}{whole}.{frac:0{dec}d}"


def bounds_units(m):
    lo, hi = 0.0, math.inf
    if m["unit"] in ("percent", "milestone"):
        hi = 100.0
    lo, hi = BOUNDS.get(m["measure_id"], (lo, hi))
    scale = 10 ** m["decimals"]
    return round(lo * scale), (round(hi * scale) if hi != math.inf else None)


def clip(x, lo, hi):
    x = max(x, lo)
    return min(x, hi) if hi is not None else x


def scale_units(m, base):
    """Typical year-to-year variation, in units of the reporting precision (at least 2 units)."""
    if m["unit"] in ("percent", "milestone"):
        s = min(max(0.08 * min(base, 100 - base), 0.5), 3.0)
    else:
        s = 0.04 * abs(base)
    return max(2, round(s * 10 ** m["decimals"]))


def nice(x_units):
    """Round a positive number of units to 1.5 significant figures (1, 1.5, 2, ... 9.5 x 10^k)."""
    if x_units <= 2:
        return 2
    mag = 10 ** math.floor(math.log10(x_units))
    return max(2, int(round(x_units / mag * 2) / 2 * mag))


def status_of(d, actual, target, tol, prev):
    """The dataset format's status rule, in integer units. d=+1 higher is better, -1 lower."""
    if actual is None:
        return "no_data"
    gap = d * (actual - target)
    if gap >= 0:
        return "achieved"
    if tol is not None and gap >= -tol:
        return "within_tolerance"
    if prev is not None and d * (actual - prev) > 0:
        return "improving"
    return "not_achieved"


def final_values(rng, plan, d, prev, s, tol, lo, hi):
    """Latest actual and target (units) built to give the planned status."""
    if plan == "achieved":
        a = prev + d * round(rng.normal(0.2, 0.8) * 0.6 * s)
        t = a - d * round(abs(rng.normal(0.0, 0.6)) * s)
    elif plan == "within_tolerance":
        a = prev + d * round(rng.normal(0.1, 0.8) * 0.6 * s)
        t = a + d * int(rng.integers(1, tol))  # 1 .. tol-1 units short
    elif plan == "improving":
        a = prev + d * max(2, round(abs(rng.normal(0.8, 0.5)) * s))
        t = a + d * ((tol or 0) + max(2, round(rng.uniform(0.4, 1.2) * s)))
    else:  # not_achieved
        a = prev - d * max(1, round(abs(rng.normal(0.5, 0.5)) * s))
        t = a + d * ((tol or 0) + max(2, round(rng.uniform(0.4, 1.2) * s)))
    return clip(a, lo, hi), clip(t, lo, hi)


def main():
    with open(HERE / "measures.csv", newline="", encoding="utf-8") as f:
        measures = list(csv.DictReader(f))
    for m in measures:
        m["decimals"] = int(m["decimals"])
        m["targeted"] = m["targeted"] == "true"
    missing = [m["measure_id"] for m in measures if m["measure_id"] not in BASELINE]
    assert not missing, f"no baseline for {missing}"

    rng = np.random.default_rng(SEED)

    # Planned status at the latest period for every targeted measure.
    plan = {}
    pool = [
        m["measure_id"]
        for m in measures
        if m["targeted"]
        and m["measure_id"] not in FIXED
        and m["measure_id"] not in NO_DATA
        and m["unit"] != "milestone"
    ]
    order = [pool[i] for i in rng.permutation(len(pool))]
    start = 0
    for name, share in MIX:
        n = round(share * len(pool))
        for mid in order[start : start + n]:
            plan[mid] = name
        start += n
    for mid in order[start:]:
        plan[mid] = "achieved"
    for mid in NO_DATA:
        plan[mid] = "no_data"
    for mid in FIXED:
        plan[mid] = "achieved"

    targets_rows, actuals_rows = [], []
    counts, fallbacks = {}, []
    for m in measures:
        mid, dec, freq = m["measure_id"], m["decimals"], m["frequency"]
        assert freq in ("annual", "quarterly"), (mid, freq)
        periods = periods_of(freq)
        n, per_year = len(periods), (1 if freq == "annual" else 4)
        d = -1 if m["polarity"] == "lower" else 1
        lo, hi = bounds_units(m)
        base = BASELINE[mid]
        s = scale_units(m, base)
        b = round(base * 10**dec)

        # Actual series (units): baseline + drift + noise.
        drift = rng.normal(0.0, 0.6) * s
        noise = rng.normal(0.0, 0.5 * s / math.sqrt(per_year), size=n)
        acts = [clip(round(b + drift * i / per_year + noise[i]), lo, hi) for i in range(n)]
        tol = None
        tgts = None

        if mid in FIXED:
            v = round(FIXED[mid] * 10**dec)
            acts = [v] * n
            tgts = [v] * n
        elif m["unit"] == "milestone":
            # Cumulative % complete, behind schedule but progressing: improving, not achieved.
            a0 = int(rng.integers(15, 26))
            a1 = a0 + int(rng.integers(20, 31))
            a2 = a1 + int(rng.integers(15, 26))
            acts = [a0, a1, a2]
            tgts = [min(100, a + int(rng.integers(5, 11))) for a in (a0, a1)] + [min(100, a2 + 10)]
            acts = [a * 10**dec for a in acts]
            tgts = [t * 10**dec for t in tgts]
            plan[mid] = "improving"
        elif m["targeted"]:
            want = plan[mid]
            if want == "within_tolerance" or rng.random() < 0.35:
                tol = nice(round(s * rng.uniform(0.6, 1.2)))
            # Targets for earlier years: near that year's actuals, a little stretching.
            year_t = []
            for y in range(len(YEARS)):
                yr = acts[y * per_year : (y + 1) * per_year]
                year_t.append(clip(round(sum(yr) / len(yr) + d * rng.normal(0.2, 0.7) * s), lo, hi))
            build = "no_data" if want == "no_data" else want
            for _attempt in range(6):
                a_last, t_last = final_values(
                    rng, "achieved" if build == "no_data" else build, d, acts[-2], s, tol, lo, hi
                )
                got = status_of(d, a_last, t_last, tol, acts[-2])
                if build == "no_data" or got == build:
                    break
            else:
                # Could not reach the planned status inside the bounds: fall back to achieved.
                fallbacks.append(f"{mid} ({build})")
                plan[mid] = build = "achieved"
                a_last, t_last = acts[-2], acts[-2]
            acts[-1] = a_last
            year_t[-1] = t_last
            tgts = [year_t[i // per_year] for i in range(n)]
        else:
            plan[mid] = "measured"

        # Check the planned status from the values as they will be written.
        if tgts is not None:
            a_last = None if plan[mid] == "no_data" else acts[-1]
            got = status_of(d, a_last, tgts[-1], tol, acts[-2])
            assert got == plan[mid], (mid, plan[mid], got)
        counts[plan[mid]] = counts.get(plan[mid], 0) + 1
        for v in acts + (tgts or []):
            assert v >= lo and (hi is None or v <= hi), (mid, v)

        for i, p in enumerate(periods):
            if tgts is not None:
                targets_rows.append(
                    [mid, p, fmt(tgts[i], dec), "" if tol is None else fmt(tol, dec)]
                )
            if plan[mid] == "no_data" and i == n - 1:
                continue
            actuals_rows.append([mid, p, fmt(acts[i], dec), "illustrative", ""])

    with open(HERE / "targets.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["measure_id", "period", "target", "tolerance"])
        w.writerows(targets_rows)
    with open(HERE / "actuals.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["measure_id", "period", "actual", "source", "note"])
        w.writerows(actuals_rows)
    print(
        f"wrote {len(targets_rows)} targets and {len(actuals_rows)} actuals "
        f"for {len(measures)} measures; latest-period statuses: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + (
            f"; planned status not reachable, made achieved: {', '.join(fallbacks)}"
            if fallbacks
            else ""
        )
    )


if __name__ == "__main__":
    main()
