"""Format-level parsing shared by every landing-file reader.

German statistical deliveries are `;`-separated text in UTF-8 or Windows-1252, use decimal commas
and thousands points, and mark missing values with statistical symbols. Nothing in here may turn a
symbol or a malformed value into a number silently: parsers return the value, the symbol and an
error text side by side, and the caller decides what goes to quarantine.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import gc
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# Symbol -> meaning (German statistical practice, DESIGN §4). `-` is the only one that is a number.
STATISTICAL_SYMBOLS: dict[str, str] = {
    "-": "genau null",
    ".": "unbekannt oder geheim",
    "x": "nicht anwendbar",
    "/": "nicht sicher genug",
    "...": "Angabe fällt später an",
    "*": "anonymisiert (Bundesagentur für Arbeit: 1 oder 2 oder rückrechenbar)",
    "–": "geheim (Zensus)",
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


INVALID_UTF8 = "invalid_utf8"
INVALID_UTF8_REASON = (
    "Zeile enthält Zeichen, die kein gültiges UTF-8 sind (als \ufffd gezeigt), während die übrigen "
    "Zeilen der Datei UTF-8 sind; bitte die Datei einheitlich als UTF-8 speichern"
)
WRONG_FIELD_COUNT = "wrong_field_count"
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # what `surrogateescape` makes of a non-UTF-8 byte


@dataclass
class Decoded:
    """A landing file's text, its encoding and the lines that could not be decoded."""

    text: str
    encoding: str
    # line numbers (1-based, as `str.splitlines` counts them) of a UTF-8 file's lines that are no
    # UTF-8; their text holds U+FFFD where the offending bytes were
    invalid_lines: frozenset[int]


def decode(raw: bytes) -> Decoded:
    """Decode a landing file, deciding the encoding from the lines themselves.

    A file that is UTF-8 throughout (with or without BOM) is UTF-8. If some lines are no UTF-8 but
    another line holds non-ASCII characters that are valid UTF-8 (an umlaut written by a UTF-8
    program), the file is UTF-8 and only the failing lines are invalid: decoding the whole file
    as Windows-1252 instead would garble every umlaut of its good rows ("fÃ¼r") without any
    error. Otherwise no line speaks for UTF-8 and the file is Windows-1252, as older statistics
    programs write it. Windows-1252 leaves five byte values undefined; a file that contains them
    is decoded as Latin-1 so that every byte survives into the quarantine.
    """
    try:
        return Decoded(raw.decode("utf-8-sig"), "utf-8", frozenset())
    except UnicodeDecodeError:
        pass
    if _has_utf8_line(raw):
        return _utf8_with_invalid_lines(raw)
    try:
        return Decoded(raw.decode("cp1252"), "cp1252", frozenset())
    except UnicodeDecodeError:
        return Decoded(raw.decode("latin-1"), "latin-1", frozenset())


def _has_utf8_line(raw: bytes) -> bool:
    """True if some line is valid UTF-8 and holds a non-ASCII character."""
    text = raw.decode("utf-8", "surrogateescape")
    return any(not line.isascii() and not _ESCAPED_BYTE.search(line) for line in text.split("\n"))


def _utf8_with_invalid_lines(raw: bytes) -> Decoded:
    r"""Decode line by line; a line that is no UTF-8 keeps U+FFFD for its bad bytes.

    Bytes are cut at `\n`, `\r` and `\r\n`, which never occur inside a UTF-8 character, so each
    valid line decodes as it would in the whole file. A piece may still hold more line breaks in
    the sense of `str.splitlines` (form feed, U+2028, ...); counting with that keeps the line
    numbers equal to those the parsers see.
    """
    body = raw.removeprefix(codecs.BOM_UTF8)
    pieces: list[str] = []
    invalid: set[int] = set()
    line = 1
    for chunk in body.splitlines(keepends=True):
        try:
            piece = chunk.decode("utf-8")
        except UnicodeDecodeError:
            piece = chunk.decode("utf-8", "replace")
            invalid.update(range(line, line + len(piece.splitlines())))
        pieces.append(piece)
        line += len(piece.splitlines())
    return Decoded("".join(pieces), "utf-8", frozenset(invalid))


WIDTH_ERROR_COLUMNS = ["row_number", "value", "reason_code", "reason"]


@dataclass
class CsvTable:
    """A `;`-separated file as strings, with the original line number of every data row."""

    header: list[str]
    rows: pd.DataFrame  # one column per header field (strings), plus `row_number`
    # WIDTH_ERROR_COLUMNS (value: the raw line) of rows that could not be split into the
    # header's fields: wrong field count, broken quoting, no UTF-8 in a UTF-8 file
    width_errors: pd.DataFrame
    encoding: str


