"""Feedback files for providers: which of their rows were rejected, and why (in German).

For every provider and report month with rejected rows there is
`feedback/<provider_id>/<YYYY-MM>.xlsx` (sheets "Abgelehnte Zeilen" and "Übersicht") and the
same rows as `<YYYY-MM>.csv`. Rejected rows of the facility inventory, of surveys and files outside
the expected pattern have no report month; they go to `feedback/<provider_id>/allgemein.*`.
Rows replaced by a newer delivery (`superseded`) are not errors and appear only in the overview.

The XLSX files are written by the product's one workbook writer (`spreadsheet.write_xlsx`): an
Excel table per sheet, counts with thousands separators, the load time as a real date. Their
creation date is the latest load time of the files they report on, so the same rejected rows give
the same file.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

from assets.publish.spreadsheet import write_csv, write_xlsx
from assets.publish.swap import replace_folder

GENERAL = "allgemein"
REJECTED_COLUMNS = {
    "file": "Datei",
    "row_number": "Zeile",
    "column": "Spalte",
    "value": "Wert",
    "reason": "Grund",
}
SUMMARY_COLUMNS = {
    "file": "Datei",
    "rows_in": "Zeilen geliefert",
    "rows_loaded": "Zeilen übernommen",
    "rows_quarantined": "Zeilen abgelehnt",
    "loaded_at": "geladen am (UTC)",
}
# the creation date of a feedback file whose files have no load time
UNKNOWN_LOAD_TIME = dt.datetime(1980, 1, 1)


def feedback_tables(
    quarantine: pd.DataFrame, files: pd.DataFrame
) -> dict[tuple[str, str], dict[str, pd.DataFrame]]:
    """(provider_id, period) -> sheets, for every provider and period with rejected rows."""
    rejected = quarantine[quarantine["reason_code"] != "superseded"].copy()
    rejected["period"] = rejected["period"].fillna(GENERAL)
    files = files.assign(period=files["period"].fillna(GENERAL))
    # the load time once the files are loaded (`ingest_files`); the ingest's own metadata has none
    shown = [c for c in SUMMARY_COLUMNS if c in files.columns]
    out = {}
    for (provider, period), rows in rejected.groupby(["provider_id", "period"], sort=True):
        rows = rows.sort_values(["file", "row_number"], na_position="first")
        summary = files[(files["provider_id"] == provider) & (files["period"] == period)]
        out[(provider, period)] = {
            "Abgelehnte Zeilen": rows[list(REJECTED_COLUMNS)].rename(columns=REJECTED_COLUMNS),
            "Übersicht": summary.sort_values("file")[shown].rename(columns=SUMMARY_COLUMNS),
        }
    return out


def write_feedback(
    folder: Path, tables: dict[tuple[str, str], dict[str, pd.DataFrame]]
) -> list[Path]:
    """Rewrite the feedback folder completely (built aside, then swapped in)."""
    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    written = []
    for (provider, period), sheets in tables.items():
        base = staging / provider / period
        write_xlsx(base.with_suffix(".xlsx"), sheets, created=_created(sheets))
        write_csv(base.with_suffix(".csv"), sheets["Abgelehnte Zeilen"])
        written.append(folder / provider / f"{period}.xlsx")
    staging.mkdir(parents=True, exist_ok=True)
    replace_folder(staging, folder)
    return written


def _created(sheets: dict[str, pd.DataFrame]) -> dt.datetime:
    """The latest load time of the files a feedback file reports on."""
    summary = sheets["Übersicht"]
    loaded = SUMMARY_COLUMNS["loaded_at"]
    latest = summary[loaded].max() if loaded in summary.columns else None
    return UNKNOWN_LOAD_TIME if pd.isna(latest) else pd.Timestamp(latest).to_pydatetime()
