"""Run failures reach alerts.log and the configured hook."""

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg

from pipelines.alerts import (
    ALERT_COMMAND_ENV,
    ALERTS_LOG,
    alert_line,
    raise_alert,
    refresh_failure_alert,
)
from pipelines.definitions import defs
from pipelines.jobs import REFRESH_JOB_NAME
from pipelines.resources import WAREHOUSE_DIR_ENV, DataRoot, Warehouse

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
    monkeypatch.setenv(WAREHOUSE_DIR_ENV, str(warehouse_dir))
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
        ).for_run_failure()
        refresh_failure_alert(context)

    lines = (warehouse_dir / ALERTS_LOG).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    _, job_name, run_id, message = lines[0].split("\t")
    assert (job_name, run_id) == (REFRESH_JOB_NAME, result.run_id)
    assert "genesis_values" in message  # the failed step is named
    assert hook_out.read_text(encoding="utf-8") == lines[0] + "\n"
