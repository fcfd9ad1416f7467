"""A supply map per offer type: areas coloured by coverage, facilities as points, gaps hatched.

Drawn on a bare matplotlib `Figure` (Agg, no pyplot state), so maps can be made in parallel
runs and the same input gives the same bytes: the PNG carries no software or time stamp.
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from assets.publish.swap import replace_folder
from assets.supply.accessibility import PROJECTED_CRS
from assets.supply.coverage import AREA_KEY, as_timestamps, valid_at

FIGSIZE_IN = (8.0, 8.0)
DPI = 100
NO_VALUE_COLOUR = "#d9d9d9"
FACILITY_COLOUR = "#2166ac"
OFFER_LABELS = {
    "kita": "Kindertagesstätten",
    "familienzentrum": "Familienzentren",
    "jugendzentrum": "Jugendzentren",
    "seniorentreff": "Seniorentreffs",
    "beratung": "Beratungsstellen",
    "quartiersbuero": "Quartiersbüros",
}


def disclosed_coverage(supply_rows: pd.DataFrame, min_denominator: float) -> pd.DataFrame:
    """`supply_rows` with no coverage where the target population is below `min_denominator`
    (or unknown): a map leaves the pipeline like the published file, and coverage with the
    published capacities would give a small target population back."""
    enough = supply_rows["target_population"] >= min_denominator
    return supply_rows.assign(places_per_1000=supply_rows["places_per_1000"].where(enough))


def supply_map_png(
    polygons: gpd.GeoDataFrame,
    supply_rows: pd.DataFrame,
    facilities: pd.DataFrame,
    offer_type: str,
    title: str,
) -> bytes:
    """The map of `offer_type` at the latest Stichtag in `supply_rows` as PNG bytes.

    Areas without a coverage value (unknown target population) are grey; only facilities open at
    that Stichtag are drawn, including ones outside every area since they serve it too.
    """
    rows = supply_rows[supply_rows["offer_type"] == offer_type]
    dates = as_timestamps(rows["reference_date"])
    latest = dates.max()
    rows = rows[(dates == latest).to_numpy()]
    areas = polygons.to_crs(PROJECTED_CRS).merge(
        rows[[*AREA_KEY, "places_per_1000", "gap"]], on=AREA_KEY, how="left"
    )
    points = _facility_points(facilities, offer_type, latest)

    fig = Figure(figsize=FIGSIZE_IN, dpi=DPI)
    ax = fig.subplots()
    known = areas["places_per_1000"].notna()
    if not known.all():
        areas[~known].plot(ax=ax, color=NO_VALUE_COLOUR, edgecolor="white", linewidth=0.5)
    if known.any():
        areas[known].plot(
            ax=ax,
            column="places_per_1000",
            cmap="YlGn",
            vmin=0,
            edgecolor="white",
            linewidth=0.5,
            legend=True,
            legend_kwds={"label": "Plätze je 1.000 der Zielgruppe", "shrink": 0.6},
        )
    gaps = areas[areas["gap"].eq(True)]
    if not gaps.empty:
        gaps.plot(ax=ax, facecolor="none", edgecolor="#b2182b", hatch="///", linewidth=0.8)
    if not points.empty:
        points.plot(ax=ax, color=FACILITY_COLOUR, edgecolor="white", markersize=28, zorder=3)
    handles = [
        Line2D([], [], marker="o", linestyle="", color=FACILITY_COLOUR, label="Einrichtung"),
        Patch(facecolor="none", edgecolor="#b2182b", hatch="///", label="Versorgungslücke"),
    ]
    if not known.all():
        handles.append(Patch(facecolor=NO_VALUE_COLOUR, label="keine Angabe"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles),
        fontsize=8,
        frameon=False,
    )
    stichtag = f"Stichtag {latest:%d.%m.%Y}" if pd.notna(latest) else "ohne Stichtag"
    ax.set_title(f"{title}\n{stichtag}", fontsize=11)
    ax.set_axis_off()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _facility_points(
    facilities: pd.DataFrame, offer_type: str, date: pd.Timestamp
) -> gpd.GeoDataFrame:
    chosen = facilities[
        (facilities["offer_type"] == offer_type)
        & facilities["lon"].notna()
        & facilities["lat"].notna()
    ]
    if pd.notna(date):
        chosen = valid_at(chosen, [date])
    return gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(chosen["lon"], chosen["lat"]), crs="EPSG:4326"
    ).to_crs(PROJECTED_CRS)


def write_maps(
    folder: Path, polygons: gpd.GeoDataFrame, supply_rows: pd.DataFrame, facilities: pd.DataFrame
) -> dict[str, bytes]:
    """A map per offer type of `supply_rows` as `supply_<offer>.png` in `folder`, by offer type.

    The maps are written into a staging folder that replaces `folder` only when all are done, so
    a reader never finds the maps of two runs side by side.
    """
    staging = folder.with_name(f"{folder.name}.new")
    staging.mkdir(parents=True, exist_ok=True)
    maps = {}
    for offer in sorted(supply_rows["offer_type"].unique()):
        title = f"Versorgung: {OFFER_LABELS.get(offer, offer)}"
        png = supply_map_png(polygons, supply_rows, facilities, offer, title)
        (staging / f"supply_{offer}.png").write_bytes(png)
        maps[offer] = png
    replace_folder(staging, folder)
    return maps


def stored_maps(folder: Path) -> dict[str, bytes]:
    """The maps of the last run, by offer type (empty when the folder is missing)."""
    if not folder.is_dir():
        return {}
    return {
        path.stem.removeprefix("supply_"): path.read_bytes()
        for path in sorted(folder.glob("supply_*.png"))
    }
