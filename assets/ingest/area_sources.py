"""Opening an area file as GDAL sees it: zipped Shapefiles, their encoding, and a recipe's fields.

Surveying offices ship Shapefiles zipped, often with the `.shp` in a folder inside the archive
(`Stadtteil/Stadtteil.shp`), which GDAL's `/vsizip/` does not search; the `.shp` members are
therefore listed here and each is opened by its path in the archive. A DBF without `.cpg` and
without a language driver byte is read as cp1252 (SPEC §5.3), the encoding of German Windows
software that writes such files; GDAL would otherwise assume ISO-8859-1 and lose `€`, `„`, `–`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from assets.ingest.area_recipes import AreaRecipe, RecipeError, resolve_fields

ATTRIBUTES = ["municipality_ags", "area_id", "area_name", "district_name"]
# A DBF keeps 10 characters of a field name: the product's own layout written as a Shapefile
# has `municipali` and `district_n`; they are read as the attributes they were cut from.
SHAPEFILE_NAMES = {name[:10]: name for name in ATTRIBUTES if len(name) > 10}
FALLBACK_ENCODING = "cp1252"
_LANGUAGE_DRIVER_OFFSET = 29  # byte 29 of a DBF header: code page ("language driver") id


def layers_of(path: Path) -> list[tuple[str | None, str, str | None]]:
    """(layer name or None, path for GDAL, GDAL layer) for every layer of an area file.

    A `.gpkg` has named layers; a `.zip` one layer per `.shp` member (named by its stem, in any
    folder of the archive); a GeoJSON a single unnamed layer.
    """
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        return [(name, str(path), name) for name, _ in pyogrio.list_layers(path)]
    if suffix == ".zip":
        members = _shp_members(path)
        if not members:
            raise ValueError("ZIP-Archiv enthält keine Shapefile (.shp)")
        return [(PurePosixPath(m).stem, _vsizip(path, m), None) for m in members]
    return [(None, str(path), None)]


def detected_format(path: Path) -> str:
    """The format (recipe key `format`) the file's suffix stands for."""
    suffix = path.suffix.lower()
    return {".zip": "shapefile", ".gpkg": "gpkg"}.get(suffix, "geojson")


def check_format(path: Path, recipe: AreaRecipe) -> None:
    """A recipe's declared `format` must be the file's: a drifted delivery is an error."""
    found = detected_format(path)
    if recipe.format is not None and recipe.format != found:
        raise RecipeError(
            f"{recipe.rel}:{recipe.lines.get('format', 1)}: format {recipe.format!r} erwartet, "
            f"die Datei ist {found}"
        )


def pick_layer(
    layers: list[tuple[str | None, str, str | None]], recipe: AreaRecipe
) -> list[tuple[str | None, str, str | None]]:
    """The recipe's `layer` among the file's layers (by name, case-insensitively); all without."""
    if recipe.layer is None:
        return layers
    hits = [layer for layer in layers if (layer[0] or "").casefold() == recipe.layer.casefold()]
    if not hits:
        names = ", ".join(str(layer[0]) for layer in layers)
        raise RecipeError(
            f"{recipe.rel}:{recipe.lines.get('layer', 1)}: layer {recipe.layer!r} nicht in der "
            f"Datei; vorhanden: {names}"
        )
    return hits[:1]


def read_layer(path: Path, gdal_path: str, layer: str | None, recipe: AreaRecipe | None):
    """The layer as a GeoDataFrame; with a recipe, its CRS and encoding rules applied.

    GeoJSON text that looks like a date (`STAND "2022/01/03"`) stays the delivered text
    (SPEC §5.3.6): GDAL would otherwise turn it into a date and an id or name into another text.
    """
    encoding = _encoding(path, gdal_path, recipe)
    kwargs = {"encoding": encoding} if encoding else {}
    if detected_format(path) == "geojson":
        kwargs["DATE_AS_STRING"] = "YES"  # a GDAL open option of the GeoJSON driver
    gdf = gpd.read_file(gdal_path, layer=layer, engine="pyogrio", **kwargs)
    if recipe is not None and recipe.crs is not None:
        gdf = gdf.set_crs(recipe.crs, allow_override=True)
    if recipe is None and gdal_path.lower().endswith(".shp"):
        gdf = gdf.rename(columns=SHAPEFILE_NAMES)
    # a Shapefile stores outer rings clockwise, GeoJSON counter-clockwise: one orientation, so
    # the same boundaries publish the same WKT (and area) whatever format they came in
    gdf = gdf.set_geometry(shapely.orient_polygons(gdf.geometry.values))
    return gdf.reset_index(drop=True)


def recipe_attributes(gdf: gpd.GeoDataFrame, recipe: AreaRecipe) -> tuple[pd.DataFrame, pd.Series]:
    """The four product attributes per feature, and per feature the first attribute the
    recipe could not extract (its pattern did not match) with a German reason, else None.

    Raises RecipeError (naming the recipe line) when a field matches no column or several.
    """
    columns = resolve_fields(recipe, [c for c in gdf.columns if c != gdf.geometry.name])
    frame = pd.DataFrame(index=gdf.index, columns=ATTRIBUTES, dtype=object)
    problems = pd.Series(None, index=gdf.index, dtype=object)
    for attribute in ATTRIBUTES:  # area_id before district_name, which may slice it
        rule = recipe.rules[attribute]
        if rule.field is None:
            frame[attribute] = [rule.value(None, area_id) for area_id in frame["area_id"]]
            continue
        raw = gdf[columns[rule.field]]
        frame[attribute] = [rule.value(_raw(v)) for v in raw]
        if rule.pattern is not None:
            failed = raw.notna() & frame[attribute].isna() & problems.isna()
            problems[failed] = (
                f"{attribute}: Muster aus {recipe.rel}:{rule.line} passt nicht auf "
                + raw[failed].astype(str)
            )
    return frame, problems


def _raw(value: object) -> object:
    """A field value for a rule: None for missing, whole floats as integers (`7.0` → `7`)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _encoding(path: Path, gdal_path: str, recipe: AreaRecipe | None) -> str | None:
    """The DBF encoding to force, or None to let GDAL follow `.cpg` or the language driver."""
    if not gdal_path.lower().endswith(".shp"):
        return None
    if recipe is not None and recipe.encoding is not None:
        return recipe.encoding
    member = gdal_path.split(f"{path.resolve().as_posix()}/", 1)[1]
    stem = member[: -len(".shp")]
    with zipfile.ZipFile(path) as archive:
        names = {n.casefold(): n for n in archive.namelist()}
        if f"{stem}.cpg".casefold() in names:
            return None
        dbf = names.get(f"{stem}.dbf".casefold())
        if dbf is None:
            return None  # GDAL reports the missing table
        with archive.open(dbf) as handle:
            header = handle.read(_LANGUAGE_DRIVER_OFFSET + 1)
    has_driver = len(header) > _LANGUAGE_DRIVER_OFFSET and header[_LANGUAGE_DRIVER_OFFSET] != 0
    return None if has_driver else FALLBACK_ENCODING


def _shp_members(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    return sorted(
        n
        for n in names
        if n.lower().endswith(".shp") and not n.startswith("__MACOSX/") and not n.endswith("/")
    )


def _vsizip(path: Path, member: str) -> str:
    return f"/vsizip/{path.resolve().as_posix()}/{member}"
