"""The quarterly pack: real notebooks executed by papermill, published as self-contained HTML."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import papermill as pm
import pytest

ROOT = Path(__file__).resolve().parent.parent
SMALL_PARAMS = ROOT / "tests" / "data" / "small-params.yaml"
LINCS_PARAMS = ROOT / "parameters" / "lincolnshire-2017-18-q4.yaml"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def run_cli(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "perfanalysis.cli", *args], capture_output=True, text=True, cwd=ROOT
    )
    assert "Traceback" not in done.stderr, done.stderr
    if check:
        assert done.returncode == 0, done.stderr
    return done


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class Links(HTMLParser):
    """Collects src/href of script, link, img, style and a elements, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.anchors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and tag in ("script", "link", "img", "style", "iframe"):
                self.refs.append((tag, name, value or ""))
            if tag == "a" and name == "href":
                self.anchors.append(value or "")

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


# --------------------------------------------------------------------------- notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "strip outputs"
            assert not re.search(r"^\s*(def|class)\s", cell.source, re.M), (
                "logic belongs in the library"
            )
    params = pm.inspect_notebook(str(path))
    assert {"dataset", "period", "prepared"} <= set(params)
    for p in params.values():
        assert p["help"], f"parameter {p['name']} needs a comment saying what it is"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_run_all_with_defaults_as_an_analyst_does(tmp_path, path):
    """No parameters injected, run from the notebook's folder: JupyterLab's Run All."""
    out = tmp_path / path.name
    pm.execute_notebook(
        str(path), str(out), cwd=str(path.parent), progress_bar=False, kernel_name="python3"
    )
    nb = nbformat.read(out, as_version=4)
    html = "".join(
        o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])
    )
    assert "<h1>" in html
    assert "<svg" in html and 'role="img"' in html, "charts show inline, as JupyterLab renders"
    assert "No description has been provided" not in html


# --------------------------------------------------------------------------- small pack
@pytest.fixture(scope="module")
def small_pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("small") / "pack"
    done = run_cli(
        "run", str(SMALL_PARAMS), "--out", str(out), "--jobs", "2", "--quiet", check=True
    )
    assert done.stdout.strip() == str(out / "index.html"), "the command prints the page to open"
    return out


@pytest.mark.notebook
def test_small_pack_has_every_file(small_pack):
    for name in (
        "index.html",
        "figures.csv",
        "data-quality.html",
        "manifest.json",
        "strategies/roads.html",
        "strategies/school.html",
        "strategies/empty.html",
        "notebooks/collated_report.ipynb",
        "notebooks/strategy_roads.ipynb",
    ):
        assert (small_pack / name).is_file(), name
    assert not list(small_pack.parent.glob(".*building*")), "no staging folder left behind"


@pytest.mark.notebook
def test_strategy_page_shows_figures_sentences_and_sections(small_pack):
    page = parse(small_pack / "strategies" / "roads.html")
    text = " ".join(" ".join(page.text).split())
    for expected in (
        "Safer roads",
        "How is success measured?",
        "3 measures: 2 targeted and 1 measured only.",
        "Of the targeted measures: 1 achieving the target, 1 improving but not achieved.",
        "103 against a target of 100 (smaller is better): achieved within the tolerance of 5, "
        "3 short; down from 104 in Q3 2017/18.",
        "12 against a target of 10 (smaller is better): improving but not achieved, 2 short",
        "7 in Q4 2017/18: measured only, with no target.",
        "Poor: needs action",
        "Average: watch",
        "Speed camera maintenance",
        "Amber",
        "Commissioner's comments",
        "Appendix A: measures",
        "Pooled budgets",
    ):
        assert expected in text, expected
    school = " ".join(" ".join(parse(small_pack / "strategies" / "school.html").text).split())
    assert (
        "70% against a target of 72% (bigger is better): not achieved, 2 points short; "
        "down from 71% in 2016/17." in school
    )
    assert "No figure has been received for 2017/18" in school  # no data is shown, not dropped


@pytest.mark.notebook
def test_collated_report_links_every_strategy_and_lists_exceptions(small_pack):
    page = parse(small_pack / "index.html")
    text = " ".join(" ".join(page.text).split())
    for sid in ("roads", "school", "empty"):
        assert f"strategies/{sid}.html" in page.anchors
    assert "data-quality.html" in page.anchors
    assert "Good Level of Development" in text  # not achieved: an exception
    assert "Speed camera maintenance" in text  # the Poor contract
    assert "Safer roads" in text and "Amber" in text  # rated Amber
    assert "Measures by status" in text


