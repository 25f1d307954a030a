"""`perfanalysis init`: a new council starts from a skeleton that `validate` explains."""

from __future__ import annotations

import csv

from perfanalysis.cli import main
from perfanalysis.framework import TABLES
from perfanalysis.runner import read_parameters
from perfanalysis.safe_yaml import load_yaml


def test_init_writes_every_table_header_and_a_commented_parameters_file(tmp_path, capsys):
    folder = tmp_path / "newtown"
    assert main(["init", str(folder), "--organisation", "Newtown Borough Council"]) == 0
    assert "perfanalysis validate" in capsys.readouterr().out
    for name, spec in TABLES.items():
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows == [list(spec.columns)], name
    meta = load_yaml(folder / "dataset.yaml")
    assert meta["organisation"] == "Newtown Borough Council"
    assert meta["status_words"] == "achieved"
    text = (folder / "parameters.yaml").read_text(encoding="utf-8")
    assert "docs/parameters.md" in text and text.count("\n# ") >= 5
    params = read_parameters(folder / "parameters.yaml")
    assert params.dataset == folder.resolve() and params.period == "Q1 2024/25"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "Newtown Borough Council" in readme and "themes.csv" in readme


def test_validate_on_the_skeleton_says_what_to_fill_in_first(tmp_path, capsys):
    folder = tmp_path / "newtown"
    main(["init", str(folder), "--organisation", "Newtown Borough Council"])
    capsys.readouterr()
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "0 errors" in out
    assert "To fill in first: themes.csv has no rows yet" in out
    assert "Then: strategies.csv, measures.csv, targets.csv, actuals.csv." in out
    # with a theme written, strategies.csv comes first
    with (folder / "themes.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["place", "A great place to live", ""])
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "To fill in first: strategies.csv has no rows yet" in out
    assert "themes.csv" not in out.split("To fill in first")[1]


def test_init_never_writes_into_a_folder_with_files(tmp_path, capsys):
    folder = tmp_path / "existing"
    folder.mkdir()
    (folder / "themes.csv").write_text("theme_id,title\nmine,Mine\n", encoding="utf-8")
    assert main(["init", str(folder), "--organisation", "Newtown Borough Council"]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "Traceback" not in err
    assert (folder / "themes.csv").read_text(encoding="utf-8") == "theme_id,title\nmine,Mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"]
