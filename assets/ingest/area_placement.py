"""Is an area where its municipality is? Rules for coordinates that are valid but misplaced.

A polygon can be perfectly valid and still lie in the wrong place: a GeoJSON without a `crs`
member holding metres (RFC 7946 says such a file is WGS84, so the metres were read as degrees and
reprojected to Infinity), latitude and longitude swapped (the area lands thousands of km away),
one coordinate mistyped. Published, such an area takes no facility and no Zensus cell, every
facility is "outside every area", and supply shows no gaps. These rules refuse such features,
each with a German reason naming the feature's coordinates.

Thresholds:
- `GERMANY_25832`: Germany's longitude/latitude extent (5.87–15.04° E, 47.27–55.06° N) in
  EPSG:25832 is x 263,251 … 956,809 m, y 5,235,169 … 6,118,153 m; a margin of at least 20 km
  on each side gives the box below. Every German municipality lies well inside it.
- `MAX_DISTANCE_KM` = 30: an area's centroid may lie at most 30 km from the median of the
  centroids of the other areas of its municipality. Berlin, the largest municipality by extent,
  spans about 45 km, so no centroid of its areas lies more than about 25 km from the middle;
  rural municipalities of 600 km² span less. The defects this rule exists for put an area
  hundreds of km away (a mistyped leading digit moves it 100 km, a wrong UTM zone 400 km). The
  median of the others is used because one or two misplaced areas cannot move it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

GERMANY_25832 = (240_000.0, 5_210_000.0, 980_000.0, 6_140_000.0)  # min x, min y, max x, max y
MAX_DISTANCE_KM = 30.0


def non_finite(geoms: np.ndarray) -> np.ndarray:
    """Per geometry: does any coordinate hold NaN or ±Infinity?"""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    return np.bincount(index[bad], minlength=len(geoms))[: len(geoms)] > 0


def not_degrees(geoms: np.ndarray) -> np.ndarray:
    """Per geometry: is any coordinate outside longitude −180 … 180 / latitude −90 … 90?

    For a layer in a geographic CRS. A GeoJSON without a `crs` member is read as WGS84 (RFC
    7946), so metres in such a file show up here, as coordinates no longitude/latitude can have.
    """
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    with np.errstate(invalid="ignore"):
        bad = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    return np.bincount(index[bad], minlength=len(geoms))[: len(geoms)] > 0


def outside_germany(geoms: np.ndarray) -> np.ndarray:
    """Per geometry (EPSG:25832): does its bounding box leave Germany's box with margin?"""
    bounds = shapely.bounds(geoms)
    x0, y0, x1, y1 = GERMANY_25832
    with np.errstate(invalid="ignore"):
        inside = (
            (bounds[:, 0] >= x0)
            & (bounds[:, 1] >= y0)
            & (bounds[:, 2] <= x1)
            & (bounds[:, 3] <= y1)
        )
    return ~inside


def distance_from_rest_km(geoms: np.ndarray, ags: pd.Series, candidate: np.ndarray) -> pd.Series:
    """Per candidate geometry: km from its centroid to the median centroid of the other candidates
    of the same AGS (NaN for non-candidates and municipalities with a single candidate).

    The median is taken per axis over the others only (leave one out), so a misplaced area is
    measured against the rest of its municipality, never against itself.
    """
    distance = pd.Series(np.nan, index=ags.index, dtype="float64")
    positions = np.flatnonzero(candidate)
    if len(positions) < 2:
        return distance
    centroids = shapely.get_coordinates(shapely.centroid(geoms[positions]))
    groups = pd.Series(positions).groupby(ags.to_numpy()[positions], sort=False).indices
    for members in groups.values():
        if len(members) < 2:
            continue
        x = _median_of_others(centroids[members, 0])
        y = _median_of_others(centroids[members, 1])
        dx, dy = centroids[members, 0] - x, centroids[members, 1] - y
        distance.iloc[positions[members]] = np.hypot(dx, dy) / 1000.0
    return distance


