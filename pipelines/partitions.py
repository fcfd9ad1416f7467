"""Which partitions the code location gives the monthly assets: where they start, and whether
per month or per month and municipality (`LocationSettings`: `SOZIALPLANUNG_FIRST_MONTH`,
`SOZIALPLANUNG_PARTITIONS`).

Start: the configured first month, else the data root's first month (`first_month_in_root`:
the earliest month of its statistics and its providers' report files), read when the definitions
are built; a root without either starts with the month that has just closed. So the UI's
"missing" counts months that have data and have not run. A later delivery with an earlier
month moves a derived start when the location is next loaded; docs/operations.md says when.

Mode:
- `month` (default): one partition per month.
- `month_municipality`: one partition per month and municipality (`ags|month`, e.g.
  `05999000|2025-10-01`), the municipalities read from the area files of the data root when the
  definitions are built (static partitions: a new municipality needs a reload). A run over a
  range covers the rectangle of municipalities × months between its start and end keys, so a
  full refresh is still one run. `indicator_values` computes and rewrites only the
  municipalities of its partitions. Provider deliveries and measures are per Träger, and
  goals.yaml is shared by the whole data root, so the three controlling assets rewrite the runs'
  months for every municipality (rewriting a month slice is idempotent, so overlapping runs
  agree).

Nothing here reads the environment: `pipelines/definitions.py` passes the mode, the start and the
data root. docs/scaling.md §3 explains what the mode prepares for.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from assets.ingest.areas import municipalities_in
from assets.ingest.landing_reads import add_months
from assets.partitions import (
    MUNICIPALITY_DIMENSION,
    TIMEZONE,
    by_municipality,
    month_partitions,
    monthly,
    monthly_from,
)
from pipelines.landing import first_month_in_root

PARTITIONS_ENV = "SOZIALPLANUNG_PARTITIONS"
FIRST_MONTH_ENV = "SOZIALPLANUNG_FIRST_MONTH"
PARTITION_MODES = ("month", "month_municipality")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def monthly_partitions(mode: str, data_dir: Path, first_month: str) -> dg.PartitionsDefinition:
    """The partitions of the monthly assets in partition `mode` for the data root `data_dir`,
    from `first_month` (`YYYY-MM`, see `partition_start`)."""
    if mode not in PARTITION_MODES:
        raise ValueError(f"{PARTITIONS_ENV} must be month or month_municipality, not {mode!r}")
    months = monthly_from(first_month)
    if mode == "month":
        return months
    municipalities = municipalities_in(data_dir)
    if not municipalities:
        raise ValueError(f"{PARTITIONS_ENV}=month_municipality: no municipality in the area files")
    return by_municipality(municipalities, months)


def partition_start(
    configured: str | None, data_dir: Path, warehouse_dir: Path | None = None
) -> str:
    """The first month (`YYYY-MM`) of the monthly partitions: `configured`, else the data
    root's first month (its statistics' earliest kept in `warehouse_dir`, see
    `first_month_in_root`), never later than the month that has just closed (so there is always
    a partition: the schedule's)."""
    last = last_closed_month()
    if configured is None:
        return min(first_month_in_root(data_dir, cache_dir=warehouse_dir) or last, last)
    if not MONTH.match(configured):
        raise ValueError(f"{FIRST_MONTH_ENV} muss ein Monat JJJJ-MM sein, nicht {configured!r}")
    if configured > last:
        raise ValueError(
            f"{FIRST_MONTH_ENV}={configured} liegt nach dem letzten abgeschlossenen Monat {last}"
        )
    return configured


def moved_start(
    configured: str | None,
    data_dir: Path,
    warehouse_dir: Path,
    partitions_def: dg.PartitionsDefinition,
) -> str | None:
    """Why the monthly partitions of a loaded code location (`partitions_def`) no longer fit its
    data root: a delivery moved the start before their first month; None when they fit."""
    start = partition_start(configured, data_dir, warehouse_dir)
    first = month_partitions(partitions_def).get_first_partition_key()[:7]
    if start >= first:
        return None
    return (
        f"Die Daten beginnen jetzt {start}, die Partitionen {first}: Code-Location neu laden "
        "(UI: Deployment, Reload), dann werden die Änderungen mit den neuen Monaten geplant"
    )


def last_closed_month() -> str:
    """The month (`YYYY-MM`) that has just closed in Europe/Berlin: the last monthly partition."""
    return add_months(f"{dt.datetime.now(ZoneInfo(TIMEZONE)):%Y-%m}", -1)


def with_partitions(
    assets: list[dg.AssetsDefinition], partitions_def: dg.PartitionsDefinition
) -> list[dg.AssetsDefinition]:
    """The assets with `partitions_def` in place of the monthly partitions they declare."""
    return [
        a.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=partitions_def))
        if a.partitions_def == monthly
        else a
        for a in assets
    ]


def partitions_of(asset_graph: dg.BaseAssetGraph) -> dg.PartitionsDefinition:
    """The monthly assets' partitions in `asset_graph` (a code location's; they share one)."""
    return next(
        node.partitions_def for node in asset_graph.asset_nodes if node.partitions_def is not None
    )


def range_keys(
    first_month: str, last_month: str, partitions_def: dg.PartitionsDefinition
) -> tuple[str, str]:
    """Start and end partition keys of a run over the months `first_month` … `last_month`
    (partition keys such as `2025-10-01`), every municipality included."""
    if not isinstance(partitions_def, dg.MultiPartitionsDefinition):
        return first_month, last_month
    municipalities = partitions_def.get_partitions_def_for_dimension(
        MUNICIPALITY_DIMENSION
    ).get_partition_keys()
    return f"{municipalities[0]}|{first_month}", f"{municipalities[-1]}|{last_month}"
