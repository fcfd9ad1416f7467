"""Spreadsheets people open in Excel: formula-safe cells, byte-stable XLSX, Excel-friendly CSV.

A cell text starting with `=`, `+`, `-`, `@` (or a tab / carriage return) would be run as a formula
by Excel or LibreOffice ("CSV injection"); such texts get a leading apostrophe, which spreadsheet
programs show as plain text. Numbers stay numbers.

The XLSX is written directly as SpreadsheetML (the parts openpyxl writes: inline strings, a bold
frozen header row, column widths), one column at a time, straight into the zip. openpyxl builds a
Python object per cell and needed about 20 µs a cell, a minute for the state-wide workbook; this
takes about a tenth of that. A sheet holds at most 1,048,576 rows in Excel: a longer table goes on
into continuation sheets `<name> (2)`, `(3)`, … each with the header row, so no row is lost.
"""

from __future__ import annotations

import re
import zipfile
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member times: identical content gives identical bytes
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
    '<family val="2"/></font><font><b val="1"/><sz val="11"/><name val="Calibri"/>'
    '<family val="2"/></font></fonts><fills count="2"><fill><patternFill/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
    '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" '
    'fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1">'
    '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_CORE = (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/'
    'dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>Sozialplanung'
    '</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)


def safe_cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(safe_cell)
    return out


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """`;`-separated UTF-8 with BOM, decimal comma: what German Excel opens without a wizard."""
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_frame(frame).to_csv(path, sep=";", index=False, decimal=",", encoding="utf-8-sig")


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """One sheet per frame; header row bold and frozen; identical bytes for identical content."""
    parts = [part for name, frame in sheets.items() for part in _sheet_parts(name, frame)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        _put(package, "[Content_Types].xml", _content_types(len(parts)))
        _put(
            package,
            "_rels/.rels",
            _relationships(
                [
                    (f"{_REL}/officeDocument", "xl/workbook.xml"),
                    (f"{_PKG_REL}/metadata/core-properties", "docProps/core.xml"),
                ]
            ),
        )
        _put(package, "docProps/core.xml", _CORE)
        _put(package, "xl/workbook.xml", _workbook([title for title, _ in parts]))
        _put(
            package,
            "xl/_rels/workbook.xml.rels",
            _relationships(
                [
                    (f"{_REL}/worksheet", f"worksheets/sheet{i}.xml")
                    for i in range(1, len(parts) + 1)
                ]
                + [(f"{_REL}/styles", "styles.xml")]
            ),
        )
        _put(package, "xl/styles.xml", _STYLES)
        for number, (_, frame) in enumerate(parts, start=1):
            info = zipfile.ZipInfo(f"xl/worksheets/sheet{number}.xml", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with package.open(info, "w", force_zip64=True) as member:
                for chunk in _worksheet(frame):
                    member.write(chunk.encode("utf-8"))


def _sheet_parts(name: str, frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The sheet, or its continuation sheets when it has more rows than Excel shows."""
    rows = EXCEL_MAX_ROWS - 1  # the header takes one row
    if len(frame) <= rows:
        return [(name[:31], frame)]
    return [
        (
            name[:31] if start == 0 else f"{name[:25]} ({start // rows + 1})",
            frame.iloc[start : start + rows],
        )
        for start in range(0, len(frame), rows)
    ]


def _worksheet(frame: pd.DataFrame, rows_per_chunk: int = 20_000):
    """The sheet XML in chunks of rows, so a big table is never one string in memory."""
    columns = [str(c) for c in frame.columns]
    letters = [_column_letter(i) for i in range(len(columns))]
    widths = [len(c) for c in columns]
    header = "".join(
        f'<c r="{letter}1" s="1" t="inlineStr"><is>{_text(name)}</is></c>'
        for letter, name in zip(letters, columns, strict=True)
    )
    body = []
    for start in range(0, len(frame), rows_per_chunk):
        chunk = frame.iloc[start : start + rows_per_chunk]
        cells = []
        for i, letter in enumerate(letters):
            column_cells, longest = _cells(chunk.iloc[:, i], letter, start + 2)
            widths[i] = max(widths[i], longest)
            cells.append(column_cells)
        body.append(
            "".join(
                f'<row r="{start + 2 + n}">{"".join(row)}</row>'
                for n, row in enumerate(zip(*cells, strict=True))
            )
        )
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{min(60, width + 2)}" customWidth="1"/>'
        for i, width in enumerate(widths, start=1)
    )
    yield (
        f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" '
        'topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
        'activeCell="A2" sqref="A2"/></sheetView></sheetViews><sheetFormatPr '
        f'defaultRowHeight="15"/>{"<cols>" + cols + "</cols>" if cols else ""}<sheetData>'
        f'<row r="1">{header}</row>'
    )
    yield from body
    yield "</sheetData></worksheet>"


def _cells(column: pd.Series, letter: str, first_row: int) -> tuple[list[str], int]:
    """The cells of one column (empty strings for missing values) and its longest text.

    Numbers and booleans keep their type; every other value is written as formula-safe text.
    """
    rows = range(first_row, first_row + len(column))
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(values)
        texts = [
            _number(v) if ok else "" for v, ok in zip(values.tolist(), finite.tolist(), strict=True)
        ]
        cells = [
            f'<c r="{letter}{r}" t="n"><v>{text}</v></c>' if text else ""
            for r, text in zip(rows, texts, strict=True)
        ]
        return cells, max((len(t) for t in texts), default=0)
    cells, longest = [], 0
    for r, value in zip(rows, column.tolist(), strict=True):
        if _missing(value):
            cells.append("")
        elif isinstance(value, bool | np.bool_):
            cells.append(f'<c r="{letter}{r}" t="b"><v>{int(value)}</v></c>')
            longest = max(longest, 5)
        elif isinstance(value, int | float | np.number):
            text = _number(float(value))
            cells.append(f'<c r="{letter}{r}" t="n"><v>{text}</v></c>')
            longest = max(longest, len(text))
        else:
            value = safe_cell(str(value))
            cells.append(f'<c r="{letter}{r}" t="inlineStr"><is>{_text(value)}</is></c>')
            longest = max(longest, len(value))
    return cells, longest


def _number(value: float) -> str:
    """Whole numbers without `.0` (as Excel shows them), others with the shortest exact digits."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _text(value: str) -> str:
    """An inline string element; characters XML cannot carry are dropped, edge spaces kept."""
    value = _ILLEGAL_XML.sub("", value)
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<t{space}>{escape(value, quote=False)}</t>"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _workbook(titles: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{escape(title)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, title in enumerate(titles, start=1)
    )
    return (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
        f"<sheets>{sheets}</sheets></workbook>"
    )


def _relationships(targets: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, start=1)
    )
    return f'<Relationships xmlns="{_PKG_REL}">{items}</Relationships>'


def _content_types(sheets: int) -> str:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        for i in range(1, sheets + 1)
    )
    return (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        f'package.core-properties+xml"/>{overrides}</Types>'
    )


def _put(package: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    package.writestr(info, text.encode("utf-8"))


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
