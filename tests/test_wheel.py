"""A council's IT team installs perfanalysis from a wheel and runs a pack outside the checkout.

What this proves: the wheel built from a copy of the source (no tests, no .git, no .venv) carries
everything a run needs (notebooks, suites, templates, styles); installed into a fresh virtual
environment, its `perfanalysis` command publishes and verifies a pack from a folder outside the
checkout, with the notebooks and the package read from that environment, not from the checkout.

The wheel's dependencies are not installed again into the fresh environment (minutes of
`pip install -r requirements.lock`): a .pth file puts the site-packages of the environment
running the tests (.venv, installed from requirements.lock) after the fresh environment's own.
Only folders are added, so .venv's editable install of perfanalysis (a .pth of its own, not
read) cannot be imported: the test checks that `perfanalysis` comes from the fresh environment.
That requirements.lock installs is proven by `make test` itself, which installs it into .venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.notebook, pytest.mark.slow]

_NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "reports", "tests", "build", "dist", "*.egg-info", "__pycache__",
    ".pytest_cache", ".prepared-tmp", "bench",
)  # fmt: skip


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def venv_with_wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(venv, wheel): the wheel built from a copy of the source, installed in a fresh venv."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(base / "dist")], cwd=source)  # fmt: skip
    wheel = next((base / "dist").glob("perfanalysis-*.whl"))
    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                    cwd=base).strip())  # fmt: skip
    # The dependencies: the test environment's site-packages, after the fresh venv's own, and
    # the data files they install under the prefix (nbconvert's templates, the kernel spec).
    ours = dict.fromkeys(sysconfig.get_path(k) for k in ("purelib", "platlib"))
    (site / "zz-test-dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    (venv / "share").mkdir()
    (venv / "share" / "jupyter").symlink_to(Path(sysconfig.get_path("data")) / "share" / "jupyter")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--disable-pip-version-check", "--no-deps", "--no-index", str(wheel)],
        cwd=base)  # fmt: skip
    return venv, wheel


def test_the_wheel_carries_notebooks_suites_templates_and_styles(venv_with_wheel):
    _, wheel = venv_with_wheel
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "perfanalysis/notebooks/collated_report.ipynb",
        "perfanalysis/notebooks/strategy_report.ipynb",
        "perfanalysis/expectations/dataset.json",
        "perfanalysis/expectations/actuals.json",
        "perfanalysis/templates/perfanalysis/index.html.j2",
        "perfanalysis/static/pack.css",
    ):
        assert name in names, name


def test_an_installed_wheel_runs_and_verifies_a_pack_outside_the_checkout(
    venv_with_wheel, tmp_path
):
    venv, _ = venv_with_wheel
    work = tmp_path / "council"
    shutil.copytree(ROOT / "tests" / "data" / "small", work / "data")
    (work / "q4.yaml").write_text(
        "dataset: data\nperiod: Q4 2017/18\nstrategies: all\noutput: reports\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    where = run([str(venv / "bin" / "python"), "-c",
                 "import perfanalysis, perfanalysis.resources as r; "
                 "print(perfanalysis.__file__); print(r.notebook_dir())"],
                cwd=work, env=env).split()  # fmt: skip
    assert Path(where[0]).is_relative_to(venv), "perfanalysis is the installed wheel's"
    assert Path(where[1]).is_relative_to(venv), "the notebooks come from the installed wheel"
    out = run([str(venv / "bin" / "perfanalysis"), "run", "q4.yaml", "--jobs", "2", "--quiet"],
              cwd=work, env=env)  # fmt: skip
    index = Path(out.strip().splitlines()[-1])
    assert index == work / "reports" / "testshire-county-council" / "2017-18-q4" / "index.html"
    assert index.is_file() and (index.parent / "strategies" / "roads.html").is_file()
    verdict = run([str(venv / "bin" / "perfanalysis"), "verify", str(index.parent), "--jobs", "2"],
                  cwd=work, env=env)  # fmt: skip
    assert "identical" in verdict
