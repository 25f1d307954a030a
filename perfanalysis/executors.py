"""Where notebooks run: a local pool of threads (each drives its own kernel), or a Dask cluster.

Both are `concurrent.futures.Executor`s, so the runner has one code path: it submits one job per
notebook and collects the results as they finish. On a Dask cluster each worker needs the
perfanalysis package installed and the run's staging folder (beside the published pack, holding
its inputs and prepared figures) on a path it can read: a shared filesystem; see docs/scale.md.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

from perfanalysis.errors import ParameterError

__all__ = ["dask_executor"]


class _ClientExecutor(Executor):
    """A Dask client's executor that also closes the client when shut down."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._executor = client.get_executor(pure=False)

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)
        self.client.close()


def dask_executor(address: str | None) -> Executor:
    """An Executor on the Dask scheduler at `address` (e.g. tcp://10.0.0.5:8786)."""
    if not address:
        raise ParameterError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    try:
        from distributed import Client
    except ImportError:
        raise ParameterError(
            "--executor dask needs the 'distributed' package: pip install 'perfanalysis[dask]'"
        ) from None
    try:
        client = Client(address, timeout="20s")
    except OSError as exc:
        raise ParameterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    return _ClientExecutor(client)
