"""`sozialplanung.gpkg` as QGIS and GDAL read it: DATE fields, GeoPackage 1.2 (no warning from
GDAL 3.6's `ogrinfo`), field aliases and descriptions, German labels and the QGIS layer styles.

The published file is the small one of `test_exports`, with an index class and child poverty
added for both areas. QGIS itself is not installed: how QGIS picks a style and a class is replayed
from its source (`QgsOgrProviderMetadata::loadStyle`, `QgsCategorizedSymbolRenderer::
symbolForValue`, `QgsGraduatedSymbolRenderer::rangeForValue`).
"""

import datetime as dt
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pyogrio
import pytest

from assets.publish.geopackage import GPKG, write_geopackage
from tests.test_exports import ROWS, build, settings

STATUS_STYLE = [  # (value, label, colour) as the profiles show the status classes
    ("hoch", "hoch", "26,152,80,255"),  # #1a9850
    ("mittel", "mittel", "217,239,139,255"),  # #d9ef8b
    ("niedrig", "niedrig", "253,174,97,255"),  # #fdae61
    ("sehr niedrig", "sehr niedrig", "215,48,39,255"),  # #d73027
    ("", "keine Angabe", "217,217,217,255"),  # NULL, #d9d9d9
]
CHILD_POVERTY_STYLE = [  # (lower, upper, label, colour), highest bin first
    (40.0, 100.0, "ab 40 %", "179,0,0,255"),  # #b30000
    (30.0, 40.0, "30 bis unter 40 %", "227,74,51,255"),  # #e34a33
    (20.0, 30.0, "20 bis unter 30 %", "252,141,89,255"),  # #fc8d59
    (10.0, 20.0, "10 bis unter 20 %", "253,204,138,255"),  # #fdcc8a
    (0.0, 10.0, "0 bis unter 10 %", "254,240,217,255"),  # #fef0d9
    (-1.0, -1.0, "keine Angabe", "217,217,217,255"),  # NULL as -1
]
QGIS_STYLE_COLUMNS = [  # the fields QGIS creates (QgsOgrProviderMetadata::saveStyle)
    ("id", "INTEGER"),
    ("f_table_catalog", "TEXT(256)"),
    ("f_table_schema", "TEXT(256)"),
    ("f_table_name", "TEXT(256)"),
    ("f_geometry_column", "TEXT(256)"),
    ("styleName", "TEXT(30)"),
    ("styleQML", "TEXT"),
    ("styleSLD", "TEXT"),
    ("useAsDefault", "BOOLEAN"),
    ("description", "TEXT"),
    ("owner", "TEXT(30)"),
    ("ui", "TEXT(30)"),
    ("update_time", "DATETIME"),
]


# an index class for both areas and child poverty, so the styles have values to colour;
# 10.0 lies on a bin edge: the profiles put it in "10 bis unter 20 %"
INDEX = [
    ("05999000", "SR-01", "2025-12-31", 1.5, "very_low", -0.8, "negative", True, None),
    ("05999000", "SR-02", "2025-12-31", -0.2, "medium", None, None, False, None),
]
CHILD_POVERTY = [
    ("05999000", "SR-01", "2025-12-31", "child_poverty", 5, 50, 10.0, "ok", None),
    ("05999000", "SR-02", "2025-12-31", "child_poverty", None, 50, None, "suppressed", None),
]


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gpkg")
    rows = ROWS | {
        "social_index": INDEX,
        "indicator_values": ROWS["indicator_values"] + CHILD_POVERTY,
    }
    published = build(folder / "sozialplanung.duckdb", settings(), rows)
    con = duckdb.connect(str(published), read_only=True)
    write_geopackage(con, folder / GPKG)
    write_geopackage(con, folder / GPKG)  # a refresh replaces the file
    con.close()
    return folder / GPKG


@pytest.fixture
def db(gpkg):
    connection = sqlite3.connect(gpkg)
    yield connection
    connection.close()


