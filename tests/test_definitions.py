"""The code location loads with its job, schedule, sensor and checks; the sensor reacts to files."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from assets.fingerprint import code_fingerprint
from assets.ingest.archive import archive_landing_files, mark_refreshed, save_state
from assets.resources import DataRoot, Warehouse
from pipelines.definitions import LocationSettings, build_definitions, defs
from pipelines.jobs import RANGE_END_TAG, RANGE_START_TAG
from pipelines.sensors import landing_files_sensor
from tests.conftest import REPO, write, write_areas_geojson


def test_definitions_load_with_job_schedule_sensor_and_checks():
    repo = defs.get_repository_def()
    assert repo.has_job("refresh")
    schedule = defs.get_schedule_def("monthly_refresh")
    assert schedule.execution_timezone == "Europe/Berlin"
    assert schedule.cron_schedule == "0 6 5 * *"
    # the sensors run as soon as the daemon does (a late provider file starts a run); the
    # schedule waits to be switched on where the monthly refresh runs
    for name in ["landing_files_sensor", "refresh_completed", "refresh_failure_alert"]:
        assert defs.get_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING, name
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
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


def _completed_refresh(root, warehouse_dir) -> dict:
    """Sensor resources for `root` whose warehouse has a completed refresh of its current files."""
    archive = warehouse_dir / "archive"
    archive_landing_files(root, archive)
    assert mark_refreshed(archive, code_fingerprint(), save_state(archive))
    return {
        "data_root": DataRoot(data_dir=str(root)),
        "warehouse": Warehouse(warehouse_dir=str(warehouse_dir)),
    }


def _selected(request: dg.RunRequest) -> set[str] | None:
    if request.asset_selection is None:
        return None
    return {key.to_user_string() for key in request.asset_selection}


def test_sensor_waits_for_a_first_completed_refresh(tiny_root, tmp_path):
    resources = {
        "data_root": DataRoot(data_dir=str(tiny_root)),
        "warehouse": Warehouse(warehouse_dir=str(tmp_path / "wh")),
    }
    with dg.build_sensor_context(definitions=defs, resources=resources) as context:
        assert "make run" in landing_files_sensor(context).skip_message


def test_sensor_runs_only_the_months_and_assets_of_a_changed_file(tiny_root, tmp_path):
    resources = _completed_refresh(tiny_root, tmp_path / "wh")
    with dg.build_sensor_context(definitions=defs, resources=resources) as context:
        assert isinstance(landing_files_sensor(context), dg.SkipReason)
        write(
            tiny_root / "statistics" / "small_area" / "ba_2025.csv",
            "Stichtag;Raum_ID;Merkmal;Wert\n2025-02-28;SR-A;ALO;20\n2025-03-31;SR-A;ALO;21\n",
        )
        request = landing_files_sensor(context)
        assert isinstance(request, dg.RunRequest)
        assert request.tags[RANGE_START_TAG] == "2025-02-01"
        assert request.tags[RANGE_END_TAG] == "2025-03-01"
        selected = _selected(request)
        assert {"small_area_statistics", "indicator_values", "published_warehouse"} <= selected
        assert not selected & {"areas", "facilities", "needs_survey_responses", "zensus_grid"}
        # the same changes again: the same run key, so Dagster does not start a second run
        assert landing_files_sensor(context).run_key == request.run_key


def test_sensor_reruns_everything_when_areas_change(tiny_root, tmp_path):
    resources = _completed_refresh(tiny_root, tmp_path / "wh")
    with dg.build_sensor_context(definitions=defs, resources=resources) as context:
        areas = tiny_root / "areas" / "sozialraeume.geojson"
        areas.write_text(areas.read_text().replace("Gebiet SR-A", "Gebiet A"))
        request = landing_files_sensor(context)
        assert _selected(request) is None
        assert request.tags[RANGE_START_TAG] == "2023-12-01"
        assert request.tags[RANGE_END_TAG] == "2024-06-01"


REPORT_HEADER = (
    "Massnahme_ID;Berichtsmonat;Raum_ID;Teilnehmende;davon_Zielgruppe;Neuzugaenge;Stunden;"
    "Kosten_EUR\n"
)


def _bounds(request: dg.RunRequest) -> tuple[str, str]:
    return request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]


def test_sensor_runs_only_the_months_a_new_provider_report_affects(tiny_root, tmp_path):
    """The tiny root's months run to 2024-06; TR-01 reported M-1 for January before the base."""
    reports = tiny_root / "providers" / "TR-01" / "reports"
    write(reports / "2024-01.csv", REPORT_HEADER + "M-1;2024-01;SR-A;20;10;3;40;100\n")
    resources = _completed_refresh(tiny_root, tmp_path / "wh")
    with dg.build_sensor_context(definitions=defs, resources=resources) as context:
        write(reports / "2024-02.csv", REPORT_HEADER + "M-1;2024-02;SR-A;21;10;3;40;100\n")
        request = landing_files_sensor(context)
        # February, and the rolling 3-month views of March (Jan-Mar) and April (Feb-Apr);
        # not May or June, although they lie before the root's last month
        assert _bounds(request) == ("2024-02-01", "2024-04-01")
        assert "measure_reports" in _selected(request)
        assert "small_area_statistics" not in _selected(request)
        # a report after the root's last month: that month alone
        write(reports / "2025-09.csv", REPORT_HEADER)
        (reports / "2024-02.csv").unlink()
        assert _bounds(landing_files_sensor(context)) == ("2025-09-01", "2025-09-01")


