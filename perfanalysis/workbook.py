"""Write a dataset folder as one .xlsx workbook (one sheet per table), for people who prefer Excel.

The workbook loads to the same frames as the folder: `pa.load("data/x")` and
`pa.load("x.xlsx")` give the same figures. Cells are written as text, exactly as in the CSV files,
so nothing is reinterpreted on the way (no dates guessed, no leading zeros lost).
"""

from __future__ import annotations

from pathlib import Path

from perfanalysis.dataset import read_raw
from perfanalysis.framework import TABLES

__all__ = ["write_workbook"]


def _flatten(meta: dict, prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(_flatten(value, name + "."))
        else:
            rows.append((name, "" if value is None else str(value)))
    return rows


def write_workbook(folder: str | Path, path: str | Path) -> Path:
    """Write the dataset in `folder` to the workbook `path` and return its path."""
    from openpyxl import Workbook

    raw = read_raw(folder)
    raw.raise_problems()  # a folder that cannot be read makes no workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "dataset"
    sheet.append(["key", "value"])
    for row in _flatten(raw.meta):
        sheet.append(list(row))
    for name in TABLES:
        frame = raw.tables[name]
        if name not in raw.files:  # an optional table the folder does not have
            continue
        ws = book.create_sheet(name)
        columns = [c for c in frame.columns if c != "_row"]
        ws.append(columns)
        for values in frame[columns].itertuples(index=False):
            ws.append(list(values))
        for col in ws.iter_cols(min_row=2):
            for cell in col:
                cell.number_format = "@"  # text: keeps "07" and "2017/18" as written
    out = Path(path)
    book.save(out)
    return out
