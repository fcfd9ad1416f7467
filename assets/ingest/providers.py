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

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from assets.ingest.empty_files import with_empty_files
from assets.ingest.parsing import (
    FUTURE_DATE,
    UnreadableFile,
    empty_table,
    future_dates,
    parse_dates,
    parse_german_numbers,
    parse_scale,
    read_table,
)
from assets.ingest.quarantine import (
    FILE_COLUMNS,
    DeliveryBatch,
    IngestResult,
    empty_quarantine,
    file_record,
    file_sha256,
    open_deliveries,
)

FACILITIES = "facilities"
REPORTS = "measure_reports"
SURVEYS = "satisfaction_responses"
PROVIDER_FILES = "provider_files"  # files outside the expected pattern

PROVIDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
REPORT_NAME = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\.(csv|xlsx)$", re.IGNORECASE)
FACILITIES_NAME = re.compile(r"^facilities\.(csv|xlsx)$", re.IGNORECASE)
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
        for parts, is_link in sorted(_walk(folder)):
            path = folder.joinpath(*parts)
            rel = f"providers/{provider}/{'/'.join(parts)}"
            kind, month = classify_provider_file(parts)
            if is_link or kind is None:
                unexpected.append((provider, rel, _unexpected_reason(path, provider)))
            else:
                files.append(ProviderFile(provider, kind, path, rel, month))
    kept, superseded = _resolve_resubmissions(files)
    return ProviderInventory(kept, unexpected, superseded)


def _walk(folder: Path, parts: tuple[str, ...] = ()):
    """(path parts below `folder`, is a link) of every file and link; links are not followed.

    `os.scandir` answers "is it a link, a folder?" from the directory listing itself, so a
    state-wide landing folder (100,000+ files) costs no extra system call per file.
    """
    with os.scandir(folder.joinpath(*parts)) as entries:
        for entry in entries:
            here = (*parts, entry.name)
            if entry.is_symlink():
                yield here, True
            elif entry.is_dir(follow_symlinks=False):
                yield from _walk(folder, here)
            else:
                yield here, False


