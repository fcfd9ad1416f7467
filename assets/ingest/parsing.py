"""Format-level parsing shared by every landing-file reader.

German statistical deliveries are `;`-separated text (decoded and split in `delimited`) or XLSX,
use decimal commas and thousands points, and mark missing values with statistical symbols. Nothing
in here may turn a symbol or a malformed value into a number silently: parsers return the value,
the symbol and an error text side by side, and the caller decides what goes to quarantine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from assets.ingest.delimited import (
    WRONG_FIELD_COUNT,
    BadRow,
    FileNote,
    Records,
    parse_semicolon,
)
from assets.wording import counted

# Symbol -> meaning (German statistical practice, DESIGN §4). `-` is the only one that is a number.
STATISTICAL_SYMBOLS: dict[str, str] = {
    "-": "genau null",
    ".": "unbekannt oder geheim",
    "x": "nicht anwendbar",
    "/": "nicht sicher genug",
    "...": "Angabe fällt später an",
    "*": "anonymisiert (Bundesagentur für Arbeit: 1 oder 2 oder rückrechenbar)",
    "–": "genau Null oder auf Null geändert (Zensus: kein Wert)",
}
ZERO_SYMBOL = "-"

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_GERMAN_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")


def normalize_header(name: str) -> str:
    """Header key that is tolerant of case, umlauts, spaces and punctuation.

    `Kosten (EUR)`, `Kosten_EUR` and `kosten eur` all become `kosten_eur`; `Gültig_ab` and
    `Gueltig_ab` both become `gueltig_ab`.
    """
    text = str(name).replace("\ufeff", "").strip().casefold().translate(_UMLAUTS)
    return _NON_ALNUM.sub("_", text).strip("_")


WIDTH_ERROR_COLUMNS = ["row_number", "value", "reason_code", "reason", "column"]


@dataclass
class CsvTable:
    """A delimited file as strings, with the original line number of every data row."""

    header: list[str]
    rows: pd.DataFrame  # one column per header field (strings), plus `row_number`
    # WIDTH_ERROR_COLUMNS (value: the raw line) of rows that could not be split into the
    # header's fields: wrong field count, broken quoting, no valid text, a NUL character
    width_errors: pd.DataFrame
    encoding: str
    notes: list[FileNote] = field(default_factory=list)  # findings about the whole file


def read_semicolon_csv(path: Path, raw: bytes | None = None) -> CsvTable:
    """Read a delimited file (`raw`: its bytes, if already read or an earlier version) without
    interpreting any value (see `parse_semicolon`)."""
    return _as_table(parse_semicolon(path.read_bytes() if raw is None else raw))


def _as_table(parsed: Records) -> CsvTable:
    columns = parsed.header
    frame = pd.DataFrame(parsed.records, columns=columns, dtype=object)
    if len(set(columns)) != len(columns):
        frame.columns = [f"{c}#{i}" if columns.count(c) > 1 else c for i, c in enumerate(columns)]
    frame["row_number"] = np.asarray(parsed.numbers, dtype="int64")
    width_errors = pd.DataFrame(parsed.bad, columns=WIDTH_ERROR_COLUMNS)
    return CsvTable(columns, frame, width_errors, parsed.encoding, list(parsed.notes))


def empty_table(encoding: str = "") -> CsvTable:
    return CsvTable(
        header=[],
        rows=pd.DataFrame({"row_number": pd.Series(dtype="int64")}),
        width_errors=pd.DataFrame(columns=WIDTH_ERROR_COLUMNS),
        encoding=encoding,
    )


def match_columns(header: list[str], expected: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map expected column names onto the file's header, tolerantly.

    Returns (expected name -> header name as found, expected names that are missing).
    """
    found, missing = _match_columns(tuple(header), tuple(expected))
    return dict(found), list(missing)


@functools.lru_cache(maxsize=1024)
def _match_columns(header: tuple[str, ...], expected: tuple[str, ...]):
    """Cached: a provider's thousands of monthly files nearly always repeat one header."""
    by_key = {normalize_header(h): h for h in header}
    found: list[tuple[str, str]] = []
    missing: list[str] = []
    for name in expected:
        key = normalize_header(name)
        if key in by_key:
            found.append((name, by_key[key]))
        else:
            missing.append(name)
    return tuple(found), tuple(missing)


