"""Zensus 2022 grid files as destatis delivers them (SPEC §3): the samples, encodings, the
remark column, dashes and the zipped download. Expected values are counted from the files."""

from __future__ import annotations

import math
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from assets.ingest.zensus import read_zensus
from tests.conftest import write

FIXTURES = Path(__file__).parent / "fixtures" / "zensus"
POPULATION = "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv"
AGE = "Zensus2022_Durchschnittsalter_100m-Gitter.csv"
HOUSEHOLDS = "Zensus2022_Typ_priv_HH_Familie_100m-Gitter.csv"
# Einwohner of the population sample, row by row (lines 2..12)
SAMPLE_POPULATION = [12, 48, 131, 7, 3, 96, 210, 55, 18, 74, 2]
HEADER = "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner"


def located(result):
    return [
        (q.file, None if pd.isna(q.row_number) else int(q.row_number), q.reason_code)
        for q in result.quarantine.itertuples()
    ]


def counts(result):
    return [
        tuple(r)
        for r in result.files[["file", "rows_in", "rows_loaded", "rows_quarantined"]].values
    ]


def copy_fixture(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "statistics" / "zensus" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / name, target)
    return target


def test_population_sample_loads_every_cell(tmp_path):
    result = read_zensus([copy_fixture(tmp_path, POPULATION)], tmp_path)
    loaded = result.loaded
    assert loaded["population"].tolist() == SAMPLE_POPULATION
    assert loaded["population"].sum() == 656
    first = loaded.iloc[0]
    assert (first.cell_id, first.x_3035, first.y_3035) == (
        "CRS3035RES100mN3156400E4137000",
        4137050,
        3156450,
    )
    assert loaded["symbol"].isna().all()
    assert counts(result) == [(f"statistics/zensus/{POPULATION}", 11, 11, 0)]


@pytest.mark.parametrize(
    ("name", "topic"), [(AGE, "Durchschnittsalter"), (HOUSEHOLDS, "Alleinerziehende")]
)
def test_other_topics_are_refused_with_their_topic_named(tmp_path, name, topic):
    population = copy_fixture(tmp_path, POPULATION)
    other = copy_fixture(tmp_path, name)
    result = read_zensus([other, population], tmp_path)
    rel = f"statistics/zensus/{name}"
    assert located(result) == [(rel, row, "unused_topic") for row in range(2, 13)]
    assert topic in result.quarantine.iloc[0]["reason"]
    assert counts(result) == [(rel, 11, 0, 11), (f"statistics/zensus/{POPULATION}", 11, 11, 0)]
    assert result.loaded["population"].sum() == 656


def test_coarse_grid_is_refused_as_such(tmp_path):
    path = write(
        tmp_path / "g.csv",
        "GITTER_ID_1km;x_mp_1km;y_mp_1km;Einwohner\nCRS3035RES1000mN3156000E4137000;4137500;3156500;900\n",
    )
    result = read_zensus([path], tmp_path)
    assert located(result) == [("g.csv", 2, "wrong_grid")]
    assert "1-km-Gitter" in result.quarantine.iloc[0]["reason"]


def test_brackets_keep_the_value_with_their_symbol_and_dashes_are_no_number(tmp_path):
    path = write(
        tmp_path / "z.csv",
        HEADER + ";werterlaeuternde_Zeichen\n"
        "C1;4137050;3156450;4;KLAMMERN\n"
        "C2;4137150;3156450;–;KLAMMERN\n"
        "C3;4137250;3156450;-;\n"
        "C4;4137350;3156450;7;STERN\n"
        "C5;4137050;3156550;1.012,0;\n",
    )
    result = read_zensus([path], tmp_path)
    loaded = result.loaded.set_index("cell_id")
    assert loaded.loc["C1", "population"] == 4 and loaded.loc["C1", "symbol"] == "()"
    assert math.isnan(loaded.loc["C2", "population"]) and loaded.loc["C2", "symbol"] == "–"
    assert math.isnan(loaded.loc["C3", "population"]) and loaded.loc["C3", "symbol"] == "-"
    assert loaded.loc["C5", "population"] == 1012 and loaded.loc["C5", "symbol"] is None
    assert loaded["population"].sum() == 1016  # 4 + 1012; no dash became a number
    assert located(result) == [("z.csv", 5, "invalid_value")]
    assert result.quarantine.iloc[0]["column"] == "werterlaeuternde_Zeichen"
    assert counts(result) == [("z.csv", 5, 4, 1)]


