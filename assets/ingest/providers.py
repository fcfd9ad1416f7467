"""Provider deliveries: facility inventories, monthly measure reports, satisfaction surveys.

Layout (DESIGN §4): `providers/<provider_id>/facilities.(csv|xlsx)`,
`providers/<provider_id>/reports/<YYYY-MM>.(csv|xlsx)`, `providers/<provider_id>/surveys/*.csv`.
The folder name is the provider id. A file outside this pattern is reported, never guessed at.
When a provider delivers the same month (or its inventory) both as CSV and as XLSX, the newer file
is the corrected resubmission and replaces the other one, whose rows are quarantined as
`superseded` so that no row is counted twice and none is lost.

Reasons are written for a provider's clerk: they say what is wrong and what is expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from assets.ingest.parsing import (
    UnreadableFile,
    empty_table,
    parse_dates,
    parse_german_numbers,
    read_table,
)
from assets.ingest.quarantine import (
    FILE_COLUMNS,
    IngestResult,
    RowRejections,
    combine,
    empty_quarantine,
    file_record,
    file_sha256,
    open_delivery,
)

FACILITIES = "facilities"
REPORTS = "measure_reports"
SURVEYS = "satisfaction_responses"
PROVIDER_FILES = "provider_files"  # files outside the expected pattern

PROVIDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
REPORT_NAME = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\.(csv|xlsx)$", re.IGNORECASE)
FACILITIES_NAME = re.compile(r"^facilities\.(csv|xlsx)$", re.IGNORECASE)
TABLE_SUFFIXES = (".csv", ".xlsx")
BORDER_TOLERANCE_M = 1.0

FACILITY_COLUMNS = [
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
REPORT_COLUMNS = [
    "Massnahme_ID",
    "Berichtsmonat",
    "Raum_ID",
    "Teilnehmende",
    "davon_Zielgruppe",
    "Neuzugaenge",
    "Stunden",
    "Kosten_EUR",
]
SURVEY_COLUMNS = ["Massnahme_ID", "Befragungsdatum", "Frage_ID", "Antwort"]
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
REPORT_LOADED = [
    "provider_id",
    "measure_id",
    "month",
    "area_id",
    "municipality_ags",
    "participants",
    "target_group_participants",
    "new_participants",
    "hours",
    "cost_eur",
    "source_file",
    "row_number",
]
SURVEY_LOADED = [
    "provider_id",
    "measure_id",
    "survey_date",
    "question_id",
    "answer",
    "source_file",
    "row_number",
]


@dataclass(frozen=True)
class ProviderFile:
    provider_id: str
    kind: str  # facilities | report | survey
    path: Path
    rel: str
    month: str | None = None  # YYYY-MM for reports


@dataclass
class ProviderInventory:
    files: list[ProviderFile]
    unexpected: list[tuple[str, str, str]]  # provider_id, relative path, reason
    superseded: list[tuple[ProviderFile, str]]  # replaced file, relative path of its replacement

    def of_kind(self, kind: str, months: list[str] | None = None) -> list[ProviderFile]:
        return [f for f in self.files if f.kind == kind and (months is None or f.month in months)]


def discover(root: Path) -> ProviderInventory:
    """Sort every file under `providers/` into facilities, reports, surveys or unexpected."""
    base = root / "providers"
    files: list[ProviderFile] = []
    unexpected: list[tuple[str, str, str]] = []
    if not base.is_dir():
        return ProviderInventory([], [], [])
    for folder in sorted(base.iterdir()):
        provider = folder.name
        rel = folder.relative_to(root).as_posix()
        if folder.is_symlink() or not folder.is_dir() or not PROVIDER_ID.match(provider):
            unexpected.append((provider, rel, _unexpected_reason(folder, provider)))
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            rel = path.relative_to(root).as_posix()
            parts = path.relative_to(folder).parts
            kind, month = _classify(parts)
            if path.is_symlink() or kind is None:
                unexpected.append((provider, rel, _unexpected_reason(path, provider)))
            else:
                files.append(ProviderFile(provider, kind, path, rel, month))
    kept, superseded = _resolve_resubmissions(files)
    return ProviderInventory(kept, unexpected, superseded)


def _classify(parts: tuple[str, ...]) -> tuple[str | None, str | None]:
    if len(parts) == 1 and FACILITIES_NAME.match(parts[0]):
        return "facilities", None
    if len(parts) == 2 and parts[0] == "reports" and (m := REPORT_NAME.match(parts[1])):
        return "report", f"{m.group(1)}-{m.group(2)}"
    if len(parts) == 2 and parts[0] == "surveys" and parts[1].lower().endswith(TABLE_SUFFIXES):
        return "survey", None
    return None, None


def _unexpected_reason(path: Path, provider: str) -> str:
    if path.is_symlink():
        return "Verknüpfungen (Links) werden aus Sicherheitsgründen nicht gelesen"
    if not PROVIDER_ID.match(provider):
        return "Ordnername ist keine gültige Träger-ID (Buchstaben, Ziffern, - _ .)"
    return (
        "Datei passt nicht zum Ablageschema: erwartet facilities.csv/.xlsx, "
        "reports/JJJJ-MM.csv/.xlsx oder surveys/*.csv"
    )


def _resolve_resubmissions(files: list[ProviderFile]):
    """Of several files for the same provider and month (or inventory), the newest one counts."""
    groups: dict[tuple, list[ProviderFile]] = {}
    for f in files:
        key = (f.provider_id, f.kind, f.month) if f.kind != "survey" else (f.rel,)
        groups.setdefault(key, []).append(f)
    kept, superseded = [], []
    for group in groups.values():
        newest = max(group, key=lambda f: (f.path.stat().st_mtime_ns, f.rel))
        kept.append(newest)
        superseded.extend((f, newest.rel) for f in group if f is not newest)
    return sorted(kept, key=lambda f: f.rel), superseded


@dataclass(frozen=True)
class MeasureRef:
    """What the readers need to know of a measure defined in `planning/goals.yaml`."""

    provider_id: str
    areas: tuple[str, ...]


def _start(pf: ProviderFile, source: str, expected: list[str]):
    d = open_delivery(pf.path, pf.rel, source, expected)
    info = {"sha256": d.sha256, "encoding": d.table.encoding, "rows_in": d.rows_in}
    return d.table, d.rejections, d.found, d.missing, info


def _record(source: str, pf: ProviderFile, info: dict, loaded: int, rejections: RowRejections):
    return file_record(
        source, pf.rel, info["sha256"], info["encoding"], info["rows_in"], loaded, rejections.count
    )


def _counts(frame, rows, rejections, column, target, whole: bool, required: bool = True):
    numbers = parse_german_numbers(rows[column], allow_symbols=False)
    error = numbers.error
    if not required:
        error = error.where(rows[column].astype(str).str.strip() != "", None)
    rejections.reject(
        frame, error.notna(), column, rows[column], "invalid_number", f"{column}: keine Zahl"
    )
    rejections.reject(
        frame,
        numbers.value < 0,
        column,
        rows[column],
        "negative_value",
        f"{column} darf nicht negativ sein",
    )
    if whole:
        fractional = numbers.value.notna() & (numbers.value % 1 != 0)
        rejections.reject(
            frame,
            fractional,
            column,
            rows[column],
            "not_whole_number",
            f"{column} muss eine ganze Zahl sein",
        )
    frame[target] = numbers.value


def _measure_rules(frame, rows, rejections, found, measures, provider_id) -> None:
    measure = rows[found["Massnahme_ID"]].astype(str).str.strip()
    frame["measure_id"] = measure
    rejections.reject(
        frame, measure == "", "Massnahme_ID", measure, "empty_value", "Massnahme_ID fehlt"
    )
    if measures is None:
        return
    known = measure.map(measures).notna()  # a dict lookup per row; isin would rebuild a table
    rejections.reject(
        frame,
        ~known,
        "Massnahme_ID",
        measure,
        "unknown_measure",
        "Maßnahme ist im Zielsystem (goals.yaml) nicht angelegt",
    )
    owner = measure.map(lambda m: measures[m].provider_id if m in measures else provider_id)
    rejections.reject(
        frame,
        owner != provider_id,
        "Massnahme_ID",
        measure,
        "measure_of_other_provider",
        "Maßnahme gehört laut Zielsystem zu Träger " + owner.astype(str),
    )


def read_reports(
    files: list[ProviderFile],
    root: Path,
    area_municipality: dict[str, str],
    measures: dict[str, MeasureRef] | None,
) -> IngestResult:
    """Monthly measure reports. `measures` is None when no goals.yaml defines measures.

    Rules in order: field count, measure (known, of this provider), Berichtsmonat equals the file
    name, area (known, one of the measure's areas), counts (whole, not negative), hours and cost
    (not negative), target-group and new participants not above participants, one row per
    measure, month and area (later duplicates quarantined).
    """
    parsed = []
    for pf in files:
        table, rejections, found, missing, info = _start(pf, REPORTS, REPORT_COLUMNS)
        rows = table.rows
        frame = pd.DataFrame({"row_number": rows["row_number"]})
        if not missing:
            _measure_rules(frame, rows, rejections, found, measures, pf.provider_id)
            month_text = rows[found["Berichtsmonat"]].astype(str).str.strip()
            month = pd.to_datetime(month_text, format="%Y-%m", errors="coerce").fillna(
                pd.to_datetime(month_text, format="%m.%Y", errors="coerce")
            )
            rejections.reject(
                frame,
                month.isna(),
                "Berichtsmonat",
                month_text,
                "invalid_month",
                "Berichtsmonat ist kein Monat (erwartet JJJJ-MM)",
            )
            rejections.reject(
                frame,
                month.dt.strftime("%Y-%m") != pf.month,
                "Berichtsmonat",
                month_text,
                "month_mismatch",
                f"Berichtsmonat passt nicht zum Dateinamen ({pf.month})",
            )
            area = rows[found["Raum_ID"]].astype(str).str.strip()
            frame["area_id"] = area
            rejections.reject(
                frame,
                area.map(area_municipality).isna(),
                "Raum_ID",
                area,
                "unknown_area",
                "Raum_ID ist kein Sozialraum der Kommune",
            )
            if measures is not None:
                outside = [
                    a not in measures[m].areas if m in measures else False
                    for m, a in zip(frame["measure_id"], area, strict=True)
                ]
                rejections.reject(
                    frame,
                    pd.Series(outside, index=frame.index),
                    "Raum_ID",
                    area,
                    "area_not_in_measure",
                    "Sozialraum gehört laut Zielsystem nicht zu dieser Maßnahme",
                )
            for column, target in (
                ("Teilnehmende", "participants"),
                ("davon_Zielgruppe", "target_group_participants"),
                ("Neuzugaenge", "new_participants"),
            ):
                _counts(frame, rows, rejections, found[column], target, whole=True)
            _counts(frame, rows, rejections, found["Stunden"], "hours", whole=False)
            _counts(frame, rows, rejections, found["Kosten_EUR"], "cost_eur", whole=False)
            rejections.reject(
                frame,
                frame["target_group_participants"] > frame["participants"],
                found["davon_Zielgruppe"],
                rows[found["davon_Zielgruppe"]],
                "target_group_exceeds_participants",
                "davon_Zielgruppe ist größer als Teilnehmende",
            )
            rejections.reject(
                frame,
                frame["new_participants"] > frame["participants"],
                found["Neuzugaenge"],
                rows[found["Neuzugaenge"]],
                "new_exceed_participants",
                "Neuzugaenge ist größer als Teilnehmende",
            )
            frame["month"] = pd.Timestamp(f"{pf.month}-01").date()
        frame["provider_id"] = pf.provider_id
        frame["source_file"] = pf.rel
        parsed.append((pf, frame, rejections, info, missing))

    candidates = [f[rj.accepted(f)] for _, f, rj, _, missing in parsed if not missing]
    duplicates = _report_duplicates(pd.concat(candidates) if candidates else None)
    results = []
    for pf, frame, rejections, info, missing in parsed:
        if missing:
            results.append(
                (
                    pd.DataFrame(columns=REPORT_LOADED),
                    rejections,
                    _record(REPORTS, pf, info, 0, rejections),
                )
            )
            continue
        dup = duplicates.get(pf.rel, {})
        mask = frame["row_number"].isin(dup.keys())
        reasons = frame["row_number"].map(dup)
        rejections.reject(frame, mask, "Massnahme_ID", frame["measure_id"], "duplicate", reasons)
        loaded = frame[rejections.accepted(frame)].assign(
            municipality_ags=lambda f: f["area_id"].map(area_municipality)
        )
        results.append((loaded, rejections, _record(REPORTS, pf, info, len(loaded), rejections)))
    return _with_context(combine(results, REPORT_LOADED), files)


def _report_duplicates(candidates: pd.DataFrame | None) -> dict[str, dict[int, str]]:
    """file -> {row_number: reason} for rows repeating a measure, month and area seen before."""
    if candidates is None or candidates.empty:
        return {}
    key = ["measure_id", "month", "area_id"]
    ordered = candidates.sort_values(["provider_id", "source_file", "row_number"], kind="stable")
    dup = ordered.duplicated(key, keep="first")
    first = ordered[~dup].set_index(key)[["source_file", "row_number"]]
    later = ordered[dup].join(first, on=key, rsuffix="_first")
    out: dict[str, dict[int, str]] = {}
    for row in later.itertuples():
        out.setdefault(row.source_file, {})[row.row_number] = (
            f"Zeile doppelt: Maßnahme {row.measure_id}, Sozialraum {row.area_id} und Monat sind "
            f"bereits gemeldet in {row.source_file_first} Zeile {row.row_number_first}"
        )
    return out


def read_facilities(
    files: list[ProviderFile], root: Path, polygons: gpd.GeoDataFrame
) -> IngestResult:
    """Facility inventories; the area comes from the coordinates (point in polygon).

    Rules in order: field count, id present and not used before (ids are unique across
    providers), offer type present, coordinates are WGS84 numbers inside the municipality's areas,
    capacity a whole number >= 0 (may be empty), valid-from a date, valid-to empty or a date not
    before valid-from. Coordinates are precise to about a metre, so a point within
    `BORDER_TOLERANCE_M` of a border counts as on it and goes to the smaller area_id.
    Offer types other than the six of DESIGN §6 are loaded and reported in the asset metadata.
    """
    results = []
    seen: dict[str, str] = {}
    for pf in files:
        table, rejections, found, missing, info = _start(pf, FACILITIES, FACILITY_COLUMNS)
        rows = table.rows
        if missing:
            results.append(
                (
                    pd.DataFrame(columns=FACILITY_LOADED),
                    rejections,
                    _record(FACILITIES, pf, info, 0, rejections),
                )
            )
            continue
        frame = pd.DataFrame({"row_number": rows["row_number"]})
        ids = rows[found["Einrichtung_ID"]].astype(str).str.strip()
        frame["facility_id"] = ids
        rejections.reject(
            frame, ids == "", "Einrichtung_ID", ids, "empty_value", "Einrichtung_ID fehlt"
        )
        repeated = ids.duplicated() | ids.isin(seen.keys())
        earlier = ids.map(lambda i, here=pf.rel: seen.get(i, here))
        rejections.reject(
            frame,
            repeated,
            "Einrichtung_ID",
            ids,
            "duplicate",
            "Einrichtung_ID ist doppelt (bereits in " + earlier + ")",
        )
        offer = rows[found["Angebotstyp"]].astype(str).str.strip().str.lower()
        frame["offer_type"] = offer
        rejections.reject(
            frame, offer == "", "Angebotstyp", offer, "empty_value", "Angebotstyp fehlt"
        )
        for column, target, low, high in (("Lon", "lon", -180, 180), ("Lat", "lat", -90, 90)):
            numbers = parse_german_numbers(rows[found[column]], allow_symbols=False)
            rejections.reject(
                frame,
                numbers.error.notna(),
                found[column],
                rows[found[column]],
                "invalid_number",
                f"{column}: keine Zahl (Dezimalkomma erwartet)",
            )
            rejections.reject(
                frame,
                (numbers.value < low) | (numbers.value > high),
                found[column],
                rows[found[column]],
                "invalid_coordinate",
                f"{column} liegt außerhalb von {low} … {high} Grad (WGS84)",
            )
            frame[target] = numbers.value
        located = _locate(frame, polygons)
        frame["area_id"] = located["area_id"]
        frame["municipality_ags"] = located["municipality_ags"]
        position = rows[found["Lon"]].astype(str) + " / " + rows[found["Lat"]].astype(str)
        rejections.reject(
            frame,
            frame["area_id"].isna(),
            "Lon/Lat",
            position,
            "outside_municipality",
            "Koordinaten liegen in keinem Sozialraum der Kommune",
        )
        _counts(
            frame, rows, rejections, found["Kapazitaet"], "capacity", whole=True, required=False
        )
        valid_from = parse_dates(rows[found["Gueltig_ab"]])
        rejections.reject(
            frame,
            valid_from.isna(),
            found["Gueltig_ab"],
            rows[found["Gueltig_ab"]],
            "invalid_date",
            "Gueltig_ab ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ)",
        )
        to_text = rows[found["Gueltig_bis"]].astype(str).str.strip()
        valid_to = parse_dates(to_text)
        rejections.reject(
            frame,
            (to_text != "") & valid_to.isna(),
            found["Gueltig_bis"],
            to_text,
            "invalid_date",
            "Gueltig_bis ist kein Datum (leer lassen, wenn offen)",
        )
        rejections.reject(
            frame,
            valid_to < valid_from,
            found["Gueltig_bis"],
            to_text,
            "invalid_period",
            "Gueltig_bis liegt vor Gueltig_ab",
        )
        frame["valid_from"] = valid_from.dt.date
        frame["valid_to"] = valid_to.dt.date.where(valid_to.notna(), None)
        frame["name"] = rows[found["Name"]].astype(str).str.strip()
        frame["address"] = rows[found["Adresse"]].astype(str).str.strip()
        frame["provider_id"] = pf.provider_id
        frame["source_file"] = pf.rel
        loaded = frame[rejections.accepted(frame)]
        seen.update(dict.fromkeys(loaded["facility_id"], pf.rel))
        results.append((loaded, rejections, _record(FACILITIES, pf, info, len(loaded), rejections)))
    return _with_context(combine(results, FACILITY_LOADED), files)


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


def read_surveys(
    files: list[ProviderFile], root: Path, measures: dict[str, MeasureRef] | None
) -> IngestResult:
    """Satisfaction answers, one row per answer (1 = very satisfied … 5 = not at all).

    Identical rows are legitimate (two respondents may answer alike), so there is no duplicate
    rule. Rules: field count, measure (known, of this provider), date, question id present,
    answer a whole number 1 … 5.
    """
    results = []
    for pf in files:
        table, rejections, found, missing, info = _start(pf, SURVEYS, SURVEY_COLUMNS)
        rows = table.rows
        if missing:
            results.append(
                (
                    pd.DataFrame(columns=SURVEY_LOADED),
                    rejections,
                    _record(SURVEYS, pf, info, 0, rejections),
                )
            )
            continue
        frame = pd.DataFrame({"row_number": rows["row_number"]})
        _measure_rules(frame, rows, rejections, found, measures, pf.provider_id)
        dates = parse_dates(rows[found["Befragungsdatum"]])
        rejections.reject(
            frame,
            dates.isna(),
            found["Befragungsdatum"],
            rows[found["Befragungsdatum"]],
            "invalid_date",
            "Befragungsdatum ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ)",
        )
        question = rows[found["Frage_ID"]].astype(str).str.strip()
        rejections.reject(
            frame, question == "", "Frage_ID", question, "empty_value", "Frage_ID fehlt"
        )
        answers = parse_german_numbers(rows[found["Antwort"]], allow_symbols=False)
        out_of_range = answers.error.notna() | ~answers.value.isin([1, 2, 3, 4, 5])
        rejections.reject(
            frame,
            out_of_range,
            found["Antwort"],
            rows[found["Antwort"]],
            "answer_out_of_range",
            "Antwort muss eine ganze Zahl von 1 (sehr zufrieden) bis 5 sein",
        )
        frame["survey_date"] = dates.dt.date
        frame["question_id"] = question
        frame["answer"] = answers.value
        frame["provider_id"] = pf.provider_id
        frame["source_file"] = pf.rel
        loaded = frame[rejections.accepted(frame)]
        results.append((loaded, rejections, _record(SURVEYS, pf, info, len(loaded), rejections)))
    return _with_context(combine(results, SURVEY_LOADED), files)


def _with_context(result: IngestResult, files: list[ProviderFile]) -> IngestResult:
    """Add provider_id and period (report month, else None) to quarantine and file rows."""
    by_rel = {f.rel: f for f in files}
    for frame in (result.quarantine, result.files):
        frame["provider_id"] = frame["file"].map(lambda r: by_rel[r].provider_id)
        frame["period"] = frame["file"].map(lambda r: by_rel[r].month)
    return result


def unexpected_files(inventory: ProviderInventory) -> IngestResult:
    """One quarantine entry per file or folder outside the expected pattern (nothing is read)."""
    entries = [
        dict(
            source=PROVIDER_FILES,
            file=rel,
            row_number=None,
            column=None,
            value=None,
            reason_code="unexpected_file",
            reason=reason,
            provider_id=provider,
            period=None,
        )
        for provider, rel, reason in inventory.unexpected
    ]
    records = [
        {
            **file_record(PROVIDER_FILES, rel, "", "", 0, 0, 0),
            "provider_id": provider,
            "period": None,
        }
        for provider, rel, _ in inventory.unexpected
    ]
    return IngestResult(
        pd.DataFrame(),
        pd.DataFrame(entries) if entries else empty_quarantine(),
        pd.DataFrame(records) if records else pd.DataFrame(columns=FILE_COLUMNS),
    )


def superseded_rows(
    inventory: ProviderInventory, kind: str, source: str, months: list[str] | None = None
) -> IngestResult:
    """Every row of a file replaced by a newer delivery, quarantined as `superseded`."""
    entries, records = [], []
    expected = {"report": REPORT_COLUMNS, "facilities": FACILITY_COLUMNS}.get(kind, SURVEY_COLUMNS)
    for pf, replacement in inventory.superseded:
        if pf.kind != kind or (months is not None and pf.month not in months):
            continue
        try:
            table = read_table(pf.path, expected)
        except UnreadableFile:
            table = empty_table()
        numbers = sorted(list(table.rows["row_number"]) + list(table.width_errors["row_number"]))
        entries.extend(
            dict(
                source=source,
                file=pf.rel,
                row_number=n,
                column=None,
                value=None,
                reason_code="superseded",
                reason=f"ersetzt durch die neuere Lieferung {replacement}",
                provider_id=pf.provider_id,
                period=pf.month,
            )
            for n in numbers
        )
        records.append(
            {
                **file_record(
                    source,
                    pf.rel,
                    file_sha256(pf.path),
                    table.encoding,
                    len(numbers),
                    0,
                    len(numbers),
                ),
                "provider_id": pf.provider_id,
                "period": pf.month,
            }
        )
    return IngestResult(
        pd.DataFrame(),
        pd.DataFrame(entries) if entries else empty_quarantine(),
        pd.DataFrame(records) if records else pd.DataFrame(columns=FILE_COLUMNS),
    )
