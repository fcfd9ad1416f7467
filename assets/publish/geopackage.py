"""`sozialplanung.gpkg` for QGIS: layers `sozialraeume` (areas with the latest indicators, each
with its reference date `<indicator_id>_date`, and index classes; every column once) and
`einrichtungen` (facilities as points), EPSG:25832, and the table `layer_styles` with the areas'
QGIS styles.

Written with pyogrio's Arrow path, so GDAL itself declares what a QGIS user relies on: DATE fields
for the DATE columns, a field alias (the German header) and a description (the file's German |
English comment) per column in `gpkg_data_columns` (the GeoPackage schema extension), and
GeoPackage 1.2, which GDAL 3.6 (Debian 12) opens without the warning it gives for 1.4. Codes are
stored as their German labels, so the attribute table and the styles' legends read German.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyogrio
import shapely
from pyproj import Transformer

from assets.labels import DYNAMICS_CLASSES, OFFER_TYPES, STATUS_CLASSES, YES_NO, label
from assets.publish.contents import column_comments
from assets.publish.qgis_styles import LayerStyle, area_styles
from assets.publish.workbook import column_texts

GPKG = "sozialplanung.gpkg"
CRS = "EPSG:25832"
VERSION = "1.2"  # GDAL 3.6 warns on 1.4 (GDAL ≥ 3.11's default); 1.2 is read by every client
GEOMETRY = "geom"
AREAS = "sozialraeume"
FACILITIES = "einrichtungen"
STYLES = "layer_styles"
AREA_SOURCES = ("v_area_profile", "v_latest_indicators")
# columns whose codes are stored as German labels (the styles categorize on these labels)
CODE_LABELS = {
    "status_class": STATUS_CLASSES,
    "dynamics_class": DYNAMICS_CLASSES,
    "needs_action": YES_NO,
    "offer_type": OFFER_TYPES,
}
# GDAL reads a field's alias and comment from these Arrow field metadata keys
ALIAS = b"GDAL:OGR:alternative_name"
COMMENT = b"GDAL:OGR:comment"


def write_geopackage(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    describe = _describer(con)
    tmp = target.with_name(f".{target.stem}.tmp{target.suffix}")  # GDAL wants the .gpkg suffix
    tmp.unlink(missing_ok=True)
    layers = (
        (AREAS, _areas(con), AREA_SOURCES, "MultiPolygon", "Sozialräume mit aktuellen Indikatoren"),
        (FACILITIES, _facilities(con), ("facilities",), "Point", "Einrichtungen der Träger"),
    )
    aliases = {}
    for layer, table, sources, geometry_type, description in layers:
        described = describe(_with_labels(table), sources)
        aliases[layer] = {
            f.name: f.metadata[ALIAS].decode() for f in described.schema if f.metadata
        }
        pyogrio.write_arrow(
            described,
            tmp,
            layer=layer,
            driver="GPKG",
            geometry_name=GEOMETRY,
            geometry_type=geometry_type,
            crs=CRS,
            dataset_options={"VERSION": VERSION},
            layer_options={"GEOMETRY_NAME": GEOMETRY, "DESCRIPTION": description},
        )
    _write_styles(tmp, AREAS, area_styles("status_class", "child_poverty", aliases[AREAS]))
    os.replace(tmp, target)
    return target


def _areas(con: duckdb.DuckDBPyConnection) -> pa.Table:
    # the profile already holds the key indicators: take each column once
    profile = _columns(con, "v_area_profile")
    shared = ", ".join(c for c in _columns(con, "v_latest_indicators") if c in profile)
    table = con.sql(f"""
        SELECT p.*, i.* EXCLUDE ({shared}), a.geometry_wkt
        FROM v_area_profile p
        LEFT JOIN v_latest_indicators i USING (municipality_ags, area_id)
        JOIN areas a USING (municipality_ags, area_id)""").to_arrow_table()
    shapes = shapely.from_wkt(table["geometry_wkt"].to_pylist())
    # always multi: the layer keeps one geometry type whether or not a refresh has split areas
    multi = [
        s if s is None or s.geom_type == "MultiPolygon" else shapely.MultiPolygon([s])
        for s in shapes
    ]
    wkb = pa.array(shapely.to_wkb(multi), pa.binary())
    return table.drop_columns("geometry_wkt").append_column(GEOMETRY, wkb)


def _facilities(con: duckdb.DuckDBPyConnection) -> pa.Table:
    table = con.sql("SELECT * FROM facilities ORDER BY facility_id").to_arrow_table()
    lon = table["lon"].to_numpy(zero_copy_only=False)
    lat = table["lat"].to_numpy(zero_copy_only=False)
    x, y = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(lon, lat)
    points = [
        None if missing else point
        for missing, point in zip(
            table["lon"].is_null().to_pylist(), shapely.points(x, y), strict=True
        )
    ]
    return table.append_column(GEOMETRY, pa.array(shapely.to_wkb(points), pa.binary()))


def _with_labels(table: pa.Table) -> pa.Table:
    """Codes replaced by their German labels; NULL stays NULL (the styles' "keine Angabe")."""
    for column, mapping in CODE_LABELS.items():
        if column in table.column_names:
            labels = [None if v is None else label(mapping, v) for v in table[column].to_pylist()]
            index = table.column_names.index(column)
            table = table.set_column(index, column, pa.array(labels, pa.string()))
    return table


def _describer(con: duckdb.DuckDBPyConnection) -> Callable[[pa.Table, tuple[str, ...]], pa.Table]:
    """Attaches to each field its German header as alias and the file's comment as description.

    GDAL writes both to `gpkg_data_columns` (`name`, `description`). Aliases must be unique per
    table there, so a header that repeats gets its column name added.
    """
    texts = column_texts(con)
    comments = column_comments(con)

    def describe(table: pa.Table, sources: tuple[str, ...]) -> pa.Table:
        fields, seen = [], set()
        for field in table.schema:
            if field.name == GEOMETRY:
                fields.append(field)
                continue
            alias, _ = texts(sources, field.name)
            alias = f"{alias} ({field.name})" if alias in seen else alias
            seen.add(alias)
            metadata = {ALIAS: alias.encode()}
            comment = next(
                (comments[s, field.name] for s in sources if (s, field.name) in comments), None
            )
            if comment:
                metadata[COMMENT] = _stored_as(field.name, comment).encode()
            fields.append(field.with_metadata(metadata))
        return table.cast(pa.schema(fields))

    return describe


def _stored_as(column: str, comment: str) -> str:
    """The comment of a code column, saying that the layer holds the German labels."""
    if column not in CODE_LABELS:
        return comment
    stored = ", ".join(label(CODE_LABELS[column], code) for code in CODE_LABELS[column])
    german, _, english = comment.partition(" | ")
    return f"{german}; hier als: {stored} | {english}; stored as: {stored}"


def _write_styles(path: Path, layer: str, styles: Iterable[LayerStyle]) -> None:
    """`layer_styles` as QGIS creates it through GDAL (`QgsOgrProviderMetadata::saveStyle`): a
    table without geometry, FID `id`, the same fields, widths and default, and QGIS's row values
    (empty catalog and schema, which QGIS matches on, the layer's geometry column)."""
    styles = list(styles)
    now = datetime.now(UTC)
    text = {
        "f_table_catalog": ([""] * len(styles), 256),
        "f_table_schema": ([""] * len(styles), 256),
        "f_table_name": ([layer] * len(styles), 256),
        "f_geometry_column": ([GEOMETRY] * len(styles), 256),
        "styleName": ([s.name for s in styles], 30),
    }
    columns = {name: pa.array(values, pa.string()) for name, (values, _) in text.items()}
    columns |= {
        "styleQML": pa.array([s.qml for s in styles], pa.string()),
        "styleSLD": pa.array([""] * len(styles), pa.string()),
        "useAsDefault": pa.array([s.default for s in styles], pa.bool_()),
        "description": pa.array([s.description for s in styles], pa.string()),
        "owner": pa.array([""] * len(styles), pa.string()),
        "ui": pa.array([None] * len(styles), pa.string()),
        "update_time": pa.array([now] * len(styles), pa.timestamp("ms", tz="UTC")),
    }
    widths = {name: width for name, (_, width) in text.items()} | {"owner": 30, "ui": 30}
    fields = [
        pa.field(name, array.type, metadata=_style_metadata(name, widths))
        for name, array in columns.items()
    ]
    pyogrio.write_arrow(
        pa.Table.from_arrays(list(columns.values()), schema=pa.schema(fields)),
        path,
        layer=STYLES,
        driver="GPKG",
        layer_options={"FID": "id"},
    )


def _style_metadata(name: str, widths: dict[str, int]) -> dict[bytes, bytes] | None:
    if name in widths:
        return {b"GDAL:OGR:width": str(widths[name]).encode()}
    if name == "update_time":
        return {b"GDAL:OGR:default": b"CURRENT_TIMESTAMP"}
    return None


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
