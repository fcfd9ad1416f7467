"""Tiny hand-made inputs for the supply tests: 1 km squares in a row in EPSG:25832.

Positions are written in EPSG:25832 metres (easy to compute distances by hand) and converted to
what the functions receive: WGS84 lon/lat for facilities, EPSG:3035 centres for grid cells.
"""

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from shapely.geometry import box

from assets.settings import DEFAULTS

AGS = "05999000"
X0, Y0 = 380_000.0, 5_700_000.0
D1, D2 = dt.date(2023, 12, 31), dt.date(2024, 12, 31)
OPEN_SINCE = dt.date(2020, 1, 1)
SETTINGS = DEFAULTS["supply"]

_TO_WGS84 = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
_TO_3035 = Transformer.from_crs("EPSG:25832", "EPSG:3035", always_xy=True)


def squares(ids: list[str]) -> gpd.GeoDataFrame:
    """Area i is the 1 km square with its lower-left corner at (X0 + 1000 i, Y0)."""
    return gpd.GeoDataFrame(
        {"municipality_ags": AGS, "area_id": ids},
        geometry=[box(X0 + 1000 * i, Y0, X0 + 1000 * (i + 1), Y0 + 1000) for i in range(len(ids))],
        crs="EPSG:25832",
    )


def facility(
    facility_id, offer_type, x, y, capacity, area_id, valid_from=OPEN_SINCE, valid_to=None
) -> dict:
    lon, lat = _TO_WGS84.transform(x, y)
    return {
        "facility_id": facility_id,
        "provider_id": "TR-01",
        "offer_type": offer_type,
        "lon": lon,
        "lat": lat,
        "capacity": float(capacity) if capacity is not None else np.nan,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "municipality_ags": AGS if area_id else None,
        "area_id": area_id,
    }


def facilities(rows: list[dict]) -> pd.DataFrame:
    columns = list(facility("x", "kita", X0, Y0, 1, None))
    return pd.DataFrame(rows, columns=columns)


def grid(cells: list[tuple[float, float, float]]) -> pd.DataFrame:
    """(x, y, population) in EPSG:25832 -> Zensus-like rows with EPSG:3035 centres."""
    xs = np.array([c[0] for c in cells], dtype=float)
    ys = np.array([c[1] for c in cells], dtype=float)
    x, y = _TO_3035.transform(xs, ys)
    return pd.DataFrame(
        {
            "cell_id": [f"C{i}" for i in range(len(cells))],
            "x_3035": x,
            "y_3035": y,
            "population": [float(c[2]) for c in cells],
        }
    )


def population(values: dict[str, dict[str, float]], dates=(D1,)) -> pd.DataFrame:
    """{area_id: {code: value}} repeated at every date."""
    return pd.DataFrame(
        [
            (AGS, area, date, code, float(value))
            for date in dates
            for area, codes in values.items()
            for code, value in codes.items()
        ],
        columns=["municipality_ags", "area_id", "reference_date", "code", "value"],
    )


def social_index(rows: list[tuple[str, dt.date, str | None, bool | None]]) -> pd.DataFrame:
    """(area, Stichtag, status_class, needs_action) -> social_index rows."""
    return pd.DataFrame(
        [(AGS, area, date, None, status, needs) for area, date, status, needs in rows],
        columns=[
            "municipality_ags",
            "area_id",
            "reference_date",
            "status_index",
            "status_class",
            "needs_action",
        ],
    )


NO_INDEX = social_index([])


def test_conversions_keep_positions_to_the_millimetre():
    # The tests place cells exactly at the walking distance; that only works if the round trip
    # 25832 -> 3035/WGS84 -> 25832 is exact far below the 1 mm tolerance of the supply code.
    back_3035 = Transformer.from_crs("EPSG:3035", "EPSG:25832", always_xy=True)
    back_wgs84 = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    cell = grid([(380_100.0, 5_700_500.0, 1)]).iloc[0]
    site = facility("F", "kita", 379_600.0, 5_700_500.0, 1, None)
    assert np.allclose(
        back_3035.transform(cell.x_3035, cell.y_3035), (380_100, 5_700_500), atol=1e-6
    )
    assert np.allclose(
        back_wgs84.transform(site["lon"], site["lat"]), (379_600, 5_700_500), atol=1e-6
    )