def test_dates_are_date_fields_with_iso_values(gpkg, db):
    info = pyogrio.read_info(gpkg, layer="sozialraeume")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["population_date"] == types["sgb2_quota_date"] == "OFTDate"
    assert types["index_date"] == types["child_poverty_date"] == "OFTDate"
    facilities = pyogrio.read_info(gpkg, layer="einrichtungen")
    assert dict(zip(facilities["fields"], facilities["ogr_types"], strict=True))["valid_from"] == (
        "OFTDate"
    )
    areas = pyogrio.read_dataframe(gpkg, layer="sozialraeume", use_arrow=True)
    assert list(areas["sgb2_quota_date"]) == [dt.date(2025, 12, 31)] * 2
    assert list(areas["old_age_poverty_date"]) == [dt.date(2024, 12, 31)] * 2
    declared = {row[1]: row[2] for row in db.execute("PRAGMA table_info(sozialraeume)")}
    assert declared["sgb2_quota_date"] == "DATE"
    stored = db.execute("SELECT DISTINCT typeof(index_date), index_date FROM sozialraeume")
    assert stored.fetchall() == [("text", "2025-12-31")]


def test_geopackage_version_is_1_2(db):
    assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
    assert db.execute("PRAGMA user_version").fetchone()[0] == 10200


@pytest.mark.skipif(
    shutil.which("ogrinfo") is None,
    reason="GDAL's ogrinfo is not installed (Debian: gdal-bin; CI installs it in .ci/run)",
)
def test_ogrinfo_opens_every_layer_without_a_warning(gpkg):
    listing = subprocess.run(["ogrinfo", "-q", str(gpkg)], capture_output=True, text=True)
    assert listing.returncode == 0 and listing.stderr == ""
    assert "1: sozialraeume (Multi Polygon)" in listing.stdout
    assert "2: einrichtungen (Point)" in listing.stdout
    for layer in ("sozialraeume", "einrichtungen", "layer_styles"):
        run = subprocess.run(["ogrinfo", "-q", str(gpkg), layer], capture_output=True, text=True)
        assert run.returncode == 0 and run.stderr == "", layer
    areas = subprocess.run(
        ["ogrinfo", "-so", str(gpkg), "sozialraeume"], capture_output=True, text=True
    )
    assert "population_date: Date" in areas.stdout and 'EPSG",25832' in areas.stdout


def test_codes_are_stored_as_german_labels(gpkg):
    areas = pyogrio.read_dataframe(gpkg, layer="sozialraeume").set_index("area_id")
    assert areas.crs.to_epsg() == 25832
    assert areas.loc["SR-01", ["status_class", "dynamics_class", "needs_action"]].tolist() == [
        "sehr niedrig",
        "negativ",
        "ja",
    ]
    assert areas.loc["SR-02", "status_class"] == "mittel"
    assert areas.loc["SR-02", "needs_action"] == "nein"
    assert areas.loc["SR-02", "dynamics_class"] is None
    facilities = pyogrio.read_dataframe(gpkg, layer="einrichtungen")
    assert facilities["offer_type"].tolist() == ["Kita"]
    # 7° E, 51.5° N lies about 139 km west of UTM zone 32's central meridian (9° E)
    point = facilities.geometry.iloc[0]
    assert 360_000 < point.x < 362_500 and 5_700_000 < point.y < 5_715_000


def test_fields_carry_german_aliases_and_descriptions(gpkg, db):
    rows = {
        (table, column): (name, description)
        for table, column, name, description in db.execute(
            "SELECT table_name, column_name, name, description FROM gpkg_data_columns"
        )
    }
    assert rows["sozialraeume", "area_name"] == ("Sozialraum", "Name des Sozialraums | area name")
    assert rows["sozialraeume", "sgb2_quota"][0] == "SGB-II-Quote"
    assert rows["sozialraeume", "sgb2_quota_date"][0] == "Stichtag SGB-II-Quote"
    alias, description = rows["sozialraeume", "status_class"]
    assert alias == "Statusklasse"
    assert "; hier als: hoch, mittel, niedrig, sehr niedrig | " in description
    assert description.endswith("; stored as: hoch, mittel, niedrig, sehr niedrig")
    assert rows["einrichtungen", "offer_type"][0] == "Angebotstyp"
    extensions = db.execute(
        "SELECT table_name, extension_name FROM gpkg_extensions WHERE extension_name = 'gpkg_schema'"
    ).fetchall()
    assert ("gpkg_data_columns", "gpkg_schema") in extensions
    # GDAL reads them back as the field's alternative name and comment
    _, table = pyogrio.read_arrow(gpkg, layer="sozialraeume", max_features=1)
    metadata = table.schema.field("sgb2_quota").metadata
    assert metadata[b"GDAL:OGR:alternative_name"].decode() == "SGB-II-Quote"


