"""Bad-input corpus for the statistics sources, area files and hostile deliveries.

Each case is one file with one defect between good rows: the test asserts the located error
(file, row, reason code) and that every other row still loads. A defect of a whole file (no CRS,
no ffcsv columns, not an Excel file, too large) is shown next to a good file that loads.
Provider files, the needs survey and goals.yaml have their corpora in test_providers.py,
test_needs_survey_reader.py and test_goals.py; tests/README.md lists the whole corpus.
"""

import os
import zipfile

import dagster as dg
import duckdb
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon

from assets.ingest.archive import restore_root
from assets.ingest.areas import read_areas
from assets.ingest.assets import areas as areas_asset
from assets.ingest.assets import genesis_values, landing_archive, small_area_statistics
from assets.ingest.genesis import read_genesis
from assets.ingest.parsing import MAX_XLSX_RATIO
from assets.ingest.providers import discover, read_reports
from assets.ingest.statistics import read_small_area_statistics
from assets.ingest.zensus import read_zensus
from assets.resources import DataRoot, Warehouse
from tests.conftest import AGS, write, write_areas_geojson


def located(result) -> list[tuple]:
    """(file, row, reason code) of every quarantine entry, in order."""
    return [
        (q.file, None if pd.isna(q.row_number) else int(q.row_number), q.reason_code)
        for q in result.quarantine.itertuples()
    ]


AREAS = {"SR-A": AGS, "SR-B": AGS}
STAT_HEADER = "Stichtag;Raum_ID;Merkmal;Wert"
STAT_GOOD = ["2024-12-31;SR-A;EW;1000", "2024-12-31;SR-B;EW;800"]

STATISTICS = {
    "date_invalid_day": ("2024-02-30;SR-A;HH;5", "invalid_date"),
    "date_us_format": ("12/31/2024;SR-A;HH;5", "invalid_date"),
    "date_empty": (";SR-A;HH;5", "invalid_date"),
    "area_unknown": ("2024-12-31;SR-Q;HH;5", "unknown_area"),
    "area_empty": ("2024-12-31;;HH;5", "unknown_area"),
    "code_unknown": ("2024-12-31;SR-A;EINWOHNER;5", "unknown_code"),
    "code_lowercase": ("2024-12-31;SR-A;ew_u3;5", "unknown_code"),
    "value_text": ("2024-12-31;SR-A;HH;fünf", "invalid_value"),
    "value_empty": ("2024-12-31;SR-A;HH;", "invalid_value"),
    "value_english_decimal": ("2024-12-31;SR-A;HH;12.5", "invalid_value"),
    "value_unknown_symbol": ("2024-12-31;SR-A;HH;?", "invalid_value"),
    "value_negative": ("2024-12-31;SR-A;HH;-5", "negative_value"),
    "value_duplicate": ("2024-12-31;SR-A;EW;1001", "duplicate"),
    "too_few_fields": ("2024-12-31;SR-A;HH", "wrong_field_count"),
    "too_many_fields": ("2024-12-31;SR-A;HH;5;6", "wrong_field_count"),
    "huge_line": ("2024-12-31;SR-A;HH;" + "9" * 200_000, "wrong_field_count"),
    "nul_byte": ("2024-12-31;SR-A;HH;5\x00", "invalid_value"),
}


@pytest.mark.parametrize("case", sorted(STATISTICS))
def test_statistics_defect(tmp_path, case):
    line, reason = STATISTICS[case]
    path = write(tmp_path / "s.csv", "\n".join([STAT_HEADER, STAT_GOOD[0], line, STAT_GOOD[1]]))
    result = read_small_area_statistics([path], tmp_path, AREAS)
    assert located(result) == [("s.csv", 3, reason)]
    assert sorted(result.loaded["row_number"]) == [2, 4]
    assert all(len(v) <= 500 for v in result.quarantine["value"].dropna())


def test_a_file_without_any_utf8_line_is_read_as_windows_1252(tmp_path):
    # 0xE4 alone is no UTF-8; no line holds valid UTF-8 umlauts, so the file is Windows-1252
    # and the byte is an "ä": the row is judged on its value, not on its encoding
    raw = (STAT_HEADER + "\n" + STAT_GOOD[0] + "\n").encode() + b"2024-12-31;SR-B;HH;8\xe4\n"
    path = tmp_path / "s.csv"
    path.write_bytes(raw + (STAT_GOOD[1] + "\n").encode())
    result = read_small_area_statistics([path], tmp_path, AREAS)
    assert result.files.iloc[0]["encoding"] == "cp1252"
    assert located(result) == [("s.csv", 3, "invalid_value")]
    assert result.quarantine.iloc[0]["value"] == "8ä"
    assert sorted(result.loaded["row_number"]) == [2, 4]


