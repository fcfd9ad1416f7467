"""Write the published DuckDB as a new file, then move it onto the published name atomically.

A DuckDB file that an analyst has open (even read-only) blocks writers, so the published file is
never written in place: the new state is built next to it, attached to the internal connection
(so tables are filled by `INSERT INTO pub.t SELECT ...` without leaving DuckDB), checkpointed and
detached (leaving no `.wal`), and `os.replace`d over the old name. A reader keeps its old snapshot;
a new connection sees the new one. A failure before the rename leaves the previous file untouched.

The file is written in DuckDB's storage format `v1.0.0` (`STORAGE_VERSION`), not in the newest
format of the DuckDB writing it: analysts open it with whatever DuckDB their tool bundles (R,
DBeaver, BI drivers lag behind), and a file in the newest format opens in no older release. The
`v1.0.0` format is the oldest one DuckDB can write; it keeps every type we publish and all table,
view and column comments, and every release since 1.0 reads it (`tests/test_clients.py`,
`docs/queries.md`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

PUB = "pub"
# the oldest storage format DuckDB writes (older names map to it); read by DuckDB 1.0 and later
STORAGE_VERSION = "v1.0.0"


@contextmanager
def publish_atomically(con: duckdb.DuckDBPyConnection, target: Path, token: str) -> Iterator[str]:
    """Attach a new, empty file for `target` to `con` and yield its database name to fill.

    When the block succeeds the file is checkpointed, detached and swapped onto `target`; when it
    raises, the new file is removed and `target` stays as it was.
    """
    tmp = target.with_name(f".{target.name}.{token}.tmp")
    for leftover in target.parent.glob(f".{target.name}.*.tmp*"):  # left by a killed run
        leftover.unlink(missing_ok=True)
    try:
        con.execute(f"ATTACH '{_quoted(tmp)}' AS {PUB} (STORAGE_VERSION '{STORAGE_VERSION}')")
        try:
            yield PUB
            con.execute(f"CHECKPOINT {PUB}")
        finally:
            con.execute(f"DETACH {PUB}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def run_inside(con: duckdb.DuckDBPyConnection, database: str, statements: Sequence[str]) -> None:
    """Run `statements` in one transaction with `database` as the default catalog.

    Views created this way refer to the tables of `database` by their plain names, so they work
    when the file is opened on its own. One transaction instead of one per statement: the
    hundreds of `COMMENT ON` statements would otherwise each commit to the file.
    """
    home = con.execute("SELECT current_database()").fetchone()[0]
    con.execute(f"USE {database}")
    try:
        con.execute("BEGIN TRANSACTION")
        for statement in statements:
            con.execute(statement)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute(f'USE "{home}"')


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def replace_folder(staging: Path, folder: Path) -> None:
    """Put a fully written `staging` folder in place of `folder` (two renames, old one removed)."""
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
