"""Content checksums of a DuckDB file's tables, to compare refreshes (audit columns left out)."""

import duckdb

# run-dependent by nature: when something was loaded or checked, and the run's own facts
AUDIT_COLUMNS = {"loaded_at", "checked_at", "first_seen_utc"}
AUDIT_TABLES = {"metadata"}


def table_checksums(path) -> dict[str, tuple[int, int]]:
    """table -> (rows, order-independent sum of row hashes) for every base table."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
        ]
        sums = {}
        for table in tables:
            if table in AUDIT_TABLES:
                continue
            columns = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                    "ORDER BY column_index",
                    [table],
                ).fetchall()
                if r[0] not in AUDIT_COLUMNS
            ]
            quoted = ", ".join(f'"{c}"' for c in columns)
            sums[table] = con.execute(
                f"SELECT count(*), coalesce(sum(hash({quoted})), 0) FROM {table}"
            ).fetchone()
        return sums
    finally:
        con.close()
