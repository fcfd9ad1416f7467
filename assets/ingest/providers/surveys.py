"""Satisfaction surveys of the providers (`surveys/*.csv`), one row per answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from assets.ingest.formats import SURVEY_COLUMNS
from assets.ingest.parsing import FUTURE_DATE, future_dates, parse_dates, parse_scale
from assets.ingest.providers.inventory import SURVEYS, ProviderFile, with_context
from assets.ingest.providers.rules import MeasureRef, measure_rules, open_batch
from assets.ingest.quarantine import DeliveryBatch, IngestResult

SURVEY_LOADED = [
    "provider_id",
    "measure_id",
    "survey_date",
    "question_id",
    "answer",
    "source_file",
    "row_number",
]


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
    another name both files are read and every answer counts twice. Rules: field count, measure
    (known, of this provider), date, question id present, answer a whole number 1 … 5. An answer dated after the run (`today`, injectable for tests)
    is refused: it would count in a quarter that has not begun.
    """
    batch = open_batch(files, SURVEYS, SURVEY_COLUMNS)
    rows, reject = batch.rows, batch.rejections.reject
    frame = rows[["file_no", "row_number", "source_file"]].copy()
    provider = batch.of_file([f.provider_id for f in files])
    measure_rules(frame, batch, measures, provider)
    frame["survey_date"] = _date_rules(batch, today or dt.date.today()).dt.date
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
    frame["question_id"] = question
    frame["answer"] = answers
    frame["provider_id"] = provider
    loaded = frame[batch.rejections.accepted()]
    return with_context(batch.result(loaded, SURVEY_LOADED), files)


def _date_rules(batch: DeliveryBatch, today: dt.date) -> pd.Series:
    """The answers' dates; the rules: a date, and not after the day of the run."""
    text = batch.rows["Befragungsdatum"]
    dates = parse_dates(text)
    future = future_dates(text, dates, today)
    spelled = batch.delivered("Befragungsdatum")
    reject = batch.rejections.reject
    reject(
        dates.isna() & ~future,
        spelled,
        text,
        "invalid_date",
        "Befragungsdatum ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ)",
    )
    reject(
        future,
        spelled,
        text,
        FUTURE_DATE,
        f"Befragungsdatum liegt nach dem Tag des Laufs ({today:%d.%m.%Y}); eine Antwort aus der "
        "Zukunft ist ein Tippfehler (Jahr?) und zählte in einem Quartal, das noch nicht begonnen hat",
    )
    return dates
