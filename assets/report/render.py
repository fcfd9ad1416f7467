"""The report: a static German site of a city overview and one profile page per area.

`render_report` reads only the published DuckDB file (so the pages show exactly what disclosure
control published), builds plain view dictionaries, fills Jinja2 templates and swaps the finished
folder into place, so a reader never opens half a report. Every picture is inline SVG and the CSS
is embedded: the folder works offline, attached to a mail or on a USB stick.

At state scale (10,000 areas, 396 municipalities) the cost is per page and per picture, so the
work per page is kept to dictionary look-ups and string formatting: tables are grouped once per
report, each area's outline is turned into SVG path data once per municipality and reused by the
city maps and every locator map, and the templates are compiled once.
"""

from __future__ import annotations

import functools
import hashlib
import math
import multiprocessing
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
from markupsafe import escape

from assets.report import labels, svg
from assets.report.charts import MAP_TITLES, MapLayer, latest_rows, map_layers
from assets.report.data import AREA_KEY, CITY, ReportData, records_by_area

MAP_WIDTH = 360
LOCATOR_WIDTH = 230
# A locator map draws at most this many outlines (areas, else districts, else the municipality),
# so a page stays a few kilobytes whatever the size of the city.
MAX_OUTLINES_ON_LOCATOR = 400
STATUS_ORDER = ["high", "medium", "low", "very_low"]
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class ReportSummary:
    """What the pipeline reports as asset metadata: how big the site is and where it starts."""

    pages: int
    total_bytes: int
    index_html: Path


@dataclass(frozen=True)
class Cell:
    """A formatted value; `title` explains a dash (suppressed or not computable) as a tooltip.

    Renders itself (`__html__`, which Jinja uses under autoescaping): a template macro call per
    cell was a large share of the time for 10,000 pages of tables.
    """

    text: str
    title: str | None = None

    def __html__(self) -> str:
        if self.title:
            return f'<span class="na" title="{escape(self.title)}">{escape(self.text)}</span>'
        return str(escape(self.text))


@dataclass(frozen=True)
class Chip:
    """A class name on its class colour (status, dynamics), rendering itself like `Cell`."""

    label: str
    colour: str

    def __html__(self) -> str:
        return (
            f'<span class="chip" style="background: {escape(self.colour)}">'
            f"{escape(self.label)}</span>"
        )


def render_report(data: ReportData, out: Path, workers: int | None = None) -> ReportSummary:
    """Writes `index.html` and `areas/<file>.html` for every area of `data` into `out`.

    The municipalities' pages are rendered by `workers` processes (default: one per core from
    `PARALLEL_FROM_AREAS` areas on, else one); the pages are the same either way.
    """
    env = _environment()
    staging = out.parent / f".{out.name}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "areas").mkdir(parents=True)

    files = page_files(data.areas)
    catalog = _ordered_catalog(data.catalog)
    datenstand = _datenstand(data.published_at)
    by_ags = sorted(data.areas.groupby("municipality_ags").indices.items())
    job = _Job(
        data=data,
        staging=staging,
        files=files,
        values=_ValueIndex(data.values),
        catalog=catalog,
        datenstand=datenstand,
        measures=_measures_by_area(data.measures, data.kpi_status),
        context={
            "index_by_area": records_by_area(data.social_index),
            "facilities_by_area": records_by_area(
                _open_facilities(data.facilities, data.published_at)
            ),
            "supply_by_area": records_by_area(data.supply),
            "needs_by_area": records_by_area(data.needs),
        },
        spread=_Spread(data.values),
        layers=map_layers(data, data.areas),
        index_by_ags=_by_municipality(data.social_index),
    )
    if workers is None:
        workers = (os.cpu_count() or 1) if len(data.areas) >= PARALLEL_FROM_AREAS else 1
    municipalities = _render_municipalities(job, by_ags, workers)

    index = env.get_template("index.html").render(
        municipalities=municipalities,
        goals=_goals_view(data.goals, catalog),
        red_kpis=_red_kpis_view(data.red_kpis),
        datenstand=datenstand,
    )
    (staging / "index.html").write_text(index, encoding="utf-8")
    pages = 1 + len(files)
    total = sum(p.stat().st_size for p in staging.rglob("*") if p.is_file())
    _swap(staging, out)
    return ReportSummary(pages=pages, total_bytes=total, index_html=out / "index.html")


