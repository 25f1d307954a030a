"""Drawing a pack's charts at scale: grouped histories and the process pool give the same output.

The grouped histories must equal `Dataset.history` (and `history_intervals`) for every measure of
both shipped datasets; the charts drawn by the pool must equal, byte for byte, the charts drawn
one by one through the pages' own path (`measure_svg`, `xmr_svg`, `status_svg`); and a script
without a `__main__` guard must not be run again by the pool's spawned workers.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import perfanalysis as pa
from perfanalysis import drawing
from perfanalysis.charts import (
    chart_keys,
    chart_tasks,
    measure_svg,
    render_chart_keys,
    status_svg,
    xmr_svg,
)
from perfanalysis.drawing import (
    ChartProcess,
    draw_pages,
    histories_with_intervals,
    measure_histories,
    pool_is_safe,
)
from perfanalysis.errors import PackError
from perfanalysis.intervals import history_intervals

ROOT = Path(__file__).resolve().parent.parent
DATASETS = [ROOT / "data" / "lincolnshire", ROOT / "data" / "leicestershire"]


@pytest.mark.slow  # one `history()` per measure of both shipped datasets, against the grouped one
@pytest.mark.parametrize("folder", DATASETS, ids=lambda p: p.name)
def test_grouped_histories_equal_history_of_each_measure(folder: Path) -> None:
    ds = pa.load(folder)
    ids = list(ds.framework.measures["measure_id"])
    grouped = measure_histories(ds)
    with_ci = histories_with_intervals(ds)
    assert list(grouped) == ids and list(with_ci) == ids
    charted = 0
    for mid in ids:
        one = ds.history(mid)
        pd.testing.assert_frame_equal(grouped[mid], one, check_exact=True)
        pd.testing.assert_frame_equal(
            with_ci[mid], history_intervals(ds, mid, one), check_exact=True
        )
        charted += bool(one["actual"].notna().any())
    assert charted >= 30  # the comparison covered measures with figures, not only empty ones


def test_grouped_histories_of_some_measures_leave_out_unknown_ids() -> None:
    ds = pa.load(DATASETS[0])
    first, second = list(ds.framework.measures["measure_id"])[:2]
    got = measure_histories(ds, [second, "NOT-A-MEASURE", first, second])
    assert list(got) == [second, first]
    pd.testing.assert_frame_equal(got[first], ds.history(first), check_exact=True)


@pytest.fixture(scope="module")
def lincolnshire_pack():
    from perfanalysis.report import prepare

    return prepare(pa.load(DATASETS[0]), "Q4 2017/18")


@pytest.mark.slow  # draws every Lincolnshire chart twice, once in a pool of fresh processes
def test_pool_draws_the_same_bytes_as_drawing_one_by_one(lincolnshire_pack, monkeypatch) -> None:
    pack = lincolnshire_pack
    keys = chart_keys(pack)
    # a pool for Lincolnshire's charts (a council's pack is below the pool's threshold), in a
    # process whose workers can be spawned safely (pytest)
    monkeypatch.setattr(drawing, "MIN_CHARTS_FOR_POOL", 40)
    assert len(keys) > drawing.MIN_CHARTS_FOR_POOL and pool_is_safe()
    pooled = render_chart_keys(pack, keys, jobs=2)

    rows = pack.figures.set_index("measure_id", drop=False)
    one_by_one: dict[str, str] = {}
    for key in keys:
        kind, _, mid = key.partition(":")
        if kind == "measure":
            svg = measure_svg(pack, rows.loc[mid])
            if svg is not None:
                one_by_one[key] = svg
        elif kind == "xmr":
            one_by_one[key] = xmr_svg(pack, rows.loc[mid])
        else:
            from perfanalysis.pages import CollatedPage

            one_by_one[key] = status_svg(pack, CollatedPage(pack).summary)
    assert list(pooled) == list(one_by_one)
    assert pooled == one_by_one
    assert sum(k.startswith("xmr:") for k in pooled) > 10
    assert all(svg.startswith("<svg") and 'role="img"' in svg for svg in pooled.values())


def test_an_executor_draws_the_same_bytes(lincolnshire_pack) -> None:
    """The path the runner takes with `--executor dask`: batches submitted to its executor."""
    pack = lincolnshire_pack
    keys = chart_keys(pack)[:5]
    with ThreadPoolExecutor(max_workers=2) as executor:
        via_executor = render_chart_keys(pack, keys, executor=executor)
    assert via_executor == render_chart_keys(pack, keys, jobs=1)
    assert len(via_executor) == 5


GUARDED = (
    "from perfanalysis.drawing import pool_is_safe\n"
    'if __name__ == "__main__":\n'
    "    print(pool_is_safe())\n"
)
UNGUARDED = "from perfanalysis.drawing import pool_is_safe\nprint(pool_is_safe())\n"


@pytest.mark.parametrize(
    ("source", "as_module", "expected"),
    [
        (GUARDED, False, "True"),
        (UNGUARDED, False, "False"),  # a spawned worker would run this script again
        (UNGUARDED, True, "False"),  # `python -m module` is run again as well
        (UNGUARDED, None, "True"),  # python -c: nothing is run again
    ],
    ids=["guarded-script", "unguarded-script", "unguarded-module", "dash-c"],
)
def test_pool_only_where_workers_do_not_rerun_the_callers_script(
    tmp_path: Path, source: str, as_module: bool | None, expected: str
) -> None:
    script = tmp_path / "caller.py"
    script.write_text(source, encoding="utf-8")
    if as_module is None:
        command = [sys.executable, "-c", source]
    elif as_module:
        command = [sys.executable, "-m", "caller"]
    else:
        command = [sys.executable, str(script)]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_the_chart_process_draws_the_same_bytes(lincolnshire_pack) -> None:
    """What `perfanalysis run` does: vl-convert in a process of its own, specs built here.

    The collated page's chart and every chart of one strategy's page, page by page, equal to
    drawing them in this process, with the same spec digests; numbers sent as JSON text would
    move some of these lines by a fraction of a pixel.
    """
    pack = lincolnshire_pack
    tasks = chart_tasks(pack, chart_keys(pack, ["children-safe-healthy"]))  # the status chart first
    assert [t[0] for t in tasks[:2]] == ["status-by-strategy", "measure:CSH-01"]
    pages = [("index", tasks[:1]), ("a", tasks[1:6]), ("b", []), ("c", tasks[6:])]
    process = ChartProcess()
    try:
        drawn = list(draw_pages(pages, process=process))
    finally:
        process.close()
    assert [name for name, _ in drawn] == ["index", "a", "b", "c"]
    assert drawn == list(draw_pages(pages))
    assert sum(svg is not None for _, page in drawn for _, svg, _ in page) == len(tasks)


def test_the_chart_process_reports_a_bad_spec_and_goes_on(lincolnshire_pack) -> None:
    process = ChartProcess()
    try:
        process.send({"mark": 3})
        with pytest.raises(ValueError, match="Vega-Lite to SVG conversion failed"):
            process.receive()
        process.send({"mark": "point", "data": {"values": [{"a": 1}]}})
        assert process.receive().startswith("<svg")
    finally:
        process.close()


def test_a_chart_process_that_stopped_is_named() -> None:
    process = ChartProcess()
    process._proc.kill()
    process.send({"mark": "point", "data": {"values": [{"a": 1}]}})
    with pytest.raises(PackError, match="the chart-drawing process stopped"):
        process.receive()
    process.close()
    assert process._proc.poll() is not None
