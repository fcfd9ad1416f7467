"""Ingest assets: each reads one delivery format (`formats.py`: its folder and file names), loads
what is valid and quarantines the rest."""

import datetime as dt

import dagster as dg
import duckdb
import geopandas as gpd
import pandas as pd

from assets.indicators.catalog import BY_ID
from assets.ingest import areas as areas_reader
from assets.ingest import (
    genesis,
    needs_survey,
    providers,
    statistics,
    statistics_recipes,
    zensus,
)
from assets.ingest.archive import LANDING_STATE, archive_landing_files, max_bytes, save_state
from assets.ingest.area_check import NO_AREA_REFUSED_SPEC, no_area_refused
from assets.ingest.empty_files import report_empty_files
from assets.ingest.formats import BY_NAME, asset_files
from assets.ingest.links import folder_links
from assets.ingest.provider_metadata import provider_metadata
from assets.ingest.provider_metadata import rejected_rows_markdown as rejected_rows_markdown
from assets.ingest.quarantine import IngestResult, split_oversized
from assets.metadata import markdown_table, monthly_metadata, table_metadata
from assets.partitions import location_months, monthly, run_slice
from assets.planning import PlanningError, load_goals
from assets.resources import DataRoot, Warehouse
from assets.warehouse import insert_frame, replace_source, replace_table

GROUP = "ingest"
OWNERS = ["team:sozialplanung-daten"]
# Monthly sources: providers deliver by the 10th; a source not refreshed for 35 days warns, for
# 45 days fails.
MONTHLY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(days=45), warn_window=dt.timedelta(days=35)
)
# The Bundesagentur's small-area product comes quarterly (March, June, September, December;
# SGB II after a three-month wait), the population yearly: not refreshed for 100 days warns,
# for 130 days (a quarter missed) fails.
QUARTERLY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(days=130), warn_window=dt.timedelta(days=100)
)


def _store(con: duckdb.DuckDBPyConnection, table: str, source: str, result: IngestResult) -> None:
    """Replace the source's loaded rows, quarantine entries and file bookkeeping in one go."""
    con.execute("BEGIN TRANSACTION")
    replace_table(con, table, result.loaded)
    replace_source(con, "quarantine", source, result.quarantine)
    replace_source(con, "ingest_files", source, result.files.assign(loaded_at=_now()))
    con.execute("COMMIT")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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
    return dg.MaterializeResult(
        metadata={
            **table_metadata(con, table),
            "files": len(result.files),
            "rows_quarantined": int(result.files["rows_quarantined"].sum()),
            "files_summary": dg.MetadataValue.md(markdown_table(summary)),
            **_quarantine_reasons(result),
        }
    )


def _quarantine_reasons(result: IngestResult) -> dict:
    reasons = (
        result.quarantine.groupby("reason_code").size().rename("rows").reset_index()
        if not result.quarantine.empty
        else pd.DataFrame()
    )
    return {"quarantine_reasons": dg.MetadataValue.md(markdown_table(reasons))}


def _ingest(
    source: str,
    table: str,
    paths,
    data_root: DataRoot,
    warehouse: Warehouse,
    read,
    folders: tuple[str, ...] = (),
    check=None,
) -> dg.MaterializeResult:
    """Read, store and describe one source. 0-byte files and links in `folders` are reported
    (links never read); `check` (result -> AssetCheckResult) is the asset's own check on what
    was read."""
    limit = data_root.settings()["limits"]["max_file_mb"]
    paths, oversized = split_oversized(paths, data_root.path, source, limit)
    with warehouse.connect() as con:
        read_result = report_empty_files(read(con, paths), paths, data_root.path, source)
        result = _merge(read_result, oversized, folder_links(data_root, source, folders))
        _store(con, table, source, result)
        materialized = _result(con, table, result)
    if check is None:
        return materialized
    return dg.MaterializeResult(metadata=materialized.metadata, check_results=[check(result)])


