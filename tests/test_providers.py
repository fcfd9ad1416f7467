"""Provider deliveries: a corpus of malformed files, each with one defect (a few with many).

Every case asserts the exact quarantine reason and that every other row of the file still loads.
"""

import datetime as dt
import os
from pathlib import Path

import geopandas as gpd
import pytest
from openpyxl import Workbook

from assets.ingest.areas import read_areas
from assets.ingest.providers import (
    MeasureRef,
    discover,
    read_facilities,
    read_reports,
    read_surveys,
    superseded_rows,
)
from tests.conftest import write, write_areas_geojson

AREAS = {"SR-A": "05999000", "SR-B": "05999000", "SR-C": "05999000"}
MEASURES = {
    "M-1": MeasureRef("TR-01", ("SR-A", "SR-B")),
    "M-2": MeasureRef("TR-02", ("SR-A",)),
    "M-Ü": MeasureRef("TR-01", ("SR-A",)),
}
REPORT_HEADER = "Massnahme_ID;Berichtsmonat;Raum_ID;Teilnehmende;davon_Zielgruppe;Neuzugaenge;Stunden;Kosten_EUR"
GOOD_A = "M-1;2025-03;SR-A;20;10;3;40;1.234,50"
GOOD_B = "M-1;2025-03;SR-B;15;5;2;30;900"

REPORT_CASES = {
    "unknown_measure": ("M-9;2025-03;SR-A;20;10;3;40;100", "unknown_measure"),
    "other_provider": ("M-2;2025-03;SR-A;20;10;3;40;100", "measure_of_other_provider"),
    "empty_measure": (";2025-03;SR-A;20;10;3;40;100", "empty_value"),
    "month_differs": ("M-1;2025-02;SR-C;20;10;3;40;100", "month_mismatch"),
    "month_invalid": ("M-1;März 2025;SR-A;20;10;3;40;100", "invalid_month"),
    "unknown_area": ("M-1;2025-03;SR-Z;20;10;3;40;100", "unknown_area"),
    "area_not_in_measure": ("M-1;2025-03;SR-C;20;10;3;40;100", "area_not_in_measure"),
    "participants_text": ("M-1;2025-03;SR-C;zwölf;10;3;40;100", "area_not_in_measure"),
    "participants_not_a_number": ("M-Ü;2025-03;SR-A;zwölf;10;3;40;100", "invalid_number"),
    "participants_negative": ("M-Ü;2025-03;SR-A;-5;0;0;40;100", "negative_value"),
    "participants_fraction": ("M-Ü;2025-03;SR-A;12,5;10;3;40;100", "not_whole_number"),
    "target_group_too_big": (
        "M-Ü;2025-03;SR-A;20;21;3;40;100",
        "target_group_exceeds_participants",
    ),
    "new_too_big": ("M-Ü;2025-03;SR-A;20;10;25;40;100", "new_exceed_participants"),
    "cost_english_decimal": ("M-Ü;2025-03;SR-A;20;10;3;40;12.5", "invalid_number"),
    "cost_negative": ("M-Ü;2025-03;SR-A;20;10;3;40;-100,00", "negative_value"),
    "hours_empty": ("M-Ü;2025-03;SR-A;20;10;3;;100", "invalid_number"),
    "too_many_fields": ("M-Ü;2025-03;SR-A;20;10;3;40;100;x", "wrong_field_count"),
    "duplicate_in_file": ("M-1;2025-03;SR-A;21;10;3;40;100", "duplicate"),
}


def report_file(
    root: Path,
    provider: str,
    body: list[str],
    name="2025-03.csv",
    encoding="utf-8",
    header=REPORT_HEADER,
) -> Path:
    return write(
        root / "providers" / provider / "reports" / name,
        "\n".join([header, *body]) + "\n",
        encoding,
    )


def outcome(result):
    quarantined = sorted((q.row_number, q.reason_code) for q in result.quarantine.itertuples())
    return quarantined, sorted(result.loaded["row_number"])


@pytest.mark.parametrize("case", sorted(REPORT_CASES))
def test_report_defect_is_quarantined_and_other_rows_load(tmp_path, case):
    line, reason = REPORT_CASES[case]
    report_file(tmp_path, "TR-01", [GOOD_A, line, GOOD_B], encoding="cp1252")
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, MEASURES)
    quarantined, loaded = outcome(result)
    assert quarantined == [(3, reason)]
    assert loaded == [2, 4]
    counts = result.files.iloc[0]
    assert (counts.rows_in, counts.rows_loaded, counts.rows_quarantined) == (3, 2, 1)
    assert result.quarantine.iloc[0]["provider_id"] == "TR-01"
    assert result.quarantine.iloc[0]["period"] == "2025-03"


