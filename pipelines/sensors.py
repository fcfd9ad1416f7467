"""Sensor on the landing folders: a new or changed file triggers a refresh of what it touches.

The cursor is JSON: relative path -> "size:mtime_ns" of every watched file. The first evaluation
only records the current state (the initial load is `make run` or a backfill). The run covers the
assets that read the changed files and everything downstream of them, and the months from the
earliest one the change touches to the data root's last (`pipelines/incremental.py`): a provider's
new monthly report runs its month's controlling; a changed area file or planning file runs
everything.
"""

import hashlib
import json

import dagster as dg

from pipelines.incremental import assets_to_refresh, months_to_refresh
from pipelines.jobs import REFRESH_JOB_NAME, range_tags
from pipelines.landing import (
    fingerprint,
    months_in_statistics,
    partition_range,
    statistics_files,
)
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
    selection = assets_to_refresh(changed, context.repository_def.asset_graph)
    bounds = partition_range(months_to_refresh(root, changed))
    context.update_cursor(json.dumps(current, sort_keys=True))
    if bounds is None:  # the job's partitioned assets need a range even when not selected
        bounds = partition_range(months_in_statistics(statistics_files(root)))
    if bounds is None:
        return dg.SkipReason(
            f"{len(changed)} geänderte Dateien, aber keine Monate in der Statistik"
        )
    run_key = hashlib.sha256(json.dumps([(p, current[p]) for p in changed]).encode()).hexdigest()
    return dg.RunRequest(run_key=run_key[:16], asset_selection=selection, tags=range_tags(*bounds))