UMLAUT_AREAS = {"SR-Süd": AGS, "SR-Müh": AGS}


def test_a_line_that_is_no_utf8_in_a_utf8_statistics_file_is_quarantined_alone(tmp_path):
    good_a = "2024-12-31;SR-Süd;EW;1000\n".encode()  # UTF-8 umlauts
    bad = b"2024-12-31;SR-S\xfcd;HH;5\n"  # one line saved in Windows-1252
    good_b = "2024-12-31;SR-Müh;EW;800\n".encode()
    path = tmp_path / "s.csv"
    path.write_bytes((STAT_HEADER + "\n").encode() + good_a + bad + good_b)
    result = read_small_area_statistics([path], tmp_path, UMLAUT_AREAS)
    assert located(result) == [("s.csv", 3, "invalid_utf8")]
    assert result.quarantine.iloc[0]["value"] == "2024-12-31;SR-S\ufffdd;HH;5"
    assert "kein gültiges UTF-8" in result.quarantine.iloc[0]["reason"]
    assert result.files.iloc[0]["encoding"] == "utf-8"
    loaded = result.loaded.sort_values("row_number")
    assert loaded["row_number"].tolist() == [2, 4]
    assert loaded["area_id"].tolist() == ["SR-Süd", "SR-Müh"]  # not "SR-SÃ¼d"


def test_a_line_that_is_no_utf8_in_a_utf8_provider_report_is_quarantined_alone(tmp_path):
    path = tmp_path / "providers" / "TR-01" / "reports" / "2025-03.csv"
    path.parent.mkdir(parents=True)
    good_a = "M-Ü;2025-03;SR-A;20;10;3;40;100\n".encode()
    bad = b"M-\xdc;2025-03;SR-B;20;10;3;40;100\n"  # Windows-1252 "Ü"
    good_b = "M-Ü;2025-03;SR-B;15;5;2;30;900\n".encode()
    path.write_bytes((REPORT_HEADER + "\n").encode() + good_a + bad + good_b)
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    assert located(result) == [("providers/TR-01/reports/2025-03.csv", 3, "invalid_utf8")]
    loaded = result.loaded.sort_values("row_number")
    assert loaded["row_number"].tolist() == [2, 4]
    assert loaded["measure_id"].tolist() == ["M-Ü", "M-Ü"]


GENESIS_HEADER = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;"
    "1_variable_label;1_variable_attribute_code;1_variable_attribute_label;value;"
    "value_unit;value_variable_code;value_variable_label"
)
GENESIS_GOOD = f"12411;Bev;STAG;Stichtag;2024-12-31;GEMEIN;Gemeinden;{AGS};M;1000;Anzahl;BEVSTD;Bev"
GENESIS = {
    "time_invalid": (GENESIS_GOOD.replace("2024-12-31", "31.12.24"), "invalid_date"),
    "ags_short": (GENESIS_GOOD.replace(AGS, "5999"), "missing_ags"),
    "value_text": (GENESIS_GOOD.replace(";1000;", ";tausend;"), "invalid_value"),
    "field_missing": (GENESIS_GOOD.rsplit(";", 1)[0], "wrong_field_count"),
}


@pytest.mark.parametrize("case", sorted(GENESIS))
def test_genesis_defect(tmp_path, case):
    line, reason = GENESIS[case]
    other = GENESIS_GOOD.replace("2024-12-31", "2023-12-31")
    path = write(tmp_path / "g.csv", "\n".join([GENESIS_HEADER, GENESIS_GOOD, line, other]))
    result = read_genesis([path], tmp_path)
    assert located(result) == [("g.csv", 3, reason)]
    assert sorted(result.loaded["row_number"]) == [2, 4]


def test_genesis_file_without_ffcsv_columns_is_quarantined_whole_and_others_load(tmp_path):
    bad = write(tmp_path / "a.csv", "Gemeinde;Einwohner\n05999000;1000\n05999000;1001\n")
    good = write(tmp_path / "b.csv", "\n".join([GENESIS_HEADER, GENESIS_GOOD]))
    result = read_genesis([bad, good], tmp_path)
    assert located(result) == [("a.csv", 2, "missing_column"), ("a.csv", 3, "missing_column")]
    assert result.loaded[["source_file", "row_number"]].values.tolist() == [["b.csv", 2]]


ZENSUS_HEADER = "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner"
ZENSUS_GOOD = [
    "CRS3035RES100mN3100000E4100000;4100050;3100050;12",
    "CRS3035RES100mN3100100E4100000;4100050;3100150;7",
]
ZENSUS = {
    "x_text": ("C3;vier;3100250;4", "invalid_value"),
    "y_outside_germany": ("C3;4100050;1100250;4", "outside_area"),
    "population_negative": ("C3;4100050;3100250;-4", "negative_value"),
    "population_text": ("C3;4100050;3100250;viele", "invalid_value"),
}


