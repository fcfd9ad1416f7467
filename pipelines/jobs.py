"""The one job: refresh everything for a range of months (single run over the range)."""

import dagster as dg

REFRESH_JOB_NAME = "refresh"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

refresh_job = dg.define_asset_job(
    REFRESH_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Ingest every landing folder, compute the indicators for the selected months and "
    "publish the analysts' DuckDB file.",
)


def range_tags(first: str, last: str) -> dict[str, str]:
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}
