"""The workbook read back the way Excel and LibreOffice see it: Info sheet, real dates, number
formats, Excel tables, German words, "gesperrt", print setup and the creation date.

The published file is the small hand-made one of `test_exports.py`, with a few more rows: a
social index row (very_low, stable, Handlungsbedarf), a city-wide `ALL` value and a KPI without a
value that is not suppressed (it must stay empty, not read "gesperrt").
"""

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from assets.publish.workbook import SHEETS, XLSX, write_workbook
from tests.test_exports import ROWS, build, settings

PUBLISHED_AT = dt.datetime(2026, 1, 15, 8, 30)  # metadata published_at_utc of ROWS
EXTRA = {
    "social_index": [
        ("05999000", "SR-01", "2025-12-31", 1.234, "very_low", 0.1, "stable", True, None),
    ],
    "indicator_values": [
        *ROWS["indicator_values"],
        ("05999000", "ALL", "2025-12-31", "sgb2_quota", 12, 180, 6.666, "ok", None),
    ],
    "kpi_status": [
        *ROWS["kpi_status"],
        ("M-1", "2025-12-01", "reach", None, 0.3, "target", None, "none", "kein Wert", "ok"),
    ],
}


def write(folder: Path, min_count: int = 3) -> Path:
    published = build(folder / "sozialplanung.duckdb", settings(min_count), {**ROWS, **EXTRA})
    con = duckdb.connect(str(published), read_only=True)
    try:
        return write_workbook(con, folder / XLSX)
    finally:
        con.close()


@pytest.fixture(scope="module")
def path(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("workbook"))


@pytest.fixture(scope="module")
def workbook(path):
    return load_workbook(path)


def rows(sheet) -> list[dict]:
    """The sheet's data rows as header -> cell."""
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def info(workbook) -> dict:
    return {r[0].value: r[1] for r in workbook["Info"].iter_rows() if r[0].value and len(r) > 1}


def test_the_info_sheet_comes_first_with_run_sources_rules_units_and_sheets(workbook):
    assert workbook.sheetnames == ["Info", *SHEETS]
    sheet = workbook["Info"]
    assert sheet["A1"].value == "Sozialplanung: veröffentlichte Daten"
    items = info(workbook)
    assert items["veröffentlicht am (UTC)"].value == PUBLISHED_AT
    assert items["veröffentlicht am (UTC)"].number_format == "dd.mm.yyyy hh:mm"
    assert items["Lauf-ID"].value == "run-42"
    assert items["Datenwurzel"].value == "/daten/musterstadt"
    population = items["Einwohner (Melderegister)"]
    assert population.value == dt.datetime(2025, 12, 31) and population.is_date
    # data_quality: one file of reports with 1,198 rows loaded and 2 rejected
    reports = next(
        r for r in sheet.iter_rows(values_only=True) if r[0] == "Monatsberichte der Träger"
    )
    assert reports[1:4] == (1, 1198, 2)
    assert "Werte 1–2 gesperrt" in items["Personenzahlen"].value  # min_count 3
    assert "Antworten gesperrt unter 5" in items["Befragungen"].value  # min_survey_n 5
    assert "12,3 bedeutet 12,3 %" in items["Prozent"].value
    assert items["Controlling"].value.startswith("Kennzahlen der Maßnahmen")


def test_the_suppression_rule_follows_the_settings_of_the_published_file(tmp_path):
    other = load_workbook(write(tmp_path, min_count=5))
    assert "Werte 1–4 gesperrt" in info(other)["Personenzahlen"].value


def test_dates_are_excel_dates_and_numbers_have_a_format_per_column(workbook):
    area = rows(workbook["Sozialräume"])[0]
    assert area["Stichtag Einwohner"].value == dt.datetime(2025, 12, 31)
    assert area["Stichtag Einwohner"].is_date
    assert area["Stichtag Einwohner"].number_format == "dd.mm.yyyy"
    assert area["SGB-II-Quote (%)"].value == 12.0
    assert area["SGB-II-Quote (%)"].number_format == "0.0"  # percent units, one decimal
    assert area["Einwohner"].value == 120 and area["Einwohner"].number_format == "#,##0"
    assert area["Fläche (km²)"].number_format == "#,##0.00"
    controlling = {
        (r["Maßnahme"].value, r["Kennzahl"].value, r["Monat"].value): r
        for r in rows(workbook["Controlling"])
    }
    december = dt.datetime(2025, 12, 1)
    cost = controlling[("M-1", "Kosten je Teilnehmendem (EUR)", december)]
    assert cost["Istwert"].value == 600 and cost["Istwert"].number_format == '#,##0.00 "€"'
    participants = controlling[("M-1", "Teilnehmende", december)]
    assert participants["Istwert"].number_format == "#,##0"
    assert participants["Zielerreichung (%)"].value == 78.9  # 30 / 38 × 100, rounded


