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


def test_quick_and_general_statistics_readers_give_identical_results(tmp_path, monkeypatch):
    """Clean files go through pandas' C reader; the result must equal the csv-module path."""
    import pandas as pd

    from assets.ingest import statistics_table

    files = {
        "b.csv": ("\ufeff" + HEADER.replace("\n", "\r\n"))
        + "2024-12-31;SR-A;EW;1.234\r\n\r\n 31.12.2024 ; SR-B ;HH; 7 \r\n"
        + "2024-12-31;SR-X;EW;5\r\n2024-12-31;SR-A;EW_ALT;x\r\n2024-12-31;SR-A;HH;-4\r\n",
        "a.csv": "\n\nraum-id;STICHTAG;Merkmal;Wert;Notiz\n"
        + "SR-A;2024-12-31;EW;1000;\nSR-A;2024-12-31;ALO;*;x\n\nSR-B;2024-12-31;HH;–;\n",
        "c.csv": HEADER + "2024-12-31;SR-B;HH;7\n2024-11-30;SR-B;HH;1.000,5\n",
    }
    paths = [write(tmp_path / name, text) for name, text in files.items()]
    write(tmp_path / "d.csv", HEADER + "2024-11-30;SR-A;EW;ä\n", "cp1252")
    paths.append(tmp_path / "d.csv")
    assert all(statistics_table.read_clean(p.read_bytes()) for p in paths)
    quick = read_small_area_statistics(paths, tmp_path, KNOWN)
    monkeypatch.setattr(statistics_table, "read_clean", lambda raw: None)
    general = read_small_area_statistics(paths, tmp_path, KNOWN)
    for name in ("loaded", "quarantine", "files"):
        pd.testing.assert_frame_equal(getattr(quick, name), getattr(general, name))
    # Values for 2024-12-31 repeat across files: a.csv comes first by name and keeps them.
    duplicates = quick.quarantine[quick.quarantine["reason_code"] == "duplicate"]
    assert [(d.file, d.row_number, d.reason[-14:]) for d in duplicates.itertuples()] == [
        ("b.csv", 2, " a.csv Zeile 4"),
        ("b.csv", 4, " a.csv Zeile 7"),
        ("c.csv", 2, " a.csv Zeile 7"),
    ]
    assert {type(d).__name__ for d in quick.loaded["reference_date"]} == {"date"}


def test_files_the_quick_reader_refuses_go_the_general_way(tmp_path):
    from assets.ingest.statistics_table import read_clean

    row = "2024-12-31;SR-A;EW;5\n"
    refused = {
        "quote": HEADER + '"2024-12-31";SR-A;EW;5\n',
        "too_few_fields": HEADER + row + "2024-12-31;SR-A;EW\n",
        "too_many_fields": HEADER + row + "2024-12-31;SR-A;EW;5;6\n",
        "separators_only": HEADER + row + ";;;\n",
        "blanks_only": HEADER + row + "   \n",
        "lone_carriage_return": HEADER + row + "2024-12-31;SR-B;EW;5\r" + row,
        "form_feed": HEADER + "2024-12-31;SR-A;EW;5\x0c\n",
        "line_separator": HEADER + "2024-12-31;SR-A;EW;5\u2028\n",
        "nul": HEADER + "2024-12-31;SR-A;EW;5\x00\n",
        "field_over_csv_limit": HEADER + "2024-12-31;SR-A;EW;" + "9" * 200_000 + "\n",
        "duplicate_header": "Stichtag;Raum_ID;Merkmal;Wert;Wert\n2024-12-31;SR-A;EW;5;6\n",
        "header_only": HEADER,
    }
    for case, text in refused.items():
        assert read_clean(text.encode()) is None, case
    assert read_clean((HEADER + row).encode()) is not None


def test_utf16_files_go_the_quick_way_with_semicolons_and_the_general_way_with_tabs(
    tmp_path, monkeypatch
):
    """Both ways give the same rows, numbers and reasons as the csv-module path."""
    import pandas as pd

    from assets.ingest import statistics_table

    body = HEADER + "2024-12-31;SR-A;EW;1.234\n2024-12-31;SR-X;EW;5\n\n2024-12-31;SR-B;HH;7\n"
    semicolons = tmp_path / "a.csv"
    semicolons.write_bytes(body.encode("utf-16"))
    tabs = tmp_path / "b.csv"
    tabs.write_bytes(body.replace(";", "\t").replace("2024-12-31", "2023-12-31").encode("utf-16"))
    assert statistics_table.read_clean(semicolons.read_bytes()) is not None
    assert statistics_table.read_clean(tabs.read_bytes()) is None
    quick = read_small_area_statistics([semicolons, tabs], tmp_path, KNOWN)
    monkeypatch.setattr(statistics_table, "read_clean", lambda raw: None)
    general = read_small_area_statistics([semicolons, tabs], tmp_path, KNOWN)
    for name in ("loaded", "quarantine", "files"):
        pd.testing.assert_frame_equal(getattr(quick, name), getattr(general, name))
    assert quarantined(quick) == {("a.csv", 3, "unknown_area"), ("b.csv", 3, "unknown_area")}
    assert sorted(quick.loaded["row_number"]) == [2, 2, 5, 5]
    assert quick.files["encoding"].tolist() == ["utf-16-le", "utf-16-le"]


def test_the_coded_reader_reads_the_bytes_it_is_given_not_the_file_on_disk(tmp_path):
    """The month scan passes an archived earlier version of a file; a quoted one (which goes
    the general way) must be read from those bytes too."""
    from assets.ingest.statistics_table import read_coded

    path = write(tmp_path / "s.csv", HEADER + "2024-12-31;SR-A;EW;5\n")
    earlier = (HEADER + '"2023-12-31";SR-A;EW;4\n').encode()
    table = read_coded(path, earlier)
    assert list(table.columns["Stichtag"].rows()) == ["2023-12-31"]
