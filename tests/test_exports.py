"""The published file's views, comments and exports on a small hand-made published file.

The file is built the way the publish asset builds it (every published table, then
`document_published_file`), with a few rows whose expected views and texts are worked out below.
"""

import copy
import datetime as dt
from pathlib import Path

import duckdb
import geopandas as gpd
import pyogrio
import pytest
from openpyxl import load_workbook

from assets.planning import KPI_NAMES
from assets.publish.docs import document_published_file
from assets.publish.exports import write_exports
from assets.publish.geopackage import GPKG
from assets.publish.swap import publish_atomically
from assets.publish.views import KPI_TEXT, german_number, views
from assets.publish.workbook import SHEETS, XLSX
from assets.registry import PUBLISHED_DDL
from assets.settings import DEFAULTS

SQUARE = "POLYGON((0 0, 100 0, 100 100, 0 100, 0 0))"
ROWS = {
    "areas": [
        ("05999000", "SR-01", '=HYPERLINK("x")', "Nord", 0.01, 120, "2025-12-31", SQUARE),
        ("05999000", "SR-02", "Süd", "Süd", 0.01, 80, "2025-12-31", SQUARE.replace("100", "50")),
    ],
    "indicator_catalog": [
        (
            "sgb2_quota",
            "SGB-II-Quote",
            "d",
            "SGB2_LB",
            "EW",
            "percent",
            "higher_is_worse",
            "BA",
            "monthly",
            True,
        ),
        (
            "old_age_poverty",
            "Altersarmut",
            "d",
            "GRUSI",
            "EW_65P",
            "percent",
            "higher_is_worse",
            "S",
            "yearly",
            True,
        ),
    ],
    # sgb2_quota is monthly: November and December; old_age_poverty is yearly (31.12.2024)
    "indicator_values": [
        ("05999000", "SR-01", "2025-11-30", "sgb2_quota", 10, 100, 10.0, "ok", None),
        ("05999000", "SR-01", "2025-12-31", "sgb2_quota", 12, 100, 12.0, "ok", None),
        ("05999000", "SR-02", "2025-12-31", "sgb2_quota", None, 80, None, "suppressed", None),
        ("05999000", "SR-01", "2024-12-31", "old_age_poverty", 4, 40, 10.0, "ok", None),
        ("05999000", "SR-02", "2024-12-31", "old_age_poverty", 6, 30, 20.0, "ok", None),
    ],
    "facilities": [
        (
            "F-1",
            "TR-01",
            "Kita Nord",
            "kita",
            "05999000",
            "SR-01",
            40,
            7.0,
            51.5,
            "2020-01-01",
            None,
            "Weg 1",
        ),
    ],
    "measures": [
        ("M-1", "TR-01", "Lernförderung", "SR-01", 6, 17, 40, "G1"),
        ("M-2", "TR-02", "Beratung", "SR-02", 18, 64, 20, "G1"),
    ],
    # lights as kpi_status has them (attainment = actual / target × 100, for max target / actual)
    "kpi_status": [
        ("M-1", "2025-12-01", "participants", 30, 38, "target", 78.94736842, "red", None, "ok"),
        ("M-1", "2025-12-01", "cost_per_participant", 600, 450, "max", 75.0, "red", None, "ok"),
        ("M-2", "2025-12-01", "participants", None, 38, "target", None, "red", None, "suppressed"),
        ("M-2", "2025-12-01", "hours", 100, 100, "target", 100.0, "green", None, "ok"),
        ("M-1", "2025-11-01", "participants", 10, 38, "target", 26.3, "red", None, "ok"),
        ("M-1", "2025-08-01", "participants", 10, 38, "target", 26.3, "red", None, "ok"),
    ],
    "metadata": [
        ("run_id", "run-42"),
        ("published_at_utc", "2026-01-15 08:30:00"),
        ("data_root", "/daten/musterstadt"),
        ("code_version", "0.1.0"),
        ("population_as_of", "2025-12-31"),
        ("bundesagentur_as_of", "2025-12-31"),
    ],
    "data_quality": [
        (
            "measure_reports",
            "providers/TR-01/reports/2025-12.csv",
            1200,
            1198,
            2,
            5,
            0,
            "2026-01-15 08:00:00",
        ),
        ("areas", "areas/sozialraeume_05999000.geojson", 2, 2, 0, 12, 0, "2026-01-15 07:59:00"),
    ],  # fmt: skip
}


