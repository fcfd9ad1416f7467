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
from pathlib import Path, PurePosixPath

import yaml

from assets.ingest.parsing import normalize_header
from assets.yaml_guard import anchors_and_aliases, cut, shown

RECIPE_FOLDER = "areas/recipes"
RECIPE_INVALID = "recipe_invalid"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


class RecipeError(ValueError):
    """A recipe that cannot be used; the message is `file:line: German reason`."""


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


@dataclass
class BrokenRecipe:
    """A recipe that failed validation; `files` is what it claims, so those files are refused."""

    rel: str
    files: list[str]
    reason: str

    def matches(self, rel: str) -> bool:
        return any(fnmatchcase(rel, pattern) for pattern in self.files)


def load_recipes(root: Path) -> list[AreaRecipe | BrokenRecipe]:
    """Every `areas/recipes/*.yaml` of the data root, sorted by name, validated."""
    folder = root / RECIPE_FOLDER
    if not folder.is_dir() or folder.is_symlink():
        return []
    recipes = []
    for path in sorted(folder.glob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink() or not path.is_file():
            reason = f"{rel}: ist eine Verknüpfung (Link) oder keine Datei; wird nicht gelesen"
            recipes.append(BrokenRecipe(rel, [], reason))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            recipes.append(BrokenRecipe(rel, [], f"{rel}: nicht lesbar (UTF-8 erwartet): {exc}"))
            continue
        recipes.append(parse_recipe(text, rel))
    return recipes


def parse_recipe(text: str, rel: str) -> AreaRecipe | BrokenRecipe:
    """The recipe in `text`, or a BrokenRecipe with the first problem as `rel:line: reason`."""
    try:
        refused = anchors_and_aliases(text, _LOADER)
        if refused:
            return BrokenRecipe(rel, [], f"{rel}:{refused[0][0]}: {refused[0][1]}")
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        return BrokenRecipe(rel, [], f"{rel}: kein gültiges YAML: {cut(str(exc))}")
    except (ValueError, RecursionError) as exc:  # e.g. an int of more than 4,300 digits
        return BrokenRecipe(rel, [], f"{rel}: kein gültiger Wert: {cut(str(exc))}")
    lines = _lines(node)
    files = _files_of(data)
    try:
        return _validated(data, rel, lines, files)
    except RecipeError as exc:
        return BrokenRecipe(rel, files, str(exc))


def _lines(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """1-based line of every mapping key, by dotted path (`area_id.field`)."""
    found: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}{key.value}"
            found[path] = key.start_mark.line + 1
            found.update(_lines(value, path + "."))
    return found


def _files_of(data: object) -> list[str]:
    """The recipe's file patterns that stay below `areas/`; others are never globbed."""
    return [pattern for pattern in _given_files(data) if _inside_areas(pattern)]


def _given_files(data: object) -> list:
    files = data.get("files") if isinstance(data, dict) else None
    return [files] if isinstance(files, str) else files if isinstance(files, list) else []


def _inside_areas(pattern: object) -> bool:
    return (
        isinstance(pattern, str)
        and pattern.startswith("areas/")
        and ".." not in PurePosixPath(pattern).parts
    )


def _validated(data: object, rel: str, lines: dict[str, int], files: list[str]) -> AreaRecipe:
    def fail(path: str, reason: str) -> RecipeError:
        return RecipeError(f"{rel}:{lines.get(path, 1)}: {reason}")

    if not isinstance(data, dict):
        raise fail("", "erwartet eine Zuordnung (key: value) auf oberster Ebene")
    for key in data:
        if key == "valid_from":  # SPEC §7.3 lists it; the areas table has no vintage column yet
            raise fail(key, "valid_from (Gebietsstand) wird noch nicht übernommen; bitte entfernen")
        if key not in _TOP_KEYS:
            raise fail(str(key), f"unbekannter Schlüssel {shown(key)}")
    for key in _REQUIRED:
        if key not in data:
            raise fail("", f"Pflichtschlüssel {key!r} fehlt")
    if data["recipe"] != 1:
        raise fail("recipe", "recipe: erwartet 1 (Version des Rezeptformats)")
    if data["kind"] != "areas":
        raise fail("kind", "kind: ein Rezept unter areas/recipes/ muss 'kind: areas' haben")
    given = _given_files(data)
    if not given:
        raise fail("files", "files: erwartet ein Dateimuster oder eine Liste von Mustern")
    for pattern in given:
        if not _inside_areas(pattern):
            raise fail("files", f"files: {shown(pattern)} muss unter areas/ im Datenordner liegen")
    fmt = data.get("format")
    if fmt is not None and fmt not in _FORMATS:
        raise fail("format", f"format: erwartet eines von {sorted(_FORMATS)}, nicht {shown(fmt)}")
    crs = data.get("crs", "from_file")
    if not isinstance(crs, str) or not (crs == "from_file" or re.fullmatch(r"EPSG:\d+", crs)):
        raise fail("crs", f"crs: erwartet 'from_file' oder 'EPSG:<Nummer>', nicht {shown(crs)}")
    encoding = data.get("encoding", "auto")
    if not isinstance(encoding, str) or not _known_encoding(encoding):
        raise fail("encoding", f"encoding: unbekannte Zeichenkodierung {shown(encoding)}")
    rules = {
        "municipality_ags": _rule(data["municipality_ags"], "municipality_ags", fail, lines),
        "area_id": _rule(data["area_id"], "area_id", fail, lines),
        "area_name": _rule(data["area_name"], "area_name", fail, lines),
        "district_name": _rule(data["district_name"], "district_name", fail, lines),
    }
    if rules["area_id"].field is None:
        raise fail("area_id", "area_id: erwartet {field: …}")
    layer = data.get("layer")
    return AreaRecipe(
        rel=rel,
        name=str(data["name"]),
        files=files,
        format=fmt,
        layer=None if layer is None else str(layer),
        crs=None if crs == "from_file" else crs,
        encoding=None if encoding == "auto" else encoding,
        rules=rules,
        lines=lines,
    )


def _known_encoding(name: str) -> bool:
    if name == "auto":
        return True
    try:
        "".encode(name)
    except LookupError:
        return False
    return True


def _rule(spec: object, key: str, fail, lines: dict[str, int]) -> FieldRule:
    """One attribute's rule: a constant text, `{field, …}`, or (district) `{from_id, map}`."""
    line = lines.get(key, 1)
    if key == "municipality_ags" and isinstance(spec, int):
        raise fail(key, f'{key}: den AGS in Anführungszeichen schreiben ("05315000")')
    if isinstance(spec, str | int) and not isinstance(spec, bool):
        return FieldRule(constant=str(spec), line=line)
    if not isinstance(spec, dict):
        raise fail(key, f"{key}: erwartet einen Text oder {{field: …}}")
    allowed = _FIELD_KEYS | ({"from_id"} if key == "district_name" else set())
    for sub in spec:
        if sub not in allowed:
            raise fail(f"{key}.{sub}", f"unbekannter Schlüssel {shown(f'{key}.{sub}')}")
    rule = FieldRule(line=line, mapping=_mapping(spec.get("map", {}), key, fail))
    if "from_id" in spec:
        rule.from_id = _slice(spec["from_id"], key, fail)
        if "field" in spec:
            raise fail(key, f"{key}: entweder field oder from_id, nicht beides")
        return rule
    if not isinstance(spec.get("field"), str) or not spec["field"]:
        raise fail(key, f"{key}: field fehlt (Name des Attributs in der Datei)")
    rule.field = spec["field"]
    rule.line = lines.get(f"{key}.field", line)
    if "pattern" in spec:
        rule.pattern = _pattern(spec["pattern"], f"{key}.pattern", fail)
    rule.strip = _typed(spec, "strip", bool, True, key, fail)
    rule.pad = _typed(spec, "pad", int, None, key, fail)
    rule.prefix = _typed(spec, "prefix", str, "", key, fail)
    rule.suffix = _typed(spec, "suffix", str, "", key, fail)
    return rule


def _typed(spec: dict, sub: str, kind: type, default, key: str, fail):
    value = spec.get(sub, default)
    if value is not default and (
        not isinstance(value, kind) or isinstance(value, bool) != (kind is bool)
    ):
        raise fail(f"{key}.{sub}", f"{key}.{sub}: erwartet {kind.__name__}, nicht {shown(value)}")
    return value


def _pattern(value: object, path: str, fail) -> re.Pattern:
    if not isinstance(value, str):
        raise fail(path, f"{path}: erwartet einen regulären Ausdruck als Text")
    try:
        compiled = re.compile(value)
    except re.error as exc:
        raise fail(path, f"{path}: ungültiger regulärer Ausdruck: {exc}") from exc
    if compiled.groups != 1:
        raise fail(path, f"{path}: der Ausdruck braucht genau eine Gruppe (…)")
    return compiled


def _mapping(value: object, key: str, fail) -> dict[str, str]:
    if not isinstance(value, dict):
        raise fail(f"{key}.map", f"{key}.map: erwartet eine Zuordnung Quelle: Ziel")
    return {str(k): str(v) for k, v in value.items()}


def _slice(value: object, key: str, fail) -> tuple[int, int]:
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
