"""Feedback files for providers and the spreadsheet helpers behind them."""

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from assets.publish.feedback import feedback_tables, write_feedback
from assets.publish.spreadsheet import safe_cell, write_xlsx

QUARANTINE = pd.DataFrame(
    [
        (
            "measure_reports",
            "providers/TR-01/reports/2025-03.csv",
            3,
            "davon_Zielgruppe",
            "21",
            "target_group_exceeds_participants",
            "davon_Zielgruppe ist größer als Teilnehmende",
            "TR-01",
            "2025-03",
        ),
        (
            "facilities",
            "providers/TR-01/facilities.csv",
            7,
            "Lon/Lat",
            '=HYPERLINK("x")',
            "outside_municipality",
            "Koordinaten liegen in keinem Sozialraum der Kommune",
            "TR-01",
            None,
        ),
        (
            "measure_reports",
            "providers/TR-02/reports/2025-03.csv",
            2,
            None,
            None,
            "superseded",
            "ersetzt durch die neuere Lieferung providers/TR-02/reports/2025-03.xlsx",
            "TR-02",
            "2025-03",
        ),
    ],
    columns=[
        "source",
        "file",
        "row_number",
        "column",
        "value",
        "reason_code",
        "reason",
        "provider_id",
        "period",
    ],
)
LOADED = dt.datetime(2025, 4, 2, 9, 30)
FILES = pd.DataFrame(
    [
        ("measure_reports", "providers/TR-01/reports/2025-03.csv", 10, 9, 1, "TR-01", "2025-03"),
        ("facilities", "providers/TR-01/facilities.csv", 12, 11, 1, "TR-01", None),
        ("measure_reports", "providers/TR-02/reports/2025-03.csv", 1, 0, 1, "TR-02", "2025-03"),
    ],
    columns=[
        "source",
        "file",
        "rows_in",
        "rows_loaded",
        "rows_quarantined",
        "provider_id",
        "period",
    ],
).assign(loaded_at=pd.Timestamp(LOADED))  # as ingest_files has it


def test_one_file_per_provider_and_month_with_rejected_rows(tmp_path):
    tables = feedback_tables(QUARANTINE, FILES)
    assert sorted(tables) == [("TR-01", "2025-03"), ("TR-01", "allgemein")]  # TR-02 only superseded
    written = write_feedback(tmp_path / "feedback", tables)
    assert sorted(
        p.relative_to(tmp_path).as_posix() for p in (tmp_path / "feedback").rglob("*.*")
    ) == [
        "feedback/TR-01/2025-03.csv",
        "feedback/TR-01/2025-03.xlsx",
        "feedback/TR-01/allgemein.csv",
        "feedback/TR-01/allgemein.xlsx",
    ]
    assert len(written) == 2
    workbook = load_workbook(tmp_path / "feedback" / "TR-01" / "2025-03.xlsx")
    assert workbook.sheetnames == ["Abgelehnte Zeilen", "Übersicht"]
    rows = list(workbook["Abgelehnte Zeilen"].iter_rows(values_only=True))
    assert rows[0] == ("Datei", "Zeile", "Spalte", "Wert", "Grund")
    assert rows[1] == (
        "providers/TR-01/reports/2025-03.csv",
        3,
        "davon_Zielgruppe",
        "21",
        "davon_Zielgruppe ist größer als Teilnehmende",
    )
    summary = list(workbook["Übersicht"].iter_rows(values_only=True))
    assert summary[1] == ("providers/TR-01/reports/2025-03.csv", 10, 9, 1, LOADED)
    overview = workbook["Übersicht"]
    assert overview["B2"].number_format == "#,##0" and overview["E2"].is_date
    assert overview["E2"].number_format == "dd.mm.yyyy hh:mm"
    assert list(overview.tables) == ["Tabelle2"] and overview.freeze_panes == "A2"
    # created when the files it reports on were loaded: the same rows give the same file
    assert workbook.properties.created == LOADED


