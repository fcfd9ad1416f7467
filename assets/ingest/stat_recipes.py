"""Statistics recipes (`statistics/recipes/*.yaml`, SPEC §7.2): a wide or long CSV/XLSX layout,
declared once, becomes the long format `Stichtag;Raum_ID;Merkmal;Wert`.

A BA workbook or a city's export never arrives in the product's long format, and its layout
drifts between deliveries. The data team describes each layout once; this module checks the
description completely before any of its files is read: an unknown key, an unknown Merkmal, a
regex without its group or a map file that does not fit is named with the recipe's file and line
(`recipe_invalid`), and none of the recipe's files is loaded, because a half-understood layout
gives wrong values. What is found only in a file (a label that matches no column) is the
reader's business (`recipe_values.py`).
"""

from __future__ import annotations

import math
from pathlib import Path

from assets.ingest.recipe_model import SYMBOLS, DateRule, LongCode, StatisticsRecipe
from assets.ingest.recipe_yaml import (
    BrokenRecipe,
    Located,
    check_files,
    check_keys,
    known_encoding,
    mapping,
    parse_with,
    read_recipes,
)
from assets.ingest.stat_recipe_rules import (
    area_of,
    column_ref,
    data_rows_of,
    date_of,
    filter_of,
    header_of,
    sheets_of,
    texts,
)
from assets.ingest.statistics import CODES
from assets.yaml_guard import shown

RECIPE_FOLDER = "statistics/recipes"
INCOMING = "statistics/incoming/"
_TOP_KEYS = {
    "recipe",
    "kind",
    "name",
    "files",
    "format",
    "encoding",
    "delimiter",
    "sheets",
    "header",
    "data",
    "filter",
    "area",
    "date",
    "layout",
    "measures",
    "ignore",
    "long",
    "values",
    "on_unmapped_column",
}
_REQUIRED = ("recipe", "name", "files", "area", "date")
_CHOICES = {
    "format": ("csv", "xlsx"),
    "layout": ("wide", "long"),
    "on_unmapped_column": ("report", "error"),
}
_THOUSANDS = (".", ",", " ", "")


def load_statistics_recipes(root: Path) -> list[StatisticsRecipe | BrokenRecipe]:
    """Every `statistics/recipes/*.yaml` of the data root, sorted by name, validated."""
    return read_recipes(
        root, RECIPE_FOLDER, lambda text, rel: parse_statistics_recipe(text, rel, root)
    )


def parse_statistics_recipe(text: str, rel: str, root: Path) -> StatisticsRecipe | BrokenRecipe:
    """The recipe in `text`, or a BrokenRecipe with the first problem as `rel:line: reason`.

    `root` is the data root: an `area.map: {file: …}` is read from there now.
    """
    return parse_with(
        text, rel, INCOMING, lambda data, fail, files: _validated(data, fail, files, root)
    )


def _validated(data: object, fail: Located, files: list[str], root: Path) -> StatisticsRecipe:
    _check_top(data, fail)  # afterwards every claimed file is below statistics/incoming/
    fmt = _choice(data, "format", None, fail)
    layout = _choice(data, "layout", "wide", fail)
    header = header_of(data, fail)
    start, stop, skip = data_rows_of(data, header, fail)
    encoding, delimiter = _csv_options(data, fmt, fail)
    values = _values(data, fail)
    alternatives: dict[str, tuple[str, ...]] = {}  # filled by `_columns` from `{any: […]}`
    measures, ignore, long_code, long_value, long_codes = _columns(data, layout, fail, alternatives)
    return StatisticsRecipe(
        rel=fail.rel,
        name=data["name"],
        files=tuple(files),
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        sheets=sheets_of(data, fail),
        header=header,
        data_start=start,
        stop_when=stop,
        skip_when=skip,
        filter=filter_of(data, fail),
        area=area_of(data, root, fail),
        date=_date(data, fmt, fail),
        layout=layout,
        measures=measures,
        ignore=ignore,
        long_code=long_code,
        long_value=long_value,
        long_codes=long_codes,
        **values,
        on_unmapped_column=_choice(data, "on_unmapped_column", "report", fail),
        lines=fail.lines,
        alternatives=alternatives,
    )


