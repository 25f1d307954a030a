"""Chart specs built without Altair: valid Vega-Lite, the figures plotted, the colours and shapes.

The builders in `perfanalysis.charts` write Vega-Lite specs as plain dicts. These tests read the
specs as a person reading the chart would: which values are plotted, which line is dashed and in
which colour, how this period's marker is drawn, what the title and text alternative say; that
every spec is valid against the Vega-Lite schema; that Altair reads each back as the same chart;
and that drawing a pack never imports Altair.
"""

from __future__ import annotations

import html
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import perfanalysis as pa
from perfanalysis import charts
from perfanalysis.drawing import histories_with_intervals

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pack():
    from perfanalysis.report import prepare

    return prepare(pa.load(ROOT / "data" / "lincolnshire"), "Q4 2017/18")


@pytest.fixture(scope="module")
def specs(pack) -> dict[str, dict]:
    """Every chart of the Lincolnshire pack as a spec, and a year-to-date chart of each measure."""
    from perfanalysis.pages import CollatedPage
    from perfanalysis.status import status_words

    rows = pack.figures.set_index("measure_id", drop=False)
    keys = charts.chart_keys(pack)
    history = histories_with_intervals(pack.dataset, [k[8:] for k in keys if k[:8] == "measure:"])
    out = {}
    for key in keys:
        kind, _, mid = key.partition(":")
        if kind == "measure":
            out[key] = charts.measure_chart(history[mid], rows.loc[mid])
            ytd = rows.loc[mid].copy()
            ytd["cumulative"] = True
            out["ytd:" + mid] = charts.measure_chart(history[mid], ytd)
        elif kind == "xmr":
            out[key] = charts.xmr_chart(pack.spc[mid], rows.loc[mid])
        else:
            summary = CollatedPage(pack).summary
            out[key] = charts.status_chart(summary, status_words(pack.dataset.meta))
    return out


