"""perfanalysis: quarterly performance reporting for English councils' outcomes frameworks.

What analysts type at a notebook prompt::

    import perfanalysis as pa
    ds = pa.load("data/lincolnshire")   # a folder of CSV files or an .xlsx workbook
    ds.assess("Q4 2017/18")             # one row per measure: figures, status, direction
    ds.summary("Q4 2017/18")            # one row per strategy: "How is success measured?"
    ds.chart("LA-05")                   # the measure over time, as inline SVG (offline)
    ds.spc("LA-05").chart()             # its XmR chart (Making Data Count)
    pa.show(my_altair_chart, "what it shows")   # any Altair chart, offline, with a description

docs/analysts.md is the guide. Public modules: this package's names below, and
`perfanalysis.charts` (chart builders). Every other module is internal.

Everything not listed in `__all__` may change between versions.
"""

import importlib.metadata as _metadata

from perfanalysis.comparators import percentile_inc, rank_within_group
from perfanalysis.dataset import Dataset, load
from perfanalysis.display import ChartView, show
from perfanalysis.errors import (
    DataError,
    DatasetError,
    PackError,
    ParameterError,
    PerfanalysisError,
    PeriodError,
    UnknownIdError,
    ValidationFailed,
    last_traceback,
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
    "ChartView",
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
    "UnknownIdError",
    "ValidationFailed",
    "last_traceback",
    "load",
    "percentile_inc",
    "proportion_ci",
    "rank_within_group",
    "show",
    "rate_ci",
    "significance",
    "spc",
    "__version__",
]
