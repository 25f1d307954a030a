"""`perfanalysis verify PACK_DIR`: does a published pack still come from its inputs, byte for byte?

1. The inputs are the pack's own `inputs/` folder (the pack alone is enough), or the dataset
   given with `--data DIR` (a live dataset, or the inputs of a pack published without them).
   Every input named in the manifest is hashed again; each one that changed, vanished or was
   added is named.
2. The pack is rebuilt from those inputs and the manifest's parameters into a private temporary
   folder (the published folder is only read, never written), which is removed afterwards.
3. Every output is compared by SHA-256; for figures.csv each changed figure is listed as measure,
   column, published value and rerun value.
4. Software versions that differ from the manifest's are reported as warnings: a difference in
   output may come from them rather than from the data.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from perfanalysis.errors import PerfanalysisError
from perfanalysis.manifest import LOCK_FILE, read_manifest, sha256, software_versions

__all__ = ["VerifyResult", "verify_pack", "verify_command"]

#: The one output that is not byte-reproducible (it carries its creation date); not compared.
NOT_REPRODUCIBLE = "pack.pdf"


@dataclass
class VerifyResult:
    """What a verification found: changed inputs, differing outputs, changed figures, warnings."""

    changed_inputs: list[str] = field(default_factory=list)
    differing_outputs: list[str] = field(default_factory=list)
    changed_figures: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rerun_error: str | None = None
    seconds: float = 0.0

    @property
    def identical(self) -> bool:
        return not (self.changed_inputs or self.differing_outputs or self.rerun_error)


def _check_inputs(manifest: dict[str, Any], data: Path) -> list[str]:
    changed = []
    recorded = {i["path"]: i for i in manifest["dataset"]["inputs"]}
    for rel, item in recorded.items():
        path = data if data.is_file() else data / rel
        if not path.exists():
            changed.append(f"{rel}: missing")
        elif sha256(path) != item["sha256"]:
            changed.append(
                f"{rel}: changed (SHA-256 {sha256(path)[:12]}..., "
                f"manifest {item['sha256'][:12]}...)"
            )
    if data.is_dir():
        from perfanalysis.framework import TABLES

        for table in TABLES:
            name = f"{table}.csv"
            if (data / name).exists() and name not in recorded:
                changed.append(f"{name}: added since the pack was published")
    return changed


def _version_warnings(manifest: dict[str, Any]) -> list[str]:
    recorded = manifest.get("software", {})
    now = software_versions()
    out = [
        f"{name} is {now[name]} here but {recorded.get(name)} in the manifest"
        for name in now
        if recorded.get(name) != now[name]
    ]
    lock = recorded.get("lock_file_sha256")
    if lock and LOCK_FILE.exists() and sha256(LOCK_FILE) != lock:
        out.append("requirements.lock differs from the one the pack was built with")
    return out


def _figure_changes(published: Path, rerun: Path) -> list[dict[str, str]]:
    from perfanalysis.publish import read_figures

    a = read_figures(published).set_index("measure_id")
    b = read_figures(rerun).set_index("measure_id")
    changes = []
    for mid in a.index.union(b.index, sort=False):
        if mid not in b.index or mid not in a.index:
            changes.append(
                {
                    "measure": mid,
                    "column": "(row)",
                    "published": "present" if mid in a.index else "absent",
                    "rerun": "present" if mid in b.index else "absent",
                }
            )
            continue
        ra, rb = a.loc[mid], b.loc[mid]
        for col in a.columns.union(b.columns, sort=False):
            va, vb = ra.get(col, ""), rb.get(col, "")
            if va != vb:
                changes.append({"measure": mid, "column": col, "published": va, "rerun": vb})
    return changes


def verify_pack(pack_dir: Path, data: Path | None = None, jobs: int | None = None) -> VerifyResult:
    """Verify a published pack; see the module docstring. Never writes into `pack_dir`."""
    import shutil

    from perfanalysis.runner import NOTEBOOK_DIR, PackParameters, run_pack

    start = time.perf_counter()
    pack_dir = Path(pack_dir).resolve()
    if not pack_dir.is_dir():
        raise PerfanalysisError(f"{pack_dir} is not a folder: give the folder of a published pack")
    manifest = read_manifest(pack_dir)
    if data is not None:
        data = Path(data).resolve()
        if not data.exists():
            raise PerfanalysisError(f"--data {data}: there is nothing there")
    else:
        in_pack = manifest["dataset"].get("in_pack")
        if not in_pack or not (pack_dir / in_pack).is_dir():
            raise PerfanalysisError(
                f"{pack_dir} was published without its inputs (no inputs/ folder): give the "
                "dataset it was made from with --data DIR"
            )
        data = pack_dir / in_pack
        name = Path(str(manifest["dataset"].get("path", ""))).name
        if (data / name).is_file() and name.lower().endswith(".xlsx"):
            data = data / name  # a workbook dataset: inputs/NAME.xlsx
    result = VerifyResult()
    result.changed_inputs = _check_inputs(manifest, data)
    result.warnings = _version_warnings(manifest)
    values = dict(manifest["parameters"]["values"])
    params = PackParameters(
        dataset=data,
        period=values["period"],
        strategies=values.get("strategies", "all"),
        title=values.get("title"),
        output=pack_dir.parent,
        source=None,
        raw=values,
        notebooks=NOTEBOOK_DIR,
        inputs=bool(manifest["dataset"].get("in_pack", "inputs")),
    )
    if values.get("notebooks"):
        result.warnings.append(
            "the pack was made with custom notebooks; they are rerun with the packaged ones"
        )
    tmp = Path(tempfile.mkdtemp(prefix="pa-verify-"))  # private (0700), removed below
    try:
        rerun = tmp / "pack"
        try:
            run_pack(params, jobs=jobs, out=rerun, quiet=True)
        except PerfanalysisError as exc:
            result.rerun_error = str(exc)
            result.seconds = time.perf_counter() - start
            return result
        published = {o["path"]: o["sha256"] for o in manifest["outputs"]}
        if published.pop(NOT_REPRODUCIBLE, None):
            result.warnings.append(
                f"{NOT_REPRODUCIBLE} is not compared: a PDF records when it was printed"
            )
        for rel, digest in sorted(published.items()):
            again = rerun / rel
            if not again.exists():
                result.differing_outputs.append(f"{rel}: not produced by the rerun")
            elif sha256(again) != digest:
                result.differing_outputs.append(rel)
            elif (pack_dir / rel).exists() and sha256(pack_dir / rel) != digest:
                result.differing_outputs.append(
                    f"{rel}: the published file was edited after publication"
                )
            elif not (pack_dir / rel).exists():
                result.differing_outputs.append(f"{rel}: missing from the published pack")
        for p in sorted(rerun.rglob("*")):
            rel = p.relative_to(rerun).as_posix()
            if p.is_file() and rel != "manifest.json" and rel not in published:
                result.differing_outputs.append(f"{rel}: produced by the rerun, not in the pack")
        if (pack_dir / "figures.csv").exists() and (rerun / "figures.csv").exists():
            if sha256(pack_dir / "figures.csv") != sha256(rerun / "figures.csv"):
                result.changed_figures = _figure_changes(
                    pack_dir / "figures.csv", rerun / "figures.csv"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result.seconds = time.perf_counter() - start
    return result


def print_result(result: VerifyResult, pack_dir: Path, stream: IO[str] | None = None) -> None:
    """What verify found, one line each, then the verdict."""
    stream = stream or sys.stdout
    for w in result.warnings:
        print(f"warning: {w}", file=stream)
    for c in result.changed_inputs:
        print(f"input changed: {c}", file=stream)
    if result.rerun_error:
        print(f"the rerun failed: {result.rerun_error}", file=stream)
    for d in result.differing_outputs:
        print(f"output differs: {d}", file=stream)
    if result.changed_figures:
        print("changed figures (measure, column, published, rerun):", file=stream)
        for c in result.changed_figures:
            print(
                f"  {c['measure']}  {c['column']}: {c['published']!r} -> {c['rerun']!r}",
                file=stream,
            )
    verdict = (
        "identical: every output was reproduced byte for byte"
        if result.identical
        else "NOT reproduced"
    )
    print(f"{pack_dir}: {verdict} ({result.seconds:.1f} s)", file=stream)


def verify_command(pack_dir: Path, data: Path | None, jobs: int | None) -> int:
    """Exit 0 when every output is identical and no input changed; 1 otherwise."""
    result = verify_pack(pack_dir, data, jobs)
    print_result(result, pack_dir)
    return 0 if result.identical else 1
