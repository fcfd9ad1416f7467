"""GENESIS ffcsv as it arrives: current layout with `value_q`, 12-digit ARS, other regional levels,
the legacy German-header layout and zipped downloads (SPEC §2).

The fixtures in `tests/fixtures/genesis/` are the synthetic samples of `../shared/formats/samples/
genesis/`, and `1000A-1018_de_flat.csv`, made by hand after SPEC §2.1's second example (counts
and `%` rows of the same figure); the expected figures below were read off those files by hand.
"""

import datetime as dt
import shutil
import zipfile
from pathlib import Path

from assets.ingest.genesis import read_genesis
from tests.conftest import write

FIXTURES = Path(__file__).parent / "fixtures" / "genesis"
TODAY = dt.date(2026, 1, 1)
HEADER = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;"
    "1_variable_label;1_variable_attribute_code;1_variable_attribute_label;value;value_unit;"
    "value_variable_code;value_variable_label;value_q\n"
)


def read(tmp_path, *names, **kwargs):
    paths = []
    for name in names:
        shutil.copy(FIXTURES / name, tmp_path / name)
        paths.append(tmp_path / name)
    return read_genesis(paths, tmp_path, today=TODAY, **kwargs)


def totals(result, file, variable="BEVSTD"):
    """(AGS, Stichtag as text) -> value of the rows without breakdown, as the reconciliation
    takes them."""
    rows = result.loaded[
        (result.loaded.source_file == file)
        & (result.loaded.variable_code == variable)
        & (result.loaded.breakdown == "")
    ]
    return {(r.municipality_ags, r.reference_date.isoformat()): r.value for r in rows.itertuples()}


def located(result):
    return sorted(
        (q.file, q.row_number, q.column, q.reason_code) for q in result.quarantine.itertuples()
    )


def assert_counts_add_up(result):
    files = result.files
    assert (files.rows_in == files.rows_loaded + files.rows_quarantined).all()
    assert files.rows_loaded.sum() == len(result.loaded)


def test_current_layout_gives_the_control_totals_per_municipality_and_stichtag(tmp_path):
    result = read(tmp_path, "12411-01-01-5_de_flat.csv")
    assert totals(result, "12411-01-01-5_de_flat.csv") == {
        ("05999000", "2023-12-31"): 251234,
        ("05999004", "2023-12-31"): 43210,
        ("05999000", "2024-12-31"): 252238,
        ("05999004", "2024-12-31"): 43382,
    }
    women = result.loaded[result.loaded.breakdown == "GES=GESW"]
    assert sorted(women.value) == [22038, 22125, 128130, 128642]
    assert result.quarantine.empty
    assert_counts_add_up(result)


def test_zensus_db_file_with_12_digit_ars_finds_its_municipalities(tmp_path):
    result = read(tmp_path, "1000A-0001_de_flat.csv")
    # 059990000000 -> 05999 + 000, 059990004004 -> 05999 + 004
    assert totals(result, "1000A-0001_de_flat.csv", "PRS018") == {
        ("05999000", "2022-05-15"): 248466,
        ("05999004", "2022-05-15"): 42871,
    }
    area = totals(result, "1000A-0001_de_flat.csv", "FLC001")
    assert area == {("05999000", "2022-05-15"): 145.62, ("05999004", "2022-05-15"): 61.07}
    assert_counts_add_up(result)


def test_ars_of_a_municipality_in_a_gemeindeverband_keeps_digits_1_to_5_and_10_to_12(tmp_path):
    path = write(
        tmp_path / "z.csv",
        HEADER
        + "1000A;B;STAG;S;2022-05-15;GEOGM4;G;092760130130;Lindberg;2294;Anzahl;PRS018;P;e\n",
    )
    result = read_genesis([path], tmp_path, today=TODAY)
    assert result.loaded.municipality_ags.tolist() == ["09276130"]


def test_legacy_german_header_file_in_latin1_is_read(tmp_path):
    result = read(tmp_path, "legacy_12411-01-01-5_flat.csv")
    assert result.files.encoding.tolist() == ["cp1252"]
    assert totals(result, "legacy_12411-01-01-5_flat.csv") == {
        ("05999000", "2023-12-31"): 251234,
        ("05999004", "2023-12-31"): 43210,
        ("05999008", "2023-12-31"): 0,  # `-`: exactly zero, the product's one numeric symbol
    }
    assert result.loaded.set_index("municipality_ags").loc["05999008", "symbol"] == "-"
    assert set(result.loaded.unit) == {"Anzahl"}
    assert_counts_add_up(result)


def test_legacy_quarantine_names_the_column_as_delivered(tmp_path):
    text = (FIXTURES / "legacy_12411-01-01-5_flat.csv").read_bytes().decode("latin-1")
    lines = text.splitlines()
    lines[1] = lines[1].replace("31.12.2023", "31.13.2023")
    lines[2] = lines[2].replace("05999000", "0599900")
    path = write(tmp_path / "l.csv", "\n".join(lines) + "\n", encoding="latin-1")
    result = read_genesis([path], tmp_path, today=TODAY)
    assert located(result) == [
        ("l.csv", 2, "Zeit", "invalid_date"),
        ("l.csv", 3, "1_Auspraegung_Code", "missing_ags"),
    ]
    assert len(result.loaded) == 5
    assert_counts_add_up(result)


