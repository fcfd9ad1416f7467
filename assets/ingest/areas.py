"""Sozialraum polygons from GeoJSON or GeoPackage in any declared CRS, reprojected to EPSG:25832."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from assets.ingest.quarantine import IngestResult, RowRejections, combine, file_record, file_sha256

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
AREA_SUFFIXES = (".geojson", ".json", ".gpkg")


def area_files(root: Path) -> list[Path]:
    folder = root / "areas"
    return (
        sorted(p for p in folder.glob("*") if p.suffix.lower() in AREA_SUFFIXES)
        if folder.is_dir()
        else []
    )


def read_areas(paths: list[Path], root: Path) -> tuple[IngestResult, gpd.GeoDataFrame]:
    """Read every layer of every area file. Returns the result and the loaded polygons (EPSG:25832).

    Feature numbers (1-based, per layer) stand in for row numbers. Rules, in order: all four
    attributes present and non-empty, AGS has 8 digits, a declared CRS, a (multi)polygon geometry
    that is valid, area_id unique across all files.
    """
    results, frames = [], []
    seen: dict[str, str] = {}
    for path in paths:
        rel = path.relative_to(root).as_posix()
        layers = (
            [name for name, _ in pyogrio.list_layers(path)]
            if path.suffix.lower() == ".gpkg"
            else [None]
        )
        for layer in layers:
            label = rel if layer is None or len(layers) == 1 else f"{rel}#{layer}"
            gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
            gdf = gdf.reset_index(drop=True)
            gdf["row_number"] = range(1, len(gdf) + 1)
            rejections = RowRejections(SOURCE, label)
            for column in ATTRIBUTES:
                if column not in gdf.columns:
                    rejections.reject_all(
                        gdf, column, None, "missing_column", f"Attribut {column!r} fehlt"
                    )
                    continue
                text = gdf[column].astype("string").str.strip()
                gdf[column] = text
                rejections.reject(
                    gdf,
                    text.isna() | (text == ""),
                    column,
                    None,
                    "empty_value",
                    f"Attribut {column!r} ist leer",
                )
            if "municipality_ags" in gdf.columns:
                ags = gdf["municipality_ags"]
                rejections.reject(
                    gdf,
                    ~ags.str.fullmatch(r"\d{8}").fillna(False),
                    "municipality_ags",
                    ags,
                    "invalid_ags",
                    "AGS muss aus 8 Ziffern bestehen",
                )
            if gdf.crs is None:
                rejections.reject_all(
                    gdf,
                    "geometry",
                    None,
                    "missing_crs",
                    "Datei deklariert kein Koordinatenreferenzsystem",
                )
            geom = gdf.geometry
            is_polygon = geom.geom_type.isin(["Polygon", "MultiPolygon"])
            rejections.reject(
                gdf,
                geom.isna() | geom.is_empty | ~is_polygon,
                "geometry",
                geom.geom_type,
                "invalid_geometry",
                "keine Flächengeometrie",
            )
            valid = geom.is_valid
            rejections.reject(
                gdf,
                ~valid,
                "geometry",
                None,
                "invalid_geometry",
                "ungültige Geometrie: "
                + pd.Series(shapely.is_valid_reason(geom.values), index=gdf.index),
            )
            if "area_id" in gdf.columns:
                ids = gdf["area_id"].where(rejections.accepted(gdf))
                repeated = ids.notna() & (ids.duplicated() | ids.isin(seen))
                earlier = ids.map(lambda i, here=label: seen.get(i, here))
                rejections.reject(
                    gdf,
                    repeated,
                    "area_id",
                    ids,
                    "duplicate",
                    "area_id bereits vergeben in " + earlier.astype(str),
                )
                seen.update(dict.fromkeys(ids[~repeated].dropna(), label))
            if gdf.crs is not None:
                candidates = gdf[rejections.accepted(gdf)].to_crs(TARGET_CRS)
                earlier = (
                    pd.concat([f[["area_id", "geometry"]] for f in frames]) if frames else None
                )
                overlapping = _overlaps(candidates, earlier)
                rejections.reject(
                    gdf,
                    gdf.index.isin(overlapping.keys()),
                    "geometry",
                    gdf["area_id"] if "area_id" in gdf.columns else None,
                    "overlapping_geometry",
                    pd.Series([overlapping.get(i, "") for i in gdf.index], index=gdf.index),
                )
            ok = gdf[rejections.accepted(gdf)]
            if not ok.empty:
                ok = ok.to_crs(TARGET_CRS)
                ok["source_file"] = label
                frames.append(ok)
            results.append(
                (
                    pd.DataFrame(),
                    rejections,
                    file_record(
                        SOURCE, label, file_sha256(path), "", len(gdf), len(ok), rejections.count
                    ),
                )
            )
    polygons = (
        gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=TARGET_CRS)
        if frames
        else gpd.GeoDataFrame(
            {c: [] for c in ATTRIBUTES + ["source_file"]}, geometry=[], crs=TARGET_CRS
        )
    )
    polygons = (
        polygons[ATTRIBUTES + ["source_file", "geometry"]]
        .sort_values(["municipality_ags", "area_id"])
        .reset_index(drop=True)
    )
    result = combine(results, LOADED_COLUMNS)
    result.loaded = pd.DataFrame(
        {
            **{c: polygons[c].astype(object) for c in ATTRIBUTES},
            "area_km2": polygons.geometry.area / 1e6,
            "geometry_wkt": shapely.to_wkt(polygons.geometry.values, rounding_precision=1),
            "source_file": polygons["source_file"].astype(object),
        }
    )[LOADED_COLUMNS]
    return result, polygons


OVERLAP_SHARE = 0.01  # slivers from digitising are tolerated; a real overlap is not


def _overlaps(candidates: gpd.GeoDataFrame, earlier: pd.DataFrame | None) -> dict:
    """index -> reason for candidates overlapping an earlier area by more than 1 % of either.

    Areas must tile the municipality: a person lives in exactly one Sozialraum, otherwise sums
    over areas count people twice. The later feature (file, then feature order) is quarantined.
    """
    reasons: dict = {}
    if candidates.empty:
        return reasons
    pool = gpd.GeoDataFrame(
        pd.concat([earlier, candidates[["area_id", "geometry"]]])
        if earlier is not None
        else candidates[["area_id", "geometry"]],
        crs=TARGET_CRS,
    ).reset_index(names="source_index")
    pool["order"] = range(len(pool))
    first_candidate = len(pool) - len(candidates)
    pairs = gpd.sjoin(pool, pool, predicate="intersects")
    pairs = pairs[
        (pairs["order_left"] > pairs["order_right"]) & (pairs["order_left"] >= first_candidate)
    ]
    for left, row in pairs.iterrows():
        a = pool.geometry.iloc[left]
        b = pool.geometry.iloc[row["index_right"]]
        shared = a.intersection(b).area
        if shared > OVERLAP_SHARE * min(a.area, b.area):
            index = pool["source_index"].iloc[left]
            reasons.setdefault(
                index, f"überlappt mit {row['area_id_right']} ({shared / 1e6:.3f} km²)"
            )
    return reasons
