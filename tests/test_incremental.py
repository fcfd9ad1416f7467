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
from assets.resources import DataRoot, Warehouse
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


def test_population_facilities_and_planning_run_from_their_month_to_the_last(tiny_root):
    """The tiny root's statistics cover 2023-12 and 2024-06 (population and one BA month)."""
    assert months_to_refresh(tiny_root, []) == []
    assert months_to_refresh(tiny_root, ["surveys/needs/a.csv"]) == []
    # a corrected population Stichtag is every later month's denominator
    population = months_to_refresh(tiny_root, ["statistics/small_area/bevoelkerung_2023.csv"])
    assert population == ["2023-12", "2024-06"]
    assert months_to_refresh(tiny_root, ["planning/goals.yaml"]) == ["2023-12", "2024-06"]
    # a facility's capacity is a measure's capacity in every month the facility was open
    assert months_to_refresh(tiny_root, ["providers/TR-01/facilities.csv"]) == population


YEAR_2024 = [f"2024-{m:02d}" for m in range(1, 13)]  # the months of a data root covering 2024
REPORT_HEADER = (
    "Massnahme_ID;Berichtsmonat;Raum_ID;Teilnehmende;davon_Zielgruppe;Neuzugaenge;Stunden;"
    "Kosten_EUR\n"
)


def report(root: Path, month: str, *measures: str, participants: int = 20) -> str:
    """Write TR-01's report of `month` with one row per measure; its path below the root."""
    rel = f"providers/TR-01/reports/{month}.csv"
    rows = "".join(f"{m};{month};SR-A;{participants};10;3;40;100\n" for m in measures)
    write(root / rel, REPORT_HEADER + rows)
    return rel


def test_a_corrected_report_runs_its_month_and_the_two_rolling_months_after_it(tmp_path):
    report(tmp_path, "2024-04", "M-1")
    old = (tmp_path / report(tmp_path, "2024-05", "M-1")).read_bytes()
    rel = report(tmp_path, "2024-05", "M-1", participants=25)
    previous = {rel: old}.get
    # 2024-05 itself, and the rolling 3-month views of 2024-06 (04-06) and 2024-07 (05-07),
    # which include 2024-05; 2024-08 (06-08) does not
    assert months_to_refresh(tmp_path, [rel], previous, YEAR_2024) == [
        "2024-05",
        "2024-06",
        "2024-07",
    ]
    # near the end of the data root the rolling months stop at its last month: 11, 12 (not 13)
    report(tmp_path, "2024-10", "M-1")
    late = report(tmp_path, "2024-11", "M-1")
    assert months_to_refresh(tmp_path, [late], None, YEAR_2024) == ["2024-11", "2024-12"]
    # a report after the data root's last month runs just its own month
    assert months_to_refresh(tmp_path, [late], None, YEAR_2024[:6]) == ["2024-11"]


def test_a_report_that_may_move_a_measures_first_month_runs_every_month(tmp_path):
    """A measure is expected from its first reported month on: months without its report get a
    `missing` row from then, so that month moving changes rows in months far from the file."""
    report(tmp_path, "2024-04", "M-1")
    old = (tmp_path / report(tmp_path, "2024-05", "M-1")).read_bytes()
    # M-2 reports for the first time (no earlier report names it)
    rel = report(tmp_path, "2024-05", "M-1", "M-2")
    assert months_to_refresh(tmp_path, [rel], {rel: old}.get, YEAR_2024) == YEAR_2024
    # M-2 had its first report in 2024-05 and the correction drops it again
    with_m2 = (tmp_path / rel).read_bytes()
    report(tmp_path, "2024-05", "M-1")
    assert months_to_refresh(tmp_path, [rel], {rel: with_m2}.get, YEAR_2024) == YEAR_2024
    # a deleted report whose content the archive does not know
    (tmp_path / rel).unlink()
    assert months_to_refresh(tmp_path, [rel], None, YEAR_2024) == YEAR_2024
    # the same file deleted, its archived content known: its month and the rolling months
    assert months_to_refresh(tmp_path, [rel], {rel: old}.get, YEAR_2024) == [
        "2024-05",
        "2024-06",
        "2024-07",
    ]


def test_a_survey_runs_the_months_of_its_quarters_and_the_rolling_months_after(tmp_path):
    rel = "providers/TR-01/surveys/befragung.csv"
    header = "Massnahme_ID;Befragungsdatum;Frage_ID;Antwort\n"
    write(
        tmp_path / rel, header + "M-1;15.02.2024;F1;2\nM-1;2024-03-31;F2;1\nM-1;kein Datum;F3;1\n"
    )
    # Q1 2024 (Jan-Mar), and April and May, whose rolling window (Mar-May) reaches into Q1;
    # the row without a date is rejected and concerns no month
    quarter_1 = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert months_to_refresh(tmp_path, [rel], None, YEAR_2024) == quarter_1
    # a date corrected from Q1 to Q3: both quarters; Q3's rolling months are cut at 2024-10
    old = (tmp_path / rel).read_bytes()
    write(tmp_path / rel, header + "M-1;15.08.2024;F1;2\n")
    both = months_to_refresh(tmp_path, [rel], {rel: old}.get, YEAR_2024[:10])
    assert both == [*quarter_1, "2024-07", "2024-08", "2024-09", "2024-10"]
    # a survey that cannot be read (no Befragungsdatum column): every month
    write(tmp_path / rel, "Massnahme_ID;Datum;Frage_ID;Antwort\nM-1;15.08.2024;F1;2\n")
    assert months_to_refresh(tmp_path, [rel], None, YEAR_2024) == YEAR_2024


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
