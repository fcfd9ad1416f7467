"""Statistics recipes (`statistics/recipes/*.yaml`, SPEC §7.2): validation before any file is read.

Every refused recipe must name its file and the line of the key at fault (`recipe_invalid`), so
the line numbers below are counted by hand in each test's YAML text (line 1 = `recipe: 1`).
"""

import datetime as dt
from pathlib import Path

import pytest

from assets.ingest.recipe_yaml import RECIPE_INVALID, BrokenRecipe
from assets.ingest.stat_recipes import load_statistics_recipes, parse_statistics_recipe

SHIPPED = Path(__file__).parent.parent / "data" / "recipes"
REL = "statistics/recipes/r.yaml"
BASE = """\
recipe: 1
name: test
files: statistics/incoming/stadt/*.csv
area:
  column: "Nr."
  pad: 3
date:
  from: filename
  pattern: '^(\\d{4})_'
  format: "%Y"
layout: wide
measures:
  EW: "Einwohner insgesamt"
  EW_U3: ["0 - 2"]
"""


def _broken(text: str, root: Path = Path("/nonexistent")) -> str:
    recipe = parse_statistics_recipe(text, REL, root)
    assert isinstance(recipe, BrokenRecipe), recipe
    return recipe.reason


@pytest.mark.parametrize(
    "name",
    [
        "presets/ba_akg.yaml",
        "examples/stadt_altersgruppen_koeln.yaml",
        "examples/stadt_altersgruppen_krefeld.yaml",
        "examples/stadt_altersgruppen_muelheim_haushalte.yaml",
        "examples/stadt_altersgruppen_kiel.yaml",
    ],
)
def test_every_shipped_recipe_parses(name):
    text = (SHIPPED / name).read_text(encoding="utf-8")
    recipe = parse_statistics_recipe(text, name, Path("/nonexistent"))
    assert not isinstance(recipe, BrokenRecipe), recipe.reason
    assert all(pattern.startswith("statistics/incoming/") for pattern in recipe.files)


def test_ba_preset_keeps_its_decisions():
    text = (SHIPPED / "presets" / "ba_akg.yaml").read_text(encoding="utf-8")
    recipe = parse_statistics_recipe(text, "ba_akg.yaml", Path("/nonexistent"))
    assert recipe.header.rows is None  # found by content, not at fixed rows
    assert (recipe.header.find_column, recipe.header.depth) == ("A", 3)
    assert recipe.header.find_pattern.match("Teilgebiet")
    assert recipe.measures["SGB2_LB"] == ("Regelleistungsberechtigte (RLB)",)
    assert recipe.symbols == {"-": "-", "*": "*", "x": "x"}
    assert recipe.stop_when.match("© Statistik der Bundesagentur für Arbeit")
    assert recipe.skip_when.pattern.match("Keine Zuordnung möglich")
    assert recipe.matches("statistics/incoming/ba/317-900001-AkG-Musterstadt-202412.xlsx")


def test_defaults_of_a_minimal_recipe():
    recipe = parse_statistics_recipe(BASE, REL, Path("/nonexistent"))
    assert recipe.header.rows == (1,)
    assert (recipe.format, recipe.encoding, recipe.delimiter) == (None, None, ";")
    assert (recipe.decimal, recipe.thousands, recipe.scale) == (",", ".", 1)
    assert recipe.symbols == {s: s for s in ("-", ".", "x", "/", "...", "*", "–")}
    assert recipe.on_unmapped_column == "report"
    assert recipe.measures == {"EW": ("Einwohner insgesamt",), "EW_U3": ("0 - 2",)}
    assert recipe.area.pad == 3 and recipe.area.strip is True
    assert recipe.date.resolve is None  # by precision: a year becomes 31.12.
    assert recipe.line("measures.EW_U3") == 14
    assert recipe.where("measures.EW") == f"{REL}:13"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # unknown key at the top level: line 11 is `layout: wide` replaced by the typo
        ("layout: wide\n", "layuot: wide\n", "11: unbekannter Schlüssel 'layuot'"),
        # unknown key nested: `area.padding` on line 6
        ("  pad: 3\n", "  padding: 3\n", "6: unbekannter Schlüssel 'area.padding'"),
        # unknown Merkmal on line 14
        (
            '  EW_U3: ["0 - 2"]\n',
            '  EW_U4: ["0 - 2"]\n',
            "14: measures: unbekanntes Merkmal 'EW_U4'",
        ),
        # bad regex on line 9
        ("  pattern: '^(\\d{4})_'\n", "  pattern: '^(\\d{4}_'\n", "9: date.pattern: ungültiger"),
        # regex without a group on line 9
        (
            "  pattern: '^(\\d{4})_'\n",
            "  pattern: '^\\d{4}_'\n",
            "9: date.pattern: der Ausdruck braucht genau eine Gruppe",
        ),
        # bad date.from on line 8
        ("  from: filename\n", "  from: dateiname\n", "8: date.from: erwartet eines von"),
        # a date directive the product does not read, line 10
        ('  format: "%Y"\n', '  format: "%y"\n', "10: date.format: erlaubt sind"),
        # files outside statistics/incoming/, line 3
        (
            "files: statistics/incoming/stadt/*.csv\n",
            "files: statistics/incoming/../x.csv\n",
            "3: files: 'statistics/incoming/../x.csv' muss unter statistics/incoming/",
        ),
        (
            "files: statistics/incoming/stadt/*.csv\n",
            "files: [statistics/*.csv]\n",
            "3: files: 'statistics/*.csv' muss unter",
        ),
        # wrong types: pad as text (line 6), a label as a number (line 13), recipe: true (line 1)
        ("  pad: 3\n", '  pad: "3"\n', "6: area.pad: erwartet int, nicht '3'"),
        (
            '  EW: "Einwohner insgesamt"\n',
            "  EW: 2024\n",
            "13: measures.EW: erwartet einen Text oder eine Liste",
        ),
        ("recipe: 1\n", "recipe: true\n", "1: recipe: erwartet 1"),
        # a statistics recipe of another kind, line 2 (inserted before `name`)
        (
            "name: test\n",
            "kind: areas\nname: test\n",
            "2: kind: ein Rezept unter statistics/recipes/",
        ),
    ],
)
def test_each_kind_of_error_names_file_and_line(old, new, expected):
    assert old in BASE
    assert _broken(BASE.replace(old, new)).startswith(f"{REL}:{expected}")


