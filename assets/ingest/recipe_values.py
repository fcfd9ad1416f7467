"""Apply a statistics recipe to one CSV or XLSX file: candidate long values with provenance.

The entry point `read_recipe_file` never raises: a file the recipe cannot read as a whole (a
measure label that matches no column, a missing sheet, a damaged workbook) becomes
`RecipeFile.error` and none of its values is loaded (SPEC §7.1 strict, §7.4). Everything else
becomes one `RecipeValues` per sheet, one entry per output value (SPEC §7.9.1) with the cell it
came from; values the recipe could not make carry their reject code. Whether an area is known,
a value negative, whole or a duplicate is decided by the statistics rules downstream.
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from pathlib import Path

from assets.ingest.parsing import UNREADABLE_FILE, unreadable_reason
from assets.ingest.recipe_columns import MEASURE_NOT_FOUND, SheetPlan, labels, plan_sheet
from assets.ingest.recipe_dates import DateProblem, parse_header_text, resolve
from assets.ingest.recipe_long import long_values
from assets.ingest.recipe_model import RecipeFile, RecipeValues, StatisticsRecipe
from assets.ingest.recipe_numbers import NumberRules, combine
from assets.ingest.recipe_rows import (
    area_id,
    data_rows,
    emit,
    row_stichtag,
    sheet_date,
    sheet_name,
)
from assets.ingest.recipe_sheets import FileRefused, build_header, read_sheets

UNMAPPED_COLUMN = "unmapped_column"


def read_recipe_file(recipe: StatisticsRecipe, path: Path, rel: str, raw: bytes) -> RecipeFile:
    """What `recipe` makes of the file `rel` (its bytes `raw`; `path` gives the extension when
    the recipe has no `format`): its sheets' values, or the reason it was refused."""
    result = RecipeFile(rel, recipe.rel)
    try:
        result.parts = _read(recipe, path, rel, raw)
    except (FileRefused, DateProblem) as exc:
        result.error = (exc.code, f"{rel}: {exc.reason}")
    except Exception as exc:  # any failure stays with this file (SPEC §7.4, issue 18 item 6)
        result.error = (UNREADABLE_FILE, f"{rel}: {unreadable_reason(exc)}")
    return result


def _read(recipe: StatisticsRecipe, path: Path, rel: str, raw: bytes) -> list[RecipeValues]:
    kind = recipe.format or ("xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv")
    sheets, encoding = read_sheets(raw, kind, recipe.sheets, recipe.delimiter, recipe.encoding)
    rule = recipe.date
    # header text and serial numbers are dates only where the recipe takes its dates from there
    text_date = partial(parse_header_text, rule=rule) if rule.source == "header" else None
    plans = []
    for sheet in sheets:
        try:
            build_header(sheet, recipe.header, text_date)
        except FileRefused as exc:
            raise FileRefused(exc.code, f"{sheet_name(sheet)}{exc.reason}") from None
        plans.append(plan_sheet(recipe, sheet))
    if recipe.layout == "wide":
        _check_found(recipe, plans)
    unmapped = [(p.sheet, label) for p in plans for label in p.unmapped]
    if unmapped and recipe.on_unmapped_column == "error":
        listed = "; ".join(f"{sheet_name(s)}„{label}“" for s, label in unmapped)
        raise FileRefused(
            UNMAPPED_COLUMN,
            f"{recipe.where('on_unmapped_column')}: Spalten weder in measures noch in ignore: {listed}",
        )
    part = rel if kind == "csv" else None
    return [
        _sheet_values(recipe, plan, Path(rel).name, part or f"{rel}#{plan.sheet.name}", encoding)
        for plan in plans
    ]


def _check_found(recipe: StatisticsRecipe, plans: list[SheetPlan]) -> None:
    """Every measure must be found in at least one sheet (SPEC §7.2 `measures`)."""
    found = {m.code for plan in plans for m in plan.measures}
    for code in recipe.measures:
        if code not in found:
            available = "; ".join(f"{sheet_name(p.sheet)}{labels(p.sheet)}" for p in plans)
            raise FileRefused(
                MEASURE_NOT_FOUND,
                f"{recipe.where(f'measures.{code}')}: {code} = {recipe.labels_of(code)} passt auf keine Spalte; "
                f"vorhandene Spalten: {available}",
            )


def _sheet_values(
    recipe: StatisticsRecipe, plan: SheetPlan, name: str, part: str, encoding: str
) -> RecipeValues:
    out = RecipeValues(part=part, encoding=encoding, unmapped=list(plan.unmapped))
    skipped: Counter[str] = Counter()
    fixed = sheet_date(recipe, plan.sheet, name)
    rows = list(data_rows(recipe, plan, skipped))
    if recipe.layout == "long":
        long_values(recipe, plan, rows, fixed, out, skipped)
    else:
        _wide_values(recipe, plan, rows, fixed, out)
    out.skipped = dict(skipped)
    return out


def _wide_values(
    recipe: StatisticsRecipe, plan: SheetPlan, rows: list[int], fixed: str | None, out: RecipeValues
) -> None:
    """One value per measure (at each header date) and row, in reading order."""
    sheet, rules = plan.sheet, NumberRules(recipe)
    prefix = "" if sheet.name is None else f"{sheet.name}!"
    measures = [
        (
            m.code,
            None if m.date is None else (resolve(m.date, "day", recipe.date.resolve), None),
            " + ".join(c.label or c.letter for c in m.columns),
            [(c.index, c.letter) for c in m.columns],
        )
        for m in plan.measures
    ]
    for row in rows:
        cells = sheet.rows[row - 1]
        area = area_id(sheet.cell(row, plan.area.index), recipe.area)
        row_date = row_stichtag(recipe, plan, row, fixed)
        for code, header_date, label, columns in measures:
            parts = [
                (w := f"{prefix}{letter}{row}", rules.read(cells[i] if i < len(cells) else None, w))
                for i, letter in columns
            ]
            where = prefix + "+".join(f"{letter}{row}" for _, letter in columns)
            value = combine(parts, where)
            if value is not None:
                emit(out, header_date or row_date, area, code, value, row, label)