@dataclass
class Records:
    """A delivery's rows as plain Python lists: the cheap form for reading many files at once."""

    header: list[str]
    records: list[list[str]]  # stripped fields of each data row, as wide as the header
    numbers: list[int]  # line number of each data row
    bad: list[tuple[int, str, str]]  # (line number, raw line, reason) of rows not split into fields
    encoding: str
    bad_codes: list[str]  # reason code of each entry of `bad`

    def bad_entries(self) -> list[tuple[int, str, str, str]]:
        """(line number, raw line, reason code, reason) of every row not split into fields."""
        return [(n, v, c, r) for (n, v, r), c in zip(self.bad, self.bad_codes, strict=True)]


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cycle collector while millions of small lists and strings are built.

    Parsing allocates no reference cycles, but every few hundred allocations the collector walks
    all live containers; over a 1.9-million-line delivery that more than doubles the parse time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_semicolon(raw: bytes) -> Records:
    """Split a `;`-delimited delivery into rows without interpreting any value.

    Empty lines (also trailing ones) are skipped and not counted as rows. Row numbers are line
    numbers as a clerk sees them in an editor: the header is line 1.
    """
    with gc_paused():
        return _parse_semicolon(raw)


def _parse_semicolon(raw: bytes) -> Records:
    decoded = decode(raw)
    text, encoding, invalid = decoded.text, decoded.encoding, decoded.invalid_lines
    lines = text.splitlines()
    if _plain(text, lines):
        return _split_plain(lines, encoding, invalid)
    reader = csv.reader(lines, delimiter=";")
    header: list[str] = []
    records: list[list[str]] = []
    numbers: list[int] = []
    bad: list[tuple[int, str, str]] = []
    codes: list[str] = []
    previous = 0  # last line of the previous record (a quoted field may span lines)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # an over-long field, a NUL byte, a broken quote
            line_number = previous = reader.line_num
            bad.append(
                (
                    line_number,
                    lines[line_number - 1][:200] if line_number <= len(lines) else "",
                    f"Zeile nicht lesbar: {exc}",
                )
            )
            codes.append(WRONG_FIELD_COUNT)
            continue
        first, line_number, previous = previous + 1, reader.line_num, reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if not header:
            header = [f.strip() for f in fields]
            continue
        if invalid and not invalid.isdisjoint(range(first, line_number + 1)):
            bad.append((line_number, ";".join(fields), INVALID_UTF8_REASON))
            codes.append(INVALID_UTF8)
            continue
        if len(fields) != len(header):
            raw_line = ";".join(fields)
            reason = f"{len(fields)} Felder statt {len(header)} (Trennzeichen ';' erwartet)"
            bad.append((line_number, raw_line, reason))
            codes.append(WRONG_FIELD_COUNT)
            continue
        records.append([f.strip() for f in fields])
        numbers.append(line_number)
    return Records(header, records, numbers, bad, encoding, codes)


_SPACE_AT_FIELD_EDGE = re.compile(r"(?:^|;)\s|\s(?:;|$)")


def _plain(text: str, lines: list[str]) -> bool:
    """True when the csv module would only split at `;`: no quotes, no NUL, no over-long field.

    Almost every delivery is like that; splitting its lines with `str.split` gives the same rows
    as the csv module at a fraction of the cost (a state's needs survey has 1.9 million lines).
    """
    if '"' in text or "\0" in text:
        return False
    return max(map(len, lines), default=0) <= csv.field_size_limit()


def _split_plain(lines: list[str], encoding: str, invalid: frozenset[int]) -> Records:
    """The csv-module loop of `parse_semicolon` for plain text, with str.split."""
    header: list[str] = []
    records: list[list[str]] = []
    numbers: list[int] = []
    bad: list[tuple[int, str, str]] = []
    codes: list[str] = []
    edge = _SPACE_AT_FIELD_EDGE.search
    for line_number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or (stripped[0] == ";" and not stripped.replace(";", "").strip()):
            continue
        fields = line.split(";")
        if edge(line):
            fields = [f.strip() for f in fields]
        if not header:
            header = fields
            continue
        if invalid and line_number in invalid:
            bad.append((line_number, line, INVALID_UTF8_REASON))
            codes.append(INVALID_UTF8)
            continue
        if len(fields) != len(header):
            reason = f"{len(fields)} Felder statt {len(header)} (Trennzeichen ';' erwartet)"
            bad.append((line_number, line, reason))
            codes.append(WRONG_FIELD_COUNT)
            continue
        records.append(fields)
        numbers.append(line_number)
    return Records(header, records, numbers, bad, encoding, codes)


