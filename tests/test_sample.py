"""The shipped sample: reproducible from its generator, and plausible once run through the pipeline."""

import filecmp
from pathlib import Path

import duckdb
import pytest

from assets.report import render_report
from assets.report.data import load as load_report_data
from data.sample_generator import generate
from tests.conftest import REPO, SAMPLE, run_pipeline

# the one sample run of `sample_refresh` is shared: its tests go to the same pytest worker
pytestmark = pytest.mark.xdist_group("sample_refresh")


def all_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_generator_reproduces_the_committed_sample_byte_for_byte(tmp_path):
    generate(tmp_path / "sample", real_deliveries=True)
    files = all_files(SAMPLE)
    assert files == all_files(tmp_path / "sample")
    match, mismatch, errors = filecmp.cmpfiles(SAMPLE, tmp_path / "sample", files, shallow=False)
    assert mismatch == [] and errors == []
    assert sum((SAMPLE / f).stat().st_size for f in files) < 15 * 1024 * 1024


@pytest.fixture(scope="module")
def sample_run(sample_refresh):
    stdout, warehouse = sample_refresh
    con = duckdb.connect(str(warehouse / "sozialplanung.duckdb"), read_only=True)
    internal = duckdb.connect(str(warehouse / "internal.duckdb"), read_only=True)
    yield stdout, con, internal
    con.close()
    internal.close()


@pytest.fixture(scope="module")
def warehouse_dir(sample_run, tmp_path_factory) -> Path:
    stdout, _, _ = sample_run
    return Path(stdout.split("Veröffentlicht: ")[1].split()[0]).parent


def test_run_prints_where_the_results_are(sample_run):
    stdout, _, _ = sample_run
    assert "sozialplanung.duckdb" in stdout
    assert "Sozialräume:        32" in stdout


def test_sample_values_are_plausible(sample_run):
    _, con, _ = sample_run
    # city-wide rates from summed numerators and denominators (never averaged rates)
    city = dict(
        con.execute("""
        SELECT indicator_id, 100 * sum(numerator) / sum(denominator) FROM indicator_values
        WHERE reference_date = '2025-12-31' AND status = 'ok'
          AND indicator_id IN ('child_poverty', 'sgb2_quota', 'unemployment') GROUP BY 1""").fetchall()
    )
    assert 15 <= city["child_poverty"] <= 25
    assert 10 <= city["sgb2_quota"] <= 15
    assert 5 <= city["unemployment"] <= 9
    low, high = con.execute("""SELECT min(value), max(value) FROM indicator_values
        WHERE indicator_id = 'child_poverty' AND reference_date = '2025-12-31'""").fetchone()
    assert low < 5 and high > 30
    population = con.execute("SELECT sum(population) FROM areas").fetchone()[0]
    assert 200_000 < population < 300_000


def test_sample_defects_are_quarantined_with_reasons(sample_run):
    _, con, internal = sample_run
    rows = internal.execute("""SELECT file, row_number, reason_code FROM quarantine
                               WHERE source = 'small_area_statistics' ORDER BY 1, 2""").fetchall()
    assert rows == [
        ("statistics/small_area/ba_2024.csv", 99, "unknown_area"),
        ("statistics/small_area/ba_2024.csv", 214, "invalid_value"),
        ("statistics/small_area/ba_2024.csv", 393, "invalid_date"),
        ("statistics/small_area/bevoelkerung_2021.csv", 66, "unknown_code"),
    ]
    unbalanced = con.execute("""SELECT count(*) FROM data_quality
                                WHERE rows_in <> rows_loaded + rows_quarantined""").fetchone()[0]
    assert unbalanced == 0