@dg.asset(group_name=GROUP, kinds={"duckdb"}, owners=OWNERS)
def landing_archive(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Every landing file kept under its content hash, before anything is parsed.

    New versions are copied to `archive/objects/`, listed in `archive/manifest.jsonl` with path,
    provider and first arrival time, and `archive/current.json` records the state of this run;
    `make rebuild` recreates the warehouse from the archive alone. The metadata's
    `landing_state` names this run's state, which becomes the base of the next incremental
    refresh once the run has completed.
    """
    with warehouse.exclusive(), warehouse.connect() as con:
        limit = max_bytes(data_root.settings()["limits"]["max_file_mb"])
        manifest = archive_landing_files(data_root.path, warehouse.path / "archive", limit=limit)
        state = save_state(warehouse.path / "archive")
        replace_table(con, "archive", manifest)
        return dg.MaterializeResult(
            metadata={
                **table_metadata(con, "archive", '"current"'),
                "versions_archived": len(manifest),
                "files_current": int(manifest["current"].sum()),
                LANDING_STATE: state,
            }
        )


@dg.asset(
    group_name=GROUP,
    kinds={"geopandas", "duckdb", "great_expectations"},
    owners=OWNERS,
    deps=[landing_archive],
    check_specs=[NO_AREA_REFUSED_SPEC],
)
def areas(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Sozialraum polygons from `areas/*.geojson|*.gpkg|*.zip` (or the files an area recipe in
    `areas/recipes/` names), reprojected to EPSG:25832.

    Every layer of every file is read; features without ids, with an invalid AGS, with geometry
    that is invalid or not where a German municipality is (no CRS, NaN/Infinity, outside
    Germany, over 30 km from the rest of the municipality), or with an area_id used before are
    quarantined; a file that cannot be read is reported as a whole; a link in `areas/` is
    reported, never followed (`unexpected_file`). Area ids must be unique within a data root
    because the statistics files name areas by `Raum_ID` alone. Any refused feature or file
    fails the blocking check `no_area_refused`, so nothing downstream runs and the published
    file keeps its previous state instead of a municipality with an area missing.
    """
    paths = areas_reader.area_files(data_root.path)
    return _ingest(
        areas_reader.SOURCE,
        "areas",
        paths,
        data_root,
        warehouse,
        lambda con, p: _merge(
            areas_reader.read_areas(p, data_root.path)[0],
            areas_reader.linked_area_files(data_root.path),
        ),
        check=no_area_refused,
    )


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb", "great_expectations"},
    owners=OWNERS,
    freshness_policy=QUARTERLY_FRESHNESS,
    deps=[areas],
)
def small_area_statistics(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Small-area statistics: the long format (`statistics/small_area/*.csv`) and a city's own
    layouts (Bundesagentur workbooks, wide exports) below `statistics/incoming/`, each read by
    the recipe in `statistics/recipes/` that names it; typed and validated by the same rules.

    Statistical symbols stay symbols (value NULL, `-` = 0); unknown area ids and Merkmal codes,
    malformed dates and values, negative counts and duplicates go to quarantine, a recipe value
    with its sheet and cell. The metadata `recipes` lists per file and sheet the recipe, the
    values, the rows skipped by the recipe's rules and the columns it did not map.
    """
    fmt = BY_NAME["small_area_statistics"]
    paths = statistics_recipes.statistics_paths(data_root.files)
    report: list[dict] = []

    def read(con, p):
        known = dict(con.execute("SELECT area_id, municipality_ags FROM areas").fetchall())
        return statistics_recipes.read_statistics(p, data_root.path, known, report=report)

    materialized = _ingest(
        statistics.SOURCE,
        "small_area_statistics",
        paths,
        data_root,
        warehouse,
        read,
        folders=(fmt.folder, "statistics/*"),
    )
    if not report:
        return materialized
    recipes = dg.MetadataValue.md(markdown_table(pd.DataFrame(report)))
    return dg.MaterializeResult(metadata={**materialized.metadata, "recipes": recipes})


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb", "great_expectations"},
    owners=OWNERS,
    deps=[landing_archive],
)
def genesis_values(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Municipality control totals from GENESIS flat CSV (`statistics/genesis/*.csv`)."""
    fmt = BY_NAME["genesis"]
    paths = asset_files("genesis_values", data_root.files)
    return _ingest(
        genesis.SOURCE,
        "genesis_values",
        paths,
        data_root,
        warehouse,
        lambda con, p: genesis.read_genesis(
            p, data_root.path, max_mb=data_root.settings()["limits"]["max_file_mb"]
        ),
        folders=(fmt.folder,),
    )


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb", "great_expectations"},
    owners=OWNERS,
    deps=[landing_archive],
)
def zensus_grid(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Zensus 2022 100 m grid cells (`statistics/zensus/*.csv`), centres in EPSG:3035."""
    fmt = BY_NAME["zensus"]
    paths = asset_files("zensus_grid", data_root.files)
    return _ingest(
        zensus.SOURCE,
        "zensus_grid",
        paths,
        data_root,
        warehouse,
        lambda con, p: zensus.read_zensus(
            p, data_root.path, data_root.settings()["limits"]["max_file_mb"]
        ),
        folders=(fmt.folder,),
    )


INGEST_ASSETS = [landing_archive, areas, small_area_statistics, genesis_values, zensus_grid]


# --- provider deliveries -----------------------------------------------------------------------


def _area_lookup(con) -> dict[str, str]:
    return dict(con.execute("SELECT area_id, municipality_ags FROM areas").fetchall())


def _measure_refs(
    data_root: DataRoot, area_ids: set[str]
) -> dict[str, providers.MeasureRef] | None:
    """Measures of `planning/goals.yaml`, or None when it defines none or cannot be read.

    A broken goals.yaml must not stop the providers' reports (one file's error never stops other
    data): their measure ids then go unchecked, and the controlling assets fail with the located
    error. Any change under `planning/` reruns everything, so the ids are checked once it is fixed.
    """
    try:
        goals = load_goals(data_root.path / "planning" / "goals.yaml", set(BY_ID), area_ids)
    except PlanningError as error:
        dg.get_dagster_logger().warning(f"Maßnahmen-IDs ungeprüft: {error}")
        return None
    if not goals.measures:
        return None
    return {m.id: providers.MeasureRef(m.provider, tuple(m.areas)) for m in goals.measures}


def _provider_oversized(files, data_root: DataRoot, source: str):
    limit = data_root.settings()["limits"]["max_file_mb"]
    paths, oversized = split_oversized([f.path for f in files], data_root.path, source, limit)
    kept = set(paths)
    keep = [f for f in files if f.path in kept]
    return keep, providers.with_context(oversized, files)


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb"},
    owners=OWNERS,
    deps=[landing_archive],
)
def provider_files(
    context: dg.AssetExecutionContext, data_root: DataRoot, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Inventory of `providers/`: which file counts, which was replaced, which is unexpected.

    Files outside `facilities.(csv|xlsx)`, `reports/<YYYY-MM>.(csv|xlsx)` and `surveys/*.csv` are
    reported (quarantine, reason `unexpected_file`), never guessed at; links are never followed.
    A report of a month that has no partition in this code location, yet (the month is not
    over) or at all (before the first month), is not read and reported as `month_not_open`; it
    loads once its month has a partition, when this entry disappears.
    """
    inventory = providers.discover(data_root.path)
    months = location_months(context)
    rows = providers.inventory_rows(inventory, months)
    result = providers.unexpected_files(inventory, months)
    with warehouse.connect() as con:
        con.execute("BEGIN TRANSACTION")
        replace_table(con, "provider_files", rows)
        replace_source(con, "quarantine", providers.PROVIDER_FILES, result.quarantine)
        replace_source(
            con, "ingest_files", providers.PROVIDER_FILES, result.files.assign(loaded_at=_now())
        )
        con.execute("COMMIT")
        return dg.MaterializeResult(
            metadata={
                **table_metadata(con, "provider_files", preview_rows=20),
                "unexpected_files": len(inventory.unexpected),
                "superseded_files": len(inventory.superseded),
                "rows_quarantined": len(result.quarantine),
                **provider_metadata(result, warehouse),
            }
        )