@pytest.mark.parametrize("case", sorted(ZENSUS))
def test_zensus_defect(tmp_path, case):
    line, reason = ZENSUS[case]
    path = write(
        tmp_path / "z.csv", "\n".join([ZENSUS_HEADER, ZENSUS_GOOD[0], line, ZENSUS_GOOD[1]])
    )
    result = read_zensus([path], tmp_path)
    assert located(result) == [("z.csv", 3, reason)]
    assert sorted(result.loaded["row_number"]) == [2, 4]


def square(x0, y0, size=1000.0):
    return Polygon([(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)])


AREA_CASES = {
    "overlap": (square(380500, 5700000), "overlapping_geometry"),
    "self_intersection": (
        Polygon([(382000, 5700000), (383000, 5701000), (383000, 5700000), (382000, 5701000)]),
        "invalid_geometry",
    ),
    "empty_geometry": (Polygon(), "invalid_geometry"),
}


@pytest.mark.parametrize("case", sorted(AREA_CASES))
def test_area_defect(tmp_path, case):
    geometry, reason = AREA_CASES[case]
    frame = gpd.GeoDataFrame(
        {
            "municipality_ags": [AGS] * 3,
            "area_id": ["A", "X", "B"],
            "area_name": ["a", "x", "b"],
            "district_name": ["d"] * 3,
        },
        geometry=[square(380000, 5700000), geometry, square(384000, 5700000)],
        crs="EPSG:25832",
    )
    path = tmp_path / "areas" / "a.gpkg"
    path.parent.mkdir()
    frame.to_file(path, driver="GPKG")
    result, _ = read_areas([path], tmp_path)
    assert located(result) == [("areas/a.gpkg", 2, reason)]
    assert result.loaded["area_id"].tolist() == ["A", "B"]


def test_area_file_without_crs_is_quarantined_feature_by_feature_and_others_load(tmp_path):
    # a GeoPackage layer with an undefined spatial reference: its metres could be any CRS
    frame = gpd.GeoDataFrame(
        {
            "municipality_ags": [AGS] * 2,
            "area_id": ["X", "Y"],
            "area_name": ["x", "y"],
            "district_name": ["d"] * 2,
        },
        geometry=[square(390000, 5700000), square(391000, 5700000)],
        crs=None,
    )
    no_crs = tmp_path / "areas" / "a.gpkg"
    no_crs.parent.mkdir()
    frame.to_file(no_crs, driver="GPKG")
    good = tmp_path / "areas" / "b.geojson"
    write_areas_geojson(good, ["A", "B"])
    result, _ = read_areas([no_crs, good], tmp_path)
    assert located(result) == [
        ("areas/a.gpkg", 1, "missing_crs"),
        ("areas/a.gpkg", 2, "missing_crs"),
    ]
    assert result.loaded["area_id"].tolist() == ["A", "B"]


# --- hostile deliveries -------------------------------------------------------------------------

REPORT_HEADER = (
    "Massnahme_ID;Berichtsmonat;Raum_ID;Teilnehmende;davon_Zielgruppe;Neuzugaenge;"
    "Stunden;Kosten_EUR"
)


def test_zip_bomb_disguised_as_xlsx_is_refused_and_other_providers_load(tmp_path):
    bomb = tmp_path / "providers" / "TR-01" / "reports" / "2025-03.xlsx"
    bomb.parent.mkdir(parents=True)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    assert bomb.stat().st_size * MAX_XLSX_RATIO < 50 * 1024 * 1024
    write(
        tmp_path / "providers" / "TR-02" / "reports" / "2025-03.csv",
        REPORT_HEADER + "\nM-2;2025-03;SR-A;20;10;3;40;100\n",
    )
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    entry = result.quarantine.iloc[0]
    assert (entry.file, entry.reason_code) == (
        "providers/TR-01/reports/2025-03.xlsx",
        "unreadable_file",
    )
    assert "Zip-Bombe" in entry.reason
    assert result.loaded["provider_id"].tolist() == ["TR-02"]


def test_text_file_named_xlsx_is_refused_with_a_reason_and_other_providers_load(tmp_path):
    write(
        tmp_path / "providers" / "TR-01" / "reports" / "2025-03.xlsx",
        REPORT_HEADER + "\nM-1;2025-03;SR-A;20;10;3;40;100\n",
    )
    write(
        tmp_path / "providers" / "TR-02" / "reports" / "2025-03.csv",
        REPORT_HEADER + "\nM-2;2025-03;SR-A;20;10;3;40;100\n",
    )
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    assert located(result) == [("providers/TR-01/reports/2025-03.xlsx", None, "unreadable_file")]
    assert "keine gültige Excel-Datei" in result.quarantine.iloc[0]["reason"]
    assert result.loaded[["provider_id", "row_number"]].values.tolist() == [["TR-02", 2]]


