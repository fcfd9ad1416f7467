"""The delivery-format registry (`assets/ingest/formats.py`): one declaration per format, read by
the ingest and by the incremental planner alike."""

import re
from collections import defaultdict
from pathlib import Path

import pytest

from assets.ingest import month_impacts
from assets.ingest.archive import WATCHED, landing_paths
from assets.ingest.areas import area_files
from assets.ingest.formats import BY_NAME, CSV, FORMATS, Format, asset_files, format_of
from assets.ingest.month_impacts import Impact
from assets.ingest.providers import discover
from assets.resources import DataRoot
from pipelines.incremental import months_to_refresh, source_assets
from pipelines.landing import recipe_files, statistics_files

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"

# one file of each row of the input contract (docs/inputs.md) and the format it is
CONTRACT = {
    "areas/sozialraeume.geojson": "areas",
    "areas/gemeinde.gpkg": "areas",
    "areas/alt.json": "areas",
    "statistics/small_area/bevoelkerung_2024.csv": "small_area_statistics",
    "statistics/genesis/12411-0015.csv": "genesis",
    "statistics/zensus/gitter.csv": "zensus",
    "providers/TR-01/facilities.csv": "facilities",
    "providers/TR-01/facilities.xlsx": "facilities",
    "providers/TR-01/reports/2025-03.csv": "report",
    "providers/TR-01/reports/2025-03.xlsx": "report",
    "providers/TR-01/surveys/2025-Q1.csv": "survey",
    "surveys/needs/bedarf_2025.csv": "needs_survey",
    "geodata/hauskoordinaten/hk.txt": "house_coordinates",
    "geodata/hauskoordinaten/gebref.txt": "house_coordinates",
    "geodata/hauskoordinaten/hk_de_05999000.CSV": "house_coordinates",
    "planning/goals.yaml": "planning",
    "planning/settings.yaml": "planning",
}


@pytest.mark.parametrize("rel, name", CONTRACT.items())
def test_every_file_of_the_input_contract_is_exactly_one_format(rel, name):
    holding = [f.name for f in FORMATS if f.holds(rel) and not f.fallback]
    assert holding == [name]
    assert format_of(rel).name == name


def test_every_watched_landing_folder_has_a_format_and_names_are_unique():
    assert {f.folder.split("/")[0] for f in FORMATS} == set(WATCHED)
    assert len(BY_NAME) == len(FORMATS)


@pytest.mark.parametrize(
    "rel, name",
    [
        ("statistics/small_area/ba.CSV", "small_area_statistics"),
        ("areas/GEMEINDE.GPKG", "areas"),
        ("providers/TR-01/FACILITIES.XLSX", "facilities"),
        ("providers/TR-01/reports/2025-12.CSV", "report"),
        # outside the pattern: read by nothing, reported by the providers' inventory
        ("providers/TR-01/reports/2025-13.csv", "unexpected_provider_file"),
        ("providers/TR-01/surveys/2025-Q1.xlsx", "unexpected_provider_file"),
        ("providers/TR-01/notes.txt", "unexpected_provider_file"),
        ("providers/TR-01/reports/old/2025-03.csv", "unexpected_provider_file"),
        # unknown: a change to it runs everything
        ("providers/readme.txt", None),
        ("statistics/small_area/ba.xlsx", None),
        ("statistics/small_area/2025/ba.csv", None),
        ("statistics/readme.txt", None),
        ("surveys/needs.csv", None),
        ("planning/notes.md", None),
        ("geodata/hauskoordinaten/gebref_schluessel.txt", None),  # keys, no coordinates
        ("geodata/hauskoordinaten/alt/hk.txt", None),
    ],
)
def test_format_of_representative_paths(rel, name):
    found = format_of(rel)
    assert (found.name if found else None) == name


def test_a_report_names_its_month():
    assert BY_NAME["report"].period("providers/TR-01/reports/2025-03.xlsx") == "2025-03"
    assert BY_NAME["facilities"].period("providers/TR-01/facilities.csv") is None


def test_the_ingest_reads_the_files_the_registry_assigns_to_its_asset():
    """For the sample root: the files each source asset lists are the landing files whose
    format names that asset, and the planner selects exactly these assets for them."""
    by_asset: dict[str, set[str]] = defaultdict(set)
    rels = landing_paths(SAMPLE)
    for rel in rels:
        fmt = format_of(rel)
        assert fmt is not None, rel  # the sample holds no unknown file
        if fmt.asset is not None:
            by_asset[fmt.asset].add(rel)

    def rel_set(paths):
        return {p.relative_to(SAMPLE).as_posix() for p in paths}

    root = DataRoot(data_dir=str(SAMPLE))
    inventory = discover(SAMPLE)
    read = {
        "areas": rel_set(area_files(SAMPLE)),
        "small_area_statistics": rel_set(statistics_files(SAMPLE)),
        "genesis_values": rel_set(asset_files("genesis_values", root.files)),
        "zensus_grid": rel_set(asset_files("zensus_grid", root.files)),
        "needs_survey_responses": rel_set(asset_files("needs_survey_responses", root.files)),
    }
    for kind in ("facilities", "report", "survey"):
        files = inventory.of_kind(kind) + [f for f, _ in inventory.superseded if f.kind == kind]
        read[BY_NAME[kind].asset] = {f.rel for f in files}
    read["facilities"] |= rel_set(BY_NAME["house_coordinates"].files(root.files))
    # the recipes that tell the readers how to read them
    read["areas"] |= rel_set((SAMPLE / "areas" / "recipes").glob("*.yaml"))
    read["small_area_statistics"] |= rel_set(recipe_files(SAMPLE))
    assert {a: files for a, files in by_asset.items() if a != "provider_files"} == read
    assert all(read.values())  # the sample has files of every format that an asset reads
    assert source_assets([r for r in rels if not r.startswith(("areas/", "planning/"))]) == {
        *read.keys() - {"areas"},
        "provider_files",
    }


