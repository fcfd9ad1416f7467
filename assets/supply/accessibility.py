"""Accessibility (Erreichbarkeit): share of an area's grid population within walking distance.

The Zensus 100 m cells stand for where people live. Each inhabited cell goes to the area that
holds its centre; its straight-line distance to the nearest open facility of a type is measured in
EPSG:25832 (metres, small distortion in NRW) with a spatial index. Walking routes are longer than
straight lines, so the share is an upper bound of real reach.

Secret cells (Zensus `–`, NaN in `population`) count as 0 inhabitants: the Zensus keeps only very
small counts secret, and guessing them would invent people where the statistics office says
nothing. An area whose cells are all secret or empty therefore has no population to share out and
gets NULL, like an area without any cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from assets.supply.coverage import AREA_KEY, ROW_KEY, no_rows

PROJECTED_CRS = "EPSG:25832"
GRID_CRS = "EPSG:3035"
FACILITY_CRS = "EPSG:4326"
WITHIN_TOLERANCE_M = 0.001
"""Coordinates pass through CRS conversions (EPSG:3035 and WGS84 to EPSG:25832) whose rounding
error is far below a millimetre; without this tolerance a cell exactly at the walking distance
could fall out by a nanometre."""


@dataclass(frozen=True)
class Cells:
    """Inhabited cells assigned to areas, as arrays for vectorised sums."""

    areas: pd.DataFrame  # municipality_ags, area_id, population: one row per area with inhabitants
    area_of_cell: np.ndarray  # row of `areas` for every cell
    population: np.ndarray
    centres: np.ndarray  # shapely points in PROJECTED_CRS


def inhabited_cells(grid: pd.DataFrame, polygons: gpd.GeoDataFrame) -> Cells:
    """Cells with inhabitants and the area holding their centre (one spatial join for all).

    A centre exactly on the border of two areas goes to the smaller area_id, as facilities do
    upstream, so that no inhabitant is counted twice.
    """
    people = grid["population"].astype(float).fillna(0.0)
    inhabited = grid[people > 0]
    x, y = Transformer.from_crs(GRID_CRS, PROJECTED_CRS, always_xy=True).transform(
        inhabited["x_3035"].to_numpy(float), inhabited["y_3035"].to_numpy(float)
    )
    points = gpd.GeoDataFrame(
        {"population": people[people > 0].to_numpy()},
        geometry=gpd.points_from_xy(x, y),
        crs=PROJECTED_CRS,
    )
    joined = gpd.sjoin(
        points,
        polygons[[*AREA_KEY, "geometry"]].to_crs(PROJECTED_CRS),
        how="inner",
        predicate="intersects",
    ).sort_values("area_id", kind="stable")
    joined = joined[~joined.index.duplicated(keep="first")].sort_index()
    by_area = joined.groupby(AREA_KEY, sort=True)
    areas = by_area["population"].sum().reset_index()
    return Cells(
        areas,
        by_area.ngroup().to_numpy(),
        joined["population"].to_numpy(float),
        joined.geometry.to_numpy(),
    )


def nearest_distance(
    centres: np.ndarray, facilities: np.ndarray, max_distance: float
) -> np.ndarray:
    """Metres from each centre to the nearest facility point (STRtree); infinite without any.

    Facilities farther than `max_distance` are not searched for (the distance is then infinite):
    a bounded search is several times faster over a state's 600,000 grid cells.
    """
    distance = np.full(len(centres), np.inf)
    if len(facilities) and len(centres):
        (cell, _), found = shapely.STRtree(facilities).query_nearest(
            centres, max_distance=max_distance, return_distance=True, all_matches=False
        )
        distance[cell] = found
    return distance


def share_within(cells: Cells, distance: np.ndarray, walking_m: float) -> np.ndarray:
    """Population-weighted share of each area's cells at most `walking_m` from a facility, in
    percent (0 … 100) like every published rate (DESIGN §8).

    A cell exactly at the walking distance counts as within (the setting is a maximum).
    """
    within = cells.population * (distance <= walking_m + WITHIN_TOLERANCE_M)
    reached = np.bincount(cells.area_of_cell, weights=within, minlength=len(cells.areas))
    return 100 * reached / cells.areas["population"].to_numpy()


def accessibility(
    polygons: gpd.GeoDataFrame,
    grid: pd.DataFrame,
    valid: pd.DataFrame,
    dates: list[pd.Timestamp],
    walking_distance_m: dict[str, float],
) -> pd.DataFrame:
    """`share_within_distance` per area with inhabitants, Stichtag and type with a walking distance.

    `valid` holds the facilities open at each Stichtag (offer_type, reference_date, lon, lat); all
    of them serve every cell, whatever area or municipality they lie in, because people cross
    area borders on foot. Shares are in percent; a type without any open facility gives 0.0.
    Areas and types missing from the result are NULL in the supply table. The nearest search runs
    once per type and Stichtag, and is skipped when the open facilities did not change since the
    previous Stichtag.
    """
    cells = inhabited_cells(grid, polygons)
    located = valid.dropna(subset=["lon", "lat"])
    x, y = Transformer.from_crs(FACILITY_CRS, PROJECTED_CRS, always_xy=True).transform(
        located["lon"].to_numpy(float), located["lat"].to_numpy(float)
    )
    points = pd.Series(shapely.points(x, y), index=located.index)
    groups = located.groupby(["offer_type", "reference_date"]).groups
    parts = []
    for offer_type, walking_m in sorted(walking_distance_m.items()):
        if walking_m is None:
            continue
        last_key, distance = None, None
        for date in sorted(dates):
            facilities = points.loc[groups.get((offer_type, date), [])].to_numpy()
            key = tuple(
                sorted(zip(shapely.get_x(facilities), shapely.get_y(facilities), strict=True))
            )
            if key != last_key:
                reach = float(walking_m) + WITHIN_TOLERANCE_M
                last_key, distance = key, nearest_distance(cells.centres, facilities, reach)
            parts.append(
                cells.areas[AREA_KEY].assign(
                    reference_date=date,
                    offer_type=offer_type,
                    share_within_distance=share_within(cells, distance, float(walking_m)),
                )
            )
    if not parts:
        return no_rows("share_within_distance")
    return pd.concat(parts, ignore_index=True)[[*ROW_KEY, "share_within_distance"]]
