"""Area recipes and zipped Shapefiles (issue 18, SPEC §5, §7.3, §7.7) on the SPEC's samples.

The fixtures in `tests/fixtures/boundaries/` are the synthetic SPEC samples: the Köln-style zip
(folder inside, `.prj` WGS_1984_UTM_Zone_32N with False_Easting 2 500 000 and no EPSG code, no
`.cpg`, language driver 0x57) and the Münster-style GeoJSON with truncated field names. Both
draw five areas on the extent 384000–387000 / 5704000–5706000 (EPSG:25832): three of
1 km × 1 km and two of 1.5 km × 1 km, 6 km² together.
"""

import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from assets.ingest.area_recipes import BrokenRecipe, parse_recipe
from assets.ingest.areas import area_files, municipalities_in, read_areas
from tests.conftest import write_areas_geojson

FIXTURES = Path(__file__).parent / "fixtures" / "boundaries"
AGS = "05999000"
KOELN_RECIPE = """\
recipe: 1
kind: areas
name: stadtteile
files: areas/incoming/Stadtteil.zip
format: shapefile
layer: Stadtteil
crs: from_file
encoding: auto
municipality_ags: "05999000"
area_id: {field: STT_NR, pad: 3}
area_name: {field: STT_NAME}
district_name:
  from_id: {slice: [0, 1]}
  map: {"1": "Mitte", "2": "Nordost"}
"""
MUENSTER_RECIPE = """\
recipe: 1
kind: areas
name: statistische_bezirke
files: areas/incoming/*.geojson
municipality_ags: "05999000"
area_id: {field: NR_STATIST, pad: 2, prefix: "SB-"}
area_name: {field: NAME_STATI}
district_name: {field: STADTBEZIR, pattern: '^\\d+\\s+(.*)$'}
"""
NAMES = ["Altstadt", "Schillerviertel", "Weidenau", "Eichenfeld", "Vogelsang"]


def _root(tmp_path: Path, sample: str, recipe: str | None) -> Path:
    incoming = tmp_path / "areas" / "incoming"
    incoming.mkdir(parents=True)
    shutil.copy(FIXTURES / sample, incoming / sample)
    if recipe is not None:
        (tmp_path / "areas" / "recipes").mkdir()
        (tmp_path / "areas" / "recipes" / "grenzen.yaml").write_text(recipe, encoding="utf-8")
    return tmp_path


def test_koeln_zip_with_recipe_loads_ids_names_districts_and_areas(tmp_path):
    root = _root(tmp_path, "Stadtteil.zip", KOELN_RECIPE)
    result, polygons = read_areas(area_files(root), root)
    assert result.quarantine.empty
    loaded = result.loaded
    assert loaded["area_id"].tolist() == ["101", "102", "103", "201", "202"]
    assert loaded["area_name"].tolist() == NAMES
    assert loaded["district_name"].tolist() == ["Mitte"] * 3 + ["Nordost"] * 2
    assert set(loaded["municipality_ags"]) == {AGS}
    # 1000 m x 1000 m three times, 1500 m x 1000 m twice (SHAPE_AREA in the DBF says the same)
    assert loaded["area_km2"].tolist() == pytest.approx([1.0, 1.0, 1.0, 1.5, 1.5], abs=1e-6)
    assert polygons.crs.to_epsg() == 25832
    # the zone prefix 2 000 000 is gone: the .prj's false easting was honoured, not guessed
    assert polygons.total_bounds == pytest.approx([384000, 5704000, 387000, 5706000], abs=0.001)
    assert municipalities_in(root) == [AGS]


def test_muenster_geojson_with_truncated_field_names(tmp_path):
    root = _root(tmp_path, "stadtteile-statistische-bezirke-musterstadt.geojson", MUENSTER_RECIPE)
    result, polygons = read_areas(area_files(root), root)
    assert result.quarantine.empty
    assert result.loaded["area_id"].tolist() == ["SB-01", "SB-02", "SB-03", "SB-04", "SB-05"]
    assert result.loaded["area_name"].tolist() == NAMES
    assert result.loaded["district_name"].tolist() == ["Mitte"] * 3 + ["Nordost"] * 2
    assert result.loaded["area_km2"].sum() == pytest.approx(6.0, abs=0.01)
    assert polygons.crs.to_epsg() == 25832


def test_unknown_key_is_an_error_naming_recipe_line_and_other_files_still_load(tmp_path):
    recipe = KOELN_RECIPE.replace("encoding: auto", "encodeing: auto")  # line 8
    root = _root(tmp_path, "Stadtteil.zip", recipe)
    write_areas_geojson(root / "areas" / "eigene.geojson", ["A"])
    result, _ = read_areas(area_files(root), root)
    assert result.loaded["area_id"].tolist() == ["A"]
    (entry,) = result.quarantine.itertuples()
    assert (entry.file, entry.reason_code) == ("areas/incoming/Stadtteil.zip", "recipe_invalid")
    assert "areas/recipes/grenzen.yaml:8: unbekannter Schlüssel 'encodeing'" in entry.reason


