"""`perfanalysis validate`: every failed check as a readable table a performance officer can act on.

    perfanalysis validate DATASET [--period P] [--strict]

Exit status: 0 when nothing failed (or only warnings, without --strict); 1 when there are
warnings and --strict was given; 2 when there is at least one error (a `perfanalysis run` on this
data would publish nothing).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import IO, Any

__all__ = ["validate_command", "print_failures", "exit_status"]

_WIDTH = 100
_INDENT = " " * 9


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def print_failures(result: Any, stream: IO[str] = sys.stdout, limit: int = 5) -> None:
    """Table, column, rule in plain words, and the first failing rows with their values.

    Errors come first, then warnings; within each, checks keep the order of the tables in the
    format (dataset.yaml, themes, strategies, ... actuals).
    """
    failed = [c for c in result.checks if not c.success]
    order = {id(c): i for i, c in enumerate(result.checks)}
    failed.sort(key=lambda c: (c.severity != "error", order[id(c)]))
    for c in failed:
        where = f"table {c.table}" + (f" ({c.file})" if c.file else "")
        where += f", column {c.column}" if c.column else ""
        print(f"{c.severity.upper():<8} {where}", file=stream)
        for line in textwrap.wrap(c.rule, _WIDTH - len(_INDENT)):
            print(_INDENT + line, file=stream)
        examples = list(c.examples or [])[:limit]
        if c.checked and c.expectation not in ("read", "expect_column_to_exist"):
            count = f"{c.failed} of {_plural(c.checked, 'row')} checked fail"
        else:
            count = ""
        if examples:
            shown = "; ".join(
                (f"row {e.get('row')}: " if e.get("row") is not None else "")
                + ("(blank)" if e.get("value") is None else repr(e.get("value")))
                for e in examples
            )
            more = f"; and {c.failed - len(examples)} more" if c.failed > len(examples) else ""
            text = (count + ": " if count else "") + shown + more
            for i, line in enumerate(textwrap.wrap(text, _WIDTH - len(_INDENT) - 2)):
                print(_INDENT + ("" if i == 0 else "  ") + line, file=stream)
        elif count:
            print(_INDENT + count, file=stream)
        print(file=stream)


def exit_status(result: Any, strict: bool = False) -> int:
    """0 clean; 1 warnings only, under --strict; 2 errors."""
    if result.errors:
        return 2
    if result.warnings and strict:
        return 1
    return 0


def validate_command(dataset: Path, period: str | None, strict: bool,
                     stream: IO[str] | None = None) -> int:  # fmt: skip
    """Check the dataset, print what failed, and return the exit status."""
    from perfanalysis.quality import validate_path

    out = stream or sys.stdout
    result = validate_path(dataset, period)
    print_failures(result, out)
    counts = result.counts()
    when = f" for {result.period}" if result.period else ""
    print(f"{dataset}{when}: {_plural(counts['checks'], 'check')}, {counts['passed']} passed, "
          f"{_plural(counts['errors'], 'error')}, {_plural(counts['warnings'], 'warning')} "
          f"({result.seconds:.1f} s)", file=out)  # fmt: skip
    status = exit_status(result, strict)
    if status != 2:
        from perfanalysis.skeleton import what_to_fill_in

        for line in what_to_fill_in(dataset):
            print(line, file=out)
    if status == 2:
        print("Errors stop a pack from being published: fix them and validate again.", file=out)
    elif status == 1:
        print("Warnings fail the check under --strict.", file=out)
    return status
