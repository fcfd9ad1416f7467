"""The table registry is the one declaration of every table: the internal file, the published
file, its comments and its publish order must agree with it.

The published file is built the way the publish asset builds it (`write_published_tables`, then
`document_published_file`) from a small internal file with a few rows, so every query runs.
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets.indicators.catalog import catalog_frame
from assets.planning import Goals
from assets.publish.docs import document_published_file
from assets.publish.swap import publish_atomically
from assets.publish.tables import PublishContext, published_metadata, write_published_tables
from assets.registry import (
    BY_NAME,
    INTERNAL_TABLES,
    PUBLISHED_TABLES,
    TABLES,
    Column,
    Table,
    publish_order,
)
from assets.settings import DEFAULTS
from assets.warehouse import ensure_schema, insert_frame

AGS = "05999000"
STICHTAG = dt.date(2024, 12, 31)


def _internal_file(con: duckdb.DuckDBPyConnection) -> None:
    """Two areas with populations and one indicator's values: enough for every query to run."""
    ensure_schema(con)
    insert_frame(con, "indicator_catalog", catalog_frame())
    insert_frame(
        con,
        "areas",
        pd.DataFrame(
            {
                "municipality_ags": AGS,
                "area_id": ["SR-1", "SR-2"],
                "area_name": ["Nord", "Süd"],
                "area_km2": 1.5,
                "geometry_wkt": "POLYGON((0 0, 1 0, 1 1, 0 0))",
            }
        ),
    )
    insert_frame(
        con,
        "small_area_statistics",
        pd.DataFrame(
            {
                "municipality_ags": AGS,
                "area_id": ["SR-1", "SR-2"],
                "reference_date": STICHTAG,
                "code": "EW",
                "value": [1200.0, 800.0],
            }
        ),
    )
    insert_frame(
        con,
        "indicator_values",
        pd.DataFrame(
            {
                "municipality_ags": AGS,
                "area_id": ["SR-1", "SR-2", "ALL"],
                "reference_date": STICHTAG,
                "indicator_id": "sgb2_quota",
                "numerator": [120.0, 2.0, 122.0],
                "denominator": [1200.0, 800.0, 2000.0],
                "value": [10.0, 0.25, 6.1],
                "status": "ok",
                "denominator_date": STICHTAG,
            }
        ),
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "sozialplanung.duckdb"
    con = duckdb.connect()
    _internal_file(con)
    metadata = published_metadata(con, "test", "root")
    with publish_atomically(con, path, "test") as pub:
        write_published_tables(con, pub, DEFAULTS, Goals(), metadata)
        document_published_file(con, pub, DEFAULTS)
    con.close()
    return path


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND NOT internal "
        "AND table_name IN (SELECT table_name FROM duckdb_tables() "
        "WHERE database_name = current_database()) ORDER BY table_name, column_index"
    ).fetchall():
        columns.setdefault(table, []).append((column, data_type))
    return columns


def _declared(table: Table, published: bool) -> list[tuple[str, str]]:
    return [(c.name, c.sql_type(published)) for c in table.columns_of(published)]


def test_the_published_file_has_exactly_the_declared_tables_columns_and_types(published):
    con = duckdb.connect(str(published), read_only=True)
    columns = _columns(con)
    suppressed = con.execute(
        "SELECT numerator FROM indicator_values WHERE area_id = 'SR-2'"
    ).fetchone()
    con.close()
    assert set(columns) == {t.name for t in PUBLISHED_TABLES}
    for table in PUBLISHED_TABLES:
        assert columns[table.name] == _declared(table, published=True), table.name
    assert suppressed == (None,)  # the queries ran: numerator 2 is below min_count


def test_every_sql_query_gives_exactly_the_declared_columns(published):
    """`INSERT … BY NAME` fills a declared column the query lacks with NULL without a word, so
    the query's own columns must be the declaration's."""
    con = duckdb.connect()
    _internal_file(con)
    con.execute(f"ATTACH '{published}' AS pub (READ_ONLY)")
    context = PublishContext(con, "pub", DEFAULTS, Goals(), published_metadata(con, "t", "r"))
    checked = 0
    try:
        for table in PUBLISHED_TABLES:
            context.table = table
            if table.name == "indicator_values":  # writes its rows itself
                continue
            source = table.query(context) if callable(table.query) else table.query
            if isinstance(source, pd.DataFrame):
                names = list(source.columns)
            else:
                names = [row[0] for row in con.execute(f"DESCRIBE {source}").fetchall()]
            assert sorted(names) == sorted(c.name for c in table.columns_of(True)), table.name
            checked += 1
    finally:
        context.close()
        con.close()
    assert checked == len(PUBLISHED_TABLES) - 1