def test_field_matching_no_column_is_an_error_and_nothing_of_the_file_loads(tmp_path):
    recipe = KOELN_RECIPE.replace("{field: STT_NAME}", "{field: STT_NAM}")  # line 11
    root = _root(tmp_path, "Stadtteil.zip", recipe)
    result, polygons = read_areas(area_files(root), root)
    assert polygons.empty
    (entry,) = result.quarantine.itertuples()
    assert entry.reason_code == "recipe_invalid"
    assert "areas/recipes/grenzen.yaml:11: Feld 'STT_NAM' passt zu keinem Attribut" in entry.reason


def test_field_matching_two_columns_is_an_error(tmp_path):
    frame = gpd.GeoDataFrame(
        {"Name": ["a"], "NAME_": ["b"], "nr": ["1"]},
        geometry=[box(384000, 5704000, 385000, 5705000)],
        crs="EPSG:25832",
    )
    incoming = tmp_path / "areas" / "incoming"
    incoming.mkdir(parents=True)
    frame.to_file(incoming / "x.geojson", driver="GeoJSON")
    recipe = MUENSTER_RECIPE.replace("NR_STATIST", "nr").replace("NAME_STATI", "name")
    (tmp_path / "areas" / "recipes").mkdir()
    (tmp_path / "areas" / "recipes" / "r.yaml").write_text(recipe, encoding="utf-8")
    result, _ = read_areas(area_files(tmp_path), tmp_path)
    (entry,) = result.quarantine.itertuples()
    assert "areas/recipes/r.yaml:7: Feld 'name' passt zu mehreren (Name, NAME_)" in entry.reason


def test_invalid_yaml_recipe_is_reported_on_its_own():
    broken = parse_recipe("recipe: 1\nkind: [areas\n", "areas/recipes/b.yaml")
    assert isinstance(broken, BrokenRecipe)
    assert broken.reason.startswith("areas/recipes/b.yaml: kein gültiges YAML")


def test_pattern_that_does_not_match_quarantines_that_feature_only(tmp_path):
    recipe = MUENSTER_RECIPE.replace("'^\\d+\\s+(.*)$'", "'^1\\s+(.*)$'")
    root = _root(tmp_path, "stadtteile-statistische-bezirke-musterstadt.geojson", recipe)
    result, _ = read_areas(area_files(root), root)
    assert result.loaded["area_id"].tolist() == ["SB-01", "SB-02", "SB-03"]
    rows = [(q.row_number, q.column, q.reason_code) for q in result.quarantine.itertuples()]
    assert rows == [
        (4, "district_name", "pattern_mismatch"),
        (5, "district_name", "pattern_mismatch"),
    ]
    assert "2 Nordost" in result.quarantine["reason"].iloc[0]


def _zip_shapefile(folder: Path, zip_path: Path, inner: str) -> None:
    with zipfile.ZipFile(zip_path, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, f"{inner}/{part.name}")


@pytest.mark.filterwarnings("ignore:.*(truncated|laundered)")  # the DBF's 10-character names
def test_product_layout_zip_without_recipe_and_cp1252_dbf_without_cpg(tmp_path):
    """The product's names cut to 10 characters (`municipali`, `district_n`) are understood;
    a DBF with neither `.cpg` nor language driver byte is read as cp1252 (SPEC §5.3)."""
    frame = gpd.GeoDataFrame(
        {
            "municipality_ags": [AGS],
            "area_id": ["M1"],
            "area_name": ["Mülheim – Süd"],
            "district_name": ["Größere Mitte"],
        },
        geometry=[box(384000, 5704000, 385000, 5705000)],
        crs="EPSG:25832",
    )
    shp = tmp_path / "shp"
    shp.mkdir()
    frame.to_file(shp / "raeume.shp", encoding="cp1252")
    (shp / "raeume.cpg").unlink(missing_ok=True)
    dbf = bytearray((shp / "raeume.dbf").read_bytes())
    dbf[29] = 0  # no language driver either
    (shp / "raeume.dbf").write_bytes(bytes(dbf))
    assert "Mülheim – Süd".encode("cp1252") in dbf
    root = tmp_path / "root"
    (root / "areas").mkdir(parents=True)
    _zip_shapefile(shp, root / "areas" / "raeume.zip", "Ordner")
    result, _ = read_areas(area_files(root), root)
    assert result.quarantine.empty
    assert result.loaded["area_name"].tolist() == ["Mülheim – Süd"]
    assert result.loaded["district_name"].tolist() == ["Größere Mitte"]
    assert result.loaded["area_km2"].tolist() == pytest.approx([1.0])