def settings(min_count: int = 3, yellow: float = 85.5) -> dict:
    chosen = copy.deepcopy(DEFAULTS)
    chosen["disclosure"]["min_count"] = min_count
    chosen["traffic_light"]["yellow"] = yellow
    return chosen


def build(path: Path, chosen: dict, rows: dict = ROWS) -> Path:
    con = duckdb.connect()
    with publish_atomically(con, path, "test") as pub:
        for table, ddl in PUBLISHED_DDL.items():
            con.execute(f"CREATE TABLE {pub}.{table} ({ddl})")
            for row in rows.get(table, []):
                marks = ", ".join("?" for _ in row)
                con.execute(f"INSERT INTO {pub}.{table} VALUES ({marks})", list(row))
        document_published_file(con, pub, chosen)
    con.close()
    return path


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("pub") / "sozialplanung.duckdb", settings())


@pytest.fixture
def con(published):
    connection = duckdb.connect(str(published), read_only=True)
    yield connection
    connection.close()


def test_german_numbers():
    assert german_number(1234.5) == "1.234,5"
    assert german_number(80.0) == "80"
    assert german_number(0.25) == "0,25"


def test_every_kpi_has_a_german_name():
    assert set(KPI_NAMES) <= set(KPI_TEXT)


def test_red_kpis_say_why_with_the_settings_thresholds(con):
    rows = con.execute(
        "SELECT measure_id, kpi, attainment, reason FROM v_red_kpis_latest"
    ).fetchall()
    assert rows == [
        # 450 / 600 × 100 = 75
        (
            "M-1",
            "cost_per_participant",
            75.0,
            "Kosten je Teilnehmendem 600 € über Obergrenze 450 €: 75 % erreicht (Gelb ab 85,5 %)",
        ),
        # 30 / 38 × 100 = 78.947… → 78,9
        (
            "M-1",
            "participants",
            78.9,
            "Teilnehmende 30 statt Ziel 38: 78,9 % erreicht (Gelb ab 85,5 %)",
        ),
        # the count is below k: hidden, the light stays
        (
            "M-2",
            "participants",
            None,
            "Teilnehmende: Wert gesperrt (Geheimhaltung); Ziel 38 verfehlt",
        ),
    ]
    columns = [d[0] for d in con.execute("SELECT * FROM v_red_kpis_latest").description]
    assert columns == [
        "month", "measure_id", "title", "provider_id", "kpi", "actual", "target",
        "target_kind", "attainment", "note", "reason",
    ]  # fmt: skip


def test_latest_indicators_carry_the_reference_date_of_each_value(con):
    rows = con.execute("""SELECT area_id, sgb2_quota, sgb2_quota_date, old_age_poverty,
                                 old_age_poverty_date FROM v_latest_indicators""").fetchall()
    december, yearly = duckdb.execute("SELECT DATE '2025-12-31', DATE '2024-12-31'").fetchone()
    assert rows == [
        ("SR-01", 12.0, december, 10.0, yearly),  # December, not November
        ("SR-02", None, december, 20.0, yearly),  # suppressed: the date says which value is hidden
    ]


def test_every_table_view_and_column_has_german_and_english_comments(con):
    relations = con.execute("""
        SELECT table_name, comment FROM duckdb_tables()
        UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal""").fetchall()
    columns = con.execute(
        "SELECT table_name || '.' || column_name, comment FROM duckdb_columns() WHERE NOT internal"
    ).fetchall()
    assert len(relations) == len(PUBLISHED_DDL) + 4
    assert len(columns) > 200
    for name, comment in relations + columns:
        german, _, english = (comment or "").partition(" | ")
        assert german.strip() and english.strip(), name