DUPLICATE_COLUMN = "duplicate_column"


def duplicate_column(header: list[str]) -> tuple[str, str] | None:
    """(the column as first spelled, German reason) if the header names a column twice.

    Names are compared as `match_columns` compares them (`Wert` and `WERT` are one column), so
    which of the two a reader would use is undecidable: the file is refused, never guessed.
    Empty names (trailing separators of a spreadsheet export) do not count.
    """
    return _duplicate_column(tuple(header))


@functools.lru_cache(maxsize=1024)
def _duplicate_column(header: tuple[str, ...]) -> tuple[str, str] | None:
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        key = normalize_header(name)
        if key in seen:
            first = header[seen[key] - 1]
            return first, (
                f"Spalte {first!r} steht mehrfach in der Kopfzeile (Spalten {seen[key]} und "
                f"{position}); welche gilt, ist nicht eindeutig: bitte eine davon umbenennen "
                "oder löschen"
            )
        if key:
            seen[key] = position
    return None


def missing_column_reason(missing: list[str], expected: list[str]) -> str:
    return f"Spalte {missing[0]!r} fehlt in der Kopfzeile (erwartet: {';'.join(expected)})"


def header_refusal(
    header: list[str], expected: list[str], missing: list[str]
) -> tuple[str, str, str] | None:
    """(column, reason code, reason) if the header makes every row unusable, else None: a column
    named twice (which one counts is undecidable) or an expected column missing."""
    duplicate = duplicate_column(header)
    if duplicate is not None:
        return duplicate[0], DUPLICATE_COLUMN, duplicate[1]
    if missing:
        return missing[0], "missing_column", missing_column_reason(missing, expected)
    return None


@dataclass
class ParsedNumbers:
    value: pd.Series  # float, NaN where no number
    symbol: pd.Series  # the statistical symbol where one was given, else None
    error: pd.Series  # German reason where the text is neither a number nor a symbol, else None


