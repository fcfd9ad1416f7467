"""The row and cell rules of a statistics recipe (SPEC §7.2): where the header, the data rows, the
area id and the Stichtag are. Split from `stat_recipes.py`, which checks the rest; both raise
`RecipeError` with `rel:line` for the first problem, so the recipe's files are refused unread.

Column references are a header label or a column letter (`A` … `ZZZ`); the reader tries the
label first, then the letter. Only `header.find.column` must be a letter, because it is used
before there is a header to match a label against.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from assets.ingest.recipe_model import AreaRule, DateRule, HeaderRule, RowMatch, SheetChoice
from assets.ingest.recipe_yaml import (
    Located,
    check_keys,
    is_below,
    mapping,
    pattern,
    regex,
    typed,
)
from assets.yaml_guard import cut, shown

MAP_FOLDER = "statistics/recipes/"
MAP_HEADER = ["source", "area_id"]
MAX_MAP_BYTES = 5_000_000  # a map has one line per area; more is no map
MAX_HEADER_ROWS = 10  # BA uses 3; more is a mistake, and `"1-1000000"` must not build a list
MAX_ROW = 1_048_576  # the last row of a worksheet
_LETTER = re.compile(r"[A-Z]{1,3}")
_CELL = re.compile(r"[A-Z]{1,3}[1-9]\d*")
_DATE_SOURCES = {"column", "cell", "filename", "sheet", "header", "fixed"}
_DATE_KEYS = {  # the keys each date source uses besides `from`
    "column": {"column", "pattern", "format", "resolve"},
    "cell": {"cell", "pattern", "format", "resolve"},
    "filename": {"pattern", "format", "resolve"},
    "sheet": {"pattern", "format", "resolve"},
    "header": {"pattern", "format", "resolve"},
    "fixed": {"value"},
}
_RESOLVE = {"as_is": "day", "month_end": "month", "year_end": "year"}  # → the least precision
_PRECISION = {"day": 3, "month": 2, "year": 1}
_DIRECTIVES = set("YmdBb%")  # %B/%b: German month names (Dezember, Dez); %y is ambiguous


def column_ref(value: object, path: str, fail: Located) -> str:
    """A column letter or a header label, as non-empty text."""
    if not isinstance(value, str) or not value.strip():
        raise fail(
            path,
            f"{path}: erwartet einen Spaltenbuchstaben (A…ZZZ) oder eine Spaltenüberschrift "
            f"als Text, nicht {shown(value)}",
        )
    return value


def texts(value: object, path: str, fail: Located, *, single: bool = True) -> tuple[str, ...]:
    """One text (if `single`) or a non-empty list of texts, each non-empty."""
    items = [value] if single and isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        what = "einen Text oder eine Liste von Texten" if single else "eine Liste von Texten"
        raise fail(path, f"{path}: erwartet {what}, nicht {shown(value)}")
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise fail(path, f"{path}: erwartet Text (in Anführungszeichen), nicht {shown(item)}")
    return tuple(items)


def _section(data: dict, key: str, fail: Located, allowed: set[str]) -> dict:
    spec = data.get(key, {})
    if not isinstance(spec, dict):
        raise fail(key, f"{key}: erwartet eine Zuordnung (key: value), nicht {shown(spec)}")
    check_keys(spec, allowed, key, fail)
    return spec


def _row(value: object, path: str, fail: Located) -> int:
    if type(value) is not int or not 1 <= value <= MAX_ROW:
        raise fail(path, f"{path}: erwartet eine Zeilennummer ab 1, nicht {shown(value)}")
    return value


def sheets_of(data: dict, fail: Located) -> SheetChoice:
    """`sheets`: a list of names, `{pattern: regex}` or `{index: [2, 3]}`; absent = first."""
    spec = data.get("sheets")
    if spec is None:
        return SheetChoice()
    if isinstance(spec, list):
        return SheetChoice(names=texts(spec, "sheets", fail, single=False))
    if not isinstance(spec, dict) or len(spec) != 1:
        raise fail("sheets", "sheets: erwartet eine Liste von Namen, {pattern: …} oder {index: …}")
    check_keys(spec, {"pattern", "index"}, "sheets", fail)
    if "pattern" in spec:
        return SheetChoice(pattern=regex(spec["pattern"], "sheets.pattern", fail))
    given = spec["index"] if isinstance(spec["index"], list) else [spec["index"]]
    return SheetChoice(indexes=tuple(_row(i, "sheets.index", fail) for i in given))


def header_of(data: dict, fail: Located) -> HeaderRule:
    """`header.rows` ("12-14", [12, 13, 14], 12) or `header.find` + `header.depth`."""
    spec = _section(data, "header", fail, {"rows", "find", "depth"})
    if "find" not in spec:
        if "depth" in spec:
            raise fail("header.depth", "header.depth: nur zusammen mit header.find")
        return HeaderRule(rows=_header_rows(spec.get("rows", 1), fail))
    if "rows" in spec:
        raise fail("header.find", "header: entweder rows oder find (+ depth), nicht beides")
    find = spec["find"]
    if not isinstance(find, dict):
        raise fail("header.find", "header.find: erwartet {column: A, matches: <Ausdruck>}")
    check_keys(find, {"column", "matches"}, "header.find", fail)
    column = find.get("column")
    if not isinstance(column, str) or not _LETTER.fullmatch(column):
        raise fail("header.find", "header.find.column: erwartet einen Spaltenbuchstaben (A…ZZZ)")
    depth = spec.get("depth", 1)
    if type(depth) is not int or not 1 <= depth <= MAX_HEADER_ROWS:
        raise fail("header.depth", f"header.depth: erwartet 1 bis {MAX_HEADER_ROWS} Zeilen")
    matches = regex(find.get("matches"), "header.find.matches", fail)
    return HeaderRule(rows=None, find_column=column, find_pattern=matches, depth=depth)


def _header_rows(value: object, fail: Located) -> tuple[int, ...]:
    if isinstance(value, str):
        found = re.fullmatch(r"\s*(\d{1,7})\s*(?:-\s*(\d{1,7})\s*)?", value)
        if found is None:
            raise fail("header.rows", 'header.rows: erwartet "12-14", [12, 13, 14] oder 12')
        first, last = int(found[1]), int(found[2] or found[1])
        if not 0 <= last - first < MAX_HEADER_ROWS:
            raise fail(
                "header.rows", f"header.rows: erwartet 1 bis {MAX_HEADER_ROWS} aufsteigende Zeilen"
            )
        rows = list(range(first, last + 1))
    else:
        rows = value if isinstance(value, list) else [value]
    rows = [_row(row, "header.rows", fail) for row in rows]
    if not rows or len(rows) > MAX_HEADER_ROWS or rows != sorted(set(rows)):
        raise fail(
            "header.rows",
            f"header.rows: erwartet 1 bis {MAX_HEADER_ROWS} aufsteigende Zeilen, nicht {shown(value)}",
        )
    return tuple(rows)


def data_rows_of(data: dict, header: HeaderRule, fail: Located):
    """`data.start`, `data.stop_when`, `data.skip_when` (a regex or {column, matches})."""
    spec = _section(data, "data", fail, {"start", "stop_when", "skip_when"})
    start = spec.get("start")
    if start is not None:
        start = _row(start, "data.start", fail)
        if header.rows is not None and start <= header.rows[-1]:
            raise fail("data.start", "data.start: muss nach der letzten Kopfzeile liegen")
    stop = spec.get("stop_when")
    stop = None if stop is None else regex(stop, "data.stop_when", fail)
    return start, stop, _skip_when(spec.get("skip_when"), fail)


def _skip_when(spec: object, fail: Located) -> RowMatch | None:
    if spec is None:
        return None
    if not isinstance(spec, dict):
        return RowMatch(regex(spec, "data.skip_when", fail))
    check_keys(spec, {"column", "matches"}, "data.skip_when", fail)
    column = column_ref(spec.get("column"), "data.skip_when.column", fail)
    return RowMatch(regex(spec.get("matches"), "data.skip_when.matches", fail), column)


def filter_of(data: dict, fail: Located) -> dict[str, tuple[str, ...]]:
    """`filter`: column → accepted value or values (a whole number is taken as its digits)."""
    spec = data.get("filter", {})
    if not isinstance(spec, dict):
        raise fail("filter", "filter: erwartet eine Zuordnung Spalte: Wert")
    accepted = {}
    for column, values in spec.items():
        path = f"filter.{column}"
        column_ref(column, path, fail)
        values = values if isinstance(values, list) else [values]
        if not values:
            raise fail(path, f"{path}: erwartet einen Wert oder eine Liste von Werten")
        accepted[column] = tuple(_value_text(value, path, fail) for value in values)
    return accepted


def _value_text(value: object, path: str, fail: Located) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise fail(path, f"{path}: erwartet Text (in Anführungszeichen), nicht {shown(value)}")
    return str(value)


def area_of(data: dict, root: Path, fail: Located) -> AreaRule:
    """`area.*`; `area.map` inline or `{file: statistics/recipes/<name>.csv}`."""
    spec = _section(
        data, "area", fail, {"column", "pattern", "strip", "pad", "prefix", "suffix", "map"}
    )
    if "column" not in spec:
        raise fail("area", "area.column fehlt (Spalte mit der Gebiets-ID)")
    pad = typed(spec, "pad", int, None, "area", fail)
    if pad is not None and not 1 <= pad <= 20:
        raise fail("area.pad", "area.pad: erwartet eine Breite von 1 bis 20 Stellen")
    return AreaRule(
        column=column_ref(spec["column"], "area.column", fail),
        pattern=pattern(spec["pattern"], "area.pattern", fail) if "pattern" in spec else None,
        strip=typed(spec, "strip", bool, True, "area", fail),
        pad=pad,
        prefix=typed(spec, "prefix", str, "", "area", fail),
        suffix=typed(spec, "suffix", str, "", "area", fail),
        mapping=_area_map(spec.get("map", {}), root, fail),
    )


def _area_map(spec: object, root: Path, fail: Located) -> dict[str, str]:
    if isinstance(spec, dict) and "file" in spec:
        check_keys(spec, {"file"}, "area.map", fail)
        return _map_file(spec["file"], root, fail)
    return mapping(spec, "area.map", fail)


def _map_file(rel: object, root: Path, fail: Located) -> dict[str, str]:
    """The map file `source;area_id` (one header line, then one id per line), read now."""
    path = "area.map.file"
    if not is_below(rel, MAP_FOLDER):
        raise fail(path, f"{path}: {shown(rel)} muss unter {MAP_FOLDER} im Datenordner liegen")
    file = root / rel
    if file.is_symlink() or not file.is_file():
        raise fail(path, f"{path}: {rel} fehlt oder ist keine Datei")
    try:
        if file.stat().st_size > MAX_MAP_BYTES:
            raise fail(path, f"{path}: {rel} ist größer als {MAX_MAP_BYTES // 1_000_000} MB")
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(path, f"{path}: {rel} nicht lesbar (UTF-8 erwartet): {cut(str(exc))}") from exc
    return _map_rows(text, rel, fail)


def _map_rows(text: str, rel: str, fail: Located) -> dict[str, str]:
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    if not rows or [cell.strip() for cell in rows[0]] != MAP_HEADER:
        raise fail(
            "area.map.file", f"area.map.file: {rel} Zeile 1: erwartet die Kopfzeile source;area_id"
        )
    found: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        source, target = (cell.strip() for cell in row) if len(row) == 2 else ("", "")
        if not source or not target:
            raise fail(
                "area.map.file",
                f"area.map.file: {rel} Zeile {number}: erwartet genau zwei Werte source;area_id",
            )
        if found.setdefault(source, target) != target:
            raise fail(
                "area.map.file",
                f"area.map.file: {rel} Zeile {number}: {shown(source)} ist schon "
                f"{shown(found[source])} zugeordnet",
            )
    return found


def date_of(data: dict, fail: Located) -> DateRule:
    """`date.*`: the source, its keys, and a strftime format whose directives are known."""
    spec = data.get("date")
    if not isinstance(spec, dict):
        raise fail("date", "date: erwartet eine Zuordnung mit date.from")
    source = spec.get("from")
    if source not in _DATE_SOURCES:
        raise fail(
            "date.from",
            f"date.from: erwartet eines von {sorted(_DATE_SOURCES)}, nicht {shown(source)}",
        )
    check_keys(spec, _DATE_KEYS[source] | {"from"}, "date", fail)
    if source == "fixed":
        return DateRule(source, value=_fixed_date(spec.get("value"), fail))
    if source == "column" and "column" not in spec:
        raise fail("date", "date.column fehlt (Spalte mit dem Stichtag)")
    if source == "cell" and not _CELL.fullmatch(str(spec.get("cell", ""))):
        raise fail(
            "date", f"date.cell: erwartet eine Zelle wie A4, nicht {shown(spec.get('cell'))}"
        )
    fmt = _date_format(spec.get("format"), fail)
    return DateRule(
        source,
        column=column_ref(spec["column"], "date.column", fail) if source == "column" else None,
        cell=spec.get("cell"),
        pattern=pattern(spec["pattern"], "date.pattern", fail) if "pattern" in spec else None,
        format=fmt,
        resolve=_resolve(spec.get("resolve"), fmt, fail),
    )


def _fixed_date(value: object, fail: Located) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # YAML reads an unquoted 2024-12-31 as a date
    try:
        if isinstance(value, str):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise fail("date.value", f"date.value: erwartet ein Datum JJJJ-MM-TT, nicht {shown(value)}")


def _date_format(fmt: object, fail: Located) -> str | None:
    """A strftime text with %Y, optionally %m, %B or %b (German month name), and %d."""
    if fmt is None:
        return None
    if not isinstance(fmt, str):
        raise fail("date.format", 'date.format: erwartet ein Format als Text, z. B. "%d.%m.%Y"')
    directives = re.findall(r"%(.)", fmt.replace("%%", ""))
    if "%" in re.sub(r"%[YmdBb%]", "", fmt) or not set(directives) <= _DIRECTIVES:
        raise fail(
            "date.format",
            f"date.format: erlaubt sind %Y, %m, %B, %b, %d und %%, nicht {shown(fmt)}",
        )
    months = sum(directives.count(d) for d in "mBb")
    if directives.count("Y") != 1 or months > 1 or directives.count("d") > 1:
        raise fail(
            "date.format", "date.format: braucht genau ein %Y und höchstens einen Monat und Tag"
        )
    if "d" in directives and not months:
        raise fail("date.format", "date.format: ein Tag (%d) braucht einen Monat (%m, %B oder %b)")
    return fmt


def _precision_of(fmt: str | None) -> str | None:
    """day, month or year for a checked format; None = ISO text or an Excel date (any)."""
    if fmt is None:
        return None
    if "%d" in fmt:
        return "day"
    return "month" if any(d in fmt for d in ("%m", "%B", "%b")) else "year"


def _resolve(value: object, fmt: str | None, fail: Located) -> str | None:
    if value is None:
        return None
    if value not in _RESOLVE:
        raise fail(
            "date.resolve",
            f"date.resolve: erwartet eines von {sorted(_RESOLVE)}, nicht {shown(value)}",
        )
    given = _precision_of(fmt)
    if given is not None and _PRECISION[given] < _PRECISION[_RESOLVE[value]]:
        raise fail("date.resolve", f"date.resolve: {value} passt nicht zu date.format {fmt!r}")
    return value