@dg.asset(
    group_name=GROUP,
    kinds={"geopandas", "duckdb", "great_expectations"},
    owners=OWNERS,
    deps=[areas],
)
def facilities(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Facility inventories of all providers, located in a Sozialraum by their coordinates or,
    without them, by their address on the house coordinates of `geodata/hauskoordinaten/`.

    A facility whose coordinates lie in no area of the municipality is quarantined
    (`outside_municipality`), so is an address not found exactly once; offer types outside the
    six known ones are loaded and listed here.
    """
    inventory = providers.discover(data_root.path)
    files, oversized = _provider_oversized(
        inventory.of_kind("facilities"), data_root, providers.FACILITIES
    )
    house_files = BY_NAME["house_coordinates"].files(data_root.files)
    limit = data_root.settings()["limits"]["max_file_mb"]
    with warehouse.connect() as con:
        polygons = area_polygons(con)
        result = _merge(
            providers.read_facilities(files, data_root.path, polygons, house_files, limit),
            providers.superseded_rows(inventory, "facilities", providers.FACILITIES),
            oversized,
        )
        _store(con, "facilities", providers.FACILITIES, result)
        other = sorted(set(result.loaded["offer_type"]) - set(providers.OFFER_TYPES))
        return dg.MaterializeResult(
            metadata={
                **_result(con, "facilities", result).metadata,
                **provider_metadata(result, warehouse),
                "offer_types_without_target_group": ", ".join(other) or "keine",
            }
        )


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb", "great_expectations"},
    owners=OWNERS,
    freshness_policy=MONTHLY_FRESHNESS,
    deps=[areas],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def measure_reports(
    context: dg.AssetExecutionContext, data_root: DataRoot, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Monthly measure reports of the providers (`reports/<YYYY-MM>.(csv|xlsx)`), per month.

    A month's slice (rows, quarantine, file bookkeeping) is deleted and rewritten, so a corrected
    resubmission replaces the earlier delivery and re-running a month never adds twice.
    """
    months = run_slice(context).months
    inventory = providers.discover(data_root.path)
    files, oversized = _provider_oversized(
        inventory.of_kind("report", months), data_root, providers.REPORTS
    )
    with warehouse.connect() as con:
        areas_by_id = _area_lookup(con)
        measures = _measure_refs(data_root, set(areas_by_id))
        result = _merge(
            providers.read_reports(files, data_root.path, areas_by_id, measures),
            providers.superseded_rows(inventory, "report", providers.REPORTS, months),
            oversized,
        )
        in_months = f"IN ({', '.join('?' for _ in months)})"
        con.execute("BEGIN TRANSACTION")
        con.execute(
            f"DELETE FROM measure_reports WHERE strftime(month, '%Y-%m') {in_months}", months
        )
        insert_frame(con, "measure_reports", result.loaded)
        for table in ("quarantine", "ingest_files"):
            con.execute(
                f"DELETE FROM {table} WHERE source = ? AND period {in_months}",
                [providers.REPORTS, *months],
            )
        insert_frame(con, "quarantine", result.quarantine)
        insert_frame(con, "ingest_files", result.files.assign(loaded_at=_now()))
        con.execute("COMMIT")
        where = f"strftime(month, '%Y-%m') {in_months}"
        return dg.MaterializeResult(
            metadata={
                **monthly_metadata(context, con, "measure_reports", where, months),
                "files": len(result.files),
                "rows_quarantined": int(result.files["rows_quarantined"].sum()),
                **_quarantine_reasons(result),
                **provider_metadata(result, warehouse),
            }
        )


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb", "great_expectations"},
    owners=OWNERS,
    deps=[areas],
)
def satisfaction_responses(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Participants' satisfaction answers (1 = very satisfied … 5 = not at all), one row each."""
    inventory = providers.discover(data_root.path)
    files, oversized = _provider_oversized(
        inventory.of_kind("survey"), data_root, providers.SURVEYS
    )
    with warehouse.connect() as con:
        measures = _measure_refs(data_root, set(_area_lookup(con)))
        result = _merge(providers.read_surveys(files, data_root.path, measures), oversized)
        _store(con, "satisfaction_responses", providers.SURVEYS, result)
        return dg.MaterializeResult(
            metadata={
                **_result(con, "satisfaction_responses", result).metadata,
                **provider_metadata(result, warehouse),
            }
        )


def area_polygons(con) -> gpd.GeoDataFrame:
    """The loaded areas as polygons (EPSG:25832)."""
    frame = con.execute("SELECT municipality_ags, area_id, geometry_wkt FROM areas").df()
    return gpd.GeoDataFrame(
        frame.drop(columns="geometry_wkt"),
        geometry=gpd.GeoSeries.from_wkt(frame["geometry_wkt"]),
        crs=areas_reader.TARGET_CRS,
    )


PROVIDER_ASSETS = [provider_files, facilities, measure_reports, satisfaction_responses]


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "duckdb", "great_expectations"},
    owners=OWNERS,
    deps=[areas],
)
def needs_survey_responses(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """The city's needs assessment (Bedarfserhebung, `surveys/needs/*.csv`), one row per answer.

    Respondent groups `Bewohner` and `Fachkraft` become `residents` and `professionals`;
    ratings 1 (low need) … 5 (very high need).
    """
    fmt = BY_NAME["needs_survey"]
    paths = asset_files("needs_survey_responses", data_root.files)

    def read(con, p):
        return needs_survey.read_needs_survey(p, data_root.path, _area_lookup(con))

    return _ingest(
        needs_survey.SOURCE,
        "needs_survey_responses",
        paths,
        data_root,
        warehouse,
        read,
        folders=(fmt.folder, "surveys/*"),
    )


PROVIDER_ASSETS = [*PROVIDER_ASSETS, needs_survey_responses]
