"""Sensor on the landing folders: a new or changed file triggers a refresh of the months it touches.

The cursor is JSON: relative path -> "size:mtime_ns" of every watched file. The first evaluation
only records the current state (the initial load is `make run` or a backfill). A changed
small-area statistics file re-runs the months it contains; a change anywhere else (areas, control
totals, grid, planning files, needs survey) re-runs every month the data root has. A provider's
monthly report re-runs its month only; a changed facility inventory or survey re-runs the latest
month (facilities and surveys are not partitioned, so any run reloads them).
"""

import hashlib
import json

import dagster as dg

from pipelines.jobs import REFRESH_JOB_NAME, range_tags
from pipelines.landing import affected_months, fingerprint, partition_range
from pipelines.resources import DataRoot


@dg.sensor(
    job_name=REFRESH_JOB_NAME,
    minimum_interval_seconds=60,
    description="Starts a refresh when a landing file is added or changed.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext, data_root: DataRoot):
    root = data_root.path
    current = fingerprint(root)
    if context.cursor is None:
        context.update_cursor(json.dumps(current, sort_keys=True))
        return dg.SkipReason(f"Ausgangszustand erfasst: {len(current)} Dateien")
    previous = json.loads(context.cursor)
    changed = sorted(p for p, fp in current.items() if previous.get(p) != fp)
    if not changed:
        return dg.SkipReason("keine neuen oder geänderten Dateien")
    bounds = partition_range(affected_months(root, changed))
    context.update_cursor(json.dumps(current, sort_keys=True))
    if bounds is None:
        return dg.SkipReason(f"{len(changed)} geänderte Dateien, aber keine Monate darin")
    run_key = hashlib.sha256(json.dumps([(p, current[p]) for p in changed]).encode()).hexdigest()
    return dg.RunRequest(run_key=run_key[:16], tags=range_tags(*bounds))
