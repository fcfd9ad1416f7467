"""What the UI shows about the published file: its tables with their rows and columns, and the
disclosure audit with its blocking check (issue 17, item 5).

The file is the small hand-made published file of `tests/test_exports.py` (k = 3), with rows
added below whose findings are worked out by hand.
"""

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.publish.assets import audit_message, published_file_metadata
from assets.publish.disclosure_audit import Finding, audit_published_file, count_columns
from assets.publish.queries import COUNT_NUMERATORS
from assets.resources import DataRoot, Warehouse
from checks.published_checks import published_file_passed_disclosure_control
from tests.test_exports import build, settings

DISCLOSURE = settings()["disclosure"]  # min_count 3, min_survey_n 5
SMALL = "veröffentlichte Fallzahl zwischen 1 und 2 (min_count = 3)"
ALONE = (
    "einzige gesperrte Zelle ihrer Gruppe, deren Gesamtwert (ALL) veröffentlicht ist: "
    "Gesamtwert minus veröffentlichte Zellen gibt sie zurück"
)
COUNT_TABLES = {
    "areas",
    "indicator_values",
    "allocation",
    "supply",
    "measure_kpis",
    "kpi_status",
    "kpi_status_rolling",
    "needs_survey",
}


@pytest.fixture
def published(tmp_path) -> Path:
    return build(tmp_path / "sozialplanung.duckdb", settings())


def add(path: Path, table: str, rows: list[tuple]) -> None:
    con = duckdb.connect(str(path))
    for row in rows:
        con.execute(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in row)})", list(row))
    con.close()