def _schema_validator():
    import jsonschema

    # Altair's copy of the Vega-Lite schema, found without importing Altair
    where = Path(importlib.util.find_spec("altair").submodule_search_locations[0])
    schema = json.loads((where / "vegalite/v6/schema/vega-lite-schema.json").read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def _data(spec: dict, layer: dict) -> list[dict]:
    name = (layer.get("data") or spec["data"])["name"]
    return spec["datasets"][name]


def _layer(spec: dict, mark: str, **props) -> list[dict]:
    def matches(layer: dict) -> bool:
        m = layer["mark"]
        return m["type"] == mark and all(m.get(k) == v for k, v in props.items())

    return [layer for layer in spec["layer"] if matches(layer)]


def test_every_chart_of_a_pack_is_valid_vega_lite(specs) -> None:
    validator = _schema_validator()
    kinds = {key.split(":")[0] for key in specs}
    assert kinds == {"measure", "ytd", "xmr", "status-by-strategy"}
    for key, spec in specs.items():
        errors = [e.message for e in validator.iter_errors(spec)]
        assert not errors, (key, errors[:3])
        assert spec["$schema"] == charts.SCHEMA_URL
        json.dumps(spec, allow_nan=False)  # plain JSON: no NaN, no numpy numbers


def test_the_schema_check_can_fail(specs) -> None:
    broken = dict(specs["status-by-strategy"])
    broken["layer"] = [{**broken["layer"][0], "mark": {"type": "pie-slice"}}]
    assert list(_schema_validator().iter_errors(broken))


def test_altair_reads_each_spec_back_as_the_same_chart(specs) -> None:
    import altair as alt

    for key in ["measure:CRA-06", "ytd:CRA-06", "xmr:CRA-01", "status-by-strategy"]:
        chart = specs[key].to_altair()
        assert isinstance(chart, alt.LayerChart)
        assert chart.to_dict(validate=False) == specs[key], key


def test_measure_chart_plots_the_measures_figures_and_marks_this_period(pack) -> None:
    ds = pack.dataset
    row = pack.figures.set_index("measure_id").loc["CRA-06"].copy()
    row["measure_id"] = "CRA-06"
    history = histories_with_intervals(ds, ["CRA-06"])["CRA-06"]
    spec = charts.measure_chart(history, row)

    (actual,) = _layer(spec, "line", color=charts.MARK_COLOURS["actual"])
    plotted = [(r["period"], r["actual"]) for r in _data(spec, actual)]
    expected = [(str(p), float(v)) for p, v in zip(history["period"], history["actual"])]
    assert plotted == expected
    assert actual["encoding"]["y"]["title"] == "Per cent"
    first = _data(spec, actual)[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00", first["end"])  # a date Vega reads locally

    (target,) = _layer(spec, "line", color="#F46A25")
    assert target["mark"]["strokeDash"] == [6, 4]  # told apart by its dashes, not colour alone

    (now,) = _layer(spec, "point", size=220)
    colour, shape = charts.STATUS_STYLE[row["status"]]
    assert (now["mark"]["color"], now["mark"]["shape"]) == (colour, shape)
    assert [r["period"] for r in _data(spec, now)] == ["Q4 2017/18"]

    (ci,) = _layer(spec, "rule")
    with_ci = [r for r in _data(spec, ci) if r["ci95_lower"] is not None]
    assert with_ci and all(r["ci95_lower"] < r["actual"] < r["ci95_upper"] for r in with_ci)

    assert spec["title"]["text"] == ["Customer satisfaction with the Customer Service", "Centre"]
    assert spec["title"]["subtitle"][-1] == "Vertical bars: 95% confidence interval."
    assert spec["description"].startswith(
        "Line chart of Customer satisfaction with the Customer Service Centre from Q1 2013/14"
    )
    assert "Q4 2017/18 93.5%" in spec["description"]


def test_a_measure_without_a_figure_this_period_shares_one_dataset() -> None:
    history = pd.DataFrame(
        {
            "period": ["2018/19", "2019/20", "2020/21"],
            "start": pd.to_datetime(["2018-04-01", "2019-04-01", "2020-04-01"]),
            "end": pd.to_datetime(["2019-03-31", "2020-03-31", "2021-03-31"]),
            "actual": [58.2, 60.0, np.nan],
            "target": [61.1, 61.1, 61.1],
            "tolerance": [1.0, 1.0, 1.0],
        }
    )
    row = {"title": "Housing meets local needs", "unit": "percent", "decimals": 1,
           "polarity": "higher", "period": "2020/21", "status": "no_data"}  # fmt: skip
    spec = charts.measure_chart(history, row)
    assert list(spec["datasets"]) == [spec["data"]["name"]]  # one frame, named once at the top
    assert not _layer(spec, "point", size=220)  # no figure this period: no marker
    (band,) = _layer(spec, "area")
    lows = [(r["band_low"], r["band_high"]) for r in _data(spec, band)]
    assert lows == [(60.1, 61.1)] * 3  # higher is better: the band lies below the target
    assert spec["datasets"][spec["data"]["name"]][2]["actual"] is None
    assert spec["title"]["subtitle"][0] == "2020/21: \u2014 No data"


def test_a_year_to_date_measure_draws_one_line_per_financial_year(specs) -> None:
    spec = specs["ytd:CRA-01"]
    (years,) = [layer for layer in spec["layer"] if "color" in layer["encoding"]]
    colour = years["encoding"]["color"]
    assert colour["scale"]["domain"] == ["2015/16", "2016/17", "2017/18"]
    assert colour["scale"]["range"] == ["#3D3D3D", "#28A197", "#12436D"]
    assert years["encoding"]["shape"]["scale"]["range"] == ["circle", "square", "triangle-up"]
    assert years["encoding"]["x"]["sort"] == ["Q1", "Q2", "Q3", "Q4"]
    assert {r["year"] for r in _data(spec, years)} == {"2015/16", "2016/17", "2017/18"}
    assert spec["description"].endswith("each financial year is drawn as its own line.")


def test_xmr_chart_marks_special_causes_by_shape_and_colour(pack, specs) -> None:
    spec = specs["xmr:CRA-01"]
    result = pack.spc["CRA-01"]
    (points,) = _layer(spec, "point")
    kinds = points["encoding"]["shape"]["scale"]
    assert kinds["domain"] == [v[2] for v in charts.SPC_STYLE.values()]
    assert kinds["range"] == [v[1] for v in charts.SPC_STYLE.values()]
    values = [r["value"] for r in _data(spec, points)]
    assert values == [float(v) for v in result.points["value"]]
    (target,) = _layer(spec, "rule")
    assert _data(spec, target) == [{"target": float(result.target)}]
    assert {layer["encoding"]["y"]["field"] for layer in spec["layer"]} >= {"mean", "upl", "lpl"}
    assert spec["description"].startswith("XmR chart of ")


def test_status_chart_counts_each_strategys_measures(pack, specs) -> None:
    from perfanalysis.pages import CollatedPage

    spec = specs["status-by-strategy"]
    summary = CollatedPage(pack).summary
    bars = _layer(spec, "bar")[0]
    drawn = {(r["title"], r["status"]): r["count"] for r in _data(spec, bars)}
    columns = ["achieving", "improving", "not_achieving", "measured", "no_data", "no_target"]
    expected = {
        (title, col): int(n)
        for title, row in summary.set_index("title")[columns].iterrows()
        for col, n in row.items()
        if n > 0
    }
    assert drawn == expected and sum(drawn.values()) > 50
    colour = bars["encoding"]["color"]["scale"]
    assert colour["domain"][:3] == ["Achieving", "Improving but not achieved", "Not achieved"]


def test_records_are_plain_json_values() -> None:
    frame = pd.DataFrame(
        {
            "n": np.array([1, 2], dtype="int64"),
            "x": [1.5, np.nan],
            "inf": [np.inf, 2.0],
            "flag": [True, False],
            "when": pd.to_datetime(["2018-03-31", None]),
            "label": pd.Series(["a", None], dtype="str"),
            "cat": pd.Categorical(["Q1", None]),
            "maybe": pd.array([3, None], dtype="Int64"),
        }
    )
    got = charts.records(frame)
    assert got == [
        {"n": 1, "x": 1.5, "inf": None, "flag": True, "when": "2018-03-31T00:00:00",
         "label": "a", "cat": "Q1", "maybe": 3},
        {"n": 2, "x": None, "inf": 2.0, "flag": False, "when": "", "label": None,
         "cat": None, "maybe": None},
    ]  # fmt: skip
    assert [type(v) for v in got[0].values()] == [int, float, type(None), bool, str, str, str, int]
    assert not any(isinstance(v, float) and math.isnan(v) for r in got for v in r.values())
    # times of day, fractions of a second and time zones are kept, as Vega reads them
    times = pd.Series(
        pd.to_datetime(["2018-03-31 14:30:00", "2018-03-31 00:00:00.5"], format="mixed")
    )
    london = pd.Series(pd.to_datetime(["2018-06-30"])).dt.tz_localize("Europe/London")
    assert [r["t"] for r in charts.records(pd.DataFrame({"t": times}))] == [
        "2018-03-31T14:30:00",
        "2018-03-31T00:00:00.500000",
    ]
    assert charts.records(pd.DataFrame({"t": london})) == [{"t": "2018-06-30T00:00:00+01:00"}]


def test_svg_is_named_by_the_charts_title_and_text_alternative(specs) -> None:
    spec = specs["measure:CRA-06"]
    svg = charts.to_svg(spec, "chart-CRA-06")
    opening = svg[: svg.index(">") + 1]
    assert 'role="img"' in opening
    assert 'aria-labelledby="chart-CRA-06-title chart-CRA-06-desc"' in opening
    title = re.search(r'<title id="chart-CRA-06-title">(.*?)</title>', svg).group(1)
    desc = re.search(r'<desc id="chart-CRA-06-desc">(.*?)</desc>', svg).group(1)
    assert html.unescape(title) == " ".join(spec["title"]["text"])
    assert html.unescape(desc) == spec["description"]


def test_drawing_a_packs_charts_never_imports_altair() -> None:
    code = (
        "import sys, perfanalysis as pa\n"
        "from perfanalysis.report import prepare, render_charts\n"
        f"pack = prepare(pa.load({str(ROOT / 'data' / 'lincolnshire')!r}), 'Q4 2017/18')\n"
        "svgs = render_charts(pack, ['children-safe-healthy'], jobs=1)\n"
        "assert len(svgs) > 5 and all(s.startswith('<svg') for s in svgs.values())\n"
        "print('altair' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


def _renamed_font(source: Path, family: str, target: Path) -> None:
    """Copy a TrueType font, with its name table replaced by one that names it `family`.

    The glyphs and their widths stay the source's: a font that calls itself Liberation Sans but
    measures text differently, as another machine's font of that name might.
    """
    data = bytearray(source.read_bytes())
    count = int.from_bytes(data[4:6], "big")
    names = {1: family, 2: "Regular", 4: family, 6: family.replace(" ", "")}
    strings = [text.encode("utf-16-be") for text in names.values()]
    records = b""
    offset = 0
    for (name_id, _), raw in zip(names.items(), strings):
        records += b"".join(n.to_bytes(2, "big") for n in (3, 1, 0x409, name_id, len(raw), offset))
        offset += len(raw)
    table = (
        b"".join(n.to_bytes(2, "big") for n in (0, len(names), 6 + len(records)))
        + records
        + b"".join(strings)
    )
    while len(data) % 4:
        data.append(0)
    for i in range(count):
        entry = 12 + 16 * i
        if data[entry : entry + 4] == b"name":
            data[entry + 8 : entry + 12] = len(data).to_bytes(4, "big")
            data[entry + 12 : entry + 16] = len(table).to_bytes(4, "big")
    target.write_bytes(bytes(data) + table)


@pytest.mark.slow
def test_charts_do_not_depend_on_the_machines_fonts(specs, tmp_path) -> None:
    """A machine whose 'Liberation Sans' measures text differently draws the same charts.

    Each drawing runs in a new process (vl-convert loads its fonts once per process). The
    control draws with vl-convert directly on that machine: the font does change a chart there,
    so the equality is not an accident of the font.
    """
    source = next(iter(sorted(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"))), None)
    if source is None:
        pytest.skip("no DejaVu Sans on this machine to disguise as Liberation Sans")
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    _renamed_font(source, "Liberation Sans", fonts / "Disguised.ttf")
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"<?xml version='1.0'?><fontconfig><dir>{fonts}</dir></fontconfig>")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(specs["measure:CRA-06"]))
    draw = (
        "import json, os, sys, vl_convert\n"
        "from perfanalysis import charts\n"
        f"spec = json.load(open({str(spec)!r}))\n"
        "if sys.argv[1] == 'ours':\n"
        "    svg = charts.to_svg(spec, 'c')\n"
        "    print(os.environ.get('FONTCONFIG_FILE', ''), file=sys.stderr)\n"
        "else:\n"
        "    svg = vl_convert.vegalite_to_svg(spec)\n"
        "print(svg)\n"
    )

    def svg(how: str, env: dict[str, str]) -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "-c", draw, how], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout, done.stderr.strip()

    plain = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    other_machine = {**plain, "FONTCONFIG_FILE": str(conf)}
    here, _ = svg("ours", plain)
    there, left = svg("ours", other_machine)
    assert there == here
    assert left == str(conf)  # the user's own setting is back once the fonts are loaded
    assert svg("direct", other_machine)[0] != svg("direct", plain)[0]
