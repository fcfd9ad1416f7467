"""The view of one municipality on the overview page: city maps, city figures, each indicator's
spread across the areas, and the list of areas linking to their profiles."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from assets import labels
from assets.report import svg
from assets.report.cells import class_chip, date_de, number, population_cell, yes
from assets.report.charts import MapLayer
from assets.report.data import CITY
from assets.report.lookups import Spread, ValueIndex
from assets.wording import counted, noun


def municipality_view(
    ags: str,
    areas: gpd.GeoDataFrame,
    index: pd.DataFrame,
    maps: list[tuple[str, str]],
    catalog: list[dict],
    values: ValueIndex,
    spread: Spread,
    files: dict,
) -> dict:
    """The overview of one municipality (`index`: its social index at the latest Stichtag): maps,
    city figures, distributions and the area list."""
    return {
        "ags": ags,
        "maps": maps,
        "figures": _figures(areas, index),
        "indicators": [_distribution_row(ags, entry, spread, values) for entry in catalog],
        "areas": _area_list(ags, areas, index, files),
    }


def _figures(areas: gpd.GeoDataFrame, index: pd.DataFrame) -> dict:
    """The municipality in numbers: areas, population, size and the index classes' counts."""
    population = areas["population"]
    needs_action = sum(yes(flag) for flag in index["needs_action"])
    return {
        "areas": (number(len(areas), 0), noun(len(areas), "Sozialraum", "Sozialräume")),
        "population": number(population.sum(min_count=1), 0),
        "population_incomplete": bool(population.isna().any()),
        "population_date": date_de(areas["population_date"].max()),
        "km2": number(areas["area_km2"].sum(), 1),
        "index_date": date_de(index["reference_date"].max()) if not index.empty else "",
        "needs_action": (number(needs_action, 0), noun(needs_action, "Sozialraum", "Sozialräume")),
        "status_counts": [
            (label, colour, number((index["status_class"] == key).sum(), 0))
            for key, (label, colour) in labels.STATUS_CLASSES.items()
        ],
    }


def _area_list(ags: str, areas: gpd.GeoDataFrame, index: pd.DataFrame, files: dict) -> list[dict]:
    """Every area with its page, population and latest index classes."""
    classes = index.set_index("area_id")
    return [
        {
            "id": row.area_id,
            "name": row.area_name,
            "district": row.district_name,
            "file": files[(ags, row.area_id)],
            "population": population_cell(row.population),
            "status": class_chip(labels.STATUS_CLASSES, classes["status_class"].get(row.area_id)),
            "dynamics": class_chip(
                labels.DYNAMICS_CLASSES, classes["dynamics_class"].get(row.area_id)
            ),
            "needs_action": yes(classes["needs_action"].get(row.area_id)),
        }
        for row in areas.itertuples(index=False)
    ]


def _distribution_row(ags: str, entry: dict, spread: Spread, values: ValueIndex) -> dict:
    """One indicator at its latest Stichtag: the city value and its spread across the areas."""
    indicator = entry["indicator_id"]
    date, rows = spread.latest(ags, indicator)
    known = rows[~np.isnan(rows)]
    missing = int(np.isnan(rows).sum())
    city = values.at(ags, CITY, indicator, date)
    city_value = None if city is None else float(values.values[city])
    return {
        "label": entry["label_de"],
        "date": date_de(date),
        "city": values.cell_at(ags, CITY, indicator, date),
        "chart": svg.distribution(known, city_value, f"Verteilung {entry['label_de']}")
        if len(rows)
        else "",
        "min": number(known.min()) if known.size else "",
        "median": number(np.median(known)) if known.size else "",
        "max": number(known.max()) if known.size else "",
        "missing": counted(missing, "Sozialraum", "Sozialräume") + " ohne Wert" if missing else "",
    }


def city_map(layer: MapLayer, areas: gpd.GeoDataFrame, frame: svg.Frame, paths: list[str]) -> str:
    """One city map of a municipality as inline SVG, from the area paths made for its pages."""
    names = areas["area_name"].tolist()
    return svg.choropleth(frame, paths, names, layer.fill.tolist(), layer.title, layer.legend)
