"""A delivery as sheets of cells with a labelled header, the way a recipe addresses it (SPEC §7.2).

A recipe names columns by letter or by the label a person reads in the header, and the header of
a real delivery is a block of several rows with merged cells, dates over groups of columns and
footnote markers that change between months (SPEC §1.3, §1.7). This module turns a CSV or XLSX
file into `Sheet`s whose `Column`s carry that label, its normalised form for matching and the
column's header date, so that `recipe_values.py` only decides which cell becomes which value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from assets.ingest.delimited import decode
from assets.ingest.parsing import check_xlsx
from assets.ingest.recipe_model import HeaderRule, SheetChoice

HEADER_SEARCH_ROWS = 30  # `header.find` looks at the first 30 rows (SPEC §7.2)
_FOOTNOTE = re.compile(r"\s+\d\)(\s+\d\))*$")  # " 1)", " 2) 4)": renumbered between months
_BLANKS = re.compile(r"\s+")
_SLASH = re.compile(r"\s*/\s*")
_SERIAL = re.compile(r"^\d{5}$")  # an Excel date serial, as a reader without types sees it
_LETTERS = re.compile(r"^[A-Z]{1,3}$")


class FileRefused(Exception):
    """The whole file cannot be read as the recipe says; `code` is the SPEC §7.4 key and the
    message the German reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Column:
    """One column of a sheet: `label` as read (header parts joined with ` / `), `key` and
    `leaf` its normalised full label and last part, `date` the date in its header, if any."""

    index: int  # 0-based
    letter: str
    label: str
    key: str
    leaf: str
    date: dt.date | None = None


@dataclass
class Sheet:
    """The cells of one worksheet (or of a CSV file, `name` None): `rows[i]` is source row i + 1."""

    name: str | None
    rows: list[list[object]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # 1-based r1, c1, r2, c2
    header_rows: tuple[int, ...] = ()
    columns: list[Column] = field(default_factory=list)

    def cell(self, row: int, index: int) -> object:
        """The value at 1-based `row`, 0-based column `index` (None outside the sheet)."""
        if row < 1 or row > len(self.rows):
            return None
        values = self.rows[row - 1]
        return values[index] if index < len(values) else None

    def where(self, row: int, index: int) -> str:
        """The cell as a person finds it: `SGB II!C21`, or `C21` in a CSV file."""
        address = f"{get_column_letter(index + 1)}{row}"
        return address if self.name is None else f"{self.name}!{address}"


def normalize_label(text: str) -> str:
    """A label as matched: NFC, soft hyphens removed, blanks collapsed and trimmed, ` / ` between
    parts, footnote markers stripped at the end of every part, case-insensitive.

    Unlike `parsing.normalize_header` it keeps punctuation: `(BG)`, `0 - 2` and `%` tell columns
    apart in real headers, and a label that loses them could match a neighbour."""
    text = unicodedata.normalize("NFC", str(text)).replace("\u00ad", "")
    parts = [_FOOTNOTE.sub("", _BLANKS.sub(" ", p).strip()) for p in _SLASH.split(text)]
    return " / ".join(p for p in parts if p).casefold()


def cell_text(value: object) -> str:
    """A cell as trimmed text; whole floats as integers (`101.0` → `101`)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return str(value).strip()


def read_sheets(raw: bytes, kind: str, choice: SheetChoice, delimiter: str, encoding: str | None):
    """(sheets, encoding) of a file: the chosen worksheets of a workbook, or the one CSV table."""
    if kind == "xlsx":
        return _workbook_sheets(raw, choice), "xlsx"
    if encoding is None:
        decoded = decode(raw)
        text, used = decoded.text, decoded.encoding
    else:
        text, used = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding), encoding
    return [Sheet(None, _csv_rows(text, delimiter))], used


def _csv_rows(text: str, delimiter: str) -> list[list[object]]:
    """The records at the line they start on, so that `C21` is line 21 in an editor even
    after a quoted field that spans lines (the lines it covers stay empty rows)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[object]] = []
    start = 1
    for record in reader:
        rows += [[] for _ in range(start - 1 - len(rows))]
        rows.append(list(record))
        start = reader.line_num + 1
    return rows


def _workbook_sheets(raw: bytes, choice: SheetChoice) -> list[Sheet]:
    check_xlsx(io.BytesIO(raw))
    workbook = load_workbook(io.BytesIO(raw), data_only=True)  # not read_only: merged ranges
    try:
        chosen = _choose(workbook.sheetnames, choice)
        return [
            Sheet(
                name,
                [list(r) for r in workbook[name].iter_rows(values_only=True)],
                [
                    (r.min_row, r.min_col, r.max_row, r.max_col)
                    for r in workbook[name].merged_cells.ranges
                ],
            )
            for name in chosen
        ]
    finally:
        workbook.close()