def test_header_rows_and_find_are_exclusive():
    text = BASE + "header:\n  rows: 1\n  find: {column: A, matches: '^Nr'}\n"
    # line 15 `header:`, 16 `rows`, 17 `find`
    assert _broken(text).startswith(f"{REL}:17: header: entweder rows oder find")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [('"12-14"', (12, 13, 14)), ("[12, 13, 14]", (12, 13, 14)), ("12", (12,))],
)
def test_header_rows_forms(rows, expected):
    recipe = parse_statistics_recipe(BASE + f"header: {{rows: {rows}}}\n", REL, Path("/x"))
    assert recipe.header.rows == expected


def test_header_rows_must_rise_and_stay_short():
    assert _broken(BASE + "header: {rows: [14, 12]}\n").startswith(f"{REL}:15: header.rows")
    assert _broken(BASE + 'header: {rows: "1-1000000"}\n').startswith(f"{REL}:15: header.rows")


def test_symbol_target_must_be_a_product_symbol():
    text = BASE + 'values:\n  symbols:\n    "* ": "*"\n    "n.v.": "NA"\n'
    # line 15 `values:`, 16 `symbols:`, 17 `"* "`, 18 `"n.v."`
    reason = _broken(text)
    assert reason.startswith(f"{REL}:18: values.symbols: 'NA' ist kein Zeichen des Produkts")


def test_symbols_are_trimmed_and_scale_must_be_positive():
    recipe = parse_statistics_recipe(BASE + 'values: {symbols: {"* ": "*"}}\n', REL, Path("/x"))
    assert recipe.symbols == {"*": "*"}
    assert _broken(BASE + "values: {scale: 0}\n").startswith(f"{REL}:15: values.scale")


def test_yaml_anchor_is_refused_with_its_line():
    text = BASE.replace('  EW_U3: ["0 - 2"]\n', '  EW_U3: &band "0 - 2"\n  EW_U15: *band\n')
    # the anchor sits on line 14, the alias on line 15: the first one is named
    assert _broken(text).startswith(f"{REL}:14: YAML-Anker &band ist nicht erlaubt")


def test_measures_required_for_wide_and_long_keys_for_long():
    without = BASE.split("measures:")[0]
    assert "Pflichtschlüssel 'measures' fehlt" in _broken(without)
    long = (
        without.replace("layout: wide", "layout: long") + "long:\n  code: Merkmal\n  value: Wert\n"
    )
    # line 12 `long:`: codes is missing
    assert _broken(long).startswith(f"{REL}:12: long.codes fehlt")


def test_long_layout_with_joined_code_columns():
    text = BASE.split("layout:")[0] + (
        'layout: long\nlong:\n  code: {columns: [tab_id, zei_id], join: "/"}\n'
        '  value: zahl\n  codes: {EW: "005/10", EW_U3: ["020/10"]}\n'
    )
    recipe = parse_statistics_recipe(text, REL, Path("/x"))
    assert recipe.long_code.columns == ("tab_id", "zei_id") and recipe.long_code.join == "/"
    assert recipe.long_codes == {"EW": ("005/10",), "EW_U3": ("020/10",)}
    assert recipe.measures == {}


