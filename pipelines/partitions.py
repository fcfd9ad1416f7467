"""Monthly partitions of the monthly sources (Europe/Berlin).

The first month is fixed at January 2010, early enough for the Bundesagentur series that
municipalities keep; months without data materialize as empty slices. The last partition is the
month that has just closed.
"""

import warnings

import dagster as dg

# `backfill_policy` is beta in Dagster 1.13; the single-run backfill is what lets one run cover
# every month of a data root, so the partitioned assets use it deliberately.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=dg.BetaWarning)

monthly = dg.MonthlyPartitionsDefinition(start_date="2010-01-01", timezone="Europe/Berlin")


def months_of(partition_keys: list[str]) -> list[str]:
    """Partition keys (`2025-10-01`) as the `YYYY-MM` months the domain code filters on."""
    return [key[:7] for key in partition_keys]