def test_reasons_are_german_sentences_a_clerk_understands(tmp_path):
    report_file(tmp_path, "TR-01", [GOOD_A, "M-Ü;2025-03;SR-A;20;21;3;40;100"])
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, MEASURES)
    row = result.quarantine.iloc[0]
    assert (row.column, row.value, row.reason) == (
        "davon_Zielgruppe",
        "21",
        "davon_Zielgruppe ist größer als Teilnehmende",
    )


def test_wrong_header_quarantines_every_row_with_the_missing_column(tmp_path):
    header = REPORT_HEADER.replace("Teilnehmende", "Teilnehmer")
    report_file(tmp_path, "TR-01", [GOOD_A, GOOD_B], header=header)
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, MEASURES)
    assert outcome(result) == ([(2, "missing_column"), (3, "missing_column")], [])
    assert "'Teilnehmende' fehlt" in result.quarantine["reason"][0]


def test_tolerant_headers_and_german_numbers_load(tmp_path):
    header = "massnahme id;BERICHTSMONAT;Raum-ID;Teilnehmende;davon Zielgruppe;Neuzugänge;Stunden;Kosten (EUR)"
    report_file(tmp_path, "TR-01", [GOOD_A], header=header)
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, MEASURES)
    assert result.quarantine.empty
    assert result.loaded.iloc[0][["participants", "cost_eur"]].tolist() == [20.0, 1234.5]


def test_file_with_many_defects_keeps_its_good_rows(tmp_path):
    body = [
        GOOD_A,
        REPORT_CASES["unknown_area"][0],
        REPORT_CASES["cost_negative"][0],
        GOOD_B,
        REPORT_CASES["target_group_too_big"][0],
        REPORT_CASES["month_differs"][0],
    ]
    report_file(tmp_path, "TR-01", body)
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, MEASURES)
    assert outcome(result) == (
        [
            (3, "unknown_area"),
            (4, "negative_value"),
            (6, "target_group_exceeds_participants"),
            (7, "month_mismatch"),
        ],
        [2, 5],
    )


def xlsx(path: Path, rows: list[list]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def test_xlsx_report_with_title_row_and_trailing_empty_rows(tmp_path):
    header = REPORT_HEADER.split(";")
    xlsx(
        tmp_path / "providers" / "TR-01" / "reports" / "2025-03.xlsx",
        [
            ["Monatsbericht Träger TR-01"],
            header,
            ["M-1", "2025-03", "SR-A", 20, 10, 3, 40.5, 1234.5],
            ["M-1", "2025-03", "SR-B", 15, 16, 2, 30, 900],  # target group > participants
            [None] * 8,
            [None] * 8,
        ],
    )
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, MEASURES)
    assert outcome(result) == ([(4, "target_group_exceeds_participants")], [3])
    assert result.loaded.iloc[0][["hours", "cost_eur"]].tolist() == [40.5, 1234.5]


def test_an_excel_date_cell_as_report_month_counts_when_it_is_the_first_of_the_month(tmp_path):
    """Excel stores a typed "2025-03" as the date 2025-03-01; a mid-month date is no month."""
    xlsx(
        tmp_path / "providers" / "TR-01" / "reports" / "2025-03.xlsx",
        [
            REPORT_HEADER.split(";"),
            ["M-1", dt.datetime(2025, 3, 1), "SR-A", 20, 10, 3, 40, 100],
            ["M-1", dt.datetime(2025, 3, 15), "SR-B", 15, 5, 2, 30, 900],
        ],
    )
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, MEASURES)
    assert outcome(result) == ([(3, "invalid_month")], [2])
    assert str(result.loaded.iloc[0]["month"])[:10] == "2025-03-01"


def test_xlsx_values_beyond_the_header_are_quarantined(tmp_path):
    xlsx(
        tmp_path / "providers" / "TR-01" / "reports" / "2025-03.xlsx",
        [
            REPORT_HEADER.split(";"),
            ["M-1", "2025-03", "SR-A", 20, 10, 3, 40, 100],
            ["M-1", "2025-03", "SR-B", 15, 5, 2, 30, 900, "Notiz"],
        ],
    )
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, MEASURES)
    assert outcome(result) == ([(3, "wrong_field_count")], [2])


