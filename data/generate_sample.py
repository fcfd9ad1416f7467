#!/usr/bin/env python
"""Deterministic generator of a Sozialplanung data root (landing files).

Writes the fictional municipality "Musterstadt" (AGS 05999000) in the exact landing formats of
DESIGN.md section 4, including a handful of deliberate defects that the pipeline has to catch
(see ``DEFECTS`` below and the README of the data root). With the defaults it reproduces
``data/sample/`` byte for byte; with larger parameters it writes benchmark roots, e.g.::

    python data/generate_sample.py --municipalities 396 --areas 10000 --population 18000000 \
        --providers 3000 --months 60 --out /tmp/nrwroot

Everything is derived from ``--seed``; no wall-clock time enters any file. Importable:
``generate(out, seed=..., municipalities=..., areas=..., population=..., providers=...,
months=..., years=...)``.
"""

# ruff: noqa: E501  (SETTINGS_YAML copies DESIGN.md section 7 verbatim)
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import shutil
import sys
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

DEFAULT_OUT = Path(__file__).resolve().parent / "sample"
DEFAULT_SEED = 20261124
MARKER = ".generated"
END_MONTH = np.datetime64("2026-10", "M")  # last Bundesagentur month and last report month
END_YEAR = 2025  # last population Stichtag 31.12.
REF_DAY = np.datetime64("2022-12-31", "D")  # t = 0 of the trend model
REPORT_MONTHS = 36
SURVEY_QUARTERS = 8
FIXED_XLSX_TIME = dt.datetime(2026, 11, 1, 0, 0, 0)

POP_CODES = [
    "EW",
    "EW_U3",
    "EW_3_5",
    "EW_6_14",
    "EW_U15",
    "EW_15_17",
    "EW_18_24",
    "EW_15_64",
    "EW_65_79",
    "EW_80P",
    "EW_65P",
    "EW_AUSL",
    "HH",
    "HH_ALLEINERZ",
    "ZUZUEGE",
    "FORTZUEGE",
]
BA_CODES = [
    "SGB2_LB",
    "SGB2_ELB",
    "SGB2_NEF_U15",
    "SGB2_BG",
    "SGB2_BG_ALLEINERZ",
    "ALO",
    "ALO_LZ",
    "ALO_U25",
]
LONG_HEADER = ["Stichtag", "Raum_ID", "Merkmal", "Wert"]
GENESIS_HEADER = [
    "statistics_code",
    "statistics_label",
    "time_code",
    "time_label",
    "time",
    "1_variable_code",
    "1_variable_label",
    "1_variable_attribute_code",
    "1_variable_attribute_label",
    "value",
    "value_unit",
    "value_variable_code",
    "value_variable_label",
]
ZENSUS_HEADER = ["GITTER_ID_100m", "x_mp_100m", "y_mp_100m", "Einwohner"]
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
REPORT_HEADER = [
    "Massnahme_ID",
    "Berichtsmonat",
    "Raum_ID",
    "Teilnehmende",
    "davon_Zielgruppe",
    "Neuzugaenge",
    "Stunden",
    "Kosten_EUR",
]
SURVEY_HEADER = ["Massnahme_ID", "Befragungsdatum", "Frage_ID", "Antwort"]
NEEDS_HEADER = ["Befragung_ID", "Befragtengruppe", "Raum_ID", "Themenfeld", "Bewertung"]

OFFER_TYPES = [
    "kita",
    "familienzentrum",
    "jugendzentrum",
    "seniorentreff",
    "beratung",
    "quartiersbuero",
]
OFFER_P = np.array([0.42, 0.12, 0.14, 0.13, 0.11, 0.08])
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

TOPICS = ["Kinderbetreuung", "Jugendarbeit", "Seniorenangebote", "Beratung", "Wohnumfeld"]

# target groups of measures: (age_from, age_to, title stem); boundaries align with the EW_* codes
TARGET_GROUPS = [
    (0, 5, "Frühe Hilfen"),
    (0, 14, "Familienbegleitung"),
    (6, 17, "Lernförderung"),
    (15, 24, "Ausbildungslotsen"),
    (18, 64, "Beschäftigungsförderung"),
    (65, 99, "Seniorenbegleitung"),
]

AREA_NAMES = [
    "Nordstadt",
    "Südstadt",
    "Oststadt",
    "Weststadt",
    "Am Stadtpark",
    "Hafenviertel",
    "Kreuzviertel",
    "Schlossviertel",
    "Lindenhof",
    "Rosenhügel",
    "Eichenfeld",
    "Birkenhain",
    "Am Mühlenbach",
    "Kirchdorf",
    "Neustadt",
    "Gartenstadt",
    "Sonnenberg",
    "Wiesengrund",
    "Am Kanal",
    "Zechenkolonie",
    "Hüttenviertel",
    "Feldmark",
    "Bergheide",
    "Buchenkamp",
    "Vogelsang",
    "Heidehof",
    "Am Wasserturm",
    "Brückenviertel",
    "Marktviertel",
    "Ulmenallee",
    "Kastanienhof",
    "Schillerviertel",
    "Goetheviertel",
    "Auf der Höhe",
    "Am Bruch",
    "Ahornfeld",
    "Mühlenkamp",
    "Lerchenfeld",
    "Am Steinbruch",
    "Fliederhof",
    "Kornfeld",
    "Am Deich",
    "Klosterviertel",
    "Ziegelei",
    "Parkviertel",
    "Bachtal",
    "Ringviertel",
    "Weidenau",
    "Kiefernhöhe",
    "Falkenhorst",
    "Am Weiher",
    "Drosselgrund",
    "Sandkuhle",
    "Grünaue",
    "Holunderweg",
    "Schwanenteich",
    "Tannenbusch",
    "Eschenhof",
    "Hasenkamp",
    "Bahnhofsviertel",
    "Am Rathaus",
    "Talaue",
]
CENTRE_NAME = "Altstadt"
TINY_NAME = "Industriegebiet Hafen"
COMPASS = ["Nord", "Nordost", "Ost", "Südost", "Süd", "Südwest", "West", "Nordwest"]
MUN_PREFIX = [
    "Muster",
    "Beispiel",
    "Probe",
    "Vorlage",
    "Entwurf",
    "Modell",
    "Schablonen",
    "Skizzen",
    "Test",
    "Platzhalter",
    "Übungs",
    "Spiegel",
    "Abbild",
    "Nachbild",
    "Musterlinden",
    "Beispielbuchen",
    "Probeeichen",
    "Modellbirken",
    "Vorlagenwald",
    "Entwurfsheide",
    "Schema",
    "Typen",
    "Norm",
    "Form",
    "Raster",
    "Gitter",
    "Rahmen",
    "Kontur",
    "Umriss",
    "Grundriss",
    "Plan",
    "Riss",
    "Abriss",
    "Zeichen",
    "Merkmals",
    "Kenn",
    "Leit",
    "Richt",
    "Mess",
    "Zähl",
]
MUN_SUFFIX = ["stadt", "hausen", "dorf", "berg", "feld", "heim", "bach", "burg", "kirchen", "hagen"]
STREETS = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Schulstraße",
    "Gartenstraße",
    "Kirchstraße",
    "Lindenstraße",
    "Bergstraße",
    "Ringstraße",
    "Goethestraße",
    "Schillerstraße",
    "Mühlenweg",
    "Am Markt",
    "Parkstraße",
    "Wiesenweg",
    "Feldstraße",
    "Kanalstraße",
    "Hafenstraße",
    "Rosenstraße",
    "Birkenweg",
    "Friedrichstraße",
    "Kastanienallee",
    "Brunnenstraße",
    "Am Anger",
    "Uferstraße",
    "Jahnstraße",
]
KITA_NAMES = [
    "Sonnenschein",
    "Regenbogen",
    "Pusteblume",
    "Löwenzahn",
    "Sternschnuppe",
    "Kunterbunt",
    "Wirbelwind",
    "Zwergenland",
    "Spatzennest",
    "Abenteuerland",
    "Villa Kunterbunt",
    "Rasselbande",
]
TYPE_LABEL = {
    "kita": "Kita",
    "familienzentrum": "Familienzentrum",
    "jugendzentrum": "Jugendzentrum",
    "seniorentreff": "Seniorentreff",
    "beratung": "Beratungsstelle",
    "quartiersbuero": "Quartiersbüro",
}
PROVIDER_NAMES = [
    "AWO",
    "Caritas",
    "Diakonie",
    "DRK",
    "Paritätischer",
    "Jugendhilfe",
    "Nachbarschaftshilfe",
    "Lebenshilfe",
    "Kinderschutzbund",
]

