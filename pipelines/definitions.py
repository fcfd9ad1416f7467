"""The code location: assets, checks, the refresh job, its schedule and the sensors.

Steps run in one process (`in_process_executor`): DuckDB allows one writing process per file.
Writes to the internal file are serialised by the warehouse's lock file (see
`assets/resources.py`), and the instance runs one run at a time (`dagster.yaml`).
"""

import os

import dagster as dg

from assets.controlling.assets import CONTROLLING_ASSETS
from assets.indicators.assets import INDICATOR_ASSETS
from assets.ingest.assets import INGEST_ASSETS, PROVIDER_ASSETS
from assets.publish.assets import PUBLISH_ASSETS
from assets.resources import default_resources
from assets.supply.assets import SUPPLY_ASSETS
from checks.asset_checks import ASSET_CHECKS
from pipelines.alerts import refresh_failure_alert
from pipelines.jobs import refresh_job
from pipelines.partitions import monthly_assets_partitions, with_partitions
from pipelines.schedules import monthly_refresh_schedule
from pipelines.sensors import landing_files_sensor, refresh_completed

EXECUTOR_ENV = "SOZIALPLANUNG_EXECUTOR"


def executor_from_env() -> dg.ExecutorDefinition:
    """`in_process` (default) or `multiprocess` (steps in parallel processes, 2 at a time).

    The same assets run under both: writers to the internal DuckDB wait for the warehouse lock,
    so parallel steps never write together. On a cluster the same switch would select
    dagster-k8s' or dagster-celery's executor (docs/scaling.md).
    """
    choice = os.environ.get(EXECUTOR_ENV, "in_process")
    if choice == "multiprocess":
        return dg.multiprocess_executor.configured({"max_concurrent": 2})
    if choice != "in_process":
        raise ValueError(f"{EXECUTOR_ENV} must be in_process or multiprocess, not {choice!r}")
    return dg.in_process_executor


defs = dg.Definitions(
    assets=with_partitions(
        [
            *INGEST_ASSETS,
            *PROVIDER_ASSETS,
            *INDICATOR_ASSETS,
            *SUPPLY_ASSETS,
            *CONTROLLING_ASSETS,
            *PUBLISH_ASSETS,
        ],
        monthly_assets_partitions,
    ),
    asset_checks=ASSET_CHECKS,
    jobs=[refresh_job],
    schedules=[monthly_refresh_schedule],
    sensors=[landing_files_sensor, refresh_completed, refresh_failure_alert],
    resources=default_resources(),
    executor=executor_from_env(),
)
