"""Reads the published DuckDB file once per report: every table in one query, grouped in pandas.

Only the published file is read, never the internal one, so the report shows exactly what
disclosure control let through. One query per table (not per area) keeps a city with 10,000 areas
linear: the pages pick their rows from dictionaries built here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

AREA_KEY = ["municipality_ags", "area_id"]
CITY = "ALL"

QUERIES = {
    "areas": "SELECT * FROM areas ORDER BY municipality_ags, area_id",
    "catalog": "SELECT * FROM indicator_catalog ORDER BY indicator_id",
    "values": """SELECT municipality_ags, area_id, reference_date, indicator_id, value, status, note
                 FROM indicator_values ORDER BY municipality_ags, area_id, indicator_id, reference_date""",
    "social_index": "SELECT * FROM social_index ORDER BY municipality_ags, area_id, reference_date",
    "facilities": "SELECT * FROM facilities ORDER BY municipality_ags, area_id, offer_type, name, facility_id",
    "supply": """SELECT * FROM supply
                 QUALIFY reference_date = max(reference_date) OVER (PARTITION BY municipality_ags)
                 ORDER BY municipality_ags, area_id, offer_type""",
    "measures": "SELECT * FROM measures ORDER BY measure_id",
    "kpi_status": """SELECT * FROM kpi_status
                     QUALIFY month = max(month) OVER (PARTITION BY measure_id)
                     ORDER BY measure_id, kpi""",
    "needs": "SELECT * FROM needs_survey ORDER BY municipality_ags, area_id, topic, respondent_group",
    # a goal has a row per municipality: ALL (goal_id first) keeps their order fixed between runs
    "goals": "SELECT * FROM v_goal_overview ORDER BY ALL",
    "red_kpis": "SELECT * FROM v_red_kpis_latest ORDER BY measure_id, kpi",
    "metadata": "SELECT key, value FROM metadata ORDER BY key",
}


@dataclass(frozen=True)
class ReportData:
    """The published tables a report needs, as frames; `areas` carries shapely geometries."""

    areas: gpd.GeoDataFrame
    catalog: pd.DataFrame
    values: pd.DataFrame
    social_index: pd.DataFrame
    facilities: pd.DataFrame
    supply: pd.DataFrame
    measures: pd.DataFrame
    kpi_status: pd.DataFrame
    needs: pd.DataFrame
    goals: pd.DataFrame
    red_kpis: pd.DataFrame
    metadata: dict[str, str]

    @property
    def published_at(self) -> str | None:
        """The refresh time stamp written by the pipeline: the only time a page may show."""
        return self.metadata.get("published_at_utc")


def load(published: Path) -> ReportData:
    """All report inputs from the published file, read-only and closed again straight away.

    The publish step replaces the file by an atomic rename, so a read-only connection never
    blocks a refresh for longer than these few queries.
    """
    con = duckdb.connect(str(published), read_only=True)
    try:
        frames = {name: _nulls_as_none(con.execute(sql).df()) for name, sql in QUERIES.items()}
    finally:
        con.close()
    areas = frames.pop("areas")
    geometry = shapely.from_wkt(areas.pop("geometry_wkt").to_numpy())
    meta = frames.pop("metadata")
    metadata = dict(zip(meta["key"], meta["value"], strict=True))
    return ReportData(
        areas=gpd.GeoDataFrame(areas, geometry=geometry, crs="EPSG:25832"),
        metadata=metadata,
        **frames,
    )


def records_by_area(frame: pd.DataFrame) -> dict[tuple[str, str], list[dict]]:
    """Row dictionaries per (municipality_ags, area_id), in one pass instead of a filter per page."""
    grouped: dict[tuple[str, str], list[dict]] = {}
    for record in frame.to_dict("records"):
        grouped.setdefault((record["municipality_ags"], record["area_id"]), []).append(record)
    return grouped


def _nulls_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with None for missing, so templates test one kind of missing, not NaN too."""
    for column in frame.select_dtypes(include="object").columns:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame
