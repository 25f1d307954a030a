"""The data-quality gate: every input is checked before any figure is computed.

`validate(raw, period)` returns a `QualityResult`: one `Check` per rule with its severity
(`error` blocks publication, `warning` is published on the data-quality page), how many rows it
looked at, how many failed, and the first failing rows with their values.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from perfanalysis.dataset import RawDataset, build
from perfanalysis.errors import DataError, DatasetError

__all__ = ["Check", "QualityResult", "validate"]


@dataclass
class Check:
    """One rule applied to one table (and column): did it pass, and where did it fail."""

    table: str
    column: str | None
    rule: str
    severity: str  # "error" or "warning"
    success: bool
    checked: int = 0
    failed: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)  # {"row": 12, "value": "x"}
    expectation: str = ""
    file: str | None = None


@dataclass
class QualityResult:
    """Every check made on a dataset, and how long they took."""

    checks: list[Check]
    seconds: float = 0.0
    period: str | None = None

    @property
    def errors(self) -> int:
        return sum(1 for c in self.checks if not c.success and c.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for c in self.checks if not c.success and c.severity == "warning")

    def counts(self) -> dict[str, int]:
        return {"checks": len(self.checks), "passed": sum(c.success for c in self.checks),
                "errors": self.errors, "warnings": self.warnings}  # fmt: skip

    def failures(self) -> pd.DataFrame:
        rows = [asdict(c) for c in self.checks if not c.success]
        return pd.DataFrame(rows, columns=list(Check.__dataclass_fields__))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without timings (so two runs on the same data give the same record)."""
        return {**self.counts(), "period": self.period,
                "checks": [asdict(c) for c in self.checks]}  # fmt: skip


def validate(raw: RawDataset, period: str | None = None) -> QualityResult:
    """Check a dataset as read; never raises for bad data, reports it."""
    start = time.perf_counter()
    checks: list[Check] = []
    try:
        build(raw)
        checks.append(Check("dataset", None, "every table loads with the documented types and links",
                            "error", True, checked=sum(len(t) for t in raw.tables.values())))  # fmt: skip
    except DataError as exc:
        checks.append(Check(exc.table, exc.column, exc.reason, "error", False, failed=1,
                            examples=[{"row": exc.row, "value": exc.value}], file=exc.file))  # fmt: skip
    except DatasetError as exc:
        checks.append(Check("dataset", None, str(exc), "error", False, failed=1))
    return QualityResult(checks, time.perf_counter() - start, period)
