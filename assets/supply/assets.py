"""Supply assets (Bestandserfassung, Versorgungslücken): coverage, accessibility, gaps, maps."""

import base64

import dagster as dg
import duckdb
import pandas as pd

from assets import inputs
from assets.indicators.assets import social_index
from assets.ingest.assets import (
    OWNERS,
    area_polygons,
    areas,
    facilities,
    small_area_statistics,
    zensus_grid,
)
from assets.metadata import markdown_table, table_metadata
from assets.resources import DataRoot, Warehouse
from assets.supply.gaps import latest_stichtag, top_gaps
from assets.supply.maps import disclosed_coverage, stored_maps, write_maps
from assets.supply.table import AREAS_QUERY, compute_supply, source_queries
from assets.warehouse import replace_table

GROUP = "supply"


@dg.asset(
    group_name=GROUP,
    kinds={"geopandas", "duckdb"},
    owners=OWNERS,
    deps=[areas, facilities, small_area_statistics, zensus_grid, social_index],
)
def supply(data_root: DataRoot, warehouse: Warehouse) -> dg.MaterializeResult:
    """Coverage and walking-distance accessibility per area, Stichtag and offer type, with gaps.

    Places per 1,000 of the offer type's target population (settings `supply.target_groups`),
    the population-weighted share (in percent) of Zensus grid cells within the walking distance of
    the nearest open facility, and gaps (coverage below `gap_coverage_factor` × the municipality's
    value or reach below `gap_min_share_within`, a fraction: 0.6 = 60 %) ranked by need: areas
    with `needs_action` first, then by status class, then by unserved target population
    (persons). A map per offer type is attached below and written to `maps/` in the warehouse
    folder; like the published `supply`, it shows no coverage for a target population below
    `disclosure.min_denominator` (grey, "keine Angabe"). When its inputs (areas, facilities,
    population Stichtage, grid, social index, settings) are what the last run used and the maps
    are there, the stored table and maps are kept (`assets/inputs.py`).
    """
    all_settings = data_root.settings()
    settings = all_settings["supply"]
    # the maps leave the pipeline like the published file: no rate on a small target population
    min_denominator = all_settings["disclosure"]["min_denominator"]
    queries = source_queries(settings)
    folder = warehouse.path / "maps"
    with warehouse.connect() as con:
        key = inputs.fingerprint(
            con,
            [AREAS_QUERY, *queries.values()],
            {**settings, "map_min_denominator": min_denominator},
        )
        maps = stored_maps(folder)
        recomputed = not (maps and inputs.unchanged(con, "supply", key))
        if recomputed:
            polygons, facility_rows, result = _recompute(con, queries, settings)
        else:
            result = con.execute("SELECT * FROM supply").df()
        metadata = table_metadata(con, "supply")
    if recomputed:
        with warehouse.exclusive():
            shown = disclosed_coverage(result, min_denominator)
            maps = write_maps(folder, polygons, shown, facility_rows)
        with warehouse.connect() as con:
            inputs.record(con, "supply", key)  # only now are table and maps complete
    return dg.MaterializeResult(
        metadata={
            **metadata,
            **_gaps_metadata(result),
            **_maps_metadata(maps),
            "recomputed": recomputed,
        }
    )


def _recompute(
    con: duckdb.DuckDBPyConnection, queries: dict, settings: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Compute and store the `supply` table; its polygons and facilities go on to the maps.

    The stored fingerprint is forgotten in the same transaction as the table is replaced, so a
    run that fails before the maps are written recomputes next time instead of keeping them.
    """
    polygons = area_polygons(con)
    frames = {name: con.execute(*query).df() for name, query in queries.items()}
    result = compute_supply(polygons, *frames.values(), settings)
    con.execute("BEGIN TRANSACTION")
    replace_table(con, "supply", result)
    inputs.forget(con, "supply")  # until the maps match the table again
    con.execute("COMMIT")
    return polygons, frames["facilities"], result


def _gaps_metadata(result: pd.DataFrame) -> dict:
    latest = latest_stichtag(result)
    return {
        "gaps_latest": int(latest["gap"].sum()),
        "top_gaps_latest": dg.MetadataValue.md(markdown_table(top_gaps(latest))),
    }


def _maps_metadata(maps: dict[str, bytes]) -> dict:
    """Each offer type's map inline, so the UI shows it without access to the warehouse folder."""
    return {
        f"map_{offer}": dg.MetadataValue.md(
            f"![Karte {offer}](data:image/png;base64,{base64.b64encode(png).decode()})"
        )
        for offer, png in maps.items()
    }


SUPPLY_ASSETS = [supply]
