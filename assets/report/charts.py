"""The city maps' content (classes, bins, colours, titles) and their PNG for the pipeline's UI.

`map_layers` decides what a map shows; the report draws it as inline SVG (`svg.choropleth`), the
asset metadata as PNG (`city_maps_png`, one picture of all areas). The indicators' distributions
across areas, which the overview page draws per municipality (`svg.distribution`), go to the
asset metadata as one PNG too (`distributions_png`). A `Figure` without pyplot keeps
no global state, so maps can be drawn while other code plots; PNGs are saved without the
"Software" stamp so the same data gives the same bytes, which lets the pipeline see that nothing
changed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from assets import labels
from assets.report.data import AREA_KEY, CITY, ReportData

DPI = 100
MAP_SIZE_IN = (6.0, 6.0)
MAP_TITLES = {
    "status_classes": "Statusindex",
    "dynamics_classes": "Dynamikindex",
    "child_poverty": "Kinderarmut",
}


@dataclass(frozen=True)
class MapLayer:
    """One map: a fill colour per area (in the order of the areas), its classes and title."""

    fill: pd.Series
    classes: list[tuple[str, str]]
    title: str

    @property
    def legend(self) -> list[tuple[str, str]]:
        """(label, colour) of every class, and "keine Angabe" only when a grey area is shown."""
        if (self.fill == labels.NO_VALUE_COLOUR).any():
            return [*self.classes, (labels.NO_VALUE_LABEL, labels.NO_VALUE_COLOUR)]
        return self.classes

    def take(self, positions) -> MapLayer:
        """The layer for the areas at `positions` (one municipality of a state-wide layer)."""
        return replace(self, fill=self.fill.iloc[positions])


def city_maps_png(data: ReportData) -> dict[str, bytes]:
    """The three city maps of the published data, for the pipeline's asset metadata.

    Keys: `status_classes`, `dynamics_classes`, `child_poverty`. Several municipalities in one
    file are drawn on the same map.
    """
    return {name: _map(data.areas, layer) for name, layer in map_layers(data, data.areas).items()}


def distributions_png(data: ReportData) -> bytes | None:
    """Each indicator across all areas at its latest Stichtag, one row per indicator: a box plot
    over the area values as dots (jittered from a fixed seed, so the same data gives the same
    bytes) and each municipality's own value as a red line. None without any indicator value.

    Suppressed and not computable values have no value and are left out, as on the report.
    """
    values = data.values[data.values["value"].notna()]
    latest = values.groupby(["municipality_ags", "indicator_id"])["reference_date"].transform("max")
    values = values[values["reference_date"] == latest]  # yearly and monthly indicators alike
    areas, cities = values[values["area_id"] != CITY], values[values["area_id"] == CITY]
    catalog = data.catalog[data.catalog["indicator_id"].isin(set(areas["indicator_id"]))]
    if catalog.empty:
        return None
    fig = Figure(figsize=(7.0, 0.85 * len(catalog) + 0.3), dpi=DPI)
    axes = fig.subplots(len(catalog), 1, squeeze=False)[:, 0]
    rng = np.random.default_rng(0)
    for ax, entry in zip(axes, catalog.itertuples(index=False), strict=True):
        rows = areas[areas["indicator_id"] == entry.indicator_id]
        marks = rows["value"].to_numpy(dtype=float)
        ax.boxplot(
            marks,
            orientation="horizontal",
            widths=0.5,
            showfliers=False,
            medianprops={"color": "#333333", "linewidth": 1.5},
        )
        ax.scatter(
            marks,
            1 + rng.uniform(-0.18, 0.18, marks.size),
            s=6,
            color=labels.AREA_COLOUR,
            alpha=0.6,
        )
        city = cities.loc[cities["indicator_id"] == entry.indicator_id, "value"]
        for value in city:
            ax.axvline(value, color=labels.CITY_MARK_COLOUR, linewidth=1.4)
        ax.set_yticks([])
        ax.set_title(f"{entry.label_de} ({_stichtag(rows)})", fontsize=8, loc="left")
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle("Verteilung über die Sozialräume (rot: Stadt)", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def map_layers(data: ReportData, areas: gpd.GeoDataFrame) -> dict[str, MapLayer]:
    """Status classes and dynamics classes at the latest index Stichtag, and child poverty at its
    latest Stichtag, for the given areas (the report takes each municipality's part)."""
    index = latest_rows(data.social_index)
    classes = areas.merge(
        index[[*AREA_KEY, "status_class", "dynamics_class"]], on=AREA_KEY, how="left"
    )
    poverty = latest_rows(
        data.values[
            (data.values["indicator_id"] == "child_poverty") & (data.values["area_id"] != "ALL")
        ]
    )
    with_poverty = areas.merge(poverty[[*AREA_KEY, "value"]], on=AREA_KEY, how="left")
    return {
        "status_classes": class_layer(
            classes, "status_class", labels.STATUS_CLASSES, "Statusindex", _stichtag(index)
        ),
        "dynamics_classes": class_layer(
            classes, "dynamics_class", labels.DYNAMICS_CLASSES, "Dynamikindex", _stichtag(index)
        ),
        "child_poverty": child_poverty_layer(with_poverty, _stichtag(poverty)),
    }


def latest_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows at each municipality's latest `reference_date` (maps show one Stichtag)."""
    if frame.empty:
        return frame
    latest = frame.groupby("municipality_ags")["reference_date"].transform("max")
    return frame[frame["reference_date"] == latest]


def class_layer(
    areas: pd.DataFrame, column: str, classes: dict, title: str, stichtag: str
) -> MapLayer:
    """Areas coloured by class; areas without a class (too small, no data) grey and named so."""
    colours = {key: colour for key, (_, colour) in classes.items()}
    fill = areas[column].map(colours).fillna(labels.NO_VALUE_COLOUR)
    return MapLayer(fill, list(classes.values()), f"{title}: Klassen\n{stichtag}")


def child_poverty_layer(areas: pd.DataFrame, stichtag: str) -> MapLayer:
    """Child poverty in fixed bins; suppressed or not computable areas grey, never as 0."""
    bins = labels.CHILD_POVERTY_BINS
    codes = pd.cut(areas["value"], bins=bins, right=False, labels=False)
    fill = codes.map(dict(enumerate(labels.CHILD_POVERTY_COLOURS))).fillna(labels.NO_VALUE_COLOUR)
    legend = [
        (labels.percent_bin_label(low, high), colour)
        for low, high, colour in zip(bins[:-1], bins[1:], labels.CHILD_POVERTY_COLOURS, strict=True)
    ]
    return MapLayer(fill, legend, f"Kinderarmut (SGB II unter 15) in %\n{stichtag}")


def _map(areas: gpd.GeoDataFrame, layer: MapLayer) -> bytes:
    fig = Figure(figsize=MAP_SIZE_IN, dpi=DPI)
    ax = fig.subplots()
    areas.plot(ax=ax, color=layer.fill.to_list(), edgecolor="white", linewidth=0.6)
    handles = [
        Patch(
            facecolor=colour,
            edgecolor="#555" if label != labels.NO_VALUE_LABEL else None,
            label=label,
        )
        for label, colour in layer.legend
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=min(len(handles), 3),
        fontsize=8,
        frameon=False,
    )
    ax.set_title(layer.title, fontsize=10)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return _png(fig)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _stichtag(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "ohne Stichtag"
    return f"Stichtag {pd.Timestamp(rows['reference_date'].max()):%d.%m.%Y}"
