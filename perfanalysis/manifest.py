"""manifest.json: which inputs, parameters and software produced every file of a pack.

Auditors read it to reproduce a pack months later; `perfanalysis verify` checks inputs against
it and reruns the pack. The run's own date and timings live here and nowhere else, so every other
file of the pack is byte-identical on a rerun.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = ["sha256", "software_versions", "write_manifest", "read_manifest", "LOCK_FILE"]

#: The lock file of exact versions that `make` installs, recorded by hash.
LOCK_FILE = Path(__file__).resolve().parent.parent / "requirements.lock"
_PACKAGES = (
    "perfanalysis",
    "pandas",
    "numpy",
    "papermill",
    "nbconvert",
    "nbclient",
    "nbformat",
    "ipykernel",
    "altair",
    "vl-convert-python",
    "great-expectations",
    "pyyaml",
    "openpyxl",
    "pyarrow",
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def software_versions() -> dict[str, str | None]:
    """Versions of Python and of every library a figure passes through."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def _run_time() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return when.replace(microsecond=0).isoformat()


def write_manifest(
    pack_dir: Path,
    params: Any,
    pack: Any,
    quality: Any,
    timings: dict[str, float],
    inputs: bool = True,
) -> dict[str, Any]:
    """Write manifest.json for a finished pack folder and return what was written.

    `inputs`: whether the pack carries its inputs in `inputs/` (else an auditor needs them).
    """
    from perfanalysis.prepared import input_hashes

    recorded = input_hashes(pack.dataset)
    outputs = []
    for f in sorted(p for p in pack_dir.rglob("*") if p.is_file() and p.name != "manifest.json"):
        outputs.append(
            {
                "path": f.relative_to(pack_dir).as_posix(),
                "sha256": sha256(f),
                "bytes": f.stat().st_size,
            }
        )
    status_counts = pack.figures[pack.figures["strategy_id"].isin(pack.strategies)]["status"]
    manifest = {
        "manifest_version": 1,
        "pack": {
            "organisation": pack.organisation,
            "period": pack.period.label,
            "title": pack.title,
            "strategies": list(pack.strategies),
        },
        "parameters": {
            "file": params.source.name if params.source else None,
            "file_sha256": sha256(params.source) if params.source else None,
            "values": params.raw,
        },
        "dataset": {
            "path": str(params.dataset),
            "in_pack": "inputs" if inputs else None,
            "inputs": recorded,
        },
        "outputs": outputs,
        "software": {
            **software_versions(),
            "git_commit": _git_commit(),
            "lock_file": LOCK_FILE.name if LOCK_FILE.exists() else None,
            "lock_file_sha256": sha256(LOCK_FILE) if LOCK_FILE.exists() else None,
            "platform": platform.platform(),
        },
        "data_quality": quality.to_dict(),
        "measures_by_status": {k: int(v) for k, v in sorted(status_counts.value_counts().items())},
        "run": {
            "generated_at": _run_time(),
            "seconds": {k: round(v, 3) for k, v in timings.items()},
            "python_executable": sys.executable,
        },
    }
    (pack_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8"
    )
    return manifest


def read_manifest(pack_dir: Path) -> dict[str, Any]:
    """A pack's manifest.json; PerfanalysisError (exit 2) when it is missing or damaged."""
    path = Path(pack_dir) / "manifest.json"
    from perfanalysis.errors import PerfanalysisError

    if not path.is_file():
        raise PerfanalysisError(f"{pack_dir}: no manifest.json; is this a published pack folder?")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        for key in ("parameters", "dataset", "outputs"):
            manifest[key]
        manifest["parameters"]["values"]["period"]
        for item in manifest["outputs"] + manifest["dataset"]["inputs"]:
            item["path"], item["sha256"]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PerfanalysisError(
            f"{path} cannot be read ({exc}): it is damaged or truncated; restore it from the "
            "published copy"
        ) from None
    except (KeyError, TypeError) as exc:
        raise PerfanalysisError(
            f"{path} is incomplete (no {exc}): it is damaged or truncated; restore it from the "
            "published copy"
        ) from None
    return manifest
