"""Hand-written inline SVG for the small pictures repeated on every area page.

A locator map and a trend line per indicator are needed on each of possibly 10,000 pages; writing
a few path strings is far cheaper than a matplotlib figure each, scales in print, and is byte for
byte the same for the same input (no ids, dates or hash salts involved). Inline SVG in HTML needs
no namespace attribute, so the pages carry no URL at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import shapely

from assets.report.labels import AREA_COLOUR, CITY_LINE_COLOUR, HIGHLIGHT_COLOUR

# A time series as (dates as datetime64, values as float), both in date order.
Series = tuple[np.ndarray, np.ndarray]


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
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
                parts.append(f"M{points}Z")
        return "".join(parts)


def base_layer(frame: Frame, geometries) -> str:
    """The grey background of a locator map: all outlines in one path element, drawn once per city."""
    d = "".join(frame.path(g) for g in geometries)
    return f'<path d="{d}" fill="#eeeeee" stroke="#ffffff" stroke-width="0.8" fill-rule="evenodd"/>'


def locator_map(frame: Frame, base: str, geometry, name: str) -> str:
    """The municipality with one area highlighted, so a reader sees where the profile lies."""
    title = escape(f"Lage von {name} in der Kommune")
    return (
        f'<svg viewBox="0 0 {frame.width:g} {frame.height:g}" width="{frame.width:g}" '
        f'height="{frame.height:g}" role="img" aria-label="{title}"><title>{title}</title>{base}'
        f'<path d="{frame.path(geometry)}" fill="{HIGHLIGHT_COLOUR}" stroke="#67000d" '
        'stroke-width="1" fill-rule="evenodd"/></svg>'
    )


def trend(area: Series, city: Series, title: str, width: int = 150, height: int = 34) -> str:
    """The area's values (blue) against the city's (grey, dashed) over the Stichtage.

    Each series is (dates, values) in date order; missing values break the line rather than
    drop to zero. Returns an empty string when neither has a value, so the page shows "–".
    """
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
        segments, current = [], []
        for x, y in zip(xs, ys, strict=True):
            if np.isfinite(y):
                current.append(f"{x:.1f},{y:.1f}")
            elif current:
                segments.append(current)
                current = []
        if current:
            segments.append(current)
        shapes = []
        for segment in segments:
            if len(segment) == 1:  # a lone value between gaps is a dot, not an invisible line
                x, y = segment[0].split(",")
                shapes.append(f'<circle cx="{x}" cy="{y}" r="1.5" fill="{colour}"/>')
            else:
                shapes.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" {stroke}/>'
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
