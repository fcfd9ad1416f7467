"""A delivered file of 0 bytes is reported, never passed over.

Read as CSV, an empty file has no header and no rows, so nothing was loaded and nothing was
quarantined: the provider believes the month was delivered and the data team sees no error.
Such a file gets one `empty_file` entry instead (and replaces any other finding about it, e.g.
"no valid XLSX", which would hide the simple cause).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

EMPTY_FILE = "empty_file"
EMPTY_REASON = (
    "Datei ist leer (0 Byte): es wurde keine Zeile übernommen; bitte die Lieferung prüfen und "
    "erneut senden"
)


def is_empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False  # vanished or unreadable: the reader reports it


def with_empty_files(file_level: pd.DataFrame, paths: list[Path], rels: list[str], source: str):
    """`file_level` (a `DeliveryBatch`'s file-level entries: file_no, seq, quarantine columns)
    with one `empty_file` entry per 0-byte file in place of whatever else it says about it."""
    empty = [no for no, path in enumerate(paths) if is_empty(path)]
    if not empty:
        return file_level
    kept = file_level[~file_level["file_no"].isin(empty)]
    entries = pd.DataFrame(
        {
            "file_no": empty,
            "seq": -1,
            "source": source,
            "file": [rels[no] for no in empty],
            "row_number": None,
            "column": None,
            "value": None,
            "reason_code": EMPTY_FILE,
            "reason": EMPTY_REASON,
        }
    )
    return pd.concat(
        [kept, entries[kept.columns]] if not kept.empty else [entries], ignore_index=True
    )


def report_empty_files(result, paths: list[Path], root: Path, source: str):
    """`result` (an `IngestResult`) with one `empty_file` entry per 0-byte file in `paths`, in
    place of any other file-level entry about it; the reader's bookkeeping row (0 rows) stays.

    The asset layer applies this to every source read from a folder, so a 0-byte statistics,
    GENESIS, Zensus or needs-survey file is reported whatever its reader makes of no bytes.
    """
    rels = [p.relative_to(root).as_posix() for p in paths if is_empty(p)]
    if not rels:
        return result
    q = result.quarantine
    kept = q[~(q["file"].isin(rels) & q["row_number"].isna())]
    entries = pd.DataFrame(
        {
            "source": source,
            "file": rels,
            "row_number": None,
            "column": None,
            "value": None,
            "reason_code": EMPTY_FILE,
            "reason": EMPTY_REASON,
        }
    )
    result.quarantine = pd.concat(
        [kept, entries] if not kept.empty else [entries], ignore_index=True
    )
    return result
