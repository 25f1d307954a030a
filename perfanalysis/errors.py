"""The errors perfanalysis raises: one base class, so a caller can catch them all.

    PerfanalysisError            anything this package reports to a person
    +-- DatasetError             a dataset cannot be read: missing folder, table or column
    |   +-- DataError            one cell is wrong: names the file, table, row, column and value
    +-- PeriodError              a period label cannot be understood (also a ValueError)
    +-- ParameterError           a parameters file or notebook parameter is wrong
    +-- ValidationFailed         the data-quality gate found errors (carries the result)
    +-- PackError                a notebook failed while a pack was built: names notebook and cell
    +-- UnknownIdError           a measure, strategy or theme id not in the dataset (also a
                                 KeyError); names the closest ids

The command line prints these as one readable message and exits non-zero; it never shows a
traceback for them. In IPython and Jupyter they show as their message in two lines
(`_render_traceback_`); `pa.last_traceback()` prints the full traceback of the last error.
"""

from __future__ import annotations

from typing import Any


class PerfanalysisError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code = 2

    def _render_traceback_(self) -> list[str]:
        """How IPython shows this error: its message in a few lines, not a page of frames.

        The message says what to change; the full traceback is one call away (`%tb`, or
        `pa.last_traceback()`, in the same notebook).
        """
        return [
            f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}",
            "(a perfanalysis error: the message says what to change; "
            "pa.last_traceback() shows where it was raised)",
        ]


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


class UnknownIdError(PerfanalysisError, KeyError):
    """An id (measure, strategy, theme) that is not in the dataset; names the closest ones.

    Also a KeyError, so code that caught the KeyError of a dictionary look-up still works.
    `kind` is the level ('measure'), `value` the id given, `suggestions` the closest known ids.
    """

    def __init__(self, kind: str, value: Any, known: list[str]) -> None:
        import difflib

        self.kind = kind
        self.value = value
        by_case = {str(k).lower(): str(k) for k in known}
        close = difflib.get_close_matches(str(value).lower(), list(by_case), n=3, cutoff=0.6)
        self.suggestions = [by_case[c] for c in close]
        if self.suggestions:
            hint = "did you mean " + " or ".join(self.suggestions) + "?"
        elif len(known) <= 12:
            hint = "known: " + ", ".join(map(str, known))
        else:
            hint = f"ds.framework lists the {len(known)} known {kind} ids"
        super().__init__(f"no {kind} {str(value)!r} in this dataset; {hint}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])

    def __reduce__(self) -> tuple[Any, ...]:  # rebuilt from its parts, e.g. across processes
        return (_unknown_id, (self.kind, self.value, self.suggestions, str(self)))


def _unknown_id(kind: str, value: Any, suggestions: list[str], message: str) -> UnknownIdError:
    error = UnknownIdError(kind, value, suggestions)
    error.args = (message,)
    return error


def last_traceback() -> None:
    """Print the full traceback of the last error in this IPython or Jupyter session.

    perfanalysis errors show only their message in a notebook; this shows where one was raised.
    """
    import sys
    import traceback

    error = getattr(sys, "last_exc", None) or getattr(sys, "last_value", None)
    if error is None:
        print("No error has been raised in this session.")
        return
    traceback.print_exception(type(error), error, error.__traceback__)
