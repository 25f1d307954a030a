"""The Dask path: the same pack, byte for byte, from notebooks run on a LocalCluster's workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfanalysis.runner import read_parameters, run_pack

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.notebook


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def test_dask_local_cluster_publishes_the_same_pack(tmp_path):
    distributed = pytest.importorskip("distributed")
    from perfanalysis.executors import dask_executor

    params = read_parameters(ROOT / "tests" / "data" / "small-params.yaml")
    run_pack(params, out=tmp_path / "local", jobs=2, quiet=True)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        executor = dask_executor(cluster.scheduler_address)
        try:
            run_pack(params, out=tmp_path / "dask", quiet=True, executor=executor)
        finally:
            executor.shutdown()
    local, remote = files(tmp_path / "local"), files(tmp_path / "dask")
    assert sorted(local) == sorted(remote)
    assert [n for n in local if local[n] != remote[n]] == []


def test_dask_without_a_scheduler_says_what_to_give():
    from perfanalysis.errors import ParameterError
    from perfanalysis.executors import dask_executor

    with pytest.raises(ParameterError, match="--scheduler"):
        dask_executor(None)
