"""perfanalysis: quarterly performance reporting for English councils' outcomes frameworks.

What analysts type at a notebook prompt::

    import perfanalysis as pa
    ds = pa.load("data/lincolnshire")   # a folder of CSV files or an .xlsx workbook
    ds.assess("Q4 2017/18")             # one row per measure: figures, status, direction
    ds.summary("Q4 2017/18")            # one row per strategy: "How is success measured?"

Everything not listed in `__all__` may change between versions.
"""

import importlib.metadata as _metadata

from perfanalysis.comparators import percentile_inc, rank_within_group
from perfanalysis.dataset import Dataset, load
from perfanalysis.errors import (
    DataError,
    DatasetError,
    PackError,
    ParameterError,
    PerfanalysisError,
    PeriodError,
    ValidationFailed,
)
from perfanalysis.intervals import proportion_ci, rate_ci, significance
from perfanalysis.periods import Period
from perfanalysis.spc import SPCResult, spc
from perfanalysis.status import Status

try:
    __version__ = _metadata.version("perfanalysis")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "DataError",
    "Dataset",
    "DatasetError",
    "PackError",
    "ParameterError",
    "PerfanalysisError",
    "Period",
    "PeriodError",
    "SPCResult",
    "Status",
    "ValidationFailed",
    "load",
    "percentile_inc",
    "proportion_ci",
    "rank_within_group",
    "rate_ci",
    "significance",
    "spc",
    "__version__",
]