# Below this many areas a second process costs more than it saves (the sample has 32).
PARALLEL_FROM_AREAS = 2000


@dataclass
class _Job:
    """Everything the pages of a municipality are made from, shared with forked workers."""

    data: ReportData
    staging: Path
    files: dict
    values: _ValueIndex
    catalog: list[dict]
    datenstand: str | None
    measures: dict
    context: dict
    spread: _Spread
    layers: dict
    index_by_ags: dict


_JOB: _Job | None = None  # the job of the forked workers (inherited, never pickled)


def _render_municipalities(job: _Job, by_ags: list, workers: int) -> list[dict]:
    """The municipalities' views in AGS order; their pages are written on the way.

    With several workers the municipalities are dealt to forked processes in turn by size, so
    each gets a similar number of pages; each worker writes its own pages and returns its views.
    """
    if workers <= 1 or len(by_ags) < 2:
        return [_render_municipality(job, ags, positions) for ags, positions in by_ags]
    global _JOB
    _JOB = job
    order = sorted(range(len(by_ags)), key=lambda i: -len(by_ags[i][1]))
    shares = [[by_ags[i] for i in order[w::workers]] for w in range(workers)]
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_render_share, shares)
    finally:
        _JOB = None
    views = {view["ags"]: view for part in parts for view in part}
    return [views[ags] for ags, _ in by_ags]


def _render_share(share: list) -> list[dict]:
    return [_render_municipality(_JOB, ags, positions) for ags, positions in share]


def _render_municipality(job: _Job, ags: str, positions) -> dict:
    """Write the pages of one municipality's areas; return the municipality's overview view."""
    data = job.data
    area_template = _environment().get_template("area.html")
    areas = data.areas.iloc[positions]
    frame = svg.Frame.around(areas.geometry.to_numpy(), MAP_WIDTH)
    paths = [frame.path(geometry) for geometry in areas.geometry]
    base = svg.base_layer(_locator_outlines(areas, frame, paths))
    for area, path in zip(areas.itertuples(index=False), paths, strict=True):
        key = (ags, area.area_id)
        page = _area_view(area, key, job.catalog, job.values, job.measures, job.context)
        page["locator"] = svg.locator_map(frame, base, path, area.area_name, LOCATOR_WIDTH)
        html = area_template.render(area=page, ags=ags, datenstand=job.datenstand)
        (job.staging / "areas" / job.files[key]).write_text(html, encoding="utf-8")
    maps = [
        (MAP_TITLES[name], _city_map(layer.take(positions), areas, frame, paths))
        for name, layer in job.layers.items()
    ]
    index = latest_rows(job.index_by_ags.get(ags, data.social_index.iloc[:0]))
    return _municipality_view(
        ags, areas, index, maps, job.catalog, job.values, job.spread, job.files
    )


def page_files(areas: pd.DataFrame) -> dict[tuple[str, str], str]:
    """A safe, unique file name per (municipality, area): the area id where it is already safe.

    Ids may contain `/`, spaces or umlauts, and the same id may occur in two municipalities; such
    names get the unsafe characters replaced and a short hash of the full key appended.
    """
    keys = list(zip(areas["municipality_ags"], areas["area_id"], strict=True))
    counts = pd.Series([area_id for _, area_id in keys]).value_counts()
    files = {}
    for ags, area_id in keys:
        name = SAFE_NAME.sub("_", area_id)
        if name != area_id or name.startswith(".") or not name or counts[area_id] > 1:
            digest = hashlib.sha1(f"{ags}/{area_id}".encode()).hexdigest()[:8]
            name = f"{name.lstrip('.')}-{digest}"
        files[(ags, area_id)] = f"{name}.html"
    return files


def number(value, decimals: int = 1) -> str:
    """German number format (1.234,5); an empty string for missing values."""
    if value is None or pd.isna(value) or not math.isfinite(value):
        return ""
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def cell(
    value, status: str | None = None, note: str | None = None, decimals: int = 1, missing: str = "–"
) -> Cell:
    """A value for a table: the number, or a dash whose tooltip says why it is missing.

    Suppressed values are never shown as 0: they read "gesperrt (Geheimhaltung)".
    """
    text = number(value, decimals)
    if text and status in (None, "ok"):
        return Cell(text)
    if status == "suppressed":
        return Cell(missing, labels.SUPPRESSED_TITLE + (f": {note}" if note else ""))
    return Cell("–", labels.NOT_COMPUTABLE_TITLE + (f": {note}" if note else ""))


