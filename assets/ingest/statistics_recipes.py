"""Statistics delivered in a city's own layout, read through its recipe (SPEC §7, issue 18).

The files below `statistics/incoming/` are read by the recipe in `statistics/recipes/` that names
them (`stat_recipes.py` validates it, `recipe_values.py` turns a file into long values). Those
values then pass exactly the rules of the long format (`statistics.apply_rules`: known area and
Merkmal, number or symbol, not negative, whole) and the duplicate rule across all statistics
files, so a Bundesagentur workbook and a long CSV cannot disagree on what is valid. The unit of
account is the value (one Merkmal of one area at one date, SPEC §7.9.1) and each sheet of a
workbook is a file of its own (`file#sheet`), so `rows_in = rows_loaded + rows_quarantined`
holds per sheet. A value in quarantine names its sheet, row and cell (`SGB II!C21`).

A file no recipe describes, described by two recipes, or by a recipe that is invalid is reported
as one entry and not read: a half-understood layout would give wrong figures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from assets.ingest.formats import BY_NAME
from assets.ingest.parsing import UNREADABLE_FILE, unreadable_reason
from assets.ingest.quarantine import IngestResult, RowRejections
from assets.ingest.recipe_model import RecipeFile, RecipeValues, StatisticsRecipe
from assets.ingest.recipe_values import read_recipe_file
from assets.ingest.recipe_yaml import BrokenRecipe
from assets.ingest.stat_recipes import load_statistics_recipes
from assets.ingest.statistics import (
    SOURCE,
    StatisticsFile,
    apply_rules,
    assemble,
    read_long_file,
)
from assets.ingest.statistics_table import Coded

INCOMING = BY_NAME["statistics_incoming"].folder  # what a recipe reads (docs/recipes.md)
RECIPES = BY_NAME["statistics_recipes"].folder
NO_RECIPE = "no_recipe"
AMBIGUOUS_RECIPE = "ambiguous_recipe"
RECIPE_INVALID = "recipe_invalid"
UNMAPPED_COLUMN = "unmapped_column"
_NONE = np.empty(0, dtype="int64")


class LocatedRejections(RowRejections):
    """A recipe sheet's rejections: values are numbered while the rules run; the quarantine
    names the source row and the cell with its column label instead of the number."""

    def __init__(self, part: RecipeValues):
        super().__init__(SOURCE, part.part)
        self.cells = np.asarray(part.cells, dtype=object)
        self.labels = np.asarray(part.column, dtype=object)
        self.source_rows = np.asarray(part.rows, dtype="int64")

    def frame(self) -> pd.DataFrame:
        frame = super().frame()
        located = frame["row_number"].notna().to_numpy()
        if not located.any():
            return frame
        number = frame.loc[located, "row_number"].astype("int64").to_numpy() - 1
        frame["row_number"] = frame["row_number"].astype(object)
        frame.loc[located, "row_number"] = self.source_rows[number]
        frame.loc[located, "column"] = [
            f"{cell} ({label})" if label else cell
            for cell, label in zip(self.cells[number], self.labels[number], strict=True)
        ]
        frame["row_number"] = frame["row_number"].astype("Int64")
        return frame


def statistics_paths(list_folder: Callable[..., list[Path]]) -> list[Path]:
    """The files `small_area_statistics` reads: the long CSVs and every file below
    `statistics/incoming/` (`list_folder` as for `Format.files`); the recipes are read by
    `load_statistics_recipes`."""
    long, incoming = BY_NAME["small_area_statistics"], BY_NAME["statistics_incoming"]
    return sorted(long.files(list_folder) + incoming.files(list_folder))


def recipe_months(paths: list[Path], root: Path, limit: float) -> set[str]:
    """`YYYY-MM` months of the values the recipes make of the incoming files among `paths` (files
    above `limit` bytes, or that no single valid recipe names, hold none): the partitions a full
    refresh must cover, as the long files' Stichtage are."""
    recipes = load_statistics_recipes(root)
    months: set[str] = set()
    for path in paths:
        rel = path.relative_to(root).as_posix()
        claimed = [recipe for recipe in recipes if recipe.matches(rel)]
        if not rel.startswith(INCOMING + "/") or len(claimed) != 1:
            continue
        if isinstance(claimed[0], BrokenRecipe) or path.stat().st_size > limit:
            continue
        read = read_recipe_file(claimed[0], path, rel, path.read_bytes())
        for part in read.parts:
            months.update(
                date[:7]
                for date, code in zip(part.stichtag, part.reject_code, strict=True)
                if code is None and len(date) == 10
            )
    return months


def read_statistics(
    paths: list[Path],
    root: Path,
    area_municipality: dict[str, str],
    today: dt.date | None = None,
    report: list[dict] | None = None,
) -> IngestResult:
    """Long files and recipe-read files of `paths` in one result (one duplicate rule).

    `report` (if given) receives one entry per recipe file read: the recipe, the values per
    sheet, the rows skipped per rule and the unmapped columns, for the asset's metadata.
    """
    today = today or dt.date.today()
    area_keys = pd.Index(list(area_municipality))
    rels = {path: path.relative_to(root).as_posix() for path in paths}
    incoming = [path for path in paths if rels[path].startswith(INCOMING + "/")]
    files = [
        read_long_file(path, rels[path], area_municipality, area_keys, today)
        for path in paths
        if path not in incoming
    ]
    recipes = load_statistics_recipes(root)

    def rules(part: RecipeValues, sha256: str) -> StatisticsFile:
        return _part_file(part, sha256, area_municipality, area_keys, today)

    for path in incoming:
        files.extend(_read_incoming(path, rels[path], recipes, rules, report))
    read = set(rels.values())
    for recipe in recipes:
        if any(recipe.matches(rel) for rel in read):
            continue
        if isinstance(recipe, BrokenRecipe):
            digest = _digest(root / recipe.rel)
            files.append(_refused(recipe.rel, digest, RECIPE_INVALID, recipe.reason))
        elif report is not None:
            report.append(_unused(recipe))
    return assemble(files)