def classify_provider_file(parts: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(kind, month) of a path below `providers/<id>/`; (None, None) outside the patterns.

    Surveys are `surveys/*.csv` only (DESIGN §4): unlike reports and inventories, they have no
    month or name that would tell an XLSX copy from a second survey, so an XLSX survey is
    reported as outside the pattern rather than read alongside its CSV twice.
    """
    if len(parts) == 1 and FACILITIES_NAME.match(parts[0]):
        return "facilities", None
    if len(parts) == 2 and parts[0] == "reports" and (m := REPORT_NAME.match(parts[1])):
        return "report", f"{m.group(1)}-{m.group(2)}"
    if len(parts) == 2 and parts[0] == "surveys" and parts[1].lower().endswith(".csv"):
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
        if len(group) == 1:
            kept.append(group[0])
            continue
        newest = max(group, key=lambda f: (f.path.stat().st_mtime_ns, f.rel))
        kept.append(newest)
        superseded.extend((f, newest.rel) for f in group if f is not newest)
    return sorted(kept, key=lambda f: f.rel), superseded


@dataclass(frozen=True)
class MeasureRef:
    """What the readers need to know of a measure defined in `planning/goals.yaml`."""

    provider_id: str
    areas: tuple[str, ...]


def _open(files: list[ProviderFile], source: str, expected: list[str]) -> DeliveryBatch:
    """All files of one kind as one batch; a 0-byte file is reported (`empty_file`)."""
    paths, rels = [f.path for f in files], [f.rel for f in files]
    batch = open_deliveries(paths, rels, source, expected)
    batch.file_level = with_empty_files(batch.file_level, paths, rels, source)
    return batch


Rule = tuple  # (mask, column as delivered, offending values, reason_code, reason): one rejection


def _count_rules(
    batch: DeliveryBatch, column: str, whole: bool, required: bool = True
) -> tuple[pd.Series, list[Rule]]:
    """A count column's values and its rules: a number, not negative, (if `whole`) no fraction."""
    text = batch.rows[column]
    spelled = batch.delivered(column)
    numbers = parse_german_numbers(text, allow_symbols=False)
    error = numbers.error if required else numbers.error.where(text != "", None)
    rules = [
        (error.notna(), spelled, text, "invalid_number", spelled + ": keine Zahl"),
        (numbers.value < 0, spelled, text, "negative_value", spelled + " darf nicht negativ sein"),
    ]
    if whole:
        fractional = numbers.value.notna() & (numbers.value % 1 != 0)
        rules.append(
            (fractional, spelled, text, "not_whole_number", spelled + " muss eine ganze Zahl sein")
        )
    return numbers.value, rules


def _counts(
    frame: pd.DataFrame,
    batch: DeliveryBatch,
    column: str,
    target: str,
    whole: bool,
    required: bool = True,
) -> None:
    """Parse a count column into `frame[target]` and apply its rules."""
    frame[target], rules = _count_rules(batch, column, whole, required)
    for rule in rules:
        batch.rejections.reject(*rule)


def _measure_rules(
    frame: pd.DataFrame,
    batch: DeliveryBatch,
    measures: dict[str, MeasureRef] | None,
    provider: pd.Series,
) -> None:
    measure = batch.rows["Massnahme_ID"]
    frame["measure_id"] = measure
    reject = batch.rejections.reject
    reject(measure == "", "Massnahme_ID", measure, "empty_value", "Massnahme_ID fehlt")
    if measures is None:
        return
    owners = pd.Series({m: ref.provider_id for m, ref in measures.items()}, dtype=object)
    owner = measure.map(owners)
    reject(
        owner.isna(),
        "Massnahme_ID",
        measure,
        "unknown_measure",
        "Maßnahme ist im Zielsystem (goals.yaml) nicht angelegt",
    )
    reject(
        owner != provider,
        "Massnahme_ID",
        measure,
        "measure_of_other_provider",
        "Maßnahme gehört laut Zielsystem zu Träger " + owner.fillna("").astype(str),
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
    measure, month and area (later duplicates quarantined). All files are read into one batch
    and every rule runs once over all rows.
    """
    batch = _open(files, REPORTS, REPORT_COLUMNS)
    rows, reject = batch.rows, batch.rejections.reject
    frame = rows[["file_no", "row_number", "source_file"]].copy()
    provider = batch.of_file([f.provider_id for f in files])
    file_month = batch.of_file([f.month for f in files])
    _measure_rules(frame, batch, measures, provider)
    month_text = rows["Berichtsmonat"]
    # Excel turns a typed "2025-03" into the date 2025-03-01: the first of a month counts too
    first_day = pd.to_datetime(month_text, format="%Y-%m-%d", errors="coerce")
    month = (
        pd.to_datetime(month_text, format="%Y-%m", errors="coerce")
        .fillna(pd.to_datetime(month_text, format="%m.%Y", errors="coerce"))
        .fillna(first_day.where(first_day.dt.day == 1))
    )
    reject(
        month.isna(),
        "Berichtsmonat",
        month_text,
        "invalid_month",
        "Berichtsmonat ist kein Monat (erwartet JJJJ-MM)",
    )
    reject(
        month.dt.strftime("%Y-%m") != file_month,
        "Berichtsmonat",
        month_text,
        "month_mismatch",
        "Berichtsmonat passt nicht zum Dateinamen (" + file_month.astype(str) + ")",
    )
    area = rows["Raum_ID"]
    frame["area_id"] = area
    reject(
        area.map(area_municipality).isna(),
        "Raum_ID",
        area,
        "unknown_area",
        "Raum_ID ist kein Sozialraum der Kommune",
    )
    if measures is not None:
        allowed = {(m, a) for m, ref in measures.items() for a in ref.areas}
        outside = [
            m in measures and (m, a) not in allowed
            for m, a in zip(frame["measure_id"], area, strict=True)
        ]
        reject(
            pd.Series(outside, index=frame.index, dtype=bool),
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
        _counts(frame, batch, column, target, whole=True)
    _counts(frame, batch, "Stunden", "hours", whole=False)
    _counts(frame, batch, "Kosten_EUR", "cost_eur", whole=False)
    for column, limit_text, code in (
        ("davon_Zielgruppe", "davon_Zielgruppe ist", "target_group_exceeds_participants"),
        ("Neuzugaenge", "Neuzugaenge ist", "new_exceed_participants"),
    ):
        target = "target_group_participants" if column == "davon_Zielgruppe" else "new_participants"
        reject(
            frame[target] > frame["participants"],
            batch.delivered(column),
            rows[column],
            code,
            f"{limit_text} größer als Teilnehmende",
        )
    frame["month"] = pd.to_datetime(file_month + "-01").dt.date
    frame["provider_id"] = provider
    candidates = frame[batch.rejections.accepted()]
    duplicates = _report_duplicates(candidates)
    if not duplicates.empty:
        flagged = frame[["source_file", "row_number"]].merge(
            duplicates, on=["source_file", "row_number"], how="left"
        )
        reject(
            flagged["reason"].notna().to_numpy(),
            "Massnahme_ID",
            frame["measure_id"],
            "duplicate",
            pd.Series(flagged["reason"].to_numpy(), index=frame.index),
        )
    loaded = frame[batch.rejections.accepted()].assign(
        municipality_ags=lambda f: f["area_id"].map(area_municipality)
    )
    return _with_context(batch.result(loaded, REPORT_LOADED), files)


def _report_duplicates(candidates: pd.DataFrame) -> pd.DataFrame:
    """source_file, row_number, reason of rows repeating a measure, month and area seen before."""
    key = ["measure_id", "month", "area_id"]
    ordered = candidates.sort_values(["provider_id", "source_file", "row_number"], kind="stable")
    dup = ordered.duplicated(key, keep="first")
    first = ordered[~dup].set_index(key)[["source_file", "row_number"]]
    later = ordered[dup].join(first, on=key, rsuffix="_first")
    later["reason"] = (
        "Zeile doppelt: Maßnahme "
        + later["measure_id"]
        + ", Sozialraum "
        + later["area_id"]
        + " und Monat sind bereits gemeldet in "
        + later["source_file_first"]
        + " Zeile "
        + later["row_number_first"].astype(str)
    )
    return later[["source_file", "row_number", "reason"]]


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
    batch = _open(files, FACILITIES, FACILITY_COLUMNS)
    rows, reject = batch.rows, batch.rejections.reject
    frame = rows[["file_no", "row_number", "source_file"]].copy()
    ids = rows["Einrichtung_ID"]
    frame["facility_id"] = ids
    offer = rows["Angebotstyp"].str.lower()
    frame["offer_type"] = offer
    rules: list[Rule] = [(offer == "", "Angebotstyp", offer, "empty_value", "Angebotstyp fehlt")]
    for column, target, low, high in (("Lon", "lon", -180, 180), ("Lat", "lat", -90, 90)):
        numbers = parse_german_numbers(rows[column], allow_symbols=False)
        spelled = batch.delivered(column)
        rules.append(
            (
                numbers.error.notna(),
                spelled,
                rows[column],
                "invalid_number",
                f"{column}: keine Zahl (Dezimalkomma erwartet)",
            )
        )
        rules.append(
            (
                (numbers.value < low) | (numbers.value > high),
                spelled,
                rows[column],
                "invalid_coordinate",
                f"{column} liegt außerhalb von {low} … {high} Grad (WGS84)",
            )
        )
        frame[target] = numbers.value
    located = _locate(frame, polygons)
    frame["area_id"] = located["area_id"]
    frame["municipality_ags"] = located["municipality_ags"]
    rules.append(
        (
            frame["area_id"].isna(),
            "Lon/Lat",
            rows["Lon"] + " / " + rows["Lat"],
            "outside_municipality",
            "Koordinaten liegen in keinem Sozialraum der Kommune",
        )
    )
    frame["capacity"], capacity_rules = _count_rules(
        batch, "Kapazitaet", whole=True, required=False
    )
    rules.extend(capacity_rules)
    valid_from = parse_dates(rows["Gueltig_ab"])
    to_text = rows["Gueltig_bis"]
    valid_to = parse_dates(to_text)
    spelled_from, spelled_to = batch.delivered("Gueltig_ab"), batch.delivered("Gueltig_bis")
    rules += [
        (
            valid_from.isna(),
            spelled_from,
            rows["Gueltig_ab"],
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
    # an id is claimed only by a row that loads, so the later rules must be known first
    later_defect = np.logical_or.reduce(
        [pd.Series(r[0]).fillna(False).to_numpy(bool) for r in rules]
    )
    repeated, earlier = _facility_duplicates(frame, (ids == "") | later_defect)
    reject(ids == "", "Einrichtung_ID", ids, "empty_value", "Einrichtung_ID fehlt")
    reject(
        repeated,
        "Einrichtung_ID",
        ids,
        "duplicate",
        "Einrichtung_ID ist doppelt (bereits in " + earlier + ")",
    )
    for rule in rules:
        reject(*rule)
    frame["valid_from"] = valid_from.dt.date
    frame["valid_to"] = valid_to.dt.date.where(valid_to.notna(), None)
    frame["name"] = rows["Name"]
    frame["address"] = rows["Adresse"]
    frame["provider_id"] = batch.of_file([f.provider_id for f in files])
    loaded = frame[batch.rejections.accepted()]
    return _with_context(batch.result(loaded, FACILITY_LOADED), files)


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


def read_surveys(
    files: list[ProviderFile],
    root: Path,
    measures: dict[str, MeasureRef] | None,
    today: dt.date | None = None,
) -> IngestResult:
    """Satisfaction answers, one row per answer (1 = very satisfied … 5 = not at all).

    Identical rows are legitimate (two respondents may answer alike), so there is no duplicate
    rule, and answers carry no id: a file is the unit of a delivery. A corrected survey must
    therefore be resubmitted under the same file name, which replaces the earlier one; under
    another name both files are read and every answer counts twice. Rules: field count, measure (known, of this provider), date, question id present,
    answer a whole number 1 … 5. An answer dated after the run (`today`, injectable for tests)
    is refused: it would count in a quarter that has not begun.
    """
    batch = _open(files, SURVEYS, SURVEY_COLUMNS)
    rows, reject = batch.rows, batch.rejections.reject
    frame = rows[["file_no", "row_number", "source_file"]].copy()
    provider = batch.of_file([f.provider_id for f in files])
    _measure_rules(frame, batch, measures, provider)
    dates = parse_dates(rows["Befragungsdatum"])
    today = today or dt.date.today()
    future = future_dates(rows["Befragungsdatum"], dates, today)
    reject(
        dates.isna() & ~future,
        batch.delivered("Befragungsdatum"),
        rows["Befragungsdatum"],
        "invalid_date",
        "Befragungsdatum ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ)",
    )
    reject(
        future,
        batch.delivered("Befragungsdatum"),
        rows["Befragungsdatum"],
        FUTURE_DATE,
        f"Befragungsdatum liegt nach dem Tag des Laufs ({today:%d.%m.%Y}); eine Antwort aus der "
        "Zukunft ist ein Tippfehler (Jahr?) und zählte in einem Quartal, das noch nicht begonnen hat",
    )
    question = rows["Frage_ID"]
    reject(question == "", "Frage_ID", question, "empty_value", "Frage_ID fehlt")
    answers, off_scale = parse_scale(rows["Antwort"])
    reject(
        off_scale,
        batch.delivered("Antwort"),
        rows["Antwort"],
        "answer_out_of_range",
        "Antwort muss eine ganze Zahl von 1 (sehr zufrieden) bis 5 sein",
    )
    frame["survey_date"] = dates.dt.date
    frame["question_id"] = question
    frame["answer"] = answers
    frame["provider_id"] = provider
    loaded = frame[batch.rejections.accepted()]
    return _with_context(batch.result(loaded, SURVEY_LOADED), files)


def _with_context(result: IngestResult, files: list[ProviderFile]) -> IngestResult:
    """Add provider_id and period (report month, else None) to quarantine and file rows."""
    by_rel = {f.rel: f for f in files}
    for frame in (result.quarantine, result.files):
        frame["provider_id"] = frame["file"].map(lambda r: by_rel[r].provider_id)
        frame["period"] = frame["file"].map(lambda r: by_rel[r].month)
    return result


def month_not_open(month: str, months: list[str]) -> str | None:
    """Why a report of `month` cannot be read yet or at all, given the sorted monthly partition
    months (`YYYY-MM`); None when it has its partition."""
    if month > months[-1]:
        return (
            f"Berichtsmonat {month} ist noch nicht abgeschlossen; die Datei wird nach "
            "Monatsende geladen"
        )
    if month < months[0]:
        return f"Berichtsmonat {month} liegt vor dem ersten Auswertungsmonat {months[0]}; nicht gelesen"
    return None


def unexpected_files(inventory: ProviderInventory, months: list[str]) -> IngestResult:
    """One quarantine entry per file or folder outside the expected pattern, and per report of a
    month without a partition in the sorted `months` (nothing is read); nothing goes unreported."""
    unread = list(inventory.unexpected)
    unread_codes = ["unexpected_file"] * len(unread)
    for f in inventory.of_kind("report"):
        if reason := month_not_open(f.month, months):
            unread.append((f.provider_id, f.rel, reason))
            unread_codes.append("month_not_open")
    entries = [
        dict(
            source=PROVIDER_FILES,
            file=rel,
            row_number=None,
            column=None,
            value=None,
            reason_code=code,
            reason=reason,
            provider_id=provider,
            period=None,
        )
        for (provider, rel, reason), code in zip(unread, unread_codes, strict=True)
    ]
    records = [
        {
            **file_record(PROVIDER_FILES, rel, "", "", 0, 0, 0),
            "provider_id": provider,
            "period": None,
        }
        for provider, rel, _ in unread
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
