"""Partitions of the monthly assets: per month, or per month and municipality (a switch).

The first month is fixed at January 2010, early enough for the Bundesagentur series that
municipalities keep; months without data materialize as empty slices. The last partition is the
month that has just closed (Europe/Berlin).

`SOZIALPLANUNG_PARTITIONS` chooses how the monthly assets (`measure_reports`, `indicator_values`,
`measure_kpis`, `kpi_status`) are partitioned:

- `month` (default): one partition per month.
- `month_municipality`: one partition per month and municipality (`ags|month`, e.g.
  `05999000|2025-10-01`), the municipalities read from the area files of the data root when the
  code location loads (static partitions: a new municipality needs a reload). A run over a range
  covers the rectangle of municipalities × months between its start and end keys, so a full
  refresh is still one run. `indicator_values` computes and rewrites only the municipalities of
  its partitions. Provider deliveries and measures are per Träger, and goals.yaml is shared by
  the whole data root, so the three controlling assets rewrite the runs' months for every
  municipality (rewriting a month slice is idempotent, so overlapping runs agree).

docs/scaling.md §3 explains what this prepares for.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

# `backfill_policy` is beta in Dagster 1.13; the single-run backfill is what lets one run cover
# every month of a data root, so the partitioned assets use it deliberately.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=dg.BetaWarning)

PARTITIONS_ENV = "SOZIALPLANUNG_PARTITIONS"
MONTH_DIMENSION = "month"
MUNICIPALITY_DIMENSION = "ags"

monthly = dg.MonthlyPartitionsDefinition(start_date="2010-01-01", timezone="Europe/Berlin")


def partition_months() -> list[str]:
    """The months (`YYYY-MM`) that have a monthly partition now, in order."""
    return [key[:7] for key in monthly.get_partition_keys()]


def partitions_from_env() -> dg.PartitionsDefinition:
    """The partitions of the monthly assets chosen by `SOZIALPLANUNG_PARTITIONS`."""
    choice = os.environ.get(PARTITIONS_ENV, "month")
    if choice == "month":
        return monthly
    if choice != "month_municipality":
        raise ValueError(f"{PARTITIONS_ENV} must be month or month_municipality, not {choice!r}")
    from assets.ingest.areas import municipalities_in
    from pipelines.resources import DATA_DIR_ENV

    municipalities = municipalities_in(Path(os.environ[DATA_DIR_ENV]))
    if not municipalities:
        raise ValueError(f"{PARTITIONS_ENV}=month_municipality: no municipality in the area files")
    return dg.MultiPartitionsDefinition(
        {
            MUNICIPALITY_DIMENSION: dg.StaticPartitionsDefinition(municipalities),
            MONTH_DIMENSION: monthly,
        }
    )


monthly_assets_partitions = partitions_from_env()


@dataclass(frozen=True)
class Slice:
    """What a run of a monthly asset covers: months (`YYYY-MM`) and municipalities (None: all)."""

    months: list[str]
    municipalities: list[str] | None


def slice_of(partition_keys: list[str]) -> Slice:
    """The months and municipalities of a run's partition keys (`2025-10-01` or `ags|month`)."""
    if not isinstance(monthly_assets_partitions, dg.MultiPartitionsDefinition):
        return Slice(months_of(partition_keys), None)
    get = monthly_assets_partitions.get_partition_key_from_str
    dimensions = [get(str(key)).keys_by_dimension for key in partition_keys]
    months = sorted({d[MONTH_DIMENSION] for d in dimensions})
    return Slice(months_of(months), sorted({d[MUNICIPALITY_DIMENSION] for d in dimensions}))


def months_of(partition_keys: list[str]) -> list[str]:
    """Partition keys (`2025-10-01`) as the `YYYY-MM` months the domain code filters on."""
    return [key[:7] for key in partition_keys]


def range_keys(first_month: str, last_month: str) -> tuple[str, str]:
    """Start and end partition keys of a run over the months `first_month` … `last_month`
    (partition keys such as `2025-10-01`), every municipality included."""
    if not isinstance(monthly_assets_partitions, dg.MultiPartitionsDefinition):
        return first_month, last_month
    municipalities = monthly_assets_partitions.get_partitions_def_for_dimension(
        MUNICIPALITY_DIMENSION
    ).get_partition_keys()
    return f"{municipalities[0]}|{first_month}", f"{municipalities[-1]}|{last_month}"
