"""Links in a landing folder: reported as `unexpected_file`, never followed or read.

A link may lead out of the data root and what is behind it is not archived, so reading it would
make a refresh depend on files `make rebuild` never sees. Skipping it silently would lose a
delivery without a word; so every link gets a quarantine entry of the source whose folder holds
it, and a bookkeeping row with no rows read.
"""

from __future__ import annotations

import pandas as pd

from assets.ingest.formats import FORMATS
from assets.ingest.quarantine import FILE_COLUMNS, QUARANTINE_COLUMNS, IngestResult, file_record

UNEXPECTED_FILE = "unexpected_file"


LINK_REASON = (
    "Verknüpfung (Link) wird aus Sicherheitsgründen nicht gelesen: sie kann aus dem Datenordner "
    "hinausführen und wird nicht archiviert; bitte die Datei (bzw. den Ordner) selbst ablegen"
)


def linked_files(source: str, rels: list[str]) -> IngestResult:
    """One `unexpected_file` entry and one empty bookkeeping row per link (`rels`, relative to
    the data root)."""
    quarantine = pd.DataFrame(
        [(source, rel, None, None, None, UNEXPECTED_FILE, LINK_REASON) for rel in rels],
        columns=QUARANTINE_COLUMNS,
    )
    files = pd.DataFrame(
        [file_record(source, rel, "", "", 0, 0, 0) for rel in rels], columns=FILE_COLUMNS
    )
    return IngestResult(pd.DataFrame(), quarantine, files)


# folders read by one source asset each (their formats); a link replacing one is reported by
# its own source
SOURCE_FOLDERS = tuple(
    f.folder for f in FORMATS if f.asset and not f.runs_everything and "*" not in f.folder
)


def folder_links(data_root, source: str, folders: tuple[str, ...]) -> IngestResult:
    """`linked_files` for every link in the source's `folders` of the data root (a `DataRoot`);
    a folder ending in `/*` is searched without its subfolders (`statistics/*`)."""
    rels = {
        rel
        for folder in folders
        for rel in data_root.links(folder.removesuffix("/*"), recursive=not folder.endswith("/*"))
    }
    others = {f for f in SOURCE_FOLDERS if f not in folders}
    return linked_files(source, sorted(rels - others))
