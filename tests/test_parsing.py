"""Format-level parsing: encodings (also UTF-16), BOM, separators, quoting, symbols, German
numbers, both date formats."""

import codecs
import datetime as dt

import pandas as pd

from assets.ingest.delimited import (
    INVALID_UTF8,
    WRONG_FIELD_COUNT,
    decode,
    delimiter_of,
    parse_semicolon,
)
from assets.ingest.parsing import (
    duplicate_column,
    future_dates,
    match_columns,
    normalize_header,
    parse_dates,
    parse_german_numbers,
    read_semicolon_csv,
)
from tests.conftest import write


def test_header_matching_is_tolerant_of_case_umlauts_and_punctuation():
    assert normalize_header("Kosten (EUR)") == normalize_header("kosten eur") == "kosten_eur"
    assert normalize_header("\ufeffGültig_ab") == normalize_header("GUELTIG AB")
    found, missing = match_columns(
        ["stichtag", "RAUM-ID", "Merkmal "], ["Stichtag", "Raum_ID", "Merkmal", "Wert"]
    )
    assert found == {"Stichtag": "stichtag", "Raum_ID": "RAUM-ID", "Merkmal": "Merkmal "}
    assert missing == ["Wert"]


def test_decoding_utf8_bom_and_windows_1252():
    utf8 = decode("\ufeffStraße".encode())
    assert (utf8.text, utf8.encoding, utf8.invalid_lines) == ("Straße", "utf-8", frozenset())
    cp1252 = decode("Straße\nGrüße".encode("cp1252"))
    assert (cp1252.text, cp1252.encoding, cp1252.invalid_lines) == (
        "Straße\nGrüße",
        "cp1252",
        frozenset(),
    )


def test_a_line_that_is_no_utf8_in_a_utf8_file_is_the_only_one_marked():
    # line 2 has a UTF-8 "ü" (C3 BC), line 3 a lone Windows-1252 "ä" (E4): the file is UTF-8
    raw = "a;b\nfür;1\n".encode() + b"x\xe4;2\n" + "Süd;3\n".encode()
    decoded = decode(raw)
    assert decoded.encoding == "utf-8"
    assert decoded.invalid_lines == frozenset({3})
    assert decoded.text == "a;b\nfür;1\nx\ufffd;2\nSüd;3\n"  # good lines not garbled


def test_line_numbers_of_invalid_lines_count_every_line_break_the_parsers_see():
    # BOM, a CRLF, and a form feed (a line break for str.splitlines) before the bad line:
    # lines are 1 "a;b", 2 "für;1", 3 "", 4 "z;2", 5 the bad line, 6 "q;4"
    raw = b"\xef\xbb\xbf" + "a;b\r\nfür;1\n\x0cz;2\n".encode() + b"x\xe4;3\nq;4\n"
    assert decode(raw).invalid_lines == frozenset({5})
    parsed = parse_semicolon(raw)
    assert parsed.numbers == [2, 4, 6]
    assert [(b.row_number, b.reason_code) for b in parsed.bad] == [(5, INVALID_UTF8)]


def test_invalid_lines_are_reported_with_a_german_reason_on_both_parser_paths():
    bad = b"x\xe4;2\n"
    for header in (b"a;b\n", b'"a";b\n'):  # plain split and the csv module (quotes)
        parsed = parse_semicolon(header + "für;1\n".encode() + bad + b"y;3;9\n")
        assert parsed.records == [["für", "1"]]
        entries = parsed.bad
        assert [(b.row_number, b.reason_code) for b in entries] == [
            (3, INVALID_UTF8),
            (4, WRONG_FIELD_COUNT),
        ]
        assert entries[0][1] == "x\ufffd;2"  # the offending byte is shown, the rest kept
        assert "kein gültiges UTF-8" in entries[0][3]


def test_without_any_utf8_line_the_file_stays_windows_1252():
    # Windows-1252 "ä" and "ß" are no UTF-8 anywhere: no line speaks for UTF-8
    decoded = decode("a;b\nStraße;1\nä;2\n".encode("cp1252"))
    assert (decoded.encoding, decoded.invalid_lines) == ("cp1252", frozenset())


