"""GENESIS / Landesdatenbank flat CSV (`ffcsv`): municipality control totals.

An ffcsv row carries one value and any number of classifying variables in column groups
`<n>_variable_code; <n>_variable_label; <n>_variable_attribute_code; <n>_variable_attribute_label`.
The group whose attribute code is an 8-digit AGS gives the municipality; the other groups are kept
as a `breakdown` text (empty means the total over all other variables).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from assets.ingest.parsing import (
    parse_dates,
    parse_german_numbers,
)
from assets.ingest.quarantine import IngestResult, combine, open_delivery

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


def read_genesis(paths: list[Path], root: Path) -> IngestResult:
    results = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        delivery = open_delivery(path, rel, SOURCE, REQUIRED)
        table, rejections, found = delivery.table, delivery.rejections, delivery.found
        rows = table.rows
        groups = sorted(int(m.group(1)) for h in table.header if (m := _GROUP.match(h)))
        if not delivery.missing and not groups:
            rejections.reject_all(
                rows,
                "1_variable_attribute_code",
                ";".join(table.header),
                "missing_column",
                "Spalte '1_variable_attribute_code' fehlt (kein GENESIS-ffcsv-Format)",
            )
        if delivery.missing or not groups:
            results.append((rows.iloc[0:0], rejections, delivery.record(0)))
            continue
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
        frame["reference_date"] = parse_dates(rows[found["time"]])
        rejections.reject(
            frame,
            frame["reference_date"].isna(),
            "time",
            rows[found["time"]],
            "invalid_date",
            "kein gültiges Datum in 'time'",
        )
        rejections.reject(
            frame,
            frame["municipality_ags"].isna(),
            "1_variable_attribute_code",
            None,
            "missing_ags",
            "kein 8-stelliger Gemeindeschlüssel in der Zeile",
        )
        numbers = parse_german_numbers(rows[found["value"]])
        rejections.reject(
            frame,
            numbers.error.notna(),
            "value",
            rows[found["value"]],
            "invalid_value",
            numbers.error,
        )
        frame["value"] = numbers.value
        frame["symbol"] = numbers.symbol
        frame["statistics_code"] = rows[found["statistics_code"]].astype(str)
        frame["variable_code"] = rows[found["value_variable_code"]].astype(str)
        frame["unit"] = rows["value_unit"].astype(str) if "value_unit" in rows else ""
        frame["source_file"] = rel
        keep = frame[rejections.accepted(frame)]
        results.append((keep, rejections, delivery.record(len(keep))))
    result = combine(results, LOADED_COLUMNS)
    result.loaded["reference_date"] = pd.to_datetime(result.loaded["reference_date"]).dt.date
    return result
