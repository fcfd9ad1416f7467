"""Sensors of the refresh: changed landing files start one, a completed one becomes the base.

`landing_files_sensor` compares the landing folders with the state of the last completed refresh
(`archive/refreshed.json`, see `pipelines/incremental.py`) and requests a run of the assets and
months the changes require: a provider's monthly report runs its month's controlling and the two
rolling months after it, a new Bundesagentur month the statistics, indicators, index, supply and
controlling; a changed area or planning file runs everything. The run includes every asset check
of the assets it runs and every check reading one of them (`checks_to_run`), so a changed GENESIS
control total re-runs the population reconciliation before anything is published. The run key is derived from the changes, so the same changes
are requested once, also when their run fails (the alert says so; `make update` or the next
change plans them again). Without a completed refresh it waits for the first `make run`. When
the data root now begins before the location's first partition (a late delivery of an earlier
month, start not configured), it waits until the code location is reloaded, so that those months
are planned with the change instead of being left without a partition.

`refresh_completed` makes the landing state of every run it planned (and of `make run`/`make
update` runs seen by the daemon) the new base once the run has succeeded.
"""

import dagster as dg

from assets.ingest.archive import refreshed_state
from assets.resources import DataRoot, Warehouse
from pipelines.incremental import PLAN_TAG, complete_refresh, plan_changes, plan_key
from pipelines.jobs import REFRESH_JOB_NAME, refresh_job
from pipelines.partitions import moved_start, partitions_of


@dg.sensor(
    job_name=REFRESH_JOB_NAME,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,  # a late provider file must start a run
    description="Starts a refresh of what the landing files changed since the last completed one.",
)
def landing_files_sensor(
    context: dg.SensorEvaluationContext, data_root: DataRoot, warehouse: Warehouse
):
    archive = warehouse.path / "archive"
    if refreshed_state(archive) is None:
        return dg.SkipReason("noch kein abgeschlossener Lauf: zuerst `make run`")
    # imported here: the definitions import this module for the sensors
    from pipelines.definitions import LocationSettings

    graph = context.repository_def.asset_graph
    configured = LocationSettings.from_env().first_month
    moved = moved_start(configured, data_root.path, warehouse.path, partitions_of(graph))
    if moved is not None:
        return dg.SkipReason(moved)
    plan = plan_changes(data_root.path, archive, graph)
    if plan.tags[PLAN_TAG] == "changes" and not plan.changed:
        return dg.SkipReason("keine neuen oder geänderten Dateien seit dem letzten Lauf")
    if plan.bounds is None:
        return dg.SkipReason("keine Monate mit Daten in statistics/small_area")
    return dg.RunRequest(
        run_key=plan_key(plan, data_root.path),
        asset_selection=plan.selection,
        asset_check_keys=plan.checks,
        tags=plan.tags,
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[refresh_job],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Makes the landing state of a completed planned refresh the base of the next.",
)
def refresh_completed(context: dg.RunStatusSensorContext, warehouse: Warehouse) -> None:
    complete_refresh(context.instance, context.dagster_run, warehouse.path / "archive")
