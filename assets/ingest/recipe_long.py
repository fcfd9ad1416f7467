"""The long layout of a recipe (SPEC §7.2 `long.*`, §7.9.4): one value per row, its Merkmal
from a code column (or several joined), summed over rows when `long.codes` lists several codes.

Rows whose code is in no `long.codes` entry are counted as skipped (`unmapped_code`) and their
codes listed once, so a new code in the supplier's export is seen and not silently dropped.
"""

from __future__ import annotations

from collections import Counter

from assets.ingest.recipe_columns import SheetPlan
from assets.ingest.recipe_model import RecipeValues, StatisticsRecipe
from assets.ingest.recipe_numbers import NumberRules, Value, combine
from assets.ingest.recipe_rows import area_id, emit, row_stichtag
from assets.ingest.recipe_sheets import cell_text

Part = tuple[int, Value | None, str]  # source row, the value, its cell


def long_values(
    recipe: StatisticsRecipe,
    plan: SheetPlan,
    rows: list[int],
    fixed: str | None,
    out: RecipeValues,
    skipped: Counter[str],
) -> None:
    """Append the sheet's values: single codes in row order, then the sums in the order of
    their first row. A code that repeats for one area and date starts a new sum, so the
    duplicate rule downstream sees both."""
    assert plan.value is not None and recipe.long_code is not None  # validated, planned
    sheet, rules, join = plan.sheet, NumberRules(recipe), recipe.long_code.join
    merkmale: dict[str, list[str]] = {}
    for code, sources in recipe.long_codes.items():
        for source in sources:
            merkmale.setdefault(source, []).append(code)
    sums: dict[tuple[str, str, str], list[dict[str, Part]]] = {}
    order: list[tuple[int, tuple[str, str, str], int]] = []
    for row in rows:
        source = join.join(cell_text(sheet.cell(row, c.index)) for c in plan.codes)
        if source not in merkmale:
            skipped["unmapped_code"] += 1
            if source not in out.unmapped_codes:
                out.unmapped_codes.append(source)
            continue
        area = area_id(sheet.cell(row, plan.area.index), recipe.area)
        date = row_stichtag(recipe, plan, row, fixed)
        where = sheet.where(row, plan.value.index)
        value = rules.read(sheet.cell(row, plan.value.index), where)
        for code in merkmale[source]:
            if len(recipe.long_codes[code]) == 1 or date[1] is not None:
                if value is not None:
                    emit(out, date, area, code, value, row, f"{plan.value.label} [{source}]")
                continue
            key = (date[0], area, code)
            instances = sums.setdefault(key, [])
            if not instances or source in instances[-1]:
                instances.append({})
                order.append((row, key, len(instances) - 1))
            instances[-1][source] = (row, value, where)
    for row, key, index in order:
        _emit_sum(recipe, plan, out, key, sums[key][index], row)


def _emit_sum(
    recipe, plan: SheetPlan, out: RecipeValues, key, found: dict[str, Part], row: int
) -> None:
    date, area, code = key
    sources = recipe.long_codes[code]
    parts = [(found[s][2], found[s][1]) if s in found else (f"Code „{s}“", None) for s in sources]
    cells = [found[s][2] for s in sources if s in found]
    where = "+".join([cells[0], *(c.rpartition("!")[2] for c in cells[1:])])
    value = combine(parts, where)
    if value is not None:
        emit(out, (date, None), area, code, value, row, f"{plan.value.label} [{'+'.join(sources)}]")
