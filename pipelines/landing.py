"""What the landing folders hold, without touching the warehouse (used by the sensor and `make run`).

The months a data root covers are read from the dates in its small-area statistics files, so that
a run materializes exactly the partitions the data has. The files are read by the statistics
reader's coded reader, so a state's 225 MB take seconds and each distinct date is parsed once.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest.parsing import parse_dates
from assets.ingest.providers import REPORT_NAME
from assets.ingest.statistics import read_coded
from pipelines.partitions import monthly

WATCHED_FOLDERS = ("areas", "statistics", "planning", "providers", "surveys")


def fingerprint(root: Path) -> dict[str, str]:
    """relative path -> "size:mtime_ns" for every file in the watched folders."""
    prints = {}
    for folder in WATCHED_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file():
                stat = path.stat()
                prints[path.relative_to(root).as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return prints


def months_in_statistics(paths: list[Path]) -> list[str]:
    """Sorted `YYYY-MM` months of the parseable Stichtag values in long-format files.

    Rows are those `read_semicolon_csv` yields (lines with a wrong field count do not count).
    """
    months: set[str] = set()
    for path in paths:
        table = read_coded(path, path.read_bytes())
        column = next((h for h in table.header if h.strip().lower() == "stichtag"), None)
        if column is None:
            continue
        dates = parse_dates(pd.Series(table.columns[column].values, dtype=object)).dropna()
        months.update(dates.dt.strftime("%Y-%m").unique())
    return sorted(months)


def statistics_files(root: Path) -> list[Path]:
    folder = root / "statistics" / "small_area"
    return (
        sorted(p for p in folder.glob("*") if p.suffix.lower() == ".csv") if folder.is_dir() else []
    )


def partition_range(months: list[str]) -> tuple[str, str] | None:
    """First and last partition key covering `months`, clipped to the partitions that exist."""
    keys = monthly.get_partition_keys()
    if not months or not keys:
        return None
    first = max(f"{months[0]}-01", keys[0])
    last = min(f"{months[-1]}-01", keys[-1])
    return (first, last) if first <= last else None


def affected_months(root: Path, changed: list[str]) -> list[str]:
    """The months a set of changed landing files (relative paths) requires to recompute."""
    statistics = [p for p in changed if p.startswith("statistics/small_area/")]
    provider = [p for p in changed if p.startswith("providers/")]
    if len(statistics) + len(provider) < len(changed):  # areas, control totals, planning, ...
        return months_in_statistics(statistics_files(root))
    months = set(months_in_statistics([root / p for p in statistics]))
    for rel in provider:
        parts = rel.split("/")
        is_report = len(parts) == 4 and parts[2] == "reports"
        match = REPORT_NAME.match(parts[-1]) if is_report else None
        months.add(f"{match.group(1)}-{match.group(2)}" if match else _latest_month())
    return sorted(months)


def _latest_month() -> str:
    return monthly.get_partition_keys()[-1][:7]
