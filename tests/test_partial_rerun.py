"""`perfanalysis run --strategy ID` after a corrected figure: only the pages it changes are rebuilt.

A performance officer corrects one figure and reruns that strategy's page. The run compares what
each page is made from (the page digests in `prepared/pack.json`) with the published pack: the
named strategy and the collated page are rebuilt, and so is any other strategy whose figures
changed; the rest are kept as published. Whatever was rebuilt, the pack must be, byte for byte,
the pack a full run on the corrected data publishes.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from perfanalysis import cli
from tests.conftest import tree_digest

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pack of the small dataset, published once for the module."""
    base = tmp_path_factory.mktemp("partial")
    shutil.copytree(ROOT / "tests" / "data" / "small", base / "data")
    (base / "q4.yaml").write_text("dataset: data\nperiod: Q4 2017/18\nstrategies: all\n")
    assert cli.main(["run", str(base / "q4.yaml"), "--out", str(base / "pack"), "--quiet"]) == 0
    return base


def _setup(published: Path, tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(published / "data", tmp_path / "data")
    shutil.copytree(published / "pack", tmp_path / "pack", copy_function=shutil.copy2)
    (tmp_path / "q4.yaml").write_text("dataset: data\nperiod: Q4 2017/18\nstrategies: all\n")
    return tmp_path / "data", tmp_path / "pack"


def _correct(data: Path, old: str, new: str) -> None:
    path = data / "actuals.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def _stamps(pack: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (pack / "strategies").glob("*.html")}


def _rerun_roads(tmp_path: Path, pack: Path, caplog: pytest.LogCaptureFixture) -> dict[str, int]:
    """`perfanalysis run --strategy roads` on the pack, as the officer types it; the pages'
    modification times before it."""
    before = _stamps(pack)
    caplog.set_level(logging.INFO, logger="perfanalysis")
    code = cli.main(["run", str(tmp_path / "q4.yaml"), "--out", str(pack), "--quiet",
                     "--strategy", "roads"])  # fmt: skip
    assert code == 0
    return before


def _same_as_a_full_run(tmp_path: Path, pack: Path) -> None:
    full = tmp_path / "full"
    assert cli.main(["run", str(tmp_path / "q4.yaml"), "--out", str(full), "--quiet"]) == 0
    a, b = tree_digest(pack), tree_digest(full)
    a.pop("manifest.json"), b.pop("manifest.json")  # the run's date and timings
    assert a == b


def test_a_corrected_figure_rebuilds_its_strategy_and_the_index_only(published, tmp_path, caplog):
    data, pack = _setup(published, tmp_path)
    _correct(data, "R-01,Q4 2017/18,103,", "R-01,Q4 2017/18,99,")
    before = _rerun_roads(tmp_path, pack, caplog)
    assert "changed too" not in caplog.text and "every page" not in caplog.text
    # of the rebuilt pages' charts, only the corrected measure's is drawn again
    assert "kept 3 charts of the rebuilt pages as published" in caplog.text
    assert "drawing 1: measure:R-01" in caplog.text
    after = _stamps(pack)
    assert after["roads.html"] != before["roads.html"]
    assert after["school.html"] == before["school.html"], "kept as published"
    assert "99" in (pack / "strategies" / "roads.html").read_text(encoding="utf-8")
    _same_as_a_full_run(tmp_path, pack)


def test_a_correction_elsewhere_rebuilds_that_page_too(published, tmp_path, caplog):
    data, pack = _setup(published, tmp_path)
    _correct(data, "S-01,2017/18,70,", "S-01,2017/18,72,")  # a school figure, not roads
    before = _rerun_roads(tmp_path, pack, caplog)
    assert "the figures of school changed too: rebuilding their pages" in caplog.text
    assert _stamps(pack)["school.html"] != before["school.html"]
    _same_as_a_full_run(tmp_path, pack)


def test_a_change_every_page_shows_rebuilds_every_page(published, tmp_path, caplog):
    data, pack = _setup(published, tmp_path)
    yaml = data / "dataset.yaml"
    yaml.write_text(yaml.read_text().replace("Every figure is illustrative.", "Revised."))
    before = _rerun_roads(tmp_path, pack, caplog)
    assert "rebuilding every page" in caplog.text
    after = _stamps(pack)
    assert all(after[name] != before[name] for name in before)
    _same_as_a_full_run(tmp_path, pack)
