"""What the landing folders hold, without touching the warehouse (used by the sensor and `make run`).

The months a data root covers are read from the dates in its small-area statistics files, so that
a run materializes exactly the partitions the data has. The files are those the statistics asset
reads (its format in `assets/ingest/formats.py`), read by the statistics reader's coded reader,
so a state's 225 MB take seconds and each distinct date is parsed once. Planning reads only what
the ingest reads (`assets/ingest/landing_reads.py`).
"""

from __future__ import annotations

import math
from pathlib import Path

from assets.ingest.archive import max_bytes
from assets.ingest.formats import asset_files
from assets.ingest.landing_reads import months_in_data, read_landing_file
from assets.ingest.providers import discover
from assets.partitions import monthly, partition_months
from assets.resources import DataRoot
from assets.settings import DEFAULTS, SettingsError, load_settings


def size_limit(root: Path) -> float:
    """The landing files' size limit of `root` in bytes (`limits.max_file_mb`, which the ingest
    assets apply). The default limit when `settings.yaml` cannot be read: the assets then report
    the broken file, and planning still reads nothing huge."""
    try:
        limit = load_settings(root / "planning" / "settings.yaml")["limits"]["max_file_mb"]
    except SettingsError:
        limit = DEFAULTS["limits"]["max_file_mb"]
    return max_bytes(limit)


def months_in_statistics(paths: list[Path], limit: float = math.inf) -> list[str]:
    """Sorted `YYYY-MM` months of the parseable Stichtag values in long-format files.

    Rows are those `read_semicolon_csv` yields (lines with a wrong field count do not count).
    A file the ingest refuses (`read_landing_file`) holds no month.
    """
    months: set[str] = set()
    for path in paths:
        data = read_landing_file(path, limit)
        if data is not None:
            months.update(months_in_data(path, data))
    return sorted(months)


def months_in_root(root: Path, limit: float | None = None) -> list[str]:
    """Sorted `YYYY-MM` months of a data root: those of its statistics and of its providers'
    report files, so that a full refresh also loads reports of months the statistics do not
    reach yet (the Bundesagentur delivers later than the providers). Files above `limit` bytes
    (default: the root's `size_limit`) are not read."""
    limit = size_limit(root) if limit is None else limit
    open_months = set(partition_months())  # the others are reported by `provider_files`
    reports = {f.month for f in discover(root).of_kind("report")} & open_months
    return sorted(set(months_in_statistics(statistics_files(root), limit)) | reports)


def statistics_files(root: Path) -> list[Path]:
    """The statistics files of `root` the `small_area_statistics` asset reads."""
    return asset_files("small_area_statistics", DataRoot(data_dir=str(root)).files)


def partition_range(months: list[str]) -> tuple[str, str] | None:
    """First and last partition key covering `months`, clipped to the partitions that exist."""
    keys = monthly.get_partition_keys()
    if not months or not keys:
        return None
    first = max(f"{months[0]}-01", keys[0])
    last = min(f"{months[-1]}-01", keys[-1])
    return (first, last) if first <= last else None
