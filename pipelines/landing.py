"""What the landing folders hold, without touching the warehouse (used by the sensor and `make run`).

The months a data root covers are read from the dates in its small-area statistics files, so that
a run materializes exactly the partitions the data has. The files are read by the statistics
reader's coded reader, so a state's 225 MB take seconds and each distinct date is parsed once.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest.parsing import parse_dates
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
