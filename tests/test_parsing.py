"""Format-level parsing: encodings, BOM, symbols, German numbers, both date formats."""

import pandas as pd

from assets.ingest.parsing import (
    decode_text,
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
    assert decode_text("\ufeffStraße".encode()) == ("Straße", "utf-8")
    assert decode_text("Straße".encode("cp1252")) == ("Straße", "cp1252")


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
    assert "3 Felder statt 2" in table.width_errors["reason"][0]
