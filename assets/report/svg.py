"""Hand-written inline SVG for every picture of the report.

A locator map and a trend line per indicator are needed on each of possibly 10,000 pages, and three
city maps plus a distribution per indicator on the overview of each of up to 396 municipalities;
writing a few path strings is far cheaper than a matplotlib figure each (about 50 ms per figure,
which was most of the report's time), scales in print, and is byte for byte the same for the same
input (no ids, dates or hash salts involved). Inline SVG in HTML needs no namespace attribute, so
the pages carry no URL at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import shapely
from matplotlib.ticker import MaxNLocator

from assets.labels import (
    AREA_COLOUR,
    CITY_LINE_COLOUR,
    CITY_MARK_COLOUR,
    HIGHLIGHT_COLOUR,
)

# A time series as (dates as datetime64, values as float), both in date order.
Series = tuple[np.ndarray, np.ndarray]
# Pixels (width, height): a distribution beside its figures, a trend small enough for a table cell.
DISTRIBUTION_SIZE = (300, 64)
TREND_SIZE = (150, 34)


@dataclass(frozen=True)
class Frame:
    """Maps projected coordinates (metres, y up) onto an SVG canvas `width` pixels wide (y down)."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    width: float

    @classmethod
    def around(cls, geometries, width: float) -> Frame:
        minx, miny, maxx, maxy = shapely.total_bounds(geometries)
        return cls(minx, miny, maxx, maxy, width)

    @property
    def scale(self) -> float:
        return self.width / max(self.maxx - self.minx, 1e-9)

    @property
    def height(self) -> float:
        return round((self.maxy - self.miny) * self.scale, 1)

    def path(self, geometry) -> str:
        """SVG path data of (multi)polygons, simplified to about one pixel to keep pages small."""
        simple = shapely.simplify(geometry, 1.0 / self.scale, preserve_topology=True)
        parts = []
        for polygon in shapely.get_parts(simple):
            for ring in (polygon.exterior, *polygon.interiors):
                xy = np.asarray(ring.coords)
                xs = (xy[:, 0] - self.minx) * self.scale
                ys = (self.maxy - xy[:, 1]) * self.scale
                parts.append(f"M{_points(xs, ys)}Z")
        return "".join(parts)


def _points(xs: np.ndarray, ys: np.ndarray) -> str:
    """`x,y x,y …` with one decimal: plain floats and one f-string per point (numpy scalars and
    `np.char` are several times slower, and this runs for every point of every picture)."""
    return " ".join([f"{x:.1f},{y:.1f}" for x, y in zip(xs.tolist(), ys.tolist(), strict=True)])


def base_layer(paths: list[str]) -> str:
    """The grey background of a locator map: all outlines in one path element, drawn once per city."""
    d = "".join(paths)
    return f'<path d="{d}" fill="#eeeeee" stroke="#ffffff" stroke-width="0.8" fill-rule="evenodd"/>'


def locator_map(frame: Frame, base: str, path: str, name: str, width: float) -> str:
    """The municipality with one area (its path data in `frame`) highlighted, `width` pixels wide,
    so a reader sees where the profile lies."""
    title = escape(f"Lage von {name} in der Kommune")
    height = round(frame.height * width / frame.width, 1)
    return (
        f'<svg viewBox="0 0 {frame.width:g} {frame.height:g}" width="{width:g}" '
        f'height="{height:g}" role="img" aria-label="{title}"><title>{title}</title>{base}'
        f'<path d="{path}" fill="{HIGHLIGHT_COLOUR}" stroke="#67000d" '
        'stroke-width="1" fill-rule="evenodd"/></svg>'
    )


