"""The code location: assets, checks, the refresh job, its schedule and the sensors.

`build_definitions` builds them from explicit settings (data root, warehouse, partition mode,
executor), so a test can build a location for its own root in process; `defs`, the location
`workspace.yaml` and `[tool.dagster]` load, is built from the environment when this module is
imported, and nothing below `pipelines/` reads it:

| variable | meaning | default |
|---|---|---|
| `SOZIALPLANUNG_DATA_DIR` | the data root (input contract) | the shipped sample `data/sample` |
| `SOZIALPLANUNG_WAREHOUSE_DIR` | the warehouse folder | `data/warehouse` |
| `SOZIALPLANUNG_PARTITIONS` | `month` or `month_municipality` (`pipelines/partitions.py`) | `month` |
| `SOZIALPLANUNG_FIRST_MONTH` | first month `YYYY-MM` of the monthly partitions | the data root's first month |
| `SOZIALPLANUNG_EXECUTOR` | `in_process` or `multiprocess` | `in_process` |

Steps run in one process by default (`in_process_executor`): DuckDB allows one writing process
per file. Writes to the internal file are serialised by the warehouse's lock file (see
`assets/resources.py`), and the instance runs one run at a time (`dagster.yaml`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from assets.controlling.assets import CONTROLLING_ASSETS
from assets.indicators.assets import INDICATOR_ASSETS
from assets.ingest.assets import INGEST_ASSETS, PROVIDER_ASSETS
from assets.metadata import with_declared_schemas
from assets.publish.assets import PUBLISH_ASSETS
from assets.resources import DataRoot, Warehouse
from assets.supply.assets import SUPPLY_ASSETS
from checks.asset_checks import ASSET_CHECKS
from pipelines.alerts import refresh_failure_alert
from pipelines.jobs import refresh_job
from pipelines.partitions import (
    FIRST_MONTH_ENV,
    PARTITIONS_ENV,
    monthly_partitions,
    partition_start,
    with_partitions,
)
from pipelines.schedules import monthly_refresh_schedule
from pipelines.sensors import landing_files_sensor, refresh_completed

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR_ENV = "SOZIALPLANUNG_DATA_DIR"
WAREHOUSE_DIR_ENV = "SOZIALPLANUNG_WAREHOUSE_DIR"
EXECUTOR_ENV = "SOZIALPLANUNG_EXECUTOR"
DEFAULT_DATA_DIR = REPO_ROOT / "data" / "sample"
DEFAULT_WAREHOUSE_DIR = REPO_ROOT / "data" / "warehouse"


@dataclass(frozen=True)
class LocationSettings:
    """What a code location is built from.

    `data_dir` and `warehouse_dir` are paths, or a `dg.EnvVar` naming the variable that holds
    one (`from_env`): the resource then reads the variable when a run starts, and the UI shows it
    as set from the environment. Each run worker and each step process builds the location again
    from the same environment, so they agree with the process that planned the run.
    `first_month` (`YYYY-MM`) is where the monthly partitions start; None: the data root's first
    month when the location is built (`pipelines/partitions.py`).
    """

    data_dir: str
    warehouse_dir: str
    partitions: str = "month"
    executor: str = "in_process"
    first_month: str | None = None

    @classmethod
    def from_env(cls) -> LocationSettings:
        """The settings the environment variables choose (the table above)."""
        return cls(
            data_dir=_env_path(DATA_DIR_ENV, DEFAULT_DATA_DIR),
            warehouse_dir=_env_path(WAREHOUSE_DIR_ENV, DEFAULT_WAREHOUSE_DIR),
            partitions=os.environ.get(PARTITIONS_ENV, "month"),
            executor=os.environ.get(EXECUTOR_ENV, "in_process"),
            first_month=os.environ.get(FIRST_MONTH_ENV) or None,
        )

    @property
    def data_path(self) -> Path:
        return _resolved(self.data_dir)

    @property
    def warehouse_path(self) -> Path:
        return _resolved(self.warehouse_dir)

    def monthly_partitions(self) -> dg.PartitionsDefinition:
        """The monthly assets' partitions: their start and (per municipality) the municipalities
        are read from the data root now."""
        start = partition_start(self.first_month, self.data_path, self.warehouse_path)
        return monthly_partitions(self.partitions, self.data_path, start)


def _env_path(name: str, default: Path) -> str:
    """`dg.EnvVar(name)` when the variable is set, else the default path (an unset `EnvVar`
    would fail the run instead of falling back)."""
    return dg.EnvVar(name) if os.environ.get(name) else str(default)


def _resolved(value: str) -> Path:
    return Path(value.get_value() if isinstance(value, dg.EnvVar) else value)


def executor_for(choice: str) -> dg.ExecutorDefinition:
    """`in_process` or `multiprocess` (steps in parallel processes, 2 at a time).

    The same assets run under both: writers to the internal DuckDB wait for the warehouse lock,
    so parallel steps never write together. On a cluster the same switch would select
    dagster-k8s' or dagster-celery's executor (docs/scaling.md).
    """
    if choice == "multiprocess":
        return dg.multiprocess_executor.configured({"max_concurrent": 2})
    if choice != "in_process":
        raise ValueError(f"{EXECUTOR_ENV} must be in_process or multiprocess, not {choice!r}")
    return dg.in_process_executor


def build_definitions(settings: LocationSettings) -> dg.Definitions:
    """The code location for `settings`: every asset, check, job, schedule and sensor, with the
    data root and warehouse as resources."""
    return dg.Definitions(
        assets=with_declared_schemas(
            with_partitions(
                [
                    *INGEST_ASSETS,
                    *PROVIDER_ASSETS,
                    *INDICATOR_ASSETS,
                    *SUPPLY_ASSETS,
                    *CONTROLLING_ASSETS,
                    *PUBLISH_ASSETS,
                ],
                settings.monthly_partitions(),
            )
        ),
        asset_checks=ASSET_CHECKS,
        jobs=[refresh_job],
        schedules=[monthly_refresh_schedule],
        sensors=[landing_files_sensor, refresh_completed, refresh_failure_alert],
        resources={
            "data_root": DataRoot(data_dir=settings.data_dir),
            "warehouse": Warehouse(warehouse_dir=settings.warehouse_dir),
        },
        executor=executor_for(settings.executor),
    )


defs = build_definitions(LocationSettings.from_env())