def test_rebuilding_removes_stale_feedback_and_is_byte_stable(tmp_path):
    folder = tmp_path / "feedback"
    write_feedback(folder, feedback_tables(QUARANTINE, FILES))
    first = (folder / "TR-01" / "2025-03.xlsx").read_bytes()
    write_feedback(folder, feedback_tables(QUARANTINE.iloc[[0]], FILES))
    assert not (folder / "TR-01" / "allgemein.xlsx").exists()
    assert (folder / "TR-01" / "2025-03.xlsx").read_bytes() == first


def test_cells_that_would_become_formulas_are_neutralised(tmp_path):
    assert safe_cell("=SUM(A1)") == "'=SUM(A1)"
    assert safe_cell("@cmd") == "'@cmd" and safe_cell("+1") == "'+1" and safe_cell("-x") == "'-x"
    assert safe_cell("Kita") == "Kita" and safe_cell(-3) == -3
    write_xlsx(tmp_path / "f.xlsx", {"s": pd.DataFrame({"v": ["=1+1", "ok"]})}, LOADED)
    sheet = load_workbook(tmp_path / "f.xlsx")["s"]
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    csv = tmp_path / "feedback.csv"
    from assets.publish.spreadsheet import write_csv

    write_csv(csv, pd.DataFrame({"v": ["@x"]}))
    assert csv.read_text(encoding="utf-8-sig").splitlines() == ["v", "'@x"]


def test_a_sheet_longer_than_excel_allows_goes_on_in_continuation_sheets(tmp_path, monkeypatch):
    from assets.publish import spreadsheet

    monkeypatch.setattr(spreadsheet, "EXCEL_MAX_ROWS", 3)  # a header and two rows a sheet
    frame = pd.DataFrame({"n": [1, 2, 3, 4, 5], "ok": [True, False, None, True, True]})
    write_xlsx(tmp_path / "long.xlsx", {"Datenqualität": frame}, LOADED)
    workbook = load_workbook(tmp_path / "long.xlsx")
    assert workbook.sheetnames == ["Datenqualität", "Datenqualität (2)", "Datenqualität (3)"]
    rows = [list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames]
    assert all(sheet[0] == ("n", "ok") for sheet in rows)
    assert [row for sheet in rows for row in sheet[1:]] == [
        (1, "ja"),
        (2, "nein"),
        (3, None),
        (4, "ja"),
        (5, "ja"),
    ]
    for name in workbook.sheetnames:  # each part is a table of its own with a frozen header
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2" and len(sheet.tables) == 1
        assert sheet["A2"].number_format == "#,##0"


def test_a_0_byte_report_appears_in_the_providers_feedback_for_its_month(tmp_path):
    from assets.ingest.providers import discover, read_reports

    empty = tmp_path / "providers" / "TR-07" / "reports" / "2025-04.csv"
    empty.parent.mkdir(parents=True)
    empty.write_bytes(b"")
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, {"SR-A": "x"}, None)
    tables = feedback_tables(result.quarantine, result.files)  # before loading: no load time
    assert sorted(tables) == [("TR-07", "2025-04")]
    rejected = tables[("TR-07", "2025-04")]["Abgelehnte Zeilen"]
    assert rejected[["Datei", "Grund"]].values.tolist() == [
        [
            "providers/TR-07/reports/2025-04.csv",
            "Datei ist leer (0 Byte): es wurde keine Zeile übernommen; bitte die Lieferung "
            "prüfen und erneut senden",
        ]
    ]
    overview = tables[("TR-07", "2025-04")]["Übersicht"]
    assert overview.values.tolist() == [["providers/TR-07/reports/2025-04.csv", 0, 0, 0]]


def test_a_sheet_that_cannot_be_an_excel_table_is_refused(tmp_path):
    """Excel's table headers are unique regardless of case; XlsxWriter would only warn."""
    frame = pd.DataFrame([[1, 2]], columns=["Wert", "WERT"])
    with pytest.raises(ValueError, match="keine Excel-Tabelle"), pytest.warns(UserWarning):
        write_xlsx(tmp_path / "twice.xlsx", {"s": frame}, LOADED)
