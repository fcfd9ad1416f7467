"""Bad-input corpus: files that must not stop the others, and nothing skipped silently.

Issue 15, items 8 and 10: a damaged member inside an XLSX, a header naming a column twice, any
other failure to read a file; data on a second sheet, a UTF-16 file as Excel's "Unicode-Text"
saves it (TAB-separated), a quoted field with a line break and a quote that is never closed.
Each case is a file with the defect (or next to a good file) and asserts the located error
(file, row, reason code) and that every other row and file loads, with its true line number.
"""

import struct
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from assets.ingest import delivery, quarantine, statistics
from assets.ingest.areas import read_areas
from assets.ingest.genesis import read_genesis
from assets.ingest.needs_survey import read_needs_survey
from assets.ingest.providers import discover, read_facilities, read_reports
from assets.ingest.statistics import read_small_area_statistics
from assets.ingest.zensus import read_zensus
from tests.conftest import AGS, write, write_areas_geojson
from tests.test_bad_input_corpus import (
    GENESIS_GOOD,
    GENESIS_HEADER,
    REPORT_HEADER,
    STAT_HEADER,
    ZENSUS_HEADER,
    located,
)
from tests.test_providers import FACILITY_HEADER, lonlat

AREAS = {"SR-A": AGS, "SR-B": AGS}
NEEDS_HEADER = "Befragung_ID;Befragtengruppe;Raum_ID;Themenfeld;Bewertung"
REPORT = "providers/TR-01/reports/2025-03.xlsx"