def date_de(value) -> str:
    """A Stichtag as 31.12.2025 (empty when there is none)."""
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d.%m.%Y}"


class _ValueIndex:
    """Indicator series per (municipality, area, indicator) as numpy arrays, grouped in one pass.

    Pages look up about a dozen series each; slicing arrays keeps that cheap for 10,000 areas
    where a pandas filter per lookup would dominate the run.
    """

    def __init__(self, values: pd.DataFrame):
        frame = values.reset_index(drop=True)
        self.dates = frame["reference_date"].to_numpy(dtype="datetime64[D]")
        self.values = frame["value"].to_numpy(dtype=float)
        self.status = frame["status"].to_numpy(dtype=object)
        self.note = frame["note"].to_numpy(dtype=object)
        self.positions = frame.groupby([*AREA_KEY, "indicator_id"], sort=False).indices
        self.none = np.array([], dtype=np.int64)

    def series(self, ags: str, area_id: str, indicator_id: str) -> svg.Series:
        positions = self.positions.get((ags, area_id, indicator_id), self.none)
        return self.dates[positions], self.values[positions]

    def latest_date(self, ags: str, area_id: str, indicator_id: str) -> np.datetime64 | None:
        positions = self.positions.get((ags, area_id, indicator_id), self.none)
        return self.dates[positions[-1]] if len(positions) else None

    def at(self, ags: str, area_id: str, indicator_id: str, date) -> int | None:
        """The row position of the value at `date`, if there is one."""
        positions = self.positions.get((ags, area_id, indicator_id), self.none)
        found = positions[self.dates[positions] == date] if date is not None else self.none
        return int(found[0]) if len(found) else None

    def cell_at(self, ags: str, area_id: str, indicator_id: str, date) -> Cell:
        """The formatted value at `date`; a dash explaining why when there is none."""
        i = self.at(ags, area_id, indicator_id, date)
        return cell(None) if i is None else cell(self.values[i], self.status[i], self.note[i])


@functools.cache
def _environment() -> jinja2.Environment:
    """Autoescaping on (names come from provider files); a missing view key fails loudly.

    Without auto-reload a template (and the CSS it includes) is read and compiled once per
    report instead of being checked on disk for every page.
    """
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def _ordered_catalog(catalog: pd.DataFrame) -> list[dict]:
    """Catalogue rows with the key indicators first, in the order planners read them."""
    rank = {indicator: i for i, indicator in enumerate(labels.KEY_INDICATORS)}
    rows = catalog.to_dict("records")
    return sorted(rows, key=lambda r: (rank.get(r["indicator_id"], len(rank)), r["indicator_id"]))


def _area_view(area, key, catalog, values: _ValueIndex, measures, context) -> dict:
    ags, area_id = key
    return {
        "id": area_id,
        "name": area.area_name,
        "district": area.district_name,
        "km2": number(area.area_km2, 2),
        "population": cell(
            area.population, None if pd.notna(area.population) else "suppressed", decimals=0
        ),
        "population_date": date_de(area.population_date),
        "indicators": [_indicator_row(ags, area_id, entry, values) for entry in catalog],
        "index": _index_rows(context["index_by_area"].get(key)),
        "facilities": _facility_rows(context["facilities_by_area"].get(key)),
        "supply": _supply_rows(context["supply_by_area"].get(key)),
        "measures": measures.get(area_id, []),
        "needs": _needs_rows(context["needs_by_area"].get(key)),
    }


def _indicator_row(ags: str, area_id: str, entry: dict, values: _ValueIndex) -> dict:
    """The area's latest value of one indicator beside the city's value at the same Stichtag."""
    indicator = entry["indicator_id"]
    date = values.latest_date(ags, area_id, indicator)
    return {
        "id": indicator,
        "label": entry["label_de"],
        "definition": entry["definition_de"],
        "area": values.cell_at(ags, area_id, indicator, date),
        "city": values.cell_at(ags, CITY, indicator, date),
        "date": date_de(date),
        "trend": svg.trend(
            values.series(ags, area_id, indicator),
            values.series(ags, CITY, indicator),
            f"Verlauf {entry['label_de']}: Sozialraum (blau) und Stadt (grau)",
        ),
    }


