"""What the published file holds, per table, read back from the file for the Dagster UI.

The UI shows the data team the file analysts open: each table with its rows, its description and
its columns with their types and the file's own comments (the registry's published texts with the
settings' suppression rules filled in), not one flat list of `table.column`. Pure DuckDB; the
publish asset turns these into Dagster metadata.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from assets.registry.model import quoted


@dataclass(frozen=True)
class PublishedColumn:
    name: str
    type: str
    comment: str | None


@dataclass(frozen=True)
class PublishedTable:
    name: str
    comment: str | None
    rows: int
    columns: tuple[PublishedColumn, ...]


def published_tables(con: duckdb.DuckDBPyConnection) -> list[PublishedTable]:
    """Every table (not view) of the database open on `con`, by name, with its rows and columns
    in their order in the file."""
    database = con.execute("SELECT current_database()").fetchone()[0]
    tables = con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = ? "
        "ORDER BY table_name",
        [database],
    ).fetchall()
    columns = con.execute(
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = ? ORDER BY table_name, column_index",
        [database],
    ).fetchall()
    return [
        PublishedTable(
            name=name,
            comment=comment or None,
            rows=con.execute(f"SELECT count(*) FROM {quoted(name)}").fetchone()[0],
            columns=tuple(
                PublishedColumn(column, dtype, text or None)
                for table, column, dtype, text in columns
                if table == name
            ),
        )
        for name, comment in tables
    ]
