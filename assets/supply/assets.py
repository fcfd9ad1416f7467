"""Supply assets (Bestandserfassung, Versorgungslücken): coverage, accessibility, gaps, maps."""

import base64

import dagster as dg
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
from assets.publish.swap import replace_folder
from assets.resources import DataRoot, Warehouse
from assets.supply.maps import disclosed_coverage, supply_map_png
from assets.supply.table import compute_supply
from assets.warehouse import replace_table

GROUP = "supply"
OFFER_LABELS = {
    "kita": "Kindertagesstätten",
    "familienzentrum": "Familienzentren",
    "jugendzentrum": "Jugendzentren",
    "seniorentreff": "Seniorentreffs",
    "beratung": "Beratungsstellen",
    "quartiersbuero": "Quartiersbüros",
}


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
    value or reach below `gap_min_share_within`, a fraction: 0.6 = 60 %) ranked by need: areas with `needs_action` first, then by
    status class, then by unserved target population (persons). A map per offer type is attached
    below and written to `maps/` in the warehouse folder; like the published `supply`, it shows
    no coverage for a target population below `disclosure.min_denominator` (grey, "keine
    Angabe"). When its inputs (areas, facilities, population
    Stichtage, grid, social index, settings) are what the last run used and the maps are there,
    the stored table and maps are kept (`assets/inputs.py`).
    """
    all_settings = data_root.settings()
    settings = all_settings["supply"]
    # the maps leave the pipeline like the published file: no rate on a small target population
    min_denominator = all_settings["disclosure"]["min_denominator"]
    # Only population counts matter here; the monthly Bundesagentur rows are most of the table.
    codes = sorted({"EW"} | {c for group in settings["target_groups"].values() for c in group})
    queries = {
        "facilities": ("SELECT * FROM facilities", []),
        "population": (
            "SELECT municipality_ags, area_id, reference_date, code, value "
            "FROM small_area_statistics WHERE list_contains(?, code)",
            [codes],
        ),
        "grid": ("SELECT cell_id, x_3035, y_3035, population FROM zensus_grid", []),
        "social_index": ("SELECT * FROM social_index", []),
    }
    areas_query = ("SELECT municipality_ags, area_id, geometry_wkt FROM areas", [])
    with warehouse.connect() as con:
        key = inputs.fingerprint(
            con,
            [areas_query, *queries.values()],
            {**settings, "map_min_denominator": min_denominator},
        )
        maps = _stored_maps(warehouse)
        recomputed = not (maps and inputs.unchanged(con, "supply", key))
        if recomputed:
            polygons = area_polygons(con)
            frames = {name: con.execute(*query).df() for name, query in queries.items()}
            result = compute_supply(polygons, *frames.values(), settings)
            con.execute("BEGIN TRANSACTION")
            replace_table(con, "supply", result)
            inputs.forget(con, "supply")  # until the maps match the table again
            con.execute("COMMIT")
        else:
            result = con.execute("SELECT * FROM supply").df()
        metadata = table_metadata(con, "supply")
    if recomputed:
        with warehouse.exclusive():
            shown = disclosed_coverage(result, min_denominator)
            maps = _write_maps(warehouse, polygons, shown, frames["facilities"])
        with warehouse.connect() as con:
            inputs.record(con, "supply", key)  # only now are table and maps complete
    latest = result[result["reference_date"] == result["reference_date"].max()]
    top = (
        latest[latest["gap"]]
        .sort_values(["offer_type", "gap_rank"])
        .groupby("offer_type")
        .head(3)[
            [
                "offer_type",
                "gap_rank",
                "area_id",
                "places_per_1000",
                "municipality_places_per_1000",
                "share_within_distance",
                "unserved",
                "gap_reason",
            ]
        ]
    )
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "gaps_latest": int(latest["gap"].sum()),
            "top_gaps_latest": dg.MetadataValue.md(markdown_table(top)),
            **{
                f"map_{offer}": dg.MetadataValue.md(_inline_png(png, offer))
                for offer, png in maps.items()
            },
            "recomputed": recomputed,
        }
    )


def _write_maps(
    warehouse: Warehouse, polygons, result: pd.DataFrame, facility_frame: pd.DataFrame
) -> dict[str, bytes]:
    folder = warehouse.path / "maps"
    staging = folder.with_name("maps.new")
    staging.mkdir(parents=True, exist_ok=True)
    maps = {}
    for offer in sorted(result["offer_type"].unique()):
        title = f"Versorgung: {OFFER_LABELS.get(offer, offer)}"
        png = supply_map_png(polygons, result, facility_frame, offer, title)
        (staging / f"supply_{offer}.png").write_bytes(png)
        maps[offer] = png
    replace_folder(staging, folder)
    return maps


def _stored_maps(warehouse: Warehouse) -> dict[str, bytes]:
    """The maps of the last run, by offer type (empty when the folder is missing)."""
    folder = warehouse.path / "maps"
    if not folder.is_dir():
        return {}
    return {
        path.stem.removeprefix("supply_"): path.read_bytes()
        for path in sorted(folder.glob("supply_*.png"))
    }


def _inline_png(png: bytes, offer: str) -> str:
    return f"![Karte {offer}](data:image/png;base64,{base64.b64encode(png).decode()})"


SUPPLY_ASSETS = [supply]
