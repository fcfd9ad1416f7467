"""Area recipes (`areas/recipes/*.yaml`, SPEC §7.3): a city's own boundary layout, declared once.

A municipality receives its boundaries as the surveying office keeps them (a zipped Shapefile
with `STT_NR`, `STT_NAME`, a GeoJSON with truncated 10-character names), never with the
product's attribute names. A recipe says which field holds the area id, the name and the
district, so nobody has to convert the file by hand before each run. It is checked completely
before any file is read: a recipe that is wrong in one place names its file and line, and none
of the files it describes is loaded, because a half-understood layout would give wrong areas.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from assets.ingest.parsing import normalize_header
from assets.ingest.recipe_yaml import (  # RECIPE_INVALID: re-exported for the areas reader
    RECIPE_INVALID as RECIPE_INVALID,
)
from assets.ingest.recipe_yaml import (
    BrokenRecipe,
    Located,
    RecipeError,
    check_files,
    check_keys,
    known_encoding,
    mapping,
    parse_with,
    pattern,
    read_recipes,
    typed,
)
from assets.yaml_guard import cut, shown

RECIPE_FOLDER = "areas/recipes"

_TOP_KEYS = {
    "recipe",
    "kind",
    "name",
    "files",
    "format",
    "layer",
    "crs",
    "encoding",
    "municipality_ags",
    "area_id",
    "area_name",
    "district_name",
}
_FIELD_KEYS = {"field", "pattern", "strip", "pad", "prefix", "suffix", "map"}
_ATTRIBUTE_KEYS = ("area_id", "area_name", "district_name")
_REQUIRED = ("recipe", "kind", "name", "files", "municipality_ags", *_ATTRIBUTE_KEYS)
_FORMATS = {"shapefile", "geojson", "gpkg"}


@dataclass
class FieldRule:
    """Where one attribute comes from: a field (after pattern, map, pad, prefix) or a constant."""

    field: str | None = None
    constant: str | None = None
    pattern: re.Pattern | None = None
    strip: bool = True
    pad: int | None = None
    prefix: str = ""
    suffix: str = ""
    mapping: dict[str, str] = dataclasses.field(default_factory=dict)
    line: int = 0
    from_id: tuple[int, int] | None = None  # district from a slice of the final area_id

    def value(self, raw: object, area_id: str | None = None) -> str | None:
        """The attribute for one feature's raw field value; None when the pattern fails.

        Order as SPEC §7.9.3: strip → pattern → map (final, untouched by pad/prefix) → pad →
        prefix/suffix. A district `from_id` slices the final area_id, then maps it.
        """
        if self.constant is not None:
            return self.constant
        if self.from_id is not None:
            if area_id is None:
                return None
            key = area_id[self.from_id[0] : self.from_id[1]]
            return self.mapping.get(key, key)
        if raw is None:
            return None
        text = str(raw).strip() if self.strip else str(raw)
        if self.pattern is not None:
            found = self.pattern.search(text)
            if found is None:
                return None
            text = found.group(1)
        if text in self.mapping:
            return self.mapping[text]
        if self.pad and text.isdigit():
            text = text.zfill(self.pad)
        return f"{self.prefix}{text}{self.suffix}"


@dataclass
class AreaRecipe:
    """A validated area recipe; `rules` maps product attribute → FieldRule."""

    rel: str  # the recipe's path in the data root, for messages
    name: str
    files: list[str]
    format: str | None
    layer: str | None
    crs: str | None  # None = from the file
    encoding: str | None  # None = auto
    rules: dict[str, FieldRule]
    lines: dict[str, int]  # line of every key, for messages about the file it is applied to

    def matches(self, rel: str) -> bool:
        return any(fnmatchcase(rel, pattern) for pattern in self.files)

    def fields(self) -> list[FieldRule]:
        return [rule for rule in self.rules.values() if rule.field is not None]


def load_recipes(root: Path) -> list[AreaRecipe | BrokenRecipe]:
    """Every `areas/recipes/*.yaml` of the data root, sorted by name, validated."""
    return read_recipes(root, RECIPE_FOLDER, parse_recipe)


def parse_recipe(text: str, rel: str) -> AreaRecipe | BrokenRecipe:
    """The recipe in `text`, or a BrokenRecipe with the first problem as `rel:line: reason`."""
    return parse_with(text, rel, "areas/", _validated)


def _validated(data: object, fail: Located, files: list[str]) -> AreaRecipe:
    if not isinstance(data, dict):
        raise fail("", "erwartet eine Zuordnung (key: value) auf oberster Ebene")
    if "valid_from" in data:  # SPEC §7.3 lists it; the areas table has no vintage column yet
        raise fail(
            "valid_from", "valid_from (Gebietsstand) wird noch nicht übernommen; bitte entfernen"
        )
    check_keys(data, _TOP_KEYS, "", fail)
    for key in _REQUIRED:
        if key not in data:
            raise fail("", f"Pflichtschlüssel {key!r} fehlt")
    if data["recipe"] != 1:
        raise fail("recipe", "recipe: erwartet 1 (Version des Rezeptformats)")
    if data["kind"] != "areas":
        raise fail("kind", "kind: ein Rezept unter areas/recipes/ muss 'kind: areas' haben")
    check_files(data, "areas/", fail)
    fmt = data.get("format")
    if fmt is not None and fmt not in _FORMATS:
        raise fail("format", f"format: erwartet eines von {sorted(_FORMATS)}, nicht {shown(fmt)}")
    crs = data.get("crs", "from_file")
    if not isinstance(crs, str) or not (crs == "from_file" or re.fullmatch(r"EPSG:\d+", crs)):
        raise fail("crs", f"crs: erwartet 'from_file' oder 'EPSG:<Nummer>', nicht {shown(crs)}")
    encoding = data.get("encoding", "auto")
    if not known_encoding(encoding):
        raise fail("encoding", f"encoding: unbekannte Zeichenkodierung {shown(encoding)}")
    rules = {key: _rule(data[key], key, fail) for key in ("municipality_ags", *_ATTRIBUTE_KEYS)}
    if rules["area_id"].field is None:
        raise fail("area_id", "area_id: erwartet {field: …}")
    layer = data.get("layer")
    return AreaRecipe(
        rel=fail.rel,
        name=str(data["name"]),
        files=files,
        format=fmt,
        layer=None if layer is None else str(layer),
        crs=None if crs == "from_file" else crs,
        encoding=None if encoding == "auto" else encoding,
        rules=rules,
        lines=fail.lines,
    )


def _rule(spec: object, key: str, fail: Located) -> FieldRule:
    """One attribute's rule: a constant text, `{field, …}`, or (district) `{from_id, map}`."""
    line = fail.line(key)
    if key == "municipality_ags" and isinstance(spec, int):
        raise fail(key, f'{key}: den AGS in Anführungszeichen schreiben ("05315000")')
    if isinstance(spec, str | int) and not isinstance(spec, bool):
        return FieldRule(constant=str(spec), line=line)
    if not isinstance(spec, dict):
        raise fail(key, f"{key}: erwartet einen Text oder {{field: …}}")
    allowed = _FIELD_KEYS | ({"from_id"} if key == "district_name" else set())
    check_keys(spec, allowed, key, fail)
    rule = FieldRule(line=line, mapping=mapping(spec.get("map", {}), f"{key}.map", fail))
    if "from_id" in spec:
        rule.from_id = _slice(spec["from_id"], key, fail)
        if "field" in spec:
            raise fail(key, f"{key}: entweder field oder from_id, nicht beides")
        return rule
    if not isinstance(spec.get("field"), str) or not spec["field"]:
        raise fail(key, f"{key}: field fehlt (Name des Attributs in der Datei)")
    rule.field = spec["field"]
    rule.line = fail.line(f"{key}.field")
    if "pattern" in spec:
        rule.pattern = pattern(spec["pattern"], f"{key}.pattern", fail)
    rule.strip = typed(spec, "strip", bool, True, key, fail)
    rule.pad = typed(spec, "pad", int, None, key, fail)
    rule.prefix = typed(spec, "prefix", str, "", key, fail)
    rule.suffix = typed(spec, "suffix", str, "", key, fail)
    return rule


def _slice(value: object, key: str, fail: Located) -> tuple[int, int]:
    bounds = value.get("slice") if isinstance(value, dict) and len(value) == 1 else None
    if not (isinstance(bounds, list) and len(bounds) == 2 and all(type(b) is int for b in bounds)):
        raise fail(f"{key}.from_id", f"{key}.from_id: erwartet {{slice: [Anfang, Ende]}}")
    return bounds[0], bounds[1]


def resolve_fields(recipe: AreaRecipe, columns: list[str]) -> dict[str, str]:
    """Recipe field name → the file's column, exact first, else by the normalised header.

    Raises RecipeError naming the recipe line when a field matches no column or several.
    """
    resolved = {}
    for rule in recipe.fields():
        if rule.field in columns:
            resolved[rule.field] = rule.field
            continue
        hits = [c for c in columns if normalize_header(c) == normalize_header(rule.field)]
        if len(hits) != 1:
            what = "keinem" if not hits else f"mehreren ({', '.join(hits)})"
            raise RecipeError(
                f"{recipe.rel}:{rule.line}: Feld {shown(rule.field)} passt zu {what} Attribut "
                f"der Datei; vorhanden: {cut(', '.join(columns))}"
            )
        resolved[rule.field] = hits[0]
    return resolved
