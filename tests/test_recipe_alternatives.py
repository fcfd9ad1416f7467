"""Alternative labels of one column, `measures: {CODE: {any: [a, b]}}` (issue 18 item 2).

BA rewords its column labels between deliveries (SPEC §1.6, §1.7): the BA preset lists the known
wordings, and a workbook in the other wording must give the same values. Two wordings on two
columns, or none, must refuse the file. Recipe lines are counted by hand: in the test recipe
below (line 1 = `recipe: 1`) and in `data/recipes/presets/ba_akg.yaml` (`ALO:` is line 51).
Expected values were read from the fixture workbook by hand, as in `test_recipe_samples.py`.
"""

import io
from pathlib import Path

import openpyxl
import pytest

from assets.ingest.recipe_model import RecipeFile
from assets.ingest.recipe_values import read_recipe_file
from assets.ingest.recipe_yaml import BrokenRecipe
from assets.ingest.stat_recipes import parse_statistics_recipe

ROOT = Path(__file__).parent.parent
PRESET = "presets/ba_akg.yaml"
BA_FILE = "317-900001-AkG-Musterstadt-202412.xlsx"
BA_REL = f"statistics/incoming/ba/{BA_FILE}"
RAW = (ROOT / "tests" / "fixtures" / "recipes" / BA_FILE).read_bytes()
DECEMBER = "2024-12-31"
ALO_LINE = 51
REL = "statistics/recipes/r.yaml"
BASE = """\
recipe: 1
name: test
files: statistics/incoming/stadt/*.csv
area:
  column: "Nr."
date:
  from: fixed
  value: 2024-12-31
measures:
  EW:
    any: ["Einwohner insgesamt", "Einwohner gesamt"]
  EW_U3: ["0 - 2"]
"""
# the other wording of each relabelled column (row 13 or 14 of the fixture's header block)
OTHER_WORDING = {
    "Alleinerziehenden-BG": "Bedarfsgemeinschaften von Alleinerziehenden",
    "Regelleistungsberechtigte (RLB)": "dar. Regelleistungsberechtigte (RLB)",
    "erwerbsfähige Leistungsberechtigte (ELB)": "dav. erwerbsfähige Leistungsberechtigte (ELB)",
    "Arbeitslose insgesamt": "Insgesamt (SGB II und SGB III)",
    "15 bis unter 25 Jahre": "unter 25 Jahre",
}


def _relabelled(changes: dict[str, dict[str, str]]) -> bytes:
    """The fixture workbook with the header cells `{sheet: {cell: new label}}` rewritten."""
    book = openpyxl.load_workbook(io.BytesIO(RAW))
    for sheet, cells in changes.items():
        for cell, label in cells.items():
            book[sheet][cell] = label
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _reworded(only: dict[str, str] | None = None) -> bytes:
    """Every label of OTHER_WORDING in its other wording; only in `{sheet: column letters}`
    if given."""
    book = openpyxl.load_workbook(io.BytesIO(RAW))
    changes: dict[str, dict[str, str]] = {}
    for sheet in ("SGB II", "Arbeitslose"):
        for row in book[sheet].iter_rows(min_row=13, max_row=14):
            for cell in row:
                letters = None if only is None else only[sheet]
                if cell.value in OTHER_WORDING and (
                    letters is None or cell.column_letter in letters
                ):
                    changes.setdefault(sheet, {})[cell.coordinate] = OTHER_WORDING[cell.value]
    return _relabelled(changes)


def _preset():
    text = (ROOT / "data" / "recipes" / PRESET).read_text("utf-8")
    return parse_statistics_recipe(text, PRESET, Path("/x"))


