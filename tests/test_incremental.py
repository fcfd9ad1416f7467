"""Incremental refresh (`make update` = `python -m pipelines.run --changed`): what runs, and that
it gives the tables of a full refresh."""

import os
from pathlib import Path

import dagster as dg
import pytest

from assets.ingest.archive import (
    archive_landing_files,
    changed_since_refresh,
    mark_refreshed,
    refreshed_state,
    save_state,
)
from assets.ingest.assets import landing_archive
from bench.new_month import hold_back, let_land
from pipelines.definitions import defs
from pipelines.incremental import (
    BASE_TAG,
    PLAN_TAG,
    assets_to_refresh,
    complete_refresh,
    months_to_refresh,
    source_assets,
)
from pipelines.resources import DataRoot, Warehouse
from tests.checksums import table_checksums
from tests.conftest import generate_root, run_pipeline, write

GRAPH = defs.resolve_asset_graph()


def names(keys) -> set[str]:
    return {key.to_user_string() for key in keys}


def test_a_new_report_runs_the_controlling_chain_and_publish_but_no_other_source():
    selected = names(assets_to_refresh(["providers/TR-01/reports/2026-10.csv"], GRAPH))
    assert {"landing_archive", "provider_files", "measure_reports", "measure_kpis"} <= selected
    assert {"kpi_status", "provider_feedback", "published_warehouse", "area_profiles"} <= selected
    assert not selected & {
        "areas",
        "small_area_statistics",
        "indicator_values",
        "facilities",
        "needs_survey_responses",
        "satisfaction_responses",
        "supply",
        "social_index",
    }


def test_each_landing_folder_maps_to_the_asset_that_reads_it():
    assert source_assets(
        [
            "statistics/small_area/ba_2026.csv",
            "statistics/genesis/12411.csv",
            "statistics/zensus/grid.csv",
            "surveys/needs/2025.csv",
            "providers/TR-02/facilities.xlsx",
            "providers/TR-02/surveys/2026-Q3.csv",
            "providers/TR-02/notes.txt",
        ]
    ) == {
        "small_area_statistics",
        "genesis_values",
        "zensus_grid",
        "needs_survey_responses",
        "facilities",
        "satisfaction_responses",
        "provider_files",
    }


@pytest.mark.parametrize(
    "path", ["areas/sozialraeume.geojson", "planning/goals.yaml", "statistics/readme.txt"]
)
def test_areas_planning_and_unknown_places_run_everything(path):
    assert assets_to_refresh(["providers/TR-01/reports/2026-10.csv", path], GRAPH) is None


def test_months_run_from_the_earliest_touched_month_to_the_last(tiny_root):
    """The tiny root's statistics cover 2023-12 … 2024-06."""
    assert months_to_refresh(tiny_root, []) == []
    assert months_to_refresh(tiny_root, ["surveys/needs/a.csv"]) == []
    report = months_to_refresh(tiny_root, ["providers/TR-01/reports/2024-05.csv"])
    assert (report[0], report[-1]) == ("2024-05", "2024-06")
    # a corrected population Stichtag is every later month's denominator
    population = months_to_refresh(tiny_root, ["statistics/small_area/bevoelkerung_2023.csv"])
    assert (population[0], population[-1]) == ("2023-12", "2024-06")
    survey = months_to_refresh(tiny_root, ["providers/TR-01/surveys/2024-Q1.csv"])
    assert (survey[0], survey[-1]) == ("2023-12", "2024-06")


def test_only_the_months_of_rows_that_differ_from_the_last_run_count(tiny_root):
    rel = "statistics/small_area/ba_2025.csv"
    before = (
        b"Stichtag;Raum_ID;Merkmal;Wert\n"
        b"31.01.2025;SR-A;ALO;20\n28.02.2025;SR-A;ALO;21\n31.03.2025;SR-A;ALO;22\n"
    )
    write(tiny_root / rel, (before + b"30.04.2025;SR-A;ALO;23\n").decode())
    previous = {rel: before}.get
    # without the previous content, every month of the file counts
    assert months_to_refresh(tiny_root, [rel])[:1] == ["2025-01"]
    assert months_to_refresh(tiny_root, [rel], previous) == ["2025-04"]
    # a corrected value of an earlier month: from that month to the last
    write(
        tiny_root / rel,
        (before.replace(b"ALO;21", b"ALO;19") + b"30.04.2025;SR-A;ALO;23\n").decode(),
    )
    assert months_to_refresh(tiny_root, [rel], previous) == ["2025-02", "2025-03", "2025-04"]
    # the same rows in another order change nothing
    lines = before.split(b"\n")
    write(tiny_root / rel, b"\n".join([lines[0], *reversed(lines[1:])]).decode())
    assert months_to_refresh(tiny_root, [rel], previous) == []


