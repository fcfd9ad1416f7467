"""The report: a static German site of a city overview and one profile page per area.

`render_report` reads only the published DuckDB file (so the pages show exactly what disclosure
control published), builds plain view dictionaries, fills Jinja2 templates and swaps the finished
folder into place, so a reader never opens half a report. Every picture is inline SVG and the CSS
is embedded: the folder works offline, attached to a mail or on a USB stick.

At state scale (10,000 areas, 396 municipalities) the cost is per page and per picture, so the
work per page is kept to dictionary look-ups and string formatting: tables are grouped once per
report (`lookups`), each area's outline is turned into SVG path data once per municipality and
reused by the city maps and every locator map, and the templates are compiled once.

The views live beside this module: `area_page` (a profile), `overview` (a municipality on the
overview page), `measures` (measures, goals and red KPIs), `cells` (how a value is written).
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import re
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from assets import labels
from assets.report import svg
from assets.report.area_page import area_view, locator_outlines, open_facilities
from assets.report.cells import datenstand as datenstand_de
from assets.report.charts import MAP_TITLES, latest_rows, map_layers
from assets.report.data import ReportData, records_by_area
from assets.report.lookups import Spread, ValueIndex, by_municipality
from assets.report.measures import goals_view, measures_by_area, red_kpis_view
from assets.report.overview import city_map, municipality_view

MAP_WIDTH = 360
LOCATOR_WIDTH = 230
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
# Below this many areas a second process costs more than it saves (the sample has 32).
PARALLEL_FROM_AREAS = 2000


@dataclass(frozen=True)
class ReportSummary:
    """What the pipeline reports as asset metadata: how big the site is and where it starts."""

    pages: int
    total_bytes: int
    index_html: Path


def render_report(data: ReportData, out: Path, workers: int | None = None) -> ReportSummary:
    """Writes `index.html` and `areas/<file>.html` for every area of `data` into `out`.

    The municipalities' pages are rendered by `workers` processes (default: one per core from
    `PARALLEL_FROM_AREAS` areas on, else one); the pages are the same either way.
    """
    staging = out.parent / f".{out.name}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "areas").mkdir(parents=True)

    job = _job(data, staging)
    by_ags = sorted(data.areas.groupby("municipality_ags").indices.items())
    if workers is None:
        workers = (os.cpu_count() or 1) if len(data.areas) >= PARALLEL_FROM_AREAS else 1
    municipalities = _render_municipalities(job, by_ags, workers)

    index = (
        _environment()
        .get_template("index.html")
        .render(
            municipalities=municipalities,
            goals=goals_view(data.goals, job.catalog),
            red_kpis=red_kpis_view(data.red_kpis),
            datenstand=job.datenstand,
        )
    )
    (staging / "index.html").write_text(index, encoding="utf-8")
    pages = 1 + len(job.files)
    total = sum(p.stat().st_size for p in staging.rglob("*") if p.is_file())
    _swap(staging, out)
    return ReportSummary(pages=pages, total_bytes=total, index_html=out / "index.html")


@dataclass
class _Job:
    """Everything the pages of a municipality are made from, shared with forked workers."""

    data: ReportData
    staging: Path
    files: dict
    values: ValueIndex
    catalog: list[dict]
    datenstand: str | None
    measures: dict
    context: dict
    spread: Spread
    layers: dict
    index_by_ags: dict


def _job(data: ReportData, staging: Path) -> _Job:
    """The report's tables grouped once, for every page to pick its rows from."""
    return _Job(
        data=data,
        staging=staging,
        files=page_files(data.areas),
        values=ValueIndex(data.values),
        catalog=_ordered_catalog(data.catalog),
        datenstand=datenstand_de(data.published_at),
        measures=measures_by_area(data.measures, data.kpi_status),
        context={
            "index_by_area": records_by_area(data.social_index),
            "facilities_by_area": records_by_area(
                open_facilities(data.facilities, data.published_at)
            ),
            "supply_by_area": records_by_area(data.supply),
            "needs_by_area": records_by_area(data.needs),
        },
        spread=Spread(data.values),
        layers=map_layers(data, data.areas),
        index_by_ags=by_municipality(data.social_index),
    )


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
        parts = forked_map(_render_share, shares, workers)
    finally:
        _JOB = None
    views = {view["ags"]: view for part in parts for view in part}
    return [views[ags] for ags, _ in by_ags]


def forked_map(function, items: list, workers: int) -> list:
    """`function` over `items` in `workers` forked processes, in order.

    The workers are ended by the pool's own "no more work" message, not by SIGTERM: a fork
    inherits the parent's signal handlers, and one that only notes the signal (as an
    orchestrator's in-process run may install) would leave a worker running and the join
    waiting forever. Each worker also gets the default SIGTERM handler back.
    """
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_default_sigterm)
    try:
        results = pool.map(function, items)
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()
    return results


def _default_sigterm() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _render_share(share: list) -> list[dict]:
    return [_render_municipality(_JOB, ags, positions) for ags, positions in share]


def _render_municipality(job: _Job, ags: str, positions) -> dict:
    """Write the pages of one municipality's areas; return the municipality's overview view."""
    data = job.data
    area_template = _environment().get_template("area.html")
    areas = data.areas.iloc[positions]
    frame = svg.Frame.around(areas.geometry.to_numpy(), MAP_WIDTH)
    paths = [frame.path(geometry) for geometry in areas.geometry]
    base = svg.base_layer(locator_outlines(areas, frame, paths))
    for area, path in zip(areas.itertuples(index=False), paths, strict=True):
        key = (ags, area.area_id)
        page = area_view(area, key, job.catalog, job.values, job.measures, job.context)
        page["locator"] = svg.locator_map(frame, base, path, area.area_name, LOCATOR_WIDTH)
        html = area_template.render(area=page, ags=ags, datenstand=job.datenstand)
        (job.staging / "areas" / job.files[key]).write_text(html, encoding="utf-8")
    maps = [
        (MAP_TITLES[name], city_map(layer.take(positions), areas, frame, paths))
        for name, layer in job.layers.items()
    ]
    index = latest_rows(job.index_by_ags.get(ags, data.social_index.iloc[:0]))
    return municipality_view(
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


def _swap(staging: Path, out: Path) -> None:
    """Replaces `out` by the finished staging folder with renames only (same file system)."""
    old = out.parent / f".{out.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