def _median_of_others(values: np.ndarray) -> np.ndarray:
    """For each element, the median of all the other elements (n ≥ 2), in O(n log n)."""
    n = len(values)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(n, dtype="int64")
    ranks[order] = np.arange(n)
    ordered = values[order]

    def others_at(k: int) -> np.ndarray:
        # the k-th smallest of the others: skip over the element itself
        return np.where(k < ranks, ordered[k], ordered[k + 1])

    m = n - 1
    if m % 2:
        return others_at(m // 2)
    return (others_at(m // 2 - 1) + others_at(m // 2)) / 2.0


NOT_DEGREES = (
    "Koordinaten sind keine Längen-/Breitengrade, die Datei nennt aber kein anderes "
    "Koordinatenreferenzsystem (ein GeoJSON ohne „crs“ gilt nach RFC 7946 als WGS84): kein "
    "Koordinatenbezugssystem für diese Koordinaten; bitte das Koordinatenreferenzsystem in der "
    "Datei angeben (z. B. EPSG:25832)"
)
NON_FINITE = "Koordinaten enthalten NaN oder Infinity (im Original oder nach Umrechnung)"
_X0, _Y0, _X1, _Y1 = GERMANY_25832
OUTSIDE = (
    f"Fläche liegt außerhalb Deutschlands (in EPSG:25832 erlaubt: x {_X0:.0f} … {_X1:.0f}, "
    f"y {_Y0:.0f} … {_Y1:.0f}); Länge und Breite vertauscht oder falsches "
    "Koordinatenreferenzsystem?"
)


def placement_rules(rows: pd.DataFrame, reject) -> None:
    """Refuse features whose coordinates cannot be where a German municipality is.

    `rows` are the areas reader's feature rows (`_raw` as delivered, `_target` in EPSG:25832,
    `_geographic` whether the layer's CRS is longitude/latitude); `reject` is the batch's
    `FrameRejections.reject`. In order: metres in a longitude/latitude layer (`missing_crs`),
    NaN/Infinity (`non_finite_coordinates`), then outside Germany (`outside_germany`).
    """
    raw = rows["_raw"].to_numpy()
    target = rows["_target"].to_numpy()
    geographic = rows["_geographic"].to_numpy(dtype=bool)
    reject(
        geographic & not_degrees(raw),
        "geometry",
        pd.Series(_extent(raw), index=rows.index),
        "missing_crs",
        NOT_DEGREES,
    )
    reject(
        non_finite(raw) | non_finite(target),
        "geometry",
        None,
        "non_finite_coordinates",
        NON_FINITE,
    )
    present = ~(shapely.is_missing(target) | shapely.is_empty(target))
    reject(
        present & outside_germany(target),
        "geometry",
        pd.Series(_extent(target), index=rows.index),
        "outside_germany",
        OUTSIDE,
    )


def distance_rule(rows: pd.DataFrame, reject, accepted: np.ndarray) -> None:
    """Refuse accepted features whose centroid lies more than `MAX_DISTANCE_KM` from the median
    centroid of the other accepted areas of the same AGS (`far_from_municipality`)."""
    target = rows["_target"].to_numpy()
    km = distance_from_rest_km(target, rows["municipality_ags"], accepted)
    far = km > MAX_DISTANCE_KM
    if not far.any():
        return
    reasons = (
        "Fläche liegt "
        + km.round(0).astype("Int64").astype(str)
        + " km vom Rest der Kommune "
        + rows["municipality_ags"].astype(str)
        + f" entfernt (Mittelpunkt zum Median der übrigen Sozialräume; höchstens "
        f"{MAX_DISTANCE_KM:.0f} km); Koordinaten vertippt oder falsches Koordinatenreferenzsystem?"
    )
    centre = shapely.get_coordinates(shapely.centroid(target[far.to_numpy()]))
    values = pd.Series(None, index=rows.index, dtype=object)
    values[far] = [f"Mittelpunkt x {x:.0f}, y {y:.0f}" for x, y in centre]
    reject(far, "geometry", values, "far_from_municipality", reasons)


def _extent(geoms: np.ndarray) -> list[str | None]:
    """The bounding box of each geometry as text, for the quarantine's value column."""
    bounds = shapely.bounds(geoms)
    return [
        None if np.isnan(b).all() else f"x {b[0]:.6g} … {b[2]:.6g}, y {b[1]:.6g} … {b[3]:.6g}"
        for b in bounds
    ]