@pytest.fixture
def polygons(tmp_path):
    path = tmp_path / "areas" / "a.geojson"
    write_areas_geojson(path, ["SR-A", "SR-B"])
    return read_areas([path], tmp_path)[1]


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def corrupt_member(path: Path, member: str) -> None:
    """Overwrite bytes inside one member's compressed data; the zip directory stays intact."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    name_length, extra_length = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_length + extra_length + info.compress_size // 3
    data[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))


def good_report(root: Path, provider: str) -> None:
    write(
        root / "providers" / provider / "reports" / "2025-03.csv",
        REPORT_HEADER + "\nM-2;2025-03;SR-A;20;10;3;40;100\n",
    )


# -- item 8: one broken file never stops the others --------------------------------------------


def test_xlsx_with_a_damaged_member_is_refused_and_other_providers_load(tmp_path):
    rows = [REPORT_HEADER.split(";")] + [
        ["M-1", "2025-03", "SR-A", 20, 10, 3, 40, 100 + i] for i in range(60)
    ]
    path = workbook(tmp_path / REPORT, {"Bericht": rows})
    corrupt_member(path, "xl/worksheets/sheet1.xml")
    good_report(tmp_path, "TR-02")
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    assert located(result) == [(REPORT, None, "unreadable_file")]
    assert "nicht gelesen werden" in result.quarantine.iloc[0]["reason"]
    assert result.loaded[["provider_id", "row_number"]].values.tolist() == [["TR-02", 2]]


def _failing_for(name: str, real):
    def read(path, *args, **kwargs):
        if Path(path).name == name:
            raise RuntimeError("Lesefehler im Test")
        return real(path, *args, **kwargs)

    return read


def test_any_failure_to_read_a_statistics_file_is_located_and_the_others_load(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(statistics, "read_coded", _failing_for("a.csv", statistics.read_coded))
    bad = write(tmp_path / "a.csv", STAT_HEADER + "\n2024-12-31;SR-A;EW;1000\n")
    good = write(tmp_path / "b.csv", STAT_HEADER + "\n2024-12-31;SR-B;EW;800\n")
    result = read_small_area_statistics([bad, good], tmp_path, AREAS)
    assert located(result) == [("a.csv", None, "unreadable_file")]
    assert "Lesefehler im Test" in result.quarantine.iloc[0]["reason"]
    assert result.loaded[["source_file", "row_number"]].values.tolist() == [["b.csv", 2]]


def test_any_failure_to_read_a_genesis_zensus_or_survey_file_is_located(tmp_path, monkeypatch):
    monkeypatch.setattr(delivery, "read_table", _failing_for("a.csv", delivery.read_table))
    monkeypatch.setattr(quarantine, "read_records", _failing_for("a.csv", quarantine.read_records))
    genesis_bad = write(tmp_path / "g" / "a.csv", GENESIS_HEADER + "\n" + GENESIS_GOOD)
    genesis_good = write(tmp_path / "g" / "b.csv", GENESIS_HEADER + "\n" + GENESIS_GOOD)
    result = read_genesis([genesis_bad, genesis_good], tmp_path)
    assert located(result) == [("g/a.csv", None, "unreadable_file")]
    assert result.loaded["source_file"].tolist() == ["g/b.csv"]
    zensus_bad = write(tmp_path / "z" / "a.csv", ZENSUS_HEADER + "\nC1;4100050;3100050;12")
    zensus_good = write(tmp_path / "z" / "b.csv", ZENSUS_HEADER + "\nC1;4100050;3100050;12")
    result = read_zensus([zensus_bad, zensus_good], tmp_path)
    assert located(result) == [("z/a.csv", None, "unreadable_file")]
    assert result.loaded["source_file"].tolist() == ["z/b.csv"]
    needs_bad = write(tmp_path / "n" / "a.csv", NEEDS_HEADER + "\nB-1;Bewohner;SR-A;Kita;4")
    needs_good = write(tmp_path / "n" / "b.csv", NEEDS_HEADER + "\nB-2;Bewohner;SR-A;Kita;4")
    result = read_needs_survey([needs_bad, needs_good], tmp_path, AREAS)
    assert located(result) == [("n/a.csv", None, "unreadable_file")]
    assert result.loaded["source_file"].tolist() == ["n/b.csv"]


DUPLICATE_HEADERS = {
    "same_name": STAT_HEADER + ";Wert",
    "differs_in_case": STAT_HEADER + ";WERT",
    "date_twice": "Stichtag;Raum_ID;Stichtag;Merkmal;Wert",
}


@pytest.mark.parametrize("case", sorted(DUPLICATE_HEADERS))
def test_statistics_header_naming_a_column_twice_is_refused_and_others_load(tmp_path, case):
    header = DUPLICATE_HEADERS[case]
    width = header.count(";") + 1
    rows = ["2024-12-31;SR-A;EW;1000", "2024-12-31;SR-A;HH;400"]
    body = [row + ";1" * (width - 4) for row in rows]
    bad = write(tmp_path / "a.csv", "\n".join([header, *body]))
    good = write(tmp_path / "b.csv", STAT_HEADER + "\n2024-12-31;SR-B;EW;800\n")
    result = read_small_area_statistics([bad, good], tmp_path, AREAS)
    assert located(result) == [("a.csv", 2, "duplicate_column"), ("a.csv", 3, "duplicate_column")]
    entry = result.quarantine.iloc[0]
    assert entry["column"] in header.split(";") and "mehrfach" in entry["reason"]
    assert result.loaded[["source_file", "row_number"]].values.tolist() == [["b.csv", 2]]


def test_header_naming_a_column_twice_is_refused_in_every_reader(tmp_path):
    genesis = write(
        tmp_path / "g" / "a.csv", GENESIS_HEADER + ";time\n" + GENESIS_GOOD + ";2024-12-31"
    )
    genesis_good = write(tmp_path / "g" / "b.csv", GENESIS_HEADER + "\n" + GENESIS_GOOD)
    result = read_genesis([genesis, genesis_good], tmp_path)
    assert located(result) == [("g/a.csv", 2, "duplicate_column")]
    assert result.quarantine.iloc[0]["column"] == "time"
    assert result.loaded["source_file"].tolist() == ["g/b.csv"]
    zensus = write(tmp_path / "z" / "a.csv", ZENSUS_HEADER + ";Einwohner\nC1;4100050;3100050;12;13")
    result = read_zensus([zensus], tmp_path)
    assert located(result) == [("z/a.csv", 2, "duplicate_column")]
    assert result.loaded.empty
    write(
        tmp_path / "providers" / "TR-01" / "reports" / "2025-03.csv",
        REPORT_HEADER + ";Teilnehmende\nM-1;2025-03;SR-A;20;10;3;40;100;25\n",
    )
    good_report(tmp_path, "TR-02")
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    assert located(result) == [("providers/TR-01/reports/2025-03.csv", 2, "duplicate_column")]
    assert result.loaded["provider_id"].tolist() == ["TR-02"]
    needs = write(tmp_path / "n" / "a.csv", NEEDS_HEADER + ";Bewertung\nB-1;Bewohner;SR-A;Kita;4;5")
    result = read_needs_survey([needs], tmp_path, AREAS)
    assert located(result) == [("n/a.csv", 2, "duplicate_column")]


# -- item 10: no sheet skipped silently --------------------------------------------------------


def test_xlsx_data_on_the_second_sheet_is_read_and_the_cover_sheet_reported(tmp_path):
    header = REPORT_HEADER.split(";")
    workbook(
        tmp_path / REPORT,
        {
            "Deckblatt": [["Monatsbericht März 2025"], ["Träger TR-01"]],
            "Daten": [
                ["Monatsbericht"],
                header,
                ["M-1", "2025-03", "SR-A", 20, 10, 3, 40, 100],
                ["M-1", "2025-03", "SR-Z", 20, 10, 3, 40, 100],  # unknown area
                ["M-1", "2025-03", "SR-B", 15, 5, 2, 30, 900],
            ],
        },
    )
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    assert located(result) == [(REPORT, None, "unread_sheet"), (REPORT, 4, "unknown_area")]
    assert "Deckblatt" in result.quarantine.iloc[0]["reason"]
    assert result.loaded["row_number"].tolist() == [3, 5]


def test_xlsx_second_sheet_with_more_data_is_reported_not_dropped(tmp_path):
    header = REPORT_HEADER.split(";")
    workbook(
        tmp_path / REPORT,
        {
            "März": [header, ["M-1", "2025-03", "SR-A", 20, 10, 3, 40, 100]],
            "Nachtrag": [header, ["M-1", "2025-03", "SR-B", 15, 5, 2, 30, 900]],
        },
    )
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    assert located(result) == [(REPORT, None, "unread_sheet")]
    entry = result.quarantine.iloc[0]
    assert entry["value"] == "Nachtrag" and "März" in entry["reason"]
    assert result.loaded["row_number"].tolist() == [2]


def test_xlsx_facilities_on_a_later_sheet_are_read(tmp_path, polygons):
    in_a = lonlat(380500, 5700500).split(";")
    workbook(
        tmp_path / "providers" / "TR-01" / "facilities.xlsx",
        {
            "Hinweise": [],
            "Einrichtungen": [
                FACILITY_HEADER.split(";"),
                ["E-1", "Treff", "kita", "Weg 1", *in_a, 10, "2020-01-01", None],
            ],
        },
    )
    result = read_facilities(discover(tmp_path).of_kind("facilities"), tmp_path, polygons)
    assert located(result) == []  # the empty first sheet holds nothing to report
    assert result.loaded[["facility_id", "row_number"]].values.tolist() == [["E-1", 2]]


# -- item 10: UTF-16 as Excel's "Unicode-Text" saves it ----------------------------------------

UTF16 = {
    "utf-16-le-bom": "utf-16",
    "utf-16-be-bom": "utf-16-be-bom",
    "utf-16-le-no-bom": "utf-16-le",
}


def _utf16(text: str, variant: str) -> bytes:
    if variant == "utf-16-le-bom":
        return text.encode("utf-16")  # little endian with BOM on this machine, as Excel writes
    if variant == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode("utf-16-le")


@pytest.mark.parametrize("variant", sorted(UTF16))
@pytest.mark.parametrize("separator", ["\t", ";"])
def test_statistics_in_utf16_are_read_with_their_defect_located(tmp_path, variant, separator):
    lines = [
        STAT_HEADER,
        "2024-12-31;SR-A;EW;1000",
        "2024-12-31;SR-A;HH;fünf",  # defect
        "2024-12-31;SR-B;EW;800",
    ]
    text = "\r\n".join(line.replace(";", separator) for line in lines) + "\r\n"
    path = tmp_path / "s.csv"
    path.write_bytes(_utf16(text, variant))
    result = read_small_area_statistics([path], tmp_path, AREAS)
    assert located(result) == [("s.csv", 3, "invalid_value")]
    assert result.quarantine.iloc[0]["value"] == "fünf"
    assert result.files.iloc[0]["encoding"].startswith("utf-16")
    assert sorted(result.loaded["row_number"]) == [2, 4]


def test_provider_report_saved_as_unicode_text_loads(tmp_path):
    lines = [REPORT_HEADER, "M-Ü;2025-03;SR-A;20;10;3;40;1.234,50", "M-Ü;2025-03;SR-B;x;1;1;1;1"]
    path = tmp_path / "providers" / "TR-01" / "reports" / "2025-03.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("\r\n".join(line.replace(";", "\t") for line in lines).encode("utf-16"))
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    assert located(result) == [("providers/TR-01/reports/2025-03.csv", 3, "invalid_number")]
    assert result.loaded[["measure_id", "row_number", "cost_eur"]].values.tolist() == [
        ["M-Ü", 2, 1234.5]
    ]


# -- item 10: quoted line breaks and unclosed quotes keep every line's number ------------------


def test_statistics_quoted_line_break_is_located_at_its_first_line(tmp_path):
    text = (
        STAT_HEADER
        + "\n2024-12-31;SR-A;EW;1000"  # 2
        + '\n2024-12-31;SR-A;HH;"1\n0"'  # 3-4: a count with a line break is no count
        + "\n2024-12-31;SR-B;EW;800"  # 5
        + '\n"2024-12-31";"SR-B";"HH";"7"\n'  # 6
    )
    path = write(tmp_path / "s.csv", text)
    result = read_small_area_statistics([path], tmp_path, AREAS)
    assert located(result) == [("s.csv", 3, "invalid_value")]
    loaded = result.loaded.sort_values("row_number")
    assert loaded[["row_number", "value"]].values.tolist() == [[2, 1000.0], [5, 800.0], [6, 7.0]]


def test_statistics_unclosed_quote_swallows_no_following_row(tmp_path):
    text = (
        STAT_HEADER
        + "\n2024-12-31;SR-A;EW;1000"  # 2
        + '\n2024-12-31;"SR-A;HH;5'  # 3: the quote never closes
        + "\n2024-12-31;SR-B;EW;800"  # 4
        + "\n2024-12-31;SR-B;HH;4\n"  # 5
    )
    path = write(tmp_path / "s.csv", text)
    result = read_small_area_statistics([path], tmp_path, AREAS)
    assert located(result) == [("s.csv", 3, "unclosed_quote")]
    assert "Zeile 3" in result.quarantine.iloc[0]["reason"]
    assert sorted(result.loaded["row_number"]) == [2, 4, 5]


def test_facility_name_with_a_quoted_line_break_keeps_it_and_later_line_numbers(tmp_path, polygons):
    """A name typed with Alt+Enter in a cell is a legal value and keeps its line break."""
    place = lonlat(380500, 5700500)
    text = (
        FACILITY_HEADER
        + f'\nE-1;"Kita\nHaus 2";kita;Weg 1;{place};10;2020-01-01;'  # 2-3
        + f"\nE-2;Kita B;kita;Weg 2;{place};x;2020-01-01;"  # 4: text capacity
        + f'\nE-3;Kita C;kita;Weg 3;{place};"5;2020-01-01;'  # 5: the quote never closes
        + f"\nE-4;Kita D;kita;Weg 4;{place};5;2020-01-01;\n"  # 6
    )
    write(tmp_path / "providers" / "TR-01" / "facilities.csv", text)
    result = read_facilities(discover(tmp_path).of_kind("facilities"), tmp_path, polygons)
    rel = "providers/TR-01/facilities.csv"
    assert located(result) == [(rel, 5, "unclosed_quote"), (rel, 4, "invalid_number")]
    loaded = result.loaded.sort_values("row_number")
    assert loaded[["row_number", "name"]].values.tolist() == [[2, "Kita\nHaus 2"], [6, "Kita D"]]
    assert result.files["rows_in"].tolist() == [4]
