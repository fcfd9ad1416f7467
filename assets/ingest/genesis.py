"""GENESIS / Landesdatenbank flat CSV (`ffcsv`): municipality control totals.

An ffcsv row carries one value and any number of classifying variables in column groups
`<n>_variable_code; <n>_variable_label; <n>_variable_attribute_code; <n>_variable_attribute_label`.
The group whose attribute code is an 8-digit AGS gives the municipality; the other groups are kept
as a `breakdown` text (empty means the total over all other variables). A value whose unit is
`Anzahl` (and the population `BEVSTD`) is a count and must be whole; other units (densities,
shares) keep their decimals.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from assets.ingest.delivery import open_delivery, read_guarded
from assets.ingest.parsing import (
    FUTURE_DATE,
    NOT_WHOLE_NUMBER,
    NOT_WHOLE_REASON,
    fractional,
    future_dates,
    future_reason,
    parse_dates,
    parse_german_numbers,
)
from assets.ingest.quarantine import IngestResult, RowRejections, combine

SOURCE = "genesis"
REQUIRED = ["statistics_code", "time", "value", "value_variable_code"]
LOADED_COLUMNS = [
    "municipality_ags",
    "reference_date",
    "statistics_code",
    "variable_code",
    "breakdown",
    "value",
    "symbol",
    "unit",
    "source_file",
    "row_number",
]
_GROUP = re.compile(r"^(\d+)_variable_attribute_code$")
POPULATION = "BEVSTD"


def read_genesis(paths: list[Path], root: Path, today: dt.date | None = None) -> IngestResult:
    """Every ffcsv file; `today` (the run date unless given) bounds the `time` column."""
    today = today or dt.date.today()
    results = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        results.append(read_guarded(SOURCE, path, rel, lambda p=path, r=rel: _read(p, r, today)))
    result = combine(results, LOADED_COLUMNS)
    result.loaded["reference_date"] = pd.to_datetime(result.loaded["reference_date"]).dt.date
    return result


def _read(path: Path, rel: str, today: dt.date) -> tuple[pd.DataFrame, RowRejections, dict]:
    """One file. Rules in order: field count, header, time a date not after `today`, an AGS in
    the row, value a number or symbol, whole if it is a count."""
    delivery = open_delivery(path, rel, SOURCE, REQUIRED)
    table, rejections, found = delivery.table, delivery.rejections, delivery.found
    rows = table.rows
    groups = sorted(int(m.group(1)) for h in table.header if (m := _GROUP.match(h)))
    if not delivery.refused and not groups:
        rejections.reject_all(
            rows,
            "1_variable_attribute_code",
            ";".join(table.header),
            "missing_column",
            "Spalte '1_variable_attribute_code' fehlt (kein GENESIS-ffcsv-Format)",
        )
    if delivery.refused or not groups:
        return rows.iloc[0:0], rejections, delivery.record(0)
    attrs = {g: rows[f"{g}_variable_attribute_code"].astype(str).str.strip() for g in groups}
    codes = {
        g: rows.get(f"{g}_variable_code", pd.Series("", index=rows.index)).astype(str)
        for g in groups
    }
    ags = pd.Series(None, index=rows.index, dtype=object)
    breakdown = pd.Series("", index=rows.index, dtype=object)
    for g in groups:
        is_ags = attrs[g].str.fullmatch(r"\d{8}") & ags.isna()
        ags = ags.where(~is_ags, attrs[g])
        other = ~is_ags & (attrs[g] != "")
        sep = breakdown.where(breakdown == "", breakdown + ",").where(other, breakdown)
        breakdown = sep.where(~other, sep + codes[g] + "=" + attrs[g])
    frame = pd.DataFrame(
        {"row_number": rows["row_number"], "municipality_ags": ags, "breakdown": breakdown}
    )
    time = rows[found["time"]]
    frame["reference_date"] = parse_dates(time)
    future = future_dates(time, frame["reference_date"], today)
    rejections.reject(
        frame,
        frame["reference_date"].isna() & ~future,
        "time",
        time,
        "invalid_date",
        "kein gültiges Datum in 'time'",
    )
    rejections.reject(frame, future, "time", time, FUTURE_DATE, future_reason("time", today))
    rejections.reject(
        frame,
        frame["municipality_ags"].isna(),
        "1_variable_attribute_code",
        None,
        "missing_ags",
        "kein 8-stelliger Gemeindeschlüssel in der Zeile",
    )
    value = rows[found["value"]]
    numbers = parse_german_numbers(value)
    rejections.reject(frame, numbers.error.notna(), "value", value, "invalid_value", numbers.error)
    frame["variable_code"] = rows[found["value_variable_code"]].astype(str)
    frame["unit"] = rows["value_unit"].astype(str) if "value_unit" in rows else ""
    is_count = (frame["unit"].str.strip().str.casefold() == "anzahl") | (
        frame["variable_code"].str.strip() == POPULATION
    )
    whole = fractional(numbers.value) & is_count
    rejections.reject(frame, whole, "value", value, NOT_WHOLE_NUMBER, NOT_WHOLE_REASON)
    frame["value"] = numbers.value
    frame["symbol"] = numbers.symbol
    frame["statistics_code"] = rows[found["statistics_code"]].astype(str)
    frame["source_file"] = rel
    keep = frame[rejections.accepted(frame)]
    return keep, rejections, delivery.record(len(keep))
