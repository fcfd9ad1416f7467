"""Areas whose geometry is not where the municipality is, and area files that cannot be read.

Issue 15 items 6 and 8: a GeoJSON without `crs` holding metres, latitude and longitude swapped, an
area 200 km from the rest of its municipality, NaN/Infinity coordinates, a truncated GeoJSON and a
damaged GeoPackage. Each is refused with file and feature number; the good areas still load.
"""

import json
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from assets.ingest.area_placement import _median_of_others, distance_from_rest_km
from assets.ingest.areas import area_files, municipalities_in, read_areas
from tests.conftest import AGS, square, write_areas_geojson

TO_WGS84 = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)


def feature(area_id: str, ring: list, ags: str = AGS) -> dict:
    return {
        "type": "Feature",
        "properties": {
            "municipality_ags": ags,
            "area_id": area_id,
            "area_name": f"Gebiet {area_id}",
            "district_name": "Nord",
        },
        "geometry": {"type": "Polygon", "coordinates": ring},
    }


def write_collection(path, features, crs: str | None = None) -> None:
    collection = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collection), encoding="utf-8")


def in_degrees(ring: list) -> list:
    """A ring of EPSG:25832 metres as WGS84 longitude/latitude."""
    return [[list(TO_WGS84.transform(x, y)) for x, y in part] for part in ring]


def located(result) -> list[tuple]:
    q = result.quarantine
    rows = [None if pd.isna(n) else int(n) for n in q["row_number"]]
    return list(zip(q["file"], rows, q["reason_code"], strict=True))


def test_geojson_without_crs_holding_metres_is_refused_as_without_crs(tmp_path):
    # RFC 7946: no `crs` member means WGS84, so GDAL read these metres as degrees, and the
    # reprojection to EPSG:25832 gave POLYGON ((Infinity ...)); now the file is refused
    metres = tmp_path / "areas" / "a_ohne_crs.geojson"
    write_collection(
        metres, [feature("X", square(390000, 5700000)), feature("Y", square(391000, 5700000))]
    )
    good = tmp_path / "areas" / "b.geojson"
    write_areas_geojson(good, ["A", "B"])
    result, polygons = read_areas([metres, good], tmp_path)
    assert located(result) == [
        ("areas/a_ohne_crs.geojson", 1, "missing_crs"),
        ("areas/a_ohne_crs.geojson", 2, "missing_crs"),
    ]
    assert "kein Koordinatenbezugssystem" in result.quarantine["reason"][0]
    assert result.quarantine["value"][0] == "x 390000 … 391000, y 5.7e+06 … 5.701e+06"
    assert result.loaded["area_id"].tolist() == ["A", "B"]
    assert not result.loaded["geometry_wkt"].str.contains("Infinity|NaN").any()
    files = result.files.set_index("file")
    assert files.loc["areas/a_ohne_crs.geojson", ["rows_in", "rows_quarantined"]].tolist() == [2, 2]


def test_geojson_without_crs_in_plausible_degrees_is_read_as_wgs84(tmp_path):
    path = tmp_path / "areas" / "wgs84.geojson"
    write_collection(path, [feature("A", in_degrees(square(380000, 5700000)))])
    result, polygons = read_areas([path], tmp_path)
    assert result.quarantine.empty
    # back in EPSG:25832 the square's corner is where it was drawn, to the centimetre
    x0, y0 = polygons.total_bounds[:2]
    assert (x0, y0) == pytest.approx((380000, 5700000), abs=0.01)
    assert result.loaded["area_km2"][0] == pytest.approx(1.0, rel=1e-6)


def test_swapped_latitude_and_longitude_is_refused_as_outside_germany(tmp_path):
    rings = [in_degrees(square(380000 + 1000 * i, 5700000)) for i in range(3)]
    swapped = [[[lat, lon] for lon, lat in part] for part in rings[1]]  # (51.4, 7.3) -> Oman
    path = tmp_path / "areas" / "wgs84.geojson"
    write_collection(
        path,
        [feature("A", rings[0]), feature("B", swapped), feature("C", rings[2])],
        crs="urn:ogc:def:crs:OGC:1.3:CRS84",
    )
    result, _ = read_areas([path], tmp_path)
    assert located(result) == [("areas/wgs84.geojson", 2, "outside_germany")]
    assert "außerhalb Deutschlands" in result.quarantine["reason"][0]
    assert "vertauscht" in result.quarantine["reason"][0]
    assert result.loaded["area_id"].tolist() == ["A", "C"]


def test_an_area_200_km_from_the_rest_of_its_municipality_is_refused(tmp_path):
    # centroids x = 380500, 381500, 382500 and 580500 (inside Germany, near Erfurt);
    # the median of the other three is 381500, so the far one is 199 km away
    path = tmp_path / "areas" / "a.geojson"
    features = [feature(f"S{i}", square(380000 + 1000 * i, 5700000)) for i in range(3)]
    features.insert(1, feature("FERN", square(580000, 5700000)))
    other = "05999001"  # another municipality far away is no reason on its own
    features.append(feature("ANDERE", square(700000, 5900000), ags=other))
    write_collection(path, features, crs="urn:ogc:def:crs:EPSG::25832")
    result, _ = read_areas([path], tmp_path)
    assert located(result) == [("areas/a.geojson", 2, "far_from_municipality")]
    entry = result.quarantine.iloc[0]
    assert "199 km vom Rest der Kommune 05999000" in entry["reason"]
    assert entry["value"] == "Mittelpunkt x 580500, y 5700500"
    assert result.loaded["area_id"].tolist() == ["S0", "S1", "S2", "ANDERE"]


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_nan_or_infinity_coordinates_are_refused(tmp_path, bad):
    path = tmp_path / "areas" / "a.geojson"
    text = json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
            "features": [
                feature("A", square(380000, 5700000)),
                feature(
                    "B",
                    [[[381000, 5700000], [382000, 5700000], [382000, 123.5], [381000, 5700000]]],
                ),
                feature("C", square(382000, 5700000)),
            ],
        }
    ).replace("123.5", bad)  # JSON has no NaN, but GDAL reads what such files hold
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    result, _ = read_areas([path], tmp_path)
    assert located(result) == [("areas/a.geojson", 2, "non_finite_coordinates")]
    assert "NaN oder Infinity" in result.quarantine["reason"][0]
    assert result.loaded["area_id"].tolist() == ["A", "C"]