def _index_rows(rows: list[dict] | None) -> list[dict]:
    """Index classes per Stichtag and how the status class moved since the Stichtag before."""
    result, previous = [], None
    for row in rows or []:
        status = row["status_class"]
        change = ""
        if status in STATUS_ORDER and previous in STATUS_ORDER:
            step = STATUS_ORDER.index(status) - STATUS_ORDER.index(previous)
            change = "verbessert" if step < 0 else "verschlechtert" if step > 0 else "unverändert"
        previous = status
        result.append(
            {
                "date": date_de(row["reference_date"]),
                "status_index": cell(row["status_index"], note=row["note"], decimals=2),
                "status": _class_chip(labels.STATUS_CLASSES, status),
                "dynamics_index": cell(row["dynamics_index"], note=row["note"], decimals=2),
                "dynamics": _class_chip(labels.DYNAMICS_CLASSES, row["dynamics_class"]),
                "needs_action": _ja_nein(row["needs_action"]),
                "change": change,
                "note": row["note"] or "",
            }
        )
    return result


def _yes(flag) -> bool:
    """A nullable boolean from the database (None, pd.NA, numpy or Python bool) as a plain bool."""
    return not pd.isna(flag) and bool(flag)


def _ja_nein(flag) -> str:
    """A nullable boolean in words; unknown stays a dash rather than a silent "nein"."""
    return "–" if pd.isna(flag) else "ja" if flag else "nein"


class _Spread:
    """Every municipality's area values of each indicator at its latest Stichtag, grouped once
    (a pandas filter per municipality and indicator would cost seconds at state scale)."""

    def __init__(self, values: pd.DataFrame):
        areas = values[values["area_id"] != CITY]
        keys = ["municipality_ags", "indicator_id"]
        latest = areas.groupby(keys)["reference_date"].transform("max")
        rows = areas[areas["reference_date"] == latest]
        self.dates = rows["reference_date"].to_numpy(dtype="datetime64[D]")
        self.values = rows["value"].to_numpy(dtype=float)
        self.positions = rows.groupby(keys, sort=False).indices

    def latest(self, ags: str, indicator_id: str) -> tuple[np.datetime64 | None, np.ndarray]:
        """The latest Stichtag and the area values there (NaN where there is none)."""
        positions = self.positions.get((ags, indicator_id))
        if positions is None:
            return None, np.array([], dtype=float)
        return self.dates[positions[0]], self.values[positions]