def test_duplicate_across_providers_without_goals_is_quarantined_once(tmp_path):
    report_file(tmp_path, "TR-01", [GOOD_A])
    report_file(tmp_path, "TR-02", [GOOD_A])
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    assert [(q.file, q.reason_code) for q in result.quarantine.itertuples()] == [
        ("providers/TR-02/reports/2025-03.csv", "duplicate")
    ]
    assert len(result.loaded) == 1


def test_resubmission_replaces_the_earlier_file_and_never_adds_twice(tmp_path):
    old = report_file(tmp_path, "TR-01", [GOOD_A, GOOD_B])
    new = xlsx(
        tmp_path / "providers" / "TR-01" / "reports" / "2025-03.xlsx",
        [REPORT_HEADER.split(";"), ["M-1", "2025-03", "SR-A", 22, 10, 3, 40, 100]],
    )
    os.utime(old, ns=(0, new.stat().st_mtime_ns - 10**9))
    inventory = discover(tmp_path)
    files = inventory.of_kind("report")
    assert [f.rel for f in files] == ["providers/TR-01/reports/2025-03.xlsx"]
    result = read_reports(files, tmp_path, AREAS, MEASURES)
    assert result.loaded["participants"].tolist() == [22.0]
    replaced = superseded_rows(inventory, "report", "measure_reports", ["2025-03"])
    assert [(q.row_number, q.reason_code) for q in replaced.quarantine.itertuples()] == [
        (2, "superseded"),
        (3, "superseded"),
    ]
    assert "2025-03.xlsx" in replaced.quarantine["reason"][0]
    assert replaced.files.iloc[0][["rows_in", "rows_loaded", "rows_quarantined"]].tolist() == [
        2,
        0,
        2,
    ]


def test_files_outside_the_pattern_are_reported_not_guessed(tmp_path):
    report_file(tmp_path, "TR-01", [GOOD_A])
    write(tmp_path / "providers" / "TR-01" / "notizen.txt", "bitte anrufen")
    write(tmp_path / "providers" / "TR-01" / "reports" / "Maerz_2025.csv", REPORT_HEADER + "\n")
    write(tmp_path / "providers" / "TR 02 (alt)" / "facilities.csv", "x\n")
    (tmp_path / "providers" / "TR-03").mkdir()
    (tmp_path / "providers" / "TR-03" / "facilities.csv").symlink_to("/etc/passwd")
    inventory = discover(tmp_path)
    assert [f.rel for f in inventory.files] == ["providers/TR-01/reports/2025-03.csv"]
    assert sorted(rel for _, rel, _ in inventory.unexpected) == [
        "providers/TR 02 (alt)",
        "providers/TR-01/notizen.txt",
        "providers/TR-01/reports/Maerz_2025.csv",
        "providers/TR-03/facilities.csv",
    ]


def test_an_xlsx_survey_is_outside_the_pattern_and_not_read(tmp_path):
    """DESIGN §4 promises `surveys/*.csv` only: a survey has no month in its name, so an XLSX
    copy of a CSV survey could not be told from a second survey and would count twice."""
    answers = [
        ["Massnahme_ID", "Befragungsdatum", "Frage_ID", "Antwort"],
        ["M-1", "2025-02-10", "F1", 2],
    ]
    xlsx(tmp_path / "providers" / "TR-01" / "surveys" / "2025-Q1.xlsx", answers)
    write(
        tmp_path / "providers" / "TR-01" / "surveys" / "2025-Q1.csv",
        "Massnahme_ID;Befragungsdatum;Frage_ID;Antwort\nM-1;2025-02-10;F1;2\n",
    )
    inventory = discover(tmp_path)
    assert [f.rel for f in inventory.of_kind("survey")] == ["providers/TR-01/surveys/2025-Q1.csv"]
    [(provider, rel, reason)] = inventory.unexpected
    assert (provider, rel) == ("TR-01", "providers/TR-01/surveys/2025-Q1.xlsx")
    assert "surveys/*.csv" in reason
    loaded = read_surveys(inventory.of_kind("survey"), tmp_path, MEASURES).loaded
    assert len(loaded) == 1  # the answer of the CSV only


FACILITY_HEADER = (
    "Einrichtung_ID;Name;Angebotstyp;Adresse;Lon;Lat;Kapazitaet;Gueltig_ab;Gueltig_bis"
)


