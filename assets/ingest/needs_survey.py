"""The city's needs assessment (Bedarfserhebung): `surveys/needs/*.csv` (DESIGN §4).

One row per answer: `Befragung_ID;Befragtengruppe;Raum_ID;Themenfeld;Bewertung`, where a
respondent (`Befragung_ID`) rates the need in each topic from 1 (low) to 5 (high). Respondent
groups are `Bewohner` (residents) and `Fachkraft` (professionals), in any letter case.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest.parsing import match_columns, parse_german_numbers, read_semicolon_csv
from assets.ingest.quarantine import IngestResult, RowRejections, combine, file_record, file_sha256

SOURCE = "needs_survey"
COLUMNS = ["Befragung_ID", "Befragtengruppe", "Raum_ID", "Themenfeld", "Bewertung"]
GROUPS = {"bewohner": "residents", "fachkraft": "professionals"}
LOADED_COLUMNS = [
    "survey_id",
    "respondent_group",
    "municipality_ags",
    "area_id",
    "topic",
    "rating",
    "source_file",
    "row_number",
]


def read_needs_survey(
    paths: list[Path], root: Path, area_municipality: dict[str, str]
) -> IngestResult:
    """Parse and validate every needs-survey file; `area_municipality` maps known area ids.

    Rules, in order: field count, header complete, Befragung_ID present, respondent group known,
    area known, topic present, rating a whole number 1 … 5, one rating per respondent and topic
    across all files (a repeated answer would count one person twice; later rows are
    quarantined with a pointer to the row that was kept).
    """
    parsed = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        table = read_semicolon_csv(path)
        rejections = RowRejections(SOURCE, rel)
        rejections.add_frame(table.width_errors, "wrong_field_count")
        rows = table.rows
        found, missing = match_columns(table.header, COLUMNS)
        info = {
            "sha256": file_sha256(path),
            "encoding": table.encoding,
            "rows_in": len(rows) + len(table.width_errors),
        }
        if missing:
            rejections.reject_all(
                rows,
                missing[0],
                ";".join(table.header),
                "missing_column",
                f"Spalte {missing[0]!r} fehlt in der Kopfzeile (erwartet: {';'.join(COLUMNS)})",
            )
            parsed.append((rel, pd.DataFrame(columns=LOADED_COLUMNS), rejections, info))
            continue
        frame = _validated(rows, found, rejections, area_municipality)
        frame["source_file"] = rel
        parsed.append((rel, frame[rejections.accepted(frame)], rejections, info))

    candidates = [frame for _, frame, _, _ in parsed if not frame.empty]
    repeats = _repeated_answers(pd.concat(candidates) if candidates else None)
    results = []
    for rel, frame, rejections, info in parsed:
        if not frame.empty:
            reasons = frame["row_number"].map(repeats.get(rel, {}))
            rejections.reject(
                frame, reasons.notna(), "Befragung_ID", frame["survey_id"], "duplicate", reasons
            )
            frame = frame[rejections.accepted(frame)]
        record = file_record(
            SOURCE,
            rel,
            info["sha256"],
            info["encoding"],
            info["rows_in"],
            len(frame),
            rejections.count,
        )
        results.append((frame, rejections, record))
    return combine(results, LOADED_COLUMNS)


def _validated(
    rows: pd.DataFrame,
    found: dict[str, str],
    rejections: RowRejections,
    area_municipality: dict[str, str],
) -> pd.DataFrame:
    """The typed columns of one file; defects are recorded in `rejections` in rule order."""
    frame = pd.DataFrame({"row_number": rows["row_number"]})
    survey_id = rows[found["Befragung_ID"]].astype(str).str.strip()
    rejections.reject(
        frame, survey_id == "", "Befragung_ID", survey_id, "empty_value", "Befragung_ID fehlt"
    )
    group_text = rows[found["Befragtengruppe"]].astype(str).str.strip()
    group = group_text.str.casefold().map(GROUPS)
    rejections.reject(
        frame,
        group.isna(),
        "Befragtengruppe",
        group_text,
        "unknown_group",
        "Befragtengruppe muss 'Bewohner' oder 'Fachkraft' sein",
    )
    area = rows[found["Raum_ID"]].astype(str).str.strip()
    rejections.reject(
        frame,
        area.map(area_municipality).isna(),
        "Raum_ID",
        area,
        "unknown_area",
        "Raum_ID ist in keiner Sozialraum-Geometrie enthalten",
    )
    topic = rows[found["Themenfeld"]].astype(str).str.strip()
    rejections.reject(frame, topic == "", "Themenfeld", topic, "empty_value", "Themenfeld fehlt")
    rating = parse_german_numbers(rows[found["Bewertung"]], allow_symbols=False)
    rejections.reject(
        frame,
        rating.error.notna() | ~rating.value.isin([1, 2, 3, 4, 5]),
        "Bewertung",
        rows[found["Bewertung"]],
        "rating_out_of_range",
        "Bewertung muss eine ganze Zahl von 1 (geringer Bedarf) bis 5 (hoher Bedarf) sein",
    )
    return frame.assign(
        survey_id=survey_id,
        respondent_group=group,
        municipality_ags=area.map(area_municipality),
        area_id=area,
        topic=topic,
        rating=rating.value,
    )


def _repeated_answers(candidates: pd.DataFrame | None) -> dict[str, dict[int, str]]:
    """file -> {row_number: reason} for rows repeating a respondent's rating of a topic."""
    if candidates is None:
        return {}
    key = ["survey_id", "topic"]
    ordered = candidates.sort_values(["source_file", "row_number"], kind="stable")
    repeated = ordered.duplicated(key, keep="first")
    first = ordered[~repeated].set_index(key)[["source_file", "row_number"]]
    later = ordered[repeated].join(first, on=key, rsuffix="_first")
    out: dict[str, dict[int, str]] = {}
    for row in later.itertuples():
        out.setdefault(row.source_file, {})[row.row_number] = (
            f"Befragung {row.survey_id} hat das Themenfeld {row.topic!r} bereits bewertet "
            f"in {row.source_file_first} Zeile {row.row_number_first}"
        )
    return out
