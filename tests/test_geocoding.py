"""Facilities by address: the house-coordinates layouts, the normalised exact match and what a
provider is told when an address is not found (`assets/ingest/geocoding.py`)."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer

from assets.ingest.areas import read_areas
from assets.ingest.geocoding import (
    geocode,
    normalise_street,
    parse_addresses,
    read_house_coordinates,
)
from assets.ingest.providers import discover, read_facilities
from assets.settings import DEFAULTS
from tests.conftest import write, write_areas_geojson

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hauskoordinaten"
HK_DE = FIXTURES / "hk_de_05999000.txt"  # the SPEC §6.1 sample (synthetic)
GEBREF = FIXTURES / "gebref.txt"  # hand-made, SPEC §6.2 layout, 21 fields
TO_WGS84 = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
FACILITY_HEADER = (
    "Einrichtung_ID;Name;Angebotstyp;Adresse;Lon;Lat;Kapazitaet;Gueltig_ab;Gueltig_bis"
)


def placed(addresses: list[str], paths: list[Path], **limit) -> pd.DataFrame:
    result = geocode(pd.Series(addresses), read_house_coordinates(paths, **limit))
    return pd.DataFrame(
        {"lon": result.lon, "lat": result.lat, "code": result.code, "reason": result.reason}
    )


@pytest.mark.parametrize(
    "spellings, expected",
    [
        (["Hauptstr.", "Hauptstraße", "HAUPTSTRASSE", "Hauptstr"], "hauptstrasse"),
        (["Große Straße", "Grosse Str.", "große  straße", "Große-Straße"], "grossestrasse"),
        (["Am Kirchpl.", "Am Kirchplatz"], "amkirchplatz"),
        (["Müllerweg", "Muellerweg"], "muellerweg"),
    ],
)
def test_spellings_of_a_street_are_one(spellings, expected):
    assert normalise_street(pd.Series(spellings)).tolist() == [expected] * len(spellings)


def test_an_address_reads_as_street_number_suffix_postcode_place():
    parts = parse_addresses(
        pd.Series(["Hauptstr. 12a", "Hauptstraße 12 a", "Straße des 17. Juni 5, 59901 Musterstadt"])
    )
    assert parts.iloc[0].tolist() == ["hauptstrasse", "12", "a", "", ""]
    assert parts.iloc[1].tolist() == parts.iloc[0].tolist()
    assert parts.iloc[2].tolist() == ["strassedes17juni", "5", "", "59901", "musterstadt"]


def test_a_house_number_range_is_not_read_as_one_number():
    result = placed(["Marktstraße 1-3"], [HK_DE])
    assert result.loc[0, "code"] == "address_unreadable"
    assert "Bereich" in result.loc[0, "reason"]


@pytest.mark.parametrize("path", [HK_DE, GEBREF], ids=["hk_de", "gebref"])
def test_a_matched_address_gets_its_house_coordinate_in_wgs84(path):
    # the files: Marktstraße 1 at East 32384512,310 (zone 32 prefixed in HK-DE) / 384512.310
    # (zone in its own field, decimal point in gebref), North 5704388,020; Marktstraße 3a at
    # 384530.870 / 5704379.550 (decimal comma in both)
    result = placed(["Marktstr. 1", "marktstrasse 3 A, 59901 Musterstadt"], [path])
    lon_1, lat_1 = TO_WGS84.transform(384512.310, 5704388.020)
    lon_3, lat_3 = TO_WGS84.transform(384530.870, 5704379.550)
    assert result["code"].isna().all()
    assert result["lon"].tolist() == pytest.approx(
        [lon_1, lon_3], abs=5e-8
    )  # rounded to 7 decimals (1 cm)
    assert result["lat"].tolist() == pytest.approx(
        [lat_1, lat_3], abs=5e-8
    )  # rounded to 7 decimals (1 cm)
    assert 7.0 < lon_1 < 7.5 and 51.3 < lat_1 < 51.6  # Westphalia, not swapped axes


def test_an_unmatched_address_names_the_nearest_numbers_of_its_street():
    result = placed(["Marktstraße 2", "Schillerstraße 46"], [HK_DE])
    assert result["code"].tolist() == ["address_not_found"] * 2
    assert result["lon"].isna().all()
    assert "ähnliche Adressen: Marktstraße 1, Marktstraße 3a;" in result.loc[0, "reason"]
    assert "ähnliche Adressen: Schillerstraße 45, Schillerstraße 47b;" in result.loc[1, "reason"]


def test_a_misspelt_street_names_similar_streets_and_is_not_placed():
    result = placed(["Schilerstraße 45"], [HK_DE])
    assert result.loc[0, "code"] == "address_not_found"
    assert "Schillerstraße 45" in result.loc[0, "reason"]
    assert result.loc[0, ["lon", "lat"]].isna().all()


def test_postcode_and_place_must_agree_with_the_file():
    result = placed(["Marktstraße 1, 59999 Musterstadt", "Marktstraße 1, Anderswo"], [HK_DE])
    assert result["code"].tolist() == ["address_not_found"] * 2


def test_cadastre_internal_numbers_are_never_matched():
    """`Am Vogelsang 7` has quality C (katasterinterne Hausnummer) in both files."""
    assert placed(["Am Vogelsang 7"], [HK_DE, GEBREF]).loc[0, "code"] == "address_not_found"


def test_the_same_address_in_two_places_is_ambiguous_without_postcode(tmp_path):
    line = ";DENW1;A;05;9;99;{g};0001;00412;1;;32384512,310;5704388,020;Marktstraße;{plz};{ort};;"
    other = write(
        tmp_path / "hk.txt",
        "\n".join(
            [
                line.format(g="000", plz="59901", ort="Musterstadt"),
                line.format(g="001", plz="59911", ort="Nachbarort"),
            ]
        ),
    )
    result = placed(["Marktstraße 1", "Marktstraße 1, 59911 Nachbarort"], [other])
    assert result.loc[0, "code"] == "address_ambiguous"
    assert (
        "(2 Treffer: Marktstraße 1 in 59901 Musterstadt, Marktstraße 1 in 59911 Nachbarort)"
        in result.loc[0, "reason"]
        and pd.isna(result.loc[0, "lon"])
    )
    assert pd.isna(result.loc[1, "code"]) and result.loc[1, "lon"] == pytest.approx(
        TO_WGS84.transform(384512.310, 5704388.020)[0], abs=5e-8
    )


def test_without_a_readable_house_coordinates_file_nothing_is_placed(tmp_path):
    broken = write(tmp_path / "hk.txt", "a;b;c\n")
    assert placed(["Marktstraße 1"], [])["code"].tolist() == ["no_house_coordinates"]
    result = placed(["Marktstraße 1"], [broken])
    assert result.loc[0, "code"] == "no_house_coordinates"
    assert "hk.txt: 3 Felder je Zeile" in result.loc[0, "reason"]


@pytest.fixture
def polygons(tmp_path) -> gpd.GeoDataFrame:
    path = tmp_path / "areas" / "a.geojson"
    write_areas_geojson(path, ["SR-A", "SR-B"])  # x 380000-382000, y 5700000-5701000 (UTM 32N)
    return read_areas([path], tmp_path)[1]


def house_file(root: Path) -> Path:
    """Weg 1 in SR-A, Weg 2b in SR-B, Weg 9 outside both areas (HK-DE, East with zone prefix)."""
    line = ";DENW{n};A;05;9;99;000;0001;00001;{hnr};{adz};32{x},000;{y},000;Weg;59901;Musterstadt;;"
    rows = [("1", "", 380500, 5700500), ("2", "b", 381500, 5700600), ("9", "", 390000, 5710000)]
    text = "\n".join(
        line.format(n=i, hnr=h, adz=a, x=x, y=y) for i, (h, a, x, y) in enumerate(rows)
    )
    return write(root / "geodata" / "hauskoordinaten" / "hk.txt", text + "\n")


def facilities(root: Path, polygons, lines: list[str], house_files: list[Path]):
    write(root / "providers" / "TR-01" / "facilities.csv", "\n".join([FACILITY_HEADER, *lines]))
    return read_facilities(discover(root).of_kind("facilities"), root, polygons, house_files)


def test_facilities_without_coordinates_are_placed_by_address(tmp_path, polygons):
    lines = [
        "E-1;Kita A;kita;Weg 1;7,2;51,5;40;2020-01-01;",  # own coordinates, outside on purpose
        "E-2;Treff B;seniorentreff;Weg 2 b, 59901 Musterstadt;;;;2021-01-01;",
        "E-3;Kita C;kita;Weg 3;;;40;2020-01-01;",
        "E-4;Kita D;kita;Weg 9;;;40;2020-01-01;",
        "E-5;Kita E;kita;Weg 1;;51,5;40;2020-01-01;",
    ]
    result = facilities(tmp_path, polygons, lines, [house_file(tmp_path)])
    loaded = result.loaded.set_index("facility_id")
    assert list(loaded.index) == ["E-2"]
    lon, lat = TO_WGS84.transform(381500.0, 5700600.0)
    assert loaded.loc["E-2", ["lon", "lat"]].tolist() == pytest.approx(
        [lon, lat], abs=5e-8
    )  # rounded to 7 decimals (1 cm)
    assert loaded.loc["E-2", "area_id"] == "SR-B"
    found = result.quarantine.set_index("row_number")
    # E-1 keeps its own Lon/Lat although Weg 1 is in the file: it lies in no area
    assert found.loc[2, ["column", "reason_code"]].tolist() == ["Lon/Lat", "outside_municipality"]
    assert found.loc[4, ["column", "value", "reason_code"]].tolist() == [
        "Adresse",
        "Weg 3",
        "address_not_found",
    ]
    assert "ähnliche Adressen: Weg 2b, Weg 1, Weg 9" in found.loc[4, "reason"]
    assert found.loc[5, ["column", "reason_code"]].tolist() == ["Adresse", "outside_municipality"]
    assert found.loc[5, "reason"].startswith("Adresse liegt laut Hauskoordinaten in keinem")
    assert found.loc[6, ["column", "reason_code"]].tolist() == ["Lon", "invalid_number"]


def test_facilities_without_coordinates_and_house_file_are_quarantined(tmp_path, polygons):
    lines = ["E-1;Kita A;kita;Weg 1;;;40;2020-01-01;"]
    result = facilities(tmp_path, polygons, lines, [])
    assert result.loaded.empty
    assert result.quarantine["reason_code"].tolist() == ["no_house_coordinates"]
    assert "Hauskoordinaten-Datei" in result.quarantine["reason"].iloc[0]


def sparse(path: Path, megabytes: float) -> Path:
    """A file of that size without writing it (a hole: no disk, nothing to read but zeros)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(int(megabytes * 1_048_576))
    return path


