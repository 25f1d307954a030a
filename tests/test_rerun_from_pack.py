"""An auditor's journey: a pack copied anywhere, its source dataset gone, reruns and verifies.

The pack (conftest `audit_pack`) was built from a copy of the small dataset that was deleted
afterwards, with a temp folder holding booby-trapped pickles where the old runner kept its
shared prepared files.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from perfanalysis import cli
from perfanalysis.publish import normalise_notebook, notebook_to_html

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.notebook


def outputs(nb: nbformat.NotebookNode) -> list[list[dict]]:
    return [c.get("outputs", []) for c in nb.cells]


def test_every_notebook_reruns_from_a_copy_with_the_dataset_gone(audit_pack, tmp_path):
    copy = tmp_path / "somewhere" / "pack"
    shutil.copytree(audit_pack["pack"], copy)
    assert not (audit_pack["base"] / "data").exists(), "the source dataset is gone"
    notebooks = sorted((copy / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 4  # the collated report and three strategies
    for path in notebooks:
        published = nbformat.read(path, as_version=4)
        params = published.metadata["papermill"]["parameters"]
        assert params["dataset"] == "../inputs" and params["prepared"] == "../prepared"
        out = tmp_path / f"rerun-{path.name}"
        # As an auditor types it: papermill NB OUT --cwd notebooks/ (no parameters given).
        pm.execute_notebook(
            str(path), str(out), cwd=str(copy / "notebooks"), progress_bar=False,
            kernel_name="python3",
        )  # fmt: skip
        rerun = nbformat.read(out, as_version=4)
        assert outputs(rerun) == outputs(published), path.name
        page = "index.html" if path.name == "collated_report.ipynb" else (
            f"strategies/{path.stem.removeprefix('strategy_')}.html"
        )  # fmt: skip
        html = notebook_to_html(normalise_notebook(rerun, published.metadata["title"]))
        assert html == (copy / page).read_text(encoding="utf-8"), page


def test_verify_on_the_copy_exits_0(audit_pack, tmp_path, capsys):
    copy = tmp_path / "elsewhere" / "pack"
    shutil.copytree(audit_pack["pack"], copy)
    assert cli.main(["verify", str(copy), "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "identical: every output was reproduced byte for byte" in out
    assert "input changed" not in out


def test_verify_names_an_edited_input_in_the_pack(audit_pack, tmp_path, capsys):
    copy = tmp_path / "pack"
    shutil.copytree(audit_pack["pack"], copy)
    actuals = copy / "inputs" / "actuals.csv"
    actuals.write_text(actuals.read_text().replace("S-01,2017/18,70,", "S-01,2017/18,73,"))
    assert cli.main(["verify", str(copy), "--jobs", "2"]) == 1
    out = capsys.readouterr().out
    assert "input changed: actuals.csv" in out
    assert "S-01  actual: '70' -> '73'" in out
    assert "output differs: prepared/tables/figures.parquet" in out


def test_the_temp_folder_is_never_read_nor_left_with_files(audit_pack):
    # publish_pack already compared the temp folder before and after the run, byte for byte
    assert not audit_pack["marker"].exists(), "a planted pickle was loaded"
    assert [p.name for p in audit_pack["tmpdir"].iterdir()] == ["perfanalysis-prepared"]
    assert not list(audit_pack["pack"].rglob("*.pkl"))


def test_the_package_has_no_pickle_and_no_shared_temp_paths():
    """No module imports pickle, names the temp folder, or makes a temp folder but mkdtemp."""
    for path in sorted((ROOT / "perfanalysis").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not {"pickle", "dill", "cloudpickle", "shelve"} & set(names), path.name
            if isinstance(node, ast.Attribute) and node.attr in (
                "gettempdir", "mkstemp", "NamedTemporaryFile", "TemporaryDirectory", "mktemp",
            ):  # fmt: skip
                pytest.fail(f"{path.name} uses tempfile.{node.attr}: only a private mkdtemp")
        assert "PREPARED_DIR" not in path.read_text(encoding="utf-8"), path.name


def test_prepared_folder_is_open_and_documented(audit_pack):
    prepared = audit_pack["pack"] / "prepared"
    description = json.loads((prepared / "pack.json").read_text(encoding="utf-8"))
    assert description["format"] == "perfanalysis-prepared" and description["version"] == 1
    assert description["period"] == "Q4 2017/18"
    manifest = json.loads((audit_pack["pack"] / "manifest.json").read_text(encoding="utf-8"))
    assert description["dataset"]["inputs"] == manifest["dataset"]["inputs"]
    listed = {o["path"] for o in manifest["outputs"]}
    for p in prepared.rglob("*"):
        if p.is_file():
            assert p.suffix in (".json", ".parquet", ".svg"), p.name
            assert p.relative_to(audit_pack["pack"]).as_posix() in listed
    import pandas as pd

    figures = pd.read_parquet(prepared / description["tables"]["figures"]["file"])
    assert len(figures) == description["tables"]["figures"]["rows"]
    assert set(description["tables"]["figures"]["columns"]) == set(figures.columns)


def test_a_notebook_without_prepared_goes_through_the_gate(tmp_path):
    """An analyst running strategy_report.ipynb alone on data with an error: the gate stops it."""
    shutil.copytree(ROOT / "tests" / "data" / "small", tmp_path / "data")
    measures = tmp_path / "data" / "measures.csv"
    lines = measures.read_text().splitlines()
    lines[1] = lines[1].replace(",count,", ",furlongs,", 1)
    measures.write_text("\n".join(lines) + "\n")
    with pytest.raises(pm.PapermillExecutionError, match="ValidationFailed"):
        pm.execute_notebook(
            str(ROOT / "notebooks" / "strategy_report.ipynb"), str(tmp_path / "out.ipynb"),
            parameters={"dataset": str(tmp_path / "data"), "strategy_id": "roads"},
            cwd=str(tmp_path), progress_bar=False, kernel_name="python3",
        )  # fmt: skip


def test_pack_without_inputs_needs_the_data_to_verify(tmp_path, capsys):
    shutil.copytree(ROOT / "tests" / "data" / "small", tmp_path / "data")
    (tmp_path / "q4.yaml").write_text(
        "dataset: data\nperiod: Q4 2017/18\nstrategies: [roads]\ninputs: false\n"
    )
    assert cli.main(["run", str(tmp_path / "q4.yaml"), "--out", str(tmp_path / "pack"),
                     "--quiet", "--jobs", "2"]) == 0  # fmt: skip
    pack = tmp_path / "pack"
    assert not (pack / "inputs").exists() and (pack / "prepared" / "pack.json").is_file()
    # the notebooks still rerun from the prepared figures alone
    nb = pack / "notebooks" / "strategy_roads.ipynb"
    pm.execute_notebook(str(nb), str(tmp_path / "o.ipynb"), cwd=str(pack / "notebooks"),
                        progress_bar=False, kernel_name="python3")  # fmt: skip
    assert outputs(nbformat.read(tmp_path / "o.ipynb", 4)) == outputs(nbformat.read(nb, 4))
    capsys.readouterr()
    assert cli.main(["verify", str(pack)]) == 2
    assert "published without its inputs" in capsys.readouterr().err
    assert cli.main(["verify", str(pack), "--data", str(tmp_path / "data"), "--jobs", "2"]) == 0


def test_one_strategy_rerun_on_unchanged_data_keeps_the_other_pages(audit_pack, tmp_path, capsys):
    pack = tmp_path / "pack"
    shutil.copytree(audit_pack["pack"], pack, copy_function=shutil.copy2)
    shutil.copytree(pack / "inputs", tmp_path / "data")  # the same bytes, in another place
    (tmp_path / "q4.yaml").write_text("dataset: data\nperiod: Q4 2017/18\nstrategies: all\n")
    school = (pack / "strategies" / "school.html").stat().st_mtime_ns
    roads = (pack / "strategies" / "roads.html").stat().st_mtime_ns
    code = cli.main(["run", str(tmp_path / "q4.yaml"), "--out", str(pack), "--quiet",
                     "--strategy", "roads", "--jobs", "2"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert (pack / "strategies" / "school.html").stat().st_mtime_ns == school, "kept as it was"
    assert (pack / "strategies" / "roads.html").stat().st_mtime_ns != roads, "rebuilt"
    from conftest import tree_digest

    assert {k: v for k, v in tree_digest(pack).items() if k != "manifest.json"} == {
        k: v for k, v in tree_digest(audit_pack["pack"]).items() if k != "manifest.json"
    }, "the same data gives the same bytes, whichever pages were rebuilt"
