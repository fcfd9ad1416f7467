"""A city's own statistics layouts through their recipes, inside the statistics asset's reader:
the long format's rules, the duplicate rule across both, located quarantine, refused files."""

import datetime as dt
import math
from pathlib import Path

import pytest
from openpyxl import Workbook

from assets.ingest.statistics_recipes import read_statistics, statistics_paths
from assets.resources import DataRoot
from pipelines.landing import months_in_statistics
from tests.conftest import write

KNOWN = {"SR-A": "05999000", "SR-B": "05999000"}
TODAY = dt.date(2026, 12, 1)

BA_RECIPE = r"""recipe: 1
name: ba-test
files: statistics/incoming/ba/*.xlsx
sheets: ["Arbeitslose"]
header:
  find: {column: A, matches: '^Teilgebiet$'}
  depth: 2
data:
  stop_when: '^(\*\)|Erstellungsdatum|©)'
  skip_when: '^Insgesamt$'
area:
  column: A
  pattern: '^(\d+)\s'
  map: {"01": SR-A, "02": SR-B}
date:
  from: header
  resolve: month_end
measures:
  ALO: "Arbeitslose insgesamt"
  ALO_LZ: "Langzeitarbeitslose"
"""


def _ba_workbook(path: Path) -> Path:
    """A Bundesagentur-style sheet: title, a two-row header with merged month cells, text
    symbols with trailing blanks, a total row and the copyright footer."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Arbeitslose"
    sheet["A1"] = "Statistik der Bundesagentur für Arbeit"
    sheet["A2"] = "Arbeitslose nach Teilgebieten"
    sheet["A5"] = "Teilgebiet"
    sheet.merge_cells("A5:A6")
    sheet["B5"] = dt.datetime(2024, 3, 1)
    sheet.merge_cells("B5:C5")
    sheet["D5"] = dt.datetime(2024, 6, 1)
    sheet.merge_cells("D5:E5")
    for column in "BD":
        sheet[f"{column}6"] = "Arbeitslose insgesamt"
    for column in "CE":
        sheet[f"{column}6"] = "Langzeitarbeitslose"
    rows = {
        8: ["01 Nord-A", 26, 10, 27, "* "],
        9: ["02 Nord-B", "- ", 3, "abc", 4],
        10: ["Insgesamt", 100, 30, 101, 31],
        11: ["09 Unbekannt", 5, 1, 6, 2],
        12: ["© Statistik der Bundesagentur für Arbeit"],
    }
    for number, values in rows.items():
        for column, value in zip("ABCDE", values, strict=False):
            sheet[f"{column}{number}"] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    write(root / "statistics" / "recipes" / "ba.yaml", BA_RECIPE)
    _ba_workbook(root / "statistics" / "incoming" / "ba" / "akg-2024.xlsx")
    return root


def _read(root: Path, report: list | None = None):
    paths = statistics_paths(DataRoot(data_dir=str(root)).files)
    return read_statistics(paths, root, KNOWN, TODAY, report)


def test_a_workbook_is_read_cell_by_cell_through_the_long_formats_rules(root):
    report: list[dict] = []
    result = _read(root, report)
    part = "statistics/incoming/ba/akg-2024.xlsx#Arbeitslose"
    loaded = {
        (r.area_id, str(r.reference_date), r.code): (
            None if math.isnan(r.value) else r.value,
            r.symbol,
            r.row_number,
        )
        for r in result.loaded.itertuples()
    }
    assert loaded == {
        ("SR-A", "2024-03-31", "ALO"): (26, None, 8),
        ("SR-A", "2024-03-31", "ALO_LZ"): (10, None, 8),
        ("SR-A", "2024-06-30", "ALO"): (27, None, 8),
        ("SR-A", "2024-06-30", "ALO_LZ"): (None, "*", 8),
        ("SR-B", "2024-03-31", "ALO"): (0, "-", 9),
        ("SR-B", "2024-03-31", "ALO_LZ"): (3, None, 9),
        ("SR-B", "2024-06-30", "ALO_LZ"): (4, None, 9),
    }
    assert set(result.loaded["source_file"]) == {part}
    by_code = result.quarantine.groupby("reason_code")["column"].apply(
        lambda c: sorted(x.split(" ")[0] for x in c)
    )
    assert by_code["unknown_symbol"] == ["Arbeitslose!D9"]
    symbol = result.quarantine.query("reason_code == 'unknown_symbol'").iloc[0]
    assert symbol["column"] == "Arbeitslose!D9 (Arbeitslose insgesamt)"
    assert symbol["value"] == "abc" and "D9" in symbol["reason"]
    assert by_code["unknown_area"] == [
        "Arbeitslose!B11",
        "Arbeitslose!C11",
        "Arbeitslose!D11",
        "Arbeitslose!E11",
    ]
    assert set(result.quarantine["row_number"]) == {9, 11}
    files = result.files.set_index("file")
    assert files.loc[part, ["rows_in", "rows_loaded", "rows_quarantined"]].tolist() == [12, 7, 5]
    assert report[0]["file"] == part and report[0]["values"] == 12
    assert "skip_when: 1" in report[0]["skipped_rows"]
    assert "stop_when: 1" in report[0]["skipped_rows"]


def test_a_value_in_a_workbook_and_a_long_file_is_kept_once_with_a_pointer_to_the_cell(root):
    write(
        root / "statistics" / "small_area" / "alo.csv",
        "Stichtag;Raum_ID;Merkmal;Wert\n2024-03-31;SR-A;ALO;99\n",
    )
    result = _read(root)
    duplicate = result.quarantine[result.quarantine["reason_code"] == "duplicate"]
    assert duplicate[["file", "row_number"]].values.tolist() == [
        ["statistics/small_area/alo.csv", 2]
    ]
    assert (
        duplicate["reason"]
        .iloc[0]
        .endswith("statistics/incoming/ba/akg-2024.xlsx#Arbeitslose Zelle Arbeitslose!B8")
    )
    kept = result.loaded.query("area_id == 'SR-A' and code == 'ALO'")
    assert sorted(kept["value"]) == [26, 27]


def test_files_without_one_valid_recipe_are_refused_and_the_others_load(root):
    write(root / "statistics" / "incoming" / "other" / "x.csv", "a;b\n1;2\n")
    write(
        root / "statistics" / "recipes" / "zz_broken.yaml",
        "recipe: 1\nname: kaputt\nfiles: statistics/incoming/kaputt/*.csv\nsheet: 1\n",
    )
    write(root / "statistics" / "incoming" / "kaputt" / "k.csv", "a;b\n1;2\n")
    write(root / "statistics" / "recipes" / "ba_copy.yaml", BA_RECIPE.replace("ba-test", "b2"))
    result = _read(root)
    entries = result.quarantine.set_index("file")
    assert entries.loc["statistics/incoming/other/x.csv", "reason_code"] == "no_recipe"
    broken = entries.loc["statistics/incoming/kaputt/k.csv"]
    assert broken["reason_code"] == "recipe_invalid"
    assert "statistics/recipes/zz_broken.yaml:4" in broken["reason"]
    ambiguous = entries.loc["statistics/incoming/ba/akg-2024.xlsx"]
    assert ambiguous["reason_code"] == "ambiguous_recipe"
    assert result.loaded.empty
    assert (result.files.rows_in == result.files.rows_loaded + result.files.rows_quarantined).all()


def test_a_recipe_read_files_months_count_for_the_partitions(root):
    paths = statistics_paths(DataRoot(data_dir=str(root)).files)
    assert months_in_statistics(paths, math.inf, root) == ["2024-03", "2024-06"]