@pytest.mark.slow
def test_another_data_root_with_two_municipalities_runs_without_code_changes(tmp_path):
    root = tmp_path / "kreis"
    generate(
        root, seed=7, municipalities=2, areas=12, population=40_000, providers=2, months=13, years=3
    )
    stdout = run_pipeline(root, tmp_path / "wh", tmp_path)
    assert "Sozialräume:        12" in stdout
    con = duckdb.connect(str(tmp_path / "wh" / "sozialplanung.duckdb"), read_only=True)
    municipalities = con.execute("SELECT count(DISTINCT municipality_ags) FROM areas").fetchone()[0]
    values = con.execute("SELECT count(*) FROM indicator_values WHERE status = 'ok'").fetchone()[0]
    con.close()
    assert municipalities == 2 and values > 0
    # the report of a state is rendered by several processes: the same pages as by one
    data = load_report_data(tmp_path / "wh" / "sozialplanung.duckdb")
    render_report(data, tmp_path / "serial" / "report", workers=1)
    render_report(data, tmp_path / "forked" / "report", workers=2)
    serial = {
        p.relative_to(tmp_path / "serial"): p.read_bytes() for p in _files(tmp_path / "serial")
    }
    forked = {
        p.relative_to(tmp_path / "forked"): p.read_bytes() for p in _files(tmp_path / "forked")
    }
    assert len(serial) == 12 + 1 and forked == serial


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_sample_index_classes_spread_and_allocation_adds_up(sample_run):
    _, con, _ = sample_run
    latest = con.execute("SELECT max(reference_date) FROM social_index").fetchone()[0]
    classes = dict(
        con.execute(
            """SELECT status_class, count(*) FROM social_index
                                  WHERE reference_date = ? GROUP BY 1""",
            [latest],
        ).fetchall()
    )
    assert {"high", "medium", "low", "very_low"} <= set(classes)
    assert classes["medium"] > classes["high"] and classes["medium"] > classes["very_low"]
    total, shares = con.execute(
        """SELECT sum(amount_eur), sum(share) FROM allocation
                                   WHERE reference_date = ?""",
        [latest],
    ).fetchone()
    assert total == 1_000_000 and abs(shares - 100) < 1e-9  # shares in percent
    # the neediest areas (very_low status) get more per counted child than the best-off
    per_child = dict(
        con.execute(
            """
        SELECT status_class, sum(amount_eur) / sum(basis_count) FROM allocation
        WHERE reference_date = ? AND basis_count IS NOT NULL GROUP BY 1""",
            [latest],
        ).fetchall()
    )
    assert per_child["very_low"] > per_child["medium"] > per_child["high"]
    goals = con.execute("SELECT count(DISTINCT goal_id) FROM goal_progress WHERE area_id = 'ALL'")
    assert goals.fetchone()[0] == 3


def test_every_published_table_and_column_is_documented_in_german_and_english(sample_run):
    _, con, _ = sample_run
    # every column of every table and view: "Deutsch | English", both halves written
    undocumented = con.execute("""
        SELECT table_name, column_name FROM duckdb_columns()
        WHERE NOT internal AND NOT regexp_matches(coalesce(comment, ''), '\\S \\| \\S')""")
    assert undocumented.fetchall() == []
    view_columns = con.execute("""SELECT count(*) FROM duckdb_columns() c
        JOIN duckdb_views() v ON v.view_name = c.table_name AND NOT v.internal""").fetchone()[0]
    assert view_columns == 28 + 20 + 16 + 11
    tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE comment LIKE '% | %'")
    assert tables.fetchone()[0] >= 9
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE comment LIKE '% | %'")
    assert {r[0] for r in views.fetchall()} == {
        "v_latest_indicators",
        "v_area_profile",
        "v_goal_overview",
        "v_red_kpis_latest",
    }
    keys = dict(con.execute("SELECT key, value FROM metadata").fetchall())
    assert keys["population_as_of"] == "2025-12-31" and keys["run_id"]
    profile = con.execute("SELECT count(*), count(DISTINCT area_id) FROM v_area_profile").fetchone()
    assert profile == (32, 32)
    city = con.execute("SELECT child_poverty FROM v_latest_indicators WHERE area_id = 'ALL'")
    assert 15 < city.fetchone()[0] < 25


# columns whose name says they count persons, places, answers, lights, rows or euros
COUNT_COLUMNS = {
    "population", "participants", "target_group_participants", "new_participants", "capacity",
    "target_population", "satisfaction_n", "facilities", "unserved", "basis_count", "n",
    "numerator", "denominator", "green", "yellow", "red", "none", "kpis_green", "kpis_yellow",
    "kpis_red", "kpis_without_value", "rows_in", "rows_loaded", "rows_quarantined",
    "checks_passed", "checks_failed", "window_months", "gap_rank", "age_from", "age_to",
    "amount_eur", "allocation_eur",
}  # fmt: skip
# `indicator_catalog` names the codes of numerator and denominator: text, not counts
NOT_COUNTS = {("indicator_catalog", "numerator"), ("indicator_catalog", "denominator")}
# shares in percent: 0 … 100 by definition
SHARE_COLUMNS = ["share", "share_within_distance", "satisfaction_top2", "share_high_need"]
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}


def test_published_counts_are_integers_and_shares_are_percent(sample_run):
    """DESIGN §8 (issue 15, item 3): counts are integers (never DOUBLE, never HUGEINT, which
    many clients cannot read), rates and shares in percent (12.3 means 12.3 %)."""
    _, con, _ = sample_run
    columns = con.execute("""
        SELECT table_name, column_name, data_type FROM duckdb_columns()
        WHERE database_name = current_database() AND NOT internal""").fetchall()
    assert len(columns) > 150
    not_integer = [
        (table, column, kind)
        for table, column, kind in columns
        if column in COUNT_COLUMNS and (table, column) not in NOT_COUNTS
        and kind not in INTEGER_TYPES
    ]  # fmt: skip
    assert not_integer == []
    assert [c for c in columns if c[2] == "HUGEINT"] == []
    ranges = {}
    for table, column, _ in columns:
        if column in SHARE_COLUMNS or column in ("reach", "progress"):
            ranges[table, column] = con.execute(
                f'SELECT min("{column}"), max("{column}") FROM "{table}"'
            ).fetchone()
    assert {c for _, c in ranges} == {*SHARE_COLUMNS, "reach", "progress"}
    for (table, column), (low, high) in ranges.items():
        assert high is not None and high > 1, (table, column)  # percent, not a 0–1 fraction
        if column in SHARE_COLUMNS:
            assert low >= 0 and high <= 100, (table, column)