@pytest.fixture
def polygons(tmp_path) -> gpd.GeoDataFrame:
    path = tmp_path / "areas" / "a.geojson"
    write_areas_geojson(path, ["SR-A", "SR-B"])  # x 380000-382000, y 5700000-5701000 (UTM 32N)
    return read_areas([path], tmp_path)[1]


def lonlat(x: float, y: float) -> str:
    point = gpd.GeoSeries(gpd.points_from_xy([x], [y]), crs="EPSG:25832").to_crs("EPSG:4326")
    return f"{point.x[0]:.7f}".replace(".", ",") + ";" + f"{point.y[0]:.7f}".replace(".", ",")


FACILITY_CASES = {
    "outside": ("E-9;Kita X;kita;Weg 1;{far};40;2020-01-01;", "outside_municipality"),
    "english_decimal": ("E-9;Kita X;kita;Weg 1;6.5;51,0;40;2020-01-01;", "invalid_number"),
    "lat_range": ("E-9;Kita X;kita;Weg 1;7,0;95,0;40;2020-01-01;", "invalid_coordinate"),
    "duplicate_id": ("E-1;Kita X;kita;Weg 1;{in_a};40;2020-01-01;", "duplicate"),
    "period": ("E-9;Kita X;kita;Weg 1;{in_a};40;2020-01-01;2019-12-31", "invalid_period"),
    "from_invalid": ("E-9;Kita X;kita;Weg 1;{in_a};40;irgendwann;", "invalid_date"),
    "capacity_negative": ("E-9;Kita X;kita;Weg 1;{in_a};-4;2020-01-01;", "negative_value"),
    "offer_type_empty": ("E-9;Kita X;;Weg 1;{in_a};40;2020-01-01;", "empty_value"),
    "empty_id": (";Kita X;kita;Weg 1;{in_a};40;2020-01-01;", "empty_value"),
}


@pytest.mark.parametrize("case", sorted(FACILITY_CASES))
def test_facility_defect_is_quarantined_and_other_rows_load(tmp_path, polygons, case):
    line, reason = FACILITY_CASES[case]
    places = {"in_a": lonlat(380500, 5700500), "far": lonlat(420000, 5750000)}
    body = [
        f"E-1;Kita A;kita;Weg 1;{places['in_a']};40;01.08.2010;",
        line.format(**places),
        f"E-2;Treff B;seniorentreff;Weg 2;{lonlat(381500, 5700500)};;2021-01-01;2030-12-31",
    ]
    write(tmp_path / "providers" / "TR-01" / "facilities.csv", "\n".join([FACILITY_HEADER, *body]))
    result = read_facilities(discover(tmp_path).of_kind("facilities"), tmp_path, polygons)
    assert outcome(result) == ([(3, reason)], [2, 4])
    loaded = result.loaded.set_index("facility_id")
    assert loaded.loc["E-1", "area_id"] == "SR-A" and loaded.loc["E-2", "area_id"] == "SR-B"
    assert loaded.loc["E-2", "capacity"] != loaded.loc["E-2", "capacity"]  # empty capacity = NULL


def test_facility_id_is_claimed_only_by_a_loaded_row_of_an_earlier_provider(tmp_path, polygons):
    """TR-01's E-7 lies outside every area, so TR-02 may use the id; TR-03 then repeats it."""
    inside, outside = lonlat(380500, 5700500), lonlat(420000, 5750000)
    rows = {
        "TR-01": f"E-7;Kita A;kita;Weg 1;{outside};40;2020-01-01;",
        "TR-02": f"E-7;Kita B;kita;Weg 2;{inside};40;2020-01-01;\nE-7;Kita B2;kita;Weg 2;{inside};40;2020-01-01;",
        "TR-03": f"E-7;Kita C;kita;Weg 3;{inside};40;2020-01-01;",
    }
    for provider, body in rows.items():
        write(tmp_path / "providers" / provider / "facilities.csv", f"{FACILITY_HEADER}\n{body}\n")
    result = read_facilities(discover(tmp_path).of_kind("facilities"), tmp_path, polygons)
    assert result.loaded[["provider_id", "name"]].values.tolist() == [["TR-02", "Kita B"]]
    reasons = result.quarantine.set_index("file")[["row_number", "reason_code", "reason"]]
    assert reasons.loc["providers/TR-01/facilities.csv", "reason_code"] == "outside_municipality"
    assert reasons.loc["providers/TR-02/facilities.csv"].tolist() == [
        3,
        "duplicate",
        "Einrichtung_ID ist doppelt (bereits in providers/TR-02/facilities.csv)",
    ]
    assert reasons.loc["providers/TR-03/facilities.csv"].tolist() == [
        2,
        "duplicate",
        "Einrichtung_ID ist doppelt (bereits in providers/TR-02/facilities.csv)",
    ]
    assert result.files["rows_in"].tolist() == [1, 2, 1]
    assert result.files["rows_loaded"].tolist() == [0, 1, 0]


