"""Delimited text deliveries: decoding and splitting into rows, shared by every CSV reader.

Deliveries are `;`-separated text in UTF-8 or Windows-1252 (DESIGN §4). Excel's "Unicode-Text"
is accepted too: UTF-16 (told by its byte order mark, or by the zero bytes of mostly-ASCII text
without one) and TAB-separated; the separator is TAB when the header line holds TABs and no `;`.
Nothing here interprets a value; the rows keep the line number a clerk sees in an editor, also
after a quoted field that spans lines.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import re
from dataclasses import dataclass, field
from typing import NamedTuple

INVALID_UTF8 = "invalid_utf8"
INVALID_UTF8_REASON = (
    "Zeile enthält Zeichen, die kein gültiges UTF-8 sind (als \ufffd gezeigt), während die übrigen "
    "Zeilen der Datei UTF-8 sind; bitte die Datei einheitlich als UTF-8 speichern"
)
INVALID_UTF16 = "invalid_utf16"
INVALID_UTF16_REASON = (
    "Zeile enthält Bytes, die kein gültiges UTF-16 sind (als \ufffd gezeigt); die Datei ist "
    "vermutlich abgeschnitten oder beschädigt"
)
WRONG_FIELD_COUNT = "wrong_field_count"
UNCLOSED_QUOTE = "unclosed_quote"
INVALID_VALUE = "invalid_value"
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # what `surrogateescape` makes of a non-UTF-8 byte


@dataclass
class Decoded:
    """A landing file's text, its encoding and the lines that could not be decoded."""

    text: str
    encoding: str
    # line numbers (1-based, as `str.splitlines` counts them) of lines that are not valid in the
    # file's encoding; their text holds U+FFFD where the offending bytes were
    invalid_lines: frozenset[int]

    @property
    def invalid_code(self) -> str:
        return INVALID_UTF16 if self.encoding.startswith("utf-16") else INVALID_UTF8

    @property
    def invalid_reason(self) -> str:
        return INVALID_UTF16_REASON if self.encoding.startswith("utf-16") else INVALID_UTF8_REASON


def decode(raw: bytes) -> Decoded:
    """Decode a landing file, deciding the encoding from the bytes themselves.

    UTF-16 first (see `_utf16`): read as UTF-8, its zero bytes would become phantom characters.
    A file that is UTF-8 throughout (with or without BOM) is UTF-8. If some lines are no UTF-8 but
    another line holds non-ASCII characters that are valid UTF-8 (an umlaut written by a UTF-8
    program), the file is UTF-8 and only the failing lines are invalid: decoding the whole file
    as Windows-1252 instead would garble every umlaut of its good rows ("fÃ¼r") without any
    error. Otherwise no line speaks for UTF-8 and the file is Windows-1252, as older statistics
    programs write it. Windows-1252 leaves five byte values undefined; a file that contains them
    is decoded as Latin-1 so that every byte survives into the quarantine.
    """
    utf16 = _utf16(raw)
    if utf16 is not None:
        return _decode_utf16(raw, *utf16)
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