def test_a_house_file_above_the_size_limit_is_not_read_and_named(tmp_path):
    big = sparse(tmp_path / "geodata" / "hauskoordinaten" / "gebref.txt", 2.5)
    result = placed(["Marktstraße 1", "Marktstraße 2"], [big, HK_DE], max_mb=2)
    # HK_DE still places Marktstraße 1; the reason for Marktstraße 2 names the file left out
    assert pd.isna(result.loc[0, "code"]) and result.loc[1, "code"] == "address_not_found"
    assert (
        "(nicht gelesen: geodata/hauskoordinaten/gebref.txt: Datei mit 2.5 MB größer als die "
        "erlaubten 2 MB (limits.max_file_mb in planning/settings.yaml); nicht gelesen)"
    ) in result.loc[1, "reason"]


def test_facilities_by_address_are_quarantined_when_the_only_house_file_is_too_large(
    tmp_path, polygons
):
    # one MB above the default limit: read, it would take several times that in memory
    limit = DEFAULTS["limits"]["max_file_mb"]
    big = sparse(tmp_path / "geodata" / "hauskoordinaten" / "hk.txt", limit + 1)
    lines = ["E-1;Kita A;kita;Weg 1;;;40;2020-01-01;", "E-2;Kita B;kita;Weg 2;7,2;51,5;40;;"]
    result = facilities(tmp_path, polygons, lines, [big])
    entry = result.quarantine.set_index("row_number").loc[2]
    assert entry[["column", "value", "reason_code"]].tolist() == [
        "Adresse",
        "Weg 1",
        "no_house_coordinates",
    ]
    assert entry["reason"] == (
        "Lon/Lat fehlen und keine Hauskoordinaten-Datei konnte gelesen werden "
        f"(geodata/hauskoordinaten/hk.txt: Datei mit {limit + 1:.1f} MB größer als die "
        f"erlaubten {limit} MB (limits.max_file_mb in planning/settings.yaml); nicht gelesen); "
        "bitte Lon/Lat angeben"
    )