def test_comments_name_the_suppression_rule_of_the_settings(tmp_path, con):
    population = "SELECT comment FROM duckdb_columns() WHERE table_name = 'areas' AND column_name = 'population'"
    assert "Werte 1–2 gesperrt" in con.execute(population).fetchone()[0]  # min_count 3
    other = duckdb.connect(
        str(build(tmp_path / "k5.duckdb", settings(min_count=5))), read_only=True
    )
    comment = other.execute(population).fetchone()[0]
    other.close()
    assert comment == (
        "Einwohner am letzten Stichtag (Werte 1–4 gesperrt) | "
        "population at the latest reference date (values 1–4 suppressed)"
    )


def test_exports_have_every_topic_with_german_headers_and_each_column_once(published, tmp_path):
    tables = list(PUBLISHED_DDL)
    write_exports(published, tmp_path, tables)
    assert sorted(p.stem for p in (tmp_path / "parquet").iterdir()) == sorted(tables)

    layers = sorted(name for name, _ in pyogrio.list_layers(tmp_path / GPKG))
    assert [name for name in layers if name != "layer_styles"] == ["einrichtungen", "sozialraeume"]
    areas = gpd.read_file(tmp_path / GPKG, layer="sozialraeume")
    assert len(areas) == 2 and areas.crs.to_epsg() == 25832
    assert not [c for c in areas.columns if c.endswith("_1")]
    assert {"sgb2_quota", "sgb2_quota_date", "old_age_poverty", "status_class"} <= set(
        areas.columns
    )

    workbook = load_workbook(tmp_path / XLSX)
    assert workbook.sheetnames == ["Info", *SHEETS]
    for topic in ("Versorgung", "Controlling", "Bedarfserhebung", "Ziele und Maßnahmen"):
        assert topic in workbook.sheetnames
    header = [c.value for c in workbook["Sozialräume"][1]]
    assert "SGB-II-Quote (%)" in header and "Stichtag SGB-II-Quote" in header
    assert "sgb2_quota" not in header
    latest = [c.value for c in workbook["Indikatoren aktuell"][1]]
    assert "Altersarmut (%)" in latest and not {"sgb2_quota", "old_age_poverty"} & set(latest)
    # a name that would start a formula stays text
    column = header.index("Sozialraum")
    names = [row[column] for row in workbook["Sozialräume"].iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("x")' in names
    reasons = [
        row[-1] for row in workbook["Rote Kennzahlen"].iter_rows(min_row=2, values_only=True)
    ]
    assert len(reasons) == 3 and all(reasons)
    controlling = list(workbook["Controlling"].iter_rows(min_row=2, values_only=True))
    months = {row[0] for row in controlling}  # not August: 3 months, and real dates
    assert months == {dt.datetime(2025, 12, 1), dt.datetime(2025, 11, 1)}


def test_the_goal_overview_keeps_goals_without_measures_or_without_progress():
    """G1 has both, G2 no measures (only indicator progress), G3 no city-wide progress yet
    (only measures): each keeps its row, with NULL for the half it lacks."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE goal_progress AS SELECT * FROM (VALUES
        ('G1', '05999000', 'ALL', DATE '2025-12-31', 'child_poverty', 20.0, 18.0, 15.0, 0.4, true),
        ('G2', '05999000', 'ALL', DATE '2025-12-31', 'unemployment', 7.0, 7.5, 6.0, -0.5, false))
        t(goal_id, municipality_ags, area_id, reference_date, indicator_id, baseline, current,
          target, progress, on_track)""")
    con.execute("""CREATE TABLE goal_measure_status AS SELECT * FROM (VALUES
        ('G1', 'Kinderarmut senken', 'child_poverty', 'M-1', DATE '2025-03-01', 2, 1, 0, 0),
        ('G3', 'Teilhabe im Alter', 'old_age_poverty', 'M-3', DATE '2025-03-01', 0, 0, 1, 0))
        t(goal_id, goal_title, indicator_id, measure_id, month, green, yellow, red, "none")""")
    sql = views(copy.deepcopy(DEFAULTS))["v_goal_overview"][0]
    rows = con.execute(
        f"SELECT goal_id, goal_title, current, kpis_green, kpis_red FROM ({sql})"
    ).fetchall()
    con.close()
    assert rows == [
        ("G1", "Kinderarmut senken", 18.0, 2, 0),
        ("G2", None, 7.5, None, None),
        ("G3", "Teilhabe im Alter", None, 0, 1),
    ]
