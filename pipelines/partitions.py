"""Which partitions the code location gives the monthly assets: per month, or per month and
municipality (the partition mode of `LocationSettings`, `SOZIALPLANUNG_PARTITIONS`).

- `month` (default): one partition per month (`assets.partitions.monthly`).
- `month_municipality`: one partition per month and municipality (`ags|month`, e.g.
  `05999000|2025-10-01`), the municipalities read from the area files of the data root when the
  definitions are built (static partitions: a new municipality needs a reload). A run over a
  range covers the rectangle of municipalities × months between its start and end keys, so a
  full refresh is still one run. `indicator_values` computes and rewrites only the
  municipalities of its partitions. Provider deliveries and measures are per Träger, and
  goals.yaml is shared by the whole data root, so the three controlling assets rewrite the runs'
  months for every municipality (rewriting a month slice is idempotent, so overlapping runs
  agree).

Nothing here reads the environment: `pipelines/definitions.py` passes the mode and the data root.
docs/scaling.md §3 explains what this prepares for.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.ingest.areas import municipalities_in
from assets.partitions import MUNICIPALITY_DIMENSION, by_municipality, monthly

PARTITIONS_ENV = "SOZIALPLANUNG_PARTITIONS"
PARTITION_MODES = ("month", "month_municipality")


def monthly_partitions(mode: str, data_dir: Path) -> dg.PartitionsDefinition:
    """The partitions of the monthly assets in partition `mode` for the data root `data_dir`."""
    if mode not in PARTITION_MODES:
        raise ValueError(f"{PARTITIONS_ENV} must be month or month_municipality, not {mode!r}")
    if mode == "month":
        return monthly
    municipalities = municipalities_in(data_dir)
    if not municipalities:
        raise ValueError(f"{PARTITIONS_ENV}=month_municipality: no municipality in the area files")
    return by_municipality(municipalities)


def with_partitions(
    assets: list[dg.AssetsDefinition], partitions_def: dg.PartitionsDefinition
) -> list[dg.AssetsDefinition]:
    """The assets with `partitions_def` in place of the monthly partitions they declare."""
    if partitions_def == monthly:
        return list(assets)
    return [
        a.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=partitions_def))
        if a.partitions_def == monthly
        else a
        for a in assets
    ]


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
