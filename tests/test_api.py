"""The public API is small on purpose: what analysts type is exported, and only that."""

import perfanalysis as pa


def test_exported_members_are_exactly_the_public_api():
    public = {name for name in dir(pa) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(pa, name)).__name__ == "module"}
    assert public - modules == set(pa.__all__) - {"__version__"}


def test_notebook_facing_names_exist():
    for name in (
        "load",
        "spc",
        "Period",
        "Status",
        "PerfanalysisError",
        "DataError",
        "proportion_ci",
        "rate_ci",
        "significance",
    ):
        assert name in pa.__all__
    ds = pa.load("tests/data/small")
    assert {
        "measure_id",
        "strategy_id",
        "outcome_id",
        "title",
        "unit",
        "polarity",
        "targeted",
        "period",
        "actual",
        "target",
        "tolerance",
        "previous_actual",
        "status",
        "status_label",
    } <= set(ds.assess("Q4 2017/18").columns)
    assert {
        "strategy_id",
        "title",
        "measures",
        "targeted",
        "measured",
        "achieving",
        "improving",
        "not_achieving",
        "no_data",
    } <= set(ds.summary("Q4 2017/18").columns)


def test_what_the_analyst_guide_calls_is_exported():
    """docs/analysts.md and the notebooks call these; each is in `__all__` and documented."""
    for name in ("show", "ChartView", "UnknownIdError", "last_traceback", "load", "Dataset"):
        assert name in pa.__all__
    for method in ("assess", "history", "chart", "spc", "highlight", "summary"):
        doc = getattr(pa.Dataset, method).__doc__
        assert doc and ("Raises" in doc or "raises" in doc), method
    assert "Columns" in pa.Dataset.periods.__doc__
    assert "Example" in pa.Dataset.assess.__doc__ and "status_label" in pa.Dataset.assess.__doc__