def test_date_fixed_and_resolve_checks():
    fixed = BASE.replace(
        "  from: filename\n  pattern: '^(\\d{4})_'\n  format: \"%Y\"\n",
        "  from: fixed\n  value: 2024-12-31\n",
    )
    assert parse_statistics_recipe(fixed, REL, Path("/x")).date.value == dt.date(2024, 12, 31)
    # a year cannot be resolved to a month end; `resolve:` is appended as line 11
    month_end = BASE.replace('  format: "%Y"\n', '  format: "%Y"\n  resolve: month_end\n')
    assert _broken(month_end).startswith(f"{REL}:11: date.resolve: month_end passt nicht")
    # a key the date source does not use (line 11)
    cell = BASE.replace('  format: "%Y"\n', '  format: "%Y"\n  cell: A4\n')
    assert _broken(cell).startswith(f"{REL}:11: unbekannter Schlüssel 'date.cell'")


@pytest.mark.parametrize("fmt", ["%B %Y", "%b %Y", "%d. %B %Y"])
def test_german_month_names_are_a_known_directive(fmt):
    text = BASE.replace('format: "%Y"', f'format: "{fmt}"').replace("'^(\\d{4})_'", "'^(.*)_'")
    assert parse_statistics_recipe(text, REL, Path("/x")).date.format == fmt


def _root_with_map(tmp_path: Path, content: str | None) -> Path:
    folder = tmp_path / "statistics" / "recipes"
    folder.mkdir(parents=True)
    if content is not None:
        (folder / "bezirke.csv").write_text(content, encoding="utf-8")
    return tmp_path


MAP_RECIPE = BASE.replace("  pad: 3\n", "  map: {file: statistics/recipes/bezirke.csv}\n")


def test_area_map_file_is_read_at_validation(tmp_path):
    root = _root_with_map(tmp_path, "source;area_id\n101;SR-01\n102;SR-02\n")
    recipe = parse_statistics_recipe(MAP_RECIPE, REL, root)
    assert recipe.area.mapping == {"101": "SR-01", "102": "SR-02"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "area.map.file: statistics/recipes/bezirke.csv fehlt"),
        ("Quelle;Ziel\n101;SR-01\n", "Zeile 1: erwartet die Kopfzeile source;area_id"),
        ("source;area_id\n101;SR-01;x\n", "Zeile 2: erwartet genau zwei Werte"),
        ("source;area_id\n101;SR-01\n101;SR-02\n", "Zeile 3: '101' ist schon 'SR-01' zugeordnet"),
    ],
)
def test_bad_map_file_names_the_recipe_line(tmp_path, content, expected):
    reason = _broken(MAP_RECIPE, _root_with_map(tmp_path, content))
    assert reason.startswith(f"{REL}:6: area.map.file")  # line 6: `  map: {file: …}`
    assert expected in reason


def test_map_file_outside_the_recipe_folder(tmp_path):
    text = BASE.replace("  pad: 3\n", "  map: {file: statistics/incoming/x.csv}\n")
    assert "muss unter statistics/recipes/" in _broken(text, tmp_path)


def test_load_sorts_by_name_and_a_broken_recipe_claims_only_incoming_files(tmp_path):
    folder = tmp_path / "statistics" / "recipes"
    folder.mkdir(parents=True)
    (folder / "b.yaml").write_text(BASE, encoding="utf-8")
    broken = BASE.replace(
        "files: statistics/incoming/stadt/*.csv",
        "files: [statistics/incoming/a/*.csv, statistics/*.csv]",
    )
    (folder / "a.yaml").write_text(broken, encoding="utf-8")
    first, second = load_statistics_recipes(tmp_path)
    assert isinstance(first, BrokenRecipe) and first.rel == "statistics/recipes/a.yaml"
    assert first.reason.startswith("statistics/recipes/a.yaml:3: files: 'statistics/*.csv' muss")
    assert first.files == ["statistics/incoming/a/*.csv"]  # refused, never read elsewhere
    assert second.rel == "statistics/recipes/b.yaml" and second.name == "test"
    assert RECIPE_INVALID == "recipe_invalid"


def test_csv_and_workbook_keys_do_not_mix():
    csv = BASE.replace(
        "layout: wide\n", "layout: wide\nformat: csv\n"
    )  # format on line 12, 15 lines
    assert _broken(csv.replace("  from: filename\n", "  from: sheet\n")).startswith(
        f"{REL}:8: date.from: sheet gilt nicht für format: csv"
    )
    assert _broken(csv + 'sheets: ["SGB II"]\n').startswith(f"{REL}:16: sheets: gilt nicht")
    xlsx = BASE + "format: xlsx\ndelimiter: ','\n"  # lines 15 and 16
    assert _broken(xlsx).startswith(f"{REL}:16: delimiter: gilt nicht für format: xlsx")
    assert _broken(BASE + 'sheets: "SGB II"\n').startswith(f"{REL}:15: sheets: erwartet")
