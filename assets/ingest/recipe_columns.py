"""Which column of a sheet plays which part in a recipe (SPEC §7.2, §7.9.4): the plan of a sheet.

Matching is strict because layouts drift silently (SPEC §1.7): a measure label that matches two
columns of one date is refused (`ambiguous_column`), a summed measure with a part missing is
refused, and a measure found for one header date but not for another of the same sheet is
refused — a relabelled December column must not quietly drop December. Whether a measure is
found in at least one sheet is decided over all sheets by `recipe_values.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assets.ingest.recipe_model import StatisticsRecipe
from assets.ingest.recipe_sheets import (
    Column,
    FileRefused,
    Sheet,
    cell_text,
    find_columns,
    label_matches,
)

MEASURE_NOT_FOUND = "measure_not_found"
AMBIGUOUS_COLUMN = "ambiguous_column"


@dataclass
class Measure:
    """One Merkmal at one header date (None unless `date.from: header`): its part columns."""

    code: str
    date: dt.date | None
    columns: list[Column]


@dataclass
class SheetPlan:
    """A sheet's roles: the columns of area, date, skip, filter, long code/value and measures."""

    sheet: Sheet
    area: Column
    date: Column | None = None
    skip: Column | None = None
    filters: list[tuple[Column, tuple[str, ...]]] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    codes: list[Column] = field(default_factory=list)
    value: Column | None = None
    unmapped: list[str] = field(default_factory=list)


def plan_sheet(recipe: StatisticsRecipe, sheet: Sheet) -> SheetPlan:
    """The plan of one sheet; refuses the file when a column the recipe names is not there."""
    plan = SheetPlan(sheet, _one(recipe, sheet, recipe.area.column, "area.column"))
    if recipe.date.source == "column":
        plan.date = _one(recipe, sheet, recipe.date.column or "", "date.column", "no_date")
    if recipe.skip_when is not None and recipe.skip_when.column is not None:
        plan.skip = _one(recipe, sheet, recipe.skip_when.column, "data.skip_when")
    for label, accepted in recipe.filter.items():
        plan.filters.append((_one(recipe, sheet, label, f"filter.{label}"), accepted))
    used = [plan.area, plan.date, plan.skip, *(c for c, _ in plan.filters)]
    if recipe.layout == "long":
        assert recipe.long_code is not None and recipe.long_value is not None  # validated
        plan.codes = [_one(recipe, sheet, c, "long.code") for c in recipe.long_code.columns]
        plan.value = _one(recipe, sheet, recipe.long_value, "long.value")
        used += [*plan.codes, plan.value]
    else:
        plan.measures = _measures(recipe, sheet)
        used += [c for m in plan.measures for c in m.columns]
        used += [c for label in recipe.ignore for c in label_matches(sheet.columns, label)]
    taken = {c.index for c in used if c is not None}
    plan.unmapped = [
        _name(sheet, c) for c in sheet.columns if c.index not in taken and _holds(sheet, c)
    ]
    return plan


def _one(
    recipe: StatisticsRecipe, sheet: Sheet, reference: str, key: str, missing=MEASURE_NOT_FOUND
) -> Column:
    found = find_columns(sheet, reference)
    if len(found) == 1:
        return found[0]
    where = f"{recipe.where(key)}: {key} „{reference}“"
    if not found:
        raise FileRefused(
            missing, f"{where} passt auf keine Spalte{_in(sheet)}; vorhanden: {labels(sheet)}"
        )
    raise FileRefused(
        AMBIGUOUS_COLUMN, f"{where} passt auf mehrere Spalten{_in(sheet)}: {_letters(found)}"
    )


def _measures(recipe: StatisticsRecipe, sheet: Sheet) -> list[Measure]:
    by_header = recipe.date.source == "header"
    groups: dict[dt.date | None, list[Column]] = {}
    for column in sheet.columns:
        if column.date is not None or not by_header:
            groups.setdefault(column.date if by_header else None, []).append(column)
    measures = []
    for code, parts in recipe.measures.items():
        names = [f"„{label}“" for label in parts]
        if code in recipe.alternatives:  # one column by any of its labels: one "part"
            names = [recipe.labels_of(code)]
        found = {date: _parts(recipe, sheet, code, columns) for date, columns in groups.items()}
        hits = [(date, cols) for date, cols in found.items() if any(c is not None for c in cols)]
        if not hits:
            continue  # not in this sheet; another sheet may have it
        for date, cols in found.items():
            missing = [name for name, c in zip(names, cols, strict=True) if c is None]
            if missing:
                at = f" unter dem Datum {date.strftime('%d.%m.%Y')}" if date is not None else ""
                raise FileRefused(
                    MEASURE_NOT_FOUND,
                    f"{recipe.where(f'measures.{code}')}: Spalte {missing[0]} von {code} fehlt{_in(sheet)}{at}, "
                    f"obwohl andere Spalten von {code} dort stehen; vorhanden: {labels(sheet)}",
                )
        measures += [Measure(code, date, [c for c in cols if c is not None]) for date, cols in hits]
    return sorted(measures, key=lambda m: m.columns[0].index)  # reading order, left to right


def _parts(
    recipe: StatisticsRecipe, sheet: Sheet, code: str, columns: list[Column]
) -> list[Column | None]:
    """A measure's column for each summed part among `columns` (one date's); None = missing."""
    if code not in recipe.alternatives:
        return [_part(recipe, sheet, code, columns, label) for label in recipe.measures[code]]
    found = {}
    for label in recipe.alternatives[code]:
        column = _part(recipe, sheet, code, columns, label)
        if column is not None:
            found.setdefault(column.index, (label, column))
    if len(found) > 1:
        named = ", ".join(f"„{label}“ → {_letters([c])}" for label, c in found.values())
        raise FileRefused(
            AMBIGUOUS_COLUMN,
            f"{recipe.where(f'measures.{code}')}: die Bezeichnungen von {code} passen auf "
            f"verschiedene Spalten{_in(sheet)}: {named}; bitte nur eine davon angeben",
        )
    return [next((c for _, c in found.values()), None)]


def _part(
    recipe: StatisticsRecipe, sheet: Sheet, code: str, columns: list[Column], label: str
) -> Column | None:
    found = label_matches(columns, label)
    if len(found) > 1:
        raise FileRefused(
            AMBIGUOUS_COLUMN,
            f"{recipe.where(f'measures.{code}')}: „{label}“ ({code}) passt auf mehrere Spalten{_in(sheet)}: "
            f"{_letters(found)}; bitte die volle Bezeichnung mit „ / “ angeben",
        )
    return found[0] if found else None


def labels(sheet: Sheet) -> str:
    """The sheet's column labels for a message: which labels a recipe could have meant."""
    seen = dict.fromkeys(f"„{c.label}“" for c in sheet.columns if c.label)
    return ", ".join(seen) or "keine beschrifteten Spalten"


def _holds(sheet: Sheet, column: Column) -> bool:
    """A column is reported if it has a label or, without one, any cell below the header."""
    if column.label:
        return True
    first = max(sheet.header_rows, default=0) + 1
    return any(cell_text(sheet.cell(r, column.index)) for r in range(first, len(sheet.rows) + 1))


def _name(sheet: Sheet, column: Column) -> str:
    return column.label or f"Spalte {column.letter} (ohne Beschriftung)"


def _in(sheet: Sheet) -> str:
    return "" if sheet.name is None else f" im Tabellenblatt „{sheet.name}“"


def _letters(columns: list[Column]) -> str:
    return ", ".join(f"{c.letter} („{c.label}“)" for c in columns)
