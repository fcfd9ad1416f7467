"""Incremental refresh: what the landing files changed since the last completed refresh require.

Base: `archive/refreshed.json`, the landing state (path -> SHA-256) of the last refresh that
completed and the pipeline's code version then. Every refresh saves its own landing state when
it archives the files (`landing_archive`, metadata `landing_state`); when a planned refresh has
succeeded, `complete_refresh` makes that state the new base: `pipelines/run.py` does so for
`make run` and `make update`, the `refresh_completed` sensor for runs started by the landing
sensor. A run that fails leaves the base where it was, so its changes are planned again; a run
started another way (the schedule, the UI) does not move it.

Which assets: each landing folder is read by one source asset; a changed file re-runs that asset
and everything downstream of it, and the archive (`landing_archive`) always runs so that every
new file version is kept. Tables of the assets left out stay as the last run wrote them, which
is correct because their input files did not change. A change to the area polygons or to
`planning/` (settings, goals) can touch any figure, so it — like any file outside the known
folders — runs everything, and so does a changed code version.

Which checks: every asset check whose asset or additional input the run selects, e.g. the
population reconciliation (on `small_area_statistics`, reading `genesis_values` too) when only the
GENESIS control totals changed. A blocking check thus runs again on the new data, and the assets
downstream of it (the published file) wait for it and stay as they are when it fails; the publish
asset also refuses to run when a blocking check on its inputs failed or did not run since its
asset changed (`assets/publish/gate.py`).

Which months: the months a change really affects, derived from what reads them, so that the
run's result equals a full refresh:

- a statistics file: from the earliest month of its rows that differ from the archived previous
  content (the Bundesagentur's new month is usually appended to a yearly file) through the data
  root's last month, because population figures are the denominators of every later month (as-of
  join) until the next Stichtag, and a year later of `population_change`.
- a provider's report for month M: M (its `measure_reports` slice and `measure_kpis` row) and the
  two following months, whose rolling 3-month view (`kpi_status_rolling`) includes M, up to the
  data root's last month. The controlling assets are month-partitioned, so a rolling month can
  only be rewritten by running its partition; re-running M+1 and M+2 rewrites identical slices,
  which is cheap (a provider's month) and idempotent. One exception needs every month: a measure
  is expected to report from its first reported month on (`measure_kpis` writes `missing` rows
  from then), so when the change may move a measure's first month, the rows of all other months
  may change. That is the case when a measure id of the file's old or new content (or of another
  file of the same provider and month, which may replace it) appears in no report file of the
  same provider for an earlier month. Earlier rows count by their raw measure id, also when the
  reader rejected them.
- a provider's satisfaction survey: the months of the calendar quarters of its `Befragungsdatum`
  values (old and new content), because every month of a quarter shows the quarter's
  satisfaction, plus the two months after each quarter for the rolling view; within the data
  root's months. A survey whose content cannot be read (or has no `Befragungsdatum` column) runs
  every month; a single unreadable date is a rejected row and concerns no month.
- a provider's facility inventory: every month. `measure_kpis` takes a measure's capacity from
  its facility in each month the facility was open, and a corrected validity date moves that
  span; the inventory changes rarely, so finding the months of the changed rows is not worth it.
- needs survey, Zensus grid, GENESIS control totals: no monthly asset reads them.
- areas, `planning/`, anything unknown: every month.

Planning never reads a file the ingest refuses (above `limits.max_file_mb`, or a link; see
`pipelines/landing.py`): such a statistics file, report or survey counts like one whose content
is unknown, so its months run as if it could hold any (from the first month, every month).

A run covers one range of partitions, from the first to the last affected month; months in
between that no change affects are rewritten unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.fingerprint import code_fingerprint
from assets.ingest.archive import (
    LANDING_STATE,
    changed_since_refresh,
    mark_refreshed,
    refreshed_contents,
    refreshed_state,
)
from assets.ingest.parsing import parse_dates
from assets.ingest.providers import REPORT_COLUMNS, SURVEY_COLUMNS, classify_provider_file
from pipelines.jobs import range_tags
from pipelines.landing import (
    add_months,
    changed_months,
    column_values,
    months_in_root,
    partition_range,
    read_landing_file,
    size_limit,
)

ARCHIVE_ASSET = "landing_archive"
PLAN_TAG = "sozialplanung/plan"  # `full` or `changes`: a run planned here
BASE_TAG = "sozialplanung/base_state"  # the refreshed state a `changes` run was planned from
_PROVIDER_KINDS = {
    "facilities": "facilities",
    "report": "measure_reports",
    "survey": "satisfaction_responses",
}
_FOLDERS = {
    ("statistics", "small_area"): "small_area_statistics",
    ("statistics", "genesis"): "genesis_values",
    ("statistics", "zensus"): "zensus_grid",
    ("surveys", "needs"): "needs_survey_responses",
}


def source_assets(changed: list[str]) -> set[str] | None:
    """The source assets that read the changed landing files; None when everything must run."""
    sources = set()
    for rel in changed:
        parts = tuple(rel.split("/"))
        if parts[0] == "providers" and len(parts) >= 3:
            kind, _ = classify_provider_file(parts[2:])
            sources.add("provider_files")  # the inventory of every provider file
            if kind in _PROVIDER_KINDS:
                sources.add(_PROVIDER_KINDS[kind])
        elif parts[:2] in _FOLDERS and len(parts) == 3:
            sources.add(_FOLDERS[parts[:2]])
        else:
            return None
    return sources


def assets_to_refresh(
    changed: list[str], asset_graph: dg.BaseAssetGraph
) -> list[dg.AssetKey] | None:
    """Asset keys an incremental refresh of `changed` runs, sorted; None for all assets."""
    sources = source_assets(changed)
    if sources is None:
        return None
    selected = dg.AssetSelection.assets(*sources).downstream() | dg.AssetSelection.assets(
        ARCHIVE_ASSET
    )
    return sorted(selected.resolve(asset_graph), key=lambda key: key.to_user_string())


def checks_to_run(
    selection: list[dg.AssetKey], asset_graph: dg.BaseAssetGraph
) -> list[dg.AssetCheckKey]:
    """The asset checks a run of `selection` runs: those of a selected asset and those that read
    a selected asset as an additional input (the checked asset may then be left out)."""
    selected = set(selection)
    return sorted(
        (
            key
            for key in asset_graph.asset_check_keys
            if asset_graph.get(key).parent_entity_keys & selected
        ),
        key=lambda key: key.to_user_string(),
    )


def months_to_refresh(
    root: Path,
    changed: list[str],
    previous: Callable[[str], bytes | None] | None = None,
    all_months: list[str] | None = None,
    limit: float | None = None,
) -> list[str]:
    """`YYYY-MM` months the partitioned assets recompute for `changed` (maybe none), by the
    rules of this module's docstring.

    `previous` gives a file's content as of the last run (None: the file is new), so that only
    what differs counts; without it every changed file counts as new. `all_months` are the data
    root's months if the caller has scanned them already (a state's statistics are hundreds of
    megabytes). Files above `limit` bytes (default: the root's `size_limit`) are never read: the
    ingest refuses them, and unread they count like a file whose content is unknown.
    """
    limit = size_limit(root) if limit is None else limit
    if all_months is None:
        all_months = months_in_root(root, limit)
    months: set[str] = set()
    since: list[str] = []  # months from which every later month of the data root runs
    for rel in changed:
        parts = tuple(rel.split("/"))
        old = previous(rel) if previous else None
        if parts[:2] == ("statistics", "small_area"):
            current = read_landing_file(root / rel, limit)
            since.extend(
                all_months[:1] if current is None else changed_months(root / rel, current, old)
            )
        elif parts[0] == "providers" and len(parts) >= 3:
            kind, month = classify_provider_file(parts[2:])
            if kind == "report":
                months |= report_months(root, rel, month, old, all_months, limit)
            elif kind == "survey":
                months |= survey_months(root / rel, old, all_months, limit)
            elif kind == "facilities":
                since.extend(all_months[:1])
        elif source_assets([rel]) is None:  # areas, planning: everything
            since.extend(all_months[:1])
    if since:
        first = min(since)
        months |= {first, *(m for m in all_months if m >= first)}
    return sorted(months)


def report_months(
    root: Path,
    rel: str,
    month: str,
    old: bytes | None,
    all_months: list[str],
    limit: float = float("inf"),
) -> set[str]:
    """Months a new, changed or deleted report of `month` affects (`old`: its previous content;
    files above `limit` bytes are not read)."""
    later = [add_months(month, 1), add_months(month, 2)]
    affected = {month, *(m for m in later if all_months and m <= all_months[-1])}
    path = root / rel
    # a file of the same month in the other format may be the one that counts (resubmission)
    siblings = [f for _, f in _report_files(path.parent, lambda m: m == month) if f != path]
    found = [_report_ids(path, old, limit), *(_report_ids(f, None, limit) for f in siblings)]
    ids = None if None in found else set().union(*found)
    if ids is None or not _reported_before(ids, path.parent, month, limit):
        return affected | set(all_months)
    return affected


def _report_ids(path: Path, old: bytes | None, limit: float) -> set[str] | None:
    """Measure ids of a report's current and `old` content; None when one cannot be read (the
    file is above `limit` bytes, or it is gone and its previous content unknown)."""
    ids: set[str] = set()
    current = read_landing_file(path, limit)
    if current is None and path.exists():  # there, but not read: what it holds is unknown
        return None
    contents = [c for c in (current, old) if c is not None]
    if not contents:
        return None
    for content in contents:
        values = column_values(path, content, "Massnahme_ID", REPORT_COLUMNS)
        if values is None:
            return None
        ids.update(v for v in values if v)
    return ids


def _report_files(reports: Path, wanted: Callable[[str], bool]) -> list[tuple[str, Path]]:
    """(month, path) of the report files in a provider's `reports/` folder whose month is
    `wanted`, newest month first."""
    found = []
    if reports.is_dir():
        for path in reports.iterdir():
            kind, month = classify_provider_file(("reports", path.name))
            if kind == "report" and path.is_file() and wanted(month):
                found.append((month, path))
    return sorted(found, reverse=True)


def _reported_before(ids: set[str], reports: Path, month: str, limit: float) -> bool:
    """Whether every measure of `ids` appears in a report of the same provider before `month`
    (read newest first, so usually only the previous month's file). A report above `limit`
    bytes is refused by the ingest, so its measures do not count."""
    missing = set(ids)
    for _, path in _report_files(reports, lambda m: m < month):
        if not missing:
            break
        data = read_landing_file(path, limit)
        values = None if data is None else column_values(path, data, "Massnahme_ID", REPORT_COLUMNS)
        missing -= set(values or [])
    return not missing


def survey_months(
    path: Path, old: bytes | None, all_months: list[str], limit: float = float("inf")
) -> set[str]:
    """Months a new, changed or deleted satisfaction survey affects (`old`: previous content;
    a survey above `limit` bytes is not read, and runs every month)."""
    current = read_landing_file(path, limit)
    if current is None and path.exists():
        return set(all_months)
    quarters: set[str] = set()
    for content in (current, old):
        if content is None:
            continue
        values = column_values(path, content, "Befragungsdatum", SURVEY_COLUMNS)
        if values is None:
            return set(all_months)
        dates = parse_dates(pd.Series(values, dtype=object)).dropna()
        quarters.update(dates.dt.to_period("Q").dt.start_time.dt.strftime("%Y-%m"))
    if not path.is_file() and old is None:  # deleted, and what it held is unknown
        return set(all_months)
    affected = {add_months(q, k) for q in quarters for k in range(5)}
    return {m for m in affected if all_months and all_months[0] <= m <= all_months[-1]}


@dataclass(frozen=True)
class RefreshPlan:
    """One refresh run: its assets (None: all), its months, its tags and its asset checks
    (None: all, with all assets)."""

    changed: list[str]
    selection: list[dg.AssetKey] | None
    bounds: tuple[str, str] | None
    tags: dict[str, str]
    checks: list[dg.AssetCheckKey] | None = None


def plan_full(root: Path, all_months: list[str] | None = None) -> RefreshPlan:
    """Every asset over every month of the data root (`make run`)."""
    if all_months is None:
        all_months = months_in_root(root, size_limit(root))
    bounds = partition_range(all_months)
    tags = {**(range_tags(*bounds) if bounds else {}), PLAN_TAG: "full"}
    return RefreshPlan([], None, bounds, tags)


def plan_changes(root: Path, archive: Path, asset_graph: dg.BaseAssetGraph) -> RefreshPlan:
    """The run the changes since the last completed refresh require (`changed` may be empty).

    A full plan when there is no completed refresh of this code version to start from.
    """
    limit = size_limit(root)
    all_months = months_in_root(root, limit)
    changed = changed_since_refresh(root, archive, code_fingerprint(), limit)
    if changed is None:
        return plan_full(root, all_months)
    selection = assets_to_refresh(changed, asset_graph)
    if selection is None:
        full = plan_full(root, all_months)
        return RefreshPlan(changed, None, full.bounds, full.tags)
    months = months_to_refresh(root, changed, refreshed_contents(archive), all_months, limit)
    # the job's partitioned assets need a range even when none of them runs
    bounds = partition_range(months or all_months[-1:])
    tags = {
        **(range_tags(*bounds) if bounds else {}),
        PLAN_TAG: "changes",
        BASE_TAG: refreshed_state(archive) or "",
    }
    return RefreshPlan(changed, selection, bounds, tags, checks_to_run(selection, asset_graph))


def complete_refresh(instance: dg.DagsterInstance, run: dg.DagsterRun, archive: Path) -> bool:
    """After `run` succeeded: make its landing state the base of the next incremental refresh.

    Only runs planned here count: a full plan always, a plan of changes only while the base it
    was planned from is still the base (otherwise another run has moved it, and what changed
    since is planned again). Returns whether the base moved.
    """
    plan = run.tags.get(PLAN_TAG)
    if plan is None or (
        plan == "changes" and run.tags.get(BASE_TAG) != (refreshed_state(archive) or "")
    ):
        return False
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records
    states = [
        materialization.metadata[LANDING_STATE].value
        for record in records
        if (materialization := record.event_log_entry.asset_materialization) is not None
        and materialization.asset_key == dg.AssetKey(ARCHIVE_ASSET)
        and LANDING_STATE in materialization.metadata
    ]
    if not states:
        return False
    return mark_refreshed(archive, code_fingerprint(), states[-1])


def plan_key(plan: RefreshPlan, root: Path) -> str:
    """A run key for `plan`: the same changes (paths, sizes, mtimes) give the same key."""
    stats = []
    for rel in plan.changed:
        path = root / rel
        stat = path.stat() if path.is_file() else None
        stats.append([rel, stat.st_size if stat else None, stat.st_mtime_ns if stat else None])
    return hashlib.sha256(json.dumps([plan.tags, stats]).encode()).hexdigest()[:16]
