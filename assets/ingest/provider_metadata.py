"""What the data team sees of the providers' deliveries in the Dagster UI.

Per provider: files, rows loaded and rejected, and the rejected rows as their feedback files list
them, so that the data team can answer a provider without opening the warehouse.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from assets.ingest.quarantine import IngestResult
from assets.metadata import markdown_table
from assets.publish.feedback import REJECTED_COLUMNS, feedback_tables
from assets.resources import Warehouse

REJECTED_SHOWN = 20  # rejected rows listed per provider; the feedback files have all of them


def provider_metadata(result: IngestResult, warehouse: Warehouse) -> dict:
    """Per provider: files, rows loaded and rejected, the rejected rows as in their feedback
    files (file, row, column, value, German reason) and where those files are."""
    files = result.files
    feedback = {
        "feedback_folder": dg.MetadataValue.path(str(warehouse.path / "feedback")),
        "rejected_rows": dg.MetadataValue.md(rejected_rows_markdown(result)),
    }
    if files.empty:
        return {"per_provider": dg.MetadataValue.md(markdown_table(pd.DataFrame())), **feedback}
    table = files.groupby("provider_id")[["rows_in", "rows_loaded", "rows_quarantined"]].sum()
    table.insert(0, "files", files.groupby("provider_id").size())
    return {"per_provider": dg.MetadataValue.md(markdown_table(table.reset_index())), **feedback}


def rejected_rows_markdown(result: IngestResult, shown: int = REJECTED_SHOWN) -> str:
    """A section per provider with the rows its feedback files list: the count, the feedback
    files, and the first `shown` rows; rows replaced by a newer delivery are not rejections."""
    if result.quarantine.empty:
        return "_(keine abgelehnten Zeilen)_"
    tables = feedback_tables(result.quarantine, result.files)
    if not tables:
        return "_(keine abgelehnten Zeilen)_"
    sections = []
    for provider in sorted({provider for provider, _ in tables}):
        periods = sorted(period for p, period in tables if p == provider)
        rows = pd.concat(
            [tables[(provider, period)]["Abgelehnte Zeilen"] for period in periods],
            ignore_index=True,
        )
        feedback_files = ", ".join(f"`feedback/{provider}/{period}.xlsx`" for period in periods)
        lines = [
            f"### {provider}: {len(rows)} abgelehnte Zeile{'n' if len(rows) != 1 else ''}",
            f"Rückmeldedateien: {feedback_files}",
            "",
            markdown_table(_cell_safe(rows.head(shown))),
        ]
        if len(rows) > shown:
            lines.append(f"\n… und {len(rows) - shown} weitere (alle in den Rückmeldedateien)")
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def _cell_safe(rows: pd.DataFrame, width: int = 80) -> pd.DataFrame:
    """Values as one short line without `|`, so a provider's odd cell cannot break the table."""
    value = REJECTED_COLUMNS["value"]
    text = rows[value].astype("string").fillna("")
    text = text.str.replace(r"\s+", " ", regex=True).str.replace("|", "\\|", regex=False)
    cut = text.str.len() > width
    text = text.where(~cut, text.str.slice(0, width - 1) + "…")
    return rows.assign(**{value: text})
