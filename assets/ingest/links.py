"""Links in a landing folder: reported as `unexpected_file`, never followed or read.

A link may lead out of the data root and what is behind it is not archived, so reading it would
make a refresh depend on files `make rebuild` never sees. Skipping it silently would lose a
delivery without a word; so every link gets a quarantine entry of the source whose folder holds
it, and a bookkeeping row with no rows read.
"""

from __future__ import annotations

import pandas as pd

from assets.ingest.quarantine import FILE_COLUMNS, QUARANTINE_COLUMNS, IngestResult, file_record

UNEXPECTED_FILE = "unexpected_file"


def link_reason(folder: str) -> str:
    return (
        "Verknüpfung (Link) wird aus Sicherheitsgründen nicht gelesen: sie kann aus dem "
        f"Datenordner hinausführen und wird nicht archiviert; bitte die Datei selbst in {folder}/ "
        "ablegen"
    )


def linked_files(source: str, rels: list[str], folder: str) -> IngestResult:
    """One `unexpected_file` entry and one empty bookkeeping row per link (`rels`, relative to
    the data root) found in `folder`."""
    reason = link_reason(folder)
    quarantine = pd.DataFrame(
        [(source, rel, None, None, None, UNEXPECTED_FILE, reason) for rel in rels],
        columns=QUARANTINE_COLUMNS,
    )
    files = pd.DataFrame(
        [file_record(source, rel, "", "", 0, 0, 0) for rel in rels], columns=FILE_COLUMNS
    )
    return IngestResult(pd.DataFrame(), quarantine, files)
