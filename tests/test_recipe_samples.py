"""The shipped statistics recipes (`data/recipes/`) read the SPEC's sample files (SPEC §7.5–§7.8).

Fixtures in `tests/fixtures/recipes/`: copies of the synthetic SPEC samples (BA AkG workbook,
Köln-style age bands, Mülheim-style households) and two small hand-made files in the Krefeld
layout (cp1252, coded columns, total and unassigned rows) and the Kiel layout (date column,
two topics told apart by `Merkmal`), for which no sample exists. Every expected value below was
read from those files by hand; sums were added by hand.
"""

import io
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from assets.ingest.recipe_model import RecipeFile
from assets.ingest.recipe_values import read_recipe_file
from assets.ingest.stat_recipes import parse_statistics_recipe

RECIPES = Path(__file__).parent.parent / "data" / "recipes"
FIXTURES = Path(__file__).parent / "fixtures" / "recipes"
BA_FILE = "317-900001-AkG-Musterstadt-202412.xlsx"
BA_REL = f"statistics/incoming/ba/{BA_FILE}"
DECEMBER = "2024-12-31"
QUARTERS = {"2024-03-31", "2024-06-30", "2024-09-30", DECEMBER}


def _read(recipe: str, rel: str, raw: bytes) -> RecipeFile:
    parsed = parse_statistics_recipe((RECIPES / recipe).read_text("utf-8"), recipe, Path("/x"))
    assert parsed.matches(rel), f"{recipe} does not claim {rel}"
    result = read_recipe_file(parsed, Path(rel), rel, raw)
    assert result.error is None, result.error
    return result


def _values(result: RecipeFile) -> dict[tuple[str, str, str], str]:
    """(area, Merkmal, Stichtag) → Wert over all sheets; no value may be rejected."""
    found = {}
    for part in result.parts:
        assert set(part.reject_code) <= {None}, part.reject_reason
        keys = zip(part.raum_id, part.merkmal, part.stichtag, strict=True)
        for key, wert in zip(keys, part.wert, strict=True):
            assert key not in found, key
            found[key] = wert
    return found


def _cells(result: RecipeFile) -> dict[tuple[str, str, str], str]:
    return {
        key: cell
        for part in result.parts
        for key, cell in zip(
            zip(part.raum_id, part.merkmal, part.stichtag, strict=True), part.cells, strict=True
        )
    }


def test_ba_preset_reads_the_akg_workbook():
    result = _read("presets/ba_akg.yaml", BA_REL, (FIXTURES / BA_FILE).read_bytes())
    values = _values(result)
    # 5 areas × 4 quarters × 8 measures (SPEC §7.8)
    assert len(values) == 160
    assert {key[0] for key in values} == {"SR-01", "SR-02", "SR-03", "SR-04", "SR-05"}
    assert {key[2] for key in values} == QUARTERS
    # SR-05, December 2024 (row 21, columns T–Y of "SGB II", Q–U of "Arbeitslose")
    december = {code: values[("SR-05", code, DECEMBER)] for code in (
        "SGB2_BG", "SGB2_BG_ALLEINERZ", "SGB2_LB", "SGB2_ELB", "SGB2_NEF_U15",
        "ALO", "ALO_LZ", "ALO_U25",
    )}  # fmt: skip
    assert december == {
        "SGB2_BG": "44",
        "SGB2_BG_ALLEINERZ": "*",  # "* " in the cell: a symbol, never a number
        "SGB2_LB": "83",  # RLB, column V
        "SGB2_ELB": "58",
        "SGB2_NEF_U15": "*",
        "ALO": "16",
        "ALO_LZ": "6",
        "ALO_U25": "*",
    }
    assert values[("SR-01", "SGB2_BG", "2024-03-31")] == "520"
    assert values[("SR-04", "ALO_U25", "2024-03-31")] == "-"  # "- " = exactly zero
    assert values[("SR-02", "ALO", "2024-09-30")] == "451"
    assert _cells(result)[("SR-05", "SGB2_BG", DECEMBER)] == "SGB II!T21"
    # per sheet: "Insgesamt" and "Keine Zuordnung möglich" (skip_when) and the three footer
    # lines "*) …", "Erstellungsdatum: …", "© Statistik …" (stop_when); blank rows are not
    # counted (SPEC §7.9.1), so 10 in all, not the 12 of the prototype in SPEC §7.8
    assert [part.skipped for part in result.parts] == [{"skip_when": 2, "stop_when": 3}] * 2
    assert [part.unmapped for part in result.parts] == [[], []]
    assert [part.part for part in result.parts] == [f"{BA_REL}#SGB II", f"{BA_REL}#Arbeitslose"]


