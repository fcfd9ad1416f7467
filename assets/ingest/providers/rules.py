"""What the provider readers share: the batch of one kind's files and the rules on measures and
counts. Reasons are written for a provider's clerk: they say what is wrong and what is expected."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from assets.ingest.empty_files import with_empty_files
from assets.ingest.parsing import parse_german_numbers
from assets.ingest.providers.inventory import ProviderFile
from assets.ingest.quarantine import DeliveryBatch, open_deliveries


@dataclass(frozen=True)
class MeasureRef:
    """What the readers need to know of a measure defined in `planning/goals.yaml`."""

    provider_id: str
    areas: tuple[str, ...]


def open_batch(files: list[ProviderFile], source: str, expected: list[str]) -> DeliveryBatch:
    """All files of one kind as one batch; a 0-byte file is reported (`empty_file`)."""
    paths, rels = [f.path for f in files], [f.rel for f in files]
    batch = open_deliveries(paths, rels, source, expected)
    batch.file_level = with_empty_files(batch.file_level, paths, rels, source)
    return batch


Rule = tuple  # (mask, column as delivered, offending values, reason_code, reason): one rejection


def count_rules(
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


def counts(
    frame: pd.DataFrame,
    batch: DeliveryBatch,
    column: str,
    target: str,
    whole: bool,
    required: bool = True,
) -> None:
    """Parse a count column into `frame[target]` and apply its rules."""
    frame[target], rules = count_rules(batch, column, whole, required)
    for rule in rules:
        batch.rejections.reject(*rule)


def measure_rules(
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
