"""The Sozialräume as the surveying office delivers them (SPEC §5): a zipped Shapefile
(``areas/incoming/Sozialraeume.zip``, the layer in a folder ``Sozialraeume/`` inside), with a
``.prj``, a Windows-1252 DBF without ``.cpg`` and the office's own 10-character field names,
read by the area recipe ``areas/recipes/sozialraeume.yaml``.

GDAL writes the file; what it would vary between runs is pinned: the DBF header carries the day
of writing (bytes 1-3), and the zip members get a fixed time and order. The ``.cpg`` is left out
and the DBF's language driver byte says Windows-1252, as in the offices' own files. The coordinates are the
GeoJSON's (0.1 m), so the areas come out as from the GeoJSON.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely.geometry

LAYER = "Sozialraeume"
ZIP_PATH = f"areas/incoming/{LAYER}.zip"
MEMBERS = (".shp", ".shx", ".dbf", ".prj")
DBF_DATE = bytes([126, 11, 1])  # 2026-11-01: years since 1900, month, day
DBF_LANGUAGE_DRIVER = 0x57  # byte 29: ANSI (Windows-1252), as the office's software writes it
FIXED_ZIP_TIME = (2026, 11, 1, 0, 0, 0)
# the office's field names (DBF: at most 10 characters) for the product's attributes
FIELDS = {"area_id": "NR_SOZIALR", "area_name": "NAME_SOZIA", "district_name": "STADTBEZIR"}


def write_boundaries(out: Path, features: list[dict]) -> None:
    """``features``: GeoJSON-like dicts with the product's attribute names (EPSG:25832)."""
    rows = [
        {
            FIELDS["area_id"]: f["properties"]["area_id"].split("-")[-1],
            FIELDS["area_name"]: f["properties"]["area_name"],
            FIELDS["district_name"]: f["properties"]["district_name"],
            "geometry": shapely.geometry.shape(f["geometry"]),
        }
        for f in features
    ]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:25832")
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{LAYER}.shp"
        frame.to_file(shp, driver="ESRI Shapefile", engine="pyogrio", encoding="cp1252")
        dbf = bytearray(shp.with_suffix(".dbf").read_bytes())
        dbf[1:4] = DBF_DATE
        dbf[29] = DBF_LANGUAGE_DRIVER
        shp.with_suffix(".dbf").write_bytes(bytes(dbf))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for suffix in MEMBERS:
                info = zipfile.ZipInfo(f"{LAYER}/{LAYER}{suffix}", date_time=FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.create_system = 0
                archive.writestr(info, shp.with_suffix(suffix).read_bytes())
    target = out / ZIP_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())