def exact_factorize(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes into the distinct values of `text` and those values, by Python string equality.

    `pd.factorize` (and groupby, Categorical, MultiIndex) hash strings as C strings that end at a
    NUL character: "5" and "5\\x009" would share one code, and one row would take the other's
    value or reason. Dropping duplicates and looking values up in an object Index compares whole
    strings, and is as fast.
    """
    uniques = text.drop_duplicates()
    codes = pd.Index(uniques.to_numpy(dtype=object), dtype=object).get_indexer(text.to_numpy())
    return codes, uniques.reset_index(drop=True)


def parse_german_numbers(text: pd.Series, allow_symbols: bool = True) -> ParsedNumbers:
    """Parse numbers written the German way (`1.234,5`); recognise statistical symbols.

    `-` means exactly zero (value 0, symbol kept); other symbols give no value. Empty cells are an
    error here: a statistical value is never simply absent. English decimals such as `12.5` are
    rejected because `12.500` would mean twelve thousand five hundred in the same file.
    Each distinct text is parsed once (counts and codes repeat a lot in a state-wide delivery).
    """
    codes, uniques = exact_factorize(text)
    parsed = _parse_distinct(uniques.astype(object), allow_symbols)
    return ParsedNumbers(
        value=pd.Series(parsed.value.to_numpy()[codes], index=text.index, dtype="float64"),
        symbol=pd.Series(parsed.symbol.to_numpy(dtype=object)[codes], index=text.index),
        error=pd.Series(parsed.error.to_numpy(dtype=object)[codes], index=text.index),
    )


def fractional(values: pd.Series) -> pd.Series:
    """True where a parsed number has decimals: a count written `1,080` (1.08, not 1080)."""
    return values.notna() & (values % 1 != 0)


NOT_WHOLE_NUMBER = "not_whole_number"
NOT_WHOLE_REASON = (
    "keine ganze Zahl, obwohl eine Anzahl erwartet wird (Tausender werden mit Punkt getrennt: "
    "1.080; 1,080 wäre 1,08)"
)


def parse_scale(text: pd.Series, points=(1, 2, 3, 4, 5)) -> tuple[pd.Series, pd.Series]:
    """Answers on a rating scale: the value, and True where the text is no point of the scale."""
    parsed = parse_german_numbers(text, allow_symbols=False)
    return parsed.value, parsed.error.notna() | ~parsed.value.isin(points)


def _parse_distinct(text: pd.Series, allow_symbols: bool) -> ParsedNumbers:
    s = text.astype("string").str.strip().fillna("")
    is_symbol = (
        s.isin(list(STATISTICAL_SYMBOLS)) if allow_symbols else pd.Series(False, index=s.index)
    )
    is_number = s.str.match(_GERMAN_NUMBER).fillna(False).astype(bool)
    cleaned = s.where(is_number, None).str.replace(".", "", regex=False).str.replace(",", ".")
    value = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    value = value.where(~(is_symbol & (s == ZERO_SYMBOL)), 0.0)
    symbol = s.where(is_symbol, None).astype(object).where(is_symbol, None)
    error = pd.Series(None, index=s.index, dtype=object)
    error[s == ""] = "leerer Wert"
    bad = ~is_symbol & ~is_number & (s != "")
    error[bad] = "keine Zahl: " + s[bad].astype(str)
    return ParsedNumbers(value=value, symbol=symbol, error=error)


def parse_dates(text: pd.Series) -> pd.Series:
    """Dates as `YYYY-MM-DD` or `DD.MM.YYYY`; NaT where neither format gives a real date."""
    codes, uniques = exact_factorize(text)
    s = uniques.astype("string").str.strip()
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    german = pd.to_datetime(s, format="%d.%m.%Y", errors="coerce")
    return pd.Series(iso.fillna(german).to_numpy()[codes], index=text.index)


FUTURE_DATE = "future_date"


def future_dates(text: pd.Series, dates: pd.Series, today: dt.date) -> pd.Series:
    """True where a date (`dates` = `parse_dates(text)`) lies after `today`.

    A real calendar date beyond pandas' range (after 2262) is no NaT here but in the future: a
    Stichtag typed as 2962 is a typo in the year, not "no date".
    """
    future = (dates > pd.Timestamp(today)).to_numpy(dtype=bool)
    unparsed = dates.isna().to_numpy()
    if unparsed.any():
        far = {v: _calendar_date(v) for v in set(text[unparsed])}
        future[unparsed] = [(d := far[v]) is not None and d > today for v in text[unparsed]]
    return pd.Series(future, index=text.index)


def future_reason(column: str, today: dt.date) -> str:
    return (
        f"{column} liegt nach dem Tag des Laufs ({today:%d.%m.%Y}); ein Stichtag in der Zukunft "
        "ist ein Tippfehler (Jahr?) und würde als Datenstand veröffentlicht"
    )


def _calendar_date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        with contextlib.suppress(ValueError, TypeError):
            return dt.datetime.strptime(str(text).strip(), pattern).date()
    return None


class UnreadableFile(ValueError):
    """A delivery that cannot be opened at all; the message is the reason for the clerk."""


UNREADABLE_FILE = "unreadable_file"


def unreadable_reason(exc: BaseException) -> str:
    """The German reason for a file any step failed on, with the error shortened (never a whole
    line or cell of a hostile file)."""
    if isinstance(exc, UnreadableFile):
        return str(exc)
    return f"Datei konnte nicht gelesen werden: {_short(exc)}"


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


MAX_XLSX_UNPACKED_MB = 500  # a real monthly report unpacks to a few MB
MAX_XLSX_RATIO = 200  # XML compresses well, but not by more than this


def check_xlsx(path: Path | BinaryIO) -> None:
    """Refuse files that are no XLSX container or would unpack to absurd sizes (zip bombs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"keine gültige Excel-Datei (.xlsx): {exc}") from exc
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unpacked > MAX_XLSX_UNPACKED_MB * 1_048_576 or unpacked / packed > MAX_XLSX_RATIO:
        raise UnreadableFile(
            f"Excel-Datei würde entpackt {unpacked / 1_048_576:.0f} MB groß "
            f"(Verhältnis {unpacked / packed:.0f}:1); nicht gelesen (Verdacht auf Zip-Bombe)"
        )


def _cell_text(value) -> str:
    """An Excel cell as the text a German CSV would hold (so one parser serves both formats)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    return str(value).strip()


UNREAD_SHEET = "unread_sheet"


def parse_xlsx(path: Path | BinaryIO, expected: list[str], header_search_rows: int = 10) -> Records:
    """Read the worksheet of an XLSX file (or of its content) that holds the header, like a CSV.

    The header is the first row (within the first `header_search_rows` of a sheet) that contains
    at least half of the expected column names; rows above it (titles, notes) are not data. The
    first sheet with such a row is read (the first sheet if none has one). Every other sheet that
    holds any value gets a note (`unread_sheet`): a second month or a continuation on another
    sheet is reported, never dropped silently. Empty rows are skipped. Row numbers are Excel's.
    Any damage inside the container (a corrupt member, broken XML) makes the file unreadable.
    """
    check_xlsx(path)
    try:
        sheets = _sheets(path)
    except MemoryError:
        raise
    except Exception as exc:  # zlib.error, XML and openpyxl errors of a damaged workbook
        reason = f"Excel-Datei beschädigt, konnte nicht gelesen werden: {_short(exc)}"
        raise UnreadableFile(reason) from exc
    wanted = {normalize_header(e) for e in expected}
    found = [_header_index(rows, wanted, header_search_rows) for _, rows in sheets]
    chosen = next((i for i, index in enumerate(found) if index is not None), 0)
    title, rows = sheets[chosen] if sheets else ("", [])
    notes = [
        FileNote(
            UNREAD_SHEET,
            f"Blatt {other!r} enthält {counted(filled, 'Zeile', 'Zeilen')} mit Werten und wurde nicht gelesen: "
            f"gelesen wird nur das Blatt mit der Kopfzeile ({title!r}); bitte alle Zeilen auf "
            "dieses Blatt oder je Blatt eine eigene Datei",
            other,
        )
        for i, (other, other_rows) in enumerate(sheets)
        if i != chosen and (filled := sum(1 for row in other_rows if any(row)))
    ]
    header_index = found[chosen] or 0
    header_row = rows[header_index] if rows else []
    width = max((i + 1 for i, c in enumerate(header_row) if c), default=0)
    header = header_row[:width]
    records, numbers, bad = [], [], []
    for index, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(row):
            continue
        if any(row[width:]):
            reason = f"Werte außerhalb der {width} Spalten der Kopfzeile"
            bad.append(BadRow(index, ";".join(row), WRONG_FIELD_COUNT, reason))
            continue
        records.append((row + [""] * width)[:width])
        numbers.append(index)
    return Records(header, records, numbers, bad, "xlsx", notes)


def _sheets(path: Path | BinaryIO) -> list[tuple[str, list[list[str]]]]:
    """(title, rows as cell texts) of every worksheet, in workbook order."""
    from openpyxl import load_workbook  # only needed for Excel deliveries

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return [
            (
                sheet.title,
                [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)],
            )
            for sheet in workbook.worksheets
        ]
    finally:
        workbook.close()


def _header_index(rows: list[list[str]], wanted: set[str], search_rows: int) -> int | None:
    for index, row in enumerate(rows[:search_rows]):
        if len(wanted & {normalize_header(c) for c in row if c}) * 2 >= len(wanted):
            return index
    return None


def read_records(path: Path, expected: list[str], raw: bytes | None = None) -> Records:
    """A delivery's rows, whether it came as delimited text or as XLSX (`raw`: the bytes, if read;
    they may be an earlier version of `path`, taken from the archive).

    Any failure to read the file raises `UnreadableFile` with a German reason, so that every
    caller can quarantine this one file and go on with the others.
    """
    try:
        if path.suffix.lower() == ".xlsx":
            return parse_xlsx(path if raw is None else io.BytesIO(raw), expected)
        return parse_semicolon(path.read_bytes() if raw is None else raw)
    except (UnreadableFile, MemoryError):
        raise
    except Exception as exc:
        raise UnreadableFile(unreadable_reason(exc)) from exc


def read_table(path: Path, expected: list[str]) -> CsvTable:
    """A delivery as strings, whether it came as delimited text or as XLSX."""
    return _as_table(read_records(path, expected))
