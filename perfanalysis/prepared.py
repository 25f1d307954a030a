"""The prepared figures of a pack, in open formats a notebook (or an auditor) reads back.

`perfanalysis run` checks and prepares the data once and writes it into the pack's `prepared/`
folder; every notebook of the pack reads that folder (its `prepared` parameter, `../prepared`
from the pack's `notebooks/`). The format, documented in docs/auditing.md:

- `pack.json`: format and version, period, title, strategies, data-quality counts, the
  dataset's `dataset.yaml` values, the SHA-256 of every input file, and a description of every
  other file (table name, file, rows, columns with their pandas dtypes);
- `tables/*.parquet`: the dataset's tables as checked and typed, and the figures (`figures`,
  one row per measure) and summary (`summary`, one row per strategy) the pages show;
- `spc/NNNN-points.parquet`, `spc/NNNN-summary.parquet`: each measure's XmR calculation;
- `charts/NNNN.svg`: every chart of the pages, as drawn once by the run.

No pickle: nothing in the folder can run code when it is read. Every file is byte-identical
on a rerun of the same inputs, wherever the pack is built.

`build_pack` is the one code path from a dataset to the pack's data: read, gate (errors stop),
assess, prepare, draw the charts. `perfanalysis run` and a notebook run on its own both use it.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from perfanalysis.errors import PerfanalysisError, ValidationFailed

__all__ = [
    "FORMAT",
    "build_pack",
    "write_prepared",
    "read_prepared",
    "read_charts",
    "input_hashes",
]

FORMAT = "perfanalysis-prepared"
VERSION = 1
_DATASET_TABLES = ("targets", "actuals", "highlights", "contracts", "rebases", "benchmarks")
_FRAMEWORK_TABLES = ("themes", "strategies", "outcomes", "measures")


class PreparedError(PerfanalysisError):
    """A prepared folder that is missing, damaged, or made from other inputs."""


def build_pack(
    dataset: str | Path,
    period: str,
    strategies: str | list[str] = "all",
    title: str | None = None,
    *,
    charts: bool = True,
    on_validated: Callable[[Any], None] | None = None,
) -> tuple[Any, Any]:
    """Read, check, assess and prepare a dataset, charts drawn: `(quality result, PackData)`.

    Errors of the data-quality gate stop here with ValidationFailed, exactly as in a run.
    `charts=False` leaves the charts to the caller (the runner reuses published ones).
    """
    from perfanalysis import quality
    from perfanalysis.dataset import build, read_raw
    from perfanalysis.report import prepare, render_charts

    raw = read_raw(dataset)
    evaluated = quality.evaluate(raw, period)
    result = evaluated[0]
    if on_validated:
        on_validated(result)
    if result.errors:
        raise ValidationFailed(
            f"the data has {result.errors} error(s): nothing was published. "
            f"Run `perfanalysis validate {dataset} --period '{period}'` to see them.",
            result,
        )
    pack = prepare(build(raw, evaluated), period, strategies, title, quality=result.counts())
    if charts:
        pack.charts = render_charts(pack)
    return result, pack


def input_hashes(dataset: Any) -> list[dict[str, Any]]:
    """Every input file of a dataset: its path (relative to the dataset), SHA-256 and size."""
    from perfanalysis.manifest import sha256

    base = Path(dataset.path)
    out = []
    for f in sorted(Path(p) for p in dataset.input_files):
        rel = f.name if base.is_file() else f.resolve().relative_to(base.resolve()).as_posix()
        out.append({"path": rel, "sha256": sha256(f), "bytes": f.stat().st_size})
    return out


def _write_frame(frame: pd.DataFrame, folder: Path, rel: str) -> dict[str, Any]:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, engine="pyarrow", compression="zstd", index=True)
    return {
        "file": rel,
        "rows": int(len(frame)),
        "index": [str(n) for n in frame.index.names],
        "columns": {str(c): str(t) for c, t in frame.dtypes.items()},
    }


def _read_frame(folder: Path, info: dict[str, Any]) -> pd.DataFrame:
    path = folder / info["file"]
    try:
        return pd.read_parquet(path, engine="pyarrow")
    except (OSError, ValueError) as exc:
        raise PreparedError(f"prepared file {path} cannot be read: {exc}") from None


class _PageDigests:
    """SHA-256 of what each page is made from: {"*": pack-wide, "index": ..., strategy_id: ...}.

    "*" is what every page shows (the framework, the dataset's settings, the period, the title,
    the version of perfanalysis); each strategy's digest covers the rows of its own measures and
    strategy in every table, its measures' SPC results and charts; "index" what only the collated
    page shows (the quality counts, the status chart). A rerun of one strategy compares these
    with the published pack's: a page whose digest and "*" are unchanged is kept as published.
    Rows no strategy of the pack owns count as pack-wide, so a change there rebuilds every page.
    """

    def __init__(self, pack: Any) -> None:
        import hashlib

        from perfanalysis import __version__

        fw = pack.dataset.framework
        self.strategies = list(pack.strategies)
        self.owner = dict(zip(fw.measures["measure_id"], fw.measures["strategy_id"]))
        self._hashes = {k: hashlib.sha256() for k in ["*", "index", *self.strategies]}
        self.add("*", json.dumps(
            [__version__, pack.organisation, pack.period.label, pack.title, self.strategies,
             pack.dataset.meta, dict(fw.levels)], default=str, sort_keys=True))  # fmt: skip
        self.add("index", json.dumps(pack.quality, default=str, sort_keys=True))

    def of_measure(self, measure_id: str) -> str:
        owner = self.owner.get(measure_id)
        return owner if owner in self._hashes else "*"

    def add(self, key: str, data: str | bytes) -> None:
        self._hashes[key].update(data.encode() if isinstance(data, str) else data)

    def frame(self, name: str, frame: pd.DataFrame, keys: pd.Series | None) -> None:
        """Each row's hash goes to the page that owns it (`keys`; None: every page)."""
        self.add("*", f"{name}|{list(map(str, frame.columns))}|{list(map(str, frame.dtypes))}")
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        if keys is None:
            self.add("*", rows.tobytes())
            return
        keys = keys.where(keys.isin(self.strategies), "*").astype(str).to_numpy()
        for key, idx in pd.Series(keys).groupby(keys, sort=True).indices.items():
            self.add(key, name.encode() + rows[idx].tobytes())

    def table(self, name: str, frame: pd.DataFrame) -> None:
        """A prepared table: the framework's concern every page; other rows, their strategy's."""
        if name in _FRAMEWORK_TABLES:
            keys = None
        elif "strategy_id" in frame:
            keys = frame["strategy_id"]
        else:
            keys = frame["measure_id"].map(self.owner)
        self.frame(name, frame, keys)

    def digests(self) -> dict[str, str]:
        return {k: h.hexdigest() for k, h in self._hashes.items()}

    def copy(self) -> _PageDigests:
        other = copy.copy(self)
        other._hashes = {k: h.copy() for k, h in self._hashes.items()}
        return other


