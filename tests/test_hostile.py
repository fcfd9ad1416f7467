"""Hostile deliveries through the real pipeline: links, formula cells.

The readers' own hostile cases (zip bomb, 2 GB file, SQL metacharacters, links below
`statistics/` and `providers/`) are in test_bad_input_corpus.py; here the whole path from the
landing folder to what people open is run.
"""

import csv
import json
import os
import re

import dagster as dg
import duckdb
import pytest
from openpyxl import load_workbook

from assets.ingest.assets import areas as areas_asset
from assets.resources import DataRoot, Warehouse
from assets.settings import SettingsError, load_settings
from pipelines.definitions import defs
from pipelines.jobs import REFRESH_JOB_NAME, range_tags
from tests.conftest import make_tiny_root, write, write_areas_geojson

# --- links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("linked", ["file", "dangling file", "folder"])
def test_settings_yaml_behind_a_link_is_refused_naming_the_file(tmp_path, linked):
    write(tmp_path / "outside" / "settings.yaml", "limits:\n  max_file_mb: 100000\n")
    planning = tmp_path / "root" / "planning"
    if linked == "folder":
        planning.parent.mkdir()
        planning.symlink_to(tmp_path / "outside", target_is_directory=True)
    else:
        planning.mkdir(parents=True)
        target = "settings.yaml" if linked == "file" else "gone.yaml"
        (planning / "settings.yaml").symlink_to(tmp_path / "outside" / target)
    with pytest.raises(SettingsError, match=r"planning/settings\.yaml: .*Verknüpfung \(Link\)"):
        DataRoot(data_dir=str(tmp_path / "root")).settings()


def test_a_regular_settings_file_still_loads(tmp_path):
    path = write(tmp_path / "planning" / "settings.yaml", "limits:\n  max_file_mb: 5\n")
    assert load_settings(path)["limits"]["max_file_mb"] == 5


def test_the_areas_asset_reports_a_link_and_loads_the_real_files(tmp_path):
    write_areas_geojson(tmp_path / "outside" / "fremd.geojson", ["SR-X"])
    root = tmp_path / "root"
    write_areas_geojson(root / "areas" / "sozialraeume.geojson", ["SR-A", "SR-B"])
    os.symlink(tmp_path / "outside" / "fremd.geojson", root / "areas" / "fremd.geojson")
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    result = dg.materialize(
        [areas_asset], resources={"data_root": DataRoot(data_dir=str(root)), "warehouse": warehouse}
    )
    assert result.success
    con = duckdb.connect(str(warehouse.internal_path), read_only=True)
    refused = con.execute("SELECT file, row_number, reason_code FROM quarantine").fetchall()
    loaded = con.execute("SELECT area_id FROM areas ORDER BY area_id").fetchall()
    con.close()
    assert refused == [("areas/fremd.geojson", None, "unexpected_file")]
    assert loaded == [("SR-A",), ("SR-B",)]


# --- formula cells -------------------------------------------------------------------------------

