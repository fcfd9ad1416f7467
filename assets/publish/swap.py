"""Write the published DuckDB as a new file, then move it onto the published name atomically.

A DuckDB file that an analyst has open (even read-only) blocks writers, so the published file is
never written in place: the new state is built next to it, closed (which checkpoints it, leaving
no `.wal`), and `os.replace`d over the old name. A reader keeps its old snapshot; a new connection
sees the new one. A failure before the rename leaves the previous file untouched.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd


def publish_atomically(
    target: Path,
    tables: dict[str, pd.DataFrame],
    ddl: dict[str, str],
    token: str,
    statements: list[str] | tuple[str, ...] = (),
) -> None:
    """Write `tables` (typed by `ddl`), run `statements` (views, comments), then swap."""
    tmp = target.with_name(f".{target.name}.{token}.tmp")
    for leftover in target.parent.glob(f".{target.name}.*.tmp*"):  # left by a killed run
        leftover.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            for name, frame in tables.items():
                con.execute(f"CREATE TABLE {name} ({ddl[name]})")
                if not frame.empty:
                    con.register("_incoming", frame)
                    con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _incoming")
                    con.unregister("_incoming")
            for statement in statements:
                con.execute(statement)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def replace_folder(staging: Path, folder: Path) -> None:
    """Put a fully written `staging` folder in place of `folder` (two renames, old one removed)."""
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