def test_legacy_file_with_two_value_columns_is_refused_whole(tmp_path):
    path = write(
        tmp_path / "l.csv",
        "Statistik_Code;Zeit;1_Merkmal_Code;1_Auspraegung_Code;"
        "BEVSTD__Bevoelkerungsstand__Anzahl;FLC006__Gebietsflaeche__qkm\n"
        "12411;31.12.2023;GEMEIN;05999000;251234;145,62\n",
    )
    result = read_genesis([path], tmp_path, today=TODAY)
    assert result.loaded.empty
    assert located(result) == [
        (
            "l.csv",
            2,
            "BEVSTD__Bevoelkerungsstand__Anzahl, FLC006__Gebietsflaeche__qkm",
            "several_value_columns",
        )
    ]
    assert "2 Wertspalten" in result.quarantine.reason[0]
    assert_counts_add_up(result)


def test_zip_download_reads_the_csv_inside_and_hashes_the_zip(tmp_path):
    result = read(tmp_path, "12411-01-01-5_de_flat.zip", "12411-01-01-5_de_flat.csv")
    assert totals(result, "12411-01-01-5_de_flat.zip") == totals(
        result, "12411-01-01-5_de_flat.csv"
    )
    assert len(result.loaded) == 24
    digests = dict(zip(result.files.file, result.files.sha256, strict=True))
    assert digests["12411-01-01-5_de_flat.zip"] != digests["12411-01-01-5_de_flat.csv"]
    assert_counts_add_up(result)


def test_zip_with_two_csvs_or_none_or_too_big_is_refused_and_the_others_load(tmp_path):
    inner = (FIXTURES / "12411-01-01-5_de_flat.csv").read_bytes()
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("a_flat.csv", inner)
        archive.writestr("b_flat.csv", inner)
    with zipfile.ZipFile(tmp_path / "none.zip", "w") as archive:
        archive.writestr("readme.txt", "nichts")
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb_flat.csv", HEADER + "0" * 3_000_000)
    write(tmp_path / "broken.zip", "kein zip")
    names = ["two.zip", "none.zip", "bomb.zip", "broken.zip"]
    shutil.copy(FIXTURES / "1000A-0001_de_flat.csv", tmp_path / "good.csv")
    paths = [tmp_path / n for n in [*names, "good.csv"]]
    result = read_genesis(paths, tmp_path, today=TODAY, max_mb=1)
    reasons = {q.file: q.reason for q in result.quarantine.itertuples()}
    assert set(reasons) == set(names)
    assert set(result.quarantine.reason_code) == {"unreadable_file"}
    assert "2 CSV-Dateien (a_flat.csv, b_flat.csv)" in reasons["two.zip"]
    assert "0 CSV-Dateien (keine)" in reasons["none.zip"]
    assert "Zip-Bombe" in reasons["bomb.zip"]
    assert "kein gültiges ZIP-Archiv" in reasons["broken.zip"]
    assert set(result.loaded.source_file) == {"good.csv"}
    assert len(result.loaded) == 4
    assert_counts_add_up(result)


def test_symbol_in_value_q_is_no_number(tmp_path):
    row = "12411;B;STAG;S;2023-12-31;GEMEIN;G;{ags};M;{value};Anzahl;BEVSTD;B;{q}\n"
    path = write(
        tmp_path / "q.csv",
        HEADER
        + row.format(ags="05999000", value="", q=".")  # 2: secret, no number
        + row.format(ags="05999004", value="43210", q="p")  # 3: vorläufig, a number
        + row.format(ags="05999008", value="12", q="x")  # 4: symbol and number contradict
        + row.format(ags="05999012", value="7", q="Z"),  # 5: unknown mark
    )
    result = read_genesis([path], tmp_path, today=TODAY)
    loaded = result.loaded.set_index("row_number")
    assert loaded.loc[2, "symbol"] == "."
    assert loaded.loc[2, "value"] != loaded.loc[2, "value"]  # NaN, never a number
    assert loaded.loc[3, "value"] == 43210
    assert located(result) == [
        ("q.csv", 4, "value_q", "symbol_with_number"),
        ("q.csv", 5, "value_q", "unknown_quality"),
    ]
    assert_counts_add_up(result)


