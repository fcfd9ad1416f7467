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


def months_in_statistics(paths: list[Path]) -> list[str]:
    """Sorted `YYYY-MM` months of the parseable Stichtag values in long-format files.

    Rows are those `read_semicolon_csv` yields (lines with a wrong field count do not count).
    """
    months: set[str] = set()
    for path in paths:
        months.update(months_in_data(path, path.read_bytes()))
    return sorted(months)


def months_in_data(path: Path, data: bytes) -> list[str]:
    """`months_in_statistics` of one file's content (`path` names it in messages)."""
    table = read_coded(path, data)
    column = next((h for h in table.header if h.strip().lower() == "stichtag"), None)
    if column is None:
        return []
    dates = parse_dates(pd.Series(table.columns[column].values, dtype=object)).dropna()
    return sorted(dates.dt.strftime("%Y-%m").unique())


def changed_months(path: Path, previous: bytes | None) -> list[str]:
    """Months of the rows that differ between the `previous` content of a statistics file and
    its current one (all its months without a previous content or when the header changed).

    The Bundesagentur's months are usually appended to a yearly file; the new month's rows are
    then the only difference.
    """
    current = path.read_bytes()
    if previous is None:
        return months_in_data(path, current)
    header, _, body = current.partition(b"\n")
    old_header, _, old_body = previous.partition(b"\n")
    if header.strip() != old_header.strip():
        return sorted(set(months_in_data(path, current)) | set(months_in_data(path, previous)))
    lines = {line.rstrip(b"\r") for line in body.split(b"\n")}
    old_lines = {line.rstrip(b"\r") for line in old_body.split(b"\n")}
    differing = sorted((lines ^ old_lines) - {b""})
    if not differing:
        return []
    return months_in_data(path, b"\n".join([header, *differing]) + b"\n")


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
