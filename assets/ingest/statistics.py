"""Small-area statistics in long format: `Stichtag;Raum_ID;Merkmal;Wert` (DESIGN §4, §5)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest.parsing import (
    match_columns,
    parse_dates,
    parse_german_numbers,
    read_semicolon_csv,
)
from assets.ingest.quarantine import IngestResult, RowRejections, combine, file_record, file_sha256

SOURCE = "small_area_statistics"
COLUMNS = ["Stichtag", "Raum_ID", "Merkmal", "Wert"]

# Merkmal codes of DESIGN §5 with a German label; anything else is reported, never guessed.
CODES: dict[str, str] = {
    "EW": "Einwohner insgesamt",
    "EW_U3": "Einwohner unter 3 Jahren",
    "EW_3_5": "Einwohner 3 bis 5 Jahre",
    "EW_6_14": "Einwohner 6 bis 14 Jahre",
    "EW_U15": "Einwohner unter 15 Jahren",
    "EW_15_17": "Einwohner 15 bis 17 Jahre",
    "EW_18_24": "Einwohner 18 bis 24 Jahre",
    "EW_15_64": "Einwohner 15 bis 64 Jahre",
    "EW_65_79": "Einwohner 65 bis 79 Jahre",
    "EW_80P": "Einwohner 80 Jahre und älter",
    "EW_65P": "Einwohner 65 Jahre und älter",
    "EW_AUSL": "Ausländische Staatsangehörige",
    "HH": "Haushalte",
    "HH_ALLEINERZ": "Alleinerziehendenhaushalte",
    "ZUZUEGE": "Zuzüge",
    "FORTZUEGE": "Fortzüge",
    "SGB2_LB": "Leistungsberechtigte SGB II",
    "SGB2_ELB": "Erwerbsfähige Leistungsberechtigte SGB II",
    "SGB2_NEF_U15": "Nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren (SGB II)",
    "SGB2_BG": "Bedarfsgemeinschaften SGB II",
    "SGB2_BG_ALLEINERZ": "Bedarfsgemeinschaften Alleinerziehender SGB II",
    "ALO": "Arbeitslose (SGB II und III)",
    "ALO_LZ": "Langzeitarbeitslose",
    "ALO_U25": "Arbeitslose unter 25 Jahren",
    "GRUSI_65P": "Empfänger Grundsicherung im Alter 65+ (SGB XII Kap. 4)",
}

_CANDIDATE_COLUMNS = [
    "row_number",
    "area_id",
    "reference_date",
    "code",
    "value",
    "symbol",
    "source_file",
]
LOADED_COLUMNS = [
    "municipality_ags",
    "area_id",
    "reference_date",
    "code",
    "value",
    "symbol",
    "source_file",
    "row_number",
]


def read_small_area_statistics(
    paths: list[Path], root: Path, area_municipality: dict[str, str]
) -> IngestResult:
    """Parse and validate every long-format file; `area_municipality` maps known area ids.

    Rules, in order: field count, date, area id, Merkmal code, value (number or symbol), value not
    negative, one value per area, date and code across all files (later duplicates are quarantined
    with a pointer to the row that was kept).
    """
    parsed: list[tuple[str, pd.DataFrame, RowRejections, dict]] = []
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
                f"Spalte {missing[0]!r} fehlt in der Kopfzeile",
            )
            parsed.append((rel, pd.DataFrame(columns=_CANDIDATE_COLUMNS), rejections, info))
            continue
        frame = pd.DataFrame(
            {
                "row_number": rows["row_number"],
                "raw_date": rows[found["Stichtag"]],
                "area_id": rows[found["Raum_ID"]].astype(str).str.strip(),
                "code": rows[found["Merkmal"]].astype(str).str.strip(),
                "raw_value": rows[found["Wert"]],
            }
        )
        frame["reference_date"] = parse_dates(frame["raw_date"])
        rejections.reject(
            frame,
            frame["reference_date"].isna(),
            "Stichtag",
            frame["raw_date"],
            "invalid_date",
            "kein gültiges Datum (erwartet JJJJ-MM-TT oder TT.MM.JJJJ)",
        )
        unknown_area = frame["area_id"].map(area_municipality).isna()
        rejections.reject(
            frame,
            unknown_area,
            "Raum_ID",
            frame["area_id"],
            "unknown_area",
            "Raum_ID ist in keiner Sozialraum-Geometrie enthalten",
        )
        unknown_code = ~frame["code"].isin(CODES.keys())
        rejections.reject(
            frame,
            unknown_code,
            "Merkmal",
            frame["code"],
            "unknown_code",
            "unbekannter Merkmal-Code (siehe Merkmalskatalog im README)",
        )
        numbers = parse_german_numbers(frame["raw_value"])
        rejections.reject(
            frame, numbers.error.notna(), "Wert", frame["raw_value"], "invalid_value", numbers.error
        )
        rejections.reject(
            frame,
            numbers.value < 0,
            "Wert",
            frame["raw_value"],
            "negative_value",
            "negative Anzahl",
        )
        frame["value"] = numbers.value
        frame["symbol"] = numbers.symbol
        frame["source_file"] = rel
        keep = rejections.accepted(frame)
        parsed.append((rel, frame[keep], rejections, info))

    candidates = pd.concat([p[1] for p in parsed], ignore_index=True) if parsed else None
    duplicate_info = _duplicates(candidates) if candidates is not None else None
    results = []
    for rel, frame, rejections, info in parsed:
        if duplicate_info is not None and not frame.empty:
            dups = duplicate_info[duplicate_info["source_file"] == rel]
            mask = frame["row_number"].isin(dups["row_number"])
            reasons = frame[["row_number"]].merge(dups, on="row_number", how="left")["reason"]
            reasons.index = frame.index
            rejections.reject(frame, mask, "Merkmal", frame["code"], "duplicate", reasons)
            frame = frame[rejections.accepted(frame)]
        frame = frame.assign(municipality_ags=frame["area_id"].map(area_municipality))
        results.append(
            (
                frame,
                rejections,
                file_record(
                    SOURCE,
                    rel,
                    info["sha256"],
                    info["encoding"],
                    info["rows_in"],
                    len(frame),
                    rejections.count,
                ),
            )
        )
    result = combine(results, LOADED_COLUMNS)
    result.loaded["reference_date"] = pd.to_datetime(result.loaded["reference_date"]).dt.date
    return result


def _duplicates(candidates: pd.DataFrame) -> pd.DataFrame:
    """Rows that repeat an (area, date, code) seen earlier (file order, then line order)."""
    key = ["area_id", "reference_date", "code"]
    ordered = candidates.sort_values(["source_file", "row_number"], kind="stable")
    dup = ordered.duplicated(key, keep="first")
    if not dup.any():
        return pd.DataFrame(columns=["source_file", "row_number", "reason"])
    first = ordered[~dup].set_index(key)[["source_file", "row_number"]]
    later = ordered[dup].join(first, on=key, rsuffix="_first")
    later["reason"] = (
        "doppelter Wert für Raum, Stichtag und Merkmal; gilt bereits aus "
        + later["source_file_first"]
        + " Zeile "
        + later["row_number_first"].astype(str)
    )
    return later[["source_file", "row_number", "reason"]]