def test_other_regional_levels_are_reported_with_their_level(tmp_path):
    row = "12411;B;STAG;S;2023-12-31;{code};R;{key};N;100;Anzahl;BEVSTD;B;e\n"
    path = write(
        tmp_path / "r.csv",
        HEADER
        + row.format(code="GEMEIN", key="05999000")  # 2: municipality
        + row.format(code="KREISE", key="05316")  # 3: Kreis
        + row.format(code="GEOLK4", key="147300000000")  # 4: Kreis as 12 digits, not an ARS
        + row.format(code="DLAND", key="05")  # 5: Land
        + row.format(code="DINSG", key="DG")  # 6: Germany
        + row.format(code="GEMEIN", key=""),  # 7: total over all municipalities
    )
    result = read_genesis([path], tmp_path, today=TODAY)
    assert result.loaded.municipality_ags.tolist() == ["05999000"]
    column = "1_variable_attribute_code"
    assert located(result) == [("r.csv", n, column, "other_regional_level") for n in range(3, 8)]
    reasons = result.quarantine.set_index("row_number").reason
    assert reasons[3].startswith("Wert der Ebene Kreis (05316), nicht einer Gemeinde")
    assert reasons[4].startswith("Wert der Ebene Kreis (147300000000),")
    assert reasons[5].startswith("Wert der Ebene Land (05),")
    assert reasons[6].startswith("Wert der Ebene Deutschland (DG),")
    assert reasons[7].startswith("Wert der Ebene Gemeinde (leerer Schlüssel: Summe über alle),")
    assert_counts_add_up(result)


def test_legacy_quality_column_and_blanks_before_the_value_column_name(tmp_path):
    path = write(
        tmp_path / "l.csv",
        "Statistik_Code;Zeit;1_Merkmal_Code;1_Auspraegung_Code;"
        "   BEVSTD__Bevoelkerungsstand__Anzahl;BEVSTD__Bevoelkerungsstand__q\n"
        "12411;31.12.2023;GEMEIN;05999000;251234;e\n"
        "12411;31.12.2023;GEMEIN;05999004;;.\n"
        "12411;31.12.2023;GEMEIN;05999008;17;/\n",
        encoding="cp1252",
    )
    result = read_genesis([path], tmp_path, today=TODAY)
    loaded = result.loaded.set_index("row_number")
    assert loaded.loc[2, "value"] == 251234
    assert loaded.loc[3, "symbol"] == "."
    assert loaded.loc[3, "value"] != loaded.loc[3, "value"]  # NaN
    assert located(result) == [("l.csv", 4, "BEVSTD__Bevoelkerungsstand__q", "symbol_with_number")]
    assert_counts_add_up(result)


def test_other_files_in_a_zip_beside_the_csv_are_named_not_read(tmp_path):
    inner = (FIXTURES / "1000A-0001_de_flat.csv").read_bytes()
    with zipfile.ZipFile(tmp_path / "d.zip", "w") as archive:
        archive.writestr("1000A-0001_de_flat.csv", inner)
        archive.writestr("Erlaeuterungen.txt", "Hinweise")
        archive.writestr("__MACOSX/._1000A-0001_de_flat.csv", "Finder-Daten")
    result = read_genesis([tmp_path / "d.zip"], tmp_path, today=TODAY)
    assert len(result.loaded) == 4
    notes = result.quarantine[["row_number", "value", "reason_code"]].values.tolist()
    assert notes == [[None, "Erlaeuterungen.txt", "unread_member"]]
    assert_counts_add_up(result)


def test_percent_rows_beside_the_count_of_the_same_figure_are_skipped_not_loaded(tmp_path):
    # lines 3, 5, 7, 9, 11 give as `%` what lines 2, 4, 6, 8, 12 give as `Anzahl`; line 10 is a
    # share without a count beside it; line 12 is a Land (quarantined as another level)
    from checks.gx_runner import run_suite
    from checks.suites import genesis_suite

    name = "1000A-1018_de_flat.csv"
    result = read(tmp_path, name)
    loaded = result.loaded.set_index("row_number")
    assert loaded.index.tolist() == [2, 4, 6, 8, 10]
    assert loaded.loc[[2, 4, 6, 8], "value"].tolist() == [248466, 61204, 55311, 42871]
    assert set(loaded.loc[[2, 4, 6, 8], "unit"]) == {"Anzahl"}
    share = loaded.loc[10]
    assert (share.municipality_ags, share.breakdown, share.unit, share.value) == (
        "05999004",
        "RELZG2=REL-RK-OR",
        "%",
        28.9,
    )
    entries = result.quarantine[["row_number", "column", "value", "reason_code"]]
    assert entries.values.tolist() == [
        [None, None, "%", "skipped_row"],
        [12, "1_variable_attribute_code", "05", "other_regional_level"],
    ]
    note = result.quarantine.set_index("reason_code").loc["skipped_row", "reason"]
    assert note.startswith("5 Zeilen mit Einheit '%' übersprungen (Zeilen 3, 5, 7, 9, 11)")
    # the 5 skipped rows hold no value read: 11 data rows, 6 of them values, 5 loaded
    assert result.files[["rows_in", "rows_loaded", "rows_quarantined"]].values.tolist() == [
        [6, 5, 1]
    ]
    assert_counts_add_up(result)
    outcomes = run_suite(result.loaded, "genesis", genesis_suite())
    assert len(outcomes) == 4 and all(o.success for o in outcomes)  # incl. the unique key
