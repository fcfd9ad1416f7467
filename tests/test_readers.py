"""Statistics, GENESIS and Zensus readers on tricky files: every row loaded or quarantined."""

from assets.ingest.genesis import read_genesis
from assets.ingest.statistics import read_small_area_statistics
from assets.ingest.zensus import read_zensus
from tests.conftest import write

KNOWN = {"SR-A": "05999000", "SR-B": "05999000"}
HEADER = "Stichtag;Raum_ID;Merkmal;Wert\n"


def quarantined(result):
    return {
        (q.file.split("/")[-1], q.row_number, q.reason_code) for q in result.quarantine.itertuples()
    }


def test_each_defect_is_quarantined_with_its_reason_and_the_rest_loads(tmp_path):
    path = write(
        tmp_path / "s.csv",
        HEADER
        + "2024-12-31;SR-A;EW;1.234\n"  # 2: ok, thousands point
        + "31.12.2024;SR-B;EW;-\n"  # 3: ok, exactly zero
        + "2024-12-32;SR-A;HH;5\n"  # 4: invalid date
        + "2024-12-31;SR-X;EW;5\n"  # 5: unknown area
        + "2024-12-31;SR-A;EW_ALT;5\n"  # 6: unknown code
        + "2024-12-31;SR-A;HH;zwölf\n"  # 7: not a number
        + "2024-12-31;SR-A;ZUZUEGE;-4\n"  # 8: negative
        + "2024-12-31;SR-A;EW;1234\n"  # 9: duplicate of line 2
        + "2024-12-31;SR-A;HH;7;extra\n"  # 10: wrong field count
        + "2024-12-31;SR-A;EW_AUSL;.\n"  # 11: ok, secret
        + "\n\n",
    )
    result = read_small_area_statistics([path], tmp_path, KNOWN)
    assert quarantined(result) == {
        ("s.csv", 4, "invalid_date"),
        ("s.csv", 5, "unknown_area"),
        ("s.csv", 6, "unknown_code"),
        ("s.csv", 7, "invalid_value"),
        ("s.csv", 8, "negative_value"),
        ("s.csv", 9, "duplicate"),
        ("s.csv", 10, "wrong_field_count"),
    }
    loaded = result.loaded.set_index("row_number")
    assert loaded.loc[2, "value"] == 1234.0
    assert loaded.loc[3, "value"] == 0.0 and loaded.loc[3, "symbol"] == "-"
    assert loaded.loc[11, "symbol"] == "." and loaded.loc[11, "value"] != loaded.loc[11, "value"]
    assert "s.csv Zeile 2" in result.quarantine.set_index("row_number").loc[9, "reason"]
    assert result.files.iloc[0][["rows_in", "rows_loaded", "rows_quarantined"]].tolist() == [
        10,
        3,
        7,
    ]


def test_windows_1252_file_with_wrong_header_is_quarantined_whole(tmp_path):
    good = write(tmp_path / "a.csv", HEADER + "2024-12-31;SR-A;EW;10\n")
    bad = write(
        tmp_path / "b.csv", "Datum;Raum;Merkmal;Wert\n31.12.2024;SR-A;EW;1\n2024;x;y;z\n", "cp1252"
    )
    result = read_small_area_statistics([good, bad], tmp_path, KNOWN)
    assert len(result.loaded) == 1
    assert quarantined(result) == {("b.csv", 2, "missing_column"), ("b.csv", 3, "missing_column")}
    assert "Stichtag" in result.quarantine["reason"][0]


def test_genesis_ffcsv_finds_the_ags_and_keeps_breakdowns(tmp_path):
    header = (
        "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;"
        "1_variable_label;1_variable_attribute_code;1_variable_attribute_label;2_variable_code;"
        "2_variable_label;2_variable_attribute_code;2_variable_attribute_label;value;value_unit;"
        "value_variable_code;value_variable_label\n"
    )
    path = write(
        tmp_path / "g.csv",
        header
        + "12411;Bev;STAG;Stichtag;2023-12-31;GEMEIN;Gemeinden;05999000;Musterstadt;GES;Geschlecht;;;251.234;Anzahl;BEVSTD;Bev\n"
        + "12411;Bev;STAG;Stichtag;2023-12-31;GEMEIN;Gemeinden;05999000;Musterstadt;GES;Geschlecht;GESW;weiblich;127000;Anzahl;BEVSTD;Bev\n"
        + "12411;Bev;STAG;Stichtag;2023-12-31;GEMEIN;Gemeinden;05999000;Musterstadt;GES;Geschlecht;GESM;männlich;.;Anzahl;BEVSTD;Bev\n"
        + "12411;Bev;STAG;Stichtag;2023-12-31;GEMEIN;Gemeinden;059;Musterstadt;GES;Geschlecht;;;1;Anzahl;BEVSTD;Bev\n",
    )
    result = read_genesis([path], tmp_path)
    loaded = result.loaded.set_index("row_number")
    assert loaded.loc[2, ["municipality_ags", "breakdown", "value"]].tolist() == [
        "05999000",
        "",
        251234.0,
    ]
    assert loaded.loc[3, "breakdown"] == "GES=GESW"
    assert loaded.loc[4, "symbol"] == "."
    assert quarantined(result) == {("g.csv", 5, "missing_ags")}


def test_zensus_secret_cells_keep_their_symbol_and_bad_coordinates_are_quarantined(tmp_path):
    path = write(
        tmp_path / "z.csv",
        "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n"
        "CRS3035RES100mN3100000E4100000;4100050;3100050;12\n"
        "CRS3035RES100mN3100100E4100000;4100050;3100150;–\n"
        "CRS3035RES100mN3100200E4100000;3100250;4100050;4\n",  # x and y swapped
    )
    result = read_zensus([path], tmp_path)
    assert result.loaded["population"].isna().tolist() == [False, True]
    assert result.loaded["symbol"].tolist()[1] == "–"
    assert quarantined(result) == {("z.csv", 4, "outside_area")}
