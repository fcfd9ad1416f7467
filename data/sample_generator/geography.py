"""Municipalities and their Sozialräume: positions, outlines, Voronoi areas, districts, names and
the latent deprivation that drives every other source; written as one GeoJSON per municipality.

One municipality ("Musterstadt", AGS 05999000) reproduces the shipped sample; several are laid
out on a plane around the Rhine-Ruhr coordinates (EPSG:25832) with log-normal sizes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from .boundaries import write_boundaries
from .common import largest_remainder, standardise, sub_rng, write_text
from .names import AREA_NAMES, CENTRE_NAME, COMPASS, MUN_PREFIX, MUN_SUFFIX, TINY_NAME


def plan_municipalities(seed: int, n_mun: int, n_areas: int, population: int) -> pd.DataFrame:
    if n_mun < 1 or n_mun > 999:
        raise ValueError("--municipalities must be between 1 and 999")
    if n_areas < 2 * n_mun:
        raise ValueError("--areas must be at least 2 per municipality")
    if population < 1000 * n_areas // 2:
        raise ValueError("--population too small for the number of areas (>= 500 per area)")
    rng = sub_rng(seed, 1)
    if n_mun == 1:
        ags = ["05999000"]
        names = ["Musterstadt"]
        pops = np.array([population], dtype=np.int64)
    else:
        ags = [f"05999{i:03d}" for i in range(1, n_mun + 1)]
        combos = [p + s for p in MUN_PREFIX for s in MUN_SUFFIX]
        names = [
            combos[i % len(combos)] + ("" if i < len(combos) else f" {i // len(combos) + 1}")
            for i in range(n_mun)
        ]
        w = rng.lognormal(0.0, 1.0, n_mun)
        w = np.clip(w, np.median(w) * 0.08, np.median(w) * 25)
        pops = largest_remainder(population, w)
    if n_mun == 1:
        n_a = np.array([n_areas], dtype=np.int64)
    else:
        n_a = 2 + largest_remainder(n_areas - 2 * n_mun, pops.astype(float))
    if (pops < 500 * n_a).any():
        # keep at least ~500 inhabitants per area: shift population from the largest
        need = np.maximum(500 * n_a - pops, 0)
        pops = pops + need
        big = int(np.argmax(pops))
        pops[big] -= need.sum()
    radius = np.maximum(6000.0 * np.sqrt(pops / 250_000.0), 900.0)
    cx = np.empty(n_mun)
    cy = np.empty(n_mun)
    if n_mun == 1:
        cx[0], cy[0] = 386000.0, 5706000.0
    else:  # shelf packing of discs on a plane around the Rhine-Ruhr coordinates
        gap = 2500.0
        width = max(np.sqrt(((2 * radius + gap) ** 2).sum()) * 1.15, 2 * radius.max() + gap)
        x, y, row_h = 0.0, 0.0, 0.0
        for i in range(n_mun):
            d = 2 * radius[i] + gap
            if x + d > width and x > 0:
                y += row_h
                x, row_h = 0.0, 0.0
            cx[i] = 300000.0 + x + d / 2 + rng.uniform(-gap / 4, gap / 4)
            cy[i] = 5620000.0 + y + d / 2 + rng.uniform(-gap / 4, gap / 4)
            x += d
            row_h = max(row_h, d)
    return pd.DataFrame(
        {
            "ags": ags,
            "name": names,
            "population": pops,
            "n_areas": n_a,
            "radius": radius,
            "cx": cx,
            "cy": cy,
        }
    )


def blob_field(rng, u, v, amplitudes):
    f = np.zeros_like(u)
    for a in amplitudes:
        r = 0.8 * np.sqrt(rng.uniform())
        ang = rng.uniform(0, 2 * np.pi)
        s = rng.uniform(0.25, 0.45)
        f += (
            a
            * rng.uniform(0.8, 1.2)
            * np.exp(-((u - r * np.cos(ang)) ** 2 + (v - r * np.sin(ang)) ** 2) / (2 * s * s))
        )
    return f


def make_areas(seed: int, mun: pd.DataFrame) -> pd.DataFrame:
    """The areas of every municipality, one random stream per municipality, in output order."""
    multi = len(mun) > 1
    frames = [
        municipality_areas(sub_rng(seed, 2, m), m, mun.iloc[m], multi) for m in range(len(mun))
    ]
    areas = pd.concat(frames, ignore_index=True)
    areas["mun_name"] = mun["name"].to_numpy()[areas.mun.to_numpy()]
    return areas


def municipality_areas(rng, m: int, row, multi: bool) -> pd.DataFrame:
    """One municipality's areas: cells, districts, names, ids, latent fields and 2022 population.

    The steps draw from ``rng`` in a fixed order; changing it changes every file of the root.
    """
    cx, cy, R, n = float(row.cx), float(row.cy), float(row.radius), int(row.n_areas)
    outline = city_outline(rng, cx, cy, R)
    cells = area_cells(rng, outline, cx, cy, R, n)
    cen = shapely.centroid(cells)
    x, y = shapely.get_x(cen), shapely.get_y(cen)
    u, v = (x - cx) / R, (y - cy) / R
    dist = np.hypot(u, v)
    tiny = int(np.argmax(dist)) if n >= 4 else -1
    district, dname = districts(u, v, dist, tiny)
    # order: district, then distance from the centre
    order = np.lexsort((dist, district))
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    names = area_names(rng, order, dist, tiny)
    width = max(2, len(str(n))) if not multi else max(3, len(str(n)))
    ids = np.array(
        [
            (f"{row.ags}-SR-{inv[i] + 1:0{width}d}" if multi else f"SR-{inv[i] + 1:0{width}d}")
            for i in range(n)
        ],
        dtype=object,
    )
    z, drift = latent_fields(rng, u, v, multi)
    # population at 2022-12-31
    area_km2 = shapely.area(cells) / 1e6
    w = area_km2**0.5 * np.exp(-0.9 * dist) * rng.lognormal(0, 0.3, n)
    w = np.clip(w, 0.4 * w.mean(), 1.9 * w.mean())
    ew0 = np.zeros(n)
    tiny_pop = int(rng.integers(160, 241)) if tiny >= 0 else 0
    mask = np.arange(n) != tiny
    ew0[mask] = (row.population - tiny_pop) * w[mask] / w[mask].sum()
    if tiny >= 0:
        ew0[tiny] = tiny_pop
        z[tiny] = max(z[tiny], 0.3)
    return pd.DataFrame(
        {
            "mun": m,
            "ags": row.ags,
            "area_id": ids,
            "area_name": names,
            "district_name": dname,
            "geometry": cells,
            "u": u,
            "v": v,
            "dist": dist,
            "z": z,
            "drift": drift,
            "ew0": ew0,
            "growth": rng.normal(0.002, 0.005, n),
            "tiny": np.arange(n) == tiny,
            "area_km2": area_km2,
            "e": list(rng.normal(0, 1, (n, 12))),
            "order": inv,
        }
    ).sort_values("order")


def city_outline(rng, cx: float, cy: float, R: float):
    """An irregular, star-shaped city outline of radius about ``R``."""
    ang = np.linspace(0, 2 * np.pi, 160, endpoint=False)
    r = np.ones_like(ang)
    for k in range(2, 7):
        r += rng.uniform(0.015, 0.07) * np.cos(k * ang + rng.uniform(0, 2 * np.pi))
    r += rng.normal(0, 0.006, len(ang))
    outline = shapely.Polygon(np.column_stack([cx + R * r * np.cos(ang), cy + R * r * np.sin(ang)]))
    return shapely.make_valid(outline)


def area_cells(rng, outline, cx: float, cy: float, R: float, n: int) -> np.ndarray:
    """``n`` Voronoi cells in the outline from seed points denser towards the centre, relaxed
    twice (Lloyd) so that the areas are of similar shape, on a 0.1 m grid."""
    pts = np.empty((0, 2))
    while len(pts) < n:
        k = 4 * n + 16
        rr = R * 1.1 * rng.uniform(0, 1, k) ** 0.62
        aa = rng.uniform(0, 2 * np.pi, k)
        cand = np.column_stack([cx + rr * np.cos(aa), cy + rr * np.sin(aa)])
        inside = shapely.contains_xy(outline, cand[:, 0], cand[:, 1])
        pts = np.vstack([pts, cand[inside]])
    pts = pts[:n]
    for _ in range(2):
        cells = voronoi_cells(pts, outline)
        c = shapely.centroid(cells)
        pts = 0.5 * pts + 0.5 * np.column_stack([shapely.get_x(c), shapely.get_y(c)])
    cells = voronoi_cells(pts, outline)
    return shapely.set_precision(cells, 0.1)


def districts(u: np.ndarray, v: np.ndarray, dist: np.ndarray, tiny: int):
    """District number (0 = the first used) and name per area: a central "Mitte" plus compass
    sectors of the outer areas, named by their mean direction, each compass name used once."""
    n = len(u)
    k_d = int(np.clip(round(n / 5), 1, 7))
    district = np.zeros(n, dtype=np.int64)
    sec_names = {0: "Mitte"}
    if k_d > 1:
        n_sec = k_d - 1
        theta = (np.degrees(np.arctan2(u, v)) + 360.0) % 360.0  # 0 = north, clockwise
        central = dist < np.quantile(dist, min(0.25, 1.5 / k_d))
        if tiny >= 0:
            central[tiny] = False
        outer = np.flatnonzero(~central)
        srt = outer[np.argsort(theta[outer], kind="stable")]
        gaps = np.diff(np.r_[theta[srt], theta[srt[0]] + 360.0])
        srt = np.roll(srt, -int(np.argmax(gaps) + 1))  # start after the widest angular gap
        groups = np.array_split(srt, n_sec)
        free = list(range(8))
        for gi, grp in enumerate(groups):
            ang = np.radians(theta[grp])
            mean = np.degrees(np.arctan2(np.sin(ang).mean(), np.cos(ang).mean())) % 360.0
            want = int(round(mean / 45.0)) % 8
            pick = min(free, key=lambda c: (min(abs(c - want), 8 - abs(c - want)), c))
            free.remove(pick)
            sec_names[gi + 1] = COMPASS[pick]
            district[grp] = gi + 1
    used = sorted(set(district.tolist()))
    remap = {d: i for i, d in enumerate(used)}
    dname = np.array([sec_names[d] for d in district], dtype=object)
    district = np.array([remap[d] for d in district])
    return district, dname


def area_names(rng, order: np.ndarray, dist: np.ndarray, tiny: int) -> np.ndarray:
    """Names in output order from a shuffled pool (numbered once it is used up); the central area
    is the "Altstadt", the outermost (tiny) one the industrial "Industriegebiet Hafen"."""
    names = np.empty(len(order), dtype=object)
    pool = list(rng.permutation(AREA_NAMES))
    centre_idx = int(np.argmin(dist))
    j = 0
    for i in order:
        if i == tiny:
            names[i] = TINY_NAME
        elif i == centre_idx:
            names[i] = CENTRE_NAME
        else:
            base = pool[j % len(pool)]
            names[i] = base if j < len(pool) else f"{base} {j // len(pool) + 1}"
            j += 1
    return names


def latent_fields(rng, u: np.ndarray, v: np.ndarray, multi: bool):
    """Latent deprivation ``z`` (smooth blobs + noise, standardised within the municipality, with
    a municipality level when there are several) and its yearly drift."""
    n = len(u)
    f = blob_field(rng, u, v, [1.3, 1.0, -0.9, 0.6]) + rng.normal(0, 0.22, n)
    z = standardise(f)
    if multi:
        z = 0.9 * z + rng.normal(0, 0.35)
    g = standardise(blob_field(rng, u, v, [1.0, -1.0, 0.7]) + rng.normal(0, 0.3, n))
    drift = 0.07 * (0.7 * g + 0.3 * rng.normal(0, 1, n))
    return z, drift


def voronoi_cells(pts: np.ndarray, outline) -> np.ndarray:
    vor = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=outline, ordered=True)
    parts = shapely.get_parts(vor)
    return shapely.intersection(parts, outline)


def write_areas(out: Path, A: pd.DataFrame, mun: pd.DataFrame, shapefile: bool = False) -> None:
    """One GeoJSON per municipality (coordinates to 0.1 m); with ``shapefile`` the zipped
    Shapefile of the surveying office instead (``boundaries``), with the same coordinates."""

    def ring(coords):
        return [[round(float(x), 1), round(float(y), 1)] for x, y in coords]

    def geom_json(g):
        g = shapely.orient_polygons(g)
        polys = shapely.get_parts(g) if g.geom_type == "MultiPolygon" else [g]
        rings = [[ring(p.exterior.coords)] + [ring(i.coords) for i in p.interiors] for p in polys]
        if len(rings) == 1:
            return {"type": "Polygon", "coordinates": rings[0]}
        return {"type": "MultiPolygon", "coordinates": rings}

    for m in range(len(mun)):
        sub = A[A.mun == m]
        features = [
            {
                "type": "Feature",
                "properties": {
                    "municipality_ags": r.ags,
                    "area_id": r.area_id,
                    "area_name": r.area_name,
                    "district_name": r.district_name,
                },
                "geometry": geom_json(r.geometry),
            }
            for r in sub.itertuples()
        ]
        if shapefile:
            write_boundaries(out, features)
            continue
        lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
        head = (
            '{"type":"FeatureCollection","name":"sozialraeume_' + mun.ags.iloc[m] + '",'
            '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25832"}},'
            '"features":[\n'
        )
        write_text(
            out / "areas" / f"sozialraeume_{mun.ags.iloc[m]}.geojson",
            head + ",\n".join(lines) + "\n]}\n",
        )
