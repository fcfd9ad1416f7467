"""Small-area statistics in long format: `Stichtag;Raum_ID;Merkmal;Wert` (DESIGN §4, §5).

A state's delivery has millions of rows but only a few thousand distinct strings per column (area
ids, codes, dates, counts). Every column is therefore kept as codes into its distinct values and
each rule is evaluated once per distinct value, then broadcast to the rows: the same decisions as
row by row, at a fraction of the time and memory, and each string object exists once
(`statistics_table.py` reads a file into such columns). The values a statistics recipe makes of
a city's own layout go through the same rules (`statistics_recipes.py`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from assets.ingest.parsing import (
    FUTURE_DATE,
    NOT_WHOLE_NUMBER,
    NOT_WHOLE_REASON,
    UNREADABLE_FILE,
    fractional,
    future_dates,
    future_reason,
    header_refusal,
    match_columns,
    parse_dates,
    parse_german_numbers,
    unreadable_reason,
)
from assets.ingest.quarantine import IngestResult, RowRejections, combine, file_record
from assets.ingest.statistics_table import Coded, read_coded

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


_CODE_KEYS = pd.Index(list(CODES))
_DAY_NS = 86_400 * 10**9
_DUPLICATE = "doppelter Wert für Raum, Stichtag und Merkmal; gilt bereits aus "
_NONE = np.empty(0, dtype="int64")  # no rows (read-only use)


@dataclass
class StatisticsFile:
    """One file (or a recipe's sheet) after the per-file rules, waiting for the duplicate rule
    across files.

    A recipe's values are numbered 1… in reading order (`row_number` while the rules run);
    `cells` and `source_rows` (per number) say where each came from: the quarantine and the
    loaded rows then name the source row and cell (`SGB II!C21`), not the number.
    """

    rel: str
    sha256: str
    encoding: str
    rows_in: int
    rejections: RowRejections
    candidates: dict[str, np.ndarray]  # LOADED_COLUMNS of the rows that passed every file rule
    key: np.ndarray | None  # (area, date, code) of every candidate; None once duplicates ran
    cells: np.ndarray | None = None
    source_rows: np.ndarray | None = None

    def pointer(self, number: int) -> str:
        """Where the value numbered `number` is, for a message (`Zeile 7`, `Zelle SGB II!C21`)."""
        if self.cells is None:
            return f"Zeile {number}"
        return f"Zelle {self.cells[number - 1]}"


def read_small_area_statistics(
    paths: list[Path],
    root: Path,
    area_municipality: dict[str, str],
    today: dt.date | None = None,
) -> IngestResult:
    """Parse and validate every long-format file; `area_municipality` maps known area ids.

    Rules, in order: field count, header (every column once), date, date not after `today` (the
    run date unless given: a Stichtag in the future is a typo and would be published as the data's
    "as of" date), area id, Merkmal code, value (number or symbol), value not negative, value a
    whole number (every Merkmal is a count: `1,080` is 1.08, not 1080), one value per area, date
    and code across all files (later duplicates are quarantined with a pointer to the row that
    was kept). Any failure to read a file becomes one entry for that file. `combine` assembles
    quarantine and file records; the loaded rows are assembled here column by column
    (`_loaded`), as concatenating millions of rows of per-file frames would copy them three times.
    """
    today = today or dt.date.today()
    area_keys = pd.Index(list(area_municipality))
    files = [
        read_long_file(path, path.relative_to(root).as_posix(), area_municipality, area_keys, today)
        for path in paths
    ]
    return assemble(files)


def assemble(files: list[StatisticsFile]) -> IngestResult:
    """The duplicate rule across `files` (file order, then row order), then one result."""
    duplicates = _duplicates(files)
    records = [_finish(file, duplicates) for file in files]
    result = combine(
        [(pd.DataFrame(), f.rejections, record) for f, record in zip(files, records, strict=True)],
        LOADED_COLUMNS,
    )
    if any(len(file.candidates["row_number"]) for file in files):
        result.loaded = _loaded(files)
    return result


def read_long_file(
    path: Path, rel: str, area_municipality: dict[str, str], area_keys: pd.Index, today: dt.date
) -> StatisticsFile:
    """One file after the per-file rules; a file that fails to read is one located entry."""
    file = StatisticsFile(rel, "", "", 0, RowRejections(SOURCE, rel), {"row_number": _NONE}, _NONE)
    try:
        raw = path.read_bytes()
        file.sha256 = hashlib.sha256(raw).hexdigest()
        _validate(file, path, raw, area_municipality, area_keys, today)
    except MemoryError:
        raise
    except Exception as exc:  # a hostile file must not stop the others
        file = StatisticsFile(
            rel, file.sha256, "", 0, RowRejections(SOURCE, rel), {"row_number": _NONE}, _NONE
        )
        file.rejections.reject_file(UNREADABLE_FILE, unreadable_reason(exc))
    return file


def _validate(
    file: StatisticsFile,
    path: Path,
    raw: bytes,
    area_municipality: dict[str, str],
    area_keys: pd.Index,
    today: dt.date,
) -> None:
    table = read_coded(path, raw)
    rejections = file.rejections
    rejections.add_frame(table.width_errors, "wrong_field_count")
    rows = pd.DataFrame({"row_number": table.row_numbers})
    file.encoding, file.rows_in = table.encoding, len(rows) + len(table.width_errors)
    found, missing = match_columns(table.header, COLUMNS)
    refusal = header_refusal(table.header, COLUMNS, missing)
    if refusal is not None:
        column, code, reason = refusal
        rejections.reject_all(rows, column, ";".join(table.header), code, reason)
        return
    fields = [table.columns[found[name]] for name in COLUMNS]
    file.candidates, file.key = apply_rules(
        rows, fields, rejections, file.rel, area_municipality, area_keys, today
    )


def apply_rules(
    rows: pd.DataFrame,
    fields: list[Coded],
    rejections: RowRejections,
    rel: str,
    area_municipality: dict[str, str],
    area_keys: pd.Index,
    today: dt.date,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The per-file rules, each evaluated per distinct value; the accepted rows and their keys."""
    dates, areas, codes, values = fields
    date_text = pd.Series(dates.values, dtype=object)
    date = parse_dates(date_text)
    future = future_dates(date_text, date, today)
    _reject(
        rejections,
        rows,
        dates,
        date.isna() & ~future,
        "Stichtag",
        "invalid_date",
        "kein gültiges Datum (erwartet JJJJ-MM-TT oder TT.MM.JJJJ)",
    )
    _reject(
        rejections, rows, dates, future, "Stichtag", FUTURE_DATE, future_reason("Stichtag", today)
    )
    ags = pd.Series(areas.values, dtype=object).map(area_municipality)
    _reject(
        rejections,
        rows,
        areas,
        ags.isna(),
        "Raum_ID",
        "unknown_area",
        "Raum_ID ist in keiner Sozialraum-Geometrie enthalten",
    )
    _reject(
        rejections,
        rows,
        codes,
        ~pd.Series(codes.values, dtype=object).isin(CODES.keys()),
        "Merkmal",
        "unknown_code",
        "unbekannter Merkmal-Code (siehe Merkmalskatalog im README)",
    )
    numbers = parse_german_numbers(pd.Series(values.values, dtype=object))
    _reject(rejections, rows, values, numbers.error.notna(), "Wert", "invalid_value", numbers.error)
    _reject(
        rejections, rows, values, numbers.value < 0, "Wert", "negative_value", "negative Anzahl"
    )
    _reject(
        rejections,
        rows,
        values,
        fractional(numbers.value),
        "Wert",
        NOT_WHOLE_NUMBER,
        NOT_WHOLE_REASON,
    )
    keep = rejections.accepted(rows).to_numpy()
    row_numbers = rows["row_number"].to_numpy()[keep]
    candidates = {
        "municipality_ags": areas.rows(ags.to_numpy(), keep),
        "area_id": areas.rows(keep=keep),
        "reference_date": dates.rows(date.dt.date, keep),
        "code": codes.rows(keep=keep),
        "value": values.rows(numbers.value.to_numpy(), keep),
        "symbol": values.rows(numbers.symbol.to_numpy(), keep),
        "source_file": np.array([rel], dtype=object).repeat(len(row_numbers)),  # one object
        "row_number": row_numbers,
    }
    key = (
        areas.rows(area_keys.get_indexer(areas.values).astype("int64") << 23, keep)
        + dates.rows(_day_bits(date), keep)
        + codes.rows(_CODE_KEYS.get_indexer(codes.values), keep)
    )
    return candidates, key


def _day_bits(date: pd.Series) -> np.ndarray:
    """A date's part of the duplicate key: bits 5 to 22 hold the day number + 2**17.

    The key is area index (< 2**31) << 23 | day | code index (< 32): one int64 per row, no
    collisions, because `parse_dates` yields midnights and datetime64[ns] spans ±106,752 days.
    """
    days, rest = np.divmod(date.to_numpy().astype("datetime64[ns]").view("int64"), _DAY_NS)
    if rest[date.notna().to_numpy()].any():
        raise ValueError("parse_dates returned a time of day; the duplicate key needs dates")
    return (days + 2**17) << 5


def _reject(
    rejections: RowRejections,
    rows: pd.DataFrame,
    field: Coded,
    hit: pd.Series,
    column: str,
    reason_code: str,
    reason: str | pd.Series,
) -> None:
    """Quarantine the rows whose value is `hit` (per distinct value), the value as delivered.

    `reason` is one text or one per distinct value; per-row arrays are built only on a hit.
    """
    mask = field.rows(hit.to_numpy(dtype=bool, na_value=False))
    if not mask.any():
        return
    per_row = pd.Series(field.rows(), index=rows.index)
    if not isinstance(reason, str):
        reason = pd.Series(field.rows(reason.to_numpy(dtype=object)), index=rows.index)
    rejections.reject(rows, mask, column, per_row, reason_code, reason)


def _duplicates(files: list[StatisticsFile]) -> pd.DataFrame:
    """Rows that repeat an (area, date, code) seen earlier (file order, then line order).

    Files are ordered by their relative path as text, lines by number (a stable sort, so a file
    listed twice interleaves like it did row by row). The keys are released afterwards.
    """
    none = pd.DataFrame(columns=["source_file", "row_number", "reason"])
    if not files:
        return none
    names = sorted({file.rel for file in files})
    counts = [len(file.candidates["row_number"]) for file in files]
    rank = np.repeat(pd.Index(names).get_indexer([file.rel for file in files]), counts)
    row = np.concatenate([file.candidates["row_number"] for file in files])
    order = np.lexsort((row, rank))
    key = np.concatenate([file.key for file in files])[order]
    for file in files:
        file.key = None
    dup = pd.Series(key).duplicated().to_numpy()
    later = np.flatnonzero(dup)
    if len(later) == 0:
        return none
    firsts = np.flatnonzero(~dup & pd.Series(key).isin(key[later]).to_numpy())
    kept = order[firsts[pd.Index(key[firsts]).get_indexer(key[later])]]
    later = order[later]
    by_name = {}
    for file in files:
        by_name.setdefault(file.rel, file)
    names = np.asarray(names, dtype=object)
    reason = pd.Series(
        [
            f"{_DUPLICATE}{name} {by_name[name].pointer(int(number))}"
            for name, number in zip(names[rank[kept]], row[kept], strict=True)
        ],
        dtype=object,
    )
    return pd.DataFrame(
        {"source_file": names[rank[later]], "row_number": row[later], "reason": reason}
    )


def _finish(file: StatisticsFile, duplicates: pd.DataFrame) -> dict:
    """Apply the duplicate rule to one file's candidates; returns the file record."""
    dups = duplicates[duplicates["source_file"] == file.rel]
    if not dups.empty:
        frame = pd.DataFrame(
            {"row_number": file.candidates["row_number"], "code": file.candidates["code"]}
        )
        mask = frame["row_number"].isin(dups["row_number"])
        reasons = frame[["row_number"]].merge(dups, on="row_number", how="left")["reason"]
        reasons.index = frame.index
        file.rejections.reject(frame, mask, "Merkmal", frame["code"], "duplicate", reasons)
        keep = file.rejections.accepted(frame).to_numpy()
        file.candidates = {name: values[keep] for name, values in file.candidates.items()}
    if file.source_rows is not None:
        file.candidates["row_number"] = file.source_rows[file.candidates["row_number"] - 1]
    return file_record(
        SOURCE,
        file.rel,
        file.sha256,
        file.encoding,
        file.rows_in,
        len(file.candidates["row_number"]),
        file.rejections.count,
    )


def _loaded(files: list[StatisticsFile]) -> pd.DataFrame:
    """All files' loaded rows; each column is concatenated once and the per-file arrays freed."""
    files = [file for file in files if len(file.candidates["row_number"])]
    frame = pd.DataFrame(index=pd.RangeIndex(sum(len(f.candidates["row_number"]) for f in files)))
    for column in LOADED_COLUMNS:
        frame[column] = np.concatenate([file.candidates.pop(column) for file in files])
    return frame
