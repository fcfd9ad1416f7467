"""GENESIS / Landesdatenbank / Zensusdatenbank flat CSV (`ffcsv`): municipality control totals.

An ffcsv row carries one value and any number of classifying variables in column groups
`<n>_variable_code; <n>_variable_label; <n>_variable_attribute_code; <n>_variable_attribute_label`.
The regional group gives the municipality: an 8-digit AGS (`GEMEIN`) or a 12-digit ARS
(`GEOGM4` of the Zensusdatenbank), whose AGS is digits 1-5 and 10-12. Rows of other regional
levels (Kreis, Land, Bund) are quarantined with their level named, since the control totals are
compared per municipality. The other groups are kept as a `breakdown` text (empty means the total
over all other variables). A value whose unit is `Anzahl` (and the population `BEVSTD`) is a count
and must be whole; other units (densities, shares) keep their decimals. `value_q` holds a quality
letter or a symbol; a symbol stands for the value and never becomes a number other than the
product's `-` (SPEC §2.1). A table may give a figure twice, as a count and as a share (`%`) of
the same key; the count is kept and the share row skipped: named in one note per file, counted
neither as loaded nor as quarantined (SPEC §2.4.3, §7.4).

Downloads arrive as a ZIP with one CSV inside, and old downloads in the German-header layout
(`genesis_legacy`); both are read like the plain current file.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pandas as pd

from assets.ingest import genesis_legacy, zip_members
from assets.ingest.archive import max_bytes
from assets.ingest.delivery import Delivery, open_delivery, read_guarded
from assets.ingest.genesis_regions import groups, regions
from assets.ingest.parsing import (
    FUTURE_DATE,
    NOT_WHOLE_NUMBER,
    NOT_WHOLE_REASON,
    STATISTICAL_SYMBOLS,
    UnreadableFile,
    fractional,
    future_dates,
    future_reason,
    parse_dates,
    parse_german_numbers,
)
from assets.ingest.quarantine import IngestResult, RowRejections, combine
from assets.settings import DEFAULTS
from assets.wording import counted, noun

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
POPULATION = "BEVSTD"
PERCENT = "%"
SKIPPED_ROW = "skipped_row"  # SPEC §7.4: counted and named, neither loaded nor quarantined
SHOWN_ROWS = 20  # row numbers named in the note on skipped rows
_CLASSIFYING = re.compile(r"^\d+_variable_(attribute_)?code$")
QUALITY_LETTERS = {"e", "p", "r", "s"}  # endgültig, vorläufig, berichtigt, geschätzt


def read_genesis(
    paths: list[Path],
    root: Path,
    today: dt.date | None = None,
    max_mb: float = DEFAULTS["limits"]["max_file_mb"],
) -> IngestResult:
    """Every ffcsv file (`.csv`, or `.zip` with one CSV unpacking to at most `max_mb`);
    `today` (the run date unless given) bounds the `time` column."""
    today = today or dt.date.today()
    results = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        read = functools.partial(_read, path, rel, today, max_mb)
        results.append(read_guarded(SOURCE, path, rel, read))
    result = combine(results, LOADED_COLUMNS)
    result.loaded["reference_date"] = pd.to_datetime(result.loaded["reference_date"]).dt.date
    return result


def _read(
    path: Path, rel: str, today: dt.date, max_mb: float
) -> tuple[pd.DataFrame, RowRejections, dict]:
    """One file: (loaded rows, rejections, file record)."""
    if zip_members.is_zip(path):
        member = zip_members.read_member(path, _single_csv, max_bytes(max_mb))
        delivery, rows, names = _open(
            lambda expected: zip_members.open_member(path, rel, SOURCE, expected, member)
        )
    else:
        delivery, rows, names = _open(lambda expected: open_delivery(path, rel, SOURCE, expected))
    if delivery.refused:
        return rows.iloc[0:0], delivery.rejections, delivery.record(0)
    skipped = _share_beside_count(rows)
    if skipped.any():
        delivery.rejections.reject_file(
            SKIPPED_ROW, _skipped_reason(rows.loc[skipped, "row_number"]), PERCENT
        )
    keep = _validate(rows[~skipped], names, delivery.rejections, today)
    keep["source_file"] = rel
    record = delivery.record(len(keep))
    record["rows_in"] -= int(skipped.sum())  # a skipped row holds no value read (SPEC §7.4)
    return keep[LOADED_COLUMNS], delivery.rejections, record


def _share_beside_count(rows: pd.DataFrame) -> pd.Series:
    """The `%` rows whose figure the file also gives in another unit (SPEC §2.1, §2.4.3): same
    statistic, time, value_variable_code and classifying variables, so the same key in
    `genesis_values`. The count is the figure the product compares; its share would be a
    second value for the key. A `%` row without such a twin is a figure of its own and stays."""
    if "value_unit" not in rows:
        return pd.Series(False, index=rows.index)
    share = rows["value_unit"].astype(str).str.strip() == PERCENT
    if not share.any():
        return share
    variables = [c for c in rows.columns if _CLASSIFYING.match(str(c))]
    columns = ["statistics_code", "time", "value_variable_code", *variables]
    key = pd.MultiIndex.from_arrays([_stripped_codes(rows[c]) for c in columns])
    return share & key.isin(key[~share.to_numpy()])


def _stripped_codes(text: pd.Series):
    """One integer per distinct text after stripping blanks: the few distinct codes of a
    column are stripped once, not once per row."""
    codes, uniques = pd.factorize(text.astype(str))
    return pd.factorize(pd.Index(uniques).str.strip())[0][codes]


def _skipped_reason(row_numbers: pd.Series) -> str:
    shown = ", ".join(str(n) for n in row_numbers[:SHOWN_ROWS])
    more = " …" if len(row_numbers) > SHOWN_ROWS else ""
    return (
        f"{counted(len(row_numbers), 'Zeile', 'Zeilen')} mit Einheit '%' übersprungen "
        f"({noun(len(row_numbers), 'Zeile', 'Zeilen')} {shown}{more}): dieselbe Angabe steht in der Datei auch als Anzahl, und "
        "verglichen wird die Anzahl; der Anteil wird nicht geladen"
    )


def _single_csv(names: list[str]) -> tuple[str, list[str]]:
    """The one CSV of a downloaded ZIP (any folder); every other file of it is named as not
    read. No CSV or several: refused whole, never guessed."""
    csvs = [n for n in names if PurePosixPath(n).suffix.lower() == ".csv"]
    if len(csvs) != 1:
        shown = ", ".join(csvs[:5]) or "keine"
        raise UnreadableFile(
            f"ZIP-Archiv enthält {len(csvs)} CSV-Dateien ({shown}); erwartet wird genau "
            "eine (der GENESIS-Download `…_flat.csv`): bitte die gewünschte CSV-Datei "
            "einzeln oder allein im ZIP ablegen"
        )
    return csvs[0], [n for n in names if n != csvs[0]]


def _open(
    open_with: Callable[[list[str]], Delivery],
) -> tuple[Delivery, pd.DataFrame, dict[str, str]]:
    """The delivery, its rows under the current column names, and current name -> delivered.

    `open_with(expected columns)` opens the file (or the CSV of the ZIP). The layout is told
    from the header: the German one (`Statistik_Code`) is renamed, the current one needs a
    `1_variable_attribute_code` group.
    """
    delivery = open_with(REQUIRED)
    header, rows = delivery.table.header, delivery.table.rows
    if delivery.missing and genesis_legacy.is_legacy(header):
        found = genesis_legacy.layout(header)
        delivery = open_with(genesis_legacy.expected(found))
        rows = delivery.table.rows
        if isinstance(found, str):
            columns = ", ".join(c.strip() for c in genesis_legacy.value_columns(header))
            code = genesis_legacy.SEVERAL_VALUE_COLUMNS
            delivery.rejections.reject_all(rows, columns, ";".join(header), code, found)
            delivery.refused = True
        if delivery.refused:
            return delivery, rows, {}
        return delivery, *genesis_legacy.as_current(rows, found)
    names = {c: c for c in header} | delivery.found
    rows = rows.rename(columns={v: k for k, v in delivery.found.items()})
    if not delivery.refused and not groups(rows):
        delivery.rejections.reject_all(
            rows,
            "1_variable_attribute_code",
            ";".join(header),
            "missing_column",
            "Spalte '1_variable_attribute_code' fehlt (kein GENESIS-ffcsv-Format)",
        )
        delivery.refused = True
    return delivery, rows, names


def _validate(rows: pd.DataFrame, names: dict[str, str], rejections: RowRejections, today):
    """The accepted rows. Rules in order: time a date not after `today`, a municipality in the
    row, value_q a quality letter or a symbol standing for the value, value a number or symbol,
    whole if it is a count."""
    frame = regions(rows, names)
    time = rows["time"]
    frame["reference_date"] = parse_dates(time)
    future = future_dates(time, frame["reference_date"], today)
    invalid = frame["reference_date"].isna() & ~future
    column = names["time"]
    reason = f"kein gültiges Datum in '{column}'"
    rejections.reject(frame, invalid, column, time, "invalid_date", reason)
    rejections.reject(frame, future, column, time, FUTURE_DATE, future_reason(column, today))
    noted = frame[["region_code", "region_column"]].dropna().drop_duplicates()
    for code, column in noted.itertuples(index=False):
        hit = (frame["region_code"] == code) & (frame["region_column"] == column)
        rejections.reject(frame, hit, column, frame["region_value"], code, frame["region_reason"])
    value = _value_with_symbol(rows, names, frame, rejections)
    numbers = parse_german_numbers(value)
    column = names["value"]
    rejections.reject(frame, numbers.error.notna(), column, value, "invalid_value", numbers.error)
    frame["variable_code"] = rows["value_variable_code"].astype(str)
    frame["unit"] = rows["value_unit"].astype(str) if "value_unit" in rows else ""
    is_count = (frame["unit"].str.strip().str.casefold() == "anzahl") | (
        frame["variable_code"].str.strip() == POPULATION
    )
    whole = fractional(numbers.value) & is_count
    rejections.reject(frame, whole, column, value, NOT_WHOLE_NUMBER, NOT_WHOLE_REASON)
    frame["value"] = numbers.value
    frame["symbol"] = numbers.symbol
    frame["statistics_code"] = rows["statistics_code"].astype(str)
    return frame[rejections.accepted(frame)].copy()


def _value_with_symbol(rows, names, frame, rejections: RowRejections) -> pd.Series:
    """The value text, with the symbol of `value_q` standing in where the value is empty.

    `value_q` holds a quality letter (e, p, r, s) or a symbol (`.`, `x`, `/`, `...`, `-`); a
    symbol means "no number" and contradicts a number in `value`.
    """
    value = rows["value"].astype(str)
    if "value_q" not in rows:
        return value
    column = names["value_q"]
    quality = rows["value_q"].astype(str).str.strip()
    is_symbol = quality.isin(list(STATISTICAL_SYMBOLS))
    unknown = (quality != "") & ~is_symbol & ~quality.str.casefold().isin(QUALITY_LETTERS)
    reason = "unbekanntes Qualitätskennzeichen (erwartet: e, p, r, s oder ein Zeichen . x / ... -)"
    rejections.reject(frame, unknown, column, quality, "unknown_quality", reason)
    text = value.str.strip()
    conflict = is_symbol & (text != "") & (text != quality)
    rejections.reject(
        frame,
        conflict,
        column,
        quality + " / " + text,
        "symbol_with_number",
        f"das Zeichen in '{column}' steht für 'kein Zahlenwert', aber '{names['value']}' ist "
        "nicht leer; bitte die Lieferung prüfen",
    )
    return value.where(~is_symbol, quality)