def test_german_numbers_and_symbols_never_become_numbers_silently():
    parsed = parse_german_numbers(
        pd.Series(["1.234", "1.234,5", "12,5", "-", "*", ".", "x", "–", "12a", "", "12.5", "0"])
    )
    values = parsed.value.tolist()
    assert values[:4] == [1234.0, 1234.5, 12.5, 0.0]  # `-` means exactly zero
    assert all(pd.isna(v) for v in values[4:11])
    assert values[11] == 0.0
    assert parsed.symbol.tolist()[3:8] == ["-", "*", ".", "x", "–"]
    errors = parsed.error.tolist()
    assert errors[8] == "keine Zahl: 12a"
    assert errors[9] == "leerer Wert"
    assert errors[10] == "keine Zahl: 12.5"  # English decimal is ambiguous -> rejected
    assert all(pd.isna(e) for e in errors[:8])


def test_dates_in_both_formats_and_invalid_ones():
    dates = parse_dates(pd.Series(["2024-12-31", "31.12.2024", "2024-13-31", "31/12/2024", ""]))
    assert dates[0] == dates[1] == pd.Timestamp("2024-12-31")
    assert dates[2:].isna().all()


def test_csv_rows_keep_line_numbers_skip_blank_lines_and_report_wrong_widths(tmp_path):
    path = write(tmp_path / "f.csv", "\ufeffa;b\n1;2\n\n3;4;5\n6;7\n\n\n")
    table = read_semicolon_csv(path)
    assert table.header == ["a", "b"]
    assert table.rows["row_number"].tolist() == [2, 5]
    assert table.rows["a"].tolist() == ["1", "6"]
    assert table.width_errors["row_number"].tolist() == [4]
    assert table.width_errors["reason_code"].tolist() == [WRONG_FIELD_COUNT]
    assert "3 Felder statt 2" in table.width_errors["reason"][0]


def test_utf16_is_told_by_its_bom_or_its_zero_bytes_and_a_stray_nul_is_not():
    text = "Stichtag\tWert\r\n2024-12-31\tfünf\r\n"
    assert decode(text.encode("utf-16")).text == text  # BOM (little endian here, as Excel)
    assert decode(codecs.BOM_UTF16_BE + text.encode("utf-16-be")).encoding == "utf-16-be"
    assert decode(text.encode("utf-16-le")).encoding == "utf-16-le"  # no BOM
    assert decode(b"a;b\n1;2\x00\n").encoding == "utf-8"  # one NUL: a defect of its row
    cut = decode(text.rstrip().encode("utf-16")[:-1])  # odd byte count: cut off in line 2
    assert cut.invalid_lines == frozenset({2}) and cut.invalid_code == "invalid_utf16"


def test_tab_is_the_separator_only_when_the_header_has_tabs_and_no_semicolon():
    assert delimiter_of(["", "a\tb\tc", "1;2"]) == "\t"
    assert delimiter_of(["a;b\tc"]) == ";"
    assert delimiter_of(["a"]) == ";"
    parsed = parse_semicolon(b"a\tb\n 1 \t2\n3\t4\t5\n")
    assert (parsed.header, parsed.records, parsed.numbers) == (["a", "b"], [["1", "2"]], [2])
    assert "Trennzeichen Tabulator" in parsed.bad[0].reason


def test_quoted_records_keep_their_first_line_and_the_following_lines_their_numbers():
    raw = ('a;b\n"x\ny";1\n2;"unclosed\n3;4\n"' + "9" * 200_000 + '";5\n6;"z"\n7;8\x00\n').encode()
    parsed = parse_semicolon(raw)
    assert parsed.records == [["x\ny", "1"], ["3", "4"], ["6", "z"]]
    assert parsed.numbers == [2, 5, 7]
    assert [(b.row_number, b.reason_code, b.column) for b in parsed.bad] == [
        (4, "unclosed_quote", None),
        (6, WRONG_FIELD_COUNT, None),  # a field over the csv module's size limit
        (8, "invalid_value", "b"),  # NUL
    ]


def test_a_column_named_twice_is_found_as_match_columns_compares_names():
    assert duplicate_column(["Stichtag", "Wert", "", ""]) is None  # empty names do not count
    column, reason = duplicate_column(["Stichtag", "Wert", "Raum", "WERT"])
    assert column == "Wert" and "Spalten 2 und 4" in reason


def test_dates_after_today_also_beyond_the_range_pandas_can_hold():
    text = pd.Series(["2025-01-15", "16.01.2025", "2999-12-31", "2024-13-01", ""])
    future = future_dates(text, parse_dates(text), dt.date(2025, 1, 15))
    assert future.tolist() == [False, True, True, False, False]