# Texts Excel or LibreOffice would run as a formula; one per dangerous first character.
AREA_NAMES = {"SR-A": "=1+2", "SR-B": "+1+2", "SR-C": "-1+2", "SR-D": "@SUMME(1)"}
FACILITY_NAMES = ["=2+3", "+2+3", "-2+3", "@ANZAHL(2)"]
REPORT_VALUES = ["=3+4", "+3+4", "-3+4", "@WERT(3)"]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """A full refresh of the tiny root with formula-like area names and provider values."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    root = make_tiny_root(tmp_path / "root")
    areas = root / "areas" / "sozialraeume.geojson"
    collection = json.loads(areas.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        props = feature["properties"]
        props["area_name"] = AREA_NAMES.get(props["area_id"], props["area_name"])
    areas.write_text(json.dumps(collection), encoding="utf-8")
    provider = root / "providers" / "TR-01"
    # 380500/5700500 in EPSG:25832 is about 7,2865 / 51,4446: inside SR-A
    facilities = [
        f"E-{i};{name};kita;Weg {i};7,2865;51,4446;40;2020-01-01;"
        for i, name in enumerate(FACILITY_NAMES, start=1)
    ]
    write(
        provider / "facilities.csv",
        "\n".join(
            [
                "Einrichtung_ID;Name;Angebotstyp;Adresse;Lon;Lat;Kapazitaet;Gueltig_ab;Gueltig_bis",
                *facilities,
            ]
        )
        + "\n",
    )
    report = [f"M-1;2024-06;SR-A;{value};10;3;40;100" for value in REPORT_VALUES]
    write(
        provider / "reports" / "2024-06.csv",
        "\n".join(
            [
                "Massnahme_ID;Berichtsmonat;Raum_ID;Teilnehmende;davon_Zielgruppe;Neuzugaenge;"
                "Stunden;Kosten_EUR",
                "M-1;2024-06;SR-B;20;10;3;40;100",
                *report,
            ]
        )
        + "\n",
    )
    warehouse = tmp_path / "wh"
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def(REFRESH_JOB_NAME).execute_in_process(
            instance=instance,
            tags=range_tags("2023-12-01", "2024-06-01"),
            resources={
                "data_root": DataRoot(data_dir=str(root)),
                "warehouse": Warehouse(warehouse_dir=str(warehouse)),
            },
            raise_on_error=False,
        )
    assert result.success
    return warehouse


def xlsx_cells(path) -> list:
    workbook = load_workbook(path)  # not read-only: every cell with its data type
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    workbook.close()
    return cells


def assert_neutralised(texts: list[str], values: list) -> None:
    """Every dangerous text is there, as text behind an apostrophe and never bare."""
    for text in texts:
        assert "'" + text in values, text
        assert text not in values, text


def test_formula_like_names_are_plain_text_in_the_exported_workbook(hostile_run):
    cells = xlsx_cells(hostile_run / "sozialplanung.xlsx")
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert_neutralised(list(AREA_NAMES.values()), values)  # sheet "Sozialräume"
    assert_neutralised(FACILITY_NAMES, values)  # sheet "Einrichtungen", the providers' names


def test_formula_like_provider_values_are_plain_text_in_the_feedback_files(hostile_run):
    folder = hostile_run / "feedback" / "TR-01"
    cells = xlsx_cells(folder / "2024-06.xlsx")
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert_neutralised(REPORT_VALUES, [c.value for c in cells])
    with (folder / "2024-06.csv").open(encoding="utf-8-sig", newline="") as handle:
        fields = [field for row in csv.reader(handle, delimiter=";") for field in row]
    assert_neutralised(REPORT_VALUES, fields)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("disclosure: {min_count: 1}", "disclosure.min_count muss mindestens 2 sein"),
        ("disclosure: {min_count: '3) OR true --'}", "disclosure.min_count muss eine Zahl sein"),
        ("disclosure: {min_survey_n: 2.5}", "disclosure.min_survey_n muss eine ganze Zahl sein"),
        ("disclosure: 3", "disclosure erwartet eine Zuordnung"),
        ("supply: {target_groups: {kita: EW_U3}}", "supply.target_groups.kita erwartet eine Liste"),
        ("limits: {max_file_mb: -1}", "limits.max_file_mb muss mindestens 0 sein"),
        ("supply: {gap_min_share_within: 60}", "supply.gap_min_share_within darf höchstens 1"),
    ],
)
def test_settings_of_the_wrong_type_or_below_their_minimum_are_refused(tmp_path, body, message):
    """Numbers enter SQL and switch methods off: a string, or a min_count of 1 (no primary
    suppression at all), is an error naming the setting, never used."""
    path = write(tmp_path / "planning" / "settings.yaml", body + "\n")
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(path)


def test_an_open_mapping_in_settings_adds_to_its_defaults(tmp_path):
    path = write(
        tmp_path / "planning" / "settings.yaml",
        "supply: {walking_distance_m: {kita: 300, spielplatz: 400}}\n",
    )
    distances = load_settings(path)["supply"]["walking_distance_m"]
    assert distances == {
        "kita": 300,
        "familienzentrum": 1000,
        "jugendzentrum": 1000,
        "seniorentreff": 800,
        "spielplatz": 400,
    }
