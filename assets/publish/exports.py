"""Exports next to the published file, rebuilt from it on every refresh (never from internal data):
`parquet/<table>.parquet` (`parquet.py`), `sozialplanung.gpkg` for QGIS (`geopackage.py`) and
`sozialplanung.xlsx` for Excel (`workbook.py`). Each file is written under a temporary name and
moved into place, so a reader never sees half.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.publish.geopackage import GPKG, write_geopackage
from assets.publish.parquet import PARQUET, write_parquet
from assets.publish.workbook import XLSX, write_workbook


def write_exports(published: Path, folder: Path, tables: list[str]) -> dict[str, Path]:
    """Write every export from the published file; returns what was written."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        written = {PARQUET: write_parquet(con, folder / PARQUET, tables)}
        written[GPKG] = write_geopackage(con, folder / GPKG)
        written[XLSX] = write_workbook(con, folder / XLSX)
    finally:
        con.close()
    return written