@pytest.mark.notebook
def test_figures_csv_is_the_figures_of_the_pages(small_pack):
    import pandas as pd

    f = pd.read_csv(small_pack / "figures.csv")
    assert len(f) == 7 and f["measure_id"].is_unique
    row = f.set_index("measure_id").loc["S-01"]
    assert (row["actual"], row["target"], row["status"], row["previous_actual"]) == (
        70,
        72,
        "not_achieved",
        71,
    )
    assert row["direction"] == "worse" and row["source"] == "published"


@pytest.mark.notebook
def test_published_html_loads_nothing_from_the_network(small_pack):
    for page in small_pack.rglob("*.html"):
        p = parse(page)
        remote = [r for r in p.refs if re.match(r"(https?:)?//", r[2])]
        assert not remote, f"{page.name} loads {remote}"
        source = page.read_text(encoding="utf-8")
        assert "<script" not in source, f"{page.name} carries a script"
        assert "Content-Security-Policy" in source


@pytest.mark.notebook
def test_manifest_records_inputs_outputs_and_versions(small_pack):
    m = json.loads((small_pack / "manifest.json").read_text())
    inputs = {i["path"] for i in m["dataset"]["inputs"]}
    assert {"dataset.yaml", "measures.csv", "actuals.csv", "targets.csv"} <= inputs
    outputs = {o["path"]: o["sha256"] for o in m["outputs"]}
    assert "index.html" in outputs and "strategies/roads.html" in outputs
    for name in (
        "python",
        "perfanalysis",
        "pandas",
        "papermill",
        "nbconvert",
        "altair",
        "great-expectations",
    ):
        assert m["software"][name], name
    assert m["parameters"]["values"]["period"] == "Q4 2017/18"
    assert sum(m["measures_by_status"].values()) == 7