def _read_incoming(
    path: Path,
    rel: str,
    recipes: list[StatisticsRecipe | BrokenRecipe],
    rules: Callable[[RecipeValues, str], StatisticsFile],
    report: list[dict] | None,
) -> list[StatisticsFile]:
    """The sheets of one incoming file as rule-checked files, or one entry saying why not."""
    claimed = [recipe for recipe in recipes if recipe.matches(rel)]
    if not claimed:
        reason = (
            f"{rel}: kein Rezept unter {RECIPES}/ nennt diese Datei (files:); nicht gelesen. "
            "Rezept anlegen (docs/recipes.md) oder die Datei entfernen"
        )
        return [_refused(rel, _digest(path), NO_RECIPE, reason)]
    if len(claimed) > 1:
        names = ", ".join(recipe.rel for recipe in claimed)
        reason = f"{rel}: mehrere Rezepte nennen diese Datei ({names}); nicht gelesen"
        return [_refused(rel, _digest(path), AMBIGUOUS_RECIPE, reason)]
    recipe = claimed[0]
    if isinstance(recipe, BrokenRecipe):
        reason = f"Rezept ungültig, Datei nicht gelesen: {recipe.reason}"
        return [_refused(rel, _digest(path), RECIPE_INVALID, reason)]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [_refused(rel, "", UNREADABLE_FILE, unreadable_reason(exc))]
    sha256 = hashlib.sha256(raw).hexdigest()
    read = read_recipe_file(recipe, path, rel, raw)
    if read.error is not None:
        return [_refused(rel, sha256, *read.error)]
    if report is not None:
        report.extend(_report(recipe, read))
    return [_with_notes(rules(part, sha256), part) for part in read.parts]


def _part_file(
    part: RecipeValues,
    sha256: str,
    area_municipality: dict[str, str],
    area_keys: pd.Index,
    today: dt.date,
) -> StatisticsFile:
    """One sheet's values after the recipe's own rejections and the long format's rules."""
    count = len(part.wert)
    rows = pd.DataFrame({"row_number": np.arange(1, count + 1, dtype="int64")})
    rejections = LocatedRejections(part)
    codes = pd.Series(part.reject_code, dtype=object)
    values = pd.Series(part.wert, dtype=object)
    reasons = pd.Series(part.reject_reason, dtype=object)
    for code in codes.dropna().unique():
        rejections.reject(rows, codes == code, "Wert", values, code, reasons)
    fields = [
        Coded.of(pd.Series(column, dtype=object))
        for column in (part.stichtag, part.raum_id, part.merkmal, part.wert)
    ]
    candidates, key = apply_rules(
        rows, fields, rejections, part.part, area_municipality, area_keys, today
    )
    return StatisticsFile(
        part.part,
        sha256,
        part.encoding,
        count,
        rejections,
        candidates,
        key,
        cells=np.asarray(part.cells, dtype=object),
        source_rows=np.asarray(part.rows, dtype="int64"),
    )


def _with_notes(file: StatisticsFile, part: RecipeValues) -> StatisticsFile:
    """Unmapped columns as one note per sheet (not a quarantined value: SPEC §7.4 warning)."""
    if part.unmapped:
        listed = ", ".join(repr(label) for label in part.unmapped)
        reason = (
            f"Spalten weder unter measures noch unter ignore des Rezepts: {listed}; nicht gelesen. "
            "Bitte ins Rezept aufnehmen (measures oder ignore)"
        )
        file.rejections.reject_file(UNMAPPED_COLUMN, reason, value=listed)
    return file


def _refused(rel: str, sha256: str, code: str, reason: str) -> StatisticsFile:
    """A file (or recipe) that is not read: one entry, no values."""
    rejections = RowRejections(SOURCE, rel)
    rejections.reject_file(code, reason)
    return StatisticsFile(rel, sha256, "", 0, rejections, {"row_number": _NONE}, _NONE)


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _unused(recipe: StatisticsRecipe) -> dict:
    """A valid recipe that names no file of this run (a renamed delivery goes unnoticed else)."""
    return {
        "file": "(keine Datei gefunden: " + ", ".join(recipe.files) + ")",
        "recipe": recipe.rel,
        "values": 0,
        "skipped_rows": "",
        "unmapped_columns": "",
    }


def _report(recipe: StatisticsRecipe, read: RecipeFile) -> list[dict]:
    return [
        {
            "file": part.part,
            "recipe": recipe.rel,
            "values": len(part.wert),
            "skipped_rows": ", ".join(f"{rule}: {n}" for rule, n in sorted(part.skipped.items())),
            "unmapped_columns": ", ".join(part.unmapped + part.unmapped_codes),
        }
        for part in read.parts
    ]