def test_zip_without_shapefile_is_unreadable_and_does_not_stop_others(tmp_path):
    (tmp_path / "areas").mkdir()
    with zipfile.ZipFile(tmp_path / "areas" / "leer.zip", "w") as archive:
        archive.writestr("liesmich.txt", "nichts")
    write_areas_geojson(tmp_path / "areas" / "eigene.geojson", ["A"])
    result, _ = read_areas(area_files(tmp_path), tmp_path)
    assert result.loaded["area_id"].tolist() == ["A"]
    (entry,) = result.quarantine.itertuples()
    assert (entry.file, entry.reason_code) == ("areas/leer.zip", "unreadable_file")
    assert "keine Shapefile" in entry.reason


def test_layer_and_format_that_do_not_fit_the_file_name_the_recipe_line(tmp_path):
    root = _root(tmp_path, "Stadtteil.zip", KOELN_RECIPE.replace("layer: Stadtteil", "layer: STV"))
    result, _ = read_areas(area_files(root), root)
    assert (
        "grenzen.yaml:6: layer 'STV' nicht in der Datei; vorhanden: Stadtteil"
        in (result.quarantine["reason"].iloc[0])
    )
    recipe = KOELN_RECIPE.replace("format: shapefile", "format: gpkg")
    root = _root(tmp_path / "b", "Stadtteil.zip", recipe)
    result, _ = read_areas(area_files(root), root)
    assert (
        "grenzen.yaml:5: format 'gpkg' erwartet, die Datei ist shapefile"
        in (result.quarantine["reason"].iloc[0])
    )


def test_recipe_files_must_stay_under_areas():
    recipe = KOELN_RECIPE.replace("areas/incoming/Stadtteil.zip", "areas/../../etc/*")
    broken = parse_recipe(recipe, "areas/recipes/r.yaml")
    assert isinstance(broken, BrokenRecipe)
    assert broken.reason.startswith("areas/recipes/r.yaml:4: files:")
    assert broken.files == []  # never globbed


def test_unquoted_ags_is_an_error_because_yaml_reads_it_as_a_number():
    recipe = KOELN_RECIPE.replace('municipality_ags: "05999000"', "municipality_ags: 05315000")
    broken = parse_recipe(recipe, "areas/recipes/r.yaml")  # YAML: octal 05315000 = 1743360
    assert isinstance(broken, BrokenRecipe)
    assert broken.reason.startswith("areas/recipes/r.yaml:9: municipality_ags: den AGS in")
    assert broken.files == ["areas/incoming/Stadtteil.zip"]  # these files are refused


@pytest.mark.filterwarnings("ignore:.*(truncated|laundered)")
def test_shapefile_without_prj_needs_the_recipe_crs(tmp_path):
    frame = gpd.GeoDataFrame(
        {"NR": ["7"], "NAME": ["Mitte"], "BEZ": ["Innenstadt"]},
        geometry=[box(384000, 5704000, 386000, 5705000)],
    )
    shp = tmp_path / "shp"
    shp.mkdir()
    frame.to_file(shp / "sb.shp")
    assert not (shp / "sb.prj").exists()
    recipe = (
        "recipe: 1\nkind: areas\nname: sb\nfiles: areas/*.zip\nmunicipality_ags: '05999000'\n"
        "area_id: {field: nr, pad: 3}\narea_name: {field: NAME}\ndistrict_name: {field: BEZ}\n"
    )
    for crs, expected in [("", "missing_crs"), ("crs: EPSG:25832\n", None)]:
        root = tmp_path / f"root{len(crs)}"
        (root / "areas" / "recipes").mkdir(parents=True)
        (root / "areas" / "recipes" / "sb.yaml").write_text(recipe + crs, encoding="utf-8")
        _zip_shapefile(shp, root / "areas" / "sb.zip", "sb")
        result, _ = read_areas(area_files(root), root)
        assert result.quarantine["reason_code"].tolist() == ([expected] if expected else [])
        assert result.loaded["area_id"].tolist() == ([] if expected else ["007"])
        assert result.loaded["area_km2"].tolist() == ([] if expected else pytest.approx([2.0]))


def test_shipped_example_recipe_reads_the_koeln_sample(tmp_path):
    example = Path(__file__).parents[1] / "data" / "recipes" / "examples" / "areas_stadtteile.yaml"
    root = _root(tmp_path, "Stadtteil.zip", example.read_text(encoding="utf-8"))
    result, _ = read_areas(area_files(root), root)
    assert result.quarantine.empty
    assert result.loaded["area_id"].tolist() == ["101", "102", "103", "201", "202"]


def test_unreadable_recipe_is_reported_and_product_files_still_load(tmp_path):
    write_areas_geojson(tmp_path / "areas" / "eigene.geojson", ["A"])
    (tmp_path / "areas" / "recipes").mkdir()
    (tmp_path / "areas" / "recipes" / "alt.yaml").write_bytes("name: Köln".encode("cp1252"))
    result, _ = read_areas(area_files(tmp_path), tmp_path)
    assert result.loaded["area_id"].tolist() == ["A"]
    (entry,) = result.quarantine.itertuples()
    assert (entry.file, entry.reason_code) == ("areas/recipes/alt.yaml", "recipe_invalid")
    assert "nicht lesbar (UTF-8 erwartet)" in entry.reason
