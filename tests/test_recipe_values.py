"""The statistics recipe reader on small files built here (SPEC §7.2, §7.4, §7.9).

Every expected value is written out by hand from the cells each test puts into its file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook

from assets.ingest.recipe_model import (
    AreaRule,
    DateRule,
    HeaderRule,
    RowMatch,
    SheetChoice,
    StatisticsRecipe,
)
from assets.ingest.recipe_values import read_recipe_file

BA_REL = "statistics/incoming/ba/317-900001-AkG-Test-202406.xlsx"


def recipe(**changes) -> StatisticsRecipe:
    """A wide CSV recipe with the defaults of SPEC §7.2; tests change what they exercise."""
    base = StatisticsRecipe(
        rel="statistics/recipes/test.yaml",
        name="test",
        files=("statistics/incoming/test/*",),
        format=None,
        encoding=None,
        delimiter=";",
        sheets=SheetChoice(),
        header=HeaderRule(rows=(1,)),
        data_start=None,
        stop_when=None,
        skip_when=None,
        filter={},
        area=AreaRule("Nr"),
        date=DateRule("fixed", value=dt.date(2024, 12, 31)),
        layout="wide",
        measures={},
        ignore=(),
        long_code=None,
        long_value=None,
        long_codes={},
        lines={"measures": 12, "measures.ALO": 13, "measures.EW": 14, "on_unmapped_column": 20},
    )
    return replace(base, **changes)


def read(rule: StatisticsRecipe, rel: str, raw: bytes):
    return read_recipe_file(rule, Path(rel), rel, raw)


def rows_of(part) -> list[tuple]:
    return list(
        zip(
            part.stichtag, part.raum_id, part.merkmal, part.wert, part.cells, part.rows, strict=True
        )
    )


def rejects_of(part) -> list[tuple]:
    return [
        (c, code) for c, code in zip(part.cells, part.reject_code, strict=True) if code is not None
    ]


# --- a BA workbook in its house style (SPEC §1.3) -------------------------------------------


def ba_workbook(december_label: str = "Langzeitarbeitslose 2) 3)") -> bytes:
    book = Workbook()
    book.active.title = "Impressum"
    book.active["A1"] = "Statistik der Bundesagentur für Arbeit"
    sheet = book.create_sheet("Arbeitslose")
    sheet["A1"] = "Statistik der Bundesagentur für Arbeit"
    sheet["A2"] = "Arbeitslose nach Teilgebieten"
    sheet["A4"] = "Teilgebiet"
    sheet["B4"] = dt.datetime(2024, 3, 1)
    sheet["E4"] = dt.datetime(2024, 6, 1)
    sheet["B5"], sheet["C5"] = "Arbeitslose insgesamt", "darunter"
    sheet["E5"], sheet["F5"] = "Arbeitslose insgesamt", "darunter"
    sheet["C6"], sheet["D6"] = "Langzeitarbeitslose 1)", "15 bis unter 25 Jahre"
    sheet["F6"], sheet["G6"] = december_label, "15 bis unter 25 Jahre"
    for cells in ("A4:A6", "B4:D4", "E4:G4", "B5:B6", "C5:D5", "E5:E6", "F5:G5"):
        sheet.merge_cells(cells)
    data = [
        ["Insgesamt", 100, 40, 10, 98, 39, 9],
        ["01 Altstadt", 60, "* ", 7, 58, 25, "- "],
        ["02 Neustadt", 40.0, 16, "- ", 40, "x", 3],
        ["Keine Zuordnung möglich", "* ", "- ", "- ", "* ", "- ", "- "],
        [],
        ["*) Aus Datenschutzgründen werden Zahlenwerte von 1 oder 2 anonymisiert."],
        ["Erstellungsdatum: 14.07.2024"],
        ["© Statistik der Bundesagentur für Arbeit"],
    ]
    for offset, values in enumerate(data):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=8 + offset, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ba_recipe(**changes) -> StatisticsRecipe:
    rule = recipe(
        format="xlsx",
        sheets=SheetChoice(names=("Arbeitslose",)),
        header=HeaderRule(
            rows=None, find_column="A", find_pattern=re.compile(r"^(Teilgebiet|Region)$"), depth=3
        ),
        stop_when=re.compile(r"^(\*\)|Erstellungsdatum|©)"),
        skip_when=RowMatch(re.compile(r"^(Insgesamt|Keine Zuordnung möglich)$")),
        area=AreaRule("A", pattern=re.compile(r"^(\d+)\s"), pad=2, prefix="SR-"),
        date=DateRule("header", resolve="month_end"),
        measures={
            "ALO": ("Arbeitslose insgesamt",),
            "ALO_LZ": ("Langzeitarbeitslose",),
            "ALO_U25": ("15 bis unter 25 Jahre",),
        },
    )
    return replace(rule, **changes)


def test_ba_workbook_gives_each_area_month_and_measure_with_its_cell():
    result = read(ba_recipe(), BA_REL, ba_workbook())
    assert result.error is None
    [part] = result.parts
    assert part.part == f"{BA_REL}#Arbeitslose"
    assert part.encoding == "xlsx"
    march, june = "2024-03-31", "2024-06-30"
    assert rows_of(part) == [
        (march, "SR-01", "ALO", "60", "Arbeitslose!B9", 9),
        (march, "SR-01", "ALO_LZ", "*", "Arbeitslose!C9", 9),
        (march, "SR-01", "ALO_U25", "7", "Arbeitslose!D9", 9),
        (june, "SR-01", "ALO", "58", "Arbeitslose!E9", 9),
        (june, "SR-01", "ALO_LZ", "25", "Arbeitslose!F9", 9),
        (june, "SR-01", "ALO_U25", "-", "Arbeitslose!G9", 9),
        (march, "SR-02", "ALO", "40", "Arbeitslose!B10", 10),
        (march, "SR-02", "ALO_LZ", "16", "Arbeitslose!C10", 10),
        (march, "SR-02", "ALO_U25", "-", "Arbeitslose!D10", 10),
        (june, "SR-02", "ALO", "40", "Arbeitslose!E10", 10),
        (june, "SR-02", "ALO_LZ", "x", "Arbeitslose!F10", 10),
        (june, "SR-02", "ALO_U25", "3", "Arbeitslose!G10", 10),
    ]
    assert part.column[1] == "darunter / Langzeitarbeitslose 1)"
    assert part.reject_code == [None] * 12
    # Insgesamt and Keine Zuordnung by skip_when; the three footer lines by stop_when
    assert part.skipped == {"skip_when": 2, "stop_when": 3}
    assert part.unmapped == []


def test_fixed_header_rows_and_data_start_read_the_same_block():
    fixed = ba_recipe(header=HeaderRule(rows=(4, 5, 6)), data_start=9, skip_when=None)
    [part] = read(fixed, BA_REL, ba_workbook()).parts
    assert part.raum_id[:3] == ["SR-01"] * 3
    # without skip_when, "Keine Zuordnung möglich" is read: the pattern does not fit, the cell
    # text stays the id (the unknown-area rule downstream shows it)
    assert part.raum_id[-1] == "Keine Zuordnung möglich"
    assert part.skipped == {"stop_when": 3}


def test_unmapped_column_is_listed_once_and_can_refuse_the_file():
    narrow = ba_recipe(
        measures={"ALO": ("Arbeitslose insgesamt",), "ALO_LZ": ("Langzeitarbeitslose",)}
    )
    [part] = read(narrow, BA_REL, ba_workbook()).parts
    assert part.unmapped == ["darunter / 15 bis unter 25 Jahre"] * 2  # one per month column
    ignored = replace(narrow, ignore=("15 bis unter 25 Jahre",))
    assert read(ignored, BA_REL, ba_workbook()).parts[0].unmapped == []
    result = read(replace(narrow, on_unmapped_column="error"), BA_REL, ba_workbook())
    assert result.parts == []
    assert result.error[0] == "unmapped_column"
    assert "statistics/recipes/test.yaml:20" in result.error[1]
    assert "„darunter / 15 bis unter 25 Jahre“" in result.error[1]


def test_measure_missing_in_one_month_refuses_the_file():
    result = read(ba_recipe(), BA_REL, ba_workbook(december_label="Langzeitarbeitslose (neu)"))
    assert result.error[0] == "measure_not_found"
    assert "01.06.2024" in result.error[1] and "Arbeitslose" in result.error[1]


def test_measure_not_found_names_the_recipe_line_and_the_labels():
    wrong = ba_recipe(measures={"ALO": ("Arbeitslose gesamt",)})
    result = read(wrong, BA_REL, ba_workbook())
    assert result.parts == []
    code, reason = result.error
    assert code == "measure_not_found"
    assert reason.startswith(f"{BA_REL}: statistics/recipes/test.yaml:13: ALO")
    assert "„Arbeitslose insgesamt“" in reason and "„darunter / Langzeitarbeitslose 1)“" in reason


def test_label_under_two_dates_is_ambiguous_without_header_dates():
    undated = ba_recipe(
        date=DateRule("fixed", value=dt.date(2024, 6, 30)),
        measures={"ALO": ("Arbeitslose insgesamt",)},
    )
    code, reason = read(undated, BA_REL, ba_workbook()).error
    assert code == "ambiguous_column"
    assert "statistics/recipes/test.yaml:13" in reason
    assert "B („Arbeitslose insgesamt“), E („Arbeitslose insgesamt“)" in reason


def test_header_not_found_and_missing_sheet_refuse_the_file():
    lost = ba_recipe(
        header=HeaderRule(rows=None, find_column="A", find_pattern=re.compile("^Region$"), depth=3)
    )
    code, reason = read(lost, BA_REL, ba_workbook()).error
    assert code == "header_not_found"
    assert "Tabellenblatt „Arbeitslose“" in reason and "Spalte A" in reason
    code, reason = read(
        ba_recipe(sheets=SheetChoice(names=("SGB II",))), BA_REL, ba_workbook()
    ).error
    assert code == "sheet_not_found"
    assert "„SGB II“" in reason and "„Impressum“, „Arbeitslose“" in reason


def test_sheet_by_index_and_pattern():
    by_index = read(ba_recipe(sheets=SheetChoice(indexes=(2,))), BA_REL, ba_workbook())
    by_pattern = read(
        ba_recipe(sheets=SheetChoice(pattern=re.compile("^Arbeits"))), BA_REL, ba_workbook()
    )
    assert len(by_index.parts[0].wert) == len(by_pattern.parts[0].wert) == 12
    assert (
        read(ba_recipe(sheets=SheetChoice(indexes=(3,))), BA_REL, ba_workbook()).error[0]
        == "sheet_not_found"
    )


def test_damaged_workbook_is_an_unreadable_file_not_an_exception():
    result = read(ba_recipe(), BA_REL, b"PK\x03\x04 not a workbook")
    assert result.error[0] == "unreadable_file"
    assert result.error[1].startswith(BA_REL)


# --- city CSV layouts (SPEC §4) --------------------------------------------------------------

KOELN = "statistics/incoming/stadt/2023_Altersgruppen_Stadtteil.csv"


def koeln_recipe(**changes) -> StatisticsRecipe:
    rule = recipe(
        delimiter=",",
        area=AreaRule("Nr.", pad=3),
        date=DateRule("filename", pattern=re.compile(r"^(\d{4})_"), format="%Y"),
        measures={
            "EW": ("Einwohner insgesamt",),
            "EW_U3": ("0 - 2",),
            "EW_U6": ("0 - 2", " 3 - 5"),
            "EW_80P": ("80 u. älter",),
        },
    )
    return replace(rule, **changes)


def koeln_file(encoding: str = "utf-8") -> bytes:
    text = (
        "Nr.,Stadtteil,Einwohner insgesamt,0 - 2, 3 - 5,80 u. älter\r\n"
        "101,Altstadt-Süd,27515,521,356,1149\r\n"
        "\r\n"
        "7,Neustadt,900,20,25,40\r\n"
    )
    return text.encode(encoding)


def test_koeln_csv_year_from_file_name_and_summed_bands():
    result = read(koeln_recipe(), KOELN, koeln_file())
    assert result.error is None
    [part] = result.parts
    assert part.part == KOELN and part.encoding == "utf-8"
    day = "2023-12-31"  # a year resolves to 31.12.
    assert rows_of(part) == [
        (day, "101", "EW", "27515", "C2", 2),
        (day, "101", "EW_U3", "521", "D2", 2),
        (day, "101", "EW_U6", "877", "D2+E2", 2),
        (day, "101", "EW_80P", "1149", "F2", 2),
        (day, "007", "EW", "900", "C4", 4),
        (day, "007", "EW_U3", "20", "D4", 4),
        (day, "007", "EW_U6", "45", "D4+E4", 4),
        (day, "007", "EW_80P", "40", "F4", 4),
    ]
    assert part.column[2] == "0 - 2 + 3 - 5"
    assert part.unmapped == ["Stadtteil"]
    assert part.skipped == {}


def test_cp1252_file_is_decoded_automatically_or_as_declared():
    auto = read(koeln_recipe(), KOELN, koeln_file("cp1252")).parts[0]
    declared = read(koeln_recipe(encoding="cp1252"), KOELN, koeln_file("cp1252")).parts[0]
    assert auto.encoding == declared.encoding == "cp1252"
    assert auto.wert[3] == declared.wert[3] == "1149"  # "80 u. älter" found in both


def test_file_name_without_date_refuses_the_file():
    code, reason = read(
        koeln_recipe(), "statistics/incoming/stadt/Altersgruppen.csv", koeln_file()
    ).error
    assert code == "no_date"
    assert "Dateiname" in reason and "Altersgruppen.csv" in reason


def test_german_month_name_in_a_cell_and_month_end():
    raw = b"Stand: Dezember 2024\nNr;ALO\n3;12\n"
    rule = recipe(
        header=HeaderRule(rows=(2,)),
        date=DateRule("cell", cell="A1", pattern=re.compile(r"Stand: (.*)$"), format="%B %Y"),
        measures={"ALO": ("ALO",)},
    )
    assert rows_of(read(rule, "statistics/incoming/t/alo.csv", raw).parts[0]) == [
        ("2024-12-31", "3", "ALO", "12", "B3", 3)
    ]
    bad = replace(rule, date=replace(rule.date, format="%d.%m.%Y"))
    code, reason = read(bad, "statistics/incoming/t/alo.csv", raw).error
    assert code == "invalid_date" and "Zelle A1" in reason and "Dezember 2024" in reason


def test_dates_as_column_headers_text_and_excel_serial():
    raw = b"Nr;31.12.2023;45352\nNr;Arbeitslose;Arbeitslose\n11;7;8\n"
    rule = recipe(
        header=HeaderRule(rows=(1, 2)),
        date=DateRule("header", format="%d.%m.%Y"),
        measures={"ALO": ("Arbeitslose",)},
    )
    [part] = read(rule, "statistics/incoming/t/alo.csv", raw).parts
    # 45352 = 2024-03-01 (serial 45292 is 2024-01-01; + 31 + 29 days); a full date stays as is
    assert rows_of(part) == [
        ("2023-12-31", "11", "ALO", "7", "B3", 3),
        ("2024-03-01", "11", "ALO", "8", "C3", 3),
    ]


def test_kiel_filter_date_column_and_a_bad_row_date():
    raw = (
        b"Datum;Stadtteilnummer;Merkmal;Stadtteil;insgesamt\n"
        b"2023_12_31;1;Einwohner nach Altersgruppen;Altstadt        ;1200\n"
        b"2023_12_31;1;Haushalte;Altstadt        ;520.0\n"
        b"2023_13_31;2;Einwohner nach Altersgruppen;Vorstadt;900\n"
    )
    rule = recipe(
        area=AreaRule("Stadtteilnummer", pad=2),
        date=DateRule("column", column="Datum", format="%Y_%m_%d"),
        filter={"Merkmal": ("Einwohner nach Altersgruppen",)},
        measures={"EW": ("insgesamt",)},
        ignore=("Stadtteil",),
    )
    [part] = read(rule, "statistics/incoming/kiel/ew.csv", raw).parts
    assert rows_of(part) == [
        ("2023-12-31", "01", "EW", "1200", "E2", 2),
        ("", "02", "EW", "900", "E4", 4),
    ]
    assert rejects_of(part) == [("E4", "invalid_date")]
    assert part.reject_reason[1] == "A4: „2023_13_31“ passt nicht zum Datumsformat „%Y_%m_%d“"
    assert part.skipped == {"filter": 1}
    assert part.unmapped == []  # date, area and filter columns are in use


def test_date_from_sheet_name_and_a_csv_has_none():
    book = Workbook()
    sheet = book.active
    sheet.title = "Stand 2023"
    sheet.append(["Nr", "v"])
    sheet.append(["5", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    rule = recipe(
        date=DateRule("sheet", pattern=re.compile(r"(\d{4})$"), format="%Y"), measures={"V": ("v",)}
    )
    [part] = read(rule, "statistics/incoming/t/v.xlsx", buffer.getvalue()).parts
    assert rows_of(part) == [("2023-12-31", "5", "V", "3", "Stand 2023!B2", 2)]
    code, reason = read(rule, "statistics/incoming/t/v.csv", b"Nr;v\n5;3\n").error
    assert code == "no_date" and "Tabellenblatt" in reason


def test_area_column_by_missing_label_or_letter_beyond_the_sheet_refuses_the_file():
    raw = b"Nr;v\n5;3\n"
    for column in ("Raum", "Z"):
        rule = recipe(area=AreaRule(column), measures={"V": ("v",)}, lines={"area": 7})
        code, reason = read(rule, "statistics/incoming/t/v.csv", raw).error
        assert code == "measure_not_found"
        assert reason == (
            f"statistics/incoming/t/v.csv: statistics/recipes/test.yaml:7: area.column „{column}“ "
            "passt auf keine Spalte; vorhanden: „Nr“, „v“"
        )


def test_serials_and_text_are_header_dates_only_when_dates_come_from_the_header():
    raw = b"Nr;45127;2024\n1;3;4\n"
    fixed = recipe(measures={"A": ("45127",), "B": ("2024",)})  # postcode and year as labels
    assert read(fixed, "statistics/incoming/t/p.csv", raw).parts[0].wert == ["3", "4"]
    raw = b"Nr;2024;45292\nNr;EW;EW\n1;3;4\n"
    by_header = recipe(
        header=HeaderRule(rows=(1, 2)), date=DateRule("header"), measures={"EW": ("EW",)}
    )
    [part] = read(by_header, "statistics/incoming/t/p.csv", raw).parts
    # ISO year text → 31.12.; serial 45292 = 2024-01-01, a full date as is
    assert list(zip(part.stichtag, part.wert, strict=True)) == [
        ("2024-12-31", "3"),
        ("2024-01-01", "4"),
    ]
