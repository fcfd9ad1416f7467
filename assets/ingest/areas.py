"""Sozialraum polygons from GeoJSON, GeoPackage or zipped Shapefiles in any declared CRS,
reprojected to EPSG:25832; a city's own attribute names are mapped by an area recipe."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from assets.ingest.area_placement import distance_rule, placement_rules
from assets.ingest.area_recipes import (
    RECIPE_INVALID,
    AreaRecipe,
    BrokenRecipe,
    RecipeError,
    load_recipes,
)
from assets.ingest.area_sources import (
    check_format,
    layers_of,
    pick_layer,
    read_layer,
    recipe_attributes,
)
from assets.ingest.empty_files import EMPTY_FILE, EMPTY_REASON, is_empty
from assets.ingest.formats import BY_NAME
from assets.ingest.links import UNEXPECTED_FILE, linked_files
from assets.ingest.parsing import UNREADABLE_FILE
from assets.ingest.quarantine import (
    QUARANTINE_COLUMNS,
    DeliveryBatch,
    FrameRejections,
    IngestResult,
    file_sha256,
)

SOURCE = "areas"
TARGET_CRS = "EPSG:25832"
ATTRIBUTES = ["municipality_ags", "area_id", "area_name", "district_name"]
LOADED_COLUMNS = [
    "municipality_ags",
    "area_id",
    "area_name",
    "district_name",
    "area_km2",
    "geometry_wkt",
    "source_file",
]
AREAS = BY_NAME["areas"]  # the area files: `*.geojson`, `*.json`, `*.gpkg`, `*.zip` in `areas/`


def area_files(root: Path) -> list[Path]:
    """The area files in `areas/` and those an area recipe names (e.g. `areas/incoming/`),
    sorted; links are left out (see `linked_area_files`)."""
    found = {p for p in _candidates(root) if not p.is_symlink()}
    for recipe in load_recipes(root):
        for pattern in recipe.files:
            found.update(p for p in root.glob(pattern) if p.is_file() and not p.is_symlink())
    return sorted(found)


def linked_area_files(root: Path) -> IngestResult:
    """One quarantine entry (`unexpected_file`) per link in `areas/`; nothing behind it is read.

    Like links below `providers/` and `statistics/`, it is reported rather than skipped
    silently: a missing Sozialraum layer must not go unnoticed (see `assets/ingest/links.py`).
    """
    rels = [p.relative_to(root).as_posix() for p in _candidates(root) if p.is_symlink()]
    result = linked_files(SOURCE, rels)
    result.loaded = pd.DataFrame(columns=LOADED_COLUMNS)
    return result


def _candidates(root: Path) -> list[Path]:
    """Entries of `areas/` with an area file suffix, links included; a linked `areas/` itself."""
    folder = root / AREAS.folder
    if folder.is_symlink():
        return [folder]  # reported as a whole, never entered
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*") if AREAS.pattern.fullmatch(p.name))


def municipalities_in(root: Path) -> list[str]:
    """The distinct well-formed AGS of the area files' features, without reading geometry.

    For the per-municipality partitions, which are fixed when the code location loads; features
    the `areas` asset would reject for their AGS are left out here as well.
    """
    found: set[str] = set()
    recipes = load_recipes(root)
    for path in area_files(root):
        try:
            recipe = _recipe_for(path.relative_to(root).as_posix(), recipes)
            found.update(_municipalities_in_file(path, recipe))
        except MemoryError:
            raise
        except Exception:  # any failure: the `areas` asset reports the file
            continue  # with its reason; the code location must load for the other files
    return sorted(found)


def _municipalities_in_file(path: Path, recipe: AreaRecipe | BrokenRecipe | None) -> set[str]:
    if isinstance(recipe, BrokenRecipe):
        return set()
    rule = recipe.rules["municipality_ags"] if recipe else None
    if rule is not None and rule.constant is not None:
        return {rule.constant} if re.fullmatch(r"\d{8}", rule.constant) else set()
    found = set()
    layers = layers_of(path)
    for _, gdal_path, layer in pick_layer(layers, recipe) if recipe else layers:
        if rule is None:
            column = "municipality_ags"
            if column not in list(pyogrio.read_info(gdal_path, layer=layer)["fields"]):
                continue
            frame = pyogrio.read_dataframe(
                gdal_path, layer=layer, columns=[column], read_geometry=False
            )
            values = _text(frame[column]).dropna()
        else:
            frame = read_layer(path, gdal_path, layer, recipe)
            values = recipe_attributes(frame, recipe)[0]["municipality_ags"].dropna()
        found.update(v for v in values if re.fullmatch(r"\d{8}", v))
    return found


def read_areas(paths: list[Path], root: Path) -> tuple[IngestResult, gpd.GeoDataFrame]:
    """Read every layer of every area file. Returns the result and the loaded polygons (EPSG:25832).

    Feature numbers (1-based, per layer) stand in for row numbers. A file that cannot be read at
    all is one `unreadable_file` entry. Rules, in order: all four attributes present and
    non-empty, AGS has 8 digits, a declared CRS (and, in a longitude/latitude layer, coordinates
    that are degrees: a GeoJSON without `crs` counts as WGS84), finite coordinates, inside
    Germany, a (multi)polygon geometry that is valid, at most 30 km from the rest of its
    municipality (`area_placement`), area_id unique across all files, no overlap with an earlier
    area. All layers
    are read first and every rule runs once over all features: a state has hundreds of area
    files, and rules (above all the overlap test) per file would grow with the square of them.
    """
    layers = _read_layers(paths, root, load_recipes(root))
    batch = _batch(layers)
    _attribute_rules(batch, layers)
    _geometry_rules(batch, layers)
    _uniqueness_rules(batch)
    ok = batch.rows[batch.rejections.accepted()]
    polygons = gpd.GeoDataFrame(
        ok[[*ATTRIBUTES, "source_file"]].astype(object),
        geometry=gpd.GeoSeries(ok["_target"].to_numpy(), index=ok.index, crs=TARGET_CRS),
        crs=TARGET_CRS,
    )
    polygons = polygons.sort_values(["municipality_ags", "area_id"]).reset_index(drop=True)
    result = batch.result(ok, ["file_no"])  # counts per file; the loaded rows are the polygons
    result.loaded = _loaded(polygons)
    return result, polygons


def _batch(layers: list[_Layer]) -> DeliveryBatch:
    """All features of all layers as one batch (a layer counts as a file)."""
    rows = pd.concat([layer.rows for layer in layers], ignore_index=True) if layers else None
    if rows is None:
        rows = _layer_rows(gpd.GeoDataFrame(geometry=[], crs=TARGET_CRS), "", 0)
    return DeliveryBatch(
        source=SOURCE,
        rel=[layer.label for layer in layers],
        rows=rows,
        rejections=FrameRejections(SOURCE, rows),
        file_level=_file_level(layers),
        sha256=[layer.sha256 for layer in layers],
        encoding=["" for _ in layers],
        rows_in=np.asarray([len(layer.rows) for layer in layers], dtype="int64"),
        _headers=[{} for _ in layers],
    )


def _attribute_rules(batch: DeliveryBatch, layers: list[_Layer]) -> None:
    """A recipe's pattern matched; all four attributes present and non-empty; the AGS has 8
    digits."""
    rows, reject = batch.rows, batch.rejections.reject
    problem = rows["_recipe_problem"]
    reject(
        problem.notna(),
        problem.str.split(":").str[0],
        None,
        "pattern_mismatch",
        "Muster des Rezepts passt nicht: " + problem.fillna(""),
    )
    file_no = rows["file_no"].to_numpy()
    for column in ATTRIBUTES:
        lacking = np.asarray([column in layer.missing for layer in layers], dtype=bool)
        reject(
            lacking[file_no] if len(layers) else [],
            column,
            None,
            "missing_column",
            f"Attribut {column!r} fehlt",
        )
        text = rows[column]
        reject(
            text.isna() | (text == ""), column, None, "empty_value", f"Attribut {column!r} ist leer"
        )
    ags = rows["municipality_ags"]
    reject(
        ~ags.str.fullmatch(r"\d{8}").fillna(False).astype(bool),
        "municipality_ags",
        ags,
        "invalid_ags",
        "AGS muss aus 8 Ziffern bestehen",
    )


def _geometry_rules(batch: DeliveryBatch, layers: list[_Layer]) -> None:
    """A declared CRS, the placement rules (`area_placement`), a valid (multi)polygon, and at
    most 30 km from the rest of its municipality."""
    rows, reject = batch.rows, batch.rejections.reject
    no_crs = np.asarray([layer.crs is None for layer in layers], dtype=bool)
    reject(
        no_crs[rows["file_no"].to_numpy()] if len(layers) else [],
        "geometry",
        None,
        "missing_crs",
        "Datei deklariert kein Koordinatenreferenzsystem",
    )
    placement_rules(rows, reject)
    reject(
        ~rows["_is_polygon"].astype(bool),
        "geometry",
        rows["_geom_type"],
        "invalid_geometry",
        "keine Flächengeometrie",
    )
    reject(
        rows["_invalid_reason"].notna(),
        "geometry",
        None,
        "invalid_geometry",
        "ungültige Geometrie: " + rows["_invalid_reason"].fillna(""),
    )
    distance_rule(rows, reject, batch.rejections.accepted())


def _uniqueness_rules(batch: DeliveryBatch) -> None:
    """area_id unique across all files, and no overlap with an earlier area."""
    rows, reject = batch.rows, batch.rejections.reject
    accepted = pd.Series(batch.rejections.accepted(), index=rows.index)
    ids = rows["area_id"].where(accepted)
    first = ids.dropna().drop_duplicates()
    first_label = pd.Series(rows.loc[first.index, "source_file"].to_numpy(), index=first.to_numpy())
    reject(
        ids.notna() & ids.duplicated(),
        "area_id",
        ids,
        "duplicate",
        "area_id bereits vergeben in " + ids.map(first_label).astype(str),
    )
    overlapping = _overlaps(rows, batch.rejections.accepted())
    reject(
        overlapping.notna(),
        "geometry",
        rows["area_id"],
        "overlapping_geometry",
        overlapping.fillna(""),
    )


def _loaded(polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """The `areas` table rows of the loaded polygons: attributes, km², WKT."""
    loaded = pd.DataFrame(
        {
            **{c: polygons[c].astype(object) for c in ATTRIBUTES},
            "area_km2": polygons.geometry.area / 1e6,
            "geometry_wkt": shapely.to_wkt(polygons.geometry.values, rounding_precision=1),
            "source_file": polygons["source_file"].astype(object),
        }
    )
    return loaded[LOADED_COLUMNS]


@dataclass
class _Layer:
    label: str
    sha256: str
    crs: object
    missing: list[str]  # attributes the layer lacks
    rows: pd.DataFrame  # attributes as stripped text, geometry facts, target geometry
    refusal: tuple[str, str] | None = None  # (code, reason) of a file not read; no rows then


def _read_layers(
    paths: list[Path], root: Path, recipes: list[AreaRecipe | BrokenRecipe]
) -> list[_Layer]:
    """Every layer of every file with the facts the rules need, geometry in the target CRS.

    A file that fails to read in any way (a truncated GeoJSON, a GeoPackage whose SQLite pages
    are damaged, a CRS PROJ does not know) becomes one layer without rows that carries the
    reason (a file of 0 bytes: `empty_file`); the other files load. The file is the unit: a
    GeoPackage with one broken layer is refused as a whole, because what else it holds cannot
    be trusted either. A file described by a recipe that is invalid (or by two recipes) is
    refused as `recipe_invalid` with the recipe's file and line; a recipe whose files cannot be
    told is one such entry of its own.
    """
    layers: list[_Layer] = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        refusal = (EMPTY_FILE, EMPTY_REASON) if is_empty(path) else None
        if refusal is None:
            try:
                recipe = _recipe_for(rel, recipes)
                if isinstance(recipe, BrokenRecipe):
                    raise RecipeError(recipe.reason)
                layers.extend(_file_layers(path, rel, len(layers), recipe))
                continue
            except MemoryError:
                raise
            except RecipeError as exc:
                refusal = (RECIPE_INVALID, f"Rezept nicht anwendbar, Datei nicht gelesen: {exc}")
            except Exception as exc:  # whatever GDAL, SQLite or PROJ raise for a broken file
                refusal = (UNREADABLE_FILE, _unreadable(exc, path, rel))
        layers.append(_refused(rel, _digest_or_blank(path), len(layers), refusal))
    for recipe in recipes:
        if isinstance(recipe, BrokenRecipe) and not recipe.files:
            reason = f"Rezept ungültig, keine Datei danach gelesen: {recipe.reason}"
            layers.append(_refused(recipe.rel, "", len(layers), (RECIPE_INVALID, reason)))
    return layers


def _refused(label: str, digest: str, file_no: int, refusal: tuple[str, str]) -> _Layer:
    empty = _layer_rows(gpd.GeoDataFrame(geometry=[], crs=TARGET_CRS), label, file_no)
    return _Layer(label, digest, TARGET_CRS, [], empty, refusal)


def _recipe_for(
    rel: str, recipes: list[AreaRecipe | BrokenRecipe]
) -> AreaRecipe | BrokenRecipe | None:
    """The one recipe naming the file; None (the product's own layout) when none does."""
    hits = [recipe for recipe in recipes if recipe.matches(rel)]
    if len(hits) > 1:
        names = ", ".join(recipe.rel for recipe in hits)
        raise RecipeError(f"mehrere Rezepte beschreiben diese Datei: {names}")
    return hits[0] if hits else None


def _file_layers(path: Path, rel: str, first_no: int, recipe: AreaRecipe | None) -> list[_Layer]:
    """The file's layers (a recipe's `layer` only); every layer is read and, with a recipe,
    its fields resolved before any is kept, so a recipe error leaves nothing half-loaded."""
    if recipe is not None:
        check_format(path, recipe)
    found = layers_of(path)
    if recipe is not None:
        found = pick_layer(found, recipe)
    digest = file_sha256(path)
    read = []
    for name, gdal_path, layer in found:
        label = rel if name is None or len(found) == 1 else f"{rel}#{name}"
        gdf = read_layer(path, gdal_path, layer, recipe)
        mapped = recipe_attributes(gdf, recipe) if recipe is not None else None
        read.append((label, gdf, mapped))
    layers = []
    for label, gdf, mapped in read:
        frame = _layer_rows(gdf, label, first_no + len(layers), mapped)
        missing = [] if mapped is not None else [c for c in ATTRIBUTES if c not in gdf.columns]
        layers.append(_Layer(label, digest, gdf.crs, missing, frame))
    return layers


def _digest_or_blank(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return ""


def _unreadable(exc: BaseException, path: Path, rel: str) -> str:
    """The German reason for a file that could not be read, with the library's message
    shortened and the absolute path replaced by the path in the data root."""
    detail = str(exc).replace(str(path), rel).strip()[:200]
    return (
        "Datei konnte nicht gelesen werden (beschädigt, abgeschnitten oder kein GeoJSON/"
        f"GeoPackage/Shapefile); keine Fläche daraus übernommen: {type(exc).__name__}: {detail}"
    )


def _file_level(layers: list[_Layer]) -> pd.DataFrame:
    """One `unreadable_file` (or `empty_file`) entry per file that could not be read."""
    entries = [
        (no, -1, SOURCE, layer.label, None, None, None, *layer.refusal)
        for no, layer in enumerate(layers)
        if layer.refusal is not None
    ]
    return pd.DataFrame(entries, columns=["file_no", "seq", *QUARANTINE_COLUMNS])


def _layer_rows(
    gdf: gpd.GeoDataFrame,
    label: str,
    file_no: int,
    mapped: tuple[pd.DataFrame, pd.Series] | None = None,
) -> pd.DataFrame:
    """One row per feature: attributes as text (from the recipe when `mapped`), the geometry
    facts, the target geometry."""
    geom = gdf.geometry
    values = geom.values
    invalid = ~shapely.is_valid(values) & ~shapely.is_missing(values)
    source = mapped[0] if mapped is not None else gdf
    frame = pd.DataFrame(
        {
            column: _text(source[column])
            if column in source.columns
            else pd.Series(None, index=gdf.index, dtype=object)
            for column in ATTRIBUTES
        }
    )
    frame["_recipe_problem"] = (
        mapped[1] if mapped is not None else pd.Series(None, index=gdf.index, dtype=object)
    )
    frame["_geom_type"] = geom.geom_type
    frame["_is_polygon"] = (
        ~(geom.isna() | geom.is_empty) & geom.geom_type.isin(["Polygon", "MultiPolygon"])
    ).to_numpy()
    frame["_invalid_reason"] = np.where(invalid, shapely.is_valid_reason(values), None).astype(
        object
    )
    # plain shapely objects: layers in different CRS are concatenated into one frame
    frame["_raw"] = np.asarray(values, dtype=object)
    frame["_geographic"] = bool(gdf.crs is not None and gdf.crs.is_geographic)
    target = geom.to_crs(TARGET_CRS).values if gdf.crs is not None else values
    frame["_target"] = np.asarray(target, dtype=object)
    frame["row_number"] = np.arange(1, len(gdf) + 1, dtype="int64")
    frame["source_file"] = label
    frame["file_no"] = file_no
    return frame


def _text(values: pd.Series) -> pd.Series:
    """Attribute values as stripped text, None where missing."""
    text = values.astype("string").str.strip()
    return text.astype(object).where(text.notna(), None)


OVERLAP_SHARE = 0.01  # slivers from digitising are tolerated; a real overlap is not


def _overlaps(rows: pd.DataFrame, accepted: np.ndarray) -> pd.Series:
    """Reason per row that overlaps an earlier area by more than 1 % of either (else NaN).

    Areas must tile the municipality: a person lives in exactly one Sozialraum, otherwise sums
    over areas count people twice. The later feature (file, then feature order) is quarantined;
    "earlier" means an area loaded from an earlier file or any earlier feature of the same file.
    One spatial index over all candidates finds the pairs; only rows with a real overlap are
    then walked in order.
    """
    reasons = pd.Series(np.nan, index=rows.index, dtype=object)
    positions = np.flatnonzero(accepted)
    if len(positions) < 2:
        return reasons
    geoms = rows["_target"].to_numpy()[positions]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    later = left > right
    left, right = left[later], right[later]
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    smaller = np.minimum(shapely.area(geoms[left]), shapely.area(geoms[right]))
    real = shared > OVERLAP_SHARE * smaller
    left, right, shared = left[real], right[real], shared[real]
    if not len(left):
        return reasons
    file_no = rows["file_no"].to_numpy()[positions]
    area_ids = rows["area_id"].to_numpy()[positions]
    rejected: set[int] = set()
    order = np.lexsort((right, left))
    for later_one, earlier_one, area in zip(left[order], right[order], shared[order], strict=True):
        if later_one in rejected:
            continue
        if file_no[earlier_one] == file_no[later_one] or earlier_one not in rejected:
            rejected.add(later_one)
            reasons.iloc[positions[later_one]] = (
                f"überlappt mit {area_ids[earlier_one]} ({area / 1e6:.3f} km²)"
            )
    return reasons


def refusals_blocking_publication(quarantine: pd.DataFrame) -> pd.DataFrame:
    """The areas quarantine entries that must hold publishing: all but links.

    A refused feature or an unreadable areas file leaves an area out: its statistics rows become
    "unknown area", its facilities "outside every area", and the municipality's totals lack it.
    Published, that would be a wrong figure nobody sees. A link is reported like links in every
    other folder and does not block: it is no delivery (never archived, never read).
    """
    refused = quarantine[quarantine["reason_code"] != UNEXPECTED_FILE]
    return refused[["file", "row_number", "column", "value", "reason_code", "reason"]]
