"""The facility inventory of each provider (``providers/<id>/facilities.csv``, one provider as
XLSX): planned by need, sited on inhabited Zensus cells, with validity dates and addresses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from .common import csv_text, de_decimal, fmt_date, sub_rng, write_text, write_xlsx
from .house_coordinates import write_house_coordinates
from .names import KITA_NAMES, STREETS, TYPE_LABEL
from .providers import (
    OFFER_TYPES,
    P_BY_ADDRESS,
    P_CP1252,
    P_DATE_DE,
    P_FAC_XLSX,
    P_FAR_FACILITY,
)

FACILITY_HEADER = [
    "Einrichtung_ID",
    "Name",
    "Angebotstyp",
    "Adresse",
    "Lon",
    "Lat",
    "Kapazitaet",
    "Gueltig_ab",
    "Gueltig_bis",
]

# Supply standard per offer type: places per 1,000 of the target group and places per facility.
# Together they give the densities of a real NRW city: a Kita per ~85 children under 6, a
# Familienzentrum per ~1,200 children under 15, a Jugendzentrum per ~1,000 people aged 6-17, a
# Seniorentreff per ~1,200 people over 65, a Beratungsstelle per ~10,000 inhabitants, and a
# Quartiersbüro per area except in the least deprived quarter (Quartiersmanagement goes where
# need is; an area without one is a coverage gap, so the affluent areas carry those gaps).
SUPPLY_STANDARD = {
    "kita": (650, 55),
    "familienzentrum": (30, 35),
    "jugendzentrum": (40, 40),
    "seniorentreff": (25, 30),
    "beratung": (2, 20),
    "quartiersbuero": (2.5, 20),
}
MIN_CAPACITY = 8


def write_facilities(
    out: Path,
    A: pd.DataFrame,
    mun: pd.DataFrame,
    prov: pd.DataFrame,
    Z: pd.DataFrame,
    pop_last: dict,
    seed: int,
    defects: list[str],
    house_coordinates: bool = False,
) -> None:
    """Plan the facilities of every area, then write each provider's inventory.

    The steps draw from one stream (``sub_rng(seed, 8)``; streets from ``sub_rng(seed, 9)``) in
    a fixed order; changing it changes the files. ``house_coordinates``: one provider sends
    addresses without Lon/Lat, placed by the municipality's house coordinates file.
    """
    rng = sub_rng(seed, 8)
    proj = Projections(
        to25832=Transformer.from_crs(3035, 25832, always_xy=True),
        to4326=Transformer.from_crs(3035, 4326, always_xy=True),
        from4326=Transformer.from_crs(25832, 4326, always_xy=True),
    )
    supply = supply_factors(rng, A, mun)
    cells = cells_per_area(Z, len(A))
    plan = plan_facilities(A, prov, target_groups(pop_last), supply, cells, rng)
    street_rng = sub_rng(seed, 9)
    written = []
    for p in prov.itertuples():
        mine = plan[plan.provider == p.Index].sort_values("type", kind="stable")
        recs = facility_records(p, mine, A, mun, cells, proj, rng, street_rng)
        if p.role == P_FAR_FACILITY and recs:
            m = p.mun
            far_x = mun.cx.iloc[m] + 30000.0
            far_y = mun.cy.iloc[m] + 6000.0
            lon, lat = proj.from4326.transform(far_x, far_y)
            recs[-1][4], recs[-1][5] = float(lon), float(lat)
            defects.append(
                f"providers/{p.provider_id}/facilities.csv: {recs[-1][0]} has "
                f"coordinates ~30 km outside the municipality"
            )
        by_address = house_coordinates and p.role == P_BY_ADDRESS
        write_inventory(out / "providers" / p.provider_id, p, recs, defects, by_address)
        written.append((p.provider_id, recs))
    if house_coordinates:
        by_address = prov.provider_id[prov.role == P_BY_ADDRESS].iloc[0]
        write_house_coordinates(out, mun.ags.iloc[0], written, by_address)


class Projections(NamedTuple):
    """Zensus grid (EPSG:3035) to areas (EPSG:25832) and to WGS 84; areas to WGS 84."""

    to25832: Transformer
    to4326: Transformer
    from4326: Transformer


def target_groups(pop_last: dict) -> dict[str, np.ndarray]:
    """The people each offer type serves, per area, in the last population year."""
    return {
        "kita": pop_last["EW_U3"] + pop_last["EW_3_5"],
        "familienzentrum": pop_last["EW_U15"],
        "jugendzentrum": pop_last["EW_6_14"] + pop_last["EW_15_17"],
        "seniorentreff": pop_last["EW_65P"],
        "beratung": pop_last["EW"],
        "quartiersbuero": pop_last["EW"],
    }


def supply_factors(rng, A: pd.DataFrame, mun: pd.DataFrame) -> np.ndarray:
    """Per area a factor around 1 on the planned places; under-supplied deprived areas (about a
    third of each municipality's most deprived third) get 0.15, the tiny area 0.05."""
    z = A.z.to_numpy()
    tiny = A.tiny.to_numpy()
    supply = rng.lognormal(0, 0.1, len(A))
    for m in range(len(mun)):
        idx = np.flatnonzero((A.mun == m).to_numpy() & ~tiny)
        top = idx[np.argsort(-z[idx], kind="stable")][: max(1, len(idx) // 3)]
        under = top[rng.permutation(len(top))[: max(1, len(top) // 3)]]
        supply[under] *= 0.15
    supply[tiny] *= 0.05
    return supply


def cells_per_area(Z: pd.DataFrame, n_areas: int):
    """The inhabited Zensus cells grouped by area: (bounds, east, north, people), the cells of
    area ``a`` at ``bounds[a]:bounds[a + 1]``."""
    Zs = Z.sort_values(["area", "N", "E"], kind="stable")
    bounds = np.searchsorted(Zs.area.to_numpy(), np.arange(n_areas + 1))
    return bounds, Zs.E.to_numpy(), Zs.N.to_numpy(), Zs["pop"].to_numpy()


def plan_facilities(
    A: pd.DataFrame,
    prov: pd.DataFrame,
    tgt: dict[str, np.ndarray],
    supply: np.ndarray,
    cells: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    rng,
) -> pd.DataFrame:
    """Facilities per area and offer type: type, area, capacity, cell (-1: none), provider row.

    A municipality plans its places by need: each area gets its target group × the standard
    rate × its supply factor (under-supplied deprived areas 0.15), with ±10 % noise per type, in
    facilities of the standard size, spread over the area's inhabited cells. Random counts and
    random positions instead leave many areas without a facility, or whole quarters beyond walking
    distance, by chance, and make most areas gaps. Quartiersbüros skip the least deprived quarter
    of each municipality's areas. Each facility goes to one of the municipality's providers, weighted
    by the provider's type profile; a municipality without a provider has no facilities.
    """
    bounds, east, north, people = cells
    z = A.z.to_numpy()
    mun_of = A.mun.to_numpy()
    needy = z > A.groupby("mun").z.transform(lambda v: v.quantile(0.25)).to_numpy()
    rows = []
    for t, ot in enumerate(OFFER_TYPES):
        rate, size = SUPPLY_STANDARD[ot]
        planned = tgt[ot] * rate / 1000 * supply * rng.lognormal(0, 0.1, len(A))
        if ot == "quartiersbuero":
            planned = planned * needy
        count = np.rint(planned / size).astype(np.int64)
        count[(count == 0) & (planned >= size / 4)] = 1
        for a in np.flatnonzero(count):
            lo, hi = bounds[a], bounds[a + 1]
            sites = (
                lo + spread_sites(east[lo:hi], north[lo:hi], people[lo:hi], count[a])
                if hi > lo
                else np.full(count[a], -1)
            )
            each = planned[a] / count[a] * rng.uniform(0.85, 1.15, count[a])
            rows += [
                (t, a, max(MIN_CAPACITY, int(round(c))), cell)
                for c, cell in zip(each, sites, strict=True)
            ]
    plan = pd.DataFrame(rows, columns=["type", "area", "capacity", "cell"])
    profile = np.stack(prov.profile.to_numpy())
    provider = np.full(len(plan), -1, dtype=np.int64)
    for (m, t), group in plan.groupby([mun_of[plan.area.to_numpy(int)], plan.type], sort=True):
        candidates = np.flatnonzero(prov.mun.to_numpy() == m)
        if len(candidates):
            weights = profile[candidates, t]
            provider[group.index] = rng.choice(candidates, len(group), p=weights / weights.sum())
    return plan.assign(provider=provider)


def spread_sites(east: np.ndarray, north: np.ndarray, people: np.ndarray, k: int) -> np.ndarray:
    """Indices of k inhabited cells spread over an area the way planners site facilities: a
    population-weighted k-means (five Lloyd rounds from population quantiles of the cells), each
    centre snapped to its nearest cell."""
    if k >= len(east):
        return np.arange(k) % len(east)
    e, n, w = east.astype(float), north.astype(float), people.astype(float) + 1e-9
    start = np.searchsorted(np.cumsum(w) / w.sum(), (np.arange(k) + 0.5) / k)
    ce, cn = e[np.minimum(start, len(e) - 1)], n[np.minimum(start, len(e) - 1)]
    for _ in range(5):
        label = ((e[:, None] - ce) ** 2 + (n[:, None] - cn) ** 2).argmin(axis=1)
        total = np.bincount(label, w, k)
        used = total > 0
        ce = np.where(used, np.bincount(label, w * e, k) / np.where(used, total, 1), ce)
        cn = np.where(used, np.bincount(label, w * n, k) / np.where(used, total, 1), cn)
    return ((e[:, None] - ce) ** 2 + (n[:, None] - cn) ** 2).argmin(axis=0)


def facility_records(
    p, mine: pd.DataFrame, A, mun, cells, proj: Projections, rng, street_rng
) -> list[list]:
    """One provider's facilities as rows of ``FACILITY_HEADER`` (coordinates as floats, dates as
    ``np.datetime64``, no end date as ``""``)."""
    _, east, north, _ = cells
    geoms = A.geometry.to_numpy()
    m = p.mun
    recs = []
    sites = zip(mine.type, mine.area, mine.capacity, mine.cell, strict=True)
    for k, (t, a, cap, c) in enumerate(sites):
        ot = OFFER_TYPES[t]
        if c >= 0:  # the cell centre, jittered by up to 40 m while it stays in the area
            e3, n3 = east[c] + 50.0, north[c] + 50.0
            je, jn = e3 + rng.uniform(-40, 40), n3 + rng.uniform(-40, 40)
            x, y = proj.to25832.transform(je, jn)
            if not shapely.contains_xy(geoms[a], x, y):
                je, jn = e3, n3
            lon, lat = proj.to4326.transform(je, jn)
        else:
            pt = shapely.point_on_surface(geoms[a])
            lon, lat = proj.from4326.transform(pt.x, pt.y)
        start, end = validity(rng)
        if ot == "kita":
            name = f"Kita {KITA_NAMES[int(rng.integers(len(KITA_NAMES)))]}"
        else:
            name = f"{TYPE_LABEL[ot]} {A.area_name.iloc[a]}"
        street = STREETS[int(street_rng.integers(len(STREETS)))]
        plz = f"{59000 + 20 * (m % 450) + int(A.order.iloc[a]) % 20:05d}"
        addr = f"{street} {int(street_rng.integers(1, 120))}, {plz} {mun['name'].iloc[m]}"
        recs.append(
            [
                f"{p.provider_id}-E{k + 1:03d}",
                name,
                ot,
                addr,
                float(lon),
                float(lat),
                cap,
                start,
                end,
            ]
        )
    return recs


def validity(rng) -> tuple[np.datetime64, np.datetime64 | str]:
    """Gueltig_ab (most facilities old, some opened since 2020 or 2024) and Gueltig_bis (8 % closed
    between a year after opening, not before 2020, and mid 2026; ``""`` while open)."""
    r = rng.uniform()
    if r < 0.80:
        start = np.datetime64("1990-01-01") + int(rng.integers(0, 10957))
    elif r < 0.88:
        start = np.datetime64("2020-01-01") + int(rng.integers(0, 1461))
    else:
        start = np.datetime64("2024-01-01") + int(rng.integers(0, 1003))
    end = ""
    if rng.uniform() < 0.08:
        lo_d = max(start + 365, np.datetime64("2020-01-01"))
        hi_d = np.datetime64("2026-06-30")
        if lo_d < hi_d:
            end = lo_d + int(rng.integers(0, int((hi_d - lo_d).astype(int))))
    return start, end


def write_inventory(
    d: Path, p, recs: list[list], defects: list[str], by_address: bool = False
) -> None:
    """The provider's ``facilities.csv`` in its role's dialect, or ``facilities.xlsx``;
    ``by_address``: ``Lon`` and ``Lat`` left empty (the address places the facility)."""
    german = p.role == P_DATE_DE
    if german:
        defects.append(f"providers/{p.provider_id}/facilities.csv: dates as DD.MM.YYYY")
    if p.role == P_FAC_XLSX:
        rows = [FACILITY_HEADER]
        for r in recs:
            rows.append(
                [
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    round(r[4], 6),
                    round(r[5], 6),
                    r[6],
                    dt.date.fromisoformat(str(r[7])),
                    dt.date.fromisoformat(str(r[8])) if r[8] != "" else None,
                ]
            )
        write_xlsx(d / "facilities.xlsx", rows)
        defects.append(
            f"providers/{p.provider_id}/facilities.xlsx: inventory as XLSX "
            f"(numeric Lon/Lat, date cells)"
        )
        return
    cols = [
        [r[0] for r in recs],
        [r[1] for r in recs],
        [r[2] for r in recs],
        [r[3] for r in recs],
        [""] * len(recs) if by_address else de_decimal([r[4] for r in recs], 6),
        [""] * len(recs) if by_address else de_decimal([r[5] for r in recs], 6),
        [str(r[6]) for r in recs],
        [fmt_date(r[7], german) for r in recs],
        [fmt_date(r[8], german) if r[8] != "" else "" for r in recs],
    ]
    enc = "cp1252" if p.role == P_CP1252 else "utf-8"
    write_text(d / "facilities.csv", csv_text(FACILITY_HEADER, cols), encoding=enc)
