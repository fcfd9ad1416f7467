"""The recipe reader's cells: numbers, symbols, sums, area ids, the long layout, CSV lines
(SPEC §7.2 `values.*`, `area.*`, `long.*`; §7.9.2–§7.9.4).

Every expected value is written out by hand from the cells each test puts into its file.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook

from assets.ingest.recipe_model import AreaRule, DateRule, LongCode
from tests.test_recipe_values import read, recipe, rows_of


def test_numbers_symbols_and_sums():
    raw = (
        b"Nr;a;b;c\n"
        b"1;1;* ;3\n"  # a no-value symbol gives the sum that symbol
        b"2;.;*;1\n"  # `*` wins over `.`
        b"3;.;5;- \n"  # `.` wins over numbers, `-` counts 0
        b"4;-;2;1.234\n"  # 0 + 2 + 1234
        b"5;-;-;-\n"  # nothing there at all
        b"6;520.0;1;2\n"  # invalid under German rules: the sum is refused, naming B7
        b"7;1;k.A.;2\n"  # unknown symbol
        b"8;;1;2\n"  # an empty part among filled ones
        b"9;;;\n"  # no value at all
        b"10;12,5;0;0\n"
    )
    rule = recipe(measures={"S": ("a", "b", "c"), "A": ("a",)})
    [part] = read(rule, "statistics/incoming/t/s.csv", raw).parts
    sums = [
        (w, c, code)
        for m, w, c, code in zip(part.merkmal, part.wert, part.cells, part.reject_code, strict=True)
        if m == "S"
    ]
    assert sums == [
        ("*", "B2+C2+D2", None),
        ("*", "B3+C3+D3", None),
        (".", "B4+C4+D4", None),
        ("1236", "B5+C5+D5", None),
        ("-", "B6+C6+D6", None),
        ("520.0", "B7+C7+D7", "invalid_number"),  # a refused value keeps what its cell held
        ("k.A.", "B8+C8+D8", "unknown_symbol"),
        ("", "B9+C9+D9", "invalid_number"),
        ("12,5", "B11+C11+D11", None),
    ]
    reasons = [r for m, r in zip(part.merkmal, part.reject_reason, strict=True) if m == "S" and r]
    assert reasons[0] == (
        "Summe B7+C7+D7 nicht berechenbar: B7: „520.0“ ist keine gültige Zahl (Dezimalzeichen „,“, Tausender „.“)"
    )
    assert "C8: „k.A.“ ist weder Zahl noch bekanntes Zeichen" in reasons[1]
    assert "Summand B9 ist leer" in reasons[2]
    singles = [
        (w, code)
        for m, w, code in zip(part.merkmal, part.wert, part.reject_code, strict=True)
        if m == "A"
    ]
    # the single column: the refused cell keeps no number; an empty cell makes no value
    assert singles == [
        ("1", None),
        (".", None),
        (".", None),
        ("-", None),
        ("-", None),
        ("520.0", "invalid_number"),
        ("1", None),
        ("12,5", None),
    ]


def test_english_number_rules_scale_and_mapped_symbols():
    raw = b"Nr;v\n1;1,234.5\n2;0.25\n3;n/a\n4;1.234,5\n"
    rule = recipe(
        decimal=".", thousands=",", scale=1000, symbols={"n/a": "x"}, measures={"V": ("v",)}
    )
    [part] = read(rule, "statistics/incoming/t/v.csv", raw).parts
    assert part.wert == ["1234500", "250", "x", "1.234,5"]
    assert part.reject_code == [None, None, None, "invalid_number"]


def test_excel_number_cells_whole_floats_as_integers():
    book = Workbook()
    sheet = book.active
    sheet.append(["Nr", "v"])
    sheet.append([1.0, 12.0])
    sheet.append([2, 0.5])
    buffer = io.BytesIO()
    book.save(buffer)
    [part] = read(
        recipe(measures={"V": ("v",)}), "statistics/incoming/t/v.xlsx", buffer.getvalue()
    ).parts
    assert rows_of(part) == [
        ("2024-12-31", "1", "V", "12", "Sheet!B2", 2),
        ("2024-12-31", "2", "V", "0,5", "Sheet!B3", 3),
    ]


def test_area_id_order_strip_pattern_map_pad_prefix():
    raw = b"Nr;v\n  1 Mitte ;5\n2 Nord;6\n9 Rest;7\n"
    rule = recipe(
        area=AreaRule(
            "Nr", pattern=re.compile(r"^(\d+)\s"), pad=3, prefix="SR-", mapping={"9": "SONST"}
        ),
        measures={"V": ("v",)},
    )
    [part] = read(rule, "statistics/incoming/t/v.csv", raw).parts
    assert part.raum_id == ["SR-001", "SR-002", "SONST"]  # a mapped id is final


def test_long_layout_codes_sums_and_unmapped_codes():
    raw = (
        b"jahr;raum_id;tab_id;zei_id;zahl\n"
        b"2022;101;005;10;1000\n"
        b"2022;101;020;10;30\n"
        b"2022;101;020;20;*\n"
        b"2022;101;099;10;5\n"
        b"2022;102;020;10;20\n"
        b"2022;102;020;20;25\n"
        b"2022;102;005;10;900\n"
        b"2022;102;099;10;4\n"
        b"2022;102;098;10;3\n"
    )
    rule = recipe(
        layout="long",
        measures={},
        area=AreaRule("raum_id"),
        date=DateRule("column", column="jahr", format="%Y"),
        long_code=LongCode(("tab_id", "zei_id"), "/"),
        long_value="zahl",
        long_codes={"EW": ("005/10",), "EW_U6": ("020/10", "020/20")},
    )
    [part] = read(rule, "statistics/incoming/koeln/bevoelkerung.csv", raw).parts
    day = "2022-12-31"
    assert rows_of(part) == [
        (day, "101", "EW", "1000", "E2", 2),
        (day, "102", "EW", "900", "E8", 8),
        (day, "101", "EW_U6", "*", "E3+E4", 3),
        (day, "102", "EW_U6", "45", "E6+E7", 6),
    ]
    assert part.skipped == {"unmapped_code": 3}
    assert part.unmapped_codes == ["099/10", "098/10"]
    assert part.unmapped == []


def test_csv_row_is_the_line_it_starts_on_and_unlabelled_data_is_reported():
    raw = b'Nr;Name;v\n1;"Alt-\nstadt";5\n2;Nord;6;99\n'
    [part] = read(recipe(measures={"V": ("v",)}), "statistics/incoming/t/v.csv", raw).parts
    assert list(zip(part.cells, part.rows, strict=True)) == [("C2", 2), ("C4", 4)]
    assert part.unmapped == ["Name", "Spalte D (ohne Beschriftung)"]
