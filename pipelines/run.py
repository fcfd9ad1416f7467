"""`make run`: materialize every asset for all months of the data root, then print a summary.

The run is recorded in the Dagster instance of `DAGSTER_HOME`, so `make ui` shows it. All months
are processed in one run (the indicator asset has a single-run backfill policy).
"""

import gc
import sys

import dagster as dg
import duckdb

from pipelines.definitions import defs
from pipelines.jobs import REFRESH_JOB_NAME, range_tags
from pipelines.landing import months_in_statistics, partition_range, statistics_files
from pipelines.resources import DATA_DIR_ENV, WAREHOUSE_DIR_ENV, DataRoot, Warehouse

# Step events go to the Dagster UI; the terminal only shows warnings and the summary.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def main() -> int:
    data_root = DataRoot(data_dir=dg.EnvVar(DATA_DIR_ENV).get_value())
    warehouse = Warehouse(warehouse_dir=dg.EnvVar(WAREHOUSE_DIR_ENV).get_value())
    return refresh(data_root, warehouse)


def refresh(data_root: DataRoot, warehouse: Warehouse) -> int:
    """Run the refresh job over every month of `data_root` into `warehouse`; 0 on success."""
    bounds = partition_range(months_in_statistics(statistics_files(data_root.path)))
    if bounds is None:
        print(f"Keine Monate mit Daten in {data_root.path}/statistics/small_area gefunden.")
        return 1
    print(f"Datenwurzel: {data_root.path}\nMonate: {bounds[0][:7]} bis {bounds[1][:7]}")
    repaired = warehouse.prepare_full_refresh()
    if repaired:
        print(repaired)
    # Move the objects of the imports (Dagster, pandas, GX: millions) out of the cycle
    # collector's reach: otherwise each of its full passes walks them all again.
    gc.freeze()
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def(REFRESH_JOB_NAME).execute_in_process(
            instance=instance,
            tags=range_tags(*bounds),
            run_config=QUIET,
            raise_on_error=False,
            resources={"data_root": data_root, "warehouse": warehouse},
        )
    if not result.success:
        print(f"Lauf {result.run_id} fehlgeschlagen; Details in `make ui`.")
        return 1
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
    sys.exit(main())
