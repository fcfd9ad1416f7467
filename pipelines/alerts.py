"""Run failures made visible outside the UI: a line in `alerts.log`, and an optional hook.

`SOZIALPLANUNG_ALERT_COMMAND`, when set, is a command (split like a shell would, but run without a
shell) that receives the alert line on stdin, e.g. `mail -s "Sozialplanung" team@example.org` or a
script that posts to the team's chat. The pipeline itself never opens network connections.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import subprocess
from pathlib import Path

import dagster as dg

from pipelines.jobs import refresh_job
from pipelines.resources import WAREHOUSE_DIR_ENV

ALERT_COMMAND_ENV = "SOZIALPLANUNG_ALERT_COMMAND"
ALERTS_LOG = "alerts.log"


def alert_line(run_id: str, job_name: str, message: str, when: dt.datetime) -> str:
    """One line per failure: time (UTC), job, run id and the first line of the error."""
    first = (message or "").strip().splitlines()[0] if message else "unbekannter Fehler"
    return f"{when:%Y-%m-%d %H:%M:%S} UTC\t{job_name}\t{run_id}\t{first}"


def raise_alert(line: str, warehouse_dir: Path, command: str | None) -> None:
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    with (warehouse_dir / ALERTS_LOG).open("a", encoding="utf-8") as log:
        log.write(line + "\n")
    if command:
        subprocess.run(shlex.split(command), input=line + "\n", text=True, timeout=30, check=False)


@dg.run_failure_sensor(
    monitored_jobs=[refresh_job],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes every failed refresh to alerts.log in the warehouse "
    "folder and calls SOZIALPLANUNG_ALERT_COMMAND if set.",
)
def refresh_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    line = alert_line(
        run.run_id, run.job_name, context.failure_event.message or "", dt.datetime.now(dt.UTC)
    )
    raise_alert(line, Path(os.environ[WAREHOUSE_DIR_ENV]), os.environ.get(ALERT_COMMAND_ENV))