def test_sensor_runs_the_months_of_a_new_surveys_quarter(tiny_root, tmp_path):
    resources = _completed_refresh(tiny_root, tmp_path / "wh")
    with dg.build_sensor_context(definitions=defs, resources=resources) as context:
        write(
            tiny_root / "providers" / "TR-01" / "surveys" / "2024-Q1.csv",
            "Massnahme_ID;Befragungsdatum;Frage_ID;Antwort\nM-1;2024-02-15;F1;2\n",
        )
        request = landing_files_sensor(context)
        # Q1 (Jan-Mar) and April and May, whose rolling windows reach into March
        assert _bounds(request) == ("2024-01-01", "2024-05-01")
        assert {"satisfaction_responses", "measure_kpis", "kpi_status"} <= _selected(request)
        assert "measure_reports" not in _selected(request)


ENV_VARS = [
    "SOZIALPLANUNG_DATA_DIR",
    "SOZIALPLANUNG_WAREHOUSE_DIR",
    "SOZIALPLANUNG_PARTITIONS",
    "SOZIALPLANUNG_FIRST_MONTH",
    "SOZIALPLANUNG_EXECUTOR",
]


def test_settings_from_the_environment_keep_the_variables_and_their_defaults(tmp_path, monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    defaults = LocationSettings.from_env()
    assert defaults == LocationSettings(
        data_dir=str(REPO / "data" / "sample"), warehouse_dir=str(REPO / "data" / "warehouse")
    )
    assert (defaults.partitions, defaults.executor) == ("month", "in_process")
    monkeypatch.setenv("SOZIALPLANUNG_DATA_DIR", str(tmp_path / "root"))
    monkeypatch.setenv("SOZIALPLANUNG_WAREHOUSE_DIR", str(tmp_path / "wh"))
    monkeypatch.setenv("SOZIALPLANUNG_EXECUTOR", "multiprocess")
    settings = LocationSettings.from_env()
    # set variables stay variables: the resources read them when a run starts (UI: from env)
    assert isinstance(settings.data_dir, dg.EnvVar)
    assert settings.data_dir.env_var_name == "SOZIALPLANUNG_DATA_DIR"
    assert isinstance(settings.warehouse_dir, dg.EnvVar)
    assert settings.data_path == tmp_path / "root"
    assert settings.executor == "multiprocess"
    monkeypatch.setenv("SOZIALPLANUNG_EXECUTOR", "threads")
    with pytest.raises(ValueError, match="SOZIALPLANUNG_EXECUTOR must be in_process or multi"):
        build_definitions(LocationSettings.from_env())


def test_definitions_built_for_a_root_materialize_into_their_warehouse(tiny_root, tmp_path):
    """No environment variable: the definitions' own resources point at the test's folders."""
    location = build_definitions(
        LocationSettings(data_dir=str(tiny_root), warehouse_dir=str(tmp_path / "wh"))
    )
    assert location.resources["data_root"].path == tiny_root.resolve()
    job = location.resolve_job_def("refresh").get_subset(
        asset_selection={dg.AssetKey("landing_archive")}
    )
    with dg.DagsterInstance.ephemeral() as instance:
        assert job.execute_in_process(instance=instance).success
    con = duckdb.connect(str(tmp_path / "wh" / "internal.duckdb"), read_only=True)
    try:
        archived = con.execute("SELECT path FROM archive WHERE current ORDER BY path").fetchall()
    finally:
        con.close()
    assert [path for (path,) in archived] == sorted(
        p.relative_to(tiny_root).as_posix() for p in tiny_root.rglob("*") if p.is_file()
    )


# --- partitions from the data root's first month ----------------------------------------------


def _root_from_march_2024(root):
    """Areas, a Bundesagentur file for April 2024 and TR-01's reports for March (three areas)
    and April (two areas): the root's first month is March 2024, from a report."""
    write_areas_geojson(root / "areas" / "sozialraeume.geojson")
    write(
        root / "statistics" / "small_area" / "ba_2024.csv",
        "Stichtag;Raum_ID;Merkmal;Wert\n2024-04-30;SR-A;ALO;20\n2024-04-30;SR-B;ALO;21\n",
    )
    reports = root / "providers" / "TR-01" / "reports"
    write(
        reports / "2024-03.csv",
        REPORT_HEADER
        + "M-1;2024-03;SR-A;20;10;3;40;100\n"
        + "M-1;2024-03;SR-B;12;6;1;20;50\n"
        + "M-1;2024-03;SR-C;8;4;1;10;30\n",
    )
    write(
        reports / "2024-04.csv",
        REPORT_HEADER + "M-1;2024-04;SR-A;21;10;2;40;100\nM-1;2024-04;SR-B;13;6;1;20;50\n",
    )
    return root


def _last_closed_month() -> str:
    today = dt.datetime.now(ZoneInfo("Europe/Berlin")).date()
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m-01")


def _partitions(settings: LocationSettings) -> dg.PartitionsDefinition:
    return build_definitions(settings).resolve_job_def("refresh").partitions_def


def test_partitions_start_at_the_first_month_of_the_data_root(tmp_path):
    root = _root_from_march_2024(tmp_path / "root")
    keys = _partitions(LocationSettings(str(root), str(tmp_path / "wh"))).get_partition_keys()
    assert keys[:2] == ["2024-03-01", "2024-04-01"]
    assert keys[-1] == _last_closed_month()
    # an earlier Stichtag moves the start when the location is built again
    write(
        root / "statistics" / "small_area" / "alt.csv",
        "Stichtag;Raum_ID;Merkmal;Wert\n31.10.2023;SR-A;ALO;19\n",
    )
    settings = LocationSettings(str(root), str(tmp_path / "wh"))
    assert _partitions(settings).get_first_partition_key() == "2023-10-01"


def test_the_statistics_first_month_is_kept_in_the_warehouse_until_a_file_changes(tmp_path):
    """A state's statistics take seconds to read, and every run worker and step process loads
    the location: the earliest Stichtag is kept with the files' identities."""
    root = _root_from_march_2024(tmp_path / "root")
    (tmp_path / "wh").mkdir()
    settings = LocationSettings(str(root), str(tmp_path / "wh"))
    assert _partitions(settings).get_first_partition_key() == "2024-03-01"
    kept = tmp_path / "wh" / "partition_start.json"
    saved = json.loads(kept.read_text())
    assert saved["first_month"] == "2024-04"  # the statistics' own; the report's is March
    # a kept month is used as long as the files are the same (here: planted, to be seen)
    kept.write_text(json.dumps({**saved, "first_month": "2020-02"}))
    assert _partitions(settings).get_first_partition_key() == "2020-02-01"
    write(
        root / "statistics" / "small_area" / "ba_2024.csv",
        "Stichtag;Raum_ID;Merkmal;Wert\n2024-05-31;SR-A;ALO;20\n",
    )
    assert _partitions(settings).get_first_partition_key() == "2024-03-01"
    assert json.loads(kept.read_text())["first_month"] == "2024-05"


def test_a_root_without_months_has_the_month_that_has_just_closed(tmp_path):
    (tmp_path / "root" / "areas").mkdir(parents=True)
    settings = LocationSettings(str(tmp_path / "root"), str(tmp_path / "wh"))
    assert _partitions(settings).get_partition_keys() == [_last_closed_month()]


def test_a_configured_first_month_wins(tmp_path, monkeypatch):
    root = _root_from_march_2024(tmp_path / "root")
    settings = LocationSettings(str(root), str(tmp_path / "wh"), first_month="2024-04")
    assert _partitions(settings).get_first_partition_key() == "2024-04-01"
    monkeypatch.setenv("SOZIALPLANUNG_FIRST_MONTH", "2022-01")
    assert LocationSettings.from_env().first_month == "2022-01"
    earlier = LocationSettings(str(root), str(tmp_path / "wh"), first_month="2022-01")
    assert _partitions(earlier).get_partition_keys()[:2] == ["2022-01-01", "2022-02-01"]
    for wrong, message in [("2024-13", "muss ein Monat JJJJ-MM sein"), ("2999-01", "liegt nach")]:
        with pytest.raises(ValueError, match=message):
            _partitions(LocationSettings(str(root), str(tmp_path / "wh"), first_month=wrong))


def test_each_partition_of_a_range_run_has_its_own_row_count_and_preview(tmp_path):
    """One run over March and April 2024 (single-run backfill): March's materialization counts
    March's three report rows and shows only them, April's its two."""
    root = _root_from_march_2024(tmp_path / "root")
    location = build_definitions(LocationSettings(str(root), str(tmp_path / "wh")))
    selection = {dg.AssetKey("areas"), dg.AssetKey("measure_reports")}
    # without the Great Expectations suites (most of a minute here); `areas` declares its own
    own = {dg.AssetCheckKey(dg.AssetKey("areas"), "no_area_refused")}
    job = location.resolve_job_def("refresh").get_subset(
        asset_selection=selection, asset_check_selection=own
    )
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            tags={RANGE_START_TAG: "2024-03-01", RANGE_END_TAG: "2024-04-01"},
        )
        assert result.success
    events = {
        m.partition: m.metadata
        for m in result.asset_materializations_for_node("measure_reports")
        if m.asset_key == dg.AssetKey("measure_reports")
    }
    assert {key: meta["dagster/row_count"].value for key, meta in events.items()} == {
        "2024-03-01": 3,
        "2024-04-01": 2,
    }
    march, april = events["2024-03-01"]["preview"].value, events["2024-04-01"]["preview"].value
    assert "2024-03" in march and "2024-04" not in march
    assert "2024-04" in april and "2024-03" not in april
    assert march.count("| TR-01") == 3
    columns = {
        c.name: c.description for c in events["2024-03-01"]["dagster/column_schema"].value.columns
    }
    assert "Berichtsmonat" in columns["month"]


