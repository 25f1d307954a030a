"""The errors perfanalysis raises: one base class, so a caller can catch them all.

    PerfanalysisError            anything this package reports to a person
    +-- DatasetError             a dataset cannot be read: missing folder, table or column
    |   +-- DataError            one cell is wrong: names the file, table, row, column and value
    +-- PeriodError              a period label cannot be understood (also a ValueError)
    +-- ParameterError           a parameters file or notebook parameter is wrong
    +-- ValidationFailed         the data-quality gate found errors (carries the result)
    +-- PackError                a notebook failed while a pack was built: names notebook and cell

The command line prints these as one readable message and exits non-zero; it never shows a
traceback for them.
"""

from __future__ import annotations

from typing import Any


class PerfanalysisError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code = 2


class DatasetError(PerfanalysisError):
    """A dataset cannot be read as a whole (missing folder, table or column)."""


class DataError(DatasetError):
    """One value in one table is wrong; says where, as a person would look for it.

    `row` is the row number a person sees in a spreadsheet or text editor: the header is row 1,
    the first data row is row 2.
    """

    def __init__(
        self,
        message: str,
        *,
        table: str,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        file: str | None = None,
    ) -> None:
        self.table = table
        self.row = row
        self.column = column
        self.value = value
        self.file = file
        self.reason = message
        where = [f"table '{table}'"]
        if file:
            where.insert(0, f"file {file}")
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column '{column}'")
        text = ", ".join(where)
        if value is not None:
            text += f", value {value!r}"
        super().__init__(f"{text}: {message}")


class PeriodError(PerfanalysisError, ValueError):
    """A period label is not one councils write, or an operation on it makes no sense."""


class ParameterError(PerfanalysisError):
    """A parameters file or a notebook parameter is missing, unknown or of the wrong type."""


class ValidationFailed(PerfanalysisError):
    """The data-quality gate found errors: nothing may be published from this data."""

    def __init__(self, message: str, result: Any = None) -> None:
        self.result = result
        super().__init__(message)


class PackError(PerfanalysisError):
    """Building a pack failed; the previously published pack was left as it was."""

    exit_code = 3