def test_a_format_declared_in_a_registry_is_planned_without_other_changes(tmp_path):
    recipes = Format(
        "recipes",
        "statistics/recipes",
        re.compile(r".*\.json"),
        asset="recipe_values",
        months=lambda change: Impact(frozenset({"2024-05"})),
    )
    registry = (*FORMATS, recipes)
    rel = "statistics/recipes/kita.json"
    assert source_assets([rel]) is None  # unknown to the shipped registry: everything runs
    assert source_assets([rel], registry) == {"recipe_values"}
    months = ["2024-04", "2024-05", "2024-06"]
    assert months_to_refresh(tmp_path, [rel], None, months, formats=registry) == ["2024-05"]
    assert months_to_refresh(tmp_path, [rel], None, months) == months


def test_the_rolling_window_constant_sets_the_months_a_report_touches(tmp_path, monkeypatch):
    """A measure reported the month before: its report touches its month and the rolling ones."""
    header = "Massnahme_ID;Berichtsmonat;Raum_ID;Teilnehmende;davon_Zielgruppe;Neuzugaenge;Stunden;Kosten_EUR\n"
    for month in ("2024-02", "2024-03"):
        path = tmp_path / "providers" / "TR-01" / "reports" / f"{month}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + f"M-1;{month};SR-A;20;10;3;40;100\n")
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    rel = "providers/TR-01/reports/2024-03.csv"
    assert months_to_refresh(tmp_path, [rel], None, months) == ["2024-03", "2024-04", "2024-05"]
    monkeypatch.setattr(month_impacts, "ROLLING_WINDOW_MONTHS", 2)
    assert months_to_refresh(tmp_path, [rel], None, months) == ["2024-03", "2024-04"]


def test_a_changed_house_coordinates_file_refreshes_facilities_in_every_month(tmp_path):
    rel = "geodata/hauskoordinaten/hk.txt"
    assert source_assets([rel]) == {"facilities"}
    months = ["2024-04", "2024-05"]
    assert months_to_refresh(tmp_path, [rel], None, months) == months


def test_the_facilities_asset_keeps_house_coordinates_and_facility_lists_apart(tmp_path):
    """It lists house coordinates by their format and facility lists by the provider inventory:
    neither file is read as the other."""
    for rel in ["geodata/hauskoordinaten/hk.txt", "providers/TR-01/facilities.csv"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    root = DataRoot(data_dir=str(tmp_path))
    houses = BY_NAME["house_coordinates"].files(root.files)
    assert [p.relative_to(tmp_path).as_posix() for p in houses] == [
        "geodata/hauskoordinaten/hk.txt"
    ]
    assert [f.rel for f in discover(tmp_path).of_kind("facilities")] == [
        "providers/TR-01/facilities.csv"
    ]


def test_the_readers_use_the_patterns_they_always_had():
    assert CSV.fullmatch("a.csv") and CSV.fullmatch("a.CSV") and not CSV.fullmatch("a.Csv")
    assert not BY_NAME["report"].holds("providers/TR-01/reports/2025-00.csv")


def test_every_declared_asset_is_an_ingest_asset():
    from assets.ingest.assets import INGEST_ASSETS, PROVIDER_ASSETS

    keys = {a.key.to_user_string() for a in [*INGEST_ASSETS, *PROVIDER_ASSETS]}
    declared = {f.asset for f in FORMATS} | {f.inventory for f in FORMATS}
    assert declared - {None} <= keys


def test_an_asset_reads_the_files_of_every_format_declared_for_it(tmp_path):
    for rel in ["statistics/small_area/a.csv", "statistics/small_area/b.xlsx", "x/c.csv"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    xlsx = Format(
        "statistics_xlsx",
        "statistics/small_area",
        re.compile(r".*\.xlsx"),
        asset="small_area_statistics",
        months=month_impacts.every_month,
    )
    root = DataRoot(data_dir=str(tmp_path))
    names = [p.name for p in asset_files("small_area_statistics", root.files)]
    assert names == ["a.csv"]
    with_xlsx = asset_files("small_area_statistics", root.files, (*FORMATS, xlsx))
    assert [p.name for p in with_xlsx] == ["a.csv", "b.xlsx"]
