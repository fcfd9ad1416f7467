"""Skip a deterministic computation whose inputs have not changed since it last ran.

The expensive unpartitioned assets read a small part of the tables they depend on: supply and the
social index read the population Stichtage and the status indicators at those dates, not the
monthly Bundesagentur rows. A new month therefore leaves their inputs as they were, and running
them again would write the same rows.

An inputs fingerprint is the SHA-256 of the pipeline's code version, the asset's settings and, per
input query, its row count and the order-independent sum of its rows' 64-bit DuckDB hashes. It
is stored in the internal table `asset_inputs` once the asset's output is complete (in the same
transaction as its tables, or after its files are written). The same fingerprint means the stored
output is what the computation would give again, so the asset keeps it and says so in its
metadata. Mistaking a change for none would need a different input with the same row count and
the same 64-bit hash sum.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import duckdb

from assets.fingerprint import code_fingerprint


def fingerprint(
    con: duckdb.DuckDBPyConnection, queries: Sequence[tuple[str, list]], settings: dict
) -> str:
    """The inputs fingerprint of the `queries` (SQL, parameters) and `settings`."""
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for sql, params in queries:
        rows, hashes = con.execute(
            f"SELECT count(*), coalesce(sum(hash(q)), 0) FROM ({sql}) q", params
        ).fetchone()
        digest.update(f"|{rows}:{hashes}".encode())
    return digest.hexdigest()


def unchanged(con: duckdb.DuckDBPyConnection, asset: str, key: str) -> bool:
    """Whether `asset`'s stored output was computed from inputs with this fingerprint."""
    row = con.execute("SELECT fingerprint FROM asset_inputs WHERE asset = ?", [asset]).fetchone()
    return row is not None and row[0] == key


def record(con: duckdb.DuckDBPyConnection, asset: str, key: str) -> None:
    """Store the fingerprint of the inputs `asset`'s output was just computed from."""
    forget(con, asset)
    con.execute("INSERT INTO asset_inputs VALUES (?, ?)", [asset, key])


def forget(con: duckdb.DuckDBPyConnection, asset: str) -> None:
    """No stored output of `asset` counts as current (it is being replaced)."""
    con.execute("DELETE FROM asset_inputs WHERE asset = ?", [asset])
