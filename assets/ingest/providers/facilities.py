"""Facility inventories of the providers (`facilities.(csv|xlsx)`), located by coordinates or,
without them, by their address on the house coordinates (`assets/ingest/geocoding.py`)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from assets.ingest.formats import FACILITY_COLUMNS
from assets.ingest.geocoding import geocode, read_house_coordinates
from assets.ingest.parsing import parse_dates, parse_german_numbers
from assets.ingest.providers.inventory import FACILITIES, ProviderFile, with_context
from assets.ingest.providers.rules import Rule, count_rules, open_batch
from assets.ingest.quarantine import DeliveryBatch, IngestResult
from assets.settings import DEFAULTS

BORDER_TOLERANCE_M = 1.0
OFFER_TYPES = (
    "kita",
    "familienzentrum",
    "jugendzentrum",
    "seniorentreff",
    "beratung",
    "quartiersbuero",
)

FACILITY_LOADED = [
    "facility_id",
    "provider_id",
    "name",
    "offer_type",
    "address",
    "lon",
    "lat",
    "capacity",
    "valid_from",
    "valid_to",
    "municipality_ags",
    "area_id",
    "source_file",
    "row_number",
]


def read_facilities(
    files: list[ProviderFile],
    root: Path,
    polygons: gpd.GeoDataFrame,
    house_files: list[Path] = (),
    max_mb: float = DEFAULTS["limits"]["max_file_mb"],
) -> IngestResult:
    """Facility inventories; the area comes from the coordinates (point in polygon).

    Rules in order: field count, id present and not used before (ids are unique across
    providers), offer type present, coordinates are WGS84 numbers or, where Lon and Lat are both
    empty, the address is found in the house coordinates (`house_files`, read only when a row
    needs them; none larger than `max_mb`), inside the municipality's areas,
    capacity a whole number >= 0 (may be empty), valid-from a date, valid-to empty or a date not
    before valid-from. Coordinates are precise to about a metre, so a point within
    `BORDER_TOLERANCE_M` of a border counts as on it and goes to the smaller area_id.
    Offer types other than the six of DESIGN §6 are loaded and reported in the asset metadata.
    """
    batch = open_batch(files, FACILITIES, FACILITY_COLUMNS)
    rows = batch.rows
    frame = rows[["file_no", "row_number", "source_file"]].copy()
    frame["facility_id"] = rows["Einrichtung_ID"]
    frame["offer_type"] = rows["Angebotstyp"].str.lower()
    rules: list[Rule] = [
        (
            frame["offer_type"] == "",
            "Angebotstyp",
            frame["offer_type"],
            "empty_value",
            "Angebotstyp fehlt",
        )
    ]
    by_address = (rows["Lon"] == "") & (rows["Lat"] == "")
    rules += _coordinate_rules(frame, batch, ~by_address)
    rules += _address_rules(frame, batch, by_address, house_files, max_mb)
    rules.append(_location_rule(frame, batch, polygons, by_address))
    frame["capacity"], capacity_rules = count_rules(batch, "Kapazitaet", whole=True, required=False)
    rules += capacity_rules
    rules += _validity_rules(frame, batch)
    _id_rules(frame, batch, rules)
    for rule in rules:
        batch.rejections.reject(*rule)
    frame["name"] = rows["Name"]
    frame["address"] = rows["Adresse"]
    frame["provider_id"] = batch.of_file([f.provider_id for f in files])
    loaded = frame[batch.rejections.accepted()]
    return with_context(batch.result(loaded, FACILITY_LOADED), files)


def _coordinate_rules(frame: pd.DataFrame, batch: DeliveryBatch, given: pd.Series) -> list[Rule]:
    """Lon and Lat as numbers into `frame`; their rules where `given` (not both empty): numbers,
    and degrees of WGS84."""
    rules: list[Rule] = []
    for column, target, low, high in (("Lon", "lon", -180, 180), ("Lat", "lat", -90, 90)):
        text = batch.rows[column]
        numbers = parse_german_numbers(text, allow_symbols=False)
        spelled = batch.delivered(column)
        rules.append(
            (
                numbers.error.notna() & given,
                spelled,
                text,
                "invalid_number",
                f"{column}: keine Zahl (Dezimalkomma erwartet)",
            )
        )
        rules.append(
            (
                (numbers.value < low) | (numbers.value > high),
                spelled,
                text,
                "invalid_coordinate",
                f"{column} liegt außerhalb von {low} … {high} Grad (WGS84)",
            )
        )
        frame[target] = numbers.value
    return rules


def _address_rules(
    frame: pd.DataFrame,
    batch: DeliveryBatch,
    by_address: pd.Series,
    house_files: list[Path],
    max_mb: float,
) -> list[Rule]:
    """The rows without Lon/Lat placed on the house coordinates of their address (into
    `frame`); the rule: the address is found exactly once (the reason names close addresses)."""
    if not by_address.any():
        return []
    addresses = batch.rows.loc[by_address, "Adresse"]
    placed = geocode(addresses, read_house_coordinates(list(house_files), max_mb))
    frame.loc[by_address, "lon"], frame.loc[by_address, "lat"] = placed.lon, placed.lat
    failed = pd.Series(False, index=frame.index)
    failed[by_address] = placed.code.notna()
    return [
        (
            failed & (placed.code.reindex(frame.index) == code),
            batch.delivered("Adresse"),
            batch.rows["Adresse"],
            code,
            placed.reason.reindex(frame.index),
        )
        for code in placed.code.dropna().unique()
    ]


def _location_rule(
    frame: pd.DataFrame, batch: DeliveryBatch, polygons: gpd.GeoDataFrame, by_address: pd.Series
) -> Rule:
    """The area and municipality of each point into `frame`; the rule: the point is in one
    (a point found by its address is reported by its address)."""
    located = _locate(frame, polygons)
    frame["area_id"] = located["area_id"]
    frame["municipality_ags"] = located["municipality_ags"]
    rows = batch.rows
    return (
        frame["area_id"].isna(),
        pd.Series("Lon/Lat", index=rows.index).where(~by_address, batch.delivered("Adresse")),
        (rows["Lon"] + " / " + rows["Lat"]).where(~by_address, rows["Adresse"]),
        "outside_municipality",
        pd.Series("Koordinaten liegen", index=rows.index).where(
            ~by_address, "Adresse liegt laut Hauskoordinaten"
        )
        + " in keinem Sozialraum der Kommune",
    )


def _validity_rules(frame: pd.DataFrame, batch: DeliveryBatch) -> list[Rule]:
    """The validity dates into `frame`; their rules: valid-from a date, valid-to empty or a date
    not before valid-from."""
    from_text, to_text = batch.rows["Gueltig_ab"], batch.rows["Gueltig_bis"]
    valid_from, valid_to = parse_dates(from_text), parse_dates(to_text)
    frame["valid_from"] = valid_from.dt.date
    frame["valid_to"] = valid_to.dt.date.where(valid_to.notna(), None)
    spelled_from, spelled_to = batch.delivered("Gueltig_ab"), batch.delivered("Gueltig_bis")
    return [
        (
            valid_from.isna(),
            spelled_from,
            from_text,
            "invalid_date",
            "Gueltig_ab ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ)",
        ),
        (
            (to_text != "") & valid_to.isna(),
            spelled_to,
            to_text,
            "invalid_date",
            "Gueltig_bis ist kein Datum (leer lassen, wenn offen)",
        ),
        (
            valid_to < valid_from,
            spelled_to,
            to_text,
            "invalid_period",
            "Gueltig_bis liegt vor Gueltig_ab",
        ),
    ]


def _id_rules(frame: pd.DataFrame, batch: DeliveryBatch, rules: list[Rule]) -> None:
    """Einrichtung_ID present and not used before. An id is claimed only by a row that loads,
    so the other `rules` must be known first."""
    ids = frame["facility_id"]
    later_defect = np.logical_or.reduce(
        [pd.Series(r[0]).fillna(False).to_numpy(bool) for r in rules]
    )
    repeated, earlier = _facility_duplicates(frame, (ids == "") | later_defect)
    reject = batch.rejections.reject
    reject(ids == "", "Einrichtung_ID", ids, "empty_value", "Einrichtung_ID fehlt")
    reject(
        repeated,
        "Einrichtung_ID",
        ids,
        "duplicate",
        "Einrichtung_ID ist doppelt (bereits in " + earlier + ")",
    )


def _facility_duplicates(frame: pd.DataFrame, other_defect: pd.Series):
    """Which rows repeat a facility id, and where the id was first used.

    An id repeats within its file, or it was loaded from an earlier file (files in batch order);
    a row rejected for another reason does not claim its id. Only ids that occur in several
    files need the file-by-file walk, which keeps it cheap.
    """
    ids = frame["facility_id"]
    repeated = frame[["file_no", "facility_id"]].duplicated()
    earlier = frame["source_file"].copy()
    files_per_id = frame.groupby("facility_id")["file_no"].transform("nunique")
    shared = (files_per_id > 1) & (ids != "")
    seen: dict[str, str] = {}
    pending: list[tuple[str, str]] = []
    current_file = None
    for position, file_no, facility, rel, within, defect in zip(
        np.flatnonzero(shared.to_numpy()),
        frame["file_no"].to_numpy()[shared.to_numpy()],
        ids.to_numpy()[shared.to_numpy()],
        frame["source_file"].to_numpy()[shared.to_numpy()],
        repeated.to_numpy()[shared.to_numpy()],
        other_defect.to_numpy()[shared.to_numpy()],
        strict=True,
    ):
        if file_no != current_file:
            seen.update(pending)
            pending, current_file = [], file_no
        index = frame.index[position]
        if facility in seen:
            repeated.loc[index] = True
            earlier.loc[index] = seen[facility]
        elif not within and not defect:
            pending.append((facility, rel))
    return repeated, earlier


def _locate(frame: pd.DataFrame, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """area_id and municipality_ags of each point (NaN outside every area), via a spatial join."""
    empty = pd.DataFrame({"area_id": None, "municipality_ags": None}, index=frame.index)
    usable = frame["lon"].notna() & frame["lat"].notna()
    if not usable.any() or polygons.empty:
        return empty
    points = gpd.GeoDataFrame(
        index=frame.index[usable],
        geometry=gpd.points_from_xy(frame.loc[usable, "lon"], frame.loc[usable, "lat"]),
        crs="EPSG:4326",
    ).to_crs(polygons.crs)
    joined = gpd.sjoin(
        points,
        polygons[["area_id", "municipality_ags", "geometry"]],
        how="inner",
        predicate="dwithin",
        distance=BORDER_TOLERANCE_M,
    )
    joined = joined.sort_values("area_id").loc[lambda j: ~j.index.duplicated(keep="first")]
    empty.loc[joined.index, ["area_id", "municipality_ags"]] = joined[
        ["area_id", "municipality_ags"]
    ].to_numpy()
    return empty
