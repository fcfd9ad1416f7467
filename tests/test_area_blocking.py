"""A refused area holds publishing; links in the statistics folders are reported (issue 15 items
6 and 10).

The `areas` asset carries its own blocking check `no_area_refused`: an area refused for where it
lies (or any other reason) must not end in a published file with that area silently missing.
"""

import json
import os

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from assets.ingest.assets import areas as areas_asset
from assets.ingest.assets import genesis_values, small_area_statistics, zensus_grid
from assets.resources import DataRoot, Warehouse
from tests.conftest import make_tiny_root, write


def _run(root, warehouse_dir, assets):
    return dg.materialize(
        assets,
        resources={
            "data_root": DataRoot(data_dir=str(root)),
            "warehouse": Warehouse(warehouse_dir=str(warehouse_dir)),
        },
        raise_on_error=False,
    )


def _quarantine(warehouse_dir, source):
    con = duckdb.connect(str(warehouse_dir / "internal.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT file, row_number, reason_code, reason FROM quarantine WHERE source = ? "
            "ORDER BY file",
            [source],
        ).fetchall()
    finally:
        con.close()


def test_an_area_refused_for_its_place_blocks_everything_downstream(tmp_path):
    root = make_tiny_root(tmp_path / "root")
    path = root / "areas" / "sozialraeume.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    ring = collection["features"][2]["geometry"]["coordinates"][0]
    for point in ring:
        point[0] += 200_000  # SR-C moved 200 km east, still inside Germany
    path.write_text(json.dumps(collection), encoding="utf-8")
    result = _run(root, tmp_path / "wh", [areas_asset, small_area_statistics])
    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert (evaluation.check_name, evaluation.passed) == ("no_area_refused", False)
    assert evaluation.metadata["areas_refused"].value == 1
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"areas"}  # the statistics (and so the publish step) never ran
    refused = _quarantine(tmp_path / "wh", "areas")
    assert [r[:3] for r in refused] == [("areas/sozialraeume.geojson", 3, "far_from_municipality")]


def test_clean_areas_pass_the_check(tmp_path):
    root = make_tiny_root(tmp_path / "root")
    result = _run(root, tmp_path / "wh", [areas_asset])
    assert result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert (evaluation.check_name, evaluation.passed) == ("no_area_refused", True)


def test_links_in_the_statistics_folders_are_reported_as_unexpected_files(tmp_path):
    root = make_tiny_root(tmp_path / "root")
    outside = write(tmp_path / "outside" / "fremd.csv", "Stichtag;Raum_ID;Merkmal;Wert\n")
    os.symlink(outside, root / "statistics" / "small_area" / "fremd.csv")
    os.symlink(outside, root / "statistics" / "lose.csv")  # directly in statistics/
    (root / "statistics" / "genesis").mkdir(exist_ok=True)
    os.symlink(outside, root / "statistics" / "genesis" / "fremd.csv")
    zensus = (root / "statistics" / "zensus").rename(tmp_path / "zensus")
    os.symlink(zensus, root / "statistics" / "zensus")  # a linked folder with real cells
    result = _run(root, tmp_path / "wh", [small_area_statistics, genesis_values, zensus_grid])
    assert result.success
    link = [(None, "unexpected_file")]
    for source, files in (
        ("small_area_statistics", ["statistics/lose.csv", "statistics/small_area/fremd.csv"]),
        ("genesis", ["statistics/genesis/fremd.csv"]),
        ("zensus", ["statistics/zensus"]),
    ):
        refused = [r for r in _quarantine(tmp_path / "wh", source) if r[2] == "unexpected_file"]
        assert [r[0] for r in refused] == files, source
        assert [r[1:3] for r in refused] == link * len(files)
        assert all("Verknüpfung (Link)" in r[3] for r in refused)
    con = duckdb.connect(str(tmp_path / "wh" / "internal.duckdb"), read_only=True)
    linked = con.execute("SELECT count(*) FROM zensus_grid").fetchone()[0]
    con.close()
    assert linked == 0  # nothing behind the linked folder was read


def test_the_areas_suite_fails_on_a_polygon_at_infinity():
    # what the old reader published for a GeoJSON without crs holding metres
    from checks.gx_runner import run_suite
    from checks.suites import areas_suite

    frame = pd.DataFrame(
        {
            "municipality_ags": ["05999000"] * 3,
            "area_id": ["A", "B", "C"],
            "area_name": ["a", "b", "c"],
            "district_name": ["d"] * 3,
            "area_km2": [1.0, np.nan, 5000.0],
            "geometry_wkt": [
                "POLYGON ((380000 5700000, 381000 5700000, 381000 5701000, 380000 5700000))",
                "POLYGON ((Infinity Infinity, Infinity Infinity, Infinity Infinity))",
                "POLYGON ((0 0, 70711 0, 70711 70711, 0 0))",
            ],
        }
    ).astype({"geometry_wkt": "category", "area_id": "category"})
    failed = {
        o.expectation.split("(")[0]: o.unexpected_count
        for o in run_suite(frame, "areas_suite", areas_suite())
        if not o.success
    }
    assert failed == {
        "expect_column_values_to_not_match_regex": 1,
        "expect_column_values_to_not_be_null": 1,
        "expect_column_values_to_be_between": 1,  # 5000 km² is no Sozialraum
    }