def _check_top(data: object, fail: Located) -> None:
    if not isinstance(data, dict):
        raise fail("", "erwartet eine Zuordnung (key: value) auf oberster Ebene")
    check_keys(data, _TOP_KEYS, "", fail)
    for key in _REQUIRED:
        if key not in data:
            raise fail("", f"Pflichtschlüssel {key!r} fehlt")
    if type(data["recipe"]) is not int or data["recipe"] != 1:
        raise fail("recipe", "recipe: erwartet 1 (Version des Rezeptformats)")
    if data.get("kind", "statistics") != "statistics":
        raise fail("kind", "kind: ein Rezept unter statistics/recipes/ hat 'kind: statistics'")
    if not isinstance(data["name"], str) or not data["name"].strip():
        raise fail("name", "name: erwartet einen Namen als Text")
    check_files(data, INCOMING, fail)


def _choice(data: dict, key: str, default: str | None, fail: Located) -> str | None:
    value = data.get(key, default)
    if value is not default and value not in _CHOICES[key]:
        raise fail(key, f"{key}: erwartet eines von {list(_CHOICES[key])}, nicht {shown(value)}")
    return value


def _date(data: dict, fmt: str | None, fail: Located) -> DateRule:
    rule = date_of(data, fail)
    if rule.source == "sheet" and fmt == "csv":
        raise fail("date.from", "date.from: sheet gilt nicht für format: csv")
    return rule


def _csv_options(data: dict, fmt: str | None, fail: Located) -> tuple[str | None, str]:
    """`encoding` (None = auto) and `delimiter`; both only for CSV, `sheets` only for XLSX."""
    for key, wrong in (("encoding", "xlsx"), ("delimiter", "xlsx"), ("sheets", "csv")):
        if key in data and fmt == wrong:
            raise fail(key, f"{key}: gilt nicht für format: {wrong}")
    encoding = data.get("encoding", "auto")
    if not known_encoding(encoding):
        raise fail("encoding", f"encoding: unbekannte Zeichenkodierung {shown(encoding)}")
    delimiter = data.get("delimiter", ";")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise fail("delimiter", f"delimiter: erwartet ein Trennzeichen, nicht {shown(delimiter)}")
    return (None if encoding == "auto" else encoding), delimiter


def _columns(data: dict, layout: str, fail: Located, alternatives: dict) -> tuple:
    """(measures, ignore, long.code, long.value, long.codes) for the layout; a measure given
    as `{any: […]}` is entered in `alternatives`."""
    ignore = texts(data["ignore"], "ignore", fail) if "ignore" in data else ()
    if layout == "wide":
        if "long" in data:
            raise fail("long", "long: gilt nur für layout: long")
        if "measures" not in data:
            raise fail("", "Pflichtschlüssel 'measures' fehlt (layout: wide)")
        return _codes(data["measures"], "measures", fail, alternatives), ignore, None, None, {}
    if "measures" in data:
        raise fail("measures", "measures: gilt nur für layout: wide (long: long.codes)")
    spec = data.get("long")
    if not isinstance(spec, dict):
        raise fail("", "Pflichtschlüssel 'long' fehlt (layout: long: code, value, codes)")
    check_keys(spec, {"code", "value", "codes"}, "long", fail)
    for key in ("code", "value", "codes"):
        if key not in spec:
            raise fail("long", f"long.{key} fehlt")
    code = _long_code(spec["code"], fail)
    value = column_ref(spec["value"], "long.value", fail)
    return {}, ignore, code, value, _codes(spec["codes"], "long.codes", fail)


