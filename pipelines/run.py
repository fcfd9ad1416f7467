"""`make run` and `make update`: refresh the warehouse from the data root, then print a summary.

    python -m pipelines.run            # everything, all months of the data root (`make run`)
    python -m pipelines.run --changed  # what changed since the last complete run (`make update`)

The run is recorded in the Dagster instance of `DAGSTER_HOME`, so `make ui` shows it. All months
are processed in one run (the partitioned assets have a single-run backfill policy). `--changed`
compares the landing folders with the state of the last run that completed (`archive/
refreshed.json`) and runs only the assets that read changed files, everything downstream of them,
and the months the change touches (`pipelines/incremental.py`); without such a state, or after an
update of the pipeline's code, it is a full refresh.

A refresh that fails (its run fails, or it cannot start one) writes its line to `alerts.log` and
calls `SOZIALPLANUNG_ALERT_COMMAND` itself (`pipelines/alerts.py`), so the failure is reported
also when no Dagster daemon runs, as under cron.

Each refresh builds the code location for the root it refreshes (the environment's settings with
that root), so its months are the partitions that root has (`make rebuild` refreshes a restored
root).
"""

import dataclasses
import gc
import sys

import dagster as dg
import duckdb

from assets.resources import DataRoot, Warehouse
from pipelines.alerts import (
    ALERTS_LOG,
    alert_failed_run,
    alert_on_error,
    alert_refresh_failure,
)
from pipelines.definitions import LocationSettings, build_definitions
from pipelines.incremental import (
    PLAN_TAG,
    RefreshPlan,
    complete_refresh,
    plan_changes,
    plan_full,
)
from pipelines.jobs import REFRESH_JOB_NAME

# Step events go to the Dagster UI; the terminal only shows warnings and the summary.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def main(argv: list[str]) -> int:
    settings = LocationSettings.from_env()
    data_root = DataRoot(data_dir=str(settings.data_path))
    warehouse = Warehouse(warehouse_dir=str(settings.warehouse_path))
    if argv not in ([], ["--changed"]):
        print(__doc__)
        return 2
    with alert_on_error(warehouse.path):
        if argv == ["--changed"]:
            return refresh_changed(data_root, warehouse)
        return refresh(data_root, warehouse)


def location_for(data_root: DataRoot, warehouse: Warehouse) -> dg.Definitions:
    """The code location the environment chooses, for `data_root` and `warehouse`."""
    settings = dataclasses.replace(
        LocationSettings.from_env(),
        data_dir=str(data_root.path),
        warehouse_dir=str(warehouse.path),
    )
    return build_definitions(settings)


def refresh(data_root: DataRoot, warehouse: Warehouse) -> int:
    """Run the refresh job over every month of `data_root` into `warehouse`; 0 on success."""
    repaired = warehouse.prepare_full_refresh()
    if repaired:
        print(repaired)
    location = location_for(data_root, warehouse)
    plan = plan_full(data_root.path, partitions_def=_partitions(location))
    return _execute(data_root, warehouse, plan, location)


def refresh_changed(data_root: DataRoot, warehouse: Warehouse) -> int:
    """Run what the landing files changed since the last completed run require; 0 on success."""
    if not warehouse.internal_path.exists():
        return refresh(data_root, warehouse)
    location = location_for(data_root, warehouse)
    plan = plan_changes(data_root.path, warehouse.path / "archive", location.resolve_asset_graph())
    if plan.tags[PLAN_TAG] == "changes" and not plan.changed:
        print(f"Keine neuen oder geänderten Dateien in {data_root.path} seit dem letzten Lauf.")
        print(summary(warehouse))
        return 0
    repaired = warehouse.prepare_full_refresh()
    if repaired:
        print(repaired)
        plan = plan_full(data_root.path, partitions_def=_partitions(location))
    if plan.selection is None:
        print("Alles wird aktualisiert (kein abgeschlossener Lauf dieses Programmstands, oder")
        print("Sozialräume oder Planung geändert).")
    print(f"{len(plan.changed)} neue oder geänderte Dateien seit dem letzten Lauf.")
    return _execute(data_root, warehouse, plan, location)


def _partitions(location: dg.Definitions) -> dg.PartitionsDefinition:
    return location.resolve_job_def(REFRESH_JOB_NAME).partitions_def


def _execute(
    data_root: DataRoot, warehouse: Warehouse, plan: RefreshPlan, location: dg.Definitions
) -> int:
    if plan.bounds is None:
        message = f"Keine Monate mit Daten in {data_root.path}/statistics/small_area gefunden."
        print(message)
        alert_refresh_failure(warehouse.path, message)
        return 1
    print(f"Datenwurzel: {data_root.path}\nMonate: {plan.bounds[0][:7]} bis {plan.bounds[1][:7]}")
    job = location.resolve_job_def(REFRESH_JOB_NAME)
    if plan.selection is not None:
        print("Assets: " + ", ".join(key.to_user_string() for key in plan.selection))
        checks = None if plan.checks is None else set(plan.checks)
        if checks:
            print("Prüfungen: " + ", ".join(sorted(key.name for key in checks)))
        job = job.get_subset(asset_selection=set(plan.selection), asset_check_selection=checks)
    # Move the objects of the imports (Dagster, pandas, GX: millions) out of the cycle
    # collector's reach: otherwise each of its full passes walks them all again.
    gc.freeze()
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            tags=plan.tags,
            run_config=QUIET,
            raise_on_error=False,
            resources={"data_root": data_root, "warehouse": warehouse},
        )
        if not result.success:
            print(f"Lauf {result.run_id} fehlgeschlagen; Details in `make ui`.")
            alert_failed_run(instance, result.dagster_run, warehouse.path)
            print(f"Alarm: {warehouse.path / ALERTS_LOG}")
            return 1
        complete_refresh(instance, result.dagster_run, warehouse.path / "archive")
    print(summary(warehouse))
    return 0


def summary(warehouse: Warehouse) -> str:
    con = duckdb.connect(str(warehouse.published_path), read_only=True)
    try:

        def one(sql: str):
            return con.execute(sql).fetchone()[0]

        return "\n".join(
            [
                f"Veröffentlicht: {warehouse.published_path}",
                f"  Sozialräume:        {one('SELECT count(*) FROM areas')}",
                f"  Indikatorwerte:     {one('SELECT count(*) FROM indicator_values')}"
                f" (davon gesperrt: {one(_status('suppressed'))},"
                f" nicht berechenbar: {one(_status('not_computable'))})",
                f"  Quarantäne (Zeilen): {one('SELECT coalesce(sum(rows_quarantined), 0) FROM data_quality')}"
                f" — Gründe: {warehouse.internal_path} (Tabelle quarantine),"
                f" Rückmeldungen an Träger: {warehouse.path / 'feedback'}",
                f"  Versorgungslücken:  {one(_GAPS)} (neuester Stichtag)",
                f"  Rote Kennzahlen:    {one('SELECT count(*) FROM v_red_kpis_latest')}"
                " (neuester Monat, Sicht v_red_kpis_latest)",
                f"Sozialraumprofile:    {warehouse.path / 'report' / 'index.html'}",
                f"Exporte:              {warehouse.path} (sozialplanung.gpkg, .xlsx, parquet/)",
            ]
        )
    finally:
        con.close()


_GAPS = "SELECT count(*) FROM supply WHERE gap AND reference_date = (SELECT max(reference_date) FROM supply)"


def _status(status: str) -> str:
    return f"SELECT count(*) FROM indicator_values WHERE status = '{status}'"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
