"""What the landing folders hold, without touching the warehouse (used by the sensor and `make run`).

The months a data root covers are read from the dates in its small-area statistics files, so that
a run materializes exactly the partitions the data has. The files are read by the statistics
reader's coded reader, so a state's 225 MB take seconds and each distinct date is parsed once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from assets.ingest.parsing import (
    Records,
    UnreadableFile,
    match_columns,
    parse_dates,
    parse_semicolon,
    parse_xlsx,
)
from assets.ingest.providers import discover
from assets.ingest.statistics import read_coded
from pipelines.partitions import monthly, partition_months


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


def column_values(path: Path, data: bytes, column: str, expected: list[str]) -> list[str] | None:
    """The values of `column` in a delivery's content `data` (CSV or XLSX, told by `path`'s
    suffix), as the readers see them; None when the content cannot be read or lacks the column.

    `data` may be an earlier version of `path` taken from the archive, so XLSX content goes
    through a temporary file (openpyxl reads files).
    """
    try:
        records = _records(path, data, expected)
    except UnreadableFile:
        return None
    found, _ = match_columns(records.header, [column])
    if column not in found:
        return None
    index = records.header.index(found[column])
    return [record[index] for record in records.records]


def _records(path: Path, data: bytes, expected: list[str]) -> Records:
    if path.suffix.lower() != ".xlsx":
        return parse_semicolon(data)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "delivery.xlsx"
        copy.write_bytes(data)
        return parse_xlsx(copy, expected)


def add_months(month: str, count: int) -> str:
    """The `YYYY-MM` month `count` calendar months after `month` (before, if negative)."""
    year, number = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + count, 12)
    return f"{year:04d}-{number + 1:02d}"


def months_in_root(root: Path) -> list[str]:
    """Sorted `YYYY-MM` months of a data root: those of its statistics and of its providers'
    report files, so that a full refresh also loads reports of months the statistics do not
    reach yet (the Bundesagentur delivers later than the providers)."""
    open_months = set(partition_months())  # the others are reported by `provider_files`
    reports = {f.month for f in discover(root).of_kind("report")} & open_months
    return sorted(set(months_in_statistics(statistics_files(root))) | reports)


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