def test_a_fresh_internal_file_has_exactly_the_declared_tables_columns_and_types():
    con = duckdb.connect()
    ensure_schema(con)
    columns = _columns(con)
    assert set(columns) == {t.name for t in INTERNAL_TABLES}
    for table in INTERNAL_TABLES:
        assert columns[table.name] == _declared(table, published=False), table.name
    # a table whose declared type changed is recreated with the declared one
    con.execute("DROP TABLE indicator_catalog")
    con.execute(f"CREATE TABLE indicator_catalog ({BY_NAME['metadata'].ddl(True)})")
    con.execute("DROP TABLE archive")
    con.execute(
        "CREATE TABLE archive (sha256 VARCHAR, path VARCHAR, provider_id VARCHAR, "
        'size_bytes DOUBLE, first_seen_utc TIMESTAMP, "current" BOOLEAN)'
    )
    ensure_schema(con)
    assert _columns(con) == columns
    con.close()


def test_every_column_has_german_and_english_text_and_internal_texts_name_no_setting():
    for table in TABLES:
        assert table.de.strip() and table.en.strip(), table.name
        assert table.internal or table.published, table.name
        for column in table.columns:
            for published in (True, False):
                de, en = column.text(published)
                assert de.strip() and en.strip(), f"{table.name}.{column.name}"
            if table.internal and column.internal:
                assert "{" not in "".join(column.text(False)), f"{table.name}.{column.name}"


def test_keys_and_partition_columns_are_columns_of_their_table():
    for table in TABLES:
        names = {c.name for c in table.columns}
        assert table.key and set(table.key) <= names, table.name
        assert table.partition_column in names | {None}, table.name
    partitioned = {t.name for t in TABLES if t.partition_column}
    assert {"indicator_values", "measure_reports", "measure_kpis", "kpi_status"} <= partitioned
    with pytest.raises(ValueError, match="key area_id is no column"):
        Table("t", "d", "e", (Column("x", "BIGINT", "d", "e"),), key=("area_id",), query="x")
    with pytest.raises(ValueError, match="published without a query"):
        Table("t", "d", "e", (Column("x", "BIGINT", "d", "e"),), key=("x",))


def test_published_tables_come_after_the_published_tables_they_read():
    order = [t.name for t in PUBLISHED_TABLES]
    for table in PUBLISHED_TABLES:
        for read in table.reads:
            assert order.index(read) < order.index(table.name), (table.name, read)
    # declared in another order, the tables are still written after what they read
    reversed_order = [t.name for t in publish_order(tuple(reversed(PUBLISHED_TABLES)))]
    for table in PUBLISHED_TABLES:
        for read in table.reads:
            assert reversed_order.index(read) < reversed_order.index(table.name)
    never = Table(
        "t", "d", "e", (Column("x", "BIGINT", "d", "e"),), key=("x",), query="x", reads=("nowhere",)
    )
    with pytest.raises(ValueError, match="never written"):
        publish_order((*PUBLISHED_TABLES, never))


def test_a_query_reading_an_undeclared_published_table_is_refused():
    context = PublishContext(duckdb.connect(), "pub", DEFAULTS, Goals(), pd.DataFrame())
    context.table = BY_NAME["kpi_status"]
    assert context.published("measure_kpis") == "pub.measure_kpis"
    with pytest.raises(ValueError, match="does not list in `reads`"):
        context.published("indicator_values")
    with pytest.raises(ValueError, match="does not list in `reads`"):
        context.hidden_counts()


def test_every_asset_writing_an_internal_table_declares_its_columns_before_it_ran():
    """The UI shows an asset's columns with their texts from its definition (no run needed)."""
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    for table in ("indicator_values", "measure_reports", "supply", "social_index"):
        schema = graph.get(dg.AssetKey(table)).metadata["dagster/column_schema"]
        declared = [c for c in BY_NAME[table].columns if c.internal]
        assert [(c.name, c.type) for c in schema.columns] == [(c.name, c.type) for c in declared]
        for column, spec in zip(schema.columns, declared, strict=True):
            de, en = spec.text(published=False)
            assert column.description == f"{de} | {en}"