def audit(path: Path) -> tuple[list[Finding], list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return audit_published_file(con, DISCLOSURE)
    finally:
        con.close()


def test_the_small_published_file_passes_and_every_table_with_counts_is_scanned(published):
    findings, scanned = audit(published)
    assert findings == []
    assert set(scanned) == COUNT_TABLES


def test_the_audited_count_columns_are_the_head_counts_of_the_published_tables():
    kpi_counts = ("participants", "target_group_participants", "new_participants", "satisfaction_n")
    assert count_columns() == {
        "areas": {"population": None},
        "indicator_values": {
            "numerator": ("indicator_id", tuple(sorted(COUNT_NUMERATORS))),
            "denominator": None,
        },
        "allocation": {"basis_count": None},
        "supply": {"target_population": None},
        "measure_kpis": dict.fromkeys([*kpi_counts, "target_population"]),
        "kpi_status": {"actual": ("kpi", kpi_counts)},
        "kpi_status_rolling": {"actual": ("kpi", kpi_counts)},
        "needs_survey": {"n": None},
    }
    assert "population_change" not in COUNT_NUMERATORS  # a difference, no head count


def test_a_published_count_of_2_is_reported_with_its_table_column_and_row(published):
    square = "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))"
    add(published, "areas", [("05999000", "SR-03", "Ost", "Ost", 0.01, 2, "2025-12-31", square)])
    add(
        published,
        "indicator_values",
        [
            # a head count numerator of 2: reported; a population change of 2 is no head count
            ("05999000", "SR-03", "2025-12-31", "sgb2_quota", 2, 50, 4.0, "ok", None),
            ("05999000", "SR-03", "2025-12-31", "population_change", 2, 50, 4.0, "ok", None),
        ],
    )
    findings, _ = audit(published)
    assert findings == [
        Finding(
            "indicator_values",
            "numerator",
            "municipality_ags=05999000, area_id=SR-03, reference_date=2025-12-31, "
            "indicator_id=sgb2_quota",
            SMALL,
        ),
        Finding("areas", "population", "municipality_ags=05999000, area_id=SR-03", SMALL),
    ]


def test_the_only_hidden_cell_of_a_group_with_a_published_total_is_reported(published):
    # sgb2_quota at 2025-12-31: SR-01 12/100 published, SR-02 hidden (numerator NULL,
    # denominator 80 published); the ALL row 15/180 gives SR-02's numerator back: 15 - 12 = 3
    add(
        published,
        "indicator_values",
        [("05999000", "ALL", "2025-12-31", "sgb2_quota", 15, 180, 8.3, "ok", None)],
    )
    findings, _ = audit(published)
    assert findings == [
        Finding(
            "indicator_values",
            "numerator",
            "municipality_ags=05999000, area_id=SR-02, reference_date=2025-12-31, "
            "indicator_id=sgb2_quota",
            ALONE,
        )
    ]
    # a not computable row is not hidden; a second hidden cell protects the first:
    # 20 - 12 = 8 = SR-02 + SR-03, neither comes back
    add(
        published,
        "indicator_values",
        [
            (
                "05999000",
                "SR-04",
                "2025-12-31",
                "sgb2_quota",
                None,
                None,
                None,
                "not_computable",
                "x",
            ),
            ("05999000", "SR-03", "2025-12-31", "sgb2_quota", None, 50, None, "suppressed", None),
        ],
    )
    con = duckdb.connect(str(published))
    con.execute("UPDATE indicator_values SET numerator = 20 WHERE area_id = 'ALL'")
    con.close()
    assert audit(published)[0] == []


def test_hidden_survey_cells_holding_fewer_than_min_survey_n_answers_are_reported(published):
    def needs(area: str, n: int | None) -> tuple:
        status = "ok" if n is not None else "suppressed"
        return ("05999000", area, "Jugendarbeit", "residents", n, None, None, status, None)

    # ALL 16 - published 12 = 4 answers in SR-02 and SR-03 together: fewer than 5
    add(published, "needs_survey", [needs("ALL", 16), needs("SR-01", 12), needs("SR-02", None)])
    add(published, "needs_survey", [needs("SR-03", None)])
    findings, _ = audit(published)
    assert [(f.table, f.column, f.row) for f in findings] == [
        (
            "needs_survey",
            "n",
            f"municipality_ags=05999000, area_id={area}, topic=Jugendarbeit, "
            "respondent_group=residents",
        )
        for area in ("SR-02", "SR-03")
    ]
    assert findings[0].reason.startswith(
        "gesperrte Zellen der Gruppe halten zusammen weniger als 5"
    )


def test_the_check_fails_with_the_findings_in_its_metadata(published, tmp_path):
    add(
        published,
        "indicator_values",
        [("05999000", "SR-03", "2025-12-31", "sgb2_quota", 2, 50, 4.0, "ok", None)],
    )
    result = published_file_passed_disclosure_control(
        data_root=DataRoot(data_dir=str(tmp_path / "root")),  # no settings.yaml: k = 3
        warehouse=Warehouse(warehouse_dir=str(tmp_path)),
    )
    assert isinstance(result, dg.AssetCheckResult)
    assert result.passed is False and result.severity == dg.AssetCheckSeverity.ERROR
    metadata = {key: getattr(value, "value", value) for key, value in result.metadata.items()}
    assert metadata["findings"] == 1 and metadata["min_count"] == 3
    assert metadata["tables_scanned"] == len(COUNT_TABLES)
    assert "area_id=SR-03" in metadata["first_findings"] and SMALL in metadata["first_findings"]


def test_a_failed_publish_says_what_was_found_and_that_the_old_file_stays():
    finding = Finding("areas", "population", "municipality_ags=05999000, area_id=SR-03", SMALL)
    assert audit_message([finding], "sozialplanung.duckdb").splitlines() == [
        "Geheimhaltungsprüfung nicht bestanden: 1 Befund. sozialplanung.duckdb nicht "
        "veröffentlicht, die bisherige Datei bleibt.",
        f"- areas.population (municipality_ags=05999000, area_id=SR-03): {SMALL}",
    ]


def test_the_check_fails_when_there_is_no_published_file(tmp_path):
    result = published_file_passed_disclosure_control(
        data_root=DataRoot(data_dir=str(tmp_path / "root")),
        warehouse=Warehouse(warehouse_dir=str(tmp_path / "wh")),
    )
    assert result.passed is False and "sozialplanung.duckdb fehlt" in result.description


def test_the_ui_shows_each_table_with_its_rows_and_commented_columns(published):
    con = duckdb.connect(str(published), read_only=True)
    try:
        metadata = published_file_metadata(con)
    finally:
        con.close()
    # the rows of tests/test_exports.py's ROWS, counted by hand; empty tables show 0
    assert metadata["rows_areas"] == 2
    assert metadata["rows_indicator_values"] == 5
    assert metadata["rows_kpi_status"] == 6
    assert metadata["rows_measures"] == 2 and metadata["rows_supply"] == 0
    assert metadata["dagster/row_count"] == 5  # the main table, indicator_values
    areas = metadata["columns_areas"].value
    assert [c.name for c in areas.columns] == [
        "municipality_ags",
        "area_id",
        "area_name",
        "district_name",
        "area_km2",
        "population",
        "population_date",
        "geometry_wkt",
    ]
    by_name = {c.name: c for c in areas.columns}
    assert by_name["area_id"].description == (
        "Sozialraum-ID ('ALL' = gesamte Kommune) | area id ('ALL' = whole municipality)"
    )
    assert by_name["population"].type == "BIGINT"
    assert "| areas " in metadata["tables"].value and "Sozialräume mit Fläche" in (
        metadata["tables"].value
    )
