"""Partitions of the monthly assets and how a run's partition keys become months and areas.

The monthly assets (`measure_reports`, `indicator_values`, `measure_kpis`, `kpi_status`) are
declared with `monthly`: one partition per month from January 2010, early enough for the
Bundesagentur series that municipalities keep; months without data materialize as empty slices.
The last partition is the month that has just closed (Europe/Berlin). The code location may
partition them by municipality as well (`by_municipality`, chosen in `pipelines/`); an asset
therefore never assumes its partitions but reads them from its run (`run_slice`).
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

monthly = dg.MonthlyPartitionsDefinition(start_date="2010-01-01", timezone="Europe/Berlin")


def by_municipality(municipalities: list[str]) -> dg.MultiPartitionsDefinition:
    """Partitions per month and municipality (`ags|month`, e.g. `05999000|2025-10-01`)."""
    return dg.MultiPartitionsDefinition(
        {
            MUNICIPALITY_DIMENSION: dg.StaticPartitionsDefinition(municipalities),
            MONTH_DIMENSION: monthly,
        }
    )


def partition_months() -> list[str]:
    """The months (`YYYY-MM`) that have a monthly partition now, in order."""
    return [key[:7] for key in monthly.get_partition_keys()]


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