def test_windows_1252_and_utf8_bom_with_uppercase_header(tmp_path):
    cp1252 = write(
        tmp_path / "a.csv", HEADER + "\nC1;4137050;3156450;–\nC2;4137150;3156450;5\n", "cp1252"
    )
    assert b"\x96" in cp1252.read_bytes()
    bom = write(tmp_path / "b.csv", "\ufeff" + HEADER.upper() + "\nC3;4137250;3156450;9\n")
    result = read_zensus([cp1252, bom], tmp_path)
    assert result.files["encoding"].tolist() == ["cp1252", "utf-8"]
    assert result.loaded["symbol"].tolist() == ["–", None, None]
    assert result.loaded["population"].sum() == 14
    assert result.quarantine.empty


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zipped_download_reads_the_100m_grid_inside_its_folder(tmp_path):
    csv = (FIXTURES / POPULATION).read_bytes()
    coarse = b"GITTER_ID_1km;x_mp_1km;y_mp_1km;Einwohner\nK1;4137500;3156500;656\n"
    path = zipped(
        tmp_path / "Zensus2022_Bevoelkerungszahl.zip",
        {
            "Zensus2022_Bevoelkerungszahl/Zensus2022_Bevoelkerungszahl_1km-Gitter.csv": coarse,
            f"Zensus2022_Bevoelkerungszahl/{POPULATION}": csv,
            "Zensus2022_Bevoelkerungszahl/Datensatzbeschreibung.xlsx": b"PK",
        },
    )
    result = read_zensus([path], tmp_path)
    assert result.loaded["population"].tolist() == SAMPLE_POPULATION
    assert result.loaded["row_number"].tolist() == list(range(2, 13))
    assert located(result) == [("Zensus2022_Bevoelkerungszahl.zip", None, "unread_member")]
    assert "1km-Gitter.csv" in result.quarantine.iloc[0]["value"]
    assert counts(result) == [("Zensus2022_Bevoelkerungszahl.zip", 11, 11, 0)]


def test_broken_zips_are_refused_and_the_other_files_load(tmp_path):
    row = b"\nC1;4137050;3156450;3\n"
    two = zipped(
        tmp_path / "a.zip", {"a.csv": HEADER.encode() + row, "b.csv": HEADER.encode() + row}
    )
    none = zipped(tmp_path / "b.zip", {"liesmich.txt": b"nichts"})
    damaged = write(tmp_path / "c.zip", "kein zip")
    big = zipped(tmp_path / "d.zip", {POPULATION: (FIXTURES / POPULATION).read_bytes()})
    good = write(tmp_path / "e.csv", HEADER + "\nC9;4137050;3156450;8\n")
    result = read_zensus([two, none, damaged, big, good], tmp_path, max_mb=500 / 1_048_576)
    assert located(result) == [
        (f, None, "unreadable_file") for f in ["a.zip", "b.zip", "c.zip", "d.zip"]
    ]
    reasons = result.quarantine["reason"].tolist()
    assert "2 CSV-Dateien" in reasons[0] and "keine CSV-Datei" in reasons[1]
    assert "ZIP" in reasons[2] and "limits.max_file_mb" in reasons[3]
    assert result.loaded["population"].tolist() == [8]
    assert counts(result)[-1] == ("e.csv", 1, 1, 0)


def test_zip_bomb_below_the_size_limit_is_refused_by_its_packing_ratio(tmp_path):
    # 3 MB of one repeated row pack about 1000:1; a real grid CSV packs about 8:1
    rows = ("\nC1;4137050;3156450;3" * 150_000).encode()
    bomb = zipped(tmp_path / "z.zip", {POPULATION: HEADER.encode() + rows})
    good = write(tmp_path / "e.csv", HEADER + "\nC9;4137050;3156450;8\n")
    result = read_zensus([bomb, good], tmp_path, max_mb=10)
    assert located(result) == [("z.zip", None, "unreadable_file")]
    assert "Zip-Bombe" in result.quarantine["reason"][0]
    assert result.loaded["population"].tolist() == [8]
