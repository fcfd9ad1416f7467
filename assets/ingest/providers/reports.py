"""Monthly measure reports of the providers (`reports/<YYYY-MM>.(csv|xlsx)`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest.formats import REPORT_COLUMNS
from assets.ingest.providers.inventory import REPORTS, ProviderFile, with_context
from assets.ingest.providers.rules import MeasureRef, counts, measure_rules, open_batch
from assets.ingest.quarantine import DeliveryBatch, IngestResult

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
    batch = open_batch(files, REPORTS, REPORT_COLUMNS)
    frame = batch.rows[["file_no", "row_number", "source_file"]].copy()
    provider = batch.of_file([f.provider_id for f in files])
    file_month = batch.of_file([f.month for f in files])
    measure_rules(frame, batch, measures, provider)
    _month_rules(batch, file_month)
    _area_rules(frame, batch, area_municipality, measures)
    _count_rules(frame, batch)
    frame["month"] = pd.to_datetime(file_month + "-01").dt.date
    frame["provider_id"] = provider
    _duplicate_rule(frame, batch)
    loaded = frame[batch.rejections.accepted()].assign(
        municipality_ags=lambda f: f["area_id"].map(area_municipality)
    )
    return with_context(batch.result(loaded, REPORT_LOADED), files)


def _month_rules(batch: DeliveryBatch, file_month: pd.Series) -> None:
    """Berichtsmonat is a month, and the month the file is named for."""
    month_text = batch.rows["Berichtsmonat"]
    # Excel turns a typed "2025-03" into the date 2025-03-01: the first of a month counts too
    first_day = pd.to_datetime(month_text, format="%Y-%m-%d", errors="coerce")
    month = (
        pd.to_datetime(month_text, format="%Y-%m", errors="coerce")
        .fillna(pd.to_datetime(month_text, format="%m.%Y", errors="coerce"))
        .fillna(first_day.where(first_day.dt.day == 1))
    )
    reject = batch.rejections.reject
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


def _area_rules(
    frame: pd.DataFrame,
    batch: DeliveryBatch,
    area_municipality: dict[str, str],
    measures: dict[str, MeasureRef] | None,
) -> None:
    """Raum_ID is an area of the municipality and, per goals.yaml, one of the measure's areas."""
    area = batch.rows["Raum_ID"]
    frame["area_id"] = area
    reject = batch.rejections.reject
    reject(
        area.map(area_municipality).isna(),
        "Raum_ID",
        area,
        "unknown_area",
        "Raum_ID ist kein Sozialraum der Kommune",
    )
    if measures is None:
        return
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


def _count_rules(frame: pd.DataFrame, batch: DeliveryBatch) -> None:
    """Counts whole and not negative, hours and cost not negative, and neither target-group
    nor new participants above the participants."""
    for column, target in (
        ("Teilnehmende", "participants"),
        ("davon_Zielgruppe", "target_group_participants"),
        ("Neuzugaenge", "new_participants"),
    ):
        counts(frame, batch, column, target, whole=True)
    counts(frame, batch, "Stunden", "hours", whole=False)
    counts(frame, batch, "Kosten_EUR", "cost_eur", whole=False)
    for column, target, code in (
        ("davon_Zielgruppe", "target_group_participants", "target_group_exceeds_participants"),
        ("Neuzugaenge", "new_participants", "new_exceed_participants"),
    ):
        batch.rejections.reject(
            frame[target] > frame["participants"],
            batch.delivered(column),
            batch.rows[column],
            code,
            f"{column} ist größer als Teilnehmende",
        )


def _duplicate_rule(frame: pd.DataFrame, batch: DeliveryBatch) -> None:
    """One row per measure, month and area among the rows accepted so far: later ones are
    quarantined with the place of the first."""
    duplicates = _report_duplicates(frame[batch.rejections.accepted()])
    if duplicates.empty:
        return
    flagged = frame[["source_file", "row_number"]].merge(
        duplicates, on=["source_file", "row_number"], how="left"
    )
    batch.rejections.reject(
        flagged["reason"].notna().to_numpy(),
        "Massnahme_ID",
        frame["measure_id"],
        "duplicate",
        pd.Series(flagged["reason"].to_numpy(), index=frame.index),
    )


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
