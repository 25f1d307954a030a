"""`perfanalysis validate`: every failed check as a readable table a performance officer can act on."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

from perfanalysis.dataset import read_raw
from perfanalysis.quality import validate

__all__ = ["validate_command", "print_failures"]


def print_failures(result: Any, stream: IO[str] = sys.stdout, limit: int = 5) -> None:
    """Table, column, rule in plain words, and the first failing rows with their values."""
    failed = [c for c in result.checks if not c.success]
    for c in sorted(failed, key=lambda c: (c.severity != "error", c.table, c.column or "")):
        where = f"{c.file or c.table}" + (f", column '{c.column}'" if c.column else "")
        print(f"{c.severity.upper():8} {where}: {c.rule} ({c.failed} row{'s' if c.failed != 1 else ''})",
              file=stream)
        for e in (c.examples or [])[:limit]:
            print(f"           row {e.get('row')}: {e.get('value')!r}", file=stream)
        if c.failed > limit:
            print(f"           ... and {c.failed - limit} more", file=stream)


def validate_command(dataset: Path, period: str | None, strict: bool) -> int:
    """Exit 0 clean, 1 on warnings only with --strict, 2 on errors."""
    raw = read_raw(dataset)
    result = validate(raw, period)
    print_failures(result)
    counts = result.counts()
    print(f"{dataset}: {counts['checks']} checks, {counts['passed']} passed, "
          f"{counts['errors']} errors, {counts['warnings']} warnings "
          f"({result.seconds:.2f} s)")
    if result.errors:
        return 2
    if result.warnings and strict:
        return 1
    return 0