@pytest.mark.notebook
def test_a_failing_notebook_leaves_the_earlier_pack_untouched(tmp_path, small_pack):
    earlier = tmp_path / "pack"
    shutil.copytree(small_pack, earlier)
    before = tree_bytes(earlier)
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    nb = nbformat.read(notebooks / "strategy_report.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell('raise RuntimeError("the appendix broke")'))
    nbformat.write(nb, notebooks / "strategy_report.ipynb")
    params = tmp_path / "params.yaml"
    params.write_text(
        f"dataset: {ROOT / 'tests/data/small'}\nperiod: Q4 2017/18\n"
        f"strategies: all\nnotebooks: {notebooks}\n"
    )
    done = run_cli("run", str(params), "--out", str(earlier), "--jobs", "2", "--quiet")
    assert done.returncode == 3
    assert "strategy_report.ipynb" in done.stderr
    assert "RuntimeError: the appendix broke" in done.stderr
    assert "cell" in done.stderr
    assert tree_bytes(earlier) == before, "the earlier pack must stay exactly as it was"
    assert not list(tmp_path.glob(".pack.building*")), "no staging folder left behind"


def test_unknown_parameter_is_refused(tmp_path, capsys):
    from perfanalysis.cli import main

    params = tmp_path / "p.yaml"
    params.write_text(
        f"dataset: {ROOT / 'tests/data/small'}\nperiod: Q4 2017/18\nstrategy: roads\n"
    )
    # `perfanalysis run` as typed, in this process: the exit status and the message
    assert main(["run", str(params), "--out", str(tmp_path / "pack")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "unknown key 'strategy'" in err
    assert not (tmp_path / "pack").exists()


# --------------------------------------------------------------------------- Lincolnshire
@pytest.fixture(scope="module")
def lincs_pack(lincolnshire_pack):
    """The shared session pack of conftest.py (built once with `perfanalysis run`)."""
    return lincolnshire_pack


SEED_BOXES = {  # from shared/seeds/001_*: the contents order and every count box
    "children-safe-healthy": "4 measures: 4 targeted. "
    "Of the targeted measures: 4 achieving the target.",
    "learn-achieve": "5 measures: 5 targeted. Of the targeted measures: 2 achieving the target, "
    "1 improving but not achieved, 2 not achieving the target.",
    "readiness-adult-life": "3 measures: 3 targeted. Of the targeted measures: 2 achieving the "
    "target, 1 not achieving the target.",
    "readiness-school": "2 measures: 2 targeted. Of the targeted measures: 1 achieving the target, "
    "1 not achieving the target.",
    "business-economy": "4 measures: 4 targeted. Of the targeted measures: 4 achieving the target.",
    "environment": "8 measures: 4 targeted and 4 measured only. Of the targeted measures: "
    "2 achieving the target, 2 not achieving the target.",
    "infrastructure": "3 measures: 3 targeted. Of the targeted measures: 3 achieving the target.",
    "community-resilience-assets": "6 measures: 6 targeted. Of the targeted measures: 5 achieving "
    "the target, 1 not achieving the target.",
}


@pytest.mark.notebook
def test_lincolnshire_pack_matches_the_seed_report(lincs_pack):
    index = parse(lincs_pack / "index.html")
    linked = [a for a in index.anchors if a.startswith("strategies/")]
    assert linked[: len(SEED_BOXES)] == [f"strategies/{s}.html" for s in SEED_BOXES]
    for sid, box in SEED_BOXES.items():
        page = lincs_pack / "strategies" / f"{sid}.html"
        text = " ".join(" ".join(parse(page).text).split())
        assert box in text, sid
        assert page.stat().st_size < 1.5 * 1024 * 1024, f"{sid} is over 1.5 MB"


@pytest.mark.notebook
def test_rerun_one_strategy_after_a_corrected_figure(tmp_path):
    shutil.copytree(ROOT / "tests" / "data" / "small", tmp_path / "data")
    params = tmp_path / "p.yaml"
    params.write_text("dataset: data\nperiod: Q4 2017/18\nstrategies: all\n")
    pack = tmp_path / "pack"
    run_cli("run", str(params), "--out", str(pack), "--quiet", check=True)
    school_before = (pack / "strategies" / "school.html").read_bytes()
    actuals = tmp_path / "data" / "actuals.csv"
    actuals.write_text(actuals.read_text().replace("R-01,Q4 2017/18,103,", "R-01,Q4 2017/18,99,"))
    done = run_cli("run", str(params), "--out", str(pack), "--quiet", "--strategy", "roads")
    assert done.returncode == 0, done.stderr
    roads = " ".join(" ".join(parse(pack / "strategies" / "roads.html").text).split())
    assert "99 against a target of 100 (smaller is better): achieved" in roads
    assert (pack / "strategies" / "school.html").read_bytes() == school_before
    import pandas as pd

    figures = pd.read_csv(pack / "figures.csv").set_index("measure_id")
    assert figures.loc["R-01", "actual"] == 99
    m = json.loads((pack / "manifest.json").read_text())
    from perfanalysis.manifest import sha256

    for item in m["outputs"]:
        assert sha256(pack / item["path"]) == item["sha256"], item["path"]
    # the pack does not contradict itself: verify, from the pack alone, reproduces every file
    from perfanalysis import cli

    assert cli.main(["verify", str(pack), "--jobs", "2"]) == 0


@pytest.mark.notebook
def test_leicestershire_pack_has_a_page_for_every_supporting_outcome(leicestershire_pack):
    import perfanalysis as pa

    ds = pa.load(ROOT / "data" / "leicestershire")
    index = parse(leicestershire_pack / "index.html")
    for sid in ds.framework.strategies["strategy_id"]:
        assert f"strategies/{sid}.html" in index.anchors
        assert (leicestershire_pack / "strategies" / f"{sid}.html").is_file()
    text = " ".join(" ".join(index.text).split())
    assert "Supporting outcome" in text  # the council's own word for the level


@pytest.mark.notebook
def test_data_quality_page_shows_warnings_first_and_every_check(small_pack):
    text = " ".join(" ".join(parse(small_pack / "data-quality.html").text).split())
    assert text.index("Warnings") < text.index("Every check")
    assert "every measure should have an actual for the reporting period" in text
    assert "S-03" in text  # the measure with no figure for 2017/18
    index = " ".join(" ".join(parse(small_pack / "index.html").text).split())
    m = json.loads((small_pack / "manifest.json").read_text())
    warnings = m["data_quality"]["warnings"]
    assert warnings >= 1 and f"{warnings} warning" in index