def test_facility_on_the_border_goes_to_the_smaller_area_id(tmp_path, polygons):
    write(
        tmp_path / "providers" / "TR-01" / "facilities.csv",
        f"{FACILITY_HEADER}\nE-1;Kita;kita;Weg;{lonlat(381000, 5700500)};40;2020-01-01;\n",
    )
    result = read_facilities(discover(tmp_path).of_kind("facilities"), tmp_path, polygons)
    assert result.loaded["area_id"].tolist() == ["SR-A"]


SURVEY_HEADER = "Massnahme_ID;Befragungsdatum;Frage_ID;Antwort"
SURVEY_CASES = {
    "answer_7": ("M-1;2025-03-10;F1;7", "answer_out_of_range"),
    "answer_text": ("M-1;2025-03-10;F1;gut", "answer_out_of_range"),
    "answer_zero": ("M-1;2025-03-10;F1;0", "answer_out_of_range"),
    "date": ("M-1;10/03/2025;F1;2", "invalid_date"),
    "question_empty": ("M-1;2025-03-10;;2", "empty_value"),
    "other_provider": ("M-2;2025-03-10;F1;2", "measure_of_other_provider"),
    "future_date": ("M-1;2205-03-10;F1;2", "future_date"),
    "future_date_beyond_pandas": ("M-1;10.03.2925;F1;2", "future_date"),
}


@pytest.mark.parametrize("case", sorted(SURVEY_CASES))
def test_survey_defect_is_quarantined_and_other_rows_load(tmp_path, case):
    line, reason = SURVEY_CASES[case]
    body = ["M-1;2025-03-10;F1;1", line, "M-1;10.03.2025;F2;5", "M-1;10.03.2025;F2;5"]
    write(
        tmp_path / "providers" / "TR-01" / "surveys" / "2025-Q1.csv",
        "\n".join([SURVEY_HEADER, *body]),
    )
    result = read_surveys(discover(tmp_path).of_kind("survey"), tmp_path, MEASURES)
    assert outcome(result) == ([(3, reason)], [2, 4, 5])  # identical answers are two respondents


# --- 0-byte deliveries (issue 15 item 10) -------------------------------------------------------


def test_a_0_byte_report_is_reported_as_empty_and_other_files_load(tmp_path):
    empty = tmp_path / "providers" / "TR-01" / "reports" / "2025-03.csv"
    empty.parent.mkdir(parents=True)
    empty.write_bytes(b"")
    empty_xlsx = tmp_path / "providers" / "TR-03" / "reports" / "2025-03.xlsx"
    empty_xlsx.parent.mkdir(parents=True)
    empty_xlsx.write_bytes(b"")
    write(
        tmp_path / "providers" / "TR-02" / "reports" / "2025-03.csv", f"{REPORT_HEADER}\n{GOOD_A}\n"
    )
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    q = result.quarantine
    assert q[["file", "reason_code", "provider_id", "period"]].values.tolist() == [
        ["providers/TR-01/reports/2025-03.csv", "empty_file", "TR-01", "2025-03"],
        ["providers/TR-03/reports/2025-03.xlsx", "empty_file", "TR-03", "2025-03"],
    ]
    assert q["row_number"].isna().all()
    assert q["reason"][0].startswith("Datei ist leer (0 Byte)")
    assert result.loaded["provider_id"].tolist() == ["TR-02"]
    files = result.files.set_index("file")["rows_in"].to_dict()
    assert files["providers/TR-01/reports/2025-03.csv"] == 0


def test_0_byte_facilities_and_surveys_are_reported_as_empty(tmp_path, polygons):
    for rel in ("providers/TR-01/facilities.csv", "providers/TR-01/surveys/umfrage.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    inventory = discover(tmp_path)
    facilities = read_facilities(inventory.of_kind("facilities"), tmp_path, polygons)
    surveys = read_surveys(inventory.of_kind("survey"), tmp_path, None)
    assert facilities.quarantine["reason_code"].tolist() == ["empty_file"]
    assert surveys.quarantine[["file", "reason_code"]].values.tolist() == [
        ["providers/TR-01/surveys/umfrage.csv", "empty_file"]
    ]
