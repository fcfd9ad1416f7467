"""What the landing folders hold, without touching the warehouse (used by the sensor and `make run`).

The months a data root covers are read from the dates in its small-area statistics files, so that
a run materializes exactly the partitions the data has. The files are read by the statistics
reader's coded reader, so a state's 225 MB take seconds and each distinct date is parsed once.

Planning reads only what the ingest reads (`read_landing_file`): no file above
`limits.max_file_mb` (a 1 GiB delivery would otherwise be read whole before the run refuses it),
no link and nothing but a regular file (a link to a device or a pipe could block the run forever).
"""

from __future__ import annotations

import math
import os
import stat
import tempfile
from pathlib import Path

import pandas as pd

from assets.ingest.archive import max_bytes
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
from assets.partitions import monthly, partition_months
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


def read_landing_file(path: Path, limit: float) -> bytes | None:
    """The content of the landing file `path`; None when the ingest does not read it either: it
    is missing, a link, not a regular file, or larger than `limit` bytes.

    Opened without following a link and without waiting for a writer (a pipe), checked on the
    open file, and never more than `limit` + 1 bytes are read, so a file that grows meanwhile
    costs no more memory than the limit.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        data = handle.read() if math.isinf(limit) else handle.read(int(limit) + 1)
    return None if len(data) > limit else data


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


def months_in_data(path: Path, data: bytes) -> list[str]:
    """`months_in_statistics` of one file's content (`path` names it in messages)."""
    table = read_coded(path, data)
    column = next((h for h in table.header if h.strip().lower() == "stichtag"), None)
    if column is None:
        return []
    dates = parse_dates(pd.Series(table.columns[column].values, dtype=object)).dropna()
    return sorted(dates.dt.strftime("%Y-%m").unique())


def changed_months(path: Path, current: bytes, previous: bytes | None) -> list[str]:
    """Months of the rows that differ between the `previous` content of a statistics file and
    its `current` one (all its months without a previous content or when the header changed).

    The Bundesagentur's months are usually appended to a yearly file; the new month's rows are
    then the only difference.
    """
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
