"""`sozialplanung.gpkg` for QGIS: layers `sozialraeume` (areas with the latest indicators, each
with its reference date `<indicator_id>_date`, and index classes; every column once) and
`einrichtungen` (facilities as points), EPSG:25832."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import geopandas as gpd

GPKG = "sozialplanung.gpkg"
CRS = "EPSG:25832"


def write_geopackage(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    # the profile already holds the key indicators: take each column once
    profile = _columns(con, "v_area_profile")
    shared = ", ".join(c for c in _columns(con, "v_latest_indicators") if c in profile)
    areas = con.execute(f"""
        SELECT p.*, i.* EXCLUDE ({shared}), a.geometry_wkt
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
    tmp = target.with_name(f".{target.stem}.tmp{target.suffix}")  # GDAL wants the .gpkg suffix
    tmp.unlink(missing_ok=True)
    for name, frame in (("sozialraeume", areas), ("einrichtungen", points)):
        frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    os.replace(tmp, target)
    return target


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
