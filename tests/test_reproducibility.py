"""Auditors rerun a pack and get the same bytes; `perfanalysis verify` says what changed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "small"

pytestmark = pytest.mark.notebook


def cli(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "perfanalysis.cli", *args], capture_output=True, text=True, cwd=ROOT
    )
    assert "Traceback" not in done.stderr + done.stdout
    return done


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


@pytest.fixture(scope="module")
def copied(tmp_path_factory):
    """The small dataset copied elsewhere, with a parameters file beside it, and a pack of it."""
    base = tmp_path_factory.mktemp("audit")
    shutil.copytree(SMALL, base / "data")
    params = base / "params.yaml"
    params.write_text("dataset: data\nperiod: Q4 2017/18\nstrategies: all\n")
    done = cli("run", str(params), "--out", str(base / "pack"), "--quiet")
    assert done.returncode == 0, done.stderr
    return base


def test_two_runs_give_identical_files_wherever_they_run(tmp_path, copied):
    # a second run of the same data, from a second copy in another place, into another folder
    shutil.copytree(SMALL, tmp_path / "elsewhere" / "data")
    params = tmp_path / "elsewhere" / "params.yaml"
    params.write_text("dataset: data\nperiod: Q4 2017/18\nstrategies: all\n")
    done = cli("run", str(params), "--out", str(tmp_path / "second"), "--jobs", "1", "--quiet")
    assert done.returncode == 0, done.stderr
    first, second = files(copied / "pack"), files(tmp_path / "second")
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == [], f"not byte-identical: {differing}"
    assert any(name.startswith("notebooks/") for name in first)


def test_manifest_hashes_every_input_and_output(copied):
    from perfanalysis.manifest import sha256

    m = json.loads((copied / "pack" / "manifest.json").read_text())
    for item in m["dataset"]["inputs"]:
        assert sha256(copied / "data" / item["path"]) == item["sha256"]
        assert (copied / "data" / item["path"]).stat().st_size == item["bytes"]
    for item in m["outputs"]:
        assert sha256(copied / "pack" / item["path"]) == item["sha256"]
    for name in ("numpy", "nbclient", "great-expectations", "lock_file_sha256"):
        assert m["software"][name]
    assert m["data_quality"]["errors"] == 0
    assert m["run"]["generated_at"]


def test_source_date_epoch_fixes_the_recorded_time(tmp_path):
    shutil.copytree(SMALL, tmp_path / "data")
    (tmp_path / "p.yaml").write_text("dataset: data\nperiod: Q4 2017/18\nstrategies: [roads]\n")
    env_cmd = [
        sys.executable,
        "-m",
        "perfanalysis.cli",
        "run",
        str(tmp_path / "p.yaml"),
        "--out",
        str(tmp_path / "pack"),
        "--quiet",
    ]
    import os

    done = subprocess.run(
        env_cmd,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1522454400"},
    )
    assert done.returncode == 0, done.stderr
    m = json.loads((tmp_path / "pack" / "manifest.json").read_text())
    assert m["run"]["generated_at"] == "2018-03-31T00:00:00+00:00"


def test_verify_a_fresh_pack_is_identical(copied):
    done = cli("verify", str(copied / "pack"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "identical" in done.stdout


def test_verify_names_the_changed_input_and_figure(tmp_path, copied):
    shutil.copytree(copied, tmp_path / "c")
    before = files(tmp_path / "c" / "pack")
    actuals = tmp_path / "c" / "data" / "actuals.csv"
    actuals.write_text(actuals.read_text().replace("S-01,2017/18,70,", "S-01,2017/18,73,"))
    done = cli("verify", str(tmp_path / "c" / "pack"), "--data", str(tmp_path / "c" / "data"))
    assert done.returncode == 1
    out = done.stdout
    assert "input changed: actuals.csv" in out
    assert "output differs: figures.csv" in out
    assert "S-01  actual: '70' -> '73'" in out
    assert "S-01  status: 'not_achieved' -> 'achieved'" in out
    assert files(tmp_path / "c" / "pack") == before, "verify never touches the published pack"


def test_verify_fails_when_the_manifest_hash_no_longer_matches(tmp_path, copied):
    shutil.copytree(copied, tmp_path / "c")
    path = tmp_path / "c" / "pack" / "manifest.json"
    m = json.loads(path.read_text())
    for item in m["dataset"]["inputs"]:
        if item["path"] == "targets.csv":
            item["sha256"] = "0" * 64
    path.write_text(json.dumps(m))
    done = cli("verify", str(tmp_path / "c" / "pack"))
    assert done.returncode == 1
    assert "input changed: targets.csv" in done.stdout
