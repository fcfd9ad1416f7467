"""The city's needs assessment (Bedarfserhebung): `surveys/needs/*.csv` (DESIGN §4).

One row per answer: `Befragung_ID;Befragtengruppe;Raum_ID;Themenfeld;Bewertung`, where a
respondent (`Befragung_ID`) rates the need in each topic from 1 (low) to 5 (high). Respondent
groups are `Bewohner` (residents) and `Fachkraft` (professionals), in any letter case.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest.parsing import parse_scale
from assets.ingest.quarantine import IngestResult, open_deliveries

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
    rels = [path.relative_to(root).as_posix() for path in paths]
    batch = open_deliveries(paths, rels, SOURCE, COLUMNS)
    rows, reject = batch.rows, batch.rejections.reject
    survey_id = rows["Befragung_ID"]
    reject(survey_id == "", "Befragung_ID", survey_id, "empty_value", "Befragung_ID fehlt")
    group_text = rows["Befragtengruppe"]
    group = group_text.str.casefold().map(GROUPS)
    reject(
        group.isna(),
        "Befragtengruppe",
        group_text,
        "unknown_group",
        "Befragtengruppe muss 'Bewohner' oder 'Fachkraft' sein",
    )
    area = rows["Raum_ID"]
    municipality = area.map(area_municipality)
    reject(
        municipality.isna(),
        "Raum_ID",
        area,
        "unknown_area",
        "Raum_ID ist in keiner Sozialraum-Geometrie enthalten",
    )
    topic = rows["Themenfeld"]
    reject(topic == "", "Themenfeld", topic, "empty_value", "Themenfeld fehlt")
    rating, off_scale = parse_scale(rows["Bewertung"])
    reject(
        off_scale,
        "Bewertung",
        rows["Bewertung"],
        "rating_out_of_range",
        "Bewertung muss eine ganze Zahl von 1 (geringer Bedarf) bis 5 (hoher Bedarf) sein",
    )
    frame = rows[["file_no", "source_file", "row_number"]].assign(
        survey_id=survey_id,
        respondent_group=group,
        municipality_ags=municipality,
        area_id=area,
        topic=topic,
        rating=rating,
    )
    repeats = _repeated_answers(frame[batch.rejections.accepted()])
    reject(repeats.notna(), "Befragung_ID", survey_id, "duplicate", repeats.reindex(frame.index))
    return batch.result(frame[batch.rejections.accepted()], LOADED_COLUMNS)


def _repeated_answers(candidates: pd.DataFrame) -> pd.Series:
    """Reason per row (index of `candidates`) repeating a respondent's rating of a topic."""
    key = ["survey_id", "topic"]
    ordered = candidates.sort_values(["source_file", "row_number"], kind="stable")
    repeated = ordered.duplicated(key, keep="first")
    first = ordered[~repeated].set_index(key)[["source_file", "row_number"]]
    later = ordered[repeated].join(first, on=key, rsuffix="_first")
    reasons = (
        "Befragung "
        + later["survey_id"]
        + " hat das Themenfeld '"
        + later["topic"]
        + "' bereits bewertet in "
        + later["source_file_first"]
        + " Zeile "
        + later["row_number_first"].astype(str)
    )
    return reasons.reindex(candidates.index)
