"""Indicator assets: the catalogue and the monthly-partitioned indicator values."""

import warnings

import dagster as dg

from assets.indicators.catalog import INDICATORS, catalog_frame
from assets.indicators.values import compute_indicator_values
from assets.ingest.assets import OWNERS, WRITER_POOL, areas, small_area_statistics
from assets.metadata import markdown_table, table_metadata
from assets.warehouse import insert_frame, replace_table
from pipelines.partitions import monthly, months_of
from pipelines.resources import Warehouse

GROUP = "indicators"
# `backfill_policy` is beta in Dagster 1.13; the single-run backfill is what lets one run cover
# every month of a data root, so it is used deliberately and the warning is not repeated.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=dg.BetaWarning)


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WRITER_POOL, owners=OWNERS)
def indicator_catalog(warehouse: Warehouse) -> dg.MaterializeResult:
    """The indicator catalogue of DESIGN §6: label, definition, numerator, denominator, polarity."""
    with warehouse.connect() as con:
        replace_table(con, "indicator_catalog", catalog_frame())
        return dg.MaterializeResult(
            metadata=table_metadata(con, "indicator_catalog", preview_rows=20)
        )


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    pool=WRITER_POOL,
    owners=OWNERS,
    deps=[areas, small_area_statistics, indicator_catalog],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def indicator_values(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Indicator values per area with numerator, denominator and status, for the run's months.

    A month's slice holds the values whose numerator date falls in that month: Bundesagentur
    indicators every month, population indicators at the 31.12. Stichtag (December). The slice is
    deleted and rewritten, so re-running a month or a backfill never adds rows twice.
    """
    months = months_of(context.partition_keys)
    with warehouse.connect() as con:
        values = compute_indicator_values(con, INDICATORS, months)
        placeholders = ", ".join("?" for _ in months)
        where = f"strftime(reference_date, '%Y-%m') IN ({placeholders})"
        con.execute("BEGIN TRANSACTION")
        con.execute(f"DELETE FROM indicator_values WHERE {where}", months)
        insert_frame(con, "indicator_values", values)
        con.execute("COMMIT")
        status = values.groupby(["indicator_id", "status"]).size().unstack(fill_value=0)
        return dg.MaterializeResult(
            metadata={
                **table_metadata(con, "indicator_values", where, months),
                "months": f"{months[0]} … {months[-1]}" if months else "",
                "status_by_indicator": dg.MetadataValue.md(markdown_table(status.reset_index())),
            }
        )


INDICATOR_ASSETS = [indicator_catalog, indicator_values]