# Roles of the first nine providers (index into the provider list); providers beyond the ninth
# write clean files so large benchmark roots are not dominated by XLSX writing.
P_REPORT_TG_GT = 0  # report row with davon_Zielgruppe > Teilnehmende
P_FAR_FACILITY = 1  # facility 30 km outside the municipality
P_REPORT_TEXT = 1  # Teilnehmende "zwölf"
P_DATE_DE = 2  # facilities with DD.MM.YYYY dates
P_WRONG_HEADER = 2  # one report with "Teilnehmer" instead of "Teilnehmende"
P_FAC_XLSX = 3  # facilities.xlsx
P_REPORT_XLSX = 4  # reports as .xlsx with a title row and trailing empty rows
P_CP1252 = 5  # Windows-1252 reports and facilities
P_MISSING_MONTH = 6  # first measure lacks one month
SURVEY_PROVIDERS = set(range(9))  # modulo 9: every provider surveys its participants
MONTH_TG_GT = "2025-03"
MONTH_TEXT = "2025-06"
MONTH_WRONG_HEADER = "2024-09"
MONTH_MISSING = "2025-01"


# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------
def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def logit(p):
    return np.log(p / (1.0 - p))


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    rest = int(total - base.sum())
    if rest > 0:
        order = np.lexsort((np.arange(len(w)), -(raw - base)))
        base[order[:rest]] += 1
    return base


def iround(x) -> np.ndarray:
    return np.rint(np.asarray(x, dtype=float)).astype(np.int64)


def de_thousands(values) -> list[str]:
    return [f"{int(v):,}".replace(",", ".") for v in values]


def de_money(cents) -> list[str]:
    out = []
    for c in cents:
        c = int(c)
        out.append(f"{c // 100:,}".replace(",", ".") + f",{c % 100:02d}")
    return out


def de_decimal(values, digits: int) -> list[str]:
    return [f"{v:.{digits}f}".replace(".", ",") for v in values]


def csv_text(header: list[str], cols: list) -> str:
    """``;``-separated text with ``\\n`` line endings; ``cols`` are string arrays."""
    if len(cols[0]) == 0:
        return ";".join(header) + "\n"
    df = pd.DataFrame({i: np.asarray(c, dtype=object) for i, c in enumerate(cols)})
    body = df.to_csv(sep=";", index=False, header=False, lineterminator="\n")
    return ";".join(header) + "\n" + body


