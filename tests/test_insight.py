"""Beyond red-amber-green: SPC, direction of travel, comparators, what needs attention."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import perfanalysis as pa
from perfanalysis.comparators import percentile_inc
from perfanalysis.report import CollatedPage, StrategyPage, attention_table, prepare

ROOT = Path(__file__).resolve().parent.parent
LINCS = ROOT / "data" / "lincolnshire"
PACK = yaml.safe_load((ROOT / "parameters" / "lincolnshire-2017-18-q4.yaml").read_text())[
    "strategies"
]


@pytest.fixture(scope="module")
def pack():
    return prepare(pa.load(LINCS), "Q4 2017/18", PACK)


def test_dataset_spc_takes_direction_and_target_from_the_measure(pack):
    ds = pack.dataset
    r = ds.spc("CSH-01")  # looked after children: smaller is better, quarterly, 20 points
    assert r.improvement == "decrease"
    history = ds.history("CSH-01")
    assert len(r.points) == history["actual"].notna().sum() >= 12
    assert r.target == history["target"].dropna().iloc[-1]
    assert list(r.points.index) == list(history.loc[history["actual"].notna(), "period"])


@pytest.mark.slow  # draws every XmR chart of the Lincolnshire pack's pages
def test_every_quarterly_measure_with_twelve_points_has_icons_and_an_xmr_chart(pack):
    f = pack.figures[pack.figures["strategy_id"].isin(PACK)]
    charted = f[f["frequency"].isin(["quarterly", "monthly"]) & (f["spc_points"] >= 12)]
    assert len(charted) >= 10
    assert charted["variation_icon"].notna().all()
    for sid, group in charted.groupby("strategy_id"):
        html = StrategyPage(pack, sid).appendix().markup
        for mid in group["measure_id"]:
            assert f'aria-labelledby="xmr-{mid}-title xmr-{mid}-desc"' in html, mid
        assert "Variation: " in html
    annual = f[f["frequency"] == "annual"]
    assert annual["variation_icon"].isna().all()


def test_short_series_says_so(tmp_path):
    small = prepare(pa.load(ROOT / "tests" / "data" / "small"), "Q4 2017/18")
    html = StrategyPage(small, "roads").appendix().markup
    assert "only 4 points so far; process limits need at least 12" in html


def test_rebases_start_new_limits(tmp_path):
    shutil.copytree(LINCS, tmp_path / "d")
    (tmp_path / "d" / "rebases.csv").write_text(
        "measure_id,period,reason\nCSH-01,Q1 2016/17,New definition of looked after children\n"
    )
    r = pa.load(tmp_path / "d").spc("CSH-01")
    assert len(r.summary) == 2
    assert r.points.loc["Q1 2016/17", "rebase_group"] != r.points.loc["Q4 2015/16", "rebase_group"]


def test_direction_of_travel_is_polarity_aware_and_names_the_period(pack):
    f = pack.figures.set_index("measure_id")
    row = f.loc["RFS-01"]  # GLD, bigger is better: 70 now, previous year in the data
    prev = row["previous_actual"]
    expected = "no change" if prev == 70 else ("better" if 70 > prev else "worse")
    assert row["direction"] == expected and row["previous_period"] == "2016/17"
    csh = f.loc["CSH-01"]  # smaller is better
    assert csh["last_year_period"] == "Q4 2016/17"
    if csh["last_year_actual"] > csh["actual"]:
        assert csh["direction_last_year"] == "better"
    html = StrategyPage(pack, "children-safe-healthy").appendix().markup
    assert "Same period last year (Q4 2016/17)" in html


def test_comparator_rank_and_quartile_against_a_hand_count(pack):
    b = pd.read_csv(LINCS / "benchmarks.csv")
    # the comparator councils only: England and the region are benchmarks, not group members
    b = b[(b["measure_id"] == "CSH-01") & (b["kind"] == "comparator")]
    own = 45.9
    # smaller is better: rank = 1 + number of councils with a strictly smaller value
    rank = 1 + int((b["value"] < own).sum())
    q1, q2, q3 = (percentile_inc(b["value"].to_numpy(), q) for q in (0.25, 0.5, 0.75))
    quartile = 1 if own <= q1 else 2 if own <= q2 else 3 if own <= q3 else 4
    row = pack.figures.set_index("measure_id").loc["CSH-01"]
    assert (int(row["rank"]), int(row["rank_of"]), int(row["quartile"])) == (rank, len(b), quartile)
    html = StrategyPage(pack, "children-safe-healthy").appendix().markup
    assert f"of {len(b)}, quartile {quartile} (quartile 1 is the best)" in html


def test_attention_table_ranks_kinds_and_gives_reasons(pack):
    page = CollatedPage(pack)
    t = attention_table(pack, page.summary)
    assert list(t["rank"]) == sorted(t["rank"])
    first = t[t["rank"] == 1]
    assert len(first) >= 1 and first["reason"].str.startswith("Not achieved and worse").all()
    assert "Domiciliary care for CWD (Lincolnshire Community Health Services)" in set(t["item"])
    html = page.attention().markup + page.mdc_summary().markup
    assert "What needs attention" in html and "Making Data Count summary" in html
    assert "Assurance: " in html
