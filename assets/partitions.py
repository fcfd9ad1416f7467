"""Partitions of the monthly assets and how a run's partition keys become months and areas.

The monthly assets (`measure_reports`, `indicator_values`, `measure_kpis`, `kpi_status`) declare
`monthly`, one partition per month from January 2010, so that an asset materialized on its own
(a test) has every month. The code location replaces it by `monthly_from(first month)`: the
partitions start at the data root's first month or at a configured one and end with the month
that has just closed (Europe/Berlin), so a missing partition is a month that has data and has not
run (`pipelines/partitions.py` chooses the start, and whether to partition by municipality as
well, `by_municipality`). An asset therefore never assumes its partitions but reads them from its
run (`run_slice`) or from its code location (`location_months`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import dagster as dg

# `backfill_policy` is beta in Dagster 1.13; the single-run backfill is what lets one run cover
# every month of a data root, so the partitioned assets use it deliberately.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=dg.BetaWarning)

MONTH_DIMENSION = "month"
MUNICIPALITY_DIMENSION = "ags"
TIMEZONE = "Europe/Berlin"


def monthly_from(first_month: str) -> dg.MonthlyPartitionsDefinition:
    """One partition per month from `first_month` (`YYYY-MM`) to the month that has just closed."""
    return dg.MonthlyPartitionsDefinition(start_date=f"{first_month}-01", timezone=TIMEZONE)


monthly = monthly_from("2010-01")


def by_municipality(
    municipalities: list[str], months: dg.PartitionsDefinition = monthly
) -> dg.MultiPartitionsDefinition:
    """Partitions per month and municipality (`ags|month`, e.g. `05999000|2025-10-01`)."""
    return dg.MultiPartitionsDefinition(
        {
            MUNICIPALITY_DIMENSION: dg.StaticPartitionsDefinition(municipalities),
            MONTH_DIMENSION: months,
        }
    )


def month_partitions(partitions_def: dg.PartitionsDefinition) -> dg.PartitionsDefinition:
    """The month partitions of the monthly assets' `partitions_def` (its month dimension when
    they are partitioned by municipality as well)."""
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        return partitions_def.get_partitions_def_for_dimension(MONTH_DIMENSION)
    return partitions_def


def partition_months(partitions_def: dg.PartitionsDefinition) -> list[str]:
    """The months (`YYYY-MM`) that have a partition in `partitions_def` now, in order."""
    return months_of(month_partitions(partitions_def).get_partition_keys())


def location_months(context: dg.AssetExecutionContext) -> list[str]:
    """The months that have a partition in the code location running `context`: those of its
    job, which carries the monthly assets' partitions also when it runs a subset without them
    (for an unpartitioned asset that must know them)."""
    return partition_months(context.job_def.partitions_def)


@dataclass(frozen=True)
class Slice:
    """What a run of a monthly asset covers: months (`YYYY-MM`) and municipalities (None: all)."""

    months: list[str]
    municipalities: list[str] | None


def slice_of(partition_keys: list[str], partitions_def: dg.PartitionsDefinition | None) -> Slice:
    """The months and municipalities of a run's partition keys (`2025-10-01` or `ags|month`)."""
    if not isinstance(partitions_def, dg.MultiPartitionsDefinition):
        return Slice(months_of(partition_keys), None)
    get = partitions_def.get_partition_key_from_str
    dimensions = [get(str(key)).keys_by_dimension for key in partition_keys]
    months = sorted({d[MONTH_DIMENSION] for d in dimensions})
    return Slice(months_of(months), sorted({d[MUNICIPALITY_DIMENSION] for d in dimensions}))


def run_slice(context: dg.AssetExecutionContext) -> Slice:
    """The months and municipalities the running partitioned asset covers."""
    return slice_of(context.partition_keys, context.assets_def.partitions_def)


def months_of(partition_keys: list[str]) -> list[str]:
    """Partition keys (`2025-10-01`) as the `YYYY-MM` months the domain code filters on."""
    return [key[:7] for key in partition_keys]