def test_a_file_over_the_roots_size_limit_is_not_opened_and_the_others_load(tmp_path):
    """Through the real assets: the limit comes from the data root's `planning/settings.yaml`."""
    root = tmp_path / "root"
    write_areas_geojson(root / "areas" / "sozialraeume.geojson", ["SR-A", "SR-B"])
    write(root / "planning" / "settings.yaml", "limits:\n  max_file_mb: 1\n")
    small_area = root / "statistics" / "small_area"
    write(small_area / "ok.csv", "\n".join([STAT_HEADER, *STAT_GOOD]))
    with (small_area / "riesig.csv").open("wb") as handle:
        handle.truncate(2 * 1024**3)  # 2 GB, sparse: takes no disk space
    write(root / "statistics" / "genesis" / "ok.csv", "\n".join([GENESIS_HEADER, GENESIS_GOOD]))
    with (root / "statistics" / "genesis" / "riesig.csv").open("wb") as handle:
        handle.truncate(3 * 1024**2)
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    result = dg.materialize(
        [landing_archive, areas_asset, small_area_statistics, genesis_values],
        resources={"data_root": DataRoot(data_dir=str(root)), "warehouse": warehouse},
    )
    assert result.success
    # the archive lists the large files but never copies them (2 GB of real disk otherwise)
    objects = [p for p in (warehouse.path / "archive" / "objects").rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in objects) < 100_000
    restored = tmp_path / "restored"
    restore_root(warehouse.path / "archive", restored)
    huge = restored / "statistics" / "small_area" / "riesig.csv"
    assert huge.stat().st_size == 2 * 1024**3  # sparse again: the rebuild refuses it alike
    assert huge.stat().st_blocks * 512 < 1024**2
    assert (restored / "statistics" / "small_area" / "ok.csv").read_text(encoding="utf-8") == (
        small_area / "ok.csv"
    ).read_text(encoding="utf-8")
    con = duckdb.connect(str(warehouse.internal_path), read_only=True)
    refused = con.execute(
        "SELECT file, row_number, reason_code, value, reason FROM quarantine ORDER BY file"
    ).fetchall()
    loaded = con.execute(
        """SELECT source_file, row_number FROM small_area_statistics
           UNION ALL SELECT source_file, row_number FROM genesis_values ORDER BY 1, 2"""
    ).fetchall()
    con.close()
    reason = "Datei größer als die erlaubten 1 MB; nicht gelesen"
    assert refused == [
        ("statistics/genesis/riesig.csv", None, "file_too_large", "3.0 MB", reason),
        ("statistics/small_area/riesig.csv", None, "file_too_large", "2048.0 MB", reason),
    ]
    assert loaded == [
        ("statistics/genesis/ok.csv", 2),
        ("statistics/small_area/ok.csv", 2),
        ("statistics/small_area/ok.csv", 3),
    ]


def test_links_out_of_the_data_root_are_never_followed(tmp_path):
    from assets.resources import DataRoot

    outside = write(tmp_path / "outside" / "secret.csv", STAT_HEADER + "\n" + STAT_GOOD[0])
    root = tmp_path / "root"
    write(root / "statistics" / "small_area" / "ok.csv", STAT_HEADER + "\n" + STAT_GOOD[0])
    os.symlink(outside, root / "statistics" / "small_area" / "link.csv")
    (root / "providers").mkdir()
    os.symlink(tmp_path / "outside", root / "providers" / "..evil")
    files = DataRoot(data_dir=str(root)).files("statistics/small_area", "*.csv")
    assert [p.name for p in files] == ["ok.csv"]
    inventory = discover(root)
    assert inventory.files == [] and [u[1] for u in inventory.unexpected] == ["providers/..evil"]
    from assets.ingest.archive import landing_paths

    assert [rel.rsplit("/", 1)[-1] for rel in landing_paths(root)] == ["ok.csv"]


def test_sql_metacharacters_in_ids_are_data_not_code(tmp_path):
    import duckdb

    evil = "SR-1'; DROP TABLE areas; --"
    path = write(tmp_path / "s.csv", f'{STAT_HEADER}\n2024-12-31;"{evil}";EW;1000\n')
    result = read_small_area_statistics([path], tmp_path, {evil: AGS})
    con = duckdb.connect()
    from assets.warehouse import ensure_schema, insert_frame

    ensure_schema(con)
    insert_frame(con, "small_area_statistics", result.loaded)
    rows = con.execute("SELECT area_id FROM small_area_statistics WHERE area_id = ?", [evil])
    assert rows.fetchall() == [(evil,)]
    assert con.execute("SELECT count(*) FROM areas").fetchone()[0] == 0  # table still there