def _utf16(raw: bytes) -> tuple[str, int] | None:
    """(codec, length of the BOM) if the bytes are UTF-16, else None.

    Excel's "Unicode-Text" writes UTF-16LE with a BOM. Without a BOM, text of mostly Latin
    characters has a zero byte in nearly every second position, which no UTF-8 or Windows-1252
    delivery has (a stray NUL stays a defect of its row).
    """
    if raw.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if raw.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    sample = raw[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le", 0
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be", 0
    return None


def _decode_utf16(raw: bytes, codec: str, bom: int) -> Decoded:
    """UTF-16 text; lines with bytes that are no UTF-16 (a cut-off file) are marked invalid."""
    body = raw[bom:]
    try:
        return Decoded(body.decode(codec), codec, frozenset())
    except UnicodeDecodeError:
        text = body.decode(codec, "replace")
        lines = text.splitlines()
        return Decoded(text, codec, frozenset(i for i, x in enumerate(lines, 1) if "\ufffd" in x))


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


class BadRow(NamedTuple):
    """A row that could not be split into the header's fields (or holds a NUL character)."""

    row_number: int
    value: str  # the raw line(s)
    reason_code: str
    reason: str
    column: str | None = None


class FileNote(NamedTuple):
    """A finding about a whole file that is no row, e.g. a worksheet that was not read."""

    reason_code: str
    reason: str
    value: str


@dataclass
class Records:
    """A delivery's rows as plain Python lists: the cheap form for reading many files at once."""

    header: list[str]
    records: list[list[str]]  # stripped fields of each data row, as wide as the header
    numbers: list[int]  # line number of each data row (its first line, if it spans several)
    bad: list[BadRow]
    encoding: str
    notes: list[FileNote] = field(default_factory=list)


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
    """Split a `;`-delimited (or TAB-delimited, see `delimiter_of`) delivery into rows.

    No value is interpreted. Empty lines (also trailing ones) are skipped and not counted as
    rows. Row numbers are line numbers as a clerk sees them in an editor: the header is line 1.
    """
    with gc_paused():
        decoded = decode(raw)
        lines = decoded.text.splitlines()
        delimiter = delimiter_of(lines)
        if _plain(decoded.text, lines):
            return _split_plain(lines, delimiter, decoded)
        return _split_quoted(lines, delimiter, decoded)


def delimiter_of(lines: list[str]) -> str:
    """`;` as the input contract says; TAB if the header line has TABs and no `;` (Excel's
    "Unicode-Text" and "Text (Tabstopp-getrennt)"), so such a file is read, not refused whole."""
    header = next((line for line in lines if line.strip()), "")
    return "\t" if ";" not in header and "\t" in header else ";"


def width_reason(found: int, expected: int, delimiter: str) -> str:
    separator = "Tabulator" if delimiter == "\t" else f"'{delimiter}'"
    return f"{found} Felder statt {expected} (Trennzeichen {separator} erwartet)"


def _plain(text: str, lines: list[str]) -> bool:
    """True when the csv module would only split at the delimiter: no quotes, no NUL, no
    over-long field.

    Almost every delivery is like that; splitting its lines with `str.split` gives the same rows
    as the csv module at a fraction of the cost (a state's needs survey has 1.9 million lines).
    """
    if '"' in text or "\0" in text:
        return False
    return max(map(len, lines), default=0) <= csv.field_size_limit()


_SPACE_AT_FIELD_EDGE = re.compile(r"(?:^|;)\s|\s(?:;|$)")


def _split_plain(lines: list[str], delimiter: str, decoded: Decoded) -> Records:
    """`_split_quoted` for text without quotes, with str.split."""
    header: list[str] = []
    records: list[list[str]] = []
    numbers: list[int] = []
    bad: list[BadRow] = []
    invalid = decoded.invalid_lines
    edge = _SPACE_AT_FIELD_EDGE.search if delimiter == ";" else bool  # TAB: always strip
    for line_number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or (
            stripped[0] == delimiter and not stripped.replace(delimiter, "").strip()
        ):
            continue
        fields = line.split(delimiter)
        if edge(line):
            fields = [f.strip() for f in fields]
        if not header:
            header = fields
            continue
        if invalid and line_number in invalid:
            bad.append(BadRow(line_number, line, decoded.invalid_code, decoded.invalid_reason))
            continue
        if len(fields) != len(header):
            reason = width_reason(len(fields), len(header), delimiter)
            bad.append(BadRow(line_number, line, WRONG_FIELD_COUNT, reason))
            continue
        records.append(fields)
        numbers.append(line_number)
    return Records(header, records, numbers, bad, decoded.encoding)


def _split_quoted(lines: list[str], delimiter: str, decoded: Decoded) -> Records:
    """Split with the csv module (quotes, NUL, over-long fields).

    A quoted field may span lines (a cell typed with Alt+Enter): the record keeps its line
    break and the number of its first line. A record spanning lines whose quotes do not pair up
    or whose field count is wrong is a quote that was never closed: only its first line is
    quarantined (`unclosed_quote`) and reading resumes on the next line, so no following row is
    swallowed or renumbered. A line the csv module refuses (a field over its size limit) is
    quarantined alike. A field holding a NUL character quarantines its row (`invalid_value`,
    column named): pandas compares strings only up to a NUL, so "5\\x009" would be grouped with
    "5" in any later step.
    """
    header: list[str] = []
    records: list[list[str]] = []
    numbers: list[int] = []
    bad: list[BadRow] = []
    invalid = decoded.invalid_lines
    has_nul = "\0" in decoded.text
    start = 0
    while start < len(lines):
        # the reader asks for another line only while a quoted field is open, so `restart +
        # reader.line_num` is the index after the last line of the record just read
        feed = map(lines.__getitem__, range(start, len(lines)))
        reader = csv.reader(map("{}\n".format, feed), delimiter=delimiter)
        restart, start = start, len(lines)
        while True:
            first = restart + reader.line_num
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # a field over the size limit, maybe of an open quote
                if restart + reader.line_num - first > 1:
                    bad.append(_first_line(lines, first, UNCLOSED_QUOTE, _unclosed(first)))
                else:
                    reason = f"Zeile nicht lesbar: {exc}"
                    bad.append(_first_line(lines, first, WRONG_FIELD_COUNT, reason))
                start = first + 1
                break
            end = restart + reader.line_num
            if end - first > 1 and not _complete(lines, first, end, len(fields), len(header)):
                bad.append(_first_line(lines, first, UNCLOSED_QUOTE, _unclosed(first)))
                start = first + 1
                break
            if not any(f.strip() for f in fields):
                continue
            if not header:
                header = [f.strip() for f in fields]
                continue
            if invalid and not invalid.isdisjoint(range(first + 1, end + 1)):
                code, reason = decoded.invalid_code, decoded.invalid_reason
            elif len(fields) != len(header):
                code, reason = WRONG_FIELD_COUNT, width_reason(len(fields), len(header), delimiter)
            elif has_nul and any("\0" in f for f in fields):
                column = header[next(i for i, f in enumerate(fields) if "\0" in f)]
                bad.append(
                    BadRow(
                        first + 1, "\n".join(lines[first:end]), INVALID_VALUE, _nul(column), column
                    )
                )
                continue
            else:
                records.append([f.strip() for f in fields])
                numbers.append(first + 1)
                continue
            bad.append(BadRow(first + 1, "\n".join(lines[first:end]), code, reason))
    return Records(header, records, numbers, bad, decoded.encoding)


def _first_line(lines: list[str], first: int, code: str, reason: str) -> BadRow:
    return BadRow(first + 1, lines[first][:200], code, reason)


def _complete(lines: list[str], first: int, end: int, width: int, header_width: int) -> bool:
    """True if a record spanning lines is a whole one: after the header, quotes paired, width
    right (otherwise a quote was opened and never closed)."""
    quotes = sum(line.count('"') for line in lines[first:end])
    return bool(header_width) and width == header_width and quotes % 2 == 0


def _unclosed(first: int) -> str:
    return (
        f"Anführungszeichen in Zeile {first + 1} wird nicht geschlossen; die Zeile wurde nicht "
        "gelesen, die folgenden Zeilen einzeln"
    )


def _nul(column: str) -> str:
    return (
        f"Spalte {column!r} enthält ein NUL-Zeichen (Byte 0), das in keinem Wert vorkommen darf; "
        "die Zeile ist vermutlich beschädigt"
    )