def _by_municipality(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of each municipality, split once: filtering the whole table per municipality
    would cost (municipalities × rows), hours at state scale."""
    return dict(tuple(frame.groupby("municipality_ags", sort=False)))


def _locator_outlines(areas: gpd.GeoDataFrame, frame: svg.Frame, paths: list[str]) -> list[str]:
    """The grey background of the locator maps as path data: every area (the paths already made
    for the city maps), or coarser levels for big cities."""
    if len(areas) <= MAX_OUTLINES_ON_LOCATOR:
        return paths
    districts = areas.dissolve("district_name")
    if len(districts) <= MAX_OUTLINES_ON_LOCATOR:
        return [frame.path(geometry) for geometry in districts.geometry]
    return [frame.path(areas.geometry.union_all())]


def _city_map(layer: MapLayer, areas: gpd.GeoDataFrame, frame: svg.Frame, paths: list[str]) -> str:
    """One city map of a municipality as inline SVG, from the area paths made for its pages."""
    names = areas["area_name"].tolist()
    return svg.choropleth(frame, paths, names, layer.fill.tolist(), layer.title, layer.legend)


def _class_chip(classes: dict, key) -> Chip:
    return Chip(*classes.get(key, (labels.NO_VALUE_LABEL, labels.NO_VALUE_COLOUR)))


def _datenstand(published_at: str | None) -> str | None:
    """The refresh time as Germans write it; the pages carry no other time, so they stay stable."""
    return None if not published_at else f"{pd.Timestamp(published_at):%d.%m.%Y, %H:%M} Uhr UTC"


def _open_facilities(facilities: pd.DataFrame, published_at: str | None) -> pd.DataFrame:
    """Facilities not closed before the refresh; closed ones belong to history, not a profile."""
    if published_at is None or facilities.empty:
        return facilities
    valid_to = pd.to_datetime(facilities["valid_to"])
    return facilities[valid_to.isna() | (valid_to >= pd.Timestamp(published_at).normalize())]


def _facility_rows(rows: list[dict] | None) -> list[dict]:
    return [
        {
            "name": row["name"],
            "type": labels.label(labels.OFFER_TYPES, row["offer_type"]),
            "provider": row["provider_id"],
            "capacity": cell(row["capacity"], decimals=0),
            "address": row["address"] or "",
            "since": date_de(row["valid_from"]),
        }
        for row in rows or []
    ]


def _supply_rows(rows: list[dict] | None) -> list[dict]:
    result = []
    for row in rows or []:
        result.append(
            {
                "date": date_de(row["reference_date"]),
                "type": labels.label(labels.OFFER_TYPES, row["offer_type"]),
                "target_population": cell(row["target_population"], row["status"], decimals=0),
                "facilities": cell(row["facilities"], decimals=0),
                "capacity": cell(row["capacity"], decimals=0),
                "coverage": cell(row["places_per_1000"], row["status"]),
                "city_coverage": cell(row["municipality_places_per_1000"]),
                "within": cell(row["share_within_distance"], row["status"]),
                "gap": _yes(row["gap"]),
                "gap_rank": number(row["gap_rank"], 0),
                "gap_reason": row["gap_reason"] or "",
            }
        )
    return result


def _measures_by_area(measures: pd.DataFrame, kpi_status: pd.DataFrame) -> dict[str, list[dict]]:
    """Each measure with its latest traffic lights, listed under every area it works in.

    Built once per report: a measure working in many areas is formatted once, not per page.
    """
    months = kpi_status.groupby("measure_id", sort=False)["month"].max()
    lights: dict[str, list[dict]] = {}
    for row in kpi_status[kpi_status["target"].notna()].to_dict("records"):
        lights.setdefault(row["measure_id"], []).append(_light(row))
    result: dict[str, list[dict]] = {}
    for measure in measures.to_dict("records"):
        month = months.get(measure["measure_id"])
        view = {
            "id": measure["measure_id"],
            "title": measure["title"],
            "provider": measure["provider_id"],
            "ages": _ages(measure["age_from"], measure["age_to"]),
            "month": "" if month is None else f"{pd.Timestamp(month):%m/%Y}",
            "lights": lights.get(measure["measure_id"], []),
        }
        for area_id in sorted(
            {a.strip() for a in (measure["areas"] or "").split(",") if a.strip()}
        ):
            result.setdefault(area_id, []).append(view)
    return result


def _ages(age_from, age_to) -> str:
    if pd.isna(age_from) and pd.isna(age_to):
        return ""
    return f"{number(age_from, 0)}–{number(age_to, 0)} Jahre"


def _light(row: dict) -> dict:
    name, colour = labels.TRAFFIC_LIGHTS.get(row["traffic_light"], labels.TRAFFIC_LIGHTS["none"])
    kind = "höchstens" if row["target_kind"] == "max" else "Ziel"
    actual = cell(row["actual"], row["status"], row["note"])
    return {
        "kpi": labels.label(labels.KPIS, row["kpi"]),
        "light": name,
        "colour": colour,
        "actual": actual,
        "target": f"{kind} {number(row['target'])}",
        "attainment": cell(row["attainment"], note=row["note"], decimals=0),
    }


def _needs_rows(rows: list[dict] | None) -> list[dict]:
    """Topics as rows, respondent groups as columns; suppressed cells read "gesperrt"."""
    result = {}
    for row in rows or []:
        group = labels.label(labels.RESPONDENT_GROUPS, row["respondent_group"])
        entry = result.setdefault(row["topic"], {"topic": row["topic"], "groups": {}})
        status, note = row["status"], row["note"]
        entry["groups"][group] = {
            "n": cell(row["n"], status, note, decimals=0, missing="gesperrt"),
            "mean": cell(row["mean_rating"], status, note, decimals=2, missing="gesperrt"),
            "share": cell(row["share_high_need"], status, note, decimals=0, missing="gesperrt"),
        }
    return list(result.values())


def _municipality_view(
    ags: str,
    areas: gpd.GeoDataFrame,
    index: pd.DataFrame,
    maps: list[tuple[str, str]],
    catalog: list[dict],
    values: _ValueIndex,
    spread: _Spread,
    files: dict,
) -> dict:
    """The overview of one municipality (`index`: its social index at the latest Stichtag): maps,
    city figures, distributions and the area list."""
    classes = index.set_index("area_id")
    population = areas["population"]
    return {
        "ags": ags,
        "maps": maps,
        "figures": {
            "areas": len(areas),
            "population": number(population.sum(min_count=1), 0),
            "population_incomplete": bool(population.isna().any()),
            "population_date": date_de(areas["population_date"].max()),
            "km2": number(areas["area_km2"].sum(), 1),
            "index_date": date_de(index["reference_date"].max()) if not index.empty else "",
            "needs_action": sum(_yes(flag) for flag in index["needs_action"]),
            "status_counts": [
                (label, colour, int((index["status_class"] == key).sum()))
                for key, (label, colour) in labels.STATUS_CLASSES.items()
            ],
        },
        "indicators": [_distribution_row(ags, entry, spread, values) for entry in catalog],
        "areas": [
            {
                "id": row.area_id,
                "name": row.area_name,
                "district": row.district_name,
                "file": files[(ags, row.area_id)],
                "population": cell(
                    row.population, None if pd.notna(row.population) else "suppressed", decimals=0
                ),
                "status": _class_chip(
                    labels.STATUS_CLASSES, classes["status_class"].get(row.area_id)
                ),
                "dynamics": _class_chip(
                    labels.DYNAMICS_CLASSES, classes["dynamics_class"].get(row.area_id)
                ),
                "needs_action": _yes(classes["needs_action"].get(row.area_id)),
            }
            for row in areas.itertuples(index=False)
        ],
    }


def _distribution_row(ags: str, entry: dict, spread: _Spread, values: _ValueIndex) -> dict:
    """One indicator at its latest Stichtag: the city value and its spread across the areas."""
    indicator = entry["indicator_id"]
    date, rows = spread.latest(ags, indicator)
    known = rows[~np.isnan(rows)]
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
        "missing": int(np.isnan(rows).sum()),
    }


def _goals_view(goals: pd.DataFrame, catalog: list[dict]) -> list[dict]:
    names = {entry["indicator_id"]: entry["label_de"] for entry in catalog}
    return [
        {
            "id": row["goal_id"],
            "title": row["goal_title"],
            "indicator": names.get(row["indicator_id"], row["indicator_id"]),
            "date": date_de(row["reference_date"]),
            "baseline": cell(row["baseline"]),
            "current": cell(row["current"]),
            "target": cell(row["target"]),
            "progress": cell(row["progress"], decimals=0),  # percent, like every published rate
            "on_track": _ja_nein(row["on_track"]),
            "month": ""
            if pd.isna(row["measures_month"])
            else f"{pd.Timestamp(row['measures_month']):%m/%Y}",
            "green": number(row["kpis_green"], 0),
            "yellow": number(row["kpis_yellow"], 0),
            "red": number(row["kpis_red"], 0),
            "without": number(row["kpis_without_value"], 0),
            "measures_red": row["measures_red"] or "",
        }
        for row in goals.to_dict("records")
    ]


def _red_kpis_view(red: pd.DataFrame) -> list[dict]:
    return [
        {
            "month": f"{pd.Timestamp(row['month']):%m/%Y}",
            "measure": row["measure_id"],
            "title": row["title"],
            "provider": row["provider_id"],
            "kpi": labels.label(labels.KPIS, row["kpi"]),
            "actual": cell(row["actual"], note=row["note"]),
            "target": f"{'höchstens' if row['target_kind'] == 'max' else 'Ziel'} {number(row['target'])}",
            "attainment": cell(row["attainment"], note=row["note"], decimals=0),
        }
        for row in red.to_dict("records")
    ]


def _swap(staging: Path, out: Path) -> None:
    """Replaces `out` by the finished staging folder with renames only (same file system)."""
    old = out.parent / f".{out.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