def test_every_sheet_is_an_excel_table_with_autofilter_and_a_frozen_header(workbook):
    for name in SHEETS:
        sheet = workbook[name]
        (table,) = sheet.tables.values()
        assert table.ref.startswith("A1:") and table.autoFilter.ref == table.ref
        assert [c.name for c in table.tableColumns] == [c.value for c in sheet[1]]
        assert sheet.freeze_panes == "A2"
    assert workbook["Controlling"].tables[next(iter(workbook["Controlling"].tables))].ref == "A1:L7"


def test_codes_are_german_words_and_all_is_gesamtstadt(workbook):
    area = rows(workbook["Sozialräume"])[0]
    assert area["Statusklasse"].value == "sehr niedrig"  # very_low
    assert area["Dynamikklasse"].value == "stabil"
    assert area["Handlungsbedarf"].value == "ja"
    lights = {r["Ampel"].value for r in rows(workbook["Controlling"])}
    assert lights == {"rot", "grün", "ohne Ampel"}
    kinds = {r["Zielart"].value for r in rows(workbook["Controlling"])}
    assert kinds == {"Ziel (mindestens)", "Obergrenze (höchstens)"}
    catalog = rows(workbook["Indikatorkatalog"])[0]
    assert catalog["Polarität"].value == "höher ist ungünstiger"
    assert catalog["Einheit"].value == "Prozent" and catalog["Anteil (0–100)"].value == "ja"
    latest = [r["Sozialraum-ID"].value for r in rows(workbook["Indikatoren aktuell"])]
    assert latest == ["Gesamtstadt", "SR-01", "SR-02"]


def test_suppressed_cells_read_gesperrt_with_a_note_and_missing_ones_stay_empty(workbook):
    latest = {r["Sozialraum-ID"].value: r for r in rows(workbook["Indikatoren aktuell"])}
    assert latest["SR-02"]["SGB-II-Quote (%)"].value == "gesperrt"
    assert latest["SR-02"]["Altersarmut (%)"].value == 20.0
    controlling = rows(workbook["Controlling"])
    hidden = next(r for r in controlling if r["Status"].value == "gesperrt")
    assert (hidden["Maßnahme"].value, hidden["Istwert"].value) == ("M-2", "gesperrt")
    empty = next(r for r in controlling if r["Kennzahl"].value.startswith("Erreichung"))
    assert empty["Istwert"].value is None and empty["Hinweis"].value == "kein Wert"
    header = next(c for c in workbook["Controlling"][1] if c.value == "Istwert")
    assert "Geheimhaltung" in header.comment.text


def test_print_setup_landscape_a4_fit_to_width_with_the_header_row_on_every_page(workbook):
    for name in workbook.sheetnames:
        sheet = workbook[name]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.oddHeader.left.text == "&A"  # the sheet's name
        assert sheet.oddFooter.right.text == "Seite &P von &N"


def test_created_at_the_publish_time_so_the_same_state_gives_the_same_file(
    path, workbook, tmp_path
):
    assert workbook.properties.created == PUBLISHED_AT
    assert write(tmp_path).read_bytes() == path.read_bytes()


@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed; CI installs it (.ci/run)",
)
def test_libreoffice_converts_the_workbook_and_shows_formatted_values(path, tmp_path):
    """Every sheet to CSV, as LibreOffice shows the cells (the last filter option -1: all sheets,
    one file each), with a profile of its own so a running LibreOffice does not interfere."""
    options = "44,34,76,1,,0,false,true,true,false,false,-1"
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            f"csv:Text - txt - csv (StarCalc):{options}",
            "--outdir",
            str(tmp_path / "out"),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    stem = path.stem
    info = (tmp_path / "out" / f"{stem}-Info.csv").read_text(encoding="utf-8").splitlines()
    assert info[0].startswith("Sozialplanung: veröffentlichte Daten")
    assert "veröffentlicht am (UTC),15.01.2026 08:30,,," in info
    latest = (tmp_path / "out" / f"{stem}-Indikatoren aktuell.csv").read_text(encoding="utf-8")
    lines = latest.splitlines()
    assert lines[1].startswith("05999000,Gesamtstadt,,,6.7,31.12.2025,")  # 6.666 with one decimal
    assert lines[3].startswith("05999000,SR-02,Süd,Süd,gesperrt,31.12.2025,")