def read_semicolon_csv(path: Path) -> CsvTable:
    """Read a delimited file without interpreting any value (see `parse_semicolon`)."""
    return _as_table(parse_semicolon(path.read_bytes()))


def _as_table(parsed: Records) -> CsvTable:
    columns = parsed.header
    frame = pd.DataFrame(parsed.records, columns=columns, dtype=object)
    if len(set(columns)) != len(columns):
        frame.columns = [f"{c}#{i}" if columns.count(c) > 1 else c for i, c in enumerate(columns)]
    frame["row_number"] = np.asarray(parsed.numbers, dtype="int64")
    width_errors = pd.DataFrame(parsed.bad_entries(), columns=WIDTH_ERROR_COLUMNS)
    return CsvTable(header=columns, rows=frame, width_errors=width_errors, encoding=parsed.encoding)


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


@dataclass
class ParsedNumbers:
    value: pd.Series  # float, NaN where no number
    symbol: pd.Series  # the statistical symbol where one was given, else None
    error: pd.Series  # German reason where the text is neither a number nor a symbol, else None


def parse_german_numbers(text: pd.Series, allow_symbols: bool = True) -> ParsedNumbers:
    """Parse numbers written the German way (`1.234,5`); recognise statistical symbols.

    `-` means exactly zero (value 0, symbol kept); other symbols give no value. Empty cells are an
    error here: a statistical value is never simply absent. English decimals such as `12.5` are
    rejected because `12.500` would mean twelve thousand five hundred in the same file.
    Each distinct text is parsed once (counts and codes repeat a lot in a state-wide delivery).
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    parsed = _parse_distinct(pd.Series(uniques, dtype=object), allow_symbols)
    return ParsedNumbers(
        value=pd.Series(parsed.value.to_numpy()[codes], index=text.index, dtype="float64"),
        symbol=pd.Series(parsed.symbol.to_numpy(dtype=object)[codes], index=text.index),
        error=pd.Series(parsed.error.to_numpy(dtype=object)[codes], index=text.index),
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
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    s = pd.Series(uniques, dtype=object).astype("string").str.strip()
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    german = pd.to_datetime(s, format="%d.%m.%Y", errors="coerce")
    return pd.Series(iso.fillna(german).to_numpy()[codes], index=text.index)


class UnreadableFile(ValueError):
    """A delivery that cannot be opened at all; the message is the reason for the clerk."""


MAX_XLSX_UNPACKED_MB = 500  # a real monthly report unpacks to a few MB
MAX_XLSX_RATIO = 200  # XML compresses well, but not by more than this


def check_xlsx(path: Path) -> None:
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


def parse_xlsx(path: Path, expected: list[str], header_search_rows: int = 10) -> Records:
    """Read the first worksheet of an XLSX file like a CSV.

    The header is the first row (within the first `header_search_rows`) that contains at least
    half of the expected column names; rows above it (titles, notes) are not data. Empty rows are
    skipped. Row numbers are Excel's row numbers.
    """
    from openpyxl import load_workbook  # only needed for Excel deliveries

    check_xlsx(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except (KeyError, ValueError, IndexError, OSError, zipfile.BadZipFile) as exc:
        raise UnreadableFile(f"Excel-Datei nicht lesbar: {exc}") from exc
    wanted = {normalize_header(e) for e in expected}
    header_index = 0
    for index, row in enumerate(rows[:header_search_rows]):
        if len(wanted & {normalize_header(c) for c in row if c}) * 2 >= len(wanted):
            header_index = index
            break
    header_row = rows[header_index] if rows else []
    width = max((i + 1 for i, c in enumerate(header_row) if c), default=0)
    header = header_row[:width]
    records, numbers, bad, codes = [], [], [], []
    for index, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(row):
            continue
        if any(row[width:]):
            bad.append((index, ";".join(row), f"Werte außerhalb der {width} Spalten der Kopfzeile"))
            codes.append(WRONG_FIELD_COUNT)
            continue
        records.append((row + [""] * width)[:width])
        numbers.append(index)
    return Records(header, records, numbers, bad, "xlsx", codes)


def read_records(path: Path, expected: list[str], raw: bytes | None = None) -> Records:
    """A delivery's rows, whether it came as `;`-CSV or as XLSX (`raw`: the bytes, if read)."""
    if path.suffix.lower() == ".xlsx":
        return parse_xlsx(path, expected)
    return parse_semicolon(path.read_bytes() if raw is None else raw)


def read_table(path: Path, expected: list[str]) -> CsvTable:
    """A delivery as strings, whether it came as `;`-CSV or as XLSX."""
    return _as_table(read_records(path, expected))