def _codes(
    spec: object, path: str, fail: Located, alternatives: dict | None = None
) -> dict[str, tuple[str, ...]]:
    """Merkmal → labels or source codes (several = summed); every Merkmal must be known.

    With `alternatives` (only `measures`), a Merkmal may name one column by several labels,
    `{any: [a, b]}`: it is entered there and holds its first label here."""
    if not isinstance(spec, dict) or not spec:
        raise fail(path, f"{path}: erwartet eine Zuordnung Merkmal: Spalte (oder Liste)")
    found = {}
    for code, given in spec.items():
        if code not in CODES:
            raise fail(
                f"{path}.{code}",
                f"{path}: unbekanntes Merkmal {shown(code)}; bekannt: {', '.join(CODES)}",
            )
        if alternatives is not None and isinstance(given, dict):
            alternatives[code] = _any_of(given, f"{path}.{code}", fail)
            found[code] = alternatives[code][:1]
        else:
            found[code] = texts(given, f"{path}.{code}", fail)
    return found


def _any_of(spec: dict, path: str, fail: Located) -> tuple[str, ...]:
    """`{any: [a, b]}`: the alternative labels of one column, a non-empty list of texts."""
    check_keys(spec, {"any"}, path, fail)
    if "any" not in spec:
        raise fail(path, f"{path}: erwartet {{any: [Bezeichnung, …]}} (andere Bezeichnungen)")
    return texts(spec["any"], f"{path}.any", fail, single=False)


def _long_code(spec: object, fail: Located) -> LongCode:
    if not isinstance(spec, dict):
        return LongCode((column_ref(spec, "long.code", fail),))
    check_keys(spec, {"columns", "join"}, "long.code", fail)
    join = spec.get("join", "/")
    if not isinstance(join, str):
        raise fail("long.code.join", f"long.code.join: erwartet Text, nicht {shown(join)}")
    columns = texts(spec.get("columns"), "long.code.columns", fail, single=False)
    return LongCode(columns, join)


def _values(data: dict, fail: Located) -> dict:
    """`values.*`: number rules, symbols (given = the whole list) and scale."""
    spec = data.get("values", {})
    if not isinstance(spec, dict):
        raise fail("values", "values: erwartet eine Zuordnung (key: value)")
    check_keys(spec, {"decimal", "thousands", "symbols", "scale"}, "values", fail)
    decimal = spec.get("decimal", ",")
    thousands = spec.get("thousands", "." if decimal == "," else ",")
    if decimal not in (",", "."):
        raise fail(
            "values.decimal", f"values.decimal: erwartet ',' oder '.', nicht {shown(decimal)}"
        )
    if thousands not in _THOUSANDS or thousands == decimal:
        raise fail(
            "values.thousands",
            f"values.thousands: erwartet eines von {list(_THOUSANDS)} (nicht das Dezimalzeichen)",
        )
    found = {"decimal": decimal, "thousands": thousands, "scale": _scale(spec, fail)}
    if "symbols" in spec:
        found["symbols"] = _symbols(spec["symbols"], fail)
    return found


def _symbols(spec: object, fail: Located) -> dict[str, str]:
    symbols = {}
    for source, target in mapping(spec, "values.symbols", fail).items():
        path = f"values.symbols.{source}"
        if target not in SYMBOLS:
            raise fail(
                path,
                f"values.symbols: {shown(target)} ist kein Zeichen des Produkts {list(SYMBOLS)}",
            )
        if not source.strip():
            raise fail(path, "values.symbols: ein leerer Quelltext ist kein Zeichen")
        symbols[source.strip()] = target
    return symbols


def _scale(spec: dict, fail: Located) -> float:
    scale = spec.get("scale", 1)
    if not isinstance(scale, int | float) or isinstance(scale, bool) or not 0 < scale < math.inf:
        raise fail(
            "values.scale", f"values.scale: erwartet eine Zahl größer 0, nicht {shown(scale)}"
        )
    return scale