def write_text(path: Path, text: str, encoding: str = "utf-8", bom: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def write_xlsx(path: Path, rows: list[list], empty_trailing_rows: int = 0) -> None:
    """Write a one-sheet workbook with fixed metadata and fixed zip member timestamps."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = "Tabelle1"
    for r in rows:
        ws.append(r)
    last = len(rows)
    for k in range(empty_trailing_rows):
        ws.cell(row=last + 1 + k, column=1)  # creates an empty cell -> empty row in the file
    wb.properties.created = FIXED_XLSX_TIME
    wb.properties.modified = FIXED_XLSX_TIME
    wb.properties.creator = "Musterstadt"
    wb.properties.lastModifiedBy = "Musterstadt"
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 0
            dst.writestr(zi, src.read(info.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


def month_ends(months: np.ndarray) -> np.ndarray:
    return (months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")


def years_since_ref(days: np.ndarray) -> np.ndarray:
    return (days - REF_DAY).astype(np.int64) / 365.25


def sub_rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


# ----------------------------------------------------------------------------------------------
# 1. municipalities and areas
# ----------------------------------------------------------------------------------------------
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


def standardise(x):
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else x * 0.0


def make_areas(seed: int, mun: pd.DataFrame) -> pd.DataFrame:
    frames = []
    multi = len(mun) > 1
    for m in range(len(mun)):
        rng = sub_rng(seed, 2, m)
        row = mun.iloc[m]
        cx, cy, R, n = float(row.cx), float(row.cy), float(row.radius), int(row.n_areas)
        # irregular, star-shaped city outline
        ang = np.linspace(0, 2 * np.pi, 160, endpoint=False)
        r = np.ones_like(ang)
        for k in range(2, 7):
            r += rng.uniform(0.015, 0.07) * np.cos(k * ang + rng.uniform(0, 2 * np.pi))
        r += rng.normal(0, 0.006, len(ang))
        outline = shapely.Polygon(
            np.column_stack([cx + R * r * np.cos(ang), cy + R * r * np.sin(ang)])
        )
        outline = shapely.make_valid(outline)
        # seed points, denser towards the centre, relaxed twice (Lloyd)
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
        cells = shapely.set_precision(cells, 0.1)
        cen = shapely.centroid(cells)
        x, y = shapely.get_x(cen), shapely.get_y(cen)
        u, v = (x - cx) / R, (y - cy) / R
        dist = np.hypot(u, v)
        tiny = int(np.argmax(dist)) if n >= 4 else -1
        # districts: a central one plus compass sectors
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
        # order: district, then distance from the centre
        order = np.lexsort((dist, district))
        inv = np.empty(n, dtype=np.int64)
        inv[order] = np.arange(n)
        # names
        names = np.empty(n, dtype=object)
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
        width = max(2, len(str(n))) if not multi else max(3, len(str(n)))
        ids = np.array(
            [
                (f"{row.ags}-SR-{inv[i] + 1:0{width}d}" if multi else f"SR-{inv[i] + 1:0{width}d}")
                for i in range(n)
            ],
            dtype=object,
        )
        # latent deprivation: smooth blobs + noise, standardised within the municipality
        f = blob_field(rng, u, v, [1.3, 1.0, -0.9, 0.6]) + rng.normal(0, 0.22, n)
        z = standardise(f)
        if multi:
            z = 0.9 * z + rng.normal(0, 0.35)
        g = standardise(blob_field(rng, u, v, [1.0, -1.0, 0.7]) + rng.normal(0, 0.3, n))
        drift = 0.07 * (0.7 * g + 0.3 * rng.normal(0, 1, n))
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
        frames.append(
            pd.DataFrame(
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
        )
    areas = pd.concat(frames, ignore_index=True)
    areas["mun_name"] = mun["name"].to_numpy()[areas.mun.to_numpy()]
    return areas


def voronoi_cells(pts: np.ndarray, outline) -> np.ndarray:
    vor = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=outline, ordered=True)
    parts = shapely.get_parts(vor)
    return shapely.intersection(parts, outline)


# ----------------------------------------------------------------------------------------------
# 2. population and Bundesagentur model (vectorised over areas x time)
# ----------------------------------------------------------------------------------------------
def population_model(A: pd.DataFrame, t, year_noise=None) -> dict[str, np.ndarray]:
    """Counts per area (rows) and time (columns, years since 2022-12-31)."""
    t = np.atleast_1d(np.asarray(t, dtype=float))[None, :]
    e = np.stack(A.e.to_numpy())
    z = A.z.to_numpy()[:, None]
    tiny = A.tiny.to_numpy()[:, None]
    ew = A.ew0.to_numpy()[:, None] * np.exp(A.growth.to_numpy()[:, None] * t)
    if year_noise is not None:
        ew = ew * np.exp(0.004 * year_noise)
    ew = iround(ew)

    def col(i):
        return e[:, i][:, None]

    s_u3 = np.clip(0.028 + 0.004 * z + 0.002 * col(0), 0.012, 0.05)
    s_35 = np.clip(0.027 + 0.003 * z + 0.002 * col(1), 0.012, 0.05)
    s_614 = np.clip(0.083 + 0.008 * z + 0.004 * col(2), 0.04, 0.13)
    s_1517 = np.clip(0.028 + 0.002 * z + 0.002 * col(3), 0.015, 0.045)
    s_1824 = np.clip(0.078 + 0.004 * z + 0.006 * col(4), 0.04, 0.14)
    s_6579 = np.clip(0.148 - 0.010 * z + 0.012 * col(5) + 0.0015 * t, 0.07, 0.24)
    s_80p = np.clip(0.062 - 0.005 * z + 0.006 * col(6) + 0.001 * t, 0.02, 0.12)
    s_u3 = np.where(tiny, 0.0, s_u3)
    s_35 = np.where(tiny, 0.006, s_35)
    s_614 = np.where(tiny, 0.03, s_614)
    out = {"EW": ew}
    out["EW_U3"] = iround(ew * s_u3)
    out["EW_3_5"] = iround(ew * s_35)
    out["EW_6_14"] = iround(ew * s_614)
    out["EW_U15"] = out["EW_U3"] + out["EW_3_5"] + out["EW_6_14"]
    out["EW_15_17"] = iround(ew * s_1517)
    out["EW_18_24"] = iround(ew * s_1824)
    out["EW_65_79"] = iround(ew * s_6579)
    out["EW_80P"] = iround(ew * s_80p)
    out["EW_65P"] = out["EW_65_79"] + out["EW_80P"]
    out["EW_15_64"] = ew - out["EW_U15"] - out["EW_65P"]
    step = expit((t + 0.55) / 0.04)  # refugees from Ukraine, mid 2022
    p_f = expit(logit(0.15) + 0.55 * z + 0.25 * col(7) + 0.03 * t + 0.15 * step)
    out["EW_AUSL"] = iround(ew * p_f)
    hh_size = np.clip(1.92 + 0.12 * z + 0.05 * col(8), 1.55, 2.4)
    out["HH"] = iround(ew / hh_size)
    p_sp = expit(logit(0.062) + 0.35 * z + 0.1 * col(9))
    out["HH_ALLEINERZ"] = iround(out["HH"] * p_sp)
    mv = np.clip(0.15 + 0.02 * z + 0.015 * col(10), 0.09, 0.24)
    g = A.growth.to_numpy()[:, None]
    out["ZUZUEGE"] = iround(ew * mv / 2 * (1 + 4 * g))
    out["FORTZUEGE"] = iround(ew * mv / 2 * (1 - 4 * g))
    return out


def ba_model(A: pd.DataFrame, days: np.ndarray, rng) -> dict[str, np.ndarray]:
    t = years_since_ref(days)
    cal_month = (days.astype("datetime64[M]").astype(np.int64) % 12) + 1
    P = population_model(A, t)
    e = np.stack(A.e.to_numpy())
    z = A.z.to_numpy()[:, None]
    zt = z + A.drift.to_numpy()[:, None] * t[None, :]
    step = expit((t[None, :] + 0.55) / 0.04)
    lvl = 0.18 * step - 0.02 * t[None, :]
    shape = zt.shape

    def noise(s):
        return np.exp(rng.normal(0, s, shape))

    elb_rate = expit(logit(0.080) + 0.85 * zt + lvl + 0.1 * e[:, 0][:, None])
    child_rate = expit(logit(0.145) + 0.85 * zt + lvl + 0.1 * e[:, 1][:, None])
    out = {}
    out["SGB2_ELB"] = iround(elb_rate * P["EW_15_64"] * noise(0.01))
    out["SGB2_NEF_U15"] = np.minimum(iround(child_rate * P["EW_U15"] * noise(0.01)), P["EW_U15"])
    out["SGB2_LB"] = out["SGB2_ELB"] + iround(out["SGB2_NEF_U15"] * 1.06)
    bg_size = np.clip(1.75 + 0.15 * z, 1.5, 2.2)
    out["SGB2_BG"] = iround(out["SGB2_LB"] / bg_size)
    out["SGB2_BG_ALLEINERZ"] = np.minimum(
        iround(out["SGB2_BG"] * expit(logit(0.15) + 0.2 * z)), P["HH_ALLEINERZ"]
    )
    season = 1 + 0.045 * np.cos(2 * np.pi * (cal_month - 2) / 12)[None, :]
    alo_rate = expit(logit(0.064) + 0.38 * zt + 0.06 * step + 0.08 * e[:, 2][:, None])
    out["ALO"] = iround(alo_rate * P["EW_15_64"] * season * noise(0.012))
    out["ALO_LZ"] = iround(out["ALO"] * np.clip(0.36 + 0.05 * zt, 0.2, 0.55))
    u25 = 0.085 * (1 + 0.18 * np.cos(2 * np.pi * (cal_month - 8.5) / 12))[None, :]
    out["ALO_U25"] = iround(out["ALO"] * u25)
    return out


# ----------------------------------------------------------------------------------------------
# 3. writers per source
# ----------------------------------------------------------------------------------------------
def ba_symbol(v: np.ndarray) -> np.ndarray:
    s = v.astype(str).astype(object)
    s[(v >= 1) & (v <= 2)] = "*"
    s[v == 0] = "-"
    return s


def write_areas(out: Path, A: pd.DataFrame, mun: pd.DataFrame) -> None:
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
        lines = []
        for r in sub.itertuples():
            feat = {
                "type": "Feature",
                "properties": {
                    "municipality_ags": r.ags,
                    "area_id": r.area_id,
                    "area_name": r.area_name,
                    "district_name": r.district_name,
                },
                "geometry": geom_json(r.geometry),
            }
            lines.append(json.dumps(feat, ensure_ascii=False, separators=(",", ":")))
        head = (
            '{"type":"FeatureCollection","name":"sozialraeume_' + mun.ags.iloc[m] + '",'
            '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25832"}},'
            '"features":[\n'
        )
        write_text(
            out / "areas" / f"sozialraeume_{mun.ags.iloc[m]}.geojson",
            head + ",\n".join(lines) + "\n]}\n",
        )


def write_population(
    out: Path, A: pd.DataFrame, years: list[int], seed: int, defects: list[str]
) -> dict[int, dict[str, np.ndarray]]:
    rng = sub_rng(seed, 3)
    n = len(A)
    t = np.array([years_since_ref(np.array([np.datetime64(f"{y}-12-31")]))[0] for y in years])
    P = population_model(A, t, year_noise=rng.normal(0, 1, (n, len(years))))
    ids = A.area_id.to_numpy()
    tiny = A.tiny.to_numpy()
    result = {}
    non_tiny = np.flatnonzero(~tiny)
    for yi, y in enumerate(years):
        vals = np.stack([P[c][:, yi] for c in POP_CODES], axis=1)  # n x codes
        result[y] = {c: P[c][:, yi] for c in POP_CODES}
        cp1252 = yi == 2
        s = vals.astype(str).astype(object)
        if cp1252:
            s = np.array(de_thousands(vals.ravel()), dtype=object).reshape(vals.shape)
        s[vals == 0] = "-"
        hh_alz = POP_CODES.index("HH_ALLEINERZ")
        s[tiny, hh_alz] = "x"
        if yi == len(years) - 2 and len(non_tiny) > 6:
            a = non_tiny[6]
            s[a, POP_CODES.index("EW_AUSL")] = "."
            defects.append(f"bevoelkerung_{y}.csv: EW_AUSL of {ids[a]} is '.' (secret)")
        if yi == 0 and len(non_tiny) > 11:
            a = non_tiny[11]
            s[a, POP_CODES.index("ZUZUEGE")] = "."
            defects.append(f"bevoelkerung_{y}.csv: ZUZUEGE of {ids[a]} is '.' (unknown)")
        date = f"31.12.{y}" if cp1252 else f"{y}-12-31"
        cols = [
            np.full(s.size, date, dtype=object),
            np.repeat(ids, len(POP_CODES)),
            np.tile(np.array(POP_CODES, dtype=object), n),
            s.ravel(),
        ]
        if cp1252:
            a = non_tiny[min(3, len(non_tiny) - 1)]
            pos = (a + 1) * len(POP_CODES)
            extra = [date, ids[a], "EW_UEBER_100", "3"]
            cols = [np.insert(c, pos, x) for c, x in zip(cols, extra, strict=True)]
            defects.append(
                f"bevoelkerung_{y}.csv: Windows-1252, dates DD.MM.YYYY, thousands "
                f"separators; unknown Merkmal EW_UEBER_100 for {ids[a]}"
            )
        text = csv_text(LONG_HEADER, cols)
        bom = yi == 1
        if bom:
            text += "\n\n"
            defects.append(f"bevoelkerung_{y}.csv: UTF-8 BOM and two empty trailing lines")
        write_text(
            out / "statistics" / "small_area" / f"bevoelkerung_{y}.csv",
            text,
            encoding="cp1252" if cp1252 else "utf-8",
            bom=bom,
        )
    tname = A.area_id[A.tiny].tolist()
    if tname:
        defects.append(
            f"bevoelkerung_*.csv: tiny area {tname[0]} has EW_U3 '-' and "
            f"HH_ALLEINERZ 'x' in every year"
        )
    # Grundsicherung im Alter (social welfare office)
    z = A.z.to_numpy()
    e = np.stack(A.e.to_numpy())[:, 11]
    rows = []
    for yi, y in enumerate(years):
        rate = expit(logit(0.032) + 0.6 * z + 0.1 * e + 0.05 * t[yi])
        v = iround(rate * result[y]["EW_65P"] * np.exp(rng.normal(0, 0.02, n)))
        sv = v.astype(str).astype(object)
        sv[v == 0] = "-"
        rows.append(
            (np.full(n, f"{y}-12-31", dtype=object), ids, np.full(n, "GRUSI_65P", dtype=object), sv)
        )
    cols = [np.concatenate([r[i] for r in rows]) for i in range(4)]
    write_text(
        out / "statistics" / "small_area" / "grundsicherung.csv", csv_text(LONG_HEADER, cols)
    )
    return result


def write_ba(
    out: Path, A: pd.DataFrame, months: np.ndarray, seed: int, defects: list[str]
) -> dict[str, np.ndarray]:
    rng = sub_rng(seed, 4)
    days = month_ends(months)
    B = ba_model(A, days, rng)
    n = len(A)
    ids = A.area_id.to_numpy()
    years = sorted(set(days.astype("datetime64[Y]").astype(int) + 1970))
    broken_year = 2024 if 2024 in years else years[len(years) // 2]
    for y in years:
        sel = np.flatnonzero(days.astype("datetime64[Y]").astype(int) + 1970 == y)
        k = len(sel)
        vals = np.stack([B[c][:, sel] for c in BA_CODES], axis=2)  # n x k x codes
        vals = vals.transpose(1, 0, 2)  # k x n x codes
        s = ba_symbol(vals.ravel())
        dstr = np.datetime_as_string(days[sel]).astype(object)
        cols = [
            np.repeat(dstr, n * len(BA_CODES)),
            np.tile(np.repeat(ids, len(BA_CODES)), k),
            np.tile(np.array(BA_CODES, dtype=object), n * k),
            s,
        ]
        if y == broken_year:
            a = ids[min(4, n - 1)]
            bad = [
                [f"{y}-05-31", "SR-99", "ALO", "17"],
                [f"{y}-06-30", a, "ALO", "12a"],
                [f"{y}-13-31", a, "SGB2_BG", "45"],
            ]
            total = len(cols[0])
            positions = [min(total, p) for p in (97, 211, 389)]
            for p, row in sorted(zip(positions, bad, strict=True), key=lambda x: -x[0]):
                cols = [np.insert(c, p, x) for c, x in zip(cols, row, strict=True)]
            defects.append(
                f"ba_{y}.csv: broken rows: Raum_ID SR-99 (unknown), Wert '12a', "
                f"Stichtag '{y}-13-31' (file lines 99, 214, 393)"
            )
        write_text(out / "statistics" / "small_area" / f"ba_{y}.csv", csv_text(LONG_HEADER, cols))
    return B


def write_genesis(out: Path, A: pd.DataFrame, mun: pd.DataFrame, pop: dict, years, seed):
    rng = sub_rng(seed, 5)
    for m in range(len(mun)):
        mask = (A.mun == m).to_numpy()
        lines = [";".join(GENESIS_HEADER)]
        for y in years:
            total = int(pop[y]["EW"][mask].sum())
            official = int(round(total * rng.uniform(0.985, 1.015)))
            lines.append(
                ";".join(
                    [
                        "12411",
                        "Fortschreibung des Bevölkerungsstandes",
                        "STAG",
                        "Stichtag",
                        f"{y}-12-31",
                        "GEMEIN",
                        "Gemeinden",
                        mun.ags.iloc[m],
                        mun["name"].iloc[m],
                        str(official),
                        "Anzahl",
                        "BEVSTD",
                        "Bevölkerungsstand",
                    ]
                )
            )
        write_text(
            out / "statistics" / "genesis" / f"12411-01-01-5_{mun.ags.iloc[m]}.csv",
            "\n".join(lines) + "\n",
        )


def make_zensus(out: Path, A: pd.DataFrame, mun: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = sub_rng(seed, 6)
    t2022 = years_since_ref(np.array([np.datetime64("2022-05-15")]))
    ew22 = population_model(A, t2022)["EW"][:, 0]
    zpop = iround(ew22 * rng.uniform(0.965, 0.995, len(A)))
    polys3035 = gpd.GeoSeries(A.geometry.to_numpy(), crs=25832).to_crs(3035).to_numpy()
    to3035 = Transformer.from_crs(25832, 3035, always_xy=True)
    ccx, ccy = to3035.transform(mun.cx.to_numpy(), mun.cy.to_numpy())
    cell_e, cell_n, cell_pop, cell_area = [], [], [], []
    mun_of = A.mun.to_numpy()
    for m in range(len(mun)):
        idx = np.flatnonzero(mun_of == m)
        geoms = polys3035[idx]
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        ex = np.arange(np.floor(x0 / 100) * 100, x1, 100.0)
        ny = np.arange(np.floor(y0 / 100) * 100, y1, 100.0)
        E, N = np.meshgrid(ex, ny)
        E, N = E.ravel(), N.ravel()
        tree = shapely.STRtree(geoms)
        pi, ai = tree.query(shapely.points(E + 50, N + 50), predicate="within")
        R = float(mun.radius.iloc[m])
        order = np.argsort(ai, kind="stable")
        pi, ai = pi[order], ai[order]
        bounds = np.searchsorted(ai, np.arange(len(idx) + 1))
        for j in range(len(idx)):
            cand = pi[bounds[j] : bounds[j + 1]]
            total = int(zpop[idx[j]])
            if len(cand) == 0 or total <= 0:
                continue
            d = np.hypot(E[cand] + 50 - ccx[m], N[cand] + 50 - ccy[m]) / R
            logw = -1.6 * d
            n_cells = int(np.clip(round(total / 27.0), 1, len(cand)))
            key = logw + rng.gumbel(size=len(cand))
            take = np.argsort(-key, kind="stable")[:n_cells]
            w = np.exp(logw[take]) * rng.lognormal(0, 0.6, n_cells)
            counts = rng.multinomial(total, w / w.sum())
            keep = counts > 0
            cell_e.append(E[cand][take][keep])
            cell_n.append(N[cand][take][keep])
            cell_pop.append(counts[keep])
            cell_area.append(np.full(int(keep.sum()), idx[j]))
    Z = pd.DataFrame(
        {
            "E": np.concatenate(cell_e).astype(np.int64),
            "N": np.concatenate(cell_n).astype(np.int64),
            "pop": np.concatenate(cell_pop).astype(np.int64),
            "area": np.concatenate(cell_area),
        }
    )
    Z = Z.sort_values(["N", "E"], kind="stable").reset_index(drop=True)
    ids = ("CRS3035RES100mN" + Z.N.astype(str) + "E" + Z.E.astype(str)).to_numpy()
    val = Z["pop"].astype(str).to_numpy().astype(object)
    val[Z["pop"].to_numpy() <= 2] = "–"
    write_text(
        out / "statistics" / "zensus" / "zensus2022_100m.csv",
        csv_text(
            ZENSUS_HEADER,
            [ids, (Z.E + 50).astype(str).to_numpy(), (Z.N + 50).astype(str).to_numpy(), val],
        ),
    )
    return Z


def plan_providers(seed: int, n_prov: int, mun: pd.DataFrame) -> pd.DataFrame:
    rng = sub_rng(seed, 7)
    n_mun = len(mun)
    if n_prov < 1:
        raise ValueError("--providers must be >= 1")
    if n_prov >= n_mun:
        extra = largest_remainder(n_prov - n_mun, mun.population.to_numpy().astype(float))
        counts = 1 + extra
    else:
        counts = np.zeros(n_mun, dtype=np.int64)
        counts[np.argsort(-mun.population.to_numpy(), kind="stable")[:n_prov]] = 1
    mun_of = np.repeat(np.arange(n_mun), counts)
    width = max(2, len(str(n_prov)))
    ids = [f"TR-{i + 1:0{width}d}" for i in range(n_prov)]
    names = [
        f"{PROVIDER_NAMES[i % len(PROVIDER_NAMES)]} {mun['name'].iloc[mun_of[i]]}"
        for i in range(n_prov)
    ]
    profile = rng.dirichlet(OFFER_P * 15, n_prov)
    return pd.DataFrame(
        {
            "provider_id": ids,
            "name": names,
            "mun": mun_of,
            "profile": list(profile),
            "role": np.arange(n_prov),
        }
    )


def fmt_date(d: np.datetime64, german: bool) -> str:
    s = str(d)
    return f"{s[8:10]}.{s[5:7]}.{s[0:4]}" if german else s


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


def write_facilities(
    out: Path,
    A: pd.DataFrame,
    mun: pd.DataFrame,
    prov: pd.DataFrame,
    Z: pd.DataFrame,
    pop_last: dict,
    seed: int,
    defects: list[str],
) -> None:
    rng = sub_rng(seed, 8)
    to25832 = Transformer.from_crs(3035, 25832, always_xy=True)
    to4326 = Transformer.from_crs(3035, 4326, always_xy=True)
    from4326 = Transformer.from_crs(25832, 4326, always_xy=True)
    z = A.z.to_numpy()
    tiny = A.tiny.to_numpy()
    tgt = {
        "kita": pop_last["EW_U3"] + pop_last["EW_3_5"],
        "familienzentrum": pop_last["EW_U15"],
        "jugendzentrum": pop_last["EW_6_14"] + pop_last["EW_15_17"],
        "seniorentreff": pop_last["EW_65P"],
        "beratung": pop_last["EW"],
        "quartiersbuero": pop_last["EW"],
    }
    # under-supplied deprived areas: about a third of the most deprived third
    supply = rng.lognormal(0, 0.1, len(A))
    for m in range(len(mun)):
        idx = np.flatnonzero((A.mun == m).to_numpy() & ~tiny)
        top = idx[np.argsort(-z[idx], kind="stable")][: max(1, len(idx) // 3)]
        under = top[rng.permutation(len(top))[: max(1, len(top) // 3)]]
        supply[under] *= 0.15
    supply[tiny] *= 0.05
    # cells per area (positions with inhabitants)
    Zs = Z.sort_values(["area", "N", "E"], kind="stable")
    zb = np.searchsorted(Zs.area.to_numpy(), np.arange(len(A) + 1))
    ZE, ZN, ZP = Zs.E.to_numpy(), Zs.N.to_numpy(), Zs["pop"].to_numpy()
    plan = plan_facilities(A, prov, tgt, supply, (zb, ZE, ZN, ZP), rng)
    geoms = A.geometry.to_numpy()
    street_rng = sub_rng(seed, 9)
    for p in prov.itertuples():
        m = p.mun
        mine = plan[plan.provider == p.Index].sort_values("type", kind="stable")
        recs = []
        sites = zip(mine.type, mine.area, mine.capacity, mine.cell, strict=True)
        for k, (t, a, cap, c) in enumerate(sites):
            ot = OFFER_TYPES[t]
            if c >= 0:
                e3, n3 = ZE[c] + 50.0, ZN[c] + 50.0
                je, jn = e3 + rng.uniform(-40, 40), n3 + rng.uniform(-40, 40)
                x, y = to25832.transform(je, jn)
                if not shapely.contains_xy(geoms[a], x, y):
                    je, jn = e3, n3
                lon, lat = to4326.transform(je, jn)
            else:
                pt = shapely.point_on_surface(geoms[a])
                lon, lat = from4326.transform(pt.x, pt.y)
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
        if p.role == P_FAR_FACILITY and recs:
            far_x = mun.cx.iloc[m] + 30000.0
            far_y = mun.cy.iloc[m] + 6000.0
            lon, lat = from4326.transform(far_x, far_y)
            recs[-1][4], recs[-1][5] = float(lon), float(lat)
            defects.append(
                f"providers/{p.provider_id}/facilities.csv: {recs[-1][0]} has "
                f"coordinates ~30 km outside the municipality"
            )
        german = p.role == P_DATE_DE
        if german:
            defects.append(f"providers/{p.provider_id}/facilities.csv: dates as DD.MM.YYYY")
        d = out / "providers" / p.provider_id
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
            continue
        cols = [
            [r[0] for r in recs],
            [r[1] for r in recs],
            [r[2] for r in recs],
            [r[3] for r in recs],
            de_decimal([r[4] for r in recs], 6),
            de_decimal([r[5] for r in recs], 6),
            [str(r[6]) for r in recs],
            [fmt_date(r[7], german) for r in recs],
            [fmt_date(r[8], german) if r[8] != "" else "" for r in recs],
        ]
        enc = "cp1252" if p.role == P_CP1252 else "utf-8"
        write_text(d / "facilities.csv", csv_text(FACILITY_HEADER, cols), encoding=enc)


def plan_measures(seed: int, A: pd.DataFrame, prov: pd.DataFrame) -> pd.DataFrame:
    rng = sub_rng(seed, 10)
    z = A.z.to_numpy()
    tiny = A.tiny.to_numpy()
    cen = shapely.centroid(A.geometry.to_numpy())
    cx, cy = shapely.get_x(cen), shapely.get_y(cen)
    rows = []
    mid = 101
    for p in prov.itertuples():
        idx = np.flatnonzero((A.mun == p.mun).to_numpy() & ~tiny)
        for _ in range(int(rng.integers(1, 4))):
            w = np.exp(0.9 * z[idx])
            a1 = idx[rng.choice(len(idx), p=w / w.sum())]
            areas = [a1]
            if rng.uniform() < 0.4 and len(idx) > 1:
                d = np.hypot(cx[idx] - cx[a1], cy[idx] - cy[a1])
                d[idx == a1] = np.inf
                areas.append(idx[int(np.argmin(d))])
            tg = TARGET_GROUPS[int(rng.integers(len(TARGET_GROUPS)))]
            rows.append(
                {
                    "measure_id": f"M-{mid}",
                    "provider_id": p.provider_id,
                    "role": p.role,
                    "areas": areas,
                    "age_from": tg[0],
                    "age_to": tg[1],
                    "title": f"{tg[2]} {A.area_name.iloc[a1]}",
                    "capacity": int(rng.integers(3, 13)) * 5,
                    "util": rng.uniform(0.72, 0.93),
                    "tg_share": rng.uniform(0.6, 0.9),
                    "hours_per_place": rng.uniform(1.5, 4.0),
                    "rate": rng.uniform(48.0, 65.0),
                    "area_share": rng.uniform(0.5, 0.7),
                    "quality": rng.normal(0, 0.5),
                }
            )
            mid += 1
    return pd.DataFrame(rows)


def target_population(pop: dict, age_from: int, age_to: int) -> np.ndarray:
    key = (age_from, age_to)
    if key == (0, 5):
        return pop["EW_U3"] + pop["EW_3_5"]
    if key == (0, 14):
        return pop["EW_U15"]
    if key == (6, 17):
        return pop["EW_6_14"] + pop["EW_15_17"]
    if key == (15, 24):
        return pop["EW_15_17"] + pop["EW_18_24"]
    if key == (18, 64):
        return pop["EW_15_64"] - pop["EW_15_17"]
    return pop["EW_65P"]


def write_reports(
    out: Path, A: pd.DataFrame, M: pd.DataFrame, seed: int, defects: list[str]
) -> pd.DataFrame:
    rng = sub_rng(seed, 11)
    months = np.arange(END_MONTH - REPORT_MONTHS + 1, END_MONTH + 1)
    mstr = np.datetime_as_string(months)
    cal = months.astype(np.int64) % 12 + 1
    k = len(months)
    recs = []
    for r in M.itertuples():
        season = 1 - 0.08 * (cal == 8) - 0.04 * (cal == 7) - 0.03 * (cal == 12)
        trend = np.linspace(-0.03, 0.03, k) * rng.normal(0, 1)
        util = np.clip(r.util * season + trend + rng.normal(0, 0.035, k), 0.45, 1.0)
        part = iround(r.capacity * util)
        tg = np.minimum(iround(part * np.clip(r.tg_share + rng.normal(0, 0.05, k), 0, 1)), part)
        new = rng.binomial(part, 0.18)
        hours = iround(r.capacity * r.hours_per_place * rng.uniform(0.9, 1.1, k))
        cost = iround((hours * r.rate + part * 8.5 + rng.normal(0, 40, k)) * 100)
        splits = [1.0] if len(r.areas) == 1 else [r.area_share, 1 - r.area_share]
        rem = {
            "part": part.copy(),
            "tg": tg.copy(),
            "new": new.copy(),
            "hours": hours.copy(),
            "cost": cost.copy(),
        }
        for j, a in enumerate(r.areas):
            if j == len(r.areas) - 1:
                vals = {key: rem[key] for key in rem}
            else:
                vals = {
                    key: iround(
                        {"part": part, "tg": tg, "new": new, "hours": hours, "cost": cost}[key]
                        * splits[j]
                    )
                    for key in rem
                }
                vals["tg"] = np.minimum(vals["tg"], vals["part"])
                vals["new"] = np.minimum(vals["new"], vals["part"])
                rem = {key: rem[key] - vals[key] for key in rem}
            recs.append(
                pd.DataFrame(
                    {
                        "measure_id": r.measure_id,
                        "provider_id": r.provider_id,
                        "role": r.role,
                        "month": mstr,
                        "area_id": A.area_id.iloc[a],
                        "part": vals["part"],
                        "tg": vals["tg"],
                        "new": vals["new"],
                        "hours": vals["hours"],
                        "cost": vals["cost"],
                        "mi": np.arange(k),
                    }
                )
            )
    R = pd.concat(recs, ignore_index=True)
    R["tg"] = np.minimum(R.tg, R.part)
    R["new"] = np.minimum(R.new, R.part)
    # missing month defect
    miss = M[M.role == P_MISSING_MONTH]
    if len(miss):
        mid = miss.measure_id.iloc[0]
        R = R[~((R.measure_id == mid) & (R.month == MONTH_MISSING))]
        defects.append(
            f"providers/{miss.provider_id.iloc[0]}/reports/: measure {mid} has no "
            f"row in {MONTH_MISSING}.csv (missing month)"
        )
    R = R.sort_values(["provider_id", "month", "measure_id", "area_id"], kind="stable").reset_index(
        drop=True
    )
    cols = {
        "Massnahme_ID": R.measure_id.to_numpy().astype(object),
        "Berichtsmonat": R.month.to_numpy().astype(object),
        "Raum_ID": R.area_id.to_numpy().astype(object),
        "Teilnehmende": R.part.astype(str).to_numpy().astype(object),
        "davon_Zielgruppe": R.tg.astype(str).to_numpy().astype(object),
        "Neuzugaenge": R.new.astype(str).to_numpy().astype(object),
        "Stunden": R.hours.astype(str).to_numpy().astype(object),
        "Kosten_EUR": np.array(de_money(R.cost.to_numpy()), dtype=object),
    }
    role = R.role.to_numpy()
    month = R.month.to_numpy()
    pid = R.provider_id.to_numpy()

    def first(mask):
        hit = np.flatnonzero(mask)
        return int(hit[0]) if len(hit) else None

    i = first((role == P_REPORT_TG_GT) & (month == MONTH_TG_GT))
    if i is not None:
        cols["davon_Zielgruppe"][i] = str(int(R.part.iloc[i]) + 4)
        defects.append(
            f"providers/{pid[i]}/reports/{MONTH_TG_GT}.csv: {R.measure_id.iloc[i]} "
            f"{R.area_id.iloc[i]} davon_Zielgruppe > Teilnehmende"
        )
    i = first((role == P_REPORT_TEXT) & (month == MONTH_TEXT))
    if i is not None:
        cols["Teilnehmende"][i] = "zwölf"
        defects.append(
            f"providers/{pid[i]}/reports/{MONTH_TEXT}.csv: {R.measure_id.iloc[i]} "
            f"{R.area_id.iloc[i]} Teilnehmende 'zwölf' (non-numeric)"
        )
    lines = csv_text(REPORT_HEADER, list(cols.values())).split("\n")[1:-1]
    keys = pid.astype(object) + "|" + month.astype(object)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    for s, e in zip(starts, ends, strict=True):
        p, mo, rl = pid[s], month[s], role[s]
        d = out / "providers" / p / "reports"
        if rl == P_REPORT_XLSX:
            rows = [[f"Monatsbericht Träger {p}"], REPORT_HEADER]
            for j in range(s, e):
                rows.append(
                    [
                        R.measure_id.iloc[j],
                        mo,
                        R.area_id.iloc[j],
                        int(R.part.iloc[j]),
                        int(R.tg.iloc[j]),
                        int(R.new.iloc[j]),
                        int(R.hours.iloc[j]),
                        int(R.cost.iloc[j]) / 100.0,
                    ]
                )
            write_xlsx(d / f"{mo}.xlsx", rows, empty_trailing_rows=2)
            continue
        header = list(REPORT_HEADER)
        if rl == P_WRONG_HEADER and mo == MONTH_WRONG_HEADER:
            header[3] = "Teilnehmer"
            defects.append(
                f"providers/{p}/reports/{mo}.csv: header 'Teilnehmer' instead of 'Teilnehmende'"
            )
        text = ";".join(header) + "\n" + "\n".join(lines[s:e]) + "\n"
        write_text(d / f"{mo}.csv", text, encoding="cp1252" if rl == P_CP1252 else "utf-8")
    if (M.role == P_REPORT_XLSX).any():
        p = M[M.role == P_REPORT_XLSX].provider_id.iloc[0]
        defects.append(
            f"providers/{p}/reports/*.xlsx: title row in A1, header in row 2, two "
            f"empty trailing rows"
        )
    if (M.role == P_CP1252).any():
        p = M[M.role == P_CP1252].provider_id.iloc[0]
        defects.append(f"providers/{p}/: reports and facilities.csv encoded Windows-1252")
    return R


def write_surveys(out: Path, M: pd.DataFrame, seed: int, defects: list[str]) -> None:
    rng = sub_rng(seed, 12)
    last_q = (END_MONTH - 1).astype(np.int64)  # month before the end month
    q_end = np.datetime64(int(last_q - (last_q % 3)) + 2, "M")  # end of last complete quarter
    if (END_MONTH.astype(np.int64) % 12) % 3 == 2:
        q_end = END_MONTH
    sel = M[np.isin(M.role.to_numpy() % 9, list(SURVEY_PROVIDERS))]
    rows = []
    for qi in range(SURVEY_QUARTERS):
        qm = q_end - 3 * (SURVEY_QUARTERS - 1 - qi)
        y = int(qm.astype("datetime64[Y]").astype(int) + 1970)
        q = int((qm.astype(np.int64) % 12) // 3 + 1)
        for r in sel.itertuples():
            n = int(rng.integers(10, 41))
            day = month_ends(np.array([qm]))[0] - int(rng.integers(3, 20))
            lat = r.quality + rng.normal(0, 0.9, (n, 3)) + np.array([0.0, 0.2, -0.1])
            ans = np.clip(np.rint(1.9 + lat), 1, 5).astype(np.int64)
            rows.append(
                pd.DataFrame(
                    {
                        "provider_id": r.provider_id,
                        "role": r.role,
                        "file": f"{y}-Q{q}",
                        "measure_id": r.measure_id,
                        "date": str(day),
                        "question": np.tile(np.array(["F1", "F2", "F3"]), n),
                        "answer": ans.ravel().astype(str),
                    }
                )
            )
    if not rows:
        return
    S = pd.concat(rows, ignore_index=True)
    S = S.sort_values(["provider_id", "file"], kind="stable").reset_index(drop=True)
    ans = S.answer.to_numpy().astype(object)
    hit = np.flatnonzero(S.role.to_numpy() == 0)
    if len(hit):
        i = int(hit[min(7, len(hit) - 1)])
        ans[i] = "7"
        defects.append(
            f"providers/{S.provider_id[i]}/surveys/{S.file[i]}.csv: answer '7' "
            f"(out of range 1-5) for {S.measure_id[i]} {S.question[i]}"
        )
    lines = csv_text(
        SURVEY_HEADER, [S.measure_id.to_numpy(), S.date.to_numpy(), S.question.to_numpy(), ans]
    ).split("\n")[1:-1]
    keys = (S.provider_id + "|" + S.file).to_numpy()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    for s, e in zip(starts, ends, strict=True):
        write_text(
            out / "providers" / S.provider_id[s] / "surveys" / f"{S.file[s]}.csv",
            ";".join(SURVEY_HEADER) + "\n" + "\n".join(lines[s:e]) + "\n",
        )


def write_needs(out: Path, A: pd.DataFrame, pop_last: dict, seed: int, defects: list[str]) -> None:
    rng = sub_rng(seed, 13)
    n = len(A)
    tiny = A.tiny.to_numpy()
    n_bew = rng.integers(15, 46, n)
    n_fach = rng.integers(5, 13, n)
    n_bew[tiny] = 3
    n_fach[tiny] = 2
    small = np.flatnonzero(~tiny)[[2, 9]] if (~tiny).sum() > 9 else np.array([], dtype=int)
    for a, v in zip(small, [4, 3], strict=False):
        n_fach[a] = v
    ids = A.area_id.to_numpy()
    if len(small):
        defects.append(
            "bedarfserhebung_2025.csv: fewer than 5 respondents for "
            + ", ".join(f"{ids[a]} Fachkraft" for a in small)
            + (f" and tiny area {ids[tiny][0]} (both groups)" if tiny.any() else "")
        )
    counts = np.stack([n_bew, n_fach], axis=1).ravel()  # area-major: Bewohner, Fachkraft
    area_of = np.repeat(np.repeat(np.arange(n), 2), counts)
    group = np.repeat(np.tile(np.array([0, 1]), n), counts)
    n_resp = len(area_of)
    z = A.z.to_numpy()
    old = pop_last["EW_65P"] / np.maximum(pop_last["EW"], 1)
    old_z = standardise(old)
    base = np.array([0.3, 0.1, 0.0, 0.0, -0.1])
    lat = (
        base[None, :]
        + 0.55 * z[area_of][:, None]
        + 0.2 * group[:, None]
        + rng.normal(0, 0.9, (n_resp, len(TOPICS)))
    )
    lat[:, 2] += 0.45 * old_z[area_of] - 0.4 * z[area_of]
    rating = np.clip(np.rint(3 + lat), 1, 5).astype(np.int64)
    resp_ids = np.array([f"B-2025-{i + 1:06d}" for i in range(n_resp)], dtype=object)
    grp = np.array(["Bewohner", "Fachkraft"], dtype=object)[group]
    T = len(TOPICS)
    cols = [
        np.repeat(resp_ids, T),
        np.repeat(grp, T),
        np.repeat(ids[area_of], T),
        np.tile(np.array(TOPICS, dtype=object), n_resp),
        rating.ravel().astype(str),
    ]
    write_text(out / "surveys" / "needs" / "bedarfserhebung_2025.csv", csv_text(NEEDS_HEADER, cols))


# ----------------------------------------------------------------------------------------------
# 4. planning files
# ----------------------------------------------------------------------------------------------
# the settings block is DESIGN.md section 7 verbatim (German comments), hence long lines
SETTINGS_YAML = """\
# Einstellungen der Datenplattform Sozialplanung (Datenteam).
# Jeder Parameter hat einen Standardwert; diese Datei schreibt die Standardwerte ausdrücklich aus.
index: {status_indicators: [unemployment, sgb2_quota, child_poverty], min_population: 300,
        cutoffs_status: [-1.0, 1.0, 1.5], cutoffs_dynamics: [-1.0, 1.0], dynamics_years: 2}
disclosure: {min_count: 3, min_denominator: 20, min_survey_n: 5}
allocation: {budget_eur: 1000000, basis: child_poverty, class_weights: {high: 0.5, medium: 1.0, low: 1.5, very_low: 2.0}}
supply: {walking_distance_m: {kita: 500, familienzentrum: 1000, jugendzentrum: 1000, seniorentreff: 800},
         gap_coverage_factor: 0.8,                # Lücke, wenn Plätze/1000 < 0,8 x Wert der Gemeinde
         gap_min_share_within: 0.6}               # oder wenn < 60 % der Zielgruppe in Gehweite wohnen
limits: {max_file_mb: 200}                        # größere Anlieferungsdateien werden mit klarer Meldung abgewiesen
traffic_light: {green: 100.0, yellow: 80.0}       # Zielerreichung in Prozent
reconciliation: {population_tolerance_pct: 3.0}   # Melderegister vs. amtliche Fortschreibung (weichen ab)
"""


def yq(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def write_planning(
    out: Path,
    A: pd.DataFrame,
    M: pd.DataFrame,
    R: pd.DataFrame,
    pop: dict,
    B: dict,
    months: np.ndarray,
    years: list[int],
) -> None:
    write_text(out / "planning" / "settings.yaml", SETTINGS_YAML)
    # city-wide baselines at 2023-12-31 (model values, also when outside the generated window)
    base_day = np.array([np.datetime64("2023-12-31")])
    Pb = population_model(A, years_since_ref(base_day))
    Bb = ba_model(A, base_day, np.random.default_rng(0))
    cp = 100 * Bb["SGB2_NEF_U15"].sum() / Pb["EW_U15"].sum()
    un = 100 * Bb["ALO"].sum() / Pb["EW_15_64"].sum()
    sq = 100 * Bb["SGB2_LB"].sum() / (Pb["EW"].sum() - Pb["EW_65P"].sum())

    def tgt(v, drop):
        return round(max(0.5, v - drop) * 2) / 2

    child = M[M.age_to <= 17].measure_id.tolist()
    work = M[(M.age_from >= 15) & (M.age_to <= 64)].measure_id.tolist()
    sgb = M[(M.age_to <= 14) | ((M.age_from == 18) & (M.age_to == 64))].measure_id.tolist()
    last = pop[years[-1]]
    agg = R.groupby("measure_id", sort=True).agg(
        part=("part", "sum"), tg=("tg", "sum"), cost=("cost", "sum"), n=("mi", "nunique")
    )
    L = []
    L.append("# Zielsystem der Stadt (vom Rat beschlossen), gepflegt von der Sozialplanung.")
    L.append("# Ziele beziehen sich auf Indikatoren (indicator_id); der Basiswert wird zum")
    L.append("# Stichtag aus den Daten gelesen, der Zielwert gilt in der Einheit des Indikators.")
    L.append('leitbild: "Allen Kindern gleiche Chancen – Ungleiches ungleich behandeln"')
    L.append("goals:")
    goals = [
        ("G1", "Kinderarmut senken", "child_poverty", tgt(cp, 2.5), child),
        ("G2", "Arbeitslosigkeit verringern", "unemployment", tgt(un, 0.8), work),
        ("G3", "SGB-II-Quote senken", "sgb2_quota", tgt(sq, 1.5), sgb),
    ]
    for gid, title, ind, val, ms in goals:
        L.append(f"  - id: {gid}")
        L.append(f"    title: {title}")
        L.append(f"    indicator: {ind}")
        L.append("    baseline: {date: 2023-12-31}                  # Wert aus den Daten")
        L.append(f"    target: {{date: 2028-12-31, value: {val:.1f}}}")
        L.append(f"    measures: [{', '.join(ms)}]")
    L.append("# Maßnahmen der Träger mit Kapazität (Plätze je Monat) und Kennzahl-Zielen:")
    L.append("# {target: x} = höher ist besser, {max: x} = niedriger ist besser")
    L.append("measures:")
    for r in M.itertuples():
        area_ids = [A.area_id.iloc[a] for a in r.areas]
        tpop = int(sum(target_population(last, r.age_from, r.age_to)[a] for a in r.areas))
        g = agg.loc[r.measure_id]
        mean_tg = g.tg / g.n
        reach = 100 * mean_tg / max(tpop, 1) * 1.08
        cpp = g.cost / 100 / max(g.part, 1) * 1.04
        L.append(f"  - id: {r.measure_id}")
        L.append(f"    provider: {r.provider_id}")
        L.append(f"    title: {yq(r.title)}")
        L.append(f"    areas: [{', '.join(area_ids)}]")
        L.append(f"    target_group: {{age_from: {r.age_from}, age_to: {r.age_to}}}")
        L.append(f"    capacity: {r.capacity}")
        L.append("    targets:")
        L.append(f"      participants: {{target: {int(round(0.85 * r.capacity))}}}")
        L.append(f"      reach: {{target: {max(0.1, round(reach, 1)):.1f}}}")
        L.append("      satisfaction_top2: {target: 80.0}")
        L.append(f"      cost_per_participant: {{max: {round(cpp / 5) * 5:.1f}}}")
    write_text(out / "planning" / "goals.yaml", "\n".join(L) + "\n")


# ----------------------------------------------------------------------------------------------
# 5. driver
# ----------------------------------------------------------------------------------------------
def prepare_out(out: Path) -> None:
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise SystemExit(f"{out} exists and is not a directory")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise SystemExit(f"refusing to wipe {out}: not empty and no {MARKER} marker")
        shutil.rmtree(out)
    out.mkdir(parents=True)


def generate(
    out: Path,
    *,
    seed: int = DEFAULT_SEED,
    municipalities: int = 1,
    areas: int = 32,
    population: int = 250_000,
    providers: int = 9,
    months: int = 46,
    years: int = 7,
    verbose: bool = False,
) -> None:
    """Write a complete data root to ``out`` (wiped first if it carries the marker)."""
    out = Path(out)
    if months < 1 or years < 1:
        raise ValueError("--months and --years must be >= 1")
    t0 = time.perf_counter()

    def log(msg):
        if verbose:
            print(f"[{time.perf_counter() - t0:7.1f}s] {msg}", file=sys.stderr)

    prepare_out(out)
    defects: list[str] = []
    mun = plan_municipalities(seed, municipalities, areas, population)
    A = make_areas(seed, mun)
    log(f"areas: {len(A)} in {len(mun)} municipalities")
    write_areas(out, A, mun)
    pop_years = list(range(END_YEAR - years + 1, END_YEAR + 1))
    pop = write_population(out, A, pop_years, seed, defects)
    log("population files")
    month_range = np.arange(END_MONTH - months + 1, END_MONTH + 1)
    B = write_ba(out, A, month_range, seed, defects)
    log("Bundesagentur files")
    write_genesis(out, A, mun, pop, pop_years, seed)
    Z = make_zensus(out, A, mun, seed)
    log(f"zensus: {len(Z)} cells")
    prov = plan_providers(seed, providers, mun)
    write_facilities(out, A, mun, prov, Z, pop[pop_years[-1]], seed, defects)
    log("facilities")
    M = plan_measures(seed, A, prov)
    R = write_reports(out, A, M, seed, defects)
    log(f"reports: {len(M)} measures")
    write_surveys(out, M, seed, defects)
    write_needs(out, A, pop[pop_years[-1]], seed, defects)
    log("surveys")
    write_planning(out, A, M, R, pop, B, month_range, pop_years)
    marker = [
        "Generated by data/generate_sample.py - do not edit by hand; rerun the generator.",
        f"seed={seed} municipalities={municipalities} areas={areas} population={population} "
        f"providers={providers} months={months} years={years}",
        "",
        "Deliberate defects (the pipeline must quarantine or flag them):",
    ] + [f"- {d}" for d in defects]
    write_text(out / MARKER, "\n".join(marker) + "\n")
    log("done")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="data root to (re)write (default: data/sample next to this script)",
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--municipalities", type=int, default=1)
    ap.add_argument("--areas", type=int, default=32, help="total Sozialräume")
    ap.add_argument("--population", type=int, default=250_000, help="total population")
    ap.add_argument("--providers", type=int, default=9)
    ap.add_argument(
        "--months", type=int, default=46, help="monthly Bundesagentur Stichtage ending 2026-10"
    )
    ap.add_argument("--years", type=int, default=7, help="population Stichtage 31.12. ending 2025")
    ap.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    a = ap.parse_args(argv)
    generate(
        a.out,
        seed=a.seed,
        municipalities=a.municipalities,
        areas=a.areas,
        population=a.population,
        providers=a.providers,
        months=a.months,
        years=a.years,
        verbose=a.verbose,
    )


if __name__ == "__main__":
    main()
