"""The code location loads with its job, schedule, sensor and checks; the sensor reacts to files."""

import datetime as dt
import json
import os
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.definitions import defs
from pipelines.jobs import RANGE_END_TAG, RANGE_START_TAG
from pipelines.resources import DataRoot
from pipelines.sensors import landing_files_sensor
from tests.conftest import write


def test_definitions_load_with_job_schedule_sensor_and_checks():
    repo = defs.get_repository_def()
    assert repo.has_job("refresh")
    schedule = defs.get_schedule_def("monthly_refresh")
    assert schedule.execution_timezone == "Europe/Berlin"
    assert schedule.cron_schedule == "0 6 5 * *"
    assert defs.get_sensor_def("landing_files_sensor")
    graph = repo.asset_graph
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "areas",
        "small_area_statistics",
        "genesis_values",
        "zensus_grid",
        "indicator_catalog",
        "indicator_values",
        "published_warehouse",
    } <= keys
    checks = {k.name for k in graph.asset_check_keys}
    assert "population_matches_control_totals" in checks
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, f"{key} has no description"
        assert node.group_name in {"ingest", "indicators", "supply", "controlling", "publish"}


def test_schedule_requests_the_month_that_just_closed():
    schedule = defs.get_schedule_def("monthly_refresh")
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 11, 5, 6, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    )
    requests = list(schedule.evaluate_tick(context).run_requests)
    assert [r.partition_key for r in requests] == ["2026-10-01"]


def test_sensor_records_baseline_then_runs_only_the_months_of_a_changed_file(tiny_root):
    resources = {"data_root": DataRoot(data_dir=str(tiny_root))}
    with dg.build_sensor_context(definitions=defs, resources=resources) as context:
        first = landing_files_sensor(context)
        assert isinstance(first, dg.SkipReason)
        cursor = json.loads(context.cursor)
        assert "statistics/small_area/ba_2024.csv" in cursor
    with dg.build_sensor_context(
        definitions=defs, resources=resources, cursor=context.cursor
    ) as context:
        assert isinstance(landing_files_sensor(context), dg.SkipReason)
        write(
            tiny_root / "statistics" / "small_area" / "ba_2025.csv",
            "Stichtag;Raum_ID;Merkmal;Wert\n2025-02-28;SR-A;ALO;20\n2025-03-31;SR-A;ALO;21\n",
        )
        request = landing_files_sensor(context)
        assert isinstance(request, dg.RunRequest)
        assert request.tags[RANGE_START_TAG] == "2025-02-01"
        assert request.tags[RANGE_END_TAG] == "2025-03-01"
        # the same state again does not trigger a second run
        again = landing_files_sensor(context)
        assert isinstance(again, dg.SkipReason)


def test_sensor_reruns_all_months_when_areas_change(tiny_root):
    resources = {"data_root": DataRoot(data_dir=str(tiny_root))}
    with dg.build_sensor_context(definitions=defs, resources=resources) as context:
        landing_files_sensor(context)
        areas = tiny_root / "areas" / "sozialraeume.geojson"
        os.utime(areas, ns=(0, areas.stat().st_mtime_ns + 10**9))
        request = landing_files_sensor(context)
        assert request.tags[RANGE_START_TAG] == "2023-12-01"
        assert request.tags[RANGE_END_TAG] == "2024-06-01"


def test_sensor_runs_only_the_month_of_a_new_provider_report(tiny_root):
    resources = {"data_root": DataRoot(data_dir=str(tiny_root))}
    with dg.build_sensor_context(definitions=defs, resources=resources) as context:
        landing_files_sensor(context)
        write(tiny_root / "providers" / "TR-01" / "reports" / "2025-09.csv", "Massnahme_ID\n")
        request = landing_files_sensor(context)
        assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (
            "2025-09-01",
            "2025-09-01",
        )
