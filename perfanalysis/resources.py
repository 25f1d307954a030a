"""Where the files shipped with perfanalysis are found: notebooks, expectation suites, templates.

The repository keeps `notebooks/` and `expectations/` at its top level, where analysts and
reviewers look for them; the build maps them into the package as `perfanalysis.notebooks` and
`perfanalysis.expectations` (pyproject.toml, `package-dir`), so a wheel carries them and an
editable install finds them in the checkout. Both are found with importlib.resources.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["notebook_dir", "expectations_dir", "package_dir"]


def _folder(name: str) -> Path:
    """`perfanalysis/<name>` of an installed wheel, else the checkout's top-level `<name>/`.

    An editable install (`pip install -e .`) runs from the checkout, where the folders stay at
    the top level.
    """
    installed = Path(str(resources.files("perfanalysis"))) / name
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / name


def notebook_dir() -> Path:
    """The packaged notebooks (collated_report.ipynb, strategy_report.ipynb)."""
    return _folder("notebooks")


def expectations_dir() -> Path:
    """The packaged great-expectations suites (one JSON file per table)."""
    return _folder("expectations")


def package_dir() -> Path:
    """The perfanalysis package folder (templates/ and static/ live in it)."""
    return Path(str(resources.files("perfanalysis")))
