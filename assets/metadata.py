"""Materialization metadata every asset reports: row count, column schema, a Markdown preview."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    table: str,
    where: str = "TRUE",
    params: list | None = None,
    preview_rows: int = 10,
) -> dict:
    """Metadata for `table` (optionally a slice of it), read back from the warehouse."""
    params = params or []
    count = con.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
    schema = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    preview = con.execute(f"SELECT * FROM {table} WHERE {where} LIMIT {preview_rows}", params).df()
    return {
        "dagster/row_count": count,
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name=name, type=dtype) for name, dtype in schema]
        ),
        "preview": dg.MetadataValue.md(markdown_table(preview)),
    }


def markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_(keine Zeilen)_"
    return frame.to_markdown(index=False)