def test_monthly_assets_declare_column_descriptions_from_the_registry(tmp_path):
    graph = build_definitions(
        LocationSettings(str(_root_from_march_2024(tmp_path / "root")), str(tmp_path / "wh"))
    ).resolve_asset_graph()
    for asset, column, text in [
        ("indicator_values", "reference_date", "Stichtag"),
        ("measure_reports", "participants", "Teilnehmende"),
        ("kpi_status", "traffic_light", "Ampel"),
    ]:
        schema = graph.get(dg.AssetKey(asset)).metadata["dagster/column_schema"]
        described = {c.name: c.description for c in schema.columns}
        assert text in (described[column] or ""), (asset, column)


def test_sensor_waits_for_a_reload_when_a_delivery_moves_the_start(tmp_path, monkeypatch):
    monkeypatch.delenv("SOZIALPLANUNG_FIRST_MONTH", raising=False)
    root = _root_from_march_2024(tmp_path / "root")
    location = build_definitions(LocationSettings(str(root), str(tmp_path / "wh")))
    resources = _completed_refresh(root, tmp_path / "wh")
    reports = root / "providers" / "TR-01" / "reports"
    write(reports / "2024-01.csv", REPORT_HEADER + "M-1;2024-01;SR-A;20;10;3;40;100\n")
    with dg.build_sensor_context(definitions=location, resources=resources) as context:
        skipped = landing_files_sensor(context)
        assert "beginnen jetzt 2024-01, die Partitionen 2024-03" in skipped.skip_message
    reloaded = build_definitions(LocationSettings(str(root), str(tmp_path / "wh")))
    with dg.build_sensor_context(definitions=reloaded, resources=resources) as context:
        # January moves M-1's first reported month: every month up to the root's last, April
        assert _bounds(landing_files_sensor(context)) == ("2024-01-01", "2024-04-01")
    # a configured start stays where it is: the earlier report is reported, not waited for
    monkeypatch.setenv("SOZIALPLANUNG_FIRST_MONTH", "2024-03")
    with dg.build_sensor_context(definitions=location, resources=resources) as context:
        assert _bounds(landing_files_sensor(context)) == ("2024-03-01", "2024-04-01")