def _choose(names: list[str], choice: SheetChoice) -> list[str]:
    available = ", ".join(f"„{n}“" for n in names)
    if choice.names is not None:
        missing = [n for n in choice.names if n not in names]
        if missing:
            raise FileRefused(
                "sheet_not_found",
                f"Tabellenblatt „{missing[0]}“ fehlt; vorhanden: {available}",
            )
        return list(choice.names)
    if choice.pattern is not None:
        found = [n for n in names if choice.pattern.search(n)]
        if not found:
            raise FileRefused(
                "sheet_not_found",
                f"kein Tabellenblatt passt auf „{choice.pattern.pattern}“; vorhanden: {available}",
            )
        return found
    if choice.indexes is not None:
        wrong = [i for i in choice.indexes if not 1 <= i <= len(names)]
        if wrong:
            raise FileRefused(
                "sheet_not_found",
                f"Tabellenblatt Nr. {wrong[0]} fehlt; die Datei hat {len(names)} Blätter ({available})",
            )
        return [names[i - 1] for i in choice.indexes]
    return names[:1]


def build_header(
    sheet: Sheet, rule: HeaderRule, text_date: Callable[[str], dt.date | None] | None = None
) -> None:
    """Locate the header block and give the sheet its labelled columns.

    Merged ranges are filled right and down within the header rows (BA merges the month over its
    measures and a measure over its empty sub-row). A date cell or, with `text_date` (the recipe
    takes its dates from the header), a 5-digit Excel serial or a text `text_date` reads as a
    date is the column's header date, not part of its label.
    """
    rows = _header_rows(sheet, rule)
    grid = {r: list(sheet.rows[r - 1]) if r <= len(sheet.rows) else [] for r in rows}
    width = max((len(r) for r in sheet.rows), default=0)  # data beyond the header is reported
    for r1, c1, r2, c2 in sheet.merged:
        top = sheet.cell(r1, c1 - 1)
        for r in range(r1, r2 + 1):
            if r in grid:
                width = max(width, c2)
                grid[r] += [None] * (c2 - len(grid[r]))
                for c in range(c1 - 1, c2):
                    grid[r][c] = top
    if not any(cell_text(v) for r in rows for v in grid[r]):
        raise FileRefused("header_not_found", f"Kopfzeilen {_rows_text(rows)} sind leer")
    sheet.header_rows = rows
    sheet.columns = [
        _column(i, [grid[r][i] if i < len(grid[r]) else None for r in rows], text_date)
        for i in range(width)
    ]


def _header_rows(sheet: Sheet, rule: HeaderRule) -> tuple[int, ...]:
    if rule.find_column is None or rule.find_pattern is None:
        return tuple(rule.rows or (1,))
    index = column_index(rule.find_column)
    for row in range(1, min(HEADER_SEARCH_ROWS, len(sheet.rows)) + 1):
        if rule.find_pattern.search(cell_text(sheet.cell(row, index))):
            return tuple(range(row, row + rule.depth))
    raise FileRefused(
        "header_not_found",
        f"keine der ersten {HEADER_SEARCH_ROWS} Zeilen hat in Spalte {rule.find_column} einen "
        f"Eintrag, der auf „{rule.find_pattern.pattern}“ passt",
    )


def _column(index: int, cells: list[object], text_date) -> Column:
    parts: list[str] = []
    date = None
    for value in cells:
        found = _header_date(value, text_date)
        if found is not None:
            date = date or found
            continue
        text = _BLANKS.sub(" ", cell_text(value))
        if text and (not parts or normalize_label(parts[-1]) != normalize_label(text)):
            parts.append(text)
    label = " / ".join(parts)
    leaf = normalize_label(parts[-1]) if parts else ""
    return Column(index, get_column_letter(index + 1), label, normalize_label(label), leaf, date)


def _header_date(value: object, text_date) -> dt.date | None:
    """The date a header cell stands for: a date cell always; a 5-digit Excel serial or a text
    only with `text_date` (dates from the header), so that a column labelled `45127` (a
    postcode) keeps its label in any other recipe."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if text_date is None or not text or isinstance(value, bool):
        return None
    if _SERIAL.match(text):
        return from_excel(int(text)).date()
    return text_date(text)


def column_index(reference: str) -> int:
    """The 0-based index of a column letter (`A` → 0)."""
    index = 0
    for char in reference:
        index = index * 26 + ord(char) - 64
    return index - 1


def find_columns(sheet: Sheet, reference: str) -> list[Column]:
    """The columns a recipe's reference names: those whose full label or leaf equals it after
    normalisation; if none, the column with that letter (`A`), when it is one and the sheet
    has it (a letter beyond the sheet's last column finds nothing, it never reads blanks)."""
    found = label_matches(sheet.columns, reference)
    if found or not _LETTERS.match(reference.strip()):
        return found
    index = column_index(reference.strip())
    return [c for c in sheet.columns if c.index == index]


def label_matches(columns: list[Column], label: str) -> list[Column]:
    """The columns whose full label or leaf equals `label` after normalisation."""
    key = normalize_label(label)
    return [c for c in columns if key and key in (c.key, c.leaf)]


def _rows_text(rows: tuple[int, ...]) -> str:
    return ", ".join(str(r) for r in rows)
