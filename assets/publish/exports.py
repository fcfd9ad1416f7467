"""Exports next to the published file, rebuilt from it on every refresh (never from internal data).

- `parquet/<table>.parquet`: every published table, for R, Python and BI tools.
- `sozialplanung.gpkg`: layers `sozialraeume` (areas with the latest indicators and index classes)
  and `einrichtungen` (facilities as points), EPSG:25832, for QGIS.
- `sozialplanung.xlsx`: a workbook for planners, one sheet per topic with German headers; large
  histories are cut to the latest reference date so every sheet fits Excel. State-wide the
  longest sheet (`Datenqualität`, one row per landing file) has about 120,000 rows; a sheet
  beyond Excel's 1,048,576 rows would go on in continuation sheets (`spreadsheet.write_xlsx`).
  The parquet files and the DuckDB file hold every row without such limits.
Each file is written under a temporary name and moved into place, so a reader never sees half.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from assets.publish.docs import column_doc
from assets.publish.spreadsheet import write_xlsx
from assets.publish.swap import replace_folder

GPKG = "sozialplanung.gpkg"
XLSX = "sozialplanung.xlsx"
PARQUET = "parquet"
CRS = "EPSG:25832"

HEADERS = {
    "municipality_ags": "AGS",
    "area_id": "Sozialraum-ID",
    "area_name": "Sozialraum",
    "district_name": "Stadtbezirk",
    "area_km2": "Fläche (km²)",
    "population": "Einwohner",
    "population_date": "Stichtag Einwohner",
    "reference_date": "Stichtag",
    "index_date": "Stichtag Sozialindex",
    "status_class": "Statusklasse",
    "dynamics_class": "Dynamikklasse",
    "needs_action": "Handlungsbedarf",
    "status_index": "Statusindex",
    "dynamics_index": "Dynamikindex",
    "note": "Hinweis",
    "allocation_eur": "Mittel (EUR)",
    "amount_eur": "Betrag (EUR)",
    "indicator_id": "Indikator",
    "goal_id": "Ziel",
    "provider_id": "Träger",
    "facility_id": "Einrichtung",
    "name": "Name",
    "offer_type": "Angebotstyp",
    "source": "Quelle",
    "file": "Datei",
    "status": "Status",
}

SHEETS = {
    "Sozialräume": "SELECT * EXCLUDE (municipality_ags) FROM v_area_profile",
    "Indikatoren aktuell": "SELECT * FROM v_latest_indicators",
    "Indikatorkatalog": "SELECT * FROM indicator_catalog",
    "Sozialindex": "SELECT * FROM social_index ORDER BY reference_date DESC, area_id",
    "Mittelverteilung": "SELECT * FROM allocation ORDER BY reference_date DESC, area_id",
    "Zielfortschritt": """SELECT * FROM goal_progress
        QUALIFY reference_date = max(reference_date) OVER (PARTITION BY goal_id)
        ORDER BY goal_id, area_id""",
    "Einrichtungen": "SELECT * FROM facilities ORDER BY facility_id",
    "Datenqualität": "SELECT * FROM data_quality ORDER BY source, file",
}


def german_header(table: str, column: str) -> str:
    if column in HEADERS:
        return HEADERS[column]
    doc = column_doc(table, column)
    return doc[0] if doc else column


def write_exports(published: Path, folder: Path, tables: list[str]) -> dict[str, Path]:
    """Write every export from the published file; returns what was written."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        written = {PARQUET: _parquet(con, folder / PARQUET, tables)}
        written[GPKG] = _geopackage(con, folder / GPKG)
        written[XLSX] = _workbook(con, folder / XLSX)
    finally:
        con.close()
    return written


def _parquet(con: duckdb.DuckDBPyConnection, target: Path, tables: list[str]) -> Path:
    staging = target.with_name(target.name + ".new")
    staging.mkdir(parents=True, exist_ok=True)
    for table in tables:
        path = (staging / f"{table}.parquet").as_posix().replace("'", "''")
        con.execute(f"COPY (SELECT * FROM {table}) TO '{path}' (FORMAT parquet)")
    replace_folder(staging, target)
    return target


def _geopackage(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    areas = con.execute("""
        SELECT p.*, i.* EXCLUDE (municipality_ags, area_id, area_name, district_name),
               a.geometry_wkt
        FROM v_area_profile p
        LEFT JOIN v_latest_indicators i USING (municipality_ags, area_id)
        JOIN areas a USING (municipality_ags, area_id)""").df()
    areas = gpd.GeoDataFrame(
        areas.drop(columns="geometry_wkt"),
        geometry=gpd.GeoSeries.from_wkt(areas["geometry_wkt"]),
        crs=CRS,
    )
    facilities = con.execute("SELECT * FROM facilities").df()
    points = gpd.GeoDataFrame(
        facilities,
        geometry=gpd.points_from_xy(facilities["lon"], facilities["lat"]),
        crs="EPSG:4326",
    ).to_crs(CRS)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    for name, frame in (("sozialraeume", areas), ("einrichtungen", points)):
        frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    os.replace(tmp, target)
    return target


def _workbook(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    sheets = {}
    for sheet, sql in SHEETS.items():
        frame = con.execute(sql).df()
        table = sql.split("FROM")[1].split()[0]
        frame.columns = [german_header(table, c) for c in frame.columns]
        sheets[sheet] = _dates_as_text(frame)
    tmp = target.with_name(f".{target.name}.tmp")
    write_xlsx(tmp, sheets)
    os.replace(tmp, target)
    return target


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel shows timestamps as numbers with a time; dates read better as ISO text."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out
