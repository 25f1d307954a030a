"""A new council's dataset folder, started from a working skeleton (`perfanalysis init`).

`init` writes every table's header (from `framework.TABLES`, so it follows the format), a
dataset.yaml, a commented parameters file and a README saying what to fill in first. The folder
is valid as a format from the start: `perfanalysis validate` on it says only what is missing.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import yaml

from perfanalysis.errors import DatasetError
from perfanalysis.framework import TABLES

__all__ = ["init_dataset", "init_command", "parameters_text", "what_to_fill_in"]


def parameters_text(
    organisation: str, period: str, dataset: str = ".", title: str | None = None
) -> str:
    """A commented parameters file for `perfanalysis run` (keys: docs/parameters.md)."""
    title = title or f"{organisation}: performance report, {period}"
    return (
        "# Parameters of one pack: `perfanalysis run parameters.yaml`. Every key is described in\n"
        "# docs/parameters.md. Paths are relative to this file.\n"
        "#\n"
        "# dataset: the dataset folder (or .xlsx workbook) the pack is made from.\n"
        f"dataset: {_q(dataset)}\n"
        "# period: the reporting period, e.g. Q2 2024/25, 2024/25 or Sep 2024.\n"
        f"period: {_q(period)}\n"
        "# title: the pack's title, shown on every page.\n"
        f"title: {_q(title)}\n"
        "# strategies: all, or a list of strategy ids in the order the pack shows them.\n"
        "strategies: all\n"
        "# output: where packs are published; each pack goes in <output>/<organisation>/<period>.\n"
        "output: ../reports\n"
    )


def _q(text: str) -> str:
    return yaml.safe_dump(str(text), default_style='"', width=1000).strip()


def _readme(organisation: str) -> str:
    return f"""# {organisation}: performance dataset

Made by `perfanalysis init`. Each CSV file is one table of the dataset format
(docs/data-format.md); each has its header and no rows yet.

What to fill in first, in this order (each table names rows of the one before):

1. `themes.csv`: the top level (ambitions, priorities, or one theme for the whole council).
2. `strategies.csv`: the level under it (strategies, services or directorates).
3. `measures.csv`: the KPIs, with unit, polarity (higher, lower or neutral), targeted and
   frequency. `cumulative` (year to date) and `signed` (may be negative) are optional.
4. `targets.csv` and `actuals.csv`: one row per KPI and period (`Q1 2024/25`, `2024/25`).

`outcomes.csv`, `highlights.csv`, `contracts.csv`, `rebases.csv` and `benchmarks.csv` are
optional: leave them with their header only if you do not use them.

Then check the data, and publish:

    perfanalysis validate . --period "Q1 2024/25"
    perfanalysis run parameters.yaml

`dataset.yaml` names the council and its words for the levels; `status_words: rag` shows
statuses as Green / Amber / Red. `parameters.yaml` is described in docs/parameters.md.
If your KPIs are in one spreadsheet, `perfanalysis import` (docs/importing.md) makes this
folder from it instead.
"""


#: The tables a pack cannot do without, in the order they are filled in, with what each holds.
FILL_ORDER = {
    "themes": "the top level: ambitions, priorities, or one theme for the whole council",
    "strategies": "the level under it: strategies, services or directorates",
    "measures": "the KPIs, with unit, polarity, targeted and frequency",
    "targets": "a target per KPI and period",
    "actuals": "a figure per KPI and period",
}


def what_to_fill_in(dataset: str | Path) -> list[str]:
    """What a new dataset still lacks, first thing first; empty when every table has rows.

    Reads the folder as the gate does; a folder that cannot be read says nothing here (the gate
    reports why).
    """
    from perfanalysis.dataset import read_raw
    from perfanalysis.errors import PerfanalysisError

    try:
        raw = read_raw(dataset)
    except PerfanalysisError:
        return []
    empty = [name for name in FILL_ORDER if raw.tables[name].empty]
    if not empty:
        return []
    first = empty[0]
    lines = [f"To fill in first: {first}.csv has no rows yet ({FILL_ORDER[first]})."]
    if len(empty) > 1:
        lines.append("Then: " + ", ".join(f"{name}.csv" for name in empty[1:]) + ".")
    lines.append("Nothing can be published until they have rows (see the folder's README.md).")
    return lines


def init_dataset(folder: str | Path, organisation: str, period: str = "Q1 2024/25") -> Path:
    """Write the skeleton into `folder`, which must not exist or be empty; nothing overwritten."""
    folder = Path(folder)
    organisation = organisation.strip()
    if not organisation:
        raise DatasetError("--organisation must name the council")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DatasetError(
            f"{folder}: the folder exists and is not empty; give a new folder (nothing is "
            "ever overwritten)"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.init-", dir=folder.parent))
    try:
        for name, spec in TABLES.items():
            with (staging / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerow(spec.columns)
        meta = {
            "organisation": organisation,
            "levels": {
                "theme": "Theme",
                "strategy": "Service",
                "outcome": "Outcome",
                "measure": "Measure",
            },  # fmt: skip
            "status_words": "achieved",
        }
        (staging / "dataset.yaml").write_text(
            "# The council and its words for the levels; see docs/data-format.md.\n"
            "# status_words: achieved (Achieved / Not achieved) or rag (Green / Amber / Red).\n"
            + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
        (staging / "parameters.yaml").write_text(
            parameters_text(organisation, period), encoding="utf-8"
        )
        (staging / "README.md").write_text(_readme(organisation), encoding="utf-8")
        if folder.exists():
            folder.rmdir()
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def init_command(folder: Path, organisation: str) -> int:
    """`perfanalysis init`: write the skeleton and say what to do next."""
    init_dataset(folder, organisation)
    print(
        f"wrote a dataset skeleton for {organisation} in {folder}: every table's header, "
        "dataset.yaml, parameters.yaml and README.md\n"
        f"next: fill in themes.csv, strategies.csv and measures.csv (see {folder / 'README.md'}),"
        f" then: perfanalysis validate {folder}"
    )
    return 0