def write_prepared(pack: Any, folder: Path) -> Path:
    """Write `pack` (a PackData) into `folder` (created); returns the path of pack.json.

    `pack.charts` holds SVG only, so pack.json records no spec digests (`chart_specs`): a rerun
    of one strategy over such a folder draws that strategy's charts again.
    """
    writer = PreparedWriter(pack, folder, sorted(pack.charts))
    for key, svg in pack.charts.items():
        writer.chart(key, svg)
    return writer.finish()


class PreparedWriter:
    """Writes a prepared folder while the charts are still being drawn (the runner does).

    The tables and SPC results are written at once, with a pack.json that names every chart
    to come (`charts`: their keys; files numbered in key order). Each chart is written when drawn
    (`chart`), and a page's notebook may start once its own charts are there: it reads only
    those. `finish` writes the final pack.json, with the page digests. Given the same charts,
    the result is the same, byte for byte, whatever order they were drawn in.
    """

    def __init__(self, pack: Any, folder: Path, charts: list[str]) -> None:
        self.pack, self.folder = pack, Path(folder)
        self.folder.mkdir(parents=True, exist_ok=False)
        ds = pack.dataset
        self.pages = _PageDigests(pack)
        tables: dict[str, Any] = {}
        named = [("figures", pack.figures), ("summary", pack.summary)]
        named += [(name, getattr(ds.framework, name)) for name in _FRAMEWORK_TABLES]
        named += [(name, getattr(ds, name)) for name in _DATASET_TABLES]
        for name, frame in named:
            tables[name] = _write_frame(frame, self.folder, f"tables/{name}.parquet")
            self.pages.table(name, frame)
        spc = {}
        for i, (mid, r) in enumerate(sorted(pack.spc.items())):
            spc[mid] = {
                "variation_icon": r.variation_icon,
                "assurance_icon": r.assurance_icon,
                "warnings": list(r.warnings),
                "improvement": r.improvement,
                "target": r.target,
                "points": _write_frame(r.points, self.folder, f"spc/{i:04d}-points.parquet"),
                "summary": _write_frame(r.summary, self.folder, f"spc/{i:04d}-summary.parquet"),
            }
            owner = self.pages.of_measure(mid)
            self.pages.add(owner, json.dumps(spc[mid], default=str, sort_keys=True))
            for part in ("points", "summary"):
                self.pages.add(owner, (self.folder / spc[mid][part]["file"]).read_bytes())
        (self.folder / "charts").mkdir()
        self.files = {key: f"charts/{i:04d}.svg" for i, key in enumerate(sorted(charts))}
        self.drawn: dict[str, str] = {}
        self.specs: dict[str, str] = {}  # each drawn chart's spec digest (charts.spec_digest)
        self.none: set[str] = set()  # planned charts that turned out to have nothing to plot
        self.description = {
            "format": FORMAT,
            "version": VERSION,
            "organisation": pack.organisation,
            "period": pack.period.label,
            "title": pack.title,
            "strategies": list(pack.strategies),
            "quality": pack.quality,
            "dataset": {
                "kind": "workbook" if Path(ds.path).is_file() else "folder",
                "name": Path(ds.path).name if Path(ds.path).is_file() else None,
                "meta": ds.meta,
                "levels": dict(ds.framework.levels),
                "inputs": input_hashes(ds),
            },
            "tables": tables,
            "spc": spc,
        }
        self.describe()

    def chart(self, key: str, svg: str | None, spec: str | None = None) -> None:
        """Write one drawn chart (None: nothing to plot; it is then left out of pack.json).

        `spec` is the digest of the spec it was drawn from (`charts.spec_digest`), recorded in
        pack.json (`chart_specs`) so that a rerun can keep the chart when it is unchanged.
        """
        if spec is not None:
            self.specs[key] = spec
        if svg is None:
            self.none.add(key)
            self.drawn.pop(key, None)
            self.specs.pop(key, None)
            self.describe()  # before the page that would look for it starts
            return
        self.none.discard(key)
        path = self.folder / self.files[key]
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(svg, encoding="utf-8", newline="\n")
        os.replace(tmp, path)  # a chart redrawn while a notebook reads the folder: whole or old
        self.drawn[key] = svg

    def describe(self, pages: dict[str, str] | None = None) -> Path:
        """Write pack.json (replacing it whole: notebooks may be reading it)."""
        charts = {k: rel for k, rel in self.files.items() if k not in self.none}
        specs = {k: self.specs[k] for k in charts if k in self.specs}
        description = {**self.description, "charts": charts, "chart_specs": specs}
        if pages is not None:
            description["pages"] = pages
        path = self.folder / "pack.json"
        tmp = self.folder / "pack.json.part"
        tmp.write_text(
            json.dumps(description, indent=2, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8",
            newline="\n",
        )
        os.replace(tmp, path)
        return path

    def finish(self) -> Path:
        """Every chart is written: the final pack.json, with what each page is made from."""
        missing = sorted(set(self.files) - set(self.drawn) - self.none)
        if missing:
            raise PreparedError(f"chart {missing[0]} was planned but never drawn")
        pages = self.pages.copy()  # finish may be called again after charts are redrawn
        for key in sorted(self.drawn):
            pages.add(self.page_of(key), f"{key}\n{self.drawn[key]}")
        return self.describe(pages.digests())

    def page_of(self, key: str) -> str:
        """The page a chart is drawn for: its measure's strategy, or "index" (the collated page)."""
        mid = key.partition(":")[2]
        return self.pages.of_measure(mid) if mid else "index"


def _description(folder: Path) -> dict[str, Any]:
    path = folder / "pack.json"
    if not path.is_file():
        raise PreparedError(
            f"no prepared figures at {folder} (pack.json is missing); leave `prepared` blank to "
            "prepare them from the dataset"
        )
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PreparedError(f"{path} cannot be read: {exc}") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT or d.get("version") != VERSION:
        raise PreparedError(f"{path} is not a perfanalysis prepared description (version 1)")
    return d


def check_inputs(folder: Path, dataset: Path) -> None:
    """Refuse prepared figures that were made from other inputs than those in `dataset`."""
    from perfanalysis.manifest import sha256

    d = _description(Path(folder))
    changed = []
    for item in d["dataset"]["inputs"]:
        path = dataset if dataset.is_file() else dataset / item["path"]
        if not path.is_file():
            changed.append(f"{item['path']} is missing")
        elif sha256(path) != item["sha256"]:
            changed.append(f"{item['path']} has changed")
    if changed:
        raise PreparedError(
            f"the prepared figures in {folder} were made from other inputs than {dataset}: "
            f"{'; '.join(changed)}. Rebuild the pack with `perfanalysis run`, or leave "
            "`prepared` blank to prepare the figures from the dataset"
        )


def read_charts(folder: Path, keys: list[str]) -> dict[str, tuple[str, str | None]]:
    """The charts named by `keys` that a prepared folder holds: {key: (svg, spec digest)}.

    Those it lacks are left out; the digest is None for a folder written before digests were
    recorded (`chart_specs`).
    """
    d = _description(Path(folder))
    specs = d.get("chart_specs") or {}
    return {
        key: ((Path(folder) / d["charts"][key]).read_text(encoding="utf-8"), specs.get(key))
        for key in keys
        if key in d["charts"]
    }


class OnDemand(Mapping[str, Any]):
    """A read-only mapping whose values are read from the prepared folder when first asked for.

    A pack of 60 strategies holds about 3,000 charts and 1,500 SPC results; each strategy's
    notebook shows only its own, so reading every file in every notebook would cost more than
    the page. Reading errors surface where the value is used, as `PreparedError`.
    """

    def __init__(self, described: dict[str, Any], read: Callable[[Any], Any]) -> None:
        self._described = described
        self._read = read
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            try:
                self._values[key] = self._read(self._described[key])
            except OSError as exc:
                raise PreparedError(f"{exc.filename} cannot be read: {exc.strerror}") from None
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._described

    def __iter__(self) -> Iterator[str]:
        return iter(self._described)

    def __len__(self) -> int:
        return len(self._described)


def read_prepared(folder: str | Path) -> Any:
    """The PackData written by `write_prepared` into `folder`."""
    from perfanalysis.dataset import Dataset
    from perfanalysis.framework import Framework
    from perfanalysis.periods import Period
    from perfanalysis.report import PackData
    from perfanalysis.spc import SPCResult

    folder = Path(folder)
    d = _description(folder)
    try:
        frames = {name: _read_frame(folder, info) for name, info in d["tables"].items()}
        framework = Framework(
            **{name: frames[name] for name in _FRAMEWORK_TABLES}, levels=d["dataset"]["levels"]
        )
        dataset = Dataset(
            framework=framework,
            **{name: frames[name] for name in _DATASET_TABLES},
            meta=d["dataset"]["meta"],
            path=folder,
        )

        def spc_result(s: dict[str, Any]) -> SPCResult:
            return SPCResult(
                points=_read_frame(folder, s["points"]),
                variation_icon=s["variation_icon"],
                assurance_icon=s["assurance_icon"],
                summary=_read_frame(folder, s["summary"]),
                warnings=list(s["warnings"]),
                improvement=s["improvement"],
                target=s["target"],
            )

        # Read when a page asks: a strategy's page reads its own measures' SPC and charts only.
        spc = OnDemand(d["spc"], spc_result)
        charts = OnDemand(d["charts"], lambda rel: (folder / rel).read_text(encoding="utf-8"))
        return PackData(
            dataset,
            Period.parse(d["period"]),
            frames["figures"],
            frames["summary"],
            list(d["strategies"]),
            d["title"],
            d["quality"],
            charts=charts,
            spc=spc,
        )
    except (KeyError, TypeError) as exc:
        raise PreparedError(f"{folder / 'pack.json'} is incomplete: {exc!r} is missing") from None
    except OSError as exc:
        raise PreparedError(f"{exc.filename} cannot be read: {exc.strerror}") from None