def test_published_counts_pass_disclosure_control(sample_run):
    _, con, internal = sample_run
    small = con.execute("""SELECT count(*) FROM indicator_values
        WHERE indicator_id <> 'population_change'
          AND ((numerator > 0 AND numerator < 3) OR (denominator > 0 AND denominator < 3))""")
    assert small.fetchone()[0] == 0
    # no suppressed numerator equals the city total minus the published numerators of its group
    recovered = con.execute("""
        WITH t AS (SELECT municipality_ags, reference_date, indicator_id, numerator AS total
                   FROM indicator_values WHERE area_id = 'ALL' AND numerator IS NOT NULL),
        p AS (SELECT municipality_ags, reference_date, indicator_id, sum(numerator) AS shown
              FROM indicator_values WHERE area_id <> 'ALL' GROUP BY ALL),
        s AS (SELECT municipality_ags, area_id, reference_date, indicator_id
              FROM indicator_values WHERE area_id <> 'ALL' AND status = 'suppressed')
        SELECT s.*, t.total - p.shown AS rest FROM s JOIN t USING (municipality_ags,
            reference_date, indicator_id) JOIN p USING (municipality_ags, reference_date,
            indicator_id)""").df()
    assert not recovered.empty  # the sample has suppressed cells to protect
    exact = internal.execute("""SELECT municipality_ags, area_id, reference_date, indicator_id,
                                       numerator FROM indicator_values""").df()
    merged = recovered.merge(
        exact, on=["municipality_ags", "area_id", "reference_date", "indicator_id"]
    )
    assert (merged["rest"] != merged["numerator"]).all()


def test_exports_open_with_geopandas_openpyxl_and_duckdb(warehouse_dir):
    import geopandas as gpd
    import pyogrio
    from openpyxl import load_workbook

    layers = sorted(name for name, _ in pyogrio.list_layers(warehouse_dir / "sozialplanung.gpkg"))
    assert layers == ["einrichtungen", "layer_styles", "sozialraeume"]  # styles for QGIS
    areas = gpd.read_file(warehouse_dir / "sozialplanung.gpkg", layer="sozialraeume")
    assert len(areas) == 32 and areas.crs.to_epsg() == 25832
    assert {"status_class", "child_poverty", "child_poverty_date"} <= set(areas.columns)
    assert not [c for c in areas.columns if c.endswith("_1")]  # each column once
    workbook = load_workbook(warehouse_dir / "sozialplanung.xlsx", read_only=True)
    assert workbook.sheetnames == [
        "Info",
        "Sozialräume",
        "Indikatoren aktuell",
        "Indikatorkatalog",
        "Sozialindex",
        "Mittelverteilung",
        "Versorgung",
        "Zielfortschritt",
        "Ziele und Maßnahmen",
        "Controlling",
        "Rote Kennzahlen",
        "Bedarfserhebung",
        "Einrichtungen",
        "Datenqualität",
    ]
    header = next(workbook["Sozialräume"].iter_rows(values_only=True))
    assert (
        "Sozialraum" in header
        and "Statusklasse" in header
        and "Kinderarmut (SGB II unter 15) (%)" in header
    )
    assert "child_poverty" not in header
    parquet = warehouse_dir / "parquet" / "areas.parquet"
    assert duckdb.execute(f"SELECT count(*) FROM '{parquet}'").fetchone()[0] == 32


def test_the_documented_questions_run_against_the_published_file(sample_run):
    _, con, _ = sample_run
    queries = (REPO / "docs" / "queries.md").read_text(encoding="utf-8")
    block = queries.split("## Ten questions, answered in SQL")[1].split("```sql")[1].split("```")[0]
    statements = [s.strip() for s in block.split(";") if s.strip()]
    assert len(statements) == 10
    answers = [con.execute(sql).fetchall() for sql in statements]
    assert all(answers[i] for i in (0, 1, 2, 3, 4, 6, 9))  # these have answers on the sample
    assert len(answers[4]) == 3 and answers[4][0][0] == 1


def test_the_red_kpis_of_the_latest_month_say_why(sample_run):
    _, con, _ = sample_run
    reasons = dict(
        con.execute("SELECT measure_id || ' ' || kpi, reason FROM v_red_kpis_latest").fetchall()
    )
    assert len(reasons) == 4 and all(reasons.values())
    # M-107 had 30 participants against a target of 38: 30 / 38 × 100 = 78.947… → 78,9
    assert reasons["M-107 participants"] == (
        "Teilnehmende 30 statt Ziel 38: 78,9 % erreicht (Gelb ab 80 %)"
    )
