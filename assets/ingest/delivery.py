"""One landing file at a time: the file-level rules of the readers that read file by file.

GENESIS and Zensus deliveries are few and large and are validated per file; provider files and
the needs survey, many and small, go through `quarantine.open_deliveries` instead. Both turn any
failure to read a file into one located entry for that file, so the other files still load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from assets.ingest.parsing import (
    UNREADABLE_FILE,
    CsvTable,
    empty_table,
    header_refusal,
    match_columns,
    read_table,
    unreadable_reason,
)
from assets.ingest.quarantine import RowRejections, file_record, file_sha256


@dataclass
class Delivery:
    """One landing file opened for validation: its rows, its rejections so far, its columns."""

    source: str
    file: str
    table: CsvTable
    rejections: RowRejections
    found: dict[str, str]  # expected column -> header as delivered
    missing: list[str]  # expected columns the header lacks (then every row is rejected)
    sha256: str
    # unreadable, or every row rejected for its header: no row rule applies
    refused: bool = False

    @property
    def rows_in(self) -> int:
        return len(self.table.rows) + len(self.table.width_errors)

    def record(self, rows_loaded: int) -> dict:
        return file_record(
            self.source,
            self.file,
            self.sha256,
            self.table.encoding,
            self.rows_in,
            rows_loaded,
            self.rejections.count,
        )


def open_delivery(path: Path, rel: str, source: str, expected: list[str]) -> Delivery:
    """Read a CSV/XLSX delivery and apply the file-level rules every reader shares.

    A file that fails to read for any reason gets one entry without a row number, so the other
    files still load; so does each worksheet that holds values but was not read. Rows with a
    wrong field count are rejected; a header naming a column twice or lacking an expected
    column rejects every row with that column named.
    """
    rejections = RowRejections(source, rel)
    try:
        table = read_table(path, expected)
    except MemoryError:
        raise
    except Exception as exc:  # UnreadableFile, and whatever else a hostile file provokes
        rejections.reject_file(UNREADABLE_FILE, unreadable_reason(exc))
        return Delivery(source, rel, empty_table(), rejections, {}, [], _digest(path), True)
    for note in table.notes:
        rejections.reject_file(note.reason_code, note.reason, note.value)
    return with_file_rules(table, rejections, expected, _digest(path))


def with_file_rules(
    table: CsvTable, rejections: RowRejections, expected: list[str], sha256: str
) -> Delivery:
    """The rows of a read file (or ZIP member) under the file-level rules: a wrong field count
    rejects its row; a header naming a column twice or lacking an expected one rejects all."""
    rejections.add_frame(table.width_errors, "wrong_field_count")
    found, missing = match_columns(table.header, expected)
    refusal = header_refusal(table.header, expected, missing)
    if refusal is not None:
        column, code, reason = refusal
        rejections.reject_all(table.rows, column, ";".join(table.header), code, reason)
    return Delivery(
        rejections.source,
        rejections.file,
        table,
        rejections,
        found,
        missing,
        sha256,
        refusal is not None,
    )


def _digest(path: Path) -> str:
    """The file's hash, or "" if it cannot even be opened (the entry says why)."""
    try:
        return file_sha256(path)
    except OSError:
        return ""


def read_guarded(
    source: str, path: Path, rel: str, read
) -> tuple[pd.DataFrame, RowRejections, dict]:
    """`read()` one file's (loaded rows, rejections, file record); any failure on the way becomes
    one located entry for the file, so one broken file never stops the others."""
    try:
        return read()
    except MemoryError:
        raise
    except Exception as exc:
        rejections = RowRejections(source, rel)
        rejections.reject_file(UNREADABLE_FILE, unreadable_reason(exc))
        return pd.DataFrame(), rejections, file_record(source, rel, _digest(path), "", 0, 0, 0)
