"""The `supply` table (DESIGN §8): coverage, accessibility and ranked gaps in one frame."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from assets.supply.accessibility import PROJECTED_CRS, accessibility
from assets.supply.coverage import (
    ROW_KEY,
    coverage,
    municipality_coverage,
    offer_types,
    stichtage,
    target_population,
    valid_at,
)
from assets.supply.gaps import flag_gaps, rank_gaps, unserved

COLUMNS = [
    "municipality_ags",
    "area_id",
    "reference_date",
    "offer_type",
    "target_population",
    "facilities",
    "capacity",
    "places_per_1000",
    "share_within_distance",
    "gap",
    "gap_rank",
    "municipality_places_per_1000",
    "unserved",
    "gap_reason",
]

# Read only to fingerprint the inputs: the polygons come from `area_polygons`.
AREAS_QUERY = ("SELECT municipality_ags, area_id, geometry_wkt FROM areas", [])


def source_queries(supply_settings: dict) -> dict[str, tuple[str, list]]:
    """(SQL, parameters) of `compute_supply`'s inputs after the polygons, in its argument order.

    Only the population counts the target groups need are read: the monthly Bundesagentur rows
    are most of `small_area_statistics`.
    """
    groups = supply_settings["target_groups"].values()
    codes = sorted({"EW"} | {code for group in groups for code in group})
    return {
        "facilities": ("SELECT * FROM facilities", []),
        "population": (
            "SELECT municipality_ags, area_id, reference_date, code, value "
            "FROM small_area_statistics WHERE list_contains(?, code)",
            [codes],
        ),
        "grid": ("SELECT cell_id, x_3035, y_3035, population FROM zensus_grid", []),
        "social_index": ("SELECT * FROM social_index", []),
    }


def compute_supply(
    polygons: gpd.GeoDataFrame,
    facilities: pd.DataFrame,
    population: pd.DataFrame,
    grid: pd.DataFrame,
    social_index: pd.DataFrame,
    supply_settings: dict,
) -> pd.DataFrame:
    """One row per area, population Stichtag and offer type (settings' types plus delivered ones).

    Facilities count in the area upstream assigned them to; for the walking distance every open
    facility of the type counts, wherever it lies. `social_index` may be empty (gaps are then
    ranked by unserved population alone).
    """
    target_groups = supply_settings["target_groups"]
    polygons = polygons.to_crs(PROJECTED_CRS)
    areas_dates = stichtage(polygons, population, target_groups)
    dates = sorted(set(areas_dates["reference_date"]))
    valid = valid_at(facilities, areas_dates["reference_date"])
    rows = coverage(
        areas_dates,
        valid,
        target_population(population, target_groups),
        offer_types(target_groups, facilities),
    )
    rows = rows.merge(
        municipality_coverage(rows),
        on=["municipality_ags", "reference_date", "offer_type"],
        how="left",
    )
    reach = accessibility(polygons, grid, valid, dates, supply_settings["walking_distance_m"])
    rows = rows.merge(reach, on=ROW_KEY, how="left")
    rows["share_within_distance"] = rows["share_within_distance"].astype(float)
    rows["unserved"] = unserved(rows)
    rows = flag_gaps(rows, supply_settings)
    rows["gap_rank"] = rank_gaps(rows, social_index)
    rows["reference_date"] = rows["reference_date"].dt.date
    return rows.sort_values(ROW_KEY, ignore_index=True)[COLUMNS]
