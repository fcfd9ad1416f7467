"""`parquet/<table>.parquet`: every published table, for R, Python and BI tools.

Each column carries its description as Arrow field metadata (`description`) and the file its
table's description as schema metadata: the text of the published file's own comments ("Deutsch |
English", from the table registry with the settings' suppression rules), so the Parquet files say
the same as the DuckDB file. pyarrow's writer stores them in the file's Arrow schema, which the
Arrow libraries (pyarrow, R's arrow) read back; other readers see the plain columns.

The rows are streamed from DuckDB in Arrow record batches into the writer, so a table never sits
whole in memory; the types are DuckDB's Arrow types (DATE stays a date, BIGINT an int64).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from assets.publish.contents import PublishedTable, published_tables
from assets.publish.swap import replace_folder

PARQUET = "parquet"
DESCRIPTION = b"description"
# DuckDB's row group size: each batch becomes one row group of the file, as with DuckDB's COPY
BATCH_ROWS = 122_880


def write_parquet(con: duckdb.DuckDBPyConnection, target: Path, tables: list[str]) -> Path:
    staging = target.with_name(target.name + ".new")
    staging.mkdir(parents=True, exist_ok=True)
    contents = {table.name: table for table in published_tables(con)}
    for table in tables:
        _write_table(con, contents[table], staging / f"{table}.parquet")
    replace_folder(staging, target)
    return target


def _write_table(con: duckdb.DuckDBPyConnection, table: PublishedTable, path: Path) -> None:
    comments = {column.name: column.comment for column in table.columns if column.comment}
    # a cursor of its own per table: a streaming reader keeps its connection busy until closed
    with (
        con.cursor() as cursor,
        cursor.sql(f'SELECT * FROM "{table.name}"').to_arrow_reader(
            batch_size=BATCH_ROWS
        ) as batches,
    ):
        schema = described(batches.schema, table.comment, comments)
        with pq.ParquetWriter(path, schema) as writer:
            for batch in batches:  # its schema is `schema` without the metadata
                writer.write_batch(batch)


def described(schema: pa.Schema, table_comment: str | None, comments: dict[str, str]) -> pa.Schema:
    """`schema` with the table's and the columns' comments as `description` metadata."""
    fields = [
        field.with_metadata({DESCRIPTION: comments[field.name]})
        if field.name in comments
        else field
        for field in schema
    ]
    return pa.schema(fields, metadata={DESCRIPTION: table_comment} if table_comment else None)
