"""Facility addresses placed offline on official house coordinates (SPEC §6, DESIGN §4).

A provider may send `Adresse` without `Lon`/`Lat`. The municipality's house-coordinates file
(`geodata/hauskoordinaten/`: Hauskoordinaten Deutschland, HK-DE, or NRW Gebäudereferenzen,
gebref) gives each official address a point; an address is placed only on an exact match of
street, house number and suffix after normalising the spelling (ß/ss, umlauts, "Str."/"Straße",
case, blanks and hyphens), narrowed by postcode or place when the address names one. Anything
else is reported with the closest addresses of the file, so the provider can correct the
spelling: a facility placed by guess would count in the wrong Sozialraum without anyone noticing.

Both layouts have no header; the layout is told by the field count (18 HK-DE, 21 gebref). A
state-wide file has millions of rows, so the index is built once per run and every step is a
vectorised pandas operation (street names are normalised once per distinct name). A file larger
than `limits.max_file_mb` is not opened, like any landing file: it is named in the reason of
every address that could not be placed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyproj import Transformer

from assets.settings import DEFAULTS

# field positions (0-based) of the two layouts: street, number, suffix, postcode, place, quality,
# east, north, zone (None: the zone is the prefix of East)
HK_DE = dict(street=13, number=9, suffix=10, postcode=14, place=15, quality=2, east=11, north=12)
GEBREF = dict(street=14, number=15, suffix=16, place=10, quality=2, zone=17, east=18, north=19)
LAYOUTS = {18: ("HK-DE", HK_DE), 21: ("gebref", GEBREF)}
# quality A: official number, point in the building; B: official number, point on the parcel;
# C is a cadastre-internal number (no postal address), so it is never matched
USABLE_QUALITY = ("A", "B")
ZONE_FACTOR = 1_000_000  # East with zone prefix: 32384512.310 = zone 32, East 384512.310
KEYS = ["street", "number", "suffix", "postcode", "place"]  # an address, normalised
INDEX_COLUMNS = [*KEYS, "street_name", "place_name", "x", "y", "zone"]
CANDIDATES = 3
NO_HOUSE_COORDINATES = "no_house_coordinates"
NO_HOUSE_COORDINATES_REASON = (
    "Lon/Lat fehlen und es liegt keine Hauskoordinaten-Datei vor (geodata/hauskoordinaten/, "
    "HK-DE oder NRW-Gebäudereferenzen); bitte Lon/Lat angeben"
)

# "Marktstraße 3a, 59901 Musterstadt": street, number, suffix, then optionally postcode and place
ADDRESS = re.compile(
    r"^\s*(?P<street>.*?[^\d\s,/\-])\s*(?P<number>\d+)\s*(?P<suffix>[a-zA-Z])?\s*"
    r"(?:,\s*(?P<postcode>\d{5})?\s*(?P<place>[^,]*?))?\s*$"
)
SPELLINGS = [
    (r"ß", "ss"),
    (r"ä", "ae"),
    (r"ö", "oe"),
    (r"ü", "ue"),
    (r"str\.|str\b", "strasse"),
    (r"pl\.|pl\b", "platz"),
    (r"[\s\-\.]+", ""),
]


@dataclass
class HouseCoordinates:
    """The usable addresses of all house-coordinates files, one row per normalised address
    (`INDEX_COLUMNS`; x/y in ETRS89/UTM of `zone`), and a German note per file not read."""

    index: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    # normalised street -> (spelled, first row, end row) in `index`, sorted by street
    streets: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.index.empty


def per_distinct(values: pd.Series, normalise) -> pd.Series:
    """`normalise` (Series -> Series) applied once per distinct value: a state-wide file repeats
    its streets, numbers and places millions of times, and string methods are slow per row."""
    codes, uniques = pd.factorize(values.fillna(""))
    done = normalise(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
    return pd.Series(done[codes] if len(done) else "", index=values.index, dtype=object)


def _street(text: pd.Series) -> pd.Series:
    text = text.str.casefold()
    for pattern, spelled in SPELLINGS:
        text = text.str.replace(pattern, spelled, regex=True)
    return text


def _number(text: pd.Series) -> pd.Series:
    text = text.str.strip().str.lstrip("0")
    return text.where(text.str.fullmatch(r"\d+"), "")


def normalise_street(names: pd.Series) -> pd.Series:
    """One spelling per street name: casefold, ß/umlauts spelled out, "Str."/"Pl." written in
    full, blanks, hyphens and dots dropped ("Große Str." = "Grosse Straße" = "grossestrasse")."""
    return per_distinct(names, _street)


def normalise_number(numbers: pd.Series) -> pd.Series:
    """The house number without leading zeros ("007" = "7"); empty where it is no number."""
    return per_distinct(numbers, _number)


def normalise_suffix(suffixes: pd.Series) -> pd.Series:
    return per_distinct(suffixes, lambda t: t.str.replace(r"\s+", "", regex=True).str.casefold())


def _stripped(values: pd.Series) -> pd.Series:
    return per_distinct(values, lambda t: t.str.strip())


def read_house_coordinates(
    paths: list[Path], max_mb: float = DEFAULTS["limits"]["max_file_mb"]
) -> HouseCoordinates:
    """All files read into one index; a file larger than `max_mb` (`limits.max_file_mb`, the
    limit of every landing file) or of unknown layout is left out with a note."""
    frames, problems = [], []
    for path in paths:
        frame = _too_large(path, max_mb) or _read_layout(path)
        if isinstance(frame, str):
            problems.append(f"{_shown(path)}: {frame}")
        else:
            frames.append(frame)
    if not frames:
        return HouseCoordinates(pd.DataFrame(columns=INDEX_COLUMNS), problems)
    raw = pd.concat(frames, ignore_index=True)
    index = _build_index(raw)
    return HouseCoordinates(index, problems, _street_ranges(index))


def _street_ranges(index: pd.DataFrame) -> dict[str, tuple[str, int, int]]:
    """Where each street's rows lie in the sorted index, to list a street's numbers without a
    scan of the whole index."""
    starts = index.drop_duplicates("street")
    ends = list(starts.index[1:]) + [len(index)]
    return {
        street: (name, start, end)
        for street, name, start, end in zip(
            starts["street"], starts["street_name"], starts.index, ends, strict=True
        )
    }


def _too_large(path: Path, max_mb: float) -> str | None:
    """Why the file is not read because of its size, before it is opened: a state-wide file
    exceeds the limit, and parsing it would take several times its size in memory."""
    size_mb = path.stat().st_size / 1_048_576
    if size_mb <= max_mb:
        return None
    return (
        f"Datei mit {size_mb:.1f} MB größer als die erlaubten {max_mb:g} MB "
        "(limits.max_file_mb in planning/settings.yaml); nicht gelesen"
    )


def _shown(path: Path) -> str:
    """The file as the data team finds it in the data root (`geodata/hauskoordinaten/hk.txt`)."""
    parts = path.parts
    if "geodata" not in parts:
        return path.name
    return "/".join(parts[len(parts) - 1 - parts[::-1].index("geodata") :])


def _read_layout(path: Path) -> pd.DataFrame | str:
    """The columns of one file by its layout, or a German reason why it is not read.

    UTF-8 since HK-DE v4.2 and in gebref; ISO-8859-1 in HK-DE v3.1, hence the second try.
    Comment lines (`#`, as in the Entschlüsselungsdatei) are skipped.
    """
    for encoding in ("utf-8-sig", "iso-8859-1"):
        try:
            raw = pd.read_csv(
                path,
                sep=";",
                header=None,
                dtype=str,
                keep_default_na=False,
                comment="#",
                encoding=encoding,
                quoting=3,
            )
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.ParserError:
            return "Zeilen mit unterschiedlicher Feldanzahl; erwartet 18 (HK-DE) oder 21 (gebref)"
        except pd.errors.EmptyDataError:
            return "Datei ist leer"
    layout = LAYOUTS.get(raw.shape[1])
    if layout is None:
        return f"{raw.shape[1]} Felder je Zeile; erwartet 18 (HK-DE) oder 21 (gebref)"
    fields = layout[1]
    columns = {name: raw[position] for name, position in fields.items()}
    columns.setdefault("postcode", pd.Series("", index=raw.index))
    columns.setdefault("zone", pd.Series("", index=raw.index))
    return pd.DataFrame(columns)


def _build_index(raw: pd.DataFrame) -> pd.DataFrame:
    """Usable rows (quality A/B, coordinates given), normalised; of several points for the same
    address and postcode/place the best quality wins (A before B). Sorted by street, so that
    `_street_ranges` can find a street's rows."""
    quality = per_distinct(raw["quality"], lambda t: t.str.strip().str.upper())
    raw, quality = raw[quality.isin(USABLE_QUALITY)], quality[quality.isin(USABLE_QUALITY)]
    east, north = _decimals(raw["east"]), _decimals(raw["north"])
    prefixed = east >= ZONE_FACTOR
    zone = pd.to_numeric(raw["zone"], errors="coerce").where(~prefixed, east // ZONE_FACTOR)
    index = pd.DataFrame(
        {
            "street": normalise_street(raw["street"]),
            "number": normalise_number(raw["number"]),
            "suffix": normalise_suffix(raw["suffix"]),
            "postcode": _stripped(raw["postcode"]),
            "place": normalise_street(raw["place"]),
            "street_name": _stripped(raw["street"]),
            "place_name": _stripped(raw["place"]),
            "x": east.where(~prefixed, east % ZONE_FACTOR),
            "y": north,
            "zone": zone,
            "quality": quality,
        }
    )
    index = index[index["x"].notna() & index["y"].notna() & index["zone"].notna()]
    index = index[(index["street"] != "") & (index["number"] != "")]
    index = index.sort_values("quality", kind="stable").drop_duplicates(KEYS)
    index = index.sort_values(["street", "number"], kind="stable")
    return index[INDEX_COLUMNS].reset_index(drop=True)


def _decimals(text: pd.Series) -> pd.Series:
    """Coordinates with decimal comma or point (SPEC §6.2: both occur); NaN where no number.
    In pyarrow: every value is distinct, so string methods per row would dominate the run."""
    spelled = pc.replace_substring(pa.array(text.to_numpy(), type=pa.string()), ",", ".")
    number = pc.match_substring_regex(spelled, r"^\s*\d+(\.\d*)?\s*$")
    values = pc.cast(pc.if_else(number, pc.utf8_trim_whitespace(spelled), None), pa.float64())
    return pd.Series(values.to_numpy(zero_copy_only=False), index=text.index)


def _labels(rows: pd.DataFrame) -> pd.Series:
    """Addresses as a clerk writes them ("Marktstraße 3a")."""
    return rows["street_name"] + " " + rows["number"] + rows["suffix"]


@dataclass(frozen=True)
class Geocoded:
    """Per facility row: WGS84 lon/lat where placed, else a reason code and a German reason (both
    None when placed)."""

    lon: pd.Series
    lat: pd.Series
    code: pd.Series
    reason: pd.Series


def parse_addresses(addresses: pd.Series) -> pd.DataFrame:
    """Street, number, suffix, postcode and place of each address, normalised; all empty where
    the address does not read as "Straße Hausnummer[Zusatz][, PLZ Ort]"."""
    parts = addresses.fillna("").str.extract(ADDRESS).fillna("")
    return pd.DataFrame(
        {
            "street": normalise_street(parts["street"]),
            "number": normalise_number(parts["number"]),
            "suffix": normalise_suffix(parts["suffix"]),
            "postcode": parts["postcode"],
            "place": normalise_street(parts["place"]),
        },
        index=addresses.index,
    )


def geocode(addresses: pd.Series, houses: HouseCoordinates) -> Geocoded:
    """Place each address on its house coordinate (exact match after normalising).

    A postcode in the address must equal the file's (HK-DE has one; gebref has none, so there it
    narrows nothing), a place without postcode must equal the file's place name. No match or
    several points left: not placed, the reason names up to `CANDIDATES` close addresses.
    """
    lon = pd.Series(np.nan, index=addresses.index)
    lat = pd.Series(np.nan, index=addresses.index)
    code = pd.Series(None, index=addresses.index, dtype=object)
    reason = pd.Series(None, index=addresses.index, dtype=object)
    unread = f" (nicht gelesen: {'; '.join(houses.problems)})" if houses.problems else ""
    if houses.empty:
        code[:] = NO_HOUSE_COORDINATES
        reason[:] = _no_index_reason(houses.problems)
        return Geocoded(lon, lat, code, reason)
    wanted = parse_addresses(addresses)
    matches = _matches(wanted, houses.index)
    count = matches.groupby("row").size().reindex(addresses.index, fill_value=0)
    single = matches[matches["row"].map(count) == 1].set_index("row")
    lon.loc[single.index], lat.loc[single.index] = _to_wgs84(single)
    for row in count.index[count == 0]:
        code[row], text = _unmatched(addresses[row], wanted.loc[row], houses)
        reason[row] = text + unread
    for row in count.index[count > 1]:
        found = matches[matches["row"] == row]
        towns = (found["postcode_file"] + " " + found["place_name"]).str.strip()
        places = ", ".join(sorted(set(_labels(found) + " in " + towns)))
        code[row] = "address_ambiguous"
        reason[row] = (
            f"Adresse ist mehrdeutig ({count[row]} Treffer: {places}); bitte PLZ und Ort angeben"
        )
    return Geocoded(lon, lat, code, reason)


def _no_index_reason(problems: list[str]) -> str:
    """Why no address can be placed: no file, or none of the files could be read (each named
    with its reason, so the data team knows which file to fix)."""
    if not problems:
        return NO_HOUSE_COORDINATES_REASON
    return (
        "Lon/Lat fehlen und keine Hauskoordinaten-Datei konnte gelesen werden ("
        + "; ".join(problems)
        + "); bitte Lon/Lat angeben"
    )


def _matches(wanted: pd.DataFrame, index: pd.DataFrame) -> pd.DataFrame:
    """Index rows equal in street, number and suffix, narrowed by postcode and place (one merge
    on the keys: no scan of the index per address)."""
    found = (
        wanted.rename_axis("row")
        .reset_index()
        .merge(index, on=["street", "number", "suffix"], suffixes=("", "_file"))
    )
    found = found[found["street"] != ""]
    by_postcode = (found["postcode"] == "") | (found["postcode_file"] == "")
    by_postcode |= found["postcode"] == found["postcode_file"]
    by_place = (found["postcode"] != "") | (found["place"] == "")
    by_place |= found["place"] == found["place_file"]
    return found[by_postcode & by_place]


def _to_wgs84(points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """ETRS89/UTM (EPSG:258zz by zone) to WGS84 lon/lat, one transformation per zone."""
    lon = np.full(len(points), np.nan)
    lat = np.full(len(points), np.nan)
    for zone in points["zone"].unique():
        part = (points["zone"] == zone).to_numpy()
        to_wgs84 = Transformer.from_crs(f"EPSG:{25800 + int(zone)}", "EPSG:4326", always_xy=True)
        lon[part], lat[part] = to_wgs84.transform(points["x"].to_numpy()[part], points["y"][part])
    # 7 decimals (about 1 cm, finer than any house coordinate): no float noise of the transform
    return lon.round(7), lat.round(7)


def _unmatched(address: str, wanted: pd.Series, houses: HouseCoordinates) -> tuple[str, str]:
    """Reason code and reason of an address not placed, naming the closest addresses."""
    if not address.strip():
        return "empty_value", "Lon/Lat fehlen und Adresse ist leer"
    if wanted["street"] == "" or wanted["number"] == "":
        return "address_unreadable", (
            f"Adresse „{address}“ nicht lesbar (erwartet: Straße Hausnummer[Zusatz], PLZ Ort "
            "mit einer Hausnummer, keinem Bereich wie 12-14); "
            "bitte korrigieren oder Lon/Lat angeben"
        )
    close = _candidates(wanted, houses)
    hint = f"; ähnliche Adressen: {', '.join(close)}" if close else ""
    return "address_not_found", (
        f"Adresse „{address}“ nicht in den Hauskoordinaten gefunden{hint}; "
        "bitte Schreibweise prüfen oder Lon/Lat angeben"
    )


def _candidates(wanted: pd.Series, houses: HouseCoordinates) -> list[str]:
    """Up to `CANDIDATES` addresses: the nearest numbers of the same street, else of the most
    similar street names (difflib). Similar names are sought among those with the same first
    letter and about the same length: difflib over every street of a state takes seconds."""
    street = wanted["street"]
    streets = [street] if street in houses.streets else []
    if not streets:
        pool = [s for s in houses.streets if s[:1] == street[:1] and abs(len(s) - len(street)) < 4]
        streets = difflib.get_close_matches(street, pool, n=CANDIDATES)
    found = []
    for street in streets:
        _, start, end = houses.streets[street]
        rows = houses.index.iloc[start:end]
        distance = (rows["number"].astype(int) - int(wanted["number"])).abs()
        near = rows.assign(d=distance, label=_labels(rows)).sort_values(["d", "label"])
        found += list(near["label"][:CANDIDATES])
    return found[:CANDIDATES]
