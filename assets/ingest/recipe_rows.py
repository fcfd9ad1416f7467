"""The rows of a sheet a recipe reads, and what every value of a row shares (SPEC §7.2, §7.9).

Which rows hold data (`data.start`, `stop_when`, `skip_when`, `filter`, blank rows), the area id
of a row (§7.9.3), its Stichtag when it does not come from the header, and how one output value
is appended with its provenance: the same for the wide and the long layout.
"""

from __future__ import annotations

import re
from collections import Counter

from assets.ingest.recipe_columns import SheetPlan
from assets.ingest.recipe_dates import NO_DATE, DateProblem, resolve, stichtag
from assets.ingest.recipe_model import AreaRule, RecipeValues, StatisticsRecipe
from assets.ingest.recipe_numbers import Value, german
from assets.ingest.recipe_sheets import Sheet, cell_text, column_index


def row_stichtag(
    recipe: StatisticsRecipe, plan: SheetPlan, row: int, fixed: str | None
) -> tuple[str, Value | None]:
    """(Stichtag, None) of a data row, or ("", the refusal) when its date cell is bad."""
    if fixed is not None or plan.date is None:
        return fixed or "", None
    sheet = plan.sheet
    where = sheet.where(row, plan.date.index)
    try:
        return stichtag(sheet.cell(row, plan.date.index), recipe.date), None
    except DateProblem as exc:
        return "", Value(where, code=exc.code, reason=f"{where}: {exc.reason}")


def emit(
    out: RecipeValues,
    date: tuple[str, Value | None],
    area: str,
    code: str,
    value: Value,
    row: int,
    label: str,
) -> None:
    """Append one output value; a bad row date refuses the value, keeping what the cell held."""
    stichtag_text, problem = date
    refused = problem if problem is not None else (value if value.code is not None else None)
    out.stichtag.append(stichtag_text)
    out.raum_id.append(area)
    out.merkmal.append(code)
    out.wert.append(german(value))
    out.cells.append(value.where)
    out.rows.append(row)
    out.column.append(label)
    out.reject_code.append(None if refused is None else refused.code)
    out.reject_reason.append(None if refused is None else refused.reason)


def sheet_date(recipe: StatisticsRecipe, sheet: Sheet, name: str) -> str | None:
    """The Stichtag of the whole sheet (cell, file name, sheet name, fixed); None = per row or
    per column. A sheet-wide date that cannot be made refuses the file."""
    rule = recipe.date
    try:
        if rule.source == "fixed" and rule.value is not None:
            return resolve(rule.value, "day", rule.resolve)
        if rule.source == "filename":
            return stichtag(name, rule)
        if rule.source == "sheet":
            if sheet.name is None:
                raise DateProblem(
                    NO_DATE, "date.from: sheet, aber eine CSV-Datei hat kein Tabellenblatt"
                )
            return stichtag(sheet.name, rule)
        if rule.source == "cell" and rule.cell is not None:
            match = re.fullmatch(r"([A-Z]{1,3})(\d+)", rule.cell)
            assert match is not None  # validated
            return stichtag(sheet.cell(int(match.group(2)), column_index(match.group(1))), rule)
    except DateProblem as exc:
        source = {"filename": "Dateiname", "sheet": "Blattname", "cell": f"Zelle {rule.cell}"}.get(
            rule.source, ""
        )
        raise DateProblem(
            exc.code, f"{recipe.where('date')}: {sheet_name(sheet)}{source}: {exc.reason}"
        ) from None
    return None


def data_rows(recipe: StatisticsRecipe, plan: SheetPlan, skipped: Counter[str]):
    """The source rows that hold values; blank rows are passed over, rows dropped by
    `stop_when` (the stop row and every filled row below it), `skip_when` and `filter` counted."""
    sheet = plan.sheet
    start = recipe.data_start or _first_data_row(plan)
    stopped = False
    for row in range(start, len(sheet.rows) + 1):
        if not any(cell_text(v) for v in sheet.rows[row - 1]):
            continue
        if stopped or (
            recipe.stop_when is not None and recipe.stop_when.search(cell_text(sheet.cell(row, 0)))
        ):
            stopped = True
            skipped["stop_when"] += 1
        elif recipe.skip_when is not None and recipe.skip_when.pattern.search(
            cell_text(sheet.cell(row, (plan.skip or plan.area).index))
        ):
            skipped["skip_when"] += 1
        elif any(
            cell_text(sheet.cell(row, c.index)) not in accepted for c, accepted in plan.filters
        ):
            skipped["filter"] += 1
        else:
            yield row


def _first_data_row(plan: SheetPlan) -> int:
    sheet = plan.sheet
    after = max(sheet.header_rows) + 1
    return next(
        (r for r in range(after, len(sheet.rows) + 1) if cell_text(sheet.cell(r, plan.area.index))),
        len(sheet.rows) + 1,
    )


def area_id(value: object, rule: AreaRule) -> str:
    """The product's area id of an area cell, SPEC §7.9.3: strip → pattern → map (final) → pad →
    prefix/suffix. A cell the pattern does not fit stays as it is, so the unknown area that
    follows shows what the cell held."""
    text = value if isinstance(value, str) and not rule.strip else cell_text(value)
    if rule.pattern is not None:
        match = rule.pattern.search(text)
        if match is None:
            return text
        text = match.group(1) if match.groups() else match.group(0)
    if text in rule.mapping:
        return rule.mapping[text]
    if rule.pad is not None and text.isdigit():
        text = text.zfill(rule.pad)
    return f"{rule.prefix}{text}{rule.suffix}"


def sheet_name(sheet: Sheet) -> str:
    return "" if sheet.name is None else f"Tabellenblatt „{sheet.name}“: "