def choropleth(
    frame: Frame,
    paths: list[str],
    names: list[str],
    fills: list[str],
    title: str,
    legend: list[tuple[str, str]],
) -> str:
    """A city map: each area (path data in `frame`) filled in its colour, named in a tooltip; the
    title above and the legend (label, colour) below, three entries a row."""
    title_lines = title.split("\n")
    top = 16.0 * len(title_lines) + 6
    columns = 3
    column_width = frame.width / columns
    legend_top = top + frame.height + 10
    height = legend_top + 16 * -(-len(legend) // columns)
    heading = "".join(
        f'<text x="{frame.width / 2:g}" y="{14 + 16 * i}" text-anchor="middle" '
        f'font-size="12">{escape(line)}</text>'
        for i, line in enumerate(title_lines)
    )
    areas = "".join(
        f'<path d="{d}" fill="{fill}"><title>{escape(name)}</title></path>'
        for d, name, fill in zip(paths, names, fills, strict=True)
    )
    keys = "".join(
        f'<rect x="{(i % columns) * column_width + 4:g}" y="{legend_top + 16 * (i // columns):g}" '
        f'width="11" height="11" fill="{colour}" stroke="#555555" stroke-width="0.5"/>'
        f'<text x="{(i % columns) * column_width + 19:g}" '
        f'y="{legend_top + 16 * (i // columns) + 10:g}" font-size="10">{escape(label)}</text>'
        for i, (label, colour) in enumerate(legend)
    )
    aria = escape(" ".join(title_lines))
    return (
        f'<svg viewBox="0 0 {frame.width:g} {height:g}" width="{frame.width:g}" '
        f'height="{height:g}" role="img" aria-label="{aria}"><title>{aria}</title>{heading}'
        f'<g transform="translate(0 {top:g})" stroke="#ffffff" stroke-width="0.6" '
        f'fill-rule="evenodd">{areas}</g>{keys}</svg>'
    )


def distribution(values: np.ndarray, city: float | None, title: str) -> str:
    """One indicator across areas: a box (quartiles, median, whiskers to the furthest value within
    1.5 interquartile ranges, as a box plot draws them) over the area values as dots, jittered from
    a fixed seed so the picture is the same on every run, and the city value as a red line.

    Returns an empty string when there is nothing to draw.
    """
    width, height = DISTRIBUTION_SIZE
    marks = values[np.isfinite(values)]
    city = city if city is not None and np.isfinite(city) else None
    domain = marks if city is None else np.append(marks, city)
    if domain.size == 0:
        return ""
    low, high = float(domain.min()), float(domain.max())
    margin = (high - low) * 0.05 or max(abs(low) * 0.05, 0.5)
    low, high = low - margin, high + margin
    pad, axis = 8.0, height - 17.0  # pixels: left/right padding, y of the axis line

    def x(value):
        return pad + (np.asarray(value, dtype=float) - low) / (high - low) * (width - 2 * pad)

    centre, half = axis / 2 + 5, axis * 0.2
    shapes = []
    if marks.size:
        q1, median, q3 = np.percentile(marks, [25, 50, 75])
        reach = 1.5 * (q3 - q1)
        whisker_low = marks[marks >= q1 - reach].min()
        whisker_high = marks[marks <= q3 + reach].max()
        (bq1, bmed, bq3, wlo, whi) = x([q1, median, q3, whisker_low, whisker_high]).tolist()
        shapes.append(
            f'<g stroke="#333333" fill="none"><path d="M{wlo:.1f},{centre:.1f}H{bq1:.1f}'
            f"M{bq3:.1f},{centre:.1f}H{whi:.1f}M{wlo:.1f},{centre - half / 2:.1f}V"
            f"{centre + half / 2:.1f}M{whi:.1f},{centre - half / 2:.1f}V{centre + half / 2:.1f}"
            f'"/><rect x="{bq1:.1f}" y="{centre - half:.1f}" width="{bq3 - bq1:.1f}" '
            f'height="{2 * half:.1f}"/><path d="M{bmed:.1f},{centre - half:.1f}V'
            f'{centre + half:.1f}" stroke-width="1.5"/></g>'
        )
        jitter = np.random.default_rng(0).uniform(-0.22, 0.22, marks.size) / 0.3 * half
        dots = "".join(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="1.6"/>'
            for cx, cy in zip(x(marks).tolist(), (centre + jitter).tolist(), strict=True)
        )
        shapes.append(f'<g fill="{AREA_COLOUR}" fill-opacity="0.6">{dots}</g>')
    if city is not None:
        cx = float(x(city))
        shapes.append(
            f'<path d="M{cx:.1f},10V{axis:g}" stroke="{CITY_MARK_COLOUR}" stroke-width="1.6"/>'
            f'<text x="{cx:.1f}" y="8" font-size="8" text-anchor="middle" '
            f'fill="{CITY_MARK_COLOUR}">Stadt</text>'
        )
    ticks = [t for t in MaxNLocator(nbins=5).tick_values(low, high) if low <= t <= high]
    axis_marks = "".join(
        f'<path d="M{tx:.1f},{axis:g}v3"/><text x="{tx:.1f}" y="{axis + 13:g}" '
        f'stroke="none" text-anchor="middle">{_tick_label(t)}</text>'
        for t, tx in zip(ticks, x(ticks).tolist(), strict=True)
    )
    text = escape(title)
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{text}"><title>{text}</title>{"".join(shapes)}'
        f'<g stroke="#555555" font-size="9" fill="#333333"><path d="M{pad:g},{axis:g}'
        f'H{width - pad:g}"/>{axis_marks}</g></svg>'
    )


