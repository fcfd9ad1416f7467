"""Month impacts: which monthly partitions a new, changed or deleted landing file touches.

Each delivery format (`assets/ingest/formats.py`) names its rule; the incremental planner
(`pipelines/incremental.py`) applies them, so that a run over the months they give equals a full
refresh. The rules follow from what reads the files:

- a statistics file (`statistics_months`): from the earliest month of its rows that differ from
  the archived previous content through the data root's last month.
- a provider's report for month M (`report_months`): M and the months whose rolling view
  includes M; all months when the change may move a measure's first reported month.
- a provider's satisfaction survey (`survey_months`): the months of its calendar quarters and
  the months whose rolling view includes them.
- a provider's facility inventory, the areas, `planning/` and any unknown file (`every_month`):
  every month.
- needs survey, Zensus grid, GENESIS control totals (`no_month`): no monthly asset reads them.

A file the ingest refuses (above `limits.max_file_mb`, or a link; see `read_landing_file`) is
never read here: such a statistics file, report or survey counts like one whose content is
unknown, so its months run as if it could hold any (from the first month, every month).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from assets.controlling.status import ROLLING_WINDOW_MONTHS
from assets.ingest.landing_reads import add_months, changed_months, column_values, read_landing_file
from assets.ingest.parsing import parse_dates

if TYPE_CHECKING:
    from assets.ingest.formats import Format


@dataclass(frozen=True)
class Change:
    """A new, changed or deleted landing file of format `fmt`, as a month rule sees it.

    `previous` is its content as of the last refresh (None: new, or unknown), `all_months` the
    data root's sorted `YYYY-MM` months, and files above `limit` bytes are not read.
    """

    root: Path
    rel: str
    fmt: Format | None  # None: a file of no known format
    previous: bytes | None
    all_months: list[str]
    limit: float = float("inf")


@dataclass(frozen=True)
class Impact:
    """The months a change touches: `months`, and every month of the root from `since` on."""

    months: frozenset[str] = frozenset()
    since: str | None = None


MonthRule = Callable[[Change], Impact]


def every_month(change: Change) -> Impact:
    """Every month, e.g. for a facility inventory: `measure_kpis` takes a measure's capacity
    from its facility in each month the facility was open, and a corrected validity date moves
    that span; the inventory changes rarely, so finding the months of the changed rows is not
    worth it. Areas, `planning/` (settings, goals) and unknown files can touch any figure."""
    return Impact(since=change.all_months[0] if change.all_months else None)


def no_month(change: Change) -> Impact:
    """No month: no monthly asset reads the file (needs survey, Zensus, GENESIS), or nothing
    reads it at all (a file outside the providers' pattern, which only the inventory lists)."""
    return Impact()


def statistics_months(change: Change) -> Impact:
    """From the earliest month of the rows that differ from the archived previous content (the
    Bundesagentur's new month is usually appended to a yearly file) on: population figures are
    the denominators of every later month (as-of join) until the next Stichtag, and a year later
    of `population_change`. A file the ingest refuses counts from the first month."""
    path = change.root / change.rel
    current = read_landing_file(path, change.limit)
    if current is None:
        return every_month(change)
    months = changed_months(path, current, change.previous)
    return Impact(since=min(months) if months else None)


def report_months(change: Change) -> Impact:
    """A report of month M touches M (its `measure_reports` slice and `measure_kpis` row) and
    the following months whose rolling view (`kpi_status_rolling`, `ROLLING_WINDOW_MONTHS`)
    includes M, up to the data root's last month. The controlling assets are month-partitioned,
    so a rolling month can only be rewritten by running its partition; re-running the later
    months rewrites identical slices, which is cheap (a provider's month) and idempotent.

    One exception needs every month: a measure is expected to report from its first reported
    month on (`measure_kpis` writes `missing` rows from then), so when the change may move a
    measure's first month, the rows of all other months may change. That is the case when a
    measure id of the file's old or new content (or of another file of the same provider and
    month, which may replace it) appears in no report file of the same provider for an earlier
    month. Earlier rows count by their raw measure id, also when the reader rejected them.
    """
    month, all_months = change.fmt.period(change.rel), change.all_months
    later = [add_months(month, k) for k in range(1, ROLLING_WINDOW_MONTHS)]
    affected = {month, *(m for m in later if all_months and m <= all_months[-1])}
    path = change.root / change.rel
    # a file of the same month in the other format may be the one that counts (resubmission)
    siblings = [f for _, f in _report_files(change, lambda m: m == month) if f != path]
    found = [
        _report_ids(change, path, change.previous),
        *(_report_ids(change, f) for f in siblings),
    ]
    ids = None if None in found else set().union(*found)
    if ids is None or not _reported_before(change, ids, month):
        return Impact(frozenset(affected | set(all_months)))
    return Impact(frozenset(affected))


def _report_ids(change: Change, path: Path, old: bytes | None = None) -> set[str] | None:
    """Measure ids of a report's current and `old` content; None when one cannot be read (the
    file is above the limit, or it is gone and its previous content unknown)."""
    ids: set[str] = set()
    current = read_landing_file(path, change.limit)
    if current is None and path.exists():  # there, but not read: what it holds is unknown
        return None
    contents = [c for c in (current, old) if c is not None]
    if not contents:
        return None
    for content in contents:
        values = _values(change, path, content, "Massnahme_ID")
        if values is None:
            return None
        ids.update(v for v in values if v)
    return ids


def _report_files(change: Change, wanted: Callable[[str], bool]) -> list[tuple[str, Path]]:
    """(month, path) of the report files in the changed report's folder whose month is
    `wanted`, newest month first."""
    reports = (change.root / change.rel).parent
    folder = reports.relative_to(change.root).as_posix()
    found = []
    if reports.is_dir():
        for path in reports.iterdir():
            month = change.fmt.period(f"{folder}/{path.name}")
            if month is not None and path.is_file() and wanted(month):
                found.append((month, path))
    return sorted(found, reverse=True)


def _reported_before(change: Change, ids: set[str], month: str) -> bool:
    """Whether every measure of `ids` appears in a report of the same provider before `month`
    (read newest first, so usually only the previous month's file). A report above the limit
    is refused by the ingest, so its measures do not count."""
    missing = set(ids)
    for _, path in _report_files(change, lambda m: m < month):
        if not missing:
            break
        data = read_landing_file(path, change.limit)
        values = None if data is None else _values(change, path, data, "Massnahme_ID")
        missing -= set(values or [])
    return not missing


def survey_months(change: Change) -> Impact:
    """The months of the calendar quarters of the survey's `Befragungsdatum` values (old and new
    content), because every month of a quarter shows the quarter's satisfaction, plus the months
    after each quarter whose rolling view includes it; within the data root's months. A survey
    whose content cannot be read (or has no `Befragungsdatum` column) runs every month; a single
    unreadable date is a rejected row and concerns no month."""
    path, all_months = change.root / change.rel, change.all_months
    current = read_landing_file(path, change.limit)
    if current is None and path.exists():
        return Impact(frozenset(all_months))
    quarters: set[str] = set()
    for content in (current, change.previous):
        if content is None:
            continue
        values = _values(change, path, content, "Befragungsdatum")
        if values is None:
            return Impact(frozenset(all_months))
        dates = parse_dates(pd.Series(values, dtype=object)).dropna()
        quarters.update(dates.dt.to_period("Q").dt.start_time.dt.strftime("%Y-%m"))
    if not path.is_file() and change.previous is None:  # deleted, and what it held is unknown
        return Impact(frozenset(all_months))
    span = 3 + ROLLING_WINDOW_MONTHS - 1  # the quarter's months and the rolling months after
    affected = {add_months(q, k) for q in quarters for k in range(span)}
    return Impact(
        frozenset(m for m in affected if all_months and all_months[0] <= m <= all_months[-1])
    )


def _values(change: Change, path: Path, content: bytes, column: str) -> list[str] | None:
    fmt = change.fmt
    return column_values(path, content, column, list(fmt.columns), fmt.parse)
