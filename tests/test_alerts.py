"""Run failures reach alerts.log and the configured hook."""

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg

from assets.resources import DataRoot, Warehouse
from pipelines.alerts import (
    ALERT_COMMAND_ENV,
    ALERTS_LOG,
    alert_line,
    raise_alert,
    refresh_failure_alert,
)
from pipelines.definitions import defs
from pipelines.jobs import REFRESH_JOB_NAME
from pipelines.rebuild import rebuild
from pipelines.run import refresh
from tests.conftest import make_tiny_root, write

REPO = Path(__file__).resolve().parent.parent


def test_failure_is_logged_and_handed_to_the_hook(tmp_path):
    when = dt.datetime(2026, 11, 5, 6, 0, 3)
    line = alert_line("abc123", "refresh", "Check failed: population\nTraceback ...", when)
    assert line == "2026-11-05 06:00:03 UTC\trefresh\tabc123\tCheck failed: population"
    hook_out = tmp_path / "hook.txt"
    raise_alert(line, tmp_path / "wh", f"sh -c 'cat > {hook_out}'")
    raise_alert(line, tmp_path / "wh", None)
    assert (tmp_path / "wh" / "alerts.log").read_text().splitlines() == [line, line]
    assert hook_out.read_text() == line + "\n"


def test_a_failed_refresh_run_is_written_to_alerts_log_and_handed_to_the_hook(
    tmp_path, monkeypatch
):
    """A real refresh run (its GENESIS step only) fails on a data root whose settings file is not
    YAML; the failure sensor, evaluated for that run's failure event, writes the line and calls
    the hook."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    broken_root = tmp_path / "root"
    (broken_root / "planning").mkdir(parents=True)
    (broken_root / "planning" / "settings.yaml").write_text("limits: [", encoding="utf-8")
    warehouse_dir = tmp_path / "wh"
    hook_out = tmp_path / "hook.txt"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(ALERT_COMMAND_ENV, f"sh -c 'cat > {hook_out}'")

    job = defs.resolve_job_def(REFRESH_JOB_NAME).get_subset(
        asset_selection={dg.AssetKey("genesis_values")}
    )
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            resources={
                "data_root": DataRoot(data_dir=str(broken_root)),
                "warehouse": Warehouse(warehouse_dir=str(warehouse_dir)),
            },
        )
        assert not result.success
        run = instance.get_run_by_id(result.run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE
        failures = instance.get_records_for_run(
            result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE
        ).records
        assert len(failures) == 1
        context = dg.build_run_status_sensor_context(
            sensor_name=refresh_failure_alert.name,
            dagster_event=failures[0].event_log_entry.dagster_event,
            dagster_instance=instance,
            dagster_run=run,
            resources={"warehouse": Warehouse(warehouse_dir=str(warehouse_dir))},
        ).for_run_failure()
        refresh_failure_alert(context)

    lines = (warehouse_dir / ALERTS_LOG).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    _, job_name, run_id, message = lines[0].split("\t")
    assert (job_name, run_id) == (REFRESH_JOB_NAME, result.run_id)
    assert "genesis_values" in message  # the failed step is named
    assert hook_out.read_text(encoding="utf-8") == lines[0] + "\n"


def alert_env(tmp_path, monkeypatch) -> Path:
    """A Dagster home and a test alert command that appends what it receives to `hook.txt`."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    hook_out = tmp_path / "hook.txt"
    monkeypatch.setenv(ALERT_COMMAND_ENV, f"sh -c 'cat >> {hook_out}'")
    return hook_out


def test_a_failed_make_run_without_daemon_alerts_once_and_the_daemon_adds_nothing(
    tmp_path, monkeypatch
):
    """`make run`'s refresh (no daemon, as under cron) on a root whose settings file is not
    YAML: the run fails, one line in alerts.log, one call of the alert command; the failure
    sensor, evaluated afterwards for the same run as a running daemon would, adds none."""
    hook_out = alert_env(tmp_path, monkeypatch)
    root = make_tiny_root(tmp_path / "root")
    write(root / "planning" / "settings.yaml", "limits: [")
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 1

    lines = (warehouse.path / ALERTS_LOG).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    _, job_name, run_id, message = lines[0].split("\t")
    assert job_name == REFRESH_JOB_NAME and "settings.yaml" in message
    assert hook_out.read_text(encoding="utf-8") == lines[0] + "\n"
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE
        [failure] = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.RUN_FAILURE
        ).records
        context = dg.build_run_status_sensor_context(
            sensor_name=refresh_failure_alert.name,
            dagster_event=failure.event_log_entry.dagster_event,
            dagster_instance=instance,
            dagster_run=run,
            resources={"warehouse": warehouse},
        ).for_run_failure()
        refresh_failure_alert(context)
    assert (warehouse.path / ALERTS_LOG).read_text(encoding="utf-8").splitlines() == lines
    assert hook_out.read_text(encoding="utf-8") == lines[0] + "\n"


def test_a_refresh_that_cannot_start_alerts_too(tmp_path, monkeypatch):
    """No months in the data root: `make run` stops before a run; still one alert line."""
    hook_out = alert_env(tmp_path, monkeypatch)
    root = tmp_path / "root"
    (root / "statistics" / "small_area").mkdir(parents=True)
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 1
    [line] = (warehouse.path / ALERTS_LOG).read_text(encoding="utf-8").splitlines()
    assert line.split("\t")[2] == "-" and "Keine Monate" in line
    assert hook_out.read_text(encoding="utf-8") == line + "\n"


def test_the_same_run_is_alerted_once_a_broken_command_does_not_stop_the_log(tmp_path):
    when = dt.datetime(2026, 11, 5, 6, 0, 3)
    first = alert_line("run-1", "refresh", "Schritt fehlgeschlagen", when)
    assert raise_alert(first, tmp_path, None, run_id="run-1")
    assert not raise_alert(first, tmp_path, None, run_id="run-1")
    other = alert_line("run-2", "refresh", "x" * 10_000, when)
    assert len(other) < 400  # one bounded line, however long the error
    assert raise_alert(other, tmp_path, "/nonexistent/alert-command", run_id="run-2")
    assert (tmp_path / ALERTS_LOG).read_text(encoding="utf-8").splitlines() == [first, other]


def test_a_rebuild_that_cannot_start_alerts_too(tmp_path, monkeypatch):
    """`make rebuild` without an archive: refused, with its alert line."""
    hook_out = alert_env(tmp_path, monkeypatch)
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    assert rebuild(warehouse) == 1
    [line] = (warehouse.path / ALERTS_LOG).read_text(encoding="utf-8").splitlines()
    assert line.split("\t")[2] == "-" and "Kein Archiv" in line
    assert hook_out.read_text(encoding="utf-8") == line + "\n"
