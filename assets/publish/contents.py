"""What the published file holds, read back from the file itself: tables, rows, columns, comments.

The comments are the registry's published texts with the settings' suppression rules filled in
(`docs.document_published_file`). Every consumer of the published file reads them here, so the
Dagster UI, the workbook's headers, the GeoPackage's aliases and the Parquet descriptions say
what the file says. Pure DuckDB.
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


def column_comments(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """Every commented column of the tables and views of the file open on `con`, by (relation,
    column): its full comment, German | English."""
    return {
        (relation, column): comment
        for relation, column, comment in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = current_database() AND comment IS NOT NULL"
        ).fetchall()
    }


def german(comment: str | None) -> str:
    """The German part of a published comment (the part before ` | `)."""
    return (comment or "").split(" | ")[0]
