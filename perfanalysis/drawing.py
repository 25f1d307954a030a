"""Drawing a pack's charts at scale: every measure's history in one pass, charts across cores.

A pack of 60 strategies has about 3,000 charts. Two costs dominated drawing them one by one:
each chart filtered the whole actuals and targets tables again (and rebuilt the dataset's period
type from every row), and every chart was drawn on one core. Here the histories of all measures
are computed with one merge and one groupby (`measure_histories`, equal to `Dataset.history` for
each measure), and the charts are drawn in batches by a pool of worker processes, or by the
runner's executor (Dask workers with `--executor dask`).

The pool uses the *spawn* start method: vl-convert runs a JavaScript engine on threads of its
own, and forking a process with threads is unsafe. A spawned worker imports the caller's main
module again (as `__mp_main__`); a script without an `if __name__ == "__main__":` guard would
then run again in every worker, so for such a script the charts are drawn here, one by one.
Each worker draws the same charts from the same inputs with the same code: the SVG is the same,
byte for byte, as drawing them in this process.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MIN_CHARTS_FOR_POOL",
    "measure_histories",
    "histories_with_intervals",
    "draw_tasks",
    "draw_pages",
    "draw_one",
    "task_spec",
    "pool_is_safe",
]

#: Up to this many charts one process draws them. A chart costs 25-70 ms (building its spec
#: without Altair, then vl-convert, which is most of it); starting a worker (spawn, importing
#: pandas and the package, vl-convert's first call; no Altair) costs about 0.7 s of CPU, the time
#: of 10 to 30 charts. Measured on two busy cores (60 x 25 x 40 charts): 60 charts, 4.2 s alone
#: and 5.9 s with two workers; 120 charts, 11.2 s alone and 7.5 s with two. A council's pack
#: (Lincolnshire: 55 charts) is drawn here; at 3,000 charts the pool halves the drawing.
MIN_CHARTS_FOR_POOL = 100
#: Charts per task sent to a worker: large enough that sending a task costs little against
#: drawing it, small enough that the workers finish together.
BATCH = 24

_HISTORY_KEYS = ["measure_id", "period", "start", "end"]


def measure_histories(
    dataset: Any, measure_ids: Iterable[str] | None = None
) -> dict[str, pd.DataFrame]:
    """`Dataset.history(m)` for many measures at once: {measure_id: history frame}.

    One merge of the actuals and targets of all the measures and one groupby, instead of
    filtering both tables (and building the period type) once per measure. Each frame equals
    `dataset.history(m)`: the same columns, dtypes, order and index. Ids that are not measures
    of the framework are left out (`Dataset.history` raises for them).
    """
    ids = _measure_ids(dataset, measure_ids)
    return _split(_merged(dataset, ids), ids)


def _merged(dataset: Any, ids: list[str]) -> pd.DataFrame:
    """The histories of `ids` in one frame (with measure_id), each measure's rows in order."""
    a = dataset.actuals
    t = dataset.targets
    a = a.loc[a["measure_id"].isin(ids), [*_HISTORY_KEYS, "actual", "source"]]
    t = t.loc[t["measure_id"].isin(ids), [*_HISTORY_KEYS, "target", "tolerance"]]
    out = a.merge(t, on=_HISTORY_KEYS, how="outer")
    # the same order as one measure's merge sorted by (end, start): a stable sort of the merge's
    # own (measure, period, start, end) order
    out = out.sort_values(["measure_id", "end", "start"], kind="stable")
    out["period"] = out["period"].astype(dataset._period_dtype())
    return out


def histories_with_intervals(
    dataset: Any, measure_ids: Iterable[str] | None = None
) -> dict[str, pd.DataFrame]:
    """`intervals.history_intervals(dataset, m, dataset.history(m))` for many measures at once.

    Each measure's history with the 95% limits of the periods that have a numerator and a
    denominator; the counts and limits are computed for every row in one pass.
    """
    from perfanalysis.intervals import _counts, _intervals_for

    ids = _measure_ids(dataset, measure_ids)
    h = _merged(dataset, ids)
    a = dataset.actuals
    mine = a[a["measure_id"].isin(ids)]
    counts = pd.concat([mine[["measure_id", "period"]], _counts(mine)], axis=1)
    counts = counts.drop_duplicates(["measure_id", "period"])
    h = h.merge(counts, on=["measure_id", "period"], how="left")
    units = dataset.framework.measures.set_index("measure_id")["unit"]
    unit = h["measure_id"].map(units).fillna("")
    lower, upper, _, _ = _intervals_for(unit, h["numerator"], h["denominator"], 0.95)
    h["ci95_lower"], h["ci95_upper"] = lower, upper
    return _split(h, ids)


def _measure_ids(dataset: Any, measure_ids: Iterable[str] | None) -> list[str]:
    known = list(dataset.framework.measures["measure_id"])
    wanted = dict.fromkeys(known if measure_ids is None else measure_ids)
    known_set = set(known)
    return [m for m in wanted if m in known_set]


