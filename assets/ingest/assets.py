"""Ingest assets: each reads one landing folder, loads what is valid and quarantines the rest."""

import datetime as dt

import dagster as dg
import duckdb
import pandas as pd

from assets.ingest import areas as areas_reader
from assets.ingest import genesis, statistics, zensus
from assets.ingest.quarantine import IngestResult, split_oversized
from assets.metadata import markdown_table, table_metadata
from assets.warehouse import replace_source, replace_table
from pipelines.resources import DataRoot, Warehouse

GROUP = "ingest"
WRITER_POOL = "internal_duckdb"
OWNERS = ["team:sozialplanung-daten"]


def _store(con: duckdb.DuckDBPyConnection, table: str, source: str, result: IngestResult) -> None:
    """Replace the source's loaded rows, quarantine entries and file bookkeeping in one go."""
    con.execute("BEGIN TRANSACTION")
    replace_table(con, table, result.loaded)
    replace_source(con, "quarantine", source, result.quarantine)
    files = result.files.assign(loaded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
    replace_source(con, "ingest_files", source, files)
    con.execute("COMMIT")


def _merge(*results: IngestResult) -> IngestResult:
    parts = [r for r in results if not r.files.empty]
    return IngestResult(
        loaded=results[0].loaded,
        quarantine=pd.concat([r.quarantine for r in results], ignore_index=True),
        files=pd.concat([r.files for r in parts], ignore_index=True) if parts else results[0].files,
    )


def _result(
    con: duckdb.DuckDBPyConnection, table: str, result: IngestResult
) -> dg.MaterializeResult:
    summary = result.files[["file", "rows_in", "rows_loaded", "rows_quarantined"]]
    reasons = (
        result.quarantine.groupby("reason_code").size().rename("rows").reset_index()
        if not result.quarantine.empty
        else pd.DataFrame()
    )
    return dg.MaterializeResult(
        metadata={
            **table_metadata(con, table),
            "files": len(result.files),
            "rows_quarantined": int(result.files["rows_quarantined"].sum()),
            "files_summary": dg.MetadataValue.md(markdown_table(summary)),
            "quarantine_reasons": dg.MetadataValue.md(markdown_table(reasons)),
        }
    )


def _ingest(
    source: str, table: str, paths, data_root: DataRoot, warehouse: Warehouse, read
) -> dg.MaterializeResult:
    limit = data_root.settings()["limits"]["max_file_mb"]
    paths, oversized = split_oversized(paths, data_root.path, source, limit)
    with warehouse.connect() as con:
        result = _merge(read(con, paths), oversized)
        _store(con, table, source, result)
        return _result(con, table, result)


@dg.asset(group_name=GROUP, kinds={"geopandas", "duckdb"}, pool=WRITER_POOL, owners=OWNERS)
def areas(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Sozialraum polygons from `areas/*.geojson|*.gpkg`, reprojected to EPSG:25832.

    Every layer of every file is read; features without ids, with an invalid AGS or geometry, or
    with an area_id used before are quarantined. Area ids must be unique within a data root
    because the statistics files name areas by `Raum_ID` alone.
    """
    paths = areas_reader.area_files(data_root.path)
    return _ingest(
        areas_reader.SOURCE,
        "areas",
        paths,
        data_root,
        warehouse,
        lambda con, p: areas_reader.read_areas(p, data_root.path)[0],
    )


@dg.asset(
    group_name=GROUP, kinds={"pandas", "duckdb"}, pool=WRITER_POOL, owners=OWNERS, deps=[areas]
)
def small_area_statistics(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Long-format small-area statistics (`statistics/small_area/*.csv`), typed and validated.

    Statistical symbols stay symbols (value NULL, `-` = 0); unknown area ids and Merkmal codes,
    malformed dates and values, negative counts and duplicates go to quarantine.
    """
    paths = data_root.files("statistics/small_area", "*.csv", "*.CSV")

    def read(con, p):
        known = dict(con.execute("SELECT area_id, municipality_ags FROM areas").fetchall())
        return statistics.read_small_area_statistics(p, data_root.path, known)

    return _ingest(statistics.SOURCE, "small_area_statistics", paths, data_root, warehouse, read)


@dg.asset(group_name=GROUP, kinds={"pandas", "duckdb"}, pool=WRITER_POOL, owners=OWNERS)
def genesis_values(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Municipality control totals from GENESIS flat CSV (`statistics/genesis/*.csv`)."""
    paths = data_root.files("statistics/genesis", "*.csv", "*.CSV")
    return _ingest(
        genesis.SOURCE,
        "genesis_values",
        paths,
        data_root,
        warehouse,
        lambda con, p: genesis.read_genesis(p, data_root.path),
    )


@dg.asset(group_name=GROUP, kinds={"pandas", "duckdb"}, pool=WRITER_POOL, owners=OWNERS)
def zensus_grid(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Zensus 2022 100 m grid cells (`statistics/zensus/*.csv`), centres in EPSG:3035."""
    paths = data_root.files("statistics/zensus", "*.csv", "*.CSV")
    return _ingest(
        zensus.SOURCE,
        "zensus_grid",
        paths,
        data_root,
        warehouse,
        lambda con, p: zensus.read_zensus(p, data_root.path),
    )


INGEST_ASSETS = [areas, small_area_statistics, genesis_values, zensus_grid]
