"""The internal DuckDB file: table definitions and the few write patterns every asset uses.

Only the pipeline opens this file. Tables are created from explicit DDL so that their types do not
depend on what the first frame happened to contain; writes either replace a whole table's rows or
delete-and-insert one slice (a source, a range of months), which keeps every run idempotent.
"""

from __future__ import annotations

import functools

import duckdb
import pandas as pd

DDL = {
    "asset_inputs": "asset VARCHAR, fingerprint VARCHAR",  # see assets/inputs.py
    "quarantine": """
        source VARCHAR, file VARCHAR, row_number BIGINT, "column" VARCHAR, value VARCHAR,
        reason_code VARCHAR, reason VARCHAR, provider_id VARCHAR, period VARCHAR""",
    "ingest_files": """
        source VARCHAR, file VARCHAR, sha256 VARCHAR, encoding VARCHAR, rows_in BIGINT,
        rows_loaded BIGINT, rows_quarantined BIGINT, loaded_at TIMESTAMP, provider_id VARCHAR,
        period VARCHAR""",
    "archive": """
        sha256 VARCHAR, path VARCHAR, provider_id VARCHAR, size_bytes BIGINT,
        first_seen_utc TIMESTAMP, "current" BOOLEAN""",
    "check_results": """
        source VARCHAR, check_name VARCHAR, expectation VARCHAR, success BOOLEAN,
        unexpected_count BIGINT, details VARCHAR, checked_at TIMESTAMP""",
    "areas": """
        municipality_ags VARCHAR, area_id VARCHAR, area_name VARCHAR, district_name VARCHAR,
        area_km2 DOUBLE, geometry_wkt VARCHAR, source_file VARCHAR""",
    "small_area_statistics": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, code VARCHAR,
        value DOUBLE, symbol VARCHAR, source_file VARCHAR, row_number BIGINT""",
    "genesis_values": """
        municipality_ags VARCHAR, reference_date DATE, statistics_code VARCHAR,
        variable_code VARCHAR, breakdown VARCHAR, value DOUBLE, symbol VARCHAR, unit VARCHAR,
        source_file VARCHAR, row_number BIGINT""",
    "zensus_grid": """
        cell_id VARCHAR, x_3035 DOUBLE, y_3035 DOUBLE, population DOUBLE, symbol VARCHAR,
        source_file VARCHAR, row_number BIGINT""",
    "provider_files": """
        provider_id VARCHAR, kind VARCHAR, file VARCHAR, period VARCHAR, status VARCHAR,
        note VARCHAR""",
    "facilities": """
        facility_id VARCHAR, provider_id VARCHAR, name VARCHAR, offer_type VARCHAR,
        address VARCHAR, lon DOUBLE, lat DOUBLE, capacity DOUBLE, valid_from DATE, valid_to DATE,
        municipality_ags VARCHAR, area_id VARCHAR, source_file VARCHAR, row_number BIGINT""",
    "measure_reports": """
        provider_id VARCHAR, measure_id VARCHAR, month DATE, area_id VARCHAR,
        municipality_ags VARCHAR, participants DOUBLE, target_group_participants DOUBLE,
        new_participants DOUBLE, hours DOUBLE, cost_eur DOUBLE, source_file VARCHAR,
        row_number BIGINT""",
    "satisfaction_responses": """
        provider_id VARCHAR, measure_id VARCHAR, survey_date DATE, question_id VARCHAR,
        answer DOUBLE, source_file VARCHAR, row_number BIGINT""",
    "indicator_catalog": """
        indicator_id VARCHAR, label_de VARCHAR, definition_de VARCHAR, numerator VARCHAR,
        denominator VARCHAR, unit VARCHAR, polarity VARCHAR, source VARCHAR,
        frequency VARCHAR, is_share BOOLEAN""",
    "indicator_values": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, indicator_id VARCHAR,
        numerator DOUBLE, denominator DOUBLE, value DOUBLE, status VARCHAR,
        denominator_date DATE, note VARCHAR""",
    "social_index": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, status_index DOUBLE,
        status_class VARCHAR, dynamics_index DOUBLE, dynamics_class VARCHAR,
        needs_action BOOLEAN, note VARCHAR""",
    "social_index_components": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, component VARCHAR,
        indicator_id VARCHAR, value DOUBLE, z DOUBLE""",
    "allocation": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, basis VARCHAR,
        basis_count DOUBLE, status_class VARCHAR, class_weight DOUBLE, weight DOUBLE,
        share DOUBLE, amount_eur BIGINT, note VARCHAR""",
    "goal_progress": """
        goal_id VARCHAR, municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE,
        indicator_id VARCHAR, baseline DOUBLE, current DOUBLE, target DOUBLE, progress DOUBLE,
        on_track BOOLEAN, note VARCHAR""",
    "supply": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, offer_type VARCHAR,
        target_population DOUBLE, facilities BIGINT, capacity DOUBLE, places_per_1000 DOUBLE,
        share_within_distance DOUBLE, gap BOOLEAN, gap_rank BIGINT,
        municipality_places_per_1000 DOUBLE, unserved DOUBLE, gap_reason VARCHAR""",
    "needs_survey_responses": """
        survey_id VARCHAR, respondent_group VARCHAR, municipality_ags VARCHAR, area_id VARCHAR,
        topic VARCHAR, rating DOUBLE, source_file VARCHAR, row_number BIGINT""",
    "needs_survey": """
        municipality_ags VARCHAR, area_id VARCHAR, topic VARCHAR, respondent_group VARCHAR,
        n BIGINT, mean_rating DOUBLE, share_high_need DOUBLE, status VARCHAR, note VARCHAR""",
    "measure_kpis": """
        measure_id VARCHAR, month DATE, provider_id VARCHAR, report_status VARCHAR,
        participants DOUBLE, target_group_participants DOUBLE, new_participants DOUBLE,
        hours DOUBLE, cost_eur DOUBLE, capacity DOUBLE, utilisation DOUBLE, reach DOUBLE,
        cost_per_participant DOUBLE, satisfaction_mean DOUBLE, satisfaction_top2 DOUBLE,
        satisfaction_n BIGINT, target_population DOUBLE, population_date DATE, note VARCHAR""",
    "kpi_status": """
        measure_id VARCHAR, month DATE, kpi VARCHAR, actual DOUBLE, target DOUBLE,
        target_kind VARCHAR, attainment DOUBLE, traffic_light VARCHAR, note VARCHAR""",
    "kpi_status_rolling": """
        measure_id VARCHAR, month DATE, kpi VARCHAR, actual DOUBLE, target DOUBLE,
        target_kind VARCHAR, attainment DOUBLE, traffic_light VARCHAR, note VARCHAR,
        window_months BIGINT""",
    "goal_measure_status": """
        goal_id VARCHAR, goal_title VARCHAR, indicator_id VARCHAR, measure_id VARCHAR,
        month DATE, green BIGINT, yellow BIGINT, red BIGINT, "none" BIGINT,
        worst_light VARCHAR""",
}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables; recreate a table whose definition changed with a new version.

    The internal file holds only derived data, so a changed table is dropped and rebuilt by the
    next full refresh (`make run`) rather than migrated.
    """
    existing: dict[str, list[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall():
        existing.setdefault(table, []).append(column)
    for table, columns in DDL.items():
        if table in existing:
            if existing[table] == _column_names(columns):
                continue
            con.execute(f"DROP TABLE {table}")
        con.execute(f"CREATE TABLE {table} ({columns})")


def read_every_table(con: duckdb.DuckDBPyConnection) -> None:
    """Read every column of every table once; raises `duckdb.Error` on a damaged block.

    DuckDB checks a block's checksum only when the block is read: a file with one corrupted data
    block still opens and answers `count(*)` from its metadata, and fails only when a query
    touches that column. Hashing every column of every row reads each data block in use (about
    0.06 s for the sample's 7.5 MiB file), so damage is found before a run builds on the file.
    """
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' ORDER BY 1"
    ).fetchall()
    for (table,) in tables:
        columns = con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
        quoted = ", ".join(_identifier(name) for (name,) in columns)
        con.execute(f"SELECT count(*), sum(hash({quoted})) FROM {_identifier(table)}").fetchall()


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@functools.cache
def _column_names(columns: str) -> list[str]:
    """Column names a DDL column list defines (parsed by DuckDB itself, once per process)."""
    probe = duckdb.connect()
    try:
        probe.execute(f"CREATE TABLE _probe ({columns})")
        return [row[0] for row in probe.execute("SELECT * FROM _probe LIMIT 0").description]
    finally:
        probe.close()


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append `frame` by column name (columns the table has but the frame lacks become NULL)."""
    if frame.empty:
        return
    con.register("_incoming", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming")
    finally:
        con.unregister("_incoming")


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.execute(f"DELETE FROM {table}")
    insert_frame(con, table, frame)


def replace_source(
    con: duckdb.DuckDBPyConnection, table: str, source: str, frame: pd.DataFrame
) -> None:
    """Replace the rows of one source in a shared bookkeeping table (quarantine, ingest_files)."""
    con.execute(f"DELETE FROM {table} WHERE source = ?", [source])
    insert_frame(con, table, frame)
