"""Reading landing files for planning, without touching the warehouse.

Planning reads only what the ingest reads (`read_landing_file`): no file above
`limits.max_file_mb` (a 1 GiB delivery would otherwise be read whole before the run refuses it),
no link and nothing but a regular file (a link to a device or a pipe could block the run forever).
Contents are parsed by the parser the file's format declares (`assets/ingest/formats.py`), so
planning sees the rows the reader sees.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from assets.ingest.parsing import Records, UnreadableFile, match_columns, parse_dates
from assets.ingest.statistics_table import read_coded


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


def months_in_data(path: Path, data: bytes) -> list[str]:
    """Sorted `YYYY-MM` months of the parseable Stichtag values of one long-format statistics
    file's content (`path` names it in messages). Rows are those `read_semicolon_csv` yields
    (lines with a wrong field count do not count)."""
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


def column_values(
    path: Path,
    data: bytes,
    column: str,
    expected: list[str],
    parse: Callable[[Path, list[str], bytes | None], Records],
) -> list[str] | None:
    """The values of `column` in a delivery's content `data` as `parse` (the format's parser)
    reads it; None when the content cannot be read or lacks the column. `data` may be an
    earlier version of `path`, taken from the archive."""
    try:
        records = parse(path, expected, data)
    except UnreadableFile:
        return None
    found, _ = match_columns(records.header, [column])
    if column not in found:
        return None
    index = records.header.index(found[column])
    return [record[index] for record in records.records]


def add_months(month: str, count: int) -> str:
    """The `YYYY-MM` month `count` calendar months after `month` (before, if negative)."""
    year, number = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + count, 12)
    return f"{year:04d}-{number + 1:02d}"