def _split(frame: pd.DataFrame, ids: Sequence[str]) -> dict[str, pd.DataFrame]:
    """One frame per measure id (without the id column, indexed from 0), in the order of `ids`.

    `frame` is sorted by measure_id, so each measure's rows are one slice of it.
    """
    body = frame.drop(columns="measure_id").reset_index(drop=True)
    keys = frame["measure_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else []
    bounds = dict(zip(keys[starts], zip(starts, [*starts[1:], len(keys)])))
    empty = body.iloc[:0]
    out = {}
    for mid in ids:
        lo, hi = bounds.get(mid, (0, 0))
        part = body.iloc[lo:hi] if hi > lo else empty.copy()
        part.index = pd.RangeIndex(len(part))
        out[mid] = part
    return out


# --------------------------------------------------------------------------- drawing
Task = tuple[str, str, tuple[Any, ...]]
#: A drawn chart: (key, inline SVG or None when there is nothing to plot, its spec's digest).
Drawn = tuple[str, "str | None", "str | None"]


def task_spec(task: Task) -> tuple[dict[str, Any], str] | None:
    """The Vega-Lite spec and element id a task draws, or None for a measure with no figures.

    Kinds: "measure" (history, row), "xmr" (SPC result, row), "status" (summary, words), and
    "spec" (spec, chart id): a spec already built, as a rerun does to compare it with the
    published chart's.
    """
    from perfanalysis import charts

    key, kind, args = task
    if kind == "measure":
        history, row = args
        if not history["actual"].notna().any():
            return None
        return charts.measure_chart(history, row), f"chart-{row['measure_id']}"
    if kind == "xmr":
        result, row = args
        return charts.xmr_chart(result, row), f"xmr-{row['measure_id']}"
    if kind == "status":
        summary, words = args
        return charts.status_chart(summary, words), "chart-status-by-strategy"
    if kind == "spec":
        spec, chart_id = args
        return spec, chart_id
    raise ValueError(f"unknown chart kind {kind!r} for {key}")


def draw_task(task: Task) -> str | None:
    """Draw one chart: (key, kind, inputs) -> inline SVG (None for a measure with no figures)."""
    return draw_one(task)[1]


def draw_one(task: Task) -> Drawn:
    """Draw one chart: its key, its SVG (or None), and the digest of the spec it was drawn from."""
    from perfanalysis import charts

    made = task_spec(task)
    if made is None:
        return task[0], None, None
    spec, chart_id = made
    return task[0], charts.to_svg(spec, chart_id), charts.spec_digest(spec, chart_id)


def draw_batch(batch: list[Task]) -> list[Drawn]:
    """Draw a batch of charts in this process (a pool worker or a Dask worker)."""
    return [draw_one(task) for task in batch]


def _warm_worker() -> None:
    """Import what drawing needs and make vl-convert's first, slow call before any task.

    Drawing never imports Altair (the specs are built as plain dicts, `perfanalysis.charts`).
    """
    import perfanalysis.charts

    perfanalysis.charts.use_own_fonts()  # vl-convert's first call, and its own fonts


def pool_is_safe() -> bool:
    """True when spawned workers will not run the caller's script again.

    A spawned worker re-imports the main module unless it is `-c`/interactive code or a
    package's `__main__`; that is harmless only when the script guards its work with
    `if __name__ == "__main__":`. Already inside a worker, no pool is started.
    """
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        return False
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    name = getattr(spec, "name", None)
    if name is not None and (name == "__main__" or name.endswith(".__main__")):
        return True
    path = getattr(main, "__file__", None)
    if path is None:
        return True  # python -c, an interactive session: nothing is re-run
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False
    return any(isinstance(node, ast.If) and _is_main_guard(node.test) for node in tree.body)


def _is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, *test.comparators]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    texts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and texts == ["__main__"]


def draw_tasks(
    tasks: list[Task],
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> dict[str, str]:
    """Draw every chart of `tasks`: {key: svg} in the order of `tasks`, charts with none left out.

    With an `executor` (the runner's Dask executor) the batches go to it. Otherwise, for more
    than `MIN_CHARTS_FOR_POOL` charts and more than one job, a pool of spawned processes draws
    them; else this process does. The result is the same, byte for byte, either way.
    """
    drawn: dict[str, str | None] = {}
    for _, page in draw_pages([("", tasks)], jobs=jobs, executor=executor):
        drawn.update({key: svg for key, svg, _ in page})
    return {key: svg for key, _, _ in tasks if (svg := drawn.get(key)) is not None}


def draw_pages(
    pages: list[tuple[str, list[Task]]],
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> Iterator[tuple[str, list[Drawn]]]:
    """Draw several pages' charts; yield (page, [(key, svg or None, spec digest)]) in page order,
    each page as soon as its own charts are drawn (the runner then lets that page's notebook run).

    Where the charts are drawn depends on every page's charts together (`draw_tasks` is one
    page): on `executor` when given; above `MIN_CHARTS_FOR_POOL` and with more than one job, one
    pool of spawned processes draws them all, page after page, so the cores stay busy while the
    first pages' notebooks run; else this process draws them.
    """
    tasks = [t for _, page in pages for t in page]
    workers = max(1, jobs or os.cpu_count() or 1)
    pool: Executor | None = executor
    own = None
    if pool is None and len(tasks) > MIN_CHARTS_FOR_POOL and workers > 1 and pool_is_safe():
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = own = ProcessPoolExecutor(
            max_workers=min(workers, -(-len(tasks) // BATCH)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_worker,
        )
    try:
        if pool is None:
            for name, page in pages:
                yield name, draw_batch(page)
            return
        size = max(1, min(BATCH, -(-len(tasks) // (workers * 2))))
        futures = [
            (name, [pool.submit(draw_batch, page[i : i + size]) for i in range(0, len(page), size)])
            for name, page in pages
        ]
        for name, page_futures in futures:
            yield name, [drawn for f in page_futures for drawn in f.result()]
    finally:
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)
