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
    "ChartProcess",
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


#: The chart process's program: vl-convert alone (no pandas, no perfanalysis), its fonts loaded
#: and its engine warmed on the spec in argv[1] before the first request. Requests are lines of
#: Vega-Lite JSON; each reply is one line, the SVG as a JSON string, or {"error": message}. The
#: spec is given to vl-convert as a dict, as in the runner: from a JSON string its parser reads
#: some numbers one unit in the last place off, which moves a line by a fraction of a pixel.
_CHART_PROGRAM = """
import json, sys
import vl_convert
vl_convert.vegalite_to_svg(json.loads(sys.argv[1]))
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    try:
        reply = json.dumps(vl_convert.vegalite_to_svg(json.loads(line)))
    except Exception as exc:
        reply = json.dumps({"error": str(exc)})
    out.write(reply.encode("ascii") + b"\\n")
    out.flush()
"""


class ChartProcess:
    """vl-convert in a Python process of its own, started as a run begins.

    Why: vl-convert holds the interpreter lock while it draws, and the runner's interpreter also
    moves every notebook's messages. Drawn here, Lincolnshire's 55 charts took 1.6 s of the
    runner's time, on the same core as everything else it does. The process imports only
    vl-convert and warms it while the runner reads and checks the data, on the other core; the
    runner then only builds each spec (a few milliseconds) and names the SVG (`name_svg`). The
    SVG is the same, byte for byte, as drawing in the runner: the same spec, the same vl-convert,
    its own fonts (`FONTCONFIG_FILE` is set for that process alone; see `charts.use_own_fonts`).

    The process reads specs on its stdin and stops when the runner closes it, or dies.
    """

    def __init__(self) -> None:
        import json
        import queue
        import subprocess
        import threading

        from perfanalysis.charts import OWN_FONTS, TEXT_SPEC

        debug = bool(os.environ.get("PERFANALYSIS_DEBUG"))
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _CHART_PROGRAM, json.dumps(TEXT_SPEC)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if debug else subprocess.DEVNULL,
            env={**os.environ, "FONTCONFIG_FILE": str(OWN_FONTS)},
        )
        # Requests go through a thread: a spec and an SVG are each larger than a pipe holds, so
        # writing every request before reading the replies would leave both sides waiting.
        self._requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._feeder = threading.Thread(target=self._feed, daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        while (request := self._requests.get()) is not None:
            try:
                stdin.write(request)
                stdin.flush()
            except OSError:
                return  # the process has gone: `receive` says so
        try:
            stdin.close()
        except OSError:
            pass

    def send(self, spec: dict[str, Any]) -> None:
        """Ask for one chart; its SVG is `receive`d in the order asked."""
        import json

        self._requests.put(json.dumps(spec).encode("ascii") + b"\n")

    def receive(self) -> str:
        """The SVG of the oldest chart asked for and not yet received (vl-convert's own)."""
        import json

        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            from perfanalysis.errors import PackError

            code = self._proc.poll()
            raise PackError(
                f"the chart-drawing process stopped (exit code {code}); "
                "run again with PERFANALYSIS_DEBUG=1 to see why"
            )
        reply = json.loads(line)
        if isinstance(reply, dict):
            raise ValueError(reply["error"])
        return reply

    def close(self) -> None:
        """Stop the process (it finishes the chart it is drawing)."""
        self._requests.put(None)
        try:
            self._proc.wait(timeout=5)
        except Exception:  # noqa: BLE001 - a process that does not stop is stopped
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


def _drawn_by(
    process: ChartProcess, pages: list[tuple[str, list[Task]]]
) -> Iterator[tuple[str, list[Drawn]]]:
    """`draw_pages` on a `ChartProcess`: specs built here, a page ahead of the drawing."""
    from perfanalysis.charts import name_svg, spec_digest

    def ask(page: list[Task]) -> list[tuple[str, tuple[dict[str, Any], str] | None]]:
        made = [(task[0], task_spec(task)) for task in page]
        for _, spec in made:
            if spec is not None:
                process.send(spec[0])
        return made

    ahead = ask(pages[0][1]) if pages else []
    for i, (name, _) in enumerate(pages):
        asked = ahead
        ahead = ask(pages[i + 1][1]) if i + 1 < len(pages) else []
        drawn: list[Drawn] = []
        for key, made in asked:
            if made is None:
                drawn.append((key, None, None))
            else:
                spec, chart_id = made
                svg = name_svg(process.receive(), spec, chart_id)
                drawn.append((key, svg, spec_digest(spec, chart_id)))
        yield name, drawn


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
    process: ChartProcess | None = None,
) -> Iterator[tuple[str, list[Drawn]]]:
    """Draw several pages' charts; yield (page, [(key, svg or None, spec digest)]) in page order,
    each page as soon as its own charts are drawn (the runner then lets that page's notebook run).

    Where the charts are drawn depends on every page's charts together (`draw_tasks` is one
    page): on `executor` when given; above `MIN_CHARTS_FOR_POOL` and with more than one job, one
    pool of spawned processes draws them all, page after page, so the cores stay busy while the
    first pages' notebooks run; else `process` (the runner's `ChartProcess`) draws them, or, with
    none, this process.
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
        if pool is None and process is not None:
            yield from _drawn_by(process, pages)
            return
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
