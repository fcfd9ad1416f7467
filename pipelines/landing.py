"""What the landing folders hold, without touching the warehouse (used by the sensor and `make run`).

The months a data root covers are read from the dates in its small-area statistics files, so that
a run materializes exactly the partitions the data has. The files are those the statistics asset
reads (its format in `assets/ingest/formats.py`), read by the statistics reader's coded reader,
so a state's 225 MB take seconds and each distinct date is parsed once. Planning reads only what
the ingest reads (`assets/ingest/landing_reads.py`).
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path

import dagster as dg

from assets.ingest.archive import max_bytes
from assets.ingest.formats import BY_NAME
from assets.ingest.landing_reads import months_in_data, read_landing_file
from assets.ingest.providers import discover
from assets.ingest.statistics_recipes import INCOMING, RECIPES, recipe_months, statistics_paths
from assets.partitions import month_partitions, partition_months
from assets.resources import DataRoot
from assets.settings import DEFAULTS, SettingsError, load_settings

START_CACHE = "partition_start.json"  # in the warehouse folder: see `first_month_in_root`


def size_limit(root: Path) -> float:
    """The landing files' size limit of `root` in bytes (`limits.max_file_mb`, which the ingest
    assets apply). The default limit when `settings.yaml` cannot be read: the assets then report
    the broken file, and planning still reads nothing huge."""
    try:
        limit = load_settings(root / "planning" / "settings.yaml")["limits"]["max_file_mb"]
    except SettingsError:
        limit = DEFAULTS["limits"]["max_file_mb"]
    return max_bytes(limit)


def months_in_statistics(
    paths: list[Path], limit: float = math.inf, root: Path | None = None
) -> list[str]:
    """Sorted `YYYY-MM` months of the parseable Stichtag values in long-format files and (with
    `root`) of the values the recipes make of files below `statistics/incoming/`.

    Rows are those `read_semicolon_csv` yields (lines with a wrong field count do not count).
    A file the ingest refuses (`read_landing_file`) holds no month.
    """
    incoming = [] if root is None else [p for p in paths if _is_incoming(p, root)]
    months: set[str] = set() if root is None else recipe_months(incoming, root, limit)
    for path in paths:
        data = None if path in incoming else read_landing_file(path, limit)
        if data is not None:
            months.update(months_in_data(path, data))
    return sorted(months)


def _is_incoming(path: Path, root: Path) -> bool:
    return path.relative_to(root).as_posix().startswith(INCOMING + "/")


def months_in_root(
    root: Path, limit: float | None = None, partitions_def: dg.PartitionsDefinition | None = None
) -> list[str]:
    """Sorted `YYYY-MM` months of a data root: those of its statistics and of its providers'
    report files, so that a full refresh also loads reports of months the statistics do not
    reach yet (the Bundesagentur delivers later than the providers). Report months without a
    partition in `partitions_def` (the monthly assets'; default: those of the location the
    environment chooses) do not count: `provider_files` reports them. Files above `limit` bytes
    (default: the root's `size_limit`) are not read."""
    limit = size_limit(root) if limit is None else limit
    if partitions_def is None:
        from pipelines.jobs import environment_partitions  # the jobs import the definitions

        partitions_def = environment_partitions()
    reports = set(report_months(root)) & set(partition_months(partitions_def))
    return sorted(set(months_in_statistics(statistics_files(root), limit, root)) | reports)


def first_month_in_root(
    root: Path, limit: float | None = None, cache_dir: Path | None = None
) -> str | None:
    """The earliest `YYYY-MM` month of a data root's statistics and provider report files (None
    when it has none): where its partitions start unless a start is configured.

    Every code location load asks (each run worker and, with the multiprocess executor, each
    step process builds the location; the sensor asks at each tick), and reading a state's
    statistics takes seconds. So the statistics' earliest month is kept, per process and in
    `cache_dir/partition_start.json` (the warehouse folder, when it exists), for files whose path,
    size, mtime, ctime and inode are unchanged: the identity the archive also trusts
    (`assets/ingest/archive.py`). Report months come from file names, read every time.
    """
    limit = size_limit(root) if limit is None else limit
    identities = [_identity(path) for path in statistics_files(root) + recipe_files(root)]
    first = _earliest_statistics_month(root, identities, limit, cache_dir)
    months = [first, *report_months(root)[:1]]
    return min((m for m in months if m is not None), default=None)


def _earliest_statistics_month(
    root: Path, identities: list[list], limit: float, cache_dir: Path | None
) -> str | None:
    key = {"files": identities, "limit": limit}
    cache = None if cache_dir is None else cache_dir / START_CACHE
    try:
        saved = json.loads(cache.read_text()) if cache is not None else None
    except (OSError, ValueError):
        saved = None
    if isinstance(saved, dict) and saved.get("key") == key:
        return saved.get("first_month")
    first = _earliest_month(str(root), tuple(tuple(identity) for identity in identities), limit)
    if cache is not None and cache_dir.is_dir():
        partial = cache.with_name(f"{START_CACHE}.{os.getpid()}")
        try:
            partial.write_text(json.dumps({"key": key, "first_month": first}))
            partial.replace(cache)  # atomic: concurrent loads read one whole file or the other
        except OSError:
            partial.unlink(missing_ok=True)
    return first


@functools.lru_cache(maxsize=8)
def _earliest_month(root: str, identities: tuple[tuple, ...], limit: float) -> str | None:
    """(The recipes among `identities` only key the cache: a changed recipe reads anew.)"""
    paths = [Path(identity[0]) for identity in identities]
    data = [path for path in paths if not _is_recipe(path, Path(root))]
    months = months_in_statistics(data, limit, Path(root))
    return months[0] if months else None


def _identity(path: Path) -> list:
    try:
        info = path.stat(follow_symlinks=False)
    except OSError:
        return [str(path)]
    return [str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def report_months(root: Path) -> list[str]:
    """Sorted months of the providers' report files (from their names)."""
    return sorted({f.month for f in discover(root).of_kind("report")})


def statistics_files(root: Path) -> list[Path]:
    """The statistics files of `root` the `small_area_statistics` asset reads (long CSVs and
    the files below `statistics/incoming/` its recipes read)."""
    return statistics_paths(DataRoot(data_dir=str(root)).files)


def recipe_files(root: Path) -> list[Path]:
    """The statistics recipes of `root` and their map files."""
    return BY_NAME["statistics_recipes"].files(DataRoot(data_dir=str(root)).files)


def _is_recipe(path: Path, root: Path) -> bool:
    return path.relative_to(root).as_posix().startswith(RECIPES + "/")


def partition_range(
    months: list[str], partitions_def: dg.PartitionsDefinition
) -> tuple[str, str] | None:
    """First and last month partition key covering `months`, clipped to the months that have a
    partition in `partitions_def` (the monthly assets')."""
    keys = month_partitions(partitions_def).get_partition_keys()
    if not months or not keys:
        return None
    first = max(f"{months[0]}-01", keys[0])
    last = min(f"{months[-1]}-01", keys[-1])
    return (first, last) if first <= last else None
