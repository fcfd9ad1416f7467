"""`parquet/<table>.parquet` of a small published file built the way the publish asset builds
it (every published table, `document_published_file`), with hand-made rows in
`indicator_values` only: each column's description, the table's description, types and rows,
read back by pyarrow, DuckDB and pandas."""

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.publish import parquet
from assets.publish.docs import document_published_file
from assets.publish.swap import publish_atomically
from assets.registry import PUBLISHED_DDL
from tests.test_exports import settings

VALUES = [
    ("05999000", "SR-01", "2025-11-30", "sgb2_quota", 10, 100, 10.0, "ok", None),
    ("05999000", "SR-01", "2025-12-31", "sgb2_quota", 12, 100, 12.0, "ok", None),
    ("05999000", "SR-02", "2025-12-31", "sgb2_quota", None, 80, None, "suppressed", None),
    ("05999000", "SR-01", "2024-12-31", "old_age_poverty", 4, 40, 10.0, "ok", None),
    ("05999000", "SR-02", "2024-12-31", "old_age_poverty", 6, 30, 20.0, "ok", None),
]


def export(folder: Path) -> Path:
    published = folder / "sozialplanung.duckdb"
    con = duckdb.connect()
    with publish_atomically(con, published, "test") as pub:
        for table, ddl in PUBLISHED_DDL.items():
            con.execute(f"CREATE TABLE {pub}.{table} ({ddl})")
        con.executemany(f"INSERT INTO {pub}.indicator_values VALUES ({', '.join('?' * 9)})", VALUES)
        document_published_file(con, pub, settings(min_count=3))
    con.close()
    con = duckdb.connect(str(published), read_only=True)
    try:
        return parquet.write_parquet(con, folder / "parquet", list(PUBLISHED_DDL))
    finally:
        con.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    return export(tmp_path_factory.mktemp("parquet"))


def description(field: pa.Field) -> str:
    return field.metadata[b"description"].decode()


def test_columns_and_table_carry_the_comments_of_the_published_file(files):
    schema = pq.read_schema(files / "areas.parquet")
    assert description(schema.field("area_id")) == (
        "Sozialraum-ID ('ALL' = gesamte Kommune) | area id ('ALL' = whole municipality)"
    )
    assert schema.metadata[b"description"].decode() == (
        "Sozialräume mit Fläche, Einwohnern und Geometrie (EPSG:25832) | "
        "Areas (Sozialräume) with size, population and geometry (EPSG:25832)"
    )
    # the settings' rule, as in the file's comment: min_count 3 hides the counts 1 and 2
    assert "Werte 1–2 gesperrt" in description(schema.field("population"))


def test_every_column_of_every_table_is_described(files):
    assert sorted(p.stem for p in files.glob("*.parquet")) == sorted(PUBLISHED_DDL)
    for path in files.glob("*.parquet"):
        schema = pq.read_schema(path)
        assert b"description" in schema.metadata, path.name
        for field in schema:
            german, _, english = description(field).partition(" | ")
            assert german and english, f"{path.stem}.{field.name}"


def test_types_and_rows_stay(files):
    table = pq.read_table(files / "indicator_values.parquet")
    assert table.num_rows == 5  # the five hand-made rows
    assert table.schema.field("reference_date").type == pa.date32()
    assert table.schema.field("numerator").type == pa.int64()
    assert table.schema.field("value").type == pa.float64()
    assert table.column("numerator").to_pylist() == [10, 12, None, 4, 6]
    empty = pq.read_table(files / "data_quality.parquet")  # no rows, still every column
    assert empty.num_rows == 0
    assert empty.schema.field("loaded_at").type == pa.timestamp("us")
    assert empty.schema.field("checks_failed").type == pa.int64()


def test_duckdb_and_pandas_read_the_files(files):
    path = str(files / "indicator_values.parquet")
    types = duckdb.execute(
        "SELECT count(*), typeof(any_value(reference_date)), typeof(any_value(numerator)) "
        "FROM read_parquet(?)",
        [path],
    ).fetchone()
    assert types == (5, "DATE", "BIGINT")
    frame = pd.read_parquet(path)
    assert len(frame) == 5
    assert frame["value"].sum() == pytest.approx(52.0)  # 10 + 12 + 10 + 20, one NULL


def test_a_table_larger_than_a_batch_is_streamed_in_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(parquet, "BATCH_ROWS", 2)
    files = export(tmp_path)
    metadata = pq.ParquetFile(files / "indicator_values.parquet").metadata
    assert metadata.num_rows == 5
    assert metadata.num_row_groups == 3  # 2 + 2 + 1 rows