def test_changes_are_counted_from_the_last_completed_run(tmp_path, tiny_root):
    archive = tmp_path / "archive"
    assert changed_since_refresh(tiny_root, archive, "v1") is None  # nothing to compare with
    archive_landing_files(tiny_root, archive)
    assert mark_refreshed(archive, "v1", save_state(archive))
    assert changed_since_refresh(tiny_root, archive, "v1") == []
    assert changed_since_refresh(tiny_root, archive, "v2") is None  # another code version

    write(tiny_root / "providers" / "TR-09" / "reports" / "2024-06.csv", "Massnahme_ID\n")
    population = tiny_root / "statistics" / "small_area" / "bevoelkerung_2023.csv"
    population.write_bytes(population.read_bytes() + b"2023-12-31;SR-B;EW_65P;101\n")
    os.remove(tiny_root / "statistics" / "small_area" / "ba_2024.csv")
    # a run that archived the change but failed: `current.json` moved on, the refresh state not
    archive_landing_files(tiny_root, archive)
    assert changed_since_refresh(tiny_root, archive, "v1") == [
        "providers/TR-09/reports/2024-06.csv",
        "statistics/small_area/ba_2024.csv",
        "statistics/small_area/bevoelkerung_2023.csv",
    ]


@pytest.mark.slow  # three refreshes of a generated root
def test_a_new_month_refreshed_incrementally_equals_a_full_refresh(tmp_path):
    root = generate_root(
        tmp_path / "root", municipalities=2, areas=12, population=40000, providers=3, months=6
    )
    run_pipeline(root, tmp_path / "full", tmp_path)

    held = hold_back(root, "2026-10", tmp_path / "stash")
    assert held["statistics_rows"] > 0 and held["report_files"] > 0
    run_pipeline(root, tmp_path / "incremental", tmp_path)
    let_land(root, tmp_path / "stash")
    out = run_pipeline(root, tmp_path / "incremental", tmp_path, argv=["--changed"])
    assert f"{1 + held['report_files']} neue oder geänderte Dateien" in out

    assert table_checksums(tmp_path / "incremental" / "sozialplanung.duckdb") == table_checksums(
        tmp_path / "full" / "sozialplanung.duckdb"
    )
    # the sources whose files did not change were not run again
    last_assets = _materialized_assets(tmp_path / "dagster_home")
    assert "needs_survey_responses" not in last_assets and "areas" not in last_assets
    assert {"small_area_statistics", "measure_reports", "published_warehouse"} <= last_assets
    # a month between two population Stichtage leaves supply and the index as they were
    assert _recomputed(tmp_path / "dagster_home") == {
        "supply": False,
        "social_index": False,
        "allocation": False,
    }
    # and nothing changed since: nothing runs
    again = run_pipeline(root, tmp_path / "incremental", tmp_path, argv=["--changed"])
    assert "Keine neuen oder geänderten Dateien" in again


def _materialized_assets(home: Path) -> set[str]:
    """Asset keys materialized by the instance's most recent run."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        run = instance.get_runs(limit=1)[0]
        records = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
        return {r.event_log_entry.dagster_event.asset_key.to_user_string() for r in records}


def test_only_a_planned_run_from_the_current_base_moves_the_base(tmp_path, tiny_root):
    """`complete_refresh` on real runs of the archive asset in an ephemeral instance."""
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    archive = warehouse.path / "archive"
    resources = {"data_root": DataRoot(data_dir=str(tiny_root)), "warehouse": warehouse}
    instance = dg.DagsterInstance.ephemeral()

    def run(tags):
        result = dg.materialize(
            [landing_archive], resources=resources, instance=instance, tags=tags
        )
        return complete_refresh(instance, result.dagster_run, archive)

    assert not run({})  # not planned (the UI, the schedule): the base stays
    assert refreshed_state(archive) is None
    assert run({PLAN_TAG: "full"})
    first = refreshed_state(archive)
    write(tiny_root / "surveys" / "needs" / "neu.csv", "Befragung_ID\n")
    assert not run({PLAN_TAG: "changes", BASE_TAG: "another-base"})
    assert refreshed_state(archive) == first
    assert run({PLAN_TAG: "changes", BASE_TAG: first})
    assert refreshed_state(archive) not in (None, first)


def _recomputed(home: Path) -> dict[str, bool]:
    """The `recomputed` metadata of the latest materializations of the skippable assets."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return {
            name: instance.get_latest_materialization_event(dg.AssetKey(name))
            .asset_materialization.metadata["recomputed"]
            .value
            for name in ("supply", "social_index", "allocation")
        }
