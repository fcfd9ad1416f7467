"""The one job: refresh everything for a range of months (single run over the range)."""

from __future__ import annotations

import dagster as dg

from pipelines.partitions import range_keys

REFRESH_JOB_NAME = "refresh"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

refresh_job = dg.define_asset_job(
    REFRESH_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Ingest every landing folder, compute the indicators for the selected months and "
    "publish the analysts' DuckDB file.",
)


def range_tags(
    first: str, last: str, partitions_def: dg.PartitionsDefinition | None = None
) -> dict[str, str]:
    """Tags of one run over the months `first` … `last` (keys such as `2025-10-01`), for every
    municipality when the monthly assets are also partitioned by municipality.

    `partitions_def` is the monthly assets' partitions (`refresh_job`'s in the definitions the run
    is for); without it, those of the location the environment chooses, like `defs`.
    """
    if partitions_def is None:
        partitions_def = environment_partitions()
    start, end = range_keys(first, last, partitions_def)
    return {RANGE_START_TAG: start, RANGE_END_TAG: end}


def environment_partitions() -> dg.PartitionsDefinition:
    """The monthly assets' partitions of the location the environment chooses, like `defs`."""
    # imported here: the definitions import this module for `refresh_job`
    from pipelines.definitions import LocationSettings

    return LocationSettings.from_env().monthly_partitions()
