"""The view of one area's profile page: indicators beside the city, index history, facilities,
supply, measures, needs survey, and the locator map's background.

Plain dictionaries of formatted cells for `templates/area.html`; the rows are picked from
dictionaries grouped once per report, so a page costs look-ups, not filters.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from assets import labels
from assets.report import svg
from assets.report.cells import (
    cell,
    class_chip,
    date_de,
    ja_nein,
    number,
    population_cell,
    yes,
)
from assets.report.data import CITY
from assets.report.lookups import ValueIndex

# A locator map draws at most this many outlines (areas, else districts, else the municipality),
# so a page stays a few kilobytes whatever the size of the city.
MAX_OUTLINES_ON_LOCATOR = 400
STATUS_ORDER = ["high", "medium", "low", "very_low"]


def area_view(area, key, catalog, values: ValueIndex, measures, context) -> dict:
    ags, area_id = key
    return {
        "id": area_id,
        "name": area.area_name,
        "district": area.district_name,
        "km2": number(area.area_km2, 2),
        "population": population_cell(area.population),
        "population_date": date_de(area.population_date),
        "indicators": [_indicator_row(ags, area_id, entry, values) for entry in catalog],
        "index": _index_rows(context["index_by_area"].get(key)),
        "facilities": _facility_rows(context["facilities_by_area"].get(key)),
        "supply": supply_rows(context["supply_by_area"].get(key)),
        "measures": measures.get(area_id, []),
        "needs": _needs_rows(context["needs_by_area"].get(key)),
    }


def _indicator_row(ags: str, area_id: str, entry: dict, values: ValueIndex) -> dict:
    """The area's latest value of one indicator beside the city's value at the same Stichtag."""
    indicator = entry["indicator_id"]
    date = values.latest_date(ags, area_id, indicator)
    return {
        "id": indicator,
        "label": entry["label_de"],
        "definition": entry["definition_de"],
        "area": values.cell_at(ags, area_id, indicator, date),
        "city": values.cell_at(ags, CITY, indicator, date),
        "date": date_de(date),
        "trend": svg.trend(
            values.series(ags, area_id, indicator),
            values.series(ags, CITY, indicator),
            f"Verlauf {entry['label_de']}: Sozialraum (blau) und Stadt (grau)",
        ),
    }


def _index_rows(rows: list[dict] | None) -> list[dict]:
    """Index classes per Stichtag and how the status class moved since the Stichtag before."""
    result, previous = [], None
    for row in rows or []:
        status = row["status_class"]
        change = ""
        if status in STATUS_ORDER and previous in STATUS_ORDER:
            step = STATUS_ORDER.index(status) - STATUS_ORDER.index(previous)
            change = "verbessert" if step < 0 else "verschlechtert" if step > 0 else "unverändert"
        previous = status
        result.append(
            {
                "date": date_de(row["reference_date"]),
                "status_index": cell(row["status_index"], note=row["note"], decimals=2),
                "status": class_chip(labels.STATUS_CLASSES, status),
                "dynamics_index": cell(row["dynamics_index"], note=row["note"], decimals=2),
                "dynamics": class_chip(labels.DYNAMICS_CLASSES, row["dynamics_class"]),
                "needs_action": ja_nein(row["needs_action"]),
                "change": change,
                "note": row["note"] or "",
            }
        )
    return result


def open_facilities(facilities: pd.DataFrame, published_at: str | None) -> pd.DataFrame:
    """Facilities not closed before the refresh; closed ones belong to history, not a profile."""
    if published_at is None or facilities.empty:
        return facilities
    valid_to = pd.to_datetime(facilities["valid_to"])
    return facilities[valid_to.isna() | (valid_to >= pd.Timestamp(published_at).normalize())]


def _facility_rows(rows: list[dict] | None) -> list[dict]:
    return [
        {
            "name": row["name"],
            "type": labels.label(labels.OFFER_TYPES, row["offer_type"]),
            "provider": row["provider_id"],
            "capacity": cell(row["capacity"], decimals=0),
            "address": row["address"] or "",
            "since": date_de(row["valid_from"]),
        }
        for row in rows or []
    ]


def supply_rows(rows: list[dict] | None) -> list[dict]:
    result = []
    for row in rows or []:
        result.append(
            {
                "date": date_de(row["reference_date"]),
                "type": labels.label(labels.OFFER_TYPES, row["offer_type"]),
                "target_population": cell(row["target_population"], row["status"], decimals=0),
                "facilities": cell(row["facilities"], decimals=0),
                "capacity": cell(row["capacity"], decimals=0),
                "coverage": cell(row["places_per_1000"], row["status"]),
                "city_coverage": cell(row["municipality_places_per_1000"]),
                "within": cell(row["share_within_distance"], row["status"]),
                "gap": yes(row["gap"]),
                "gap_rank": number(row["gap_rank"], 0),
                "gap_reason": row["gap_reason"] or "",
            }
        )
    return result


def _needs_rows(rows: list[dict] | None) -> list[dict]:
    """Topics as rows, respondent groups as columns; suppressed cells read "gesperrt"."""
    result = {}
    for row in rows or []:
        group = labels.label(labels.RESPONDENT_GROUPS, row["respondent_group"])
        entry = result.setdefault(row["topic"], {"topic": row["topic"], "groups": {}})
        status, note = row["status"], row["note"]
        entry["groups"][group] = {
            "n": cell(row["n"], status, note, decimals=0, missing="gesperrt"),
            "mean": cell(row["mean_rating"], status, note, decimals=2, missing="gesperrt"),
            "share": cell(row["share_high_need"], status, note, decimals=0, missing="gesperrt"),
        }
    return list(result.values())


def locator_outlines(areas: gpd.GeoDataFrame, frame: svg.Frame, paths: list[str]) -> list[str]:
    """The grey background of the locator maps as path data: every area (the paths already made
    for the city maps), or coarser levels for big cities."""
    if len(areas) <= MAX_OUTLINES_ON_LOCATOR:
        return paths
    districts = areas.dissolve("district_name")
    if len(districts) <= MAX_OUTLINES_ON_LOCATOR:
        return [frame.path(geometry) for geometry in districts.geometry]
    return [frame.path(areas.geometry.union_all())]