def test_layer_styles_table_is_what_qgis_creates(gpkg, db):
    columns = [(row[1], row[2]) for row in db.execute("PRAGMA table_info(layer_styles)")]
    assert columns == QGIS_STYLE_COLUMNS
    assert db.execute(
        "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
    ).fetchone() == ("attributes",)
    geometry = db.execute(
        "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = 'sozialraeume'"
    ).fetchone()[0]
    rows = db.execute(
        "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
        "useAsDefault FROM layer_styles ORDER BY id"
    ).fetchall()
    assert rows == [
        ("", "", "sozialraeume", geometry, "Statusklasse", 1),
        ("", "", "sozialraeume", geometry, "Kinderarmut", 0),
    ]
    # the filter QGIS sets on layer_styles through GDAL to pick the style it opens a layer with
    # (QgsOgrProviderMetadata::loadStyle)
    loaded = pyogrio.read_dataframe(
        gpkg,
        layer="layer_styles",
        where=f"f_table_schema='' AND f_table_name='sozialraeume' AND f_geometry_column='{geometry}'"
        " ORDER BY CASE WHEN useAsDefault THEN 1 ELSE 2 END,update_time DESC LIMIT 1",
    )
    assert loaded["styleName"].tolist() == ["Statusklasse"]
    stamp = db.execute("SELECT update_time FROM layer_styles WHERE id = 1").fetchone()[0]
    assert stamp.endswith("Z") and dt.datetime.fromisoformat(stamp).tzinfo == dt.UTC


def _style(db, name: str) -> ET.Element:
    qml = db.execute("SELECT styleQML FROM layer_styles WHERE styleName = ?", [name]).fetchone()[0]
    assert qml.startswith("<!DOCTYPE qgis")
    root = ET.fromstring(qml)
    assert root.tag == "qgis" and root.get("styleCategories") == "Symbology|Fields"
    # the aliases again, for a QGIS whose GDAL (< 3.7) does not read gpkg_data_columns
    aliases = {alias.get("field"): alias.get("name") for alias in root.iterfind("aliases/alias")}
    assert aliases["status_class"] == "Statusklasse" and aliases["sgb2_quota"] == "SGB-II-Quote"
    return root.find("renderer-v2")


def _colours(renderer: ET.Element) -> dict[str, str]:
    return {
        symbol.get("name"): symbol.find("layer/prop[@k='color']").get("v")
        for symbol in renderer.iterfind("symbols/symbol")
    }


def _areas(gpkg: Path) -> dict:
    frame = pyogrio.read_dataframe(gpkg, layer="sozialraeume", read_geometry=False)
    return frame.set_index("area_id").to_dict("index")


def test_status_class_style_is_the_default_in_the_profiles_colours(gpkg, db):
    renderer = _style(db, "Statusklasse")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "status_class"
    colours = _colours(renderer)
    categories = [
        (c.get("value"), c.get("label"), colours[c.get("symbol")])
        for c in renderer.iterfind("categories/category")
    ]
    assert categories == STATUS_STYLE
    # QGIS looks a value up by its text, NULL as ""
    by_value = {value: colour for value, _, colour in categories}
    areas = _areas(gpkg)
    assert by_value[areas["SR-01"]["status_class"] or ""] == "215,48,39,255"
    assert by_value[areas["SR-02"]["status_class"] or ""] == "217,239,139,255"


def test_child_poverty_style_uses_the_fixed_bins(gpkg, db):
    renderer = _style(db, "Kinderarmut")
    assert renderer.get("type") == "graduatedSymbol"
    assert renderer.get("attr") == 'coalesce("child_poverty", -1)'
    colours = _colours(renderer)
    ranges = [
        (float(r.get("lower")), float(r.get("upper")), r.get("label"), colours[r.get("symbol")])
        for r in renderer.iterfind("ranges/range")
    ]
    assert ranges == CHILD_POVERTY_STYLE

    def qgis_colour(value):  # rangeForValue: the first range with lower <= value <= upper
        value = -1.0 if value is None or value != value else value
        return next(c for low, high, _, c in ranges if low <= value <= high)

    areas = _areas(gpkg)
    assert areas["SR-01"]["child_poverty"] == 10.0
    assert qgis_colour(areas["SR-01"]["child_poverty"]) == "253,204,138,255"  # 10 bis unter 20
    assert qgis_colour(areas["SR-02"]["child_poverty"]) == "217,217,217,255"  # suppressed
    assert qgis_colour(9.99) == "254,240,217,255" and qgis_colour(40.0) == "179,0,0,255"
