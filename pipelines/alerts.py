"""Failed refreshes made visible outside the UI: a line in `alerts.log`, and an optional hook.

Every failed refresh alerts, however it was started: `make run`, `make update` and `make rebuild`
alert themselves (`pipelines/run.py`, also when no daemon runs, as under cron; a refresh that
cannot even start a run alerts with run id `-`), and `refresh_failure_alert` alerts the runs the
daemon sees fail (sensor and schedule runs, assets materialized from the UI). Each run is
alerted once: the line names the run id, and a run id already in `alerts.log` is not written
again (Dagster's run-failure sensors skip runs executed in-process, like `make run`'s, today; the
check keeps a run from being alerted twice should both ever see it).

`SOZIALPLANUNG_ALERT_COMMAND`, when set, is a command (split like a shell would, but run without a
shell) that receives the alert line on stdin, e.g. `mail -s "Sozialplanung" team@example.org` or a
script that posts to the team's chat. The pipeline itself never opens network connections.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from assets.resources import Warehouse
from pipelines.jobs import REFRESH_JOB_NAME

ALERT_COMMAND_ENV = "SOZIALPLANUNG_ALERT_COMMAND"
ALERTS_LOG = "alerts.log"
NO_RUN = "-"  # the run id of a refresh that failed before it started a run
MAX_MESSAGE = 300  # characters of the error in a line: an error may quote a whole file
CHECK_FAILED = "DagsterAssetCheckFailedError"  # the step error of a failed blocking check


def alert_line(run_id: str, job_name: str, message: str, when: dt.datetime) -> str:
    """One line per failure: time (UTC), job, run id and the first line of the error (cut)."""
    lines = (message or "").strip().splitlines()
    first = lines[0].replace("\t", " ") if lines else "unbekannter Fehler"
    if len(first) > MAX_MESSAGE:
        first = first[: MAX_MESSAGE - 1] + "…"
    return f"{when:%Y-%m-%d %H:%M:%S} UTC\t{job_name}\t{run_id}\t{first}"


def raise_alert(
    line: str, warehouse_dir: Path, command: str | None, run_id: str | None = None
) -> bool:
    """Append `line` to `alerts.log` and hand it to `command`; False (and nothing done) when
    `run_id` has been alerted already. The log is locked while it is read and written, so the
    daemon and `make run` alerting the same run at once write one line."""
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    with (warehouse_dir / ALERTS_LOG).open("a+", encoding="utf-8") as log:
        fcntl.flock(log, fcntl.LOCK_EX)
        if run_id is not None and run_id != NO_RUN:
            log.seek(0)
            if any(_run_id(logged) == run_id for logged in log):
                return False
        log.write(line + "\n")
    if command:
        try:
            subprocess.run(
                shlex.split(command), input=line + "\n", text=True, timeout=30, check=True
            )
        except (OSError, ValueError, subprocess.SubprocessError) as error:
            # the line is in alerts.log; the failing hook must not hide the refresh's failure
            print(f"{ALERT_COMMAND_ENV} fehlgeschlagen: {error}", file=sys.stderr)
    return True


def _run_id(logged: str) -> str | None:
    fields = logged.split("\t")
    return fields[2] if len(fields) > 3 else None


def failure_message(instance: dg.DagsterInstance, run_id: str) -> str:
    """What failed in the run: its failed blocking checks and its first failed step's error."""
    records = instance.get_records_for_run(
        run_id,
        of_type={dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.ASSET_CHECK_EVALUATION},
    ).records
    checks, steps = [], []
    for record in records:
        entry = record.event_log_entry
        evaluation = entry.asset_check_evaluation
        if evaluation is not None:
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                checks.append(evaluation.check_name)
        elif entry.dagster_event is not None and entry.dagster_event.step_failure_data:
            cause = _cause(entry.dagster_event.step_failure_data.error)
            if not cause.startswith(f"{CHECK_FAILED}:"):  # named with the failed checks
                steps.append(f"{entry.step_key}: {cause}")
    parts = []
    if checks:
        parts.append("Prüfung fehlgeschlagen / check failed: " + ", ".join(sorted(set(checks))))
    if steps:
        more = f" (und {len(steps) - 1} weitere)" if len(steps) > 1 else ""
        parts.append(f"Schritt fehlgeschlagen / step failed{more}: {steps[0]}")
    return " — ".join(parts) or "Lauf fehlgeschlagen / run failed"


def _cause(error) -> str:
    """The message of the error that failed a step, not of Dagster's wrapper around it, without
    the module path of its class."""
    if error is None:
        return ""
    while error.cause is not None and error.message.startswith("dagster."):
        error = error.cause
    message = error.message.strip()
    qualified, _, rest = message.partition(": ")
    return f"{error.cls_name}: {rest}" if qualified.endswith(f".{error.cls_name}") else message


def alert_failed_run(instance: dg.DagsterInstance, run: dg.DagsterRun, warehouse_dir: Path) -> bool:
    """Alert the failure of `run` unless it was alerted already; whether a line was written."""
    line = alert_line(
        run.run_id, run.job_name, failure_message(instance, run.run_id), dt.datetime.now(dt.UTC)
    )
    return raise_alert(line, warehouse_dir, os.environ.get(ALERT_COMMAND_ENV), run.run_id)


def alert_refresh_failure(warehouse_dir: Path, message: str) -> None:
    """Alert a refresh that failed without a run (it could not start one, or broke down)."""
    line = alert_line(NO_RUN, REFRESH_JOB_NAME, message, dt.datetime.now(dt.UTC))
    raise_alert(line, warehouse_dir, os.environ.get(ALERT_COMMAND_ENV))


@contextmanager
def alert_on_error(warehouse_dir: Path) -> Iterator[None]:
    """Alert any error that escapes the block (then raise it on): a refresh that breaks down
    outside a run, e.g. while planning, still reaches alerts.log."""
    try:
        yield
    except Exception as error:
        alert_refresh_failure(warehouse_dir, f"{type(error).__name__}: {error}")
        raise


@dg.run_failure_sensor(
    minimum_interval_seconds=30,  # every job of the code location: also assets started in the UI
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes every failed run (refresh, sensor, schedule, UI) to alerts.log in the "
    "warehouse folder and calls SOZIALPLANUNG_ALERT_COMMAND if set (once per run).",
)
def refresh_failure_alert(context: dg.RunFailureSensorContext, warehouse: Warehouse) -> None:
    alert_failed_run(context.instance, context.dagster_run, warehouse.path)