def _moved_down(raw: bytes) -> bytes:
    """The workbook with one more title row above the header block (SPEC §1.7 drift)."""
    book = openpyxl.load_workbook(io.BytesIO(raw))
    for sheet in (book["SGB II"], book["Arbeitslose"]):
        merged = [cells.bounds for cells in sheet.merged_cells.ranges]
        for min_col, min_row, max_col, max_row in merged:
            sheet.unmerge_cells(
                start_row=min_row, start_column=min_col, end_row=max_row, end_column=max_col
            )
        sheet.insert_rows(8)
        for min_col, min_row, max_col, max_row in merged:
            sheet.merge_cells(
                start_row=min_row + 1, start_column=min_col, end_row=max_row + 1, end_column=max_col
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_ba_preset_finds_a_header_block_that_moved_down_one_row():
    raw = (FIXTURES / BA_FILE).read_bytes()
    moved_raw = _moved_down(raw)
    book = openpyxl.load_workbook(io.BytesIO(moved_raw))
    assert book["SGB II"]["A13"].value == "Teilgebiet"  # the block now starts at row 13
    original = _read("presets/ba_akg.yaml", BA_REL, raw)
    moved = _read("presets/ba_akg.yaml", BA_REL, moved_raw)
    assert _values(moved) == _values(original)
    assert _cells(moved)[("SR-05", "SGB2_BG", DECEMBER)] == "SGB II!T22"
    assert [part.skipped for part in moved.parts] == [{"skip_when": 2, "stop_when": 3}] * 2


def test_koeln_example_reads_the_age_band_csv():
    rel = "statistics/incoming/stadt/2024_Altersgruppen_Stadtteil.csv"
    raw = (FIXTURES / "2024_Altersgruppen_Stadtteil.csv").read_bytes()
    result = _read("examples/stadt_altersgruppen_koeln.yaml", rel, raw)
    values = _values(result)
    assert len(values) == 50  # 5 Stadtteile × 10 measures
    assert {key[2] for key in values} == {DECEMBER}  # year from the file name → 31.12.
    altstadt = {code: wert for (area, code, _), wert in values.items() if area == "101"}
    assert altstadt == {
        "EW": "15681",
        "EW_U3": "412",
        "EW_3_5": "355",
        "EW_6_14": "1012",
        "EW_U15": "1779",  # 412 + 355 + 1012
        "EW_15_17": "340",
        "EW_15_64": "11083",  # 340 + 610 + 4120 + 5033 + 980
        "EW_65_79": "2112",  # 1502 + 610
        "EW_80P": "707",
        "EW_65P": "2819",  # 1502 + 610 + 707
    }
    assert values[("202", "EW_U15", DECEMBER)] == "520"  # 101 + 99 + 320
    assert result.parts[0].unmapped == []


def test_muelheim_example_reads_households_and_lists_the_other_columns():
    rel = "statistics/incoming/muelheim/Haushalte_SB_2024-12.txt"
    raw = (FIXTURES / "Haushalte_SB_2024-12.txt").read_bytes()
    result = _read("examples/stadt_altersgruppen_muelheim_haushalte.yaml", rel, raw)
    values = _values(result)
    assert len(values) == 10  # 5 Bezirke × HH, HH_ALLEINERZ
    assert values[("11", "HH", DECEMBER)] == "7020"  # 2024-12 in the name → month end
    assert values[("11", "HH_ALLEINERZ", DECEMBER)] == "421"
    assert values[("31", "HH", DECEMBER)] == "2101"
    assert values[("31", "HH_ALLEINERZ", DECEMBER)] == "126"
    unmapped = result.parts[0].unmapped
    assert len(unmapped) == 16
    assert unmapped[:3] == ["HH_1pers", "HH_2pers", "HH_3pers"]
    assert "HH_single_ab65" in unmapped and "HH" not in unmapped and "sb" not in unmapped


def test_krefeld_example_reads_cp1252_and_skips_total_and_unassigned():
    rel = "statistics/incoming/krefeld/bevoelkerung_2023.csv"
    raw = (FIXTURES / "bevoelkerung_2023.csv").read_bytes()
    result = _read("examples/stadt_altersgruppen_krefeld.yaml", rel, raw)
    assert _values(result) == {
        ("001", "EW", "2023-12-31"): "1234",  # "1.234": German thousands
        ("001", "EW_U3", "2023-12-31"): "56",
        ("001", "EW_3_5", "2023-12-31"): "48",
        ("002", "EW", "2023-12-31"): "10012",
        ("002", "EW_U3", "2023-12-31"): "310",
        ("002", "EW_3_5", "2023-12-31"): "290",
    }
    assert result.parts[0].skipped == {"skip_when": 2}  # "Krefeld abs.", "nicht zuzuordnen"
    assert result.parts[0].encoding == "cp1252"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("EW", "1220"),  # all 20 bands
        ("EW_U3", "19"),
        ("EW_3_5", "14"),
        ("EW_6_14", "23"),  # 14 + 8 + 1
        ("EW_U15", "56"),  # 19 + 14 + 14 + 8 + 1
        ("EW_15_17", "10"),
        ("EW_18_24", "182"),  # 39 + 143
        ("EW_15_64", "871"),  # 10 + 39 + 143 + 158 + 141 + 85 + 74 + 49 + 54 + 63 + 55
        ("EW_65_79", "140"),  # 43 + 48 + 49
        ("EW_80P", "153"),
        ("EW_65P", "293"),  # 140 + 153
    ],
)
def test_kiel_example_filters_the_topic_and_sums_bands(code, expected):
    rel = "statistics/incoming/kiel/altersgruppen_2023.csv"
    raw = (FIXTURES / "altersgruppen_2023.csv").read_bytes()
    result = _read("examples/stadt_altersgruppen_kiel.yaml", rel, raw)
    values = _values(result)
    assert len(values) == 11
    assert values[("1", code, "2023-12-31")] == expected
    assert result.parts[0].skipped == {"filter": 1}  # the "Deutsche nach Altersgruppen" row
    assert Counter(key[0] for key in values) == {"1": 11}
