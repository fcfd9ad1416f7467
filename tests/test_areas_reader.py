"""Area polygons: GeoPackage in another CRS, invalid geometries, duplicates, missing attributes, links."""

import os

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

from assets.ingest.areas import area_files, linked_area_files, municipalities_in, read_areas
from tests.conftest import AGS, write_areas_geojson


def test_geojson_with_declared_25832_keeps_coordinates_and_areas(tmp_path):
    path = tmp_path / "areas" / "a.geojson"
    write_areas_geojson(path, ["A", "B"])
    result, polygons = read_areas([path], tmp_path)
    assert result.loaded["area_id"].tolist() == ["A", "B"]
    assert result.loaded["area_km2"].tolist() == pytest.approx([1.0, 1.0])
    assert result.loaded["geometry_wkt"][0].startswith("POLYGON ((380000 5700000")
    assert polygons.crs.to_epsg() == 25832


def test_geopackage_in_wgs84_is_reprojected_and_bad_features_quarantined(tmp_path):
    # 0.01° x 0.01° near Dortmund; at 51.5° N that is about 694 m x 1112 m
    def cell(lon, lat):
        return Polygon([(lon, lat), (lon + 0.01, lat), (lon + 0.01, lat + 0.01), (lon, lat + 0.01)])

    bowtie = Polygon([(7.0, 51.5), (7.01, 51.51), (7.01, 51.5), (7.0, 51.51)])  # self-intersecting
    frame = gpd.GeoDataFrame(
        {
            "municipality_ags": [AGS, AGS, AGS, "5999", AGS],
            "area_id": ["A", "B", "A", "C", "D"],
            "area_name": ["a", "b", "a again", "c", ""],
            "district_name": ["N"] * 5,
        },
        geometry=[cell(7.40, 51.50), bowtie, cell(7.42, 51.50), cell(7.44, 51.5), cell(7.46, 51.5)],
        crs="EPSG:4326",
    )
    path = tmp_path / "areas" / "areas.gpkg"
    path.parent.mkdir()
    frame.to_file(path, layer="sozialraeume", driver="GPKG")
    result, polygons = read_areas([path], tmp_path)
    assert result.loaded["area_id"].tolist() == ["A"]
    assert 0.7 < result.loaded["area_km2"][0] < 0.8  # 694 m x 1112 m = 0.77 km²
    assert polygons.total_bounds[0] > 300000  # metres in UTM 32N, not degrees
    reasons = {(q.row_number, q.reason_code) for q in result.quarantine.itertuples()}
    assert reasons == {
        (2, "invalid_geometry"),
        (3, "duplicate"),
        (4, "invalid_ags"),
        (5, "empty_value"),
    }
    files = result.files.iloc[0]
    assert (files.rows_in, files.rows_loaded, files.rows_quarantined) == (5, 1, 4)


def test_links_in_areas_are_reported_and_never_read(tmp_path):
    outside = tmp_path / "outside" / "fremd.geojson"
    write_areas_geojson(outside, ["X"])
    root = tmp_path / "root"
    write_areas_geojson(root / "areas" / "a.geojson", ["A"])
    os.symlink(outside, root / "areas" / "link.geojson")
    os.symlink(tmp_path / "outside" / "fehlt.gpkg", root / "areas" / "kaputt.gpkg")  # dangling
    assert [p.name for p in area_files(root)] == ["a.geojson"]
    refused = linked_area_files(root)
    assert refused.quarantine[["file", "row_number", "reason_code"]].values.tolist() == [
        ["areas/kaputt.gpkg", None, "unexpected_file"],
        ["areas/link.geojson", None, "unexpected_file"],
    ]
    assert "Verknüpfung (Link)" in refused.quarantine["reason"][0]
    assert refused.files[["file", "rows_in"]].values.tolist() == [
        ["areas/kaputt.gpkg", 0],
        ["areas/link.geojson", 0],
    ]
    assert municipalities_in(root) == [AGS]  # partitions never see the linked file either


def test_a_linked_areas_folder_is_reported_as_a_whole(tmp_path):
    write_areas_geojson(tmp_path / "outside" / "a.geojson", ["A"])
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(tmp_path / "outside", root / "areas")
    assert area_files(root) == []
    assert linked_area_files(root).quarantine["file"].tolist() == ["areas"]