def test_projected_coordinates_outside_germany_are_refused(tmp_path):
    # metres of EPSG:25832 in a file that declares Gauss-Krüger zone 3 (EPSG:31467) land in
    # the Atlantic: valid numbers, valid polygon, wrong place
    path = tmp_path / "areas" / "gk.geojson"
    write_collection(
        path,
        [feature("A", square(3380000, 5700000)), feature("B", square(380000, 5700000))],
        crs="urn:ogc:def:crs:EPSG::31467",
    )
    result, _ = read_areas([path], tmp_path)
    assert located(result) == [("areas/gk.geojson", 2, "outside_germany")]
    assert result.loaded["area_id"].tolist() == ["A"]


def test_median_of_the_others_by_hand():
    values = np.array([5.0, 1.0, 3.0, 100.0])
    # others of 5: 1, 3, 100 -> 3; of 1: 5, 3, 100 -> 5; of 3: 5, 1, 100 -> 5; of 100: 5, 1, 3 -> 3
    assert _median_of_others(values).tolist() == [3.0, 5.0, 5.0, 3.0]
    # even number of others: of 1 in (1, 2, 4): (2 + 4) / 2 = 3; of 4: (1 + 2) / 2 = 1.5
    assert _median_of_others(np.array([1.0, 2.0, 4.0])).tolist() == [3.0, 2.5, 1.5]


def test_distance_from_rest_is_measured_within_each_municipality_only():
    from shapely.geometry import Point

    geoms = np.array([Point(0, 0), Point(3000, 4000), Point(100000, 0), Point(0, 0)])
    ags = pd.Series(["A", "A", "B", "A"])
    km = distance_from_rest_km(geoms, ags, np.array([True, True, True, True]))
    # A: (0,0) vs median of (3000,4000),(0,0) = (1500, 2000) -> 2.5 km;
    # (3000,4000) vs (0,0) -> 5 km; B alone -> NaN
    assert km.tolist()[:2] == pytest.approx([2.5, 5.0])
    assert np.isnan(km[2])
    assert km[3] == pytest.approx(2.5)


# --- files that cannot be read (item 8) ---------------------------------------------------------


def _corrupt_gpkg(path):
    frame = gpd.GeoDataFrame(
        {"municipality_ags": [AGS], "area_id": ["G"], "area_name": ["g"], "district_name": ["d"]},
        geometry=gpd.GeoSeries.from_wkt(
            ["POLYGON ((390000 5700000, 391000 5700000, 391000 5701000, 390000 5700000))"]
        ),
        crs="EPSG:25832",
    )
    frame.to_file(path, driver="GPKG")
    data = bytearray(path.read_bytes())
    data[1024:] = b"\xff" * (len(data) - 1024)  # every page after the first overwritten
    path.write_bytes(bytes(data))


def test_a_truncated_geojson_and_a_damaged_geopackage_are_refused_and_others_load(tmp_path):
    good = tmp_path / "areas" / "b_gut.geojson"
    write_areas_geojson(good, ["A", "B"])
    truncated = tmp_path / "areas" / "a_abgeschnitten.geojson"
    truncated.write_bytes(good.read_bytes()[:300])  # a transfer cut off mid-feature
    damaged = tmp_path / "areas" / "c_kaputt.gpkg"
    _corrupt_gpkg(damaged)
    with pytest.raises(sqlite3.DatabaseError):  # what the damage is: SQLite no longer reads it
        sqlite3.connect(damaged).execute("SELECT * FROM sqlite_master").fetchall()
    paths = area_files(tmp_path)
    result, _ = read_areas(paths, tmp_path)
    assert located(result) == [
        ("areas/a_abgeschnitten.geojson", None, "unreadable_file"),
        ("areas/c_kaputt.gpkg", None, "unreadable_file"),
    ]
    for reason in result.quarantine["reason"]:
        assert reason.startswith("Datei konnte nicht gelesen werden")
        assert str(tmp_path) not in reason  # the path in the data root, never the machine's
    assert result.loaded["area_id"].tolist() == ["A", "B"]
    files = result.files.set_index("file")
    assert files["rows_in"].to_dict() == {
        "areas/a_abgeschnitten.geojson": 0,
        "areas/b_gut.geojson": 2,
        "areas/c_kaputt.gpkg": 0,
    }
    assert municipalities_in(tmp_path) == [AGS]  # the partitions ignore the broken files too


def test_a_0_byte_areas_file_is_reported_as_empty(tmp_path):
    write_areas_geojson(tmp_path / "areas" / "b.geojson", ["A"])
    (tmp_path / "areas" / "a.gpkg").write_bytes(b"")
    result, _ = read_areas(area_files(tmp_path), tmp_path)
    assert located(result) == [("areas/a.gpkg", None, "empty_file")]
    assert result.loaded["area_id"].tolist() == ["A"]
