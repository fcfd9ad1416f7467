"""City maps and indicator distributions as PNG, drawn on bare matplotlib figures.

A `Figure` without pyplot keeps no global state, so reports can be drawn while other code plots;
PNGs are saved without the "Software" stamp so the same data gives the same bytes, which keeps
the report deterministic and lets the pipeline see that nothing changed.
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from assets.report import labels
from assets.report.data import AREA_KEY, ReportData, load

DPI = 100
MAP_SIZE_IN = (6.0, 6.0)
GERMAN_TICKS = FuncFormatter(lambda value, _: f"{value:g}".replace(".", ","))


def city_maps_png(published: Path) -> dict[str, bytes]:
    """The three city maps of the published file, for the pipeline's asset metadata.

    Keys: `status_classes`, `dynamics_classes`, `child_poverty`. Several municipalities in one
    file are drawn on the same map.
    """
    data = load(published)
    return city_maps(data, data.areas)


def city_maps(data: ReportData, areas: gpd.GeoDataFrame) -> dict[str, bytes]:
    """Status classes and dynamics classes at the latest index Stichtag, and child poverty at its
    latest Stichtag, for the given areas (one municipality on the overview page)."""
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
        "status_classes": class_map(
            classes, "status_class", labels.STATUS_CLASSES, "Statusindex", _stichtag(index)
        ),
        "dynamics_classes": class_map(
            classes, "dynamics_class", labels.DYNAMICS_CLASSES, "Dynamikindex", _stichtag(index)
        ),
        "child_poverty": child_poverty_map(with_poverty, _stichtag(poverty)),
    }


def latest_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows at each municipality's latest `reference_date` (maps show one Stichtag)."""
    if frame.empty:
        return frame
    latest = frame.groupby("municipality_ags")["reference_date"].transform("max")
    return frame[frame["reference_date"] == latest]


def class_map(
    areas: gpd.GeoDataFrame, column: str, classes: dict, title: str, stichtag: str
) -> bytes:
    """Areas coloured by class; areas without a class (too small, no data) grey and named so."""
    colours = {key: colour for key, (_, colour) in classes.items()}
    fill = areas[column].map(colours).fillna(labels.NO_VALUE_COLOUR)
    handles = [
        Patch(facecolor=colour, edgecolor="#555", label=name) for name, colour in classes.values()
    ]
    return _map(areas, fill, handles, f"{title}: Klassen\n{stichtag}")


def child_poverty_map(areas: gpd.GeoDataFrame, stichtag: str) -> bytes:
    """Child poverty in fixed bins; suppressed or not computable areas grey, never as 0."""
    bins = labels.CHILD_POVERTY_BINS
    codes = pd.cut(areas["value"], bins=bins, right=False, labels=False)
    fill = codes.map(dict(enumerate(labels.CHILD_POVERTY_COLOURS))).fillna(labels.NO_VALUE_COLOUR)
    handles = [
        Patch(facecolor=colour, edgecolor="#555", label=_bin_label(low, high))
        for low, high, colour in zip(bins[:-1], bins[1:], labels.CHILD_POVERTY_COLOURS, strict=True)
    ]
    return _map(areas, fill, handles, f"Kinderarmut (SGB II unter 15) in %\n{stichtag}")


def distribution_png(values: pd.Series, city_value: float | None) -> bytes:
    """One indicator across areas: a box over the jittered area values, the city value in red.

    The jitter comes from a fixed seed so the picture is the same on every run.
    """
    finite = values.dropna().to_numpy(dtype=float)
    fig = Figure(figsize=(3.6, 1.05), dpi=DPI)
    ax = fig.subplots()
    if finite.size:
        ax.boxplot(
            finite,
            orientation="horizontal",
            widths=0.6,
            showfliers=False,
            medianprops={"color": "#333333"},
        )
        jitter = np.random.default_rng(0).uniform(-0.22, 0.22, finite.size)
        ax.scatter(finite, 1 + jitter, s=7, color=labels.AREA_COLOUR, alpha=0.6, linewidths=0)
    if city_value is not None and np.isfinite(city_value):
        ax.axvline(city_value, color=labels.CITY_MARK_COLOUR, linewidth=1.6)
        ax.annotate(
            "Stadt",
            (city_value, 1.45),
            color=labels.CITY_MARK_COLOUR,
            fontsize=7,
            ha="center",
            annotation_clip=False,
        )
    ax.set_yticks([])
    ax.set_ylim(0.5, 1.55)
    ax.xaxis.set_major_formatter(GERMAN_TICKS)
    ax.tick_params(axis="x", labelsize=7)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def _map(areas: gpd.GeoDataFrame, fill: pd.Series, handles: list, title: str) -> bytes:
    fig = Figure(figsize=MAP_SIZE_IN, dpi=DPI)
    ax = fig.subplots()
    areas.plot(ax=ax, color=fill.to_list(), edgecolor="white", linewidth=0.6)
    if (fill == labels.NO_VALUE_COLOUR).any():
        handles = [*handles, Patch(facecolor=labels.NO_VALUE_COLOUR, label=labels.NO_VALUE_LABEL)]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=min(len(handles), 3),
        fontsize=8,
        frameon=False,
    )
    ax.set_title(title, fontsize=10)
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


def _bin_label(low: float, high: float) -> str:
    return f"ab {low:g} %" if np.isinf(high) else f"{low:g} bis unter {high:g} %"
