"""What the data team sees in the Dagster UI: kinds, check blocking, and the metadata helpers
(rejected rows per provider, a whole database file, a frame, the distribution chart)."""

import datetime as dt

import geopandas as gpd
import pandas as pd

from assets.ingest.assets import rejected_rows_markdown
from assets.ingest.quarantine import IngestResult
from assets.metadata import frame_metadata
from assets.report.charts import distributions_png
from assets.report.data import ReportData
from pipelines.definitions import defs


def test_assets_validated_by_a_gx_suite_carry_the_great_expectations_kind():
    graph = defs.resolve_asset_graph()
    gx_assets = {k.asset_key for k in graph.asset_check_keys if k.name.endswith("_expectations")}
    assert len(gx_assets) == 8  # every ingested source
    for key in graph.get_all_asset_keys():
        kinds = graph.get(key).kinds
        assert kinds, f"{key.to_user_string()} has no kind"
        assert ("great_expectations" in kinds) == (key in gx_assets), key.to_user_string()


def test_only_the_status_class_check_lets_the_run_go_on():
    graph = defs.resolve_asset_graph()
    blocking = {k.name: graph.get_check_spec(k).blocking for k in graph.asset_check_keys}
    assert [name for name, blocks in blocking.items() if not blocks] == [
        "valid_areas_have_status_class"
    ]


def _rejection(provider: str, period: str | None, row: int, reason_code: str = "invalid_number"):
    return dict(
        source="measure_reports",
        file=f"providers/{provider}/reports/{period}.csv",
        row_number=row,
        column="Teilnehmende",
        value="zwölf | 12",
        reason_code=reason_code,
        reason="Teilnehmende: keine Zahl",
        provider_id=provider,
        period=period,
    )


def test_rejected_rows_are_listed_per_provider_as_in_the_feedback_files_and_capped():
    quarantine = pd.DataFrame(
        [_rejection("TR-01", "2025-03", row) for row in range(2, 25)]  # 23 rows
        + [_rejection("TR-02", "2025-04", 5)]
        + [_rejection("TR-02", "2025-04", 6, reason_code="superseded")]  # not a rejection
    )
    files = pd.DataFrame(
        {
            "file": ["providers/TR-01/reports/2025-03.csv", "providers/TR-02/reports/2025-04.csv"],
            "rows_in": [30, 10],
            "rows_loaded": [7, 8],
            "rows_quarantined": [23, 2],
            "provider_id": ["TR-01", "TR-02"],
            "period": ["2025-03", "2025-04"],
        }
    )
    text = rejected_rows_markdown(IngestResult(pd.DataFrame(), quarantine, files), shown=20)
    first, second = text.split("### ")[1:]
    assert first.startswith("TR-01: 23 abgelehnte Zeilen\nRückmeldedateien: `feedback/TR-01/")
    # header, separator and 20 of the 23 rows, then "… und 3 weitere" (23 - 20 = 3)
    assert sum(line.startswith("| providers/") for line in first.splitlines()) == 20
    assert "… und 3 weitere" in first
    assert second.startswith("TR-02: 1 abgelehnte Zeile\n")  # the superseded row is left out
    assert "weitere" not in second
    assert "zwölf \\| 12" in second  # a `|` in a value cannot split the table's cells
    assert "| Datei " in second and "| Grund " in second  # the feedback files' German columns
    empty = IngestResult(pd.DataFrame(), quarantine.iloc[:0], files)
    assert rejected_rows_markdown(empty) == "_(keine abgelehnten Zeilen)_"


def test_frame_metadata_describes_the_rows_an_asset_wrote():
    frame = pd.DataFrame({"area_id": ["SR-1", "SR-2", "SR-3"], "row": [2, 3, 4]})
    meta = frame_metadata(frame, preview_rows=2)
    assert meta["dagster/row_count"] == 3
    columns = [(c.name, c.type) for c in meta["dagster/column_schema"].columns]
    assert columns == [("area_id", "string"), ("row", "int64")]
    assert "SR-2" in meta["preview"].value and "SR-3" not in meta["preview"].value


def _report_data(values: pd.DataFrame) -> ReportData:
    empty = pd.DataFrame()
    catalog = pd.DataFrame(
        {"indicator_id": ["child_poverty", "sgb2_quota"], "label_de": ["Kinderarmut", "SGB II"]}
    )
    return ReportData(
        areas=gpd.GeoDataFrame(),
        catalog=catalog,
        values=values,
        social_index=empty,
        facilities=empty,
        supply=empty,
        measures=empty,
        kpi_status=empty,
        needs=empty,
        goals=empty,
        red_kpis=empty,
        metadata={},
    )


def test_distribution_chart_is_a_stable_png_and_absent_without_values():
    values = pd.DataFrame(
        {
            "municipality_ags": "05999000",
            "area_id": ["SR-1", "SR-2", "SR-3", "ALL"],
            "reference_date": pd.Timestamp(dt.date(2025, 12, 31)),
            "indicator_id": "child_poverty",
            "value": [12.0, 31.5, None, 20.0],  # SR-3 suppressed: left out, not drawn as 0
            "status": ["ok", "ok", "suppressed", "ok"],
            "note": None,
        }
    )
    png = distributions_png(_report_data(values))
    assert png.startswith(b"\x89PNG")
    assert distributions_png(_report_data(values)) == png  # the same data, the same bytes
    assert distributions_png(_report_data(values.assign(value=None))) is None
