"""The YAML machinery both recipe kinds share (`areas/recipes/`, `statistics/recipes/`, SPEC §7).

A recipe is checked completely before any file it describes is read, and every problem names
the recipe's file and line (`rel:line: German reason`, key `recipe_invalid`): the data team
fixes the line and runs again. Anchors and aliases are refused before the values are loaded
(`assets.yaml_guard`), because a recipe is short and written by hand and never needs them.
A recipe that fails keeps the file patterns it claims that stay inside its folder, so exactly
those files are refused instead of being read by another reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

import yaml

from assets.yaml_guard import anchors_and_aliases, cut, shown

RECIPE_INVALID = "recipe_invalid"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RecipeError(ValueError):
    """A recipe that cannot be used; the message is `file:line: German reason`."""


@dataclass
class BrokenRecipe:
    """A recipe that failed validation; `files` is what it claims, so those files are refused."""

    rel: str
    files: list[str]
    reason: str

    def matches(self, rel: str) -> bool:
        return any(fnmatchcase(rel, pattern) for pattern in self.files)


@dataclass(frozen=True)
class Located:
    """Makes the error for a key path (`area.map`): `rel:line: reason`, the key's own line,
    else its parent's, else line 1 (a missing key is reported where its parent is)."""

    rel: str
    lines: dict[str, int]

    def line(self, path: str) -> int:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0]
        return 1

    def __call__(self, path: str, reason: str) -> RecipeError:
        return RecipeError(f"{self.rel}:{self.line(path)}: {reason}")


def read_recipes(root: Path, folder: str, parse: Callable[[str, str], object]) -> list:
    """`parse(text, rel)` of every `<folder>/*.yaml` of the data root, sorted by name.

    A link or an unreadable file becomes a BrokenRecipe without files: it is never followed.
    """
    where = root / folder
    if not where.is_dir() or where.is_symlink():
        return []
    recipes = []
    for path in sorted(where.glob("*.yaml")):
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
        recipes.append(parse(text, rel))
    return recipes


def parse_with(text: str, rel: str, folder: str, validate: Callable) -> object:
    """`validate(data, fail, files)` of the recipe in `text`, or a BrokenRecipe with the first
    problem. `files` are the claimed patterns that stay below `folder` (refused when broken)."""
    try:
        data, lines = load_yaml(text, rel)
    except RecipeError as exc:
        return BrokenRecipe(rel, [], str(exc))
    files = files_below(data, folder)
    try:
        return validate(data, Located(rel, lines), files)
    except RecipeError as exc:
        return BrokenRecipe(rel, files, str(exc))


def load_yaml(text: str, rel: str) -> tuple[object, dict[str, int]]:
    """The recipe's values and the line of every key; anchors and aliases refused first."""
    try:
        refused = anchors_and_aliases(text, _LOADER)
        node = None if refused else yaml.compose(text, Loader=_LOADER)
        data = None if refused else yaml.load(text, Loader=_LOADER)
        lines = key_lines(node)
    except yaml.YAMLError as exc:
        raise RecipeError(f"{rel}: kein gültiges YAML: {cut(str(exc))}") from exc
    except (ValueError, RecursionError) as exc:  # e.g. an int of more than 4,300 digits
        raise RecipeError(f"{rel}: kein gültiger Wert: {cut(str(exc))}") from exc
    if refused:
        raise RecipeError(f"{rel}:{refused[0][0]}: {refused[0][1]}")
    return data, lines


def key_lines(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """1-based line of every mapping key, by dotted path (`area_id.field`)."""
    found: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}{key.value}"
            found[path] = key.start_mark.line + 1
            found.update(key_lines(value, path + "."))
    return found


def given_files(data: object) -> list:
    """The `files` value as a list (a single pattern or a list), whatever its items are."""
    files = data.get("files") if isinstance(data, dict) else None
    return [files] if isinstance(files, str) else files if isinstance(files, list) else []


def files_below(data: object, folder: str) -> list[str]:
    """The recipe's file patterns that stay below `folder`; others are never globbed."""
    return [pattern for pattern in given_files(data) if is_below(pattern, folder)]


def is_below(pattern: object, folder: str) -> bool:
    """Whether a data-root-relative path or glob lies below `folder` (`areas/`), no `..`."""
    return (
        isinstance(pattern, str)
        and pattern.startswith(folder)
        and len(pattern) > len(folder)
        and ".." not in PurePosixPath(pattern).parts
    )


def check_files(data: dict, folder: str, fail: Located) -> list[str]:
    """The `files` patterns; every one must lie below `folder` of the data root."""
    given = given_files(data)
    if not given:
        raise fail("files", "files: erwartet ein Dateimuster oder eine Liste von Mustern")
    for pattern in given:
        if not is_below(pattern, folder):
            raise fail(
                "files", f"files: {shown(pattern)} muss unter {folder} im Datenordner liegen"
            )
    return list(given)


def check_keys(spec: dict, allowed: set[str], path: str, fail: Located) -> None:
    """Every key of `spec` (the mapping at `path`, "" = top level) must be one of `allowed`."""
    for key in spec:
        if key not in allowed:
            full = f"{path}.{key}" if path else str(key)
            raise fail(full, f"unbekannter Schlüssel {shown(full)}")


def typed(spec: dict, sub: str, kind: type, default, key: str, fail: Located):
    """`spec[sub]` if it is a `kind` (a bool is no int), else `default` when absent."""
    value = spec.get(sub, default)
    if value is not default and (
        not isinstance(value, kind) or isinstance(value, bool) != (kind is bool)
    ):
        raise fail(f"{key}.{sub}", f"{key}.{sub}: erwartet {kind.__name__}, nicht {shown(value)}")
    return value


def regex(value: object, path: str, fail: Located) -> re.Pattern:
    """A regular expression given as text."""
    if not isinstance(value, str):
        raise fail(path, f"{path}: erwartet einen regulären Ausdruck als Text")
    try:
        return re.compile(value)
    except re.error as exc:
        raise fail(path, f"{path}: ungültiger regulärer Ausdruck: {exc}") from exc


def pattern(value: object, path: str, fail: Located) -> re.Pattern:
    """A regular expression with exactly one group: the part it extracts."""
    compiled = regex(value, path, fail)
    if compiled.groups != 1:
        raise fail(path, f"{path}: der Ausdruck braucht genau eine Gruppe (…)")
    return compiled


def mapping(value: object, path: str, fail: Located) -> dict[str, str]:
    """`source: target` pairs as text; a whole number is taken as its digits, anything else
    (a decimal, yes/no, a list) is refused because its text would not be what was written."""
    if not isinstance(value, dict):
        raise fail(path, f"{path}: erwartet eine Zuordnung Quelle: Ziel")
    for item in (*value.keys(), *value.values()):
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise fail(path, f"{path}: erwartet Text (in Anführungszeichen), nicht {shown(item)}")
    return {str(k): str(v) for k, v in value.items()}


def known_encoding(name: object) -> bool:
    """`auto` or a character encoding Python knows."""
    if not isinstance(name, str):
        return False
    if name == "auto":
        return True
    try:
        "".encode(name)
    except LookupError:
        return False
    return True