def _values(result: RecipeFile) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(area, Merkmal, Stichtag) → (Wert, cell) over all sheets."""
    assert result.error is None, result.error
    return {
        key: (wert, cell)
        for part in result.parts
        for key, wert, cell in zip(
            zip(part.raum_id, part.merkmal, part.stichtag, strict=True),
            part.wert,
            part.cells,
            strict=True,
        )
    }


def test_the_alternatives_are_kept_and_the_first_is_the_measure():
    recipe = parse_statistics_recipe(BASE, REL, Path("/x"))
    assert recipe.alternatives == {"EW": ("Einwohner insgesamt", "Einwohner gesamt")}
    assert recipe.measures == {"EW": ("Einwohner insgesamt",), "EW_U3": ("0 - 2",)}
    assert recipe.labels_of("EW") == "„Einwohner insgesamt“ oder „Einwohner gesamt“"
    assert recipe.labels_of("EW_U3") == "„0 - 2“"
    assert recipe.line("measures.EW") == 10


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # an empty list, line 11 (`any:`)
        ('["Einwohner insgesamt", "Einwohner gesamt"]', "[]", "11: measures.EW.any: erwartet eine Liste"),
        # one text is no list, line 11
        ('["Einwohner insgesamt", "Einwohner gesamt"]', '"Einwohner"', "11: measures.EW.any: erwartet eine Liste"),
        # an empty text among them, line 11
        ('"Einwohner gesamt"]', '"  "]', "11: measures.EW.any: erwartet Text"),
        # a number among them, line 11
        ('"Einwohner gesamt"]', "2024]", "11: measures.EW.any: erwartet Text"),
        # another key beside `any`, line 12 (inserted after `any`)
        ('gesamt"]\n', 'gesamt"]\n    sum: ["a"]\n', "12: unbekannter Schlüssel 'measures.EW.sum'"),
        # a mapping without `any`, line 10 (`EW:`)
        ('  EW:\n    any: ["Einwohner insgesamt", "Einwohner gesamt"]\n', "  EW: {}\n", "10: measures.EW: erwartet {any:"),
        # alternatives inside a sum part are no part label, line 12
        ('  EW_U3: ["0 - 2"]\n', '  EW_U3: ["0 - 2", {any: ["0-2"]}]\n', "12: measures.EW_U3: erwartet Text"),
    ],
)  # fmt: skip
def test_an_invalid_any_names_file_and_line(old, new, expected):
    assert old in BASE
    recipe = parse_statistics_recipe(BASE.replace(old, new), REL, Path("/x"))
    assert isinstance(recipe, BrokenRecipe), recipe
    assert recipe.reason.startswith(f"{REL}:{expected}"), recipe.reason


def test_long_codes_take_no_alternatives():
    text = BASE.split("measures:")[0] + (
        "layout: long\nlong:\n  code: Merkmal\n  value: Wert\n  codes:\n    EW: {any: [a, b]}\n"
    )
    recipe = parse_statistics_recipe(text, REL, Path("/x"))
    assert isinstance(recipe, BrokenRecipe), recipe
    # line 14 `EW:` under `codes:` (line 9 `layout`, 10 `long`, 11 code, 12 value, 13 codes)
    assert recipe.reason.startswith(f"{REL}:14: long.codes.EW: erwartet einen Text"), recipe.reason


def test_the_preset_lists_the_known_wordings():
    recipe = _preset()
    assert recipe.alternatives["ALO"] == ("Arbeitslose insgesamt", "Insgesamt (SGB II und SGB III)")
    assert recipe.alternatives["ALO_U25"] == ("15 bis unter 25 Jahre", "unter 25 Jahre")
    assert "Bedarfsgemeinschaften von Alleinerziehenden" in recipe.alternatives["SGB2_BG_ALLEINERZ"]
    assert recipe.measures["ALO"] == ("Arbeitslose insgesamt",)
    assert recipe.line("measures.ALO") == ALO_LINE


def test_the_preset_reads_the_other_wording_to_the_same_values():
    raw = _reworded()
    book = openpyxl.load_workbook(io.BytesIO(raw))
    assert book["Arbeitslose"]["Q13"].value == "Insgesamt (SGB II und SGB III)"
    assert book["Arbeitslose"]["U14"].value == "unter 25 Jahre"
    assert book["SGB II"]["U14"].value == "Bedarfsgemeinschaften von Alleinerziehenden"
    recipe = _preset()
    original = read_recipe_file(recipe, Path(BA_REL), BA_REL, RAW)
    reworded = read_recipe_file(recipe, Path(BA_REL), BA_REL, raw)
    values = _values(reworded)
    assert values == _values(original)
    assert len(values) == 160  # 5 areas × 4 quarters × 8 measures
    # SR-05, December 2024: row 21; "SGB II" columns T–Y, "Arbeitslose" Q–U
    assert values[("SR-05", "ALO", DECEMBER)] == ("16", "Arbeitslose!Q21")
    assert values[("SR-05", "SGB2_LB", DECEMBER)] == ("83", "SGB II!V21")
    assert values[("SR-05", "SGB2_ELB", DECEMBER)] == ("58", "SGB II!W21")
    assert values[("SR-05", "SGB2_BG_ALLEINERZ", DECEMBER)] == ("*", "SGB II!U21")
    assert values[("SR-05", "ALO_U25", DECEMBER)] == ("*", "Arbeitslose!U21")
    assert [part.unmapped for part in reworded.parts] == [[], []]


def test_each_header_date_may_use_another_wording():
    # only December (SGB II T–Y, Arbeitslose Q–U) reworded; March to September as before
    raw = _reworded(only={"SGB II": "TUVWXY", "Arbeitslose": "QRSTU"})
    book = openpyxl.load_workbook(io.BytesIO(raw))["Arbeitslose"]
    assert (book["L13"].value, book["Q13"].value) == (
        "Arbeitslose insgesamt",
        "Insgesamt (SGB II und SGB III)",
    )
    recipe = _preset()
    assert _values(read_recipe_file(recipe, Path(BA_REL), BA_REL, raw)) == _values(
        read_recipe_file(recipe, Path(BA_REL), BA_REL, RAW)
    )


def test_both_wordings_on_two_columns_are_ambiguous():
    # March: B13 "Arbeitslose insgesamt" stays, C14 (was "Rechtskreis SGB III") gets the other
    raw = _relabelled({"Arbeitslose": {"C14": "Insgesamt (SGB II und SGB III)"}})
    result = read_recipe_file(_preset(), Path(BA_REL), BA_REL, raw)
    assert result.parts == []
    code, reason = result.error
    assert code == "ambiguous_column"
    assert reason.startswith(f"{BA_REL}: {PRESET}:{ALO_LINE}: ")
    assert "B („Arbeitslose insgesamt“)" in reason
    assert "C („davon / Insgesamt (SGB II und SGB III)“)" in reason
    assert "im Tabellenblatt „Arbeitslose“" in reason


def test_no_wording_found_lists_every_alternative():
    raw = _relabelled(
        {"Arbeitslose": {c: "Arbeitslose zusammen" for c in ("B13", "G13", "L13", "Q13")}}
    )
    result = read_recipe_file(_preset(), Path(BA_REL), BA_REL, raw)
    code, reason = result.error
    assert code == "measure_not_found"
    assert reason.startswith(
        f"{BA_REL}: {PRESET}:{ALO_LINE}: ALO = „Arbeitslose insgesamt“ oder "
        "„Insgesamt (SGB II und SGB III)“ passt auf keine Spalte"
    ), reason


def test_a_wording_missing_under_one_date_refuses_the_file():
    # December's ALO column Q relabelled to neither wording: March to September still have ALO
    raw = _relabelled({"Arbeitslose": {"Q13": "Arbeitslose zusammen"}})
    code, reason = read_recipe_file(_preset(), Path(BA_REL), BA_REL, raw).error
    assert code == "measure_not_found"
    assert reason.startswith(
        f"{BA_REL}: {PRESET}:{ALO_LINE}: Spalte „Arbeitslose insgesamt“ oder "
        "„Insgesamt (SGB II und SGB III)“ von ALO fehlt im Tabellenblatt „Arbeitslose“ "
        "unter dem Datum 01.12.2024"
    ), reason