def _tick_label(value: float) -> str:
    """A tick as Germans write it (2,5), without float noise such as 0.30000000000000004."""
    return f"{round(value, 10):g}".replace(".", ",").replace("-", "−")


def trend(area: Series, city: Series, title: str) -> str:
    """The area's values (blue) against the city's (grey, dashed) over the Stichtage.

    Each series is (dates, values) in date order; missing values break the line rather than
    drop to zero. Returns an empty string when neither has a value, so the page shows "–".
    """
    width, height = TREND_SIZE
    days = [dates.astype("datetime64[D]").astype(np.int64) for dates, _ in (area, city)]
    values = np.concatenate([area[1], city[1]])
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ""
    low, high = float(finite.min()), float(finite.max())
    if high - low < 1e-9:
        low, high = low - 1.0, high + 1.0
    pad = 3.0
    every_day = np.concatenate(days)
    first, span = every_day.min(), max(every_day.max() - every_day.min(), 1)

    def polyline(day: np.ndarray, value: np.ndarray, colour: str, stroke: str) -> str:
        xs = pad + (day - first) / span * (width - 2 * pad)
        ys = pad + (high - value) / (high - low) * (height - 2 * pad)
        shapes = []
        for segment in _finite_runs(ys):
            if segment.stop - segment.start == 1:  # a lone value between gaps is a dot
                shapes.append(
                    f'<circle cx="{xs[segment.start]:.1f}" cy="{ys[segment.start]:.1f}" '
                    f'r="1.5" fill="{colour}"/>'
                )
            else:
                shapes.append(
                    f'<polyline points="{_points(xs[segment], ys[segment])}" fill="none" '
                    f'stroke="{colour}" {stroke}/>'
                )
        return "".join(shapes)

    text = escape(title)
    city_line = polyline(
        days[1], city[1], CITY_LINE_COLOUR, 'stroke-width="1" stroke-dasharray="3 2"'
    )
    area_line = polyline(days[0], area[1], AREA_COLOUR, 'stroke-width="1.5"')
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{text}"><title>{text}</title>{city_line}{area_line}</svg>'
    )


def _finite_runs(values: np.ndarray) -> list[slice]:
    """The runs of consecutive finite values, as slices (a missing value breaks a line)."""
    finite = np.concatenate([[False], np.isfinite(values), [False]])
    edges = np.flatnonzero(finite[1:] != finite[:-1])
    return [slice(start, stop) for start, stop in zip(edges[::2], edges[1::2], strict=True)]
