"""The shipped sample's real deliveries (issue 18 item 7) carry the figures of the long files they
replace: the same root written with `real_deliveries=False` is the reference, read by the same
readers the pipeline uses."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import shapely

from assets.ingest.areas import area_files, read_areas
from assets.ingest.geocoding import geocode, read_house_coordinates
from assets.ingest.statistics_recipes import read_statistics
from data.sample_generator import generate
from tests.conftest import SAMPLE

AREAS = {f"SR-{n:02d}": "05999000" for n in range(1, 33)}
VALUE_COLUMNS = ["municipality_ags", "area_id", "reference_date", "code", "value", "symbol"]


@pytest.fixture(scope="module")
def long_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("long") / "sample"
    generate(root)
    return root


def statistics_of(root: Path):
    paths = [p for p in sorted((root / "statistics").rglob("*")) if p.is_file()]
    paths = [p for p in paths if {"small_area", "incoming"} & set(p.relative_to(root).parts)]
    result = read_statistics(paths, root, AREAS, dt.date(2026, 11, 30))
    values = result.loaded[VALUE_COLUMNS].astype(str).sort_values(VALUE_COLUMNS)
    return result, values.reset_index(drop=True)


def test_the_sample_delivers_workbooks_a_wide_export_a_shapefile_and_house_coordinates():
    files = {p.relative_to(SAMPLE).as_posix() for p in SAMPLE.rglob("*") if p.is_file()}
    workbooks = sorted(f for f in files if f.startswith("statistics/incoming/ba/"))
    # 46 months 2023-01 … 2026-10 without 2024 (long, with its broken rows): 11 full quarters
    # and October 2026
    assert len(workbooks) == 12 and workbooks[0].endswith("-AkG-Musterstadt-202303.xlsx")
    assert workbooks[-1].endswith("-202610.xlsx")
    wide = sorted(f for f in files if f.startswith("statistics/incoming/stadt/"))
    assert [w.split("/")[-1][:4] for w in wide] == ["2019", "2022", "2023", "2024", "2025"]
    assert {
        "statistics/recipes/ba_akg.yaml",
        "statistics/recipes/stadt_einwohner.yaml",
        "areas/recipes/sozialraeume.yaml",
        "areas/incoming/Sozialraeume.zip",
        "geodata/hauskoordinaten/hk_de_05999000.txt",
        "statistics/small_area/ba_2024.csv",
        "statistics/small_area/bevoelkerung_2020.csv",
        "statistics/small_area/bevoelkerung_2021.csv",
    } <= files
    assert not [f for f in files if f.endswith(".geojson")]


def test_workbooks_and_wide_files_give_the_values_of_the_long_files(long_root):
    real, real_values = statistics_of(SAMPLE)
    long, long_values = statistics_of(long_root)
    # 46 months x 32 areas x 8 BA codes + 7 years x 32 areas x 16 population codes + 7 x 32
    # Grundsicherung, less the values in quarantine (3 BA rows, 1 unknown population code)
    assert len(real_values) == 46 * 32 * 8 + 7 * 32 * 16 + 7 * 32
    pd.testing.assert_frame_equal(real_values, long_values)
    where = ["file", "row_number", "reason_code"]
    assert real.quarantine[where].values.tolist() == long.quarantine[where].values.tolist()


def test_the_shapefile_gives_the_areas_of_the_geojson(long_root):
    real, _ = read_areas(area_files(SAMPLE), SAMPLE)
    long, _ = read_areas(area_files(long_root), long_root)
    assert real.quarantine.empty
    real_rows = real.loaded.sort_values("area_id").reset_index(drop=True)
    long_rows = long.loaded.sort_values("area_id").reset_index(drop=True)
    attributes = ["municipality_ags", "area_id", "area_name", "district_name"]
    pd.testing.assert_frame_equal(real_rows[attributes], long_rows[attributes])
    assert "Auf der Höhe" in real_rows["area_name"].tolist()  # Windows-1252 DBF read as such
    # the same vertices (a Shapefile stores outer rings clockwise, GeoJSON counter-clockwise)
    real_shapes = shapely.normalize(shapely.from_wkt(real_rows["geometry_wkt"]))
    long_shapes = shapely.normalize(shapely.from_wkt(long_rows["geometry_wkt"]))
    assert shapely.equals_exact(real_shapes, long_shapes, tolerance=0).all()


def test_the_address_only_provider_is_placed_where_its_coordinates_were(long_root):
    sent = pd.read_csv(SAMPLE / "providers/TR-08/facilities.csv", sep=";", dtype=str)
    given = pd.read_csv(long_root / "providers/TR-08/facilities.csv", sep=";", dtype=str)
    assert sent["Lon"].isna().all() and sent["Lat"].isna().all() and len(sent) == 30
    houses = read_house_coordinates(sorted((SAMPLE / "geodata/hauskoordinaten").glob("*.txt")))
    placed = geocode(sent["Adresse"], houses)
    assert placed.code.isna().all()
    lon = given["Lon"].str.replace(",", ".").astype(float)
    lat = given["Lat"].str.replace(",", ".").astype(float)
    # within float noise of the delivered 6 decimals (1e-12 degrees is about 0.1 micrometre)
    assert (placed.lon - lon).abs().max() < 1e-12 and (placed.lat - lat).abs().max() < 1e-12
