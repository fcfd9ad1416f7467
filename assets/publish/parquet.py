"""`parquet/<table>.parquet`: every published table, for R, Python and BI tools."""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.publish.swap import replace_folder

PARQUET = "parquet"


def write_parquet(con: duckdb.DuckDBPyConnection, target: Path, tables: list[str]) -> Path:
    staging = target.with_name(target.name + ".new")
    staging.mkdir(parents=True, exist_ok=True)
    for table in tables:
        path = (staging / f"{table}.parquet").as_posix().replace("'", "''")
        con.execute(f"COPY (SELECT * FROM {table}) TO '{path}' (FORMAT parquet)")
    replace_folder(staging, target)
    return target
